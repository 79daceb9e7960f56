// Helpers shared by the renderers (internal to initcheck_report_render).
#ifndef INITCHECK_REPORT_RENDER_UTIL_H_
#define INITCHECK_REPORT_RENDER_UTIL_H_

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gnuplot.h"
#include "initcheck/report/propagation_render.h"

namespace initcheck::report::util {

using J = nlohmann::json;

// A number of the data, NaN for null / missing.
inline double D(const J& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_number()) return std::nan("");
  return j[key].get<double>();
}
inline std::string S(const J& j, const char* key) {
  if (!j.is_object() || !j.contains(key) || !j[key].is_string()) return "";
  return j[key].get<std::string>();
}

// p-values: 3 decimals, or 2 significant digits below 1e-3.
inline std::string P(double p) {
  if (std::isnan(p)) return "–";
  if (p == 0) return "0";
  if (p < 1e-3) return fmt::format("{:.1e}", p);
  return fmt::format("{:.3f}", p);
}

// A statistic to 4 significant digits. Magnitudes below 1e-12 (rounding
// residuals such as an orthogonality error, which differ between machines
// and compilers in their last bits) are printed as the bound "< 1e-12",
// which every machine reproduces.
inline std::string G(double x) {
  if (std::isnan(x)) return "–";
  if (x != 0 && std::fabs(x) < 1e-12) return "< 1e-12";
  return fmt::format("{:.4g}", x);
}

// Element counts: 256 Ki, 4 Mi, or plain.
inline std::string N(int64_t n) {
  if (n >= (int64_t{1} << 20) && n % (int64_t{1} << 20) == 0) return fmt::format("{} Mi", n >> 20);
  if (n >= 1024 && n % 1024 == 0) return fmt::format("{} Ki", n >> 10);
  return fmt::format("{}", n);
}

// Markdown table cell: no pipes, no newlines.
// An integer in Unicode superscript digits ("-5" -> "⁻⁵"), for powers of ten.
inline std::string Superscript(int64_t k) {
  static const char* const kSup[] = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};
  std::string s;
  for (const char c : std::to_string(k)) s += c == '-' ? "⁻" : kSup[c - '0'];
  return s;
}

inline std::string Cell(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '|' ? '/' : c == '\n' ? ' ' : c;
  return o;
}

// The provenance line every report starts with.
inline std::string Provenance(const std::string& commit, const std::string& data,
                              const std::string& regenerate) {
  return fmt::format(
      "*Generated from {} (commit `{}`) by `{}`; the settings and seeds are stated below and "
      "recorded in the data.*\n\n",
      data, commit.empty() ? "unknown" : commit, regenerate);
}

// Runs gnuplot on the figure in plot_dir, adds figures/<name>.svg to
// `files`, returns the markdown image line.
std::string Figure(const gp::Figure& figure, const std::string& plot_dir, const std::string& name,
                   const std::string& alt, std::vector<RenderedFile>& files);

// The tail calibration's headline (tail_render.cc), for its report and the
// index: over all cells, how many exceed (significantly above max_ratio x
// alpha) or are suspect; per alpha, the largest observed / nominal ratio
// (-1 if none is finite) and where ("case `test`").
struct TailHeadline {
  int exceeds = 0, suspect = 0, cells = 0;
  std::vector<double> top;
  std::vector<std::string> where;
};
TailHeadline tail_headline(const nlohmann::json& tail);

}  // namespace initcheck::report::util

#endif  // INITCHECK_REPORT_RENDER_UTIL_H_
