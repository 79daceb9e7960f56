// SVG line plots (see initcheck/report/svg.h).
#include "initcheck/report/svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace initcheck::report {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Fixed-precision coordinate text: deterministic and compact.
std::string C(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string Escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '&') o += "&amp;";
    else if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

// Tick label: 1-2-5 values printed with up to 4 significant digits; powers of
// ten on log axes as 1e-30 etc.
std::string TickText(double v, bool log) {
  char buf[32];
  if (log) {
    const int e = static_cast<int>(std::lround(std::log10(v)));
    if (e >= -2 && e <= 3) {
      std::snprintf(buf, sizeof buf, "%g", std::pow(10.0, e));
    } else {
      std::snprintf(buf, sizeof buf, "1e%d", e);
    }
    return buf;
  }
  if (std::abs(v) < 1e-12) return "0";
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

struct Axis {
  bool log;
  double lo, hi;        // data range (log10 values when log)
  double px0, px1;      // pixel range
  double Map(double v) const {
    const double t = log ? std::log10(v) : v;
    return px0 + (t - lo) / (hi - lo) * (px1 - px0);
  }
  bool Valid(double v) const { return std::isfinite(v) && (!log || v > 0); }
};

// Range of finite (positive for log) values, widened when degenerate.
void Range(const std::vector<double>& v, bool log, double& lo, double& hi) {
  lo = std::numeric_limits<double>::infinity();
  hi = -lo;
  for (double x : v) {
    if (!std::isfinite(x) || (log && x <= 0)) continue;
    const double t = log ? std::log10(x) : x;
    lo = std::min(lo, t);
    hi = std::max(hi, t);
  }
  if (!std::isfinite(lo)) {
    lo = 0;
    hi = 1;
  }
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {
    const double pad = log ? 0.5 : std::max(0.5 * std::abs(hi), 0.5);
    lo -= pad;
    hi += pad;
  }
}

std::vector<double> Ticks(double lo, double hi, bool log) {
  std::vector<double> t;
  if (log) {
    // Decades; thin them out to at most ~8 labels.
    const int a = static_cast<int>(std::ceil(lo - 1e-9));
    const int b = static_cast<int>(std::floor(hi + 1e-9));
    const int step = std::max(1, (b - a) / 8 + ((b - a) % 8 != 0 ? 1 : 0));
    for (int e = a; e <= b; e += step) t.push_back(std::pow(10.0, e));
    return t;
  }
  const double raw = (hi - lo) / 6;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * mag >= raw) {
      step = m * mag;
      break;
    }
  }
  for (double v = std::ceil(lo / step) * step; v <= hi + 1e-9 * step; v += step) {
    t.push_back(std::abs(v) < 1e-12 * step ? 0.0 : v);
  }
  return t;
}

}  // namespace

const std::string& palette(size_t i) {
  static const std::vector<std::string> colours = {
      "#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00",
      "#56b4e9", "#000000", "#f0e442", "#999999", "#8c564b"};
  return colours[i % colours.size()];
}

