// A small figure description turned into a gnuplot script and data file
// (Debian gnuplot-nox 5.4, `set terminal svg`), and the gnuplot run.
// Internal to initcheck_report_render.
//
// House style (reports/README): legend in a strip below the panels, never
// over the data; every series has a colour (Okabe-Ito), a dash pattern and a
// point type, so that series stay distinguishable in greyscale; log axes get
// explicit tick lists (one labelled tick per 1, 2, 5, 10, ... decades, minor
// ticks per decade), because gnuplot 5.4.4 loops forever on `set ytics <incr>`
// for a log axis with a large increment; values that a log axis cannot show
// (0, negative, not finite) are dropped from the data and must be marked by
// the caller with a label.
#ifndef INITCHECK_REPORT_GNUPLOT_H_
#define INITCHECK_REPORT_GNUPLOT_H_

#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace initcheck::report::gp {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A series' look. color "#rrggbb"; dash: gnuplot dash pattern ("" solid,
// e.g. "(8,4)"); point: gnuplot point type.
struct Look {
  std::string color = "#000000";
  std::string dash;
  int point = 7;
};
// The i-th look of the palette (8 entries, cycled): Okabe-Ito colours with
// distinct dashes and points.
Look palette(int i);

enum class Kind {
  kLine,        // x, y
  kPoints,      // x, y
  kLinePoints,  // x, y
  kBand,        // x, y (low), y2 (high): a filled band
  kErrorBars,   // x, y, y2 (half-width): points with error bars
  kSteps,       // x (bin left edges), y: a histogram outline (fsteps)
  kImpulses,    // x, y
};

struct Series {
  Kind kind = Kind::kLine;
  std::vector<double> x, y, y2;
  Look look;
  double width = 2.0;  // line width
  double point_size = 0.9;
  double alpha = 0.18;  // band opacity
  std::string title;    // legend entry ("" = none); plain text
};

struct Axis {
  std::string label;  // enhanced text (caller escapes data strings)
  bool log = false;
  double min = kNaN, max = kNaN;  // NaN: from the data (log: whole decades)
  double tic = kNaN;              // linear axes: major tic increment (NaN: gnuplot's)
  int minor = 0;                  // linear axes: minor tics per interval (0: none)
  std::string format;             // linear axes: tic label format ("" = gnuplot's)
  // Explicit major tics (value, label); replace the automatic ones.
  std::vector<std::pair<double, std::string>> tics;
};

struct Panel {
  std::string title;  // enhanced text
  Axis x, y;
  std::vector<Series> series;
  std::vector<std::string> commands;  // extra gnuplot commands (labels, arrows)
  bool key_inside = false;            // a key inside this panel (only for a panel whose
                                      // series titles do not cover data; default: none)
};

struct LegendEntry {
  std::string title;  // plain text
  Kind kind = Kind::kLine;
  Look look;
  double alpha = 0.18;
};

struct Figure {
  int width = 900, height = 600;
  int cols = 1;       // panels per row
  std::string title;  // enhanced text, above the panels
  std::vector<Panel> panels;
  std::vector<LegendEntry> legend;  // a strip below the panels
  int legend_cols = 3;
  int left = 98, right = 18, top = 40, bottom = 72;  // panel margins, pixels
};

// Escapes the characters gnuplot's enhanced text treats specially, for text
// written verbatim between double quotes of the script (labels, tic lists):
// "\\_" there is a literal underscore.
std::string escape(std::string_view text);
// The same for text that build() quotes itself (panel and figure titles, axis
// labels), which doubles every backslash: one backslash here.
std::string escape_quoted(std::string_view text);

// Explicit tick list for a log axis over [10^a, 10^b] ("set xtics (...)").
std::string log_tics(int a, int b);

struct Script {
  std::string gp;    // the gnuplot script (reads `data`, writes `svg`)
  std::string data;  // the data file: one block per series
};
Script build(const Figure& f, const std::string& data_file, const std::string& svg_file);

// Writes the script and data into dir, runs gnuplot there, returns the SVG.
// Throws initcheck::Error (one line) if gnuplot is missing or fails.
std::string render(const Figure& f, const std::string& dir, const std::string& name);

}  // namespace initcheck::report::gp

#endif  // INITCHECK_REPORT_GNUPLOT_H_
