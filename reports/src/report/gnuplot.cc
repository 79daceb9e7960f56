// Figure -> gnuplot script + data, and the gnuplot run (see gnuplot.h).
#include "gnuplot.h"

#include <fmt/format.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "initcheck/error.h"

namespace initcheck::report::gp {
namespace {

std::string Quote(std::string_view s) {
  std::string o = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') o += '\\';
    o += c;
  }
  return o + "\"";
}

std::string Num(double x) { return fmt::format("{:.6g}", x); }

// Characters (not bytes) of a UTF-8 string.
size_t Utf8Length(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string LineSpec(const Look& l, double width) {
  std::string s = fmt::format("lc rgb \"{}\" lw {}", l.color, Num(width));
  if (!l.dash.empty()) s += " dt " + l.dash;
  return s;
}

std::string With(Kind k, const Look& l, double width, double ps, double alpha) {
  switch (k) {
    case Kind::kLine:
      return "with lines " + LineSpec(l, width);
    case Kind::kPoints:
      return fmt::format("with points pt {} ps {} lc rgb \"{}\"", l.point, Num(ps), l.color);
    case Kind::kLinePoints:
      return fmt::format("with linespoints {} pt {} ps {}", LineSpec(l, width), l.point, Num(ps));
    case Kind::kBand:
      return fmt::format("with filledcurves fc rgb \"{}\" fs transparent solid {} noborder",
                         l.color, Num(alpha));
    case Kind::kErrorBars:
      return fmt::format("with yerrorbars pt {} ps {} lc rgb \"{}\" lw 1.2", l.point, Num(ps),
                         l.color);
    case Kind::kSteps:
      return "with fsteps " + LineSpec(l, width);
    case Kind::kImpulses:
      return "with impulses " + LineSpec(l, width);
  }
  return "with lines";
}

bool Usable(double v, bool log) { return std::isfinite(v) && (!log || v > 0); }

// Range of an axis from the data of a panel.
void DataRange(const Panel& p, bool is_x, double& lo, double& hi) {
  lo = INFINITY;
  hi = -INFINITY;
  const Axis& ax = is_x ? p.x : p.y;
  for (const Series& s : p.series) {
    const std::vector<double>* cols[] = {
        is_x ? &s.x : &s.y, is_x ? nullptr : (s.kind == Kind::kBand ? &s.y2 : nullptr)};
    for (const auto* c : cols) {
      if (!c) continue;
      for (double v : *c) {
        if (Usable(v, ax.log)) {
          lo = std::min(lo, v);
          hi = std::max(hi, v);
        }
      }
    }
    if (!is_x && s.kind == Kind::kErrorBars) {
      for (size_t i = 0; i < s.y.size() && i < s.y2.size(); ++i) {
        const double a = s.y[i] - s.y2[i], b = s.y[i] + s.y2[i];
        if (Usable(a, ax.log)) lo = std::min(lo, a);
        if (Usable(b, ax.log)) hi = std::max(hi, b);
      }
    }
  }
}

std::string AxisCommands(const Panel& p, bool is_x) {
  const Axis& ax = is_x ? p.x : p.y;
  const std::string n = is_x ? "x" : "y";
  std::string s;
  s += "set " + n + "label " + Quote(ax.label) + "\n";
  auto custom = [&]() {
    std::string t = "set " + n + "tics norotate (";
    for (size_t i = 0; i < ax.tics.size(); ++i) {
      t += fmt::format("{}{} {}", i ? ", " : "", Quote(ax.tics[i].second), Num(ax.tics[i].first));
    }
    return t + ")\n";
  };
  double lo = ax.min, hi = ax.max;
  if (std::isnan(lo) || std::isnan(hi)) {
    double dlo, dhi;
    DataRange(p, is_x, dlo, dhi);
    if (std::isnan(lo)) lo = dlo;
    if (std::isnan(hi)) hi = dhi;
  }
  if (ax.log) {
    s += "set logscale " + n + "\n";
    if (!(lo > 0) || !std::isfinite(lo)) lo = 1e-1;
    if (!(hi > 0) || !std::isfinite(hi)) hi = 10;
    int a = static_cast<int>(std::floor(std::log10(lo) + 1e-9));
    int b = static_cast<int>(std::ceil(std::log10(hi) - 1e-9));
    if (b <= a) b = a + 1;
    if (std::isnan(ax.min) || std::isnan(ax.max)) {
      lo = std::isnan(ax.min) ? std::pow(10.0, a) : lo;
      hi = std::isnan(ax.max) ? std::pow(10.0, b) : hi;
    }
    s += fmt::format("set {}range [{}:{}]\n", n, Num(lo), Num(hi));
    if (!ax.tics.empty()) {
      s += custom();
    } else {
      s += "set " + n + "tics norotate " +
           log_tics(static_cast<int>(std::floor(std::log10(lo) + 1e-9)),
                    static_cast<int>(std::ceil(std::log10(hi) - 1e-9))) +
           "\n";
    }
  } else {
    s += "unset logscale " + n + "\n";
    if (std::isfinite(lo) && std::isfinite(hi) && lo < hi) {
      s += fmt::format("set {}range [{}:{}]\n", n, Num(lo), Num(hi));
    } else {
      s += "set " + n + "range [*:*]\n";
    }
    if (!ax.tics.empty()) {
      s += custom();
    } else if (std::isfinite(ax.tic)) {
      s += fmt::format("set {}tics norotate {}\n", n, Num(ax.tic));
    } else {
      s += "set " + n + "tics norotate autofreq\n";
    }
    if (ax.minor > 0) {
      s += fmt::format("set m{}tics {}\n", n, ax.minor);
    } else {
      s += "unset m" + n + "tics\n";
    }
    s += "set format " + n + " " + Quote(ax.format.empty() ? "% h" : ax.format) + "\n";
  }
  return s;
}

}  // namespace

Look palette(int i) {
  // Okabe & Ito (2008) colour-blind-safe palette (yellow replaced by grey),
  // with a dash pattern and a point type per entry for greyscale.
  static const Look looks[] = {
      {"#0072B2", "", 7},             // blue, solid, filled circle
      {"#D55E00", "(10,5)", 5},       // vermillion, dashed, filled square
      {"#009E73", "(3,4)", 9},        // green, dotted, filled triangle
      {"#CC79A7", "(12,4,3,4)", 13},  // purple, dash-dot, filled diamond
      {"#E69F00", "(6,3)", 11},       // orange, short dash, filled inverted triangle
      {"#56B4E9", "(2,3,8,3)", 6},    // sky blue, dot-dash, open circle
      {"#000000", "(16,5)", 4},       // black, long dash, open square
      {"#8C8C8C", "(4,2,4,6)", 8},    // grey, open triangle
  };
  const int n = static_cast<int>(sizeof(looks) / sizeof(looks[0]));
  return looks[((i % n) + n) % n];
}

namespace {
// Prefixes gnuplot's enhanced-text specials with `slashes` backslashes.
std::string EscapeWith(std::string_view text, size_t slashes) {
  std::string o;
  for (char c : text) {
    if (c == '_' || c == '^' || c == '@' || c == '&' || c == '~' || c == '{' || c == '}') {
      o.append(slashes, '\\');
    }
    o += c;
  }
  return o;
}
}  // namespace

std::string escape(std::string_view text) { return EscapeWith(text, 2); }

std::string escape_quoted(std::string_view text) { return EscapeWith(text, 1); }

std::string log_tics(int a, int b) {
  const int span = std::max(1, b - a);
  int step = 1;
  for (int s : {1, 2, 3, 5, 10, 20, 25, 50, 100}) {
    step = s;
    if (span / s <= 9) break;
  }
  std::string s = "(";
  bool first = true;
  auto add = [&](const std::string& label, double v, int level) {
    if (!first) s += ", ";
    first = false;
    s += fmt::format("{} {} {}", Quote(label), Num(v), level);
  };
  const int start = static_cast<int>(std::ceil(double(a) / step)) * step;
  for (int k = start; k <= b; k += step) {
    std::string label;
    if (k == 0) {
      label = "1";
    } else if (k == 1) {
      label = "10";
    } else {
      label = fmt::format("10^{{{}}}", k);
    }
    add(label, std::pow(10.0, k), 0);
  }
  // Minor tics: every decade when majors skip decades (at most ~60), else
  // 2..9 x 10^k when the axis spans few decades.
  if (step > 1 && span <= 60) {
    for (int k = a; k <= b; ++k) {
      if (k % step != 0) add("", std::pow(10.0, k), 1);
    }
  } else if (step == 1 && span <= 4) {
    for (int k = a; k < b; ++k) {
      for (int m = 2; m <= 9; ++m) add("", m * std::pow(10.0, k), 1);
    }
  }
  return s + ")";
}

Script build(const Figure& f, const std::string& data_file, const std::string& svg_file) {
  Script out;
  std::string& g = out.gp;
  // Legend columns: as asked, but no more than fit the width (gnuplot drops
  // columns that do not fit, and the strip must be tall enough for the rows).
  int legend_cols = std::max(1, f.legend_cols);
  if (!f.legend.empty()) {
    size_t longest = 0;
    for (const LegendEntry& e : f.legend) longest = std::max(longest, Utf8Length(e.title));
    const double col_w = 60.0 + 7.3 * static_cast<double>(longest);  // sample + text, font 12
    legend_cols = std::clamp(static_cast<int>((f.width - 20.0) / col_w), 1, legend_cols);
  }
  const int legend_rows =
      f.legend.empty() ? 0 : (static_cast<int>(f.legend.size()) + legend_cols - 1) / legend_cols;
  const double legend_h = legend_rows == 0 ? 0 : 16 + 21.0 * legend_rows;
  const double title_h = f.title.empty() ? 0 : 30;
  // The panels get f.height; the legend strip and the title come on top.
  const double W = f.width, H = f.height + legend_h + title_h;
  g += fmt::format(
      "set terminal svg size {},{} enhanced font \"DejaVu Sans,13\" background \"white\"\n",
      f.width, static_cast<int>(H));
  g += "set encoding utf8\n";
  g += "set output " + Quote(svg_file) + "\n";
  g += "set style fill transparent solid 0.2 noborder\n";
  g += "set border lw 1\nset tics out nomirror\nset grid xtics ytics lc rgb \"#dddddd\" lw 1\n";
  g += "set multiplot\n";
  const int cols = std::max(1, f.cols);
  const int rows = (static_cast<int>(f.panels.size()) + cols - 1) / cols;
  const double cell_w = W / cols, cell_h = (H - legend_h - title_h) / std::max(1, rows);
  if (!f.title.empty()) {
    g += fmt::format("set label 1 {} at screen 0.5, screen {} center font \",15\"\n",
                     Quote(f.title), Num(1.0 - 20.0 / H));
  }
  int block = 0;
  for (size_t pi = 0; pi < f.panels.size(); ++pi) {
    const Panel& p = f.panels[pi];
    const int r = static_cast<int>(pi) / cols, c = static_cast<int>(pi) % cols;
    const double x0 = c * cell_w, y1 = H - title_h - r * cell_h;  // pixels, y up
    g += fmt::format("set lmargin at screen {}\nset rmargin at screen {}\n", Num((x0 + f.left) / W),
                     Num((x0 + cell_w - f.right) / W));
    g += fmt::format("set tmargin at screen {}\nset bmargin at screen {}\n", Num((y1 - f.top) / H),
                     Num((y1 - cell_h + f.bottom) / H));
    g += "set title " + Quote(p.title) + " font \",13\"\n";
    g += AxisCommands(p, true);
    g += AxisCommands(p, false);
    if (p.key_inside) {
      g += "set key top right noenhanced box opaque samplen 2.5 spacing 1.1 font \",11\"\n";
    } else {
      g += "unset key\n";
    }
    g += "unset label\nunset arrow\nunset object\n";
    g += "set grid xtics ytics lc rgb \"#dddddd\" lw 1\n";
    if (pi == 0 && !f.title.empty()) {
      g += fmt::format("set label 1 {} at screen 0.5, screen {} center font \",15\"\n",
                       Quote(f.title), Num(1.0 - 18.0 / H));
    }
    for (const std::string& cmd : p.commands) g += cmd + "\n";
    std::string plot;
    for (const Series& s : p.series) {
      // Data block.
      std::string rows_text;
      const bool need2 = s.kind == Kind::kBand || s.kind == Kind::kErrorBars;
      size_t kept = 0;
      for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
        const double x = s.x[i], y = s.y[i];
        const double y2 = need2 && i < s.y2.size() ? s.y2[i] : 0.0;
        if (!Usable(x, p.x.log) || !Usable(y, p.y.log && s.kind != Kind::kErrorBars)) continue;
        if (s.kind == Kind::kBand && !Usable(y2, p.y.log)) continue;
        if (s.kind == Kind::kErrorBars && !std::isfinite(y2)) continue;
        rows_text += Num(x) + " " + Num(y);
        if (need2) rows_text += " " + Num(y2);
        rows_text += "\n";
        ++kept;
      }
      if (kept == 0) continue;  // nothing drawable (the caller marks it)
      out.data += rows_text + "\n\n";
      const std::string title =
          p.key_inside && !s.title.empty() ? "title " + Quote(s.title) : std::string("notitle");
      const std::string cols_used = need2 ? "1:2:3" : "1:2";
      plot += fmt::format("{}{} index {} using {} {} {}", plot.empty() ? "" : ", \\\n  ",
                          Quote(data_file), block, cols_used,
                          With(s.kind, s.look, s.width, s.point_size, s.alpha), title);
      ++block;
    }
    if (plot.empty()) plot = "NaN notitle";
    g += "plot " + plot + "\n";
  }
  // Legend strip, drawn by hand (samples as arrows, points and rectangles,
  // text as labels at screen coordinates) so that its layout is exactly the
  // one the strip was sized for.
  if (!f.legend.empty()) {
    g += "unset title\nunset label\nunset arrow\nunset object\nunset logscale\nunset grid\n";
    g += "unset border\nunset tics\nunset xlabel\nunset ylabel\nunset key\n";
    g += "set xrange [0:1]\nset yrange [0:1]\n";
    g += "set lmargin at screen 0.0\nset rmargin at screen 1.0\n";
    g += fmt::format("set tmargin at screen {}\nset bmargin at screen 0.0\n", Num(legend_h / H));
    const double col_w = (W - 20.0) / legend_cols;
    int obj = 1;
    for (size_t i = 0; i < f.legend.size(); ++i) {
      const LegendEntry& e = f.legend[i];
      const int r = static_cast<int>(i) / legend_cols, c = static_cast<int>(i) % legend_cols;
      const double x = 10.0 + c * col_w, y = legend_h - 14.0 - 21.0 * r;  // pixels from bottom
      const double sx0 = (x + 4) / W, sx1 = (x + 40) / W, sxm = (x + 22) / W, sy = y / H;
      switch (e.kind) {
        case Kind::kBand:
          g += fmt::format(
              "set object {} rect from screen {}, screen {} to screen {}, screen {} fc rgb \"{}\" "
              "fs transparent solid {} noborder front\n",
              obj++, Num(sx0), Num((y - 6) / H), Num(sx1), Num((y + 6) / H), e.look.color,
              Num(std::max(e.alpha, 0.25)));
          break;
        case Kind::kPoints:
        case Kind::kErrorBars:
          g += fmt::format(
              "set label \"\" at screen {}, screen {} point pt {} ps 1.1 lc rgb \"{}\" front\n",
              Num(sxm), Num(sy), e.look.point, e.look.color);
          break;
        case Kind::kLinePoints:
          g += fmt::format(
              "set arrow from screen {}, screen {} to screen {}, screen {} nohead {} front\n",
              Num(sx0), Num(sy), Num(sx1), Num(sy), LineSpec(e.look, 2.0));
          g += fmt::format(
              "set label \"\" at screen {}, screen {} point pt {} ps 1.1 lc rgb \"{}\" front\n",
              Num(sxm), Num(sy), e.look.point, e.look.color);
          break;
        default:
          g += fmt::format(
              "set arrow from screen {}, screen {} to screen {}, screen {} nohead {} front\n",
              Num(sx0), Num(sy), Num(sx1), Num(sy), LineSpec(e.look, 2.0));
          break;
      }
      g += fmt::format("set label {} at screen {}, screen {} left noenhanced font \",12\" front\n",
                       Quote(e.title), Num((x + 48) / W), Num(sy));
    }
    g += "plot NaN notitle\n";
  }
  g += "unset multiplot\n";
  return out;
}