std::string render_svg(const Plot& p) {
  // Legend width (estimated from the longest label at ~6.6 px per glyph).
  size_t longest = 0;
  for (const Line& l : p.lines) longest = std::max(longest, l.label.size());
  for (const Band& b : p.bands) longest = std::max(longest, b.label.size());
  const double legend_w = 34 + 6.6 * static_cast<double>(longest);
  const double left = 72, top = p.title.empty() ? 16 : 36, bottom = 48;
  const double right = p.legend_outside && longest > 0 ? legend_w + 24 : 16;
  const double w = p.width + (p.legend_outside && longest > 0 ? legend_w + 8 : 0);
  const double h = p.height;
  std::vector<double> xs, ys;
  for (const Line& l : p.lines) {
    xs.insert(xs.end(), l.x.begin(), l.x.end());
    ys.insert(ys.end(), l.y.begin(), l.y.end());
  }
  for (const Band& b : p.bands) {
    xs.insert(xs.end(), b.x.begin(), b.x.end());
    ys.insert(ys.end(), b.low.begin(), b.low.end());
    ys.insert(ys.end(), b.high.begin(), b.high.end());
  }
  if (p.y_reference) ys.push_back(*p.y_reference);
  Axis ax{p.log_x, 0, 1, left, w - right};
  Axis ay{p.log_y, 0, 1, h - bottom, top};
  Range(xs, p.log_x, ax.lo, ax.hi);
  Range(ys, p.log_y, ay.lo, ay.hi);
  auto tr = [](bool log, double v) { return log ? std::log10(v) : v; };
  if (p.x_min) ax.lo = tr(p.log_x, *p.x_min);
  if (p.x_max) ax.hi = tr(p.log_x, *p.x_max);
  if (p.y_min) ay.lo = tr(p.log_y, *p.y_min);
  if (p.y_max) ay.hi = tr(p.log_y, *p.y_max);
  if (!p.y_min && !p.y_max && !p.log_y) {  // 4% headroom
    const double pad = 0.04 * (ay.hi - ay.lo);
    ay.lo -= pad;
    ay.hi += pad;
  }

  std::ostringstream o;
  o << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << C(w) << "\" height=\""
    << p.height << "\" viewBox=\"0 0 " << C(w) << " " << p.height
    << "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n";
  o << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  o << "<defs><clipPath id=\"plot\"><rect x=\"" << C(left) << "\" y=\"" << C(top)
    << "\" width=\"" << C(w - left - right) << "\" height=\"" << C(h - top - bottom)
    << "\"/></clipPath></defs>\n";
  if (!p.title.empty()) {
    o << "<text x=\"" << C(w / 2) << "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\" "
      << "font-weight=\"bold\">" << Escape(p.title) << "</text>\n";
  }
  // Grid and ticks.
  for (double t : Ticks(ax.lo, ax.hi, p.log_x)) {
    const double x = ax.Map(t);
    if (x < left - 0.5 || x > w - right + 0.5) continue;
    o << "<line x1=\"" << C(x) << "\" y1=\"" << C(top) << "\" x2=\"" << C(x) << "\" y2=\""
      << C(h - bottom) << "\" stroke=\"#e5e5e5\"/>\n";
    o << "<text x=\"" << C(x) << "\" y=\"" << C(h - bottom + 16)
      << "\" text-anchor=\"middle\">" << TickText(t, p.log_x) << "</text>\n";
  }
  for (double t : Ticks(ay.lo, ay.hi, p.log_y)) {
    const double y = ay.Map(t);
    if (y < top - 0.5 || y > h - bottom + 0.5) continue;
    o << "<line x1=\"" << C(left) << "\" y1=\"" << C(y) << "\" x2=\"" << C(w - right)
      << "\" y2=\"" << C(y) << "\" stroke=\"#e5e5e5\"/>\n";
    o << "<text x=\"" << C(left - 6) << "\" y=\"" << C(y + 4) << "\" text-anchor=\"end\">"
      << TickText(t, p.log_y) << "</text>\n";
  }
  o << "<rect x=\"" << C(left) << "\" y=\"" << C(top) << "\" width=\"" << C(w - left - right)
    << "\" height=\"" << C(h - top - bottom) << "\" fill=\"none\" stroke=\"#333\"/>\n";
  // Axis labels.
  o << "<text x=\"" << C((left + w - right) / 2) << "\" y=\"" << C(h - 10)
    << "\" text-anchor=\"middle\">" << Escape(p.x_label) << "</text>\n";
  o << "<text transform=\"translate(16," << C((top + h - bottom) / 2)
    << ") rotate(-90)\" text-anchor=\"middle\">" << Escape(p.y_label) << "</text>\n";

  o << "<g clip-path=\"url(#plot)\">\n";
  if (p.y_reference && ay.Valid(*p.y_reference)) {
    const double y = ay.Map(*p.y_reference);
    o << "<line x1=\"" << C(left) << "\" y1=\"" << C(y) << "\" x2=\"" << C(w - right)
      << "\" y2=\"" << C(y) << "\" stroke=\"#777\" stroke-dasharray=\"2,3\"/>\n";
  }
  for (const Band& b : p.bands) {
    // One polygon per run of valid points.
    size_t i = 0;
    const size_t n = std::min({b.x.size(), b.low.size(), b.high.size()});
    while (i < n) {
      while (i < n && !(ax.Valid(b.x[i]) && ay.Valid(b.low[i]) && ay.Valid(b.high[i]))) ++i;
      size_t j = i;
      while (j < n && ax.Valid(b.x[j]) && ay.Valid(b.low[j]) && ay.Valid(b.high[j])) ++j;
      if (j > i) {
        o << "<polygon fill=\"" << b.color << "\" fill-opacity=\"" << C(b.opacity)
          << "\" stroke=\"none\" points=\"";
        for (size_t k = i; k < j; ++k) o << C(ax.Map(b.x[k])) << "," << C(ay.Map(b.high[k])) << " ";
        for (size_t k = j; k-- > i;) o << C(ax.Map(b.x[k])) << "," << C(ay.Map(b.low[k])) << " ";
        o << "\"/>\n";
      }
      i = j;
    }
  }
  for (const Line& l : p.lines) {
    const size_t n = std::min(l.x.size(), l.y.size());
    std::string path;
    bool pen = false;
    for (size_t k = 0; k < n; ++k) {
      if (!ax.Valid(l.x[k]) || !ay.Valid(l.y[k])) {
        pen = false;
        continue;
      }
      path += (pen ? "L" : "M") + C(ax.Map(l.x[k])) + "," + C(ay.Map(l.y[k])) + " ";
      pen = true;
    }
    if (!path.empty()) {
      o << "<path d=\"" << path << "\" fill=\"none\" stroke=\"" << l.color
        << "\" stroke-width=\"" << C(l.width) << "\""
        << (l.dashed ? " stroke-dasharray=\"6,4\"" : "") << "/>\n";
    }
    if (l.markers) {
      for (size_t k = 0; k < n; ++k) {
        if (!ax.Valid(l.x[k]) || !ay.Valid(l.y[k])) continue;
        o << "<circle cx=\"" << C(ax.Map(l.x[k])) << "\" cy=\"" << C(ay.Map(l.y[k]))
          << "\" r=\"2.5\" fill=\"" << l.color << "\"/>\n";
      }
    }
  }
  o << "</g>\n";
  // Legend (top right, inside the plot).
  std::vector<std::pair<std::string, std::string>> entries;  // label, svg swatch
  for (const Band& b : p.bands) {
    if (!b.label.empty()) {
      entries.push_back({b.label, "<rect width=\"18\" height=\"10\" y=\"-8\" fill=\"" + b.color +
                                      "\" fill-opacity=\"" + C(std::max(b.opacity, 0.25)) + "\"/>"});
    }
  }
  for (const Line& l : p.lines) {
    if (!l.label.empty()) {
      entries.push_back(
          {l.label, "<line x1=\"0\" y1=\"-3\" x2=\"18\" y2=\"-3\" stroke=\"" + l.color +
                        "\" stroke-width=\"2\"" +
                        (l.dashed ? std::string(" stroke-dasharray=\"6,4\"") : "") + "/>"});
    }
  }
  if (!entries.empty()) {
    const double lw = legend_w;
    const double lh = 8 + 16 * static_cast<double>(entries.size());
    const double lx = p.legend_outside ? w - lw - 8 : w - right - lw - 6, ly = top + 6;
    o << "<g transform=\"translate(" << C(lx) << "," << C(ly) << ")\">\n";
    o << "<rect width=\"" << C(lw) << "\" height=\"" << C(lh)
      << "\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#bbb\"/>\n";
    for (size_t i = 0; i < entries.size(); ++i) {
      o << "<g transform=\"translate(8," << C(18 + 16 * static_cast<double>(i)) << ")\">"
        << entries[i].second << "<text x=\"24\" y=\"1\">" << Escape(entries[i].first)
        << "</text></g>\n";
    }
    o << "</g>\n";
  }
  o << "</svg>\n";
  (void)kNaN;
  return o.str();
}

}  // namespace initcheck::report
