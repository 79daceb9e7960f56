// File: initcheck/report/svg.h
//
// A small SVG line-plot writer for the generated reports: lines, shaded
// bands, markers, linear or log axes with labelled ticks, a legend and a
// title. The output is plain SVG 1.1 (no scripts, no external fonts) that
// renders the same in a browser and on GitHub, and is byte-for-byte
// deterministic (fixed-precision numbers), so regenerated reports only change
// when the data does.
//
// Why our own: the Debian archive offers plotting programs (gnuplot,
// matplotlib) but no C++ library that writes SVG; a report generator that
// shells out to gnuplot would add a runtime dependency and make the output
// depend on its version. The subset needed here is ~300 lines.
#ifndef INITCHECK_REPORT_SVG_H_
#define INITCHECK_REPORT_SVG_H_

#include <optional>
#include <string>
#include <vector>

namespace initcheck::report {

struct Line {
  std::string label;  // legend entry; empty = no entry
  std::vector<double> x, y;
  std::string color = "#1f77b4";
  bool dashed = false;
  bool markers = false;    // a dot at each point
  double width = 1.8;      // stroke width (px)
};

struct Band {
  std::string label;
  std::vector<double> x, low, high;
  std::string color = "#1f77b4";
  double opacity = 0.2;
};

struct Plot {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool log_x = false;
  bool log_y = false;
  std::vector<Band> bands;  // drawn first
  std::vector<Line> lines;
  std::optional<double> x_min, x_max, y_min, y_max;  // default: data range
  int width = 640;   // px
  int height = 400;  // px
  // Horizontal reference line (e.g. ratio 1), drawn dotted grey.
  std::optional<double> y_reference;
  // Legend to the right of the plot area (the SVG grows wider) instead of
  // inside its top-right corner; for plots with many series.
  bool legend_outside = false;
};

// The SVG document. Non-finite points (and non-positive ones on a log axis)
// break lines and are skipped.
std::string render_svg(const Plot& plot);

// A categorical palette (10 colours, colour-blind friendly order).
const std::string& palette(size_t i);

}  // namespace initcheck::report

#endif  // INITCHECK_REPORT_SVG_H_