std::string render(const Figure& f, const std::string& dir, const std::string& name) {
  namespace fs = std::filesystem;
  const Script s = build(f, name + ".dat", name + ".svg");
  {
    std::ofstream gp(fs::path(dir) / (name + ".gp"), std::ios::binary);
    gp << s.gp;
    std::ofstream dat(fs::path(dir) / (name + ".dat"), std::ios::binary);
    dat << s.data;
    if (!gp || !dat) throw Error("cannot write the gnuplot files of " + name + " in " + dir);
  }
  // A timeout: a gnuplot that loops (as 5.4.4 does on some tic settings)
  // must fail the run, not hang it. Exit code 124 is coreutils' timeout.
  if (std::system("command -v gnuplot > /dev/null 2>&1") != 0) {
    throw Error(
        "gnuplot not found: the propagation figures need it (Debian: apt-get install "
        "gnuplot-nox)");
  }
  const std::string cmd = "cd '" + dir + "' && timeout 300 gnuplot '" + name + ".gp' > '" +
                          name + ".log' 2>&1 < /dev/null";
  const int rc = std::system(cmd.c_str());
  if (WIFEXITED(rc) && WEXITSTATUS(rc) == 124) {
    throw Error("gnuplot did not finish " + name + ".gp within 300 s");
  }
  if (rc != 0) {
    std::ifstream log(fs::path(dir) / (name + ".log"));
    std::string line, first;
    while (std::getline(log, line)) {
      if (line.find_first_not_of(" \t^") != std::string::npos) {
        first = line;
        if (line.find("line") != std::string::npos || line.find("rror") != std::string::npos) break;
      }
    }
    throw Error("gnuplot failed on " + name + ".gp: " + first);
  }
  std::ifstream svg(fs::path(dir) / (name + ".svg"), std::ios::binary);
  std::stringstream ss;
  ss << svg.rdbuf();
  if (ss.str().empty()) throw Error("gnuplot wrote no SVG for " + name);
  return ss.str();
}

}  // namespace initcheck::report::gp
