// reports/variance_propagation.md from the propagation data products (see
// initcheck/report/propagation_render.h). Every number and every figure
// comes from the JSON; the text around them is the lesson.
#include "initcheck/report/propagation_render.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "gnuplot.h"
#include "initcheck/error.h"

namespace initcheck::report {
namespace {

using J = nlohmann::json;
using gp::Figure;
using gp::Kind;
using gp::LegendEntry;
using gp::Look;
using gp::Panel;
using gp::Series;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// ---- JSON access --------------------------------------------------------------

double D(const J& v) { return v.is_number() ? v.get<double>() : kNaN; }

std::vector<double> V(const J& a) {
  std::vector<double> out;
  if (!a.is_array()) return out;
  for (const J& x : a) out.push_back(D(x));
  return out;
}

std::vector<double> Range(int from, int to) {  // from..to inclusive
  std::vector<double> v;
  for (int i = from; i <= to; ++i) v.push_back(i);
  return v;
}

const J& FindPair(const J& grid, const std::string& act, const std::string& scheme) {
  for (const J& p : grid["pairs"]) {
    if (p["activation"] == act && p["scheme"] == scheme) return p;
  }
  throw Error("grid.json has no pair " + act + " x " + scheme);
}

bool HasPair(const J& grid, const std::string& act, const std::string& scheme) {
  for (const J& p : grid["pairs"]) {
    if (p["activation"] == act && p["scheme"] == scheme) return true;
  }
  return false;
}

// ---- Number formatting ----------------------------------------------------------

std::string G3(double x) {
  if (std::isnan(x)) return "–";
  if (std::isinf(x)) return x > 0 ? "∞" : "−∞";
  if (x == 0) return "0";
  const double a = std::fabs(x);
  if (a >= 999.5 && a < 1e5) return fmt::format("{:.0f}", x);
  if (a >= 1e-3 && a < 999.5) return fmt::format("{:.3g}", x);
  const int e = static_cast<int>(std::floor(std::log10(a)));
  double m = x / std::pow(10.0, e);
  if (std::fabs(m) >= 9.995) {  // rounding carried into the next decade
    m /= 10;
    return fmt::format("{:.2f}e{}", m, e + 1);
  }
  return fmt::format("{:.2f}e{}", m, e);
}

std::string G2(double x) {
  if (std::isnan(x)) return "–";
  if (std::isinf(x)) return x > 0 ? "∞" : "−∞";
  if (x == 0) return "0";
  const double a = std::fabs(x);
  if (a >= 99.5 && a < 1e4) return fmt::format("{:.0f}", x);
  if (a >= 1e-2 && a < 99.5) return fmt::format("{:.2g}", x);
  const int e = static_cast<int>(std::floor(std::log10(a)));
  double m = x / std::pow(10.0, e);
  if (std::fabs(m) >= 9.95) {
    m /= 10;
    return fmt::format("{:.1f}e{}", m, e + 1);
  }
  return fmt::format("{:.1f}e{}", m, e);
}

std::string Pct(double x, int digits = 1) {
  if (std::isnan(x)) return "–";
  return fmt::format("{:.{}f}%", 100 * x, digits);
}

std::string Layer(const J& v) { return v.is_number() ? std::to_string(v.get<int>()) : "never"; }

// A short label of a scheme for legends and tables.
std::string Short(const std::string& scheme) {
  static const std::map<std::string, std::string> names = {
      {"zeros", "zeros"},
      {"normal(std=0.001)", "N(0, 0.001²)"},
      {"normal(std=1)", "N(0, 1)"},
      {"kaiming_uniform(a=sqrt(5))", "PyTorch default (a=√5)"},
      {"lecun_normal", "LeCun normal"},
      {"xavier_uniform", "Xavier uniform"},
      {"xavier_normal", "Xavier normal"},
      {"kaiming_normal(nonlinearity=relu)", "He normal"},
      {"orthogonal(gain=1)", "orthogonal, gain 1"},
      {"orthogonal(gain=sqrt(2))", "orthogonal, gain √2"},
  };
  const auto it = names.find(scheme);
  return it == names.end() ? scheme : it->second;
}

std::string Slug(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      o += c;
    } else if (!o.empty() && o.back() != '_') {
      o += '_';
    }
  }
  while (!o.empty() && o.back() == '_') o.pop_back();
  return o;
}

// Simulation points every `every` layers, staggered by `offset` so that
// series do not sit on top of each other.
Series Points(const std::vector<double>& x, const std::vector<double>& y, const Look& look,
              int every, int offset) {
  Series s;
  s.kind = Kind::kPoints;
  s.look = look;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    if (every <= 1 || static_cast<int>(i) % every == offset % every || i + 1 == x.size()) {
      s.x.push_back(x[i]);
      s.y.push_back(y[i]);
    }
  }
  return s;
}

Series Line(const std::vector<double>& x, const std::vector<double>& y, const Look& look,
            double width = 2.0) {
  Series s;
  s.kind = Kind::kLine;
  s.look = look;
  s.x = x;
  s.y = y;
  s.width = width;
  return s;
}

Series Band(const std::vector<double>& x, const std::vector<double>& lo,
            const std::vector<double>& hi, const Look& look, double alpha = 0.15) {
  Series s;
  s.kind = Kind::kBand;
  s.look = look;
  s.x = x;
  s.y = lo;
  s.y2 = hi;
  s.alpha = alpha;
  return s;
}

Look Black() { return Look{"#000000", "", 7}; }
Look Grey(const std::string& dash = "(6,4)") { return Look{"#777777", dash, 7}; }

// The three style keys of theory-vs-simulation figures.
void StyleKeys(std::vector<LegendEntry>& legend, const std::string& band = "5–95% of networks") {
  legend.push_back({"theory (line)", Kind::kLine, Black(), 0.18});
  legend.push_back(
      {"simulation: mean over networks (points)", Kind::kPoints, Look{"#000000", "", 6}, 0.18});
  legend.push_back({band + " (band)", Kind::kBand, Look{"#555555", "", 7}, 0.25});
}

std::string Label(const std::string& text, double gx, double gy, const std::string& align = "left",
                  const std::string& font = ",11") {
  return fmt::format("set label {} at graph {}, graph {} {} font \"{}\" front", "\"" + text + "\"",
                     gx, gy, align, font);
}

// ---- The rendering context ------------------------------------------------------------

struct Ctx {
  const std::map<std::string, J>& data;
  std::string dir;  // gnuplot working directory
  std::vector<RenderedFile> files;

  const J& operator[](const std::string& name) const { return data.at(name); }

  // Renders the figure; returns the markdown image line.
  std::string Figure(const gp::Figure& f, const std::string& name, const std::string& alt) {
    const std::string svg = gp::render(f, dir, name);
    files.push_back({"figures/propagation/" + name + ".svg", svg});
    return fmt::format("![{}](figures/propagation/{}.svg)\n\n", alt, name);
  }
};

// ---- Sections ----------------------------------------------------------------------

std::string Intro(Ctx& c, const PropagationRenderOptions& o) {
  const J& grid = c["grid"];
  const J& gs = grid["settings"];
  std::string md;
  md += "# Variance propagation at initialization\n\n";
  md +=
      "How the scale of random weights decides whether a signal survives a deep network, "
      "and what that does to training: each phenomenon measured, drawn, and compared with "
      "the mean-field theory that explains it.\n\n";
  md += fmt::format(
      "Generated from the data products in [`{0}/`]({0}/) (commit `{1}`; one JSON file per "
      "experiment, schema `initcheck.propagation.<name>/1`, with its settings and seeds). "
      "Every experiment uses fixed seeds and is byte-identical across runs and thread "
      "counts. Regenerate with `make report`, or in two steps: `initcheck propagate study "
      "--out reports/{0}` (the experiments) and `initcheck propagate render --data "
      "reports/{0} --out reports` (this page and its figures, gnuplot).\n\n",
      o.data_link, grid["commit"].get<std::string>());
  md +=
      "## Contents\n\n"
      "1. [The setting: signals, theory, phases, agreement](#the-setting)\n"
      "2. [Zero and constant init never break "
      "symmetry](#zero-and-constant-init-never-break-symmetry)\n"
      "3. [Too small vanishes, too large explodes](#too-small-vanishes-too-large-explodes)\n"
      "4. [Sigmoid with too-large weights saturates](#sigmoid-with-too-large-weights-saturates)\n"
      "5. [ReLU's dead zone halves the variance](#relus-dead-zone-halves-the-variance)\n"
      "6. [Xavier, He, LeCun: phases per activation](#xavier-he-lecun-phases-per-activation)\n"
      "7. [Training, measured](#training-measured)\n"
      "8. [Residual networks](#residual-networks)\n"
      "9. [Theory against simulation, stated "
      "honestly](#theory-against-simulation-stated-honestly)\n"
      "10. [Beyond the mean: finite width](#beyond-the-mean-finite-width)\n"
      "11. [Beyond the variance: Jacobian spectra](#beyond-the-variance-jacobian-spectra)\n"
      "12. [Every activation × scheme](#every-activation--scheme)\n\n";
  md += "## The setting\n\n";
  md += fmt::format(
      "**Network.** A stack of L fully connected layers, every layer n × n, the same "
      "initializer in every layer, no bias: z¹ = W¹x, zˡ = Wˡ φ(zˡ⁻¹), with input x ~ N(0, "
      "I). Unless a section says otherwise L = {}, n = {}, a batch of {} inputs per network "
      "and several independently drawn networks (\"seeds\").\n\n",
      gs["depth"].get<int>(), gs["width"].get<int>(), gs["batch"].get<int>());
  md +=
      "**What is measured.** The forward signal qˡ, the mean square of the "
      "pre-activations zˡ (per input and network, (1/n) Σᵢ (zᵢˡ)², then averaged), and the "
      "backward signal gˡ, the mean square of the gradient ∂L/∂zˡ when the loss is a "
      "random read-out L = r·φ(zᴸ), r ~ N(0, I), drawn independently of the network.\n\n";
  md +=
      "**Theory** (mean field; Poole et al. 2016, Schoenholz et al. 2017). With σ_w² = n "
      "E[W²] (1/3 for PyTorch's default `kaiming_uniform(a=√5)`, 1 for LeCun and for "
      "Xavier on square layers, 2 for He), each unit of zˡ is Gaussian with variance qˡ "
      "when n is large, and\n\n"
      "- forward: qˡ⁺¹ = σ_w² E[φ(√qˡ ξ)²], ξ ~ N(0, 1) (the *length map*);\n"
      "- backward: gˡ = χˡ gˡ⁺¹ with χˡ = σ_w² E[φ′(√qˡ ξ)²].\n\n"
      "For ReLU, E[φ(√q ξ)²] = q/2 and E[φ′²] = 1/2, so both signals change by σ_w²/2 per "
      "layer: the whole content of He et al. (2015). The expectations are closed forms "
      "where they exist (linear, ReLU, leaky ReLU, GELU, ELU, SELU) and Gauss–Legendre "
      "quadrature otherwise, checked against each other to 1e-12.\n\n";
  md +=
      "**Phases**, defined once and used throughout. The length map settles at a fixed "
      "point q* (or grows without limit). There, χ₁ = σ_w² E[φ′(√q* ξ)²] is the factor by "
      "which gradients — and small differences between two inputs — grow or shrink per "
      "layer:\n\n"
      "| phase | condition | what a deep network does |\n|---|---|---|\n"
      "| ordered | χ₁ < 0.99 | gradients vanish like χ₁ˡ; different inputs become alike |\n"
      "| critical | \\|χ₁ − 1\\| ≤ 0.01 | the *edge of chaos*: signals keep their size for "
      "≥ 100 layers |\n"
      "| chaotic | χ₁ > 1.01 | gradients explode like χ₁ˡ; similar inputs decorrelate |\n"
      "| unbounded | no finite q* | q grows without limit (the forward signal explodes) |\n\n"
      "The critical line χ₁ = 1 separates order from chaos in the (σ_w², σ_b²) plane "
      "(Poole et al. 2016; Schoenholz et al. 2017); the tolerance 0.01 makes a gradient "
      "change by less than e^0.5 over 50 layers. So ReLU + He (χ₁ = 1) and leaky "
      "ReLU(0.01) + He (χ₁ = 1.0001) are both *critical*; leaky ReLU(0.2) + He (χ₁ = "
      "1.04, q grows 1.04× per layer) is *unbounded*.\n\n";
  md += fmt::format(
      "**Agreement**, defined once. At every layer and in both directions the mean over "
      "the K networks is compared with theory: it *agrees* when it lies within k standard "
      "errors (k = Student-t quantile for a {} false-alarm rate per comparison, plus a "
      "finite-width allowance of 0.5 l/n for non-homogeneous φ; in the log domain where the "
      "spread over networks is heavy-tailed) **and** the test can resolve a factor {}: "
      "theory × {} and theory / {} would both be rejected. Inside the tolerance but unable "
      "to resolve {} is *not decidable*; outside it is *disagrees*. A (scheme, activation) "
      "pair agrees when none of its 2L comparisons disagrees and most of them agree; it is "
      "*not decidable* when most are undecided (`reports/include/initcheck/propagation/"
      "propagate.h`).\n\n",
      G3(D(gs["false_alarm_per_comparison"])), G3(D(gs["resolve_factor"])),
      G3(D(gs["resolve_factor"])), G3(D(gs["resolve_factor"])), G3(D(gs["resolve_factor"])));
  return md;
}

// ---- 1. Symmetry ------------------------------------------------------------------
std::string SymmetrySection(Ctx& c) {
  const J& j = c["symmetry"];
  const J& st = j["settings"];
  std::string md = "## Zero and constant init never break symmetry\n\n";
  gp::Figure f;
  f.width = 900;
  f.height = 640;
  f.cols = 2;
  std::vector<std::string> acts;
  for (const J& cs : j["cases"]) {
    const std::string a = cs["activation"];
    if (std::find(acts.begin(), acts.end(), a) == acts.end()) acts.push_back(a);
  }
  int look = 0;
  std::map<std::string, int> looks;
  for (const std::string& a : acts) {
    Panel loss, spread;
    loss.title = "{/:Bold " + a + "}: test loss";
    loss.x.label = "SGD step";
    loss.y.label = "test loss (mean square error / 2)";
    loss.y.log = true;
    spread.title = "{/:Bold " + a + "}: spread of the hidden units";
    spread.x.label = "SGD step";
    spread.y.label = "spread of the units' weight vectors";
    double baseline = kNaN, xmax = 0;
    std::vector<std::string> zero_labels;
    for (const J& cs : j["cases"]) {
      if (cs["activation"] != a) continue;
      const std::string label = cs["label"];
      if (!looks.count(label)) looks[label] = look++;
      const Look lk = gp::palette(looks[label]);
      baseline = D(cs["baseline_loss"]);
      // Band: min..max over seeds; line: the mean.
      const J& runs = cs["runs"];
      const std::vector<double> x = V(runs[0]["step"]);
      xmax = x.empty() ? 0 : x.back();
      std::vector<double> lo(x.size(), INFINITY), hi(x.size(), -INFINITY), mean(x.size(), 0.0);
      for (const J& r : runs) {
        const std::vector<double> y = V(r["test_loss"]);
        for (size_t i = 0; i < x.size(); ++i) {
          lo[i] = std::min(lo[i], y[i]);
          hi[i] = std::max(hi[i], y[i]);
          mean[i] += y[i] / double(runs.size());
        }
      }
      loss.series.push_back(Band(x, lo, hi, lk, 0.2));
      loss.series.push_back(Line(x, mean, lk, 2.2));
      // Spread: both hidden layers, mean over seeds (exactly 0 when symmetric).
      for (size_t l = 0; l < runs[0]["spread"].size(); ++l) {
        std::vector<double> m(x.size(), 0.0);
        for (const J& r : runs) {
          const std::vector<double> y = V(r["spread"][l]);
          for (size_t i = 0; i < x.size(); ++i) m[i] += y[i] / double(runs.size());
        }
        Look lk2 = lk;
        if (l == 1) lk2.dash = "(4,3)";
        spread.series.push_back(Line(x, m, lk2, l == 0 ? 3.0 : 2.0));
      }
      if (D(cs["summary"]["max_spread"]) == 0) zero_labels.push_back(label);
    }
    std::vector<double> bx = {0, xmax}, by = {baseline, baseline};
    loss.series.push_back(Line(bx, by, Grey(), 1.5));
    spread.y.min = -0.05;
    std::string zl;
    for (const std::string& z : zero_labels) zl += (zl.empty() ? "" : " and ") + z;
    if (!zl.empty()) {
      spread.commands.push_back(Label(gp::escape(zl) + ": exactly 0 at every step", 0.03, 0.1));
    }
    f.panels.push_back(loss);
    f.panels.push_back(spread);
  }
  std::vector<std::pair<int, std::string>> order;
  for (const auto& [label, i] : looks) order.push_back({i, label});
  std::sort(order.begin(), order.end());
  for (const auto& [i, label] : order) {
    f.legend.push_back({label, Kind::kLine, gp::palette(i), 0.2});
  }
  f.legend.push_back({"best constant prediction", Kind::kLine, Grey(), 0.2});
  // One swatch per meaning: the loss's line is the initializer's own, so only
  // its band and the spread's second layer need an entry of their own.
  f.legend.push_back({"loss: runs' mean (line), min–max (band)",
                      Kind::kBand, Look{"#555555", "", 7}, 0.25});
  f.legend.push_back({"spread: hidden layer 2 in thin dashes",
                      Kind::kLine, Look{"#000000", "(4,3)", 7}, 0.2});
  f.legend_cols = 4;
  md +=
      "**Mechanism.** If every hidden unit of a layer starts with the same incoming "
      "weights, every unit computes the same value for every input, receives the same "
      "gradient, and takes the same step: after any number of steps the units are still "
      "copies of each other, and the layer acts like a single unit. With all-zero weights "
      "it is worse: tanh(0) = ReLU(0) = 0, so no signal reaches the output and no "
      "gradient reaches the weights; only the output bias learns.\n\n";
  md += c.Figure(f, "symmetry",
                 "test loss and spread of hidden units during SGD from zero, "
                 "constant and random init");
  md += fmt::format(
      "*Experiment:* an MLP with {} inputs and {} hidden layers of {} units ({}), trained by "
      "{} (learning rate {}, momentum {}) for {} steps of {} examples on a synthetic "
      "regression task ({}); {} runs per initializer (seeds {}). The spread is {}. The "
      "arithmetic computes every unit with the same operations, so a tie between units is "
      "kept bit for bit.\n\n",
      st["input_dim"].get<int>(), st["hidden_layers"].get<int>(), st["width"].get<int>(),
      st["network"].get<std::string>(), st["optimizer"]["name"].get<std::string>(),
      G3(D(st["optimizer"]["learning_rate"])), G3(D(st["optimizer"]["momentum"])),
      st["steps"].get<int>(), st["batch"].get<int>(), st["task"].get<std::string>(),
      j["seeds"]["runs"].get<int>(), "0 … " + std::to_string(j["seeds"]["runs"].get<int>() - 1),
      st["spread"].get<std::string>());
  md +=
      "| activation | init | largest spread | distinct units | final test loss | vs. best constant "
      "|\n"
      "|---|---|---:|---:|---:|---:|\n";
  for (const J& cs : j["cases"]) {
    const J& s = cs["summary"];
    const double base = D(cs["baseline_loss"]);
    md += fmt::format("| {} | `{}` | {} | {} of {} | {} | {}× |\n",
                      cs["activation"].get<std::string>(), cs["init"].get<std::string>(),
                      D(s["max_spread"]) == 0 ? "**0** (exactly)" : G3(D(s["max_spread"])),
                      s["min_distinct_units"].get<int>(), st["width"].get<int>(),
                      G3(D(s["final_test_loss_mean"])), G2(D(s["final_test_loss_mean"]) / base));
  }
  md +=
      "\nLargest spread: over both hidden layers, every step and every run; distinct "
      "units: the fewest distinct incoming weight vectors in any layer at any step. "
      "\"vs. best constant\": final test loss divided by that of the best constant "
      "prediction (1 = learned nothing).\n\n";
  return md;
}

// Theory line, band and simulation points of one direction of a grid pair.
void AddPair(Panel& p, const J& pair, const std::string& dir, const Look& lk, int series_index,
             int every = 3) {
  const J& b = pair[dir];
  const std::vector<double> theory = V(b["theory"]), mean = V(b["mean"]);
  const std::vector<double> x = Range(1, static_cast<int>(theory.size()));
  p.series.push_back(Band(x, V(b["low"]), V(b["high"]), lk, 0.13));
  p.series.push_back(Line(x, theory, lk, 2.0));
  p.series.push_back(Points(x, mean, lk, every, series_index));
}

// Marks what a log axis cannot show: values that are exactly 0 (vanished or
// zero init) and networks that overflowed.
void MarkUndrawable(Panel& p, const J& pair, const std::string& dir, const std::string& name,
                    double& label_y) {
  const std::vector<double> mean = V(pair[dir]["mean"]), theory = V(pair[dir]["theory"]);
  int zeros = 0, nulls = 0;
  for (size_t i = 0; i < mean.size(); ++i) {
    if (mean[i] == 0) ++zeros;
    if (std::isnan(mean[i]) && !std::isnan(i < theory.size() ? theory[i] : kNaN)) ++nulls;
  }
  if (zeros > 0) {
    p.commands.push_back(Label(gp::escape(name) + fmt::format(": exactly 0 at {} of {} layers "
                                                              "(not drawable on a log axis)",
                                                              zeros, mean.size()),
                               0.02, label_y));
    label_y -= 0.07;
  }
  if (nulls > 0) {
    p.commands.push_back(Label(gp::escape(name) + fmt::format(": networks overflowed 1e300 at "
                                                              "{} layers (not drawn)",
                                                              nulls),
                               0.02, label_y));
    label_y -= 0.07;
  }
}

// ---- 2. Vanishing and exploding ---------------------------------------------------------
std::string VanishSection(Ctx& c) {
  const J& grid = c["grid"];
  std::string md = "## Too small vanishes, too large explodes\n\n";
  struct Row {
    std::string act, ref;
  };
  std::vector<Row> rows;
  for (const auto& r : std::vector<Row>{{"relu", "kaiming_normal(nonlinearity=relu)"},
                                        {"tanh", "xavier_uniform"}}) {
    if (HasPair(grid, r.act, "normal(std=0.001)")) rows.push_back(r);
  }
  md +=
      "**Mechanism.** Each layer multiplies the forward signal by σ_w² E[φ(√q ξ)²]/q and the "
      "backward signal by χ = σ_w² E[φ′²]. With N(0, 0.001²) weights on n = 256 inputs "
      "σ_w² = 256 × 10⁻⁶ = 2.6 × 10⁻⁴: the signals shrink by σ_w²/2 ≈ 1/8000 per ReLU "
      "layer and by σ_w² ≈ 1/4000 per tanh layer (tanh is the identity near 0), in both "
      "directions. With N(0, 1) weights σ_w² "
      "= 256: a ReLU network multiplies both signals by 128 per layer. tanh caps the "
      "forward signal (|tanh| ≤ 1, so q ≤ σ_w²) but not the backward one: its units sit "
      "in saturation, yet the few that are not pass gradients with χ₁ ≈ 8.7 per layer "
      "(chaotic).\n\n";
  gp::Figure f;
  f.width = 900;
  f.height = 680;
  f.cols = 2;
  for (const Row& r : rows) {
    for (const std::string dir : {"forward", "backward"}) {
      Panel p;
      p.title = "{/:Bold " + r.act + "} — " +
                (dir == std::string("forward") ? "forward qˡ" : "backward gˡ = E[(∂L/∂zˡ)²]");
      p.x.label = "layer l";
      p.x.tic = 10;
      p.x.minor = 2;
      p.x.min = 0;
      p.x.max = D(grid["settings"]["depth"]) + 1;
      p.y.label = dir == std::string("forward") ? "qˡ" : "gˡ";
      p.y.log = true;
      int i = 0;
      for (const std::string& sch :
           {std::string("normal(std=0.001)"), std::string("normal(std=1)"), r.ref}) {
        AddPair(p, FindPair(grid, r.act, sch), dir, gp::palette(i), i);
        ++i;
      }
      f.panels.push_back(p);
    }
  }
  int i = 0;
  for (const std::string& sch : {std::string("normal(std=0.001)"), std::string("normal(std=1)")}) {
    const J& p0 = FindPair(grid, rows.empty() ? "relu" : rows[0].act, sch);
    f.legend.push_back({Short(sch) + ": σ_w² = " + G2(D(p0["sigma_w2"])), Kind::kLinePoints,
                        gp::palette(i++), 0.2});
  }
  f.legend.push_back(
      {"matched: He normal (relu), Xavier uniform (tanh)", Kind::kLinePoints, gp::palette(2), 0.2});
  StyleKeys(f.legend);
  f.legend_cols = 2;
  md += c.Figure(f, "vanish_explode",
                 "forward and backward signals for tiny, huge and matched weights");
  md +=
      "| activation | init | σ_w² | phase (χ₁) | qᴸ/q¹: theory · simulated | gradient below 10⁻³⁰ "
      "of the output's at layer |\n"
      "|---|---|---:|---|---|---|\n";
  for (const Row& r : rows) {
    for (const std::string& sch :
         {std::string("normal(std=0.001)"), std::string("normal(std=1)"), r.ref}) {
      const J& p = FindPair(grid, r.act, sch);
      const J& ph = p["phenomena"];
      md += fmt::format("| {} | {} | {} | {} ({}) | {} · {} | {} (theory {}) |\n", r.act,
                        Short(sch), G3(D(p["sigma_w2"])), p["phase"]["label"].get<std::string>(),
                        G3(D(p["phase"]["chi1"])), G3(D(ph["forward_ratio"]["theory"])),
                        G3(D(ph["forward_ratio"]["simulated"])),
                        Layer(ph["backward_vanish_layer"]["simulated"]),
                        Layer(ph["backward_vanish_layer"]["theory"]));
    }
  }
  md +=
      "\nχ₁ of an unbounded pair is the limit of χˡ as q → ∞. The vanishing layer counts "
      "down from the output: the first layer, going back, whose gradient is below 10⁻³⁰ "
      "of the output layer's. \"simulated\" is the mean over the networks.\n\n";
  return md;
}

// ---- 3. Sigmoid saturation -------------------------------------------------------------
std::string SaturationSection(Ctx& c) {
  const J& j = c["saturation"];
  const J& st = j["settings"];
  std::string md = "## Sigmoid with too-large weights saturates\n\n";
  md +=
      "**Mechanism.** σ(z) = 1/(1 + e⁻ᶻ) is flat away from 0: σ′(z) = σ(z)(1 − σ(z)) is "
      "at most 1/4 and falls like e^−|z|. With N(0, 1) weights on 256 inputs the "
      "pre-activations have variance qˡ ≈ 256 × E[σ²] ≈ 120, so most |z| are large: the "
      "activations pile up at 0 and 1 and σ′ is astronomically small for most units. Those "
      "units pass no gradient (Glorot & Bengio 2010 saw the top hidden layer saturate at "
      "0). Xavier's σ_w² = 1 keeps q ≈ 0.27, σ(z) near 1/2 and σ′ near its maximum — but "
      "σ′ ≤ 1/4 means χ₁ = 0.056: sigmoid networks are deeply ordered even when nothing "
      "saturates (gradients shrink ~18× per layer).\n\n";
  const int hb = st["activation_bins"]["count"];
  const double lg_lo = D(st["log10_derivative_bins"]["low"]);
  const double lg_w = D(st["log10_derivative_bins"]["width"]);
  const int lb = st["log10_derivative_bins"]["count"];
  gp::Figure f;
  f.width = 900;
  f.height = 680;
  f.cols = 2;
  int nl = 0;
  for (const J& sj : j["schemes"]) {
    const std::string name = Short(sj["scheme"]);
    Panel ph, pd;
    ph.title = "{/:Bold " + gp::escape_quoted(name) + "}" +
               fmt::format(" (σ_w² = {}): activations σ(z)", G3(D(sj["sigma_w2"])));
    ph.x.label = "σ(zˡ)";
    ph.x.min = 0;
    ph.x.max = 1;
    ph.x.tic = 0.2;
    ph.y.label = "probability density";
    ph.y.min = 0;
    pd.title = "{/:Bold " + gp::escape_quoted(name) + "}: derivatives σ′(z)";
    pd.x.label = "log_{10} σ′(zˡ)";
    pd.x.min = lg_lo;
    pd.x.max = lg_lo + lb * lg_w;
    pd.x.tic = 2;
    pd.x.minor = 2;
    pd.y.label = "fraction of units per 0.2-wide bin";
    pd.y.log = true;
    pd.y.min = 1e-5;  // theory tails continue below the frame
    pd.y.max = 1;
    std::vector<double> hx, lx;
    for (int b = 0; b < hb; ++b) hx.push_back((b + 0.5) / hb);
    for (int b = 0; b < lb; ++b) lx.push_back(lg_lo + (b + 0.5) * lg_w);
    int li = 0;
    std::string below_text;
    for (const J& L : sj["layers"]) {
      const Look lk = gp::palette(li);
      std::vector<double> hs = V(L["activation_hist"]["simulated"]),
                          ht = V(L["activation_hist"]["theory"]);
      for (double& v : hs) v *= hb;  // probability per bin -> density
      for (double& v : ht) v *= hb;
      ph.series.push_back(Line(hx, ht, lk, 1.8));
      ph.series.push_back(Points(hx, hs, lk, 1, 0));
      pd.series.push_back(Line(lx, V(L["log10_derivative_hist"]["theory"]), lk, 1.8));
      pd.series.push_back(Points(lx, V(L["log10_derivative_hist"]["simulated"]), lk, 1, 0));
      const double below = D(L["below_range"]["simulated"]);
      below_text += (below_text.empty() ? "" : ", ") + Pct(below);
      ++li;
    }
    if (below_text.find_first_not_of("0.%, ") != std::string::npos) {
      pd.commands.push_back(
          Label(fmt::format("off scale, below 10^{{{}}}: {} (layers 1–{})", lg_lo, below_text, li),
                0.03, 0.94, "left", ",10"));
    }
    nl = std::max(nl, li);
    f.panels.push_back(ph);
    f.panels.push_back(pd);
  }
  for (int l = 0; l < nl; ++l) {
    f.legend.push_back({fmt::format("layer {}", l + 1), Kind::kLinePoints, gp::palette(l), 0.2});
  }
  f.legend.push_back({"theory: z ~ N(0, qˡ) (line)", Kind::kLine, Black(), 0.2});
  f.legend.push_back({"simulation (points)", Kind::kPoints, Look{"#000000", "", 6}, 0.2});
  f.legend_cols = 4;
  md += c.Figure(f, "saturation", "histograms of sigmoid activations and derivatives per layer");
  md += fmt::format(
      "*Experiment:* sigmoid network, {} layers of {} units, {} networks × {} inputs "
      "(seeds {} …), histograms over all units and inputs of a layer; theory: zˡ ~ N(0, qˡ) "
      "with the mean-field qˡ, bin probabilities in closed form. A unit is *saturated* when "
      "σ′(z) < {}.\n\n",
      st["depth"].get<int>(), st["width"].get<int>(), st["networks"].get<int>(),
      st["batch"].get<int>(), j["seeds"]["first"].get<int>(), G3(D(st["saturated_threshold"])));
  md +=
      "| layer | qˡ (theory) | saturated, N(0, 1): sim · theory | qˡ (theory) | saturated, Xavier: "
      "sim · theory |\n"
      "|---:|---:|---|---:|---|\n";
  const J& a = j["schemes"][0]["layers"];
  const J& b = j["schemes"].size() > 1 ? j["schemes"][1]["layers"] : a;
  for (size_t l = 0; l < a.size(); ++l) {
    md += fmt::format("| {} | {} | {} · {} | {} | {} · {} |\n", l + 1, G3(D(a[l]["q_theory"])),
                      Pct(D(a[l]["saturated"]["simulated"])), Pct(D(a[l]["saturated"]["theory"])),
                      G3(D(b[l]["q_theory"])), Pct(D(b[l]["saturated"]["simulated"])),
                      Pct(D(b[l]["saturated"]["theory"])));
  }
  const J& grid = c["grid"];
  if (HasPair(grid, "sigmoid", "normal(std=1)") && HasPair(grid, "sigmoid", "xavier_uniform")) {
    const J& p1 = FindPair(grid, "sigmoid", "normal(std=1)");
    const J& p2 = FindPair(grid, "sigmoid", "xavier_uniform");
    md += fmt::format(
        "\nOver the {} layers of the main grid, the gradient ratio g¹/gᴸ is {} (theory {}) "
        "with N(0, 1) weights — the unsaturated few explode it — and {} (theory {}) with "
        "Xavier.\n\n",
        grid["settings"]["depth"].get<int>(), G3(D(p1["phenomena"]["backward_ratio"]["simulated"])),
        G3(D(p1["phenomena"]["backward_ratio"]["theory"])),
        G3(D(p2["phenomena"]["backward_ratio"]["simulated"])),
        G3(D(p2["phenomena"]["backward_ratio"]["theory"])));
  } else {
    md += "\n";
  }
  return md;
}

// ---- 4. ReLU dead zone ------------------------------------------------------------------
std::string DeadZoneSection(Ctx& c) {
  const J& j = c["relu_dead_zone"];
  const J& st = j["settings"];
  const int depth = st["depth"];
  std::string md = "## ReLU's dead zone halves the variance\n\n";
  md +=
      "**Mechanism** (He et al. 2015). A pre-activation y is symmetric about 0, and ReLU "
      "sets the negative half to 0: half of the units of a layer are inactive for a given "
      "input, and E[ReLU(y)²] = ½ E[y²]. The next layer sums n such inputs with weights of "
      "variance Var[w], so Var[yˡ] = n Var[w] · ½ Var[yˡ⁻¹]: the variance is multiplied by "
      "½ n Var[w] at every layer. Xavier on a square layer has n Var[w] = 1 — the signal "
      "halves per layer, 2⁻²⁹ ≈ 2 × 10⁻⁹ after 30 layers; He's n Var[w] = 2 makes the "
      "factor exactly 1. The same argument runs backward (ReLU′ ∈ {0, 1}, each with "
      "probability ½).\n\n";
  gp::Figure f;
  f.width = 900;
  f.height = 680;
  f.cols = 2;
  Panel q, gain, inactive, dead;
  q.title = "forward signal qˡ";
  q.y.label = "qˡ";
  q.y.log = true;
  gain.title = "gain per layer qˡ / qˡ⁻¹";
  gain.y.label = "qˡ / qˡ⁻¹";
  gain.y.min = 0;
  gain.y.max = 1.4;
  gain.y.tic = 0.25;
  gain.y.minor = 5;
  inactive.title = "inactive (z ≤ 0) fraction of (unit, input) pairs";
  inactive.y.label = "fraction";
  inactive.y.min = 0.4;
  inactive.y.max = 0.6;
  inactive.y.tic = 0.05;
  dead.title = "units inactive for every input of the batch";
  dead.y.label = "fraction of units";
  dead.y.min = 0;
  for (Panel* p : {&q, &gain, &inactive, &dead}) {
    p->x.label = "layer l";
    p->x.min = 0;
    p->x.max = depth + 1;
    p->x.tic = 5;
  }
  int i = 0;
  for (const J& sj : j["schemes"]) {
    const Look lk = gp::palette(i == 0 ? 2 : 0);
    const std::vector<double> x = Range(1, depth), xg = Range(2, depth);
    q.series.push_back(Band(x, V(sj["q"]["low"]), V(sj["q"]["high"]), lk, 0.15));
    q.series.push_back(Line(x, V(sj["q"]["theory"]), lk));
    q.series.push_back(Points(x, V(sj["q"]["simulated"]), lk, 1, 0));
    gain.series.push_back(Band(xg, V(sj["gain"]["low"]), V(sj["gain"]["high"]), lk, 0.15));
    gain.series.push_back(Line(xg, V(sj["gain"]["theory"]), lk));
    gain.series.push_back(Points(xg, V(sj["gain"]["simulated"]), lk, 1, 0));
    inactive.series.push_back(Points(x, V(sj["inactive"]["simulated"]), lk, 1, 0));
    dead.series.push_back(Points(x, V(sj["dead_for_whole_batch"]), lk, 1, 0));
    f.legend.push_back(
        {sj["label"].get<std::string>() + fmt::format(" (n Var[w] = {})", G3(D(sj["sigma_w2"]))),
         Kind::kLinePoints, lk, 0.2});
    ++i;
  }
  const std::vector<double> hx = {0, double(depth + 1)}, hy = {0.5, 0.5};
  inactive.series.push_back(Line(hx, hy, Black(), 1.5));
  for (Panel* p : {&q, &gain, &inactive, &dead}) f.panels.push_back(*p);
  StyleKeys(f.legend);
  f.legend_cols = 3;
  md += c.Figure(f, "relu_dead_zone",
                 "relu: variance, gain per layer, inactive and dead units, Xavier vs He");
  md += fmt::format(
      "*Experiment:* ReLU network, {} layers of {} units, {} networks × {} inputs (seeds "
      "{} …). The gain is measured per network and then averaged; its theory ½ n Var[w] "
      "holds exactly in expectation at any width.\n\n",
      depth, st["width"].get<int>(), st["networks"].get<int>(), st["batch"].get<int>(),
      j["seeds"]["first"].get<int>());
  md +=
      "| init | n Var[w] | mean gain per layer (theory) | inactive fraction (theory ½) | dead for "
      "the whole batch at layer L | verdict (qˡ, gˡ) |\n"
      "|---|---:|---|---|---:|---|\n";
  for (const J& sj : j["schemes"]) {
    const std::vector<double> g = V(sj["gain"]["simulated"]), in = V(sj["inactive"]["simulated"]);
    double gm = 0, im = 0;
    for (double v : g) gm += v / double(g.size());
    for (double v : in) im += v / double(in.size());
    md += fmt::format("| {} | {} | {} ({}) | {} | {} | {} ({} of {} comparisons decided) |\n",
                      sj["label"].get<std::string>(), G3(D(sj["sigma_w2"])), G3(gm),
                      G3(D(sj["sigma_w2"]) / 2), G3(im), Pct(V(sj["dead_for_whole_batch"]).back()),
                      sj["verdict"]["pair"].get<std::string>(),
                      sj["verdict"]["agree"].get<int>() + sj["verdict"]["disagree"].get<int>(),
                      sj["verdict"]["comparisons"].get<int>());
  }
  md +=
      "\nUnits that are inactive for *every* input of the batch grow with depth under "
      "both inits: deep ReLU layers map different inputs to ever more similar vectors "
      "(the correlation map drives c → 1), so a unit that is off for one input tends to "
      "be off for all. The verdict on qˡ and gˡ is mostly *not decidable* at this depth "
      "and number of networks: one ReLU network's qˡ fluctuates by a factor e^±(5l/n)^½ "
      "(Hanin & Nica 2019), which 16 networks cannot average down to a factor 1.5 — see "
      "[Beyond the mean](#beyond-the-mean-finite-width).\n\n";
  return md;
}

// ---- 5. Phases ---------------------------------------------------------------------------
std::string PhasesSection(Ctx& c) {
  const J& j = c["phases"];
  std::string md = "## Xavier, He, LeCun: phases per activation\n\n";
  md +=
      "**Mechanism.** The initializers differ only in σ_w²: LeCun chose 1 for units that "
      "pass variance through (tanh and linear near 0), He chose 2 to make up for ReLU's "
      "halving, Xavier averages fan-in and fan-out (on square layers it *is* LeCun). "
      "Whether a σ_w² is right depends on the activation: what matters is χ₁ at the "
      "fixed point the signal settles to. The left panel puts every activation on the "
      "same scale: points on the critical line χ₁ = 1 keep gradients alive over depth; "
      "below it they vanish, above it they explode. The right panel is the classic phase "
      "diagram of tanh networks with bias variance σ_b² (Poole et al. 2016, Fig. 1; "
      "Schoenholz et al. 2017).\n\n";
  std::vector<std::string> acts;
  std::vector<double> sw2s;
  for (const J& r : j["rows"]) {
    if (std::find(acts.begin(), acts.end(), r["activation"].get<std::string>()) == acts.end()) {
      acts.push_back(r["activation"]);
    }
    const double v = D(r["sigma_w2"]);
    if (std::find(sw2s.begin(), sw2s.end(), v) == sw2s.end()) sw2s.push_back(v);
  }
  gp::Figure f;
  f.width = 900;
  f.height = 480;
  f.cols = 2;
  Panel chi, tanh_p;
  chi.title = "χ₁ per activation and σ_w²";
  chi.x.label = "";
  chi.x.min = 0.4;
  chi.x.max = acts.size() + 0.6;
  chi.y.label = "χ₁ (open: unbounded, average χˡ over 50 layers)";
  chi.y.log = true;
  chi.y.min = 0.01;
  chi.y.max = 10;
  {
    std::string tics = "set xtics (";
    for (size_t i = 0; i < acts.size(); ++i) {
      tics += fmt::format("{}\"{}\" {}", i ? ", " : "", gp::escape(acts[i]), i + 1);
    }
    chi.commands.push_back(tics + ") rotate by 40 right font \",11\"");
    chi.commands.push_back("set xlabel \"\"");
    chi.commands.push_back("unset grid; set grid ytics lc rgb \"#dddddd\"");
  }
  const std::vector<double> cx = {0.4, acts.size() + 0.6}, cy = {1, 1};
  chi.series.push_back(Line(cx, cy, Black(), 2.5));
  chi.commands.push_back(Label("chaotic", 0.03, 0.93, "left", ",12"));
  chi.commands.push_back(Label("ordered", 0.03, 0.06, "left", ",12"));
  for (size_t si = 0; si < sw2s.size(); ++si) {
    Series filled, open;
    filled.kind = open.kind = Kind::kPoints;
    filled.look = gp::palette(static_cast<int>(si));
    open.look = filled.look;
    open.look.point = filled.look.point - 1;  // gnuplot: odd = filled, even = open outline
    filled.point_size = open.point_size = 1.5;
    for (const J& r : j["rows"]) {
      if (D(r["sigma_w2"]) != sw2s[si]) continue;
      const double x =
          double(std::find(acts.begin(), acts.end(), r["activation"].get<std::string>()) -
                 acts.begin() + 1) +
          (double(si) - 1.0) * 0.2;
      if (r["label"] == "unbounded") {
        open.x.push_back(x);
        open.y.push_back(D(r["chi_eff"]));
      } else {
        filled.x.push_back(x);
        filled.y.push_back(D(r["chi1"]));
      }
    }
    chi.series.push_back(filled);
    chi.series.push_back(open);
    std::string init;
    for (const J& r : j["rows"]) {
      if (D(r["sigma_w2"]) == sw2s[si]) {
        init = r["init"];
        break;
      }
    }
    f.legend.push_back({"σ_w² = " + init, Kind::kPoints, filled.look, 0.2});
  }
  // tanh phase diagram.
  const J& tl = j["tanh_critical_line"];
  tanh_p.title = "tanh: the critical line χ₁ = 1";
  tanh_p.x.label = "σ_w²";
  tanh_p.y.label = "σ_b² (bias variance)";
  tanh_p.x.min = 0;
  tanh_p.x.max = 3.2;
  tanh_p.x.tic = 0.5;
  tanh_p.x.minor = 5;
  // Slightly below 0, so the markers at σ_b² = 0 are drawn whole.
  tanh_p.y.min = -0.015;
  tanh_p.y.max = 0.5;
  tanh_p.y.tic = 0.1;
  tanh_p.y.minor = 2;
  tanh_p.series.push_back(Line(V(tl["sigma_w2"]), V(tl["sigma_b2"]), Black(), 2.5));
  tanh_p.commands.push_back(Label("ordered (χ₁ < 1)", 0.06, 0.55, "left", ",12"));
  tanh_p.commands.push_back(Label("chaotic (χ₁ > 1)", 0.97, 0.2, "right", ",12"));
  int pi = 0;
  for (const J& pt : tl["points"]) {
    Series s;
    s.kind = Kind::kPoints;
    s.look = gp::palette(4 + pi);
    s.point_size = 1.6;
    s.x = {D(pt["sigma_w2"])};
    s.y = {D(pt["sigma_b2"])};
    tanh_p.series.push_back(s);
    f.legend.push_back({fmt::format("tanh, {}: χ₁ = {}, {}", pt["name"].get<std::string>(),
                                    G3(D(pt["chi1"])), pt["label"].get<std::string>()),
                        Kind::kPoints, s.look, 0.2});
    ++pi;
  }
  f.legend.push_back({"critical line χ₁ = 1", Kind::kLine, Black(), 0.2});
  f.panels.push_back(chi);
  f.panels.push_back(tanh_p);
  f.legend_cols = 2;
  md +=
      c.Figure(f, "phases", "chi_1 per activation for three weight variances; tanh phase diagram");
  md +=
      "| activation | σ_w² = 1/3 (PyTorch default) | σ_w² = 1 (LeCun, Xavier) | σ_w² = 2 (He) |\n"
      "|---|---|---|---|\n";
  for (const std::string& a : acts) {
    std::string row = "| " + a;
    for (double sw2 : sw2s) {
      for (const J& r : j["rows"]) {
        if (r["activation"] != a || D(r["sigma_w2"]) != sw2) continue;
        const std::string label = r["label"];
        row += " | " + label + " (χ₁ = " + G3(D(r["chi1"])) + ")";
        if (label == "unbounded") row += ", χˡ ≈ " + G3(D(r["chi_eff"]));
      }
    }
    md += row + " |\n";
  }
  md +=
      "\nχ₁ is taken at the fixed point reached from q¹ = σ_w²; for *unbounded* rows it is "
      "the limit q → ∞, and χˡ ≈ is the average gradient factor per layer over 50 layers, "
      "(g¹/gᴸ)^(1/49). Two things the table shows that the names hide: **Xavier + tanh is "
      "critical only at q* = 0** — the forward signal decays slowly, qˡ ≈ 1/(2l), 100× "
      "over 50 layers (see the tanh figure in the appendix) — and **GELU and SiLU are not "
      "ReLU**: with He's σ_w² = 2 they are ordered (χ₁ = 0.5 at q* = 0; near 0 they act "
      "like x/2), so their signals vanish.\n\n";
  return md;
}

// ---- Appendix: every activation x scheme --------------------------------------------
std::string GridAppendix(Ctx& c) {
  const J& grid = c["grid"];
  const J& gs = grid["settings"];
  std::string md = "## Every activation × scheme\n\n";
  md += fmt::format(
      "Depth {}, width {}, batch {}; the number of networks K per pair follows from the "
      "predicted spread (between {} and {}: enough for the deepest comparison to resolve a "
      "factor 1.5 where the cap allows; orthogonal and non-random schemes use {}). Seeds: "
      "networks {} … {} + K − 1. Each figure shows six schemes; N(0, 0.001²) and N(0, 1) "
      "are in [Too small vanishes, too large explodes](#too-small-vanishes-too-large-explodes) "
      "and in the tables, zeros only in the tables (qˡ = 0 is not drawable on a log axis). "
      "On square layers `mode=fan_out` equals fan_in, so it is not repeated.\n\n",
      gs["depth"].get<int>(), gs["width"].get<int>(), gs["batch"].get<int>(),
      gs["seeds_min"].get<int>(), gs["seeds_max"].get<int>(), gs["seeds_min"].get<int>(),
      grid["seeds"]["first"].get<int>(), grid["seeds"]["first"].get<int>());
  const std::vector<std::string> drawn = {
      "kaiming_uniform(a=sqrt(5))",        "lecun_normal",       "xavier_uniform",
      "kaiming_normal(nonlinearity=relu)", "orthogonal(gain=1)", "orthogonal(gain=sqrt(2))"};
  for (const J& act_j : gs["activations"]) {
    const std::string act = act_j;
    md += "### " + act + "\n\n";
    gp::Figure f;
    f.width = 900;
    f.height = 720;
    f.cols = 2;
    for (int row = 0; row < 2; ++row) {
      for (const std::string dir : {"forward", "backward"}) {
        const bool fwd = dir == std::string("forward");
        Panel p;
        p.x.label = "layer l";
        p.x.tic = 10;
        p.x.minor = 2;
        p.x.min = 0;
        p.x.max = gs["depth"].get<int>() + 1;
        p.y.log = true;
        if (row == 0) {
          p.title = std::string(fwd ? "forward qˡ" : "backward gˡ = E[(∂L/∂zˡ)²]") + " — " +
                    gp::escape_quoted(act);
          p.y.label = fwd ? "qˡ" : "gˡ";
        } else {
          p.title = std::string(fwd ? "forward" : "backward") + ": simulated / theory";
          p.y.label = "mean over networks / theory";
          // The factor 1.5 a comparison must resolve.
          p.series.push_back(Band(std::vector<double>{0, p.x.max},
                                  std::vector<double>{1 / 1.5, 1 / 1.5},
                                  std::vector<double>{1.5, 1.5}, Look{"#999999", "", 7}, 0.18));
          p.series.push_back(
              Line(std::vector<double>{0, p.x.max}, std::vector<double>{1, 1}, Black(), 1.2));
        }
        int i = 0;
        double ly = 0.08;
        for (const std::string& sch : drawn) {
          if (!HasPair(grid, act, sch)) continue;
          const J& pair = FindPair(grid, act, sch);
          if (row == 0) {
            AddPair(p, pair, dir, gp::palette(i), i);
            MarkUndrawable(p, pair, dir, Short(sch), ly);
          } else {
            const std::vector<double> m = V(pair[dir]["mean"]), t = V(pair[dir]["theory"]);
            std::vector<double> x, r;
            for (size_t k = 0; k < m.size() && k < t.size(); ++k) {
              if (t[k] > 0 && m[k] > 0) {
                x.push_back(double(k + 1));
                r.push_back(m[k] / t[k]);
              }
            }
            Series s = Points(x, r, gp::palette(i), 1, 0);
            s.kind = Kind::kLinePoints;
            s.width = 1.2;
            s.point_size = 0.6;
            p.series.push_back(s);
          }
          ++i;
        }
        f.panels.push_back(p);
      }
    }
    int i = 0;
    for (const std::string& sch : drawn) {
      if (!HasPair(grid, act, sch)) continue;
      const J& pair = FindPair(grid, act, sch);
      f.legend.push_back({fmt::format("{} (σ_w² = {})", Short(sch), G3(D(pair["sigma_w2"]))),
                          Kind::kLinePoints, gp::palette(i++), 0.2});
    }
    StyleKeys(f.legend);
    f.legend.push_back(
        {"within a factor 1.5 of theory (bottom row)", Kind::kBand, Look{"#999999", "", 7}, 0.3});
    f.legend_cols = 3;
    md += c.Figure(f, "grid_" + Slug(act),
                   act + ": forward and backward signals per scheme, and simulated/theory");
    md +=
        "| scheme | σ_w² | phase (χ₁) | qᴸ/q¹: theory · simulated | g¹/gᴸ: theory · simulated | "
        "verdict |\n"
        "|---|---:|---|---|---|---|\n";
    std::vector<std::string> notes;
    for (const J& pair : grid["pairs"]) {
      if (pair["activation"] != act) continue;
      const J& ph = pair["phenomena"];
      const J& v = pair["verdict"];
      std::string phase = "–";
      if (pair["phase"].is_object()) {
        phase =
            pair["phase"]["label"].get<std::string>() + " (" + G3(D(pair["phase"]["chi1"])) + ")";
      }
      std::string verdict = v["pair"];
      const int n = v["comparisons"], ag = v["agree"], dis = v["disagree"], nd = v["not_decidable"];
      if (verdict == "disagrees") {
        verdict = fmt::format("**disagrees** ({} of {})", dis, n);
      } else if (verdict == "agrees") {
        verdict = nd == 0 ? fmt::format("agrees ({} of {})", ag, n)
                          : fmt::format("agrees ({} of {}; {} undecided)", ag, n, nd);
      } else {
        verdict = fmt::format("not decidable ({} of {} decided)", ag + dis, n);
      }
      md += fmt::format("| {} | {} | {} | {} · {} | {} · {} | {} |\n", Short(pair["scheme"]),
                        G3(D(pair["sigma_w2"])), phase, G3(D(ph["forward_ratio"]["theory"])),
                        G3(D(ph["forward_ratio"]["simulated"])),
                        G3(D(ph["backward_ratio"]["theory"])),
                        G3(D(ph["backward_ratio"]["simulated"])), verdict);
    }
    md += fmt::format(
        "\nK networks per row: {}. \"simulated\" is the ratio of the means over the "
        "networks; a ratio of 0 or – means the signal vanished exactly (zeros) or has no "
        "first-layer value.\n\n",
        [&] {
          std::string k;
          for (const J& pair : grid["pairs"]) {
            if (pair["activation"] != act) continue;
            k += (k.empty() ? "" : ", ") + Short(pair["scheme"]) + " " +
                 std::to_string(pair["seeds"].get<int>());
          }
          return k;
        }());
  }
  return md;
}

// ---- 6. Training --------------------------------------------------------------------------
std::string TrainingSection(Ctx& c) {
  const J& j = c["training"];
  const J& st = j["settings"];
  std::string md = "## Training, measured\n\n";
  md +=
      "**Mechanism.** He et al. (2015, Fig. 3) trained a 30-layer ReLU network from their "
      "init and from Xavier's: theirs converged, Xavier's \"completely stalled\"; at 22 "
      "layers both converged, theirs earlier. The reason is the halving of the previous "
      "section, in both directions: with Xavier on square layers the input's signal at "
      "layer l is 2^−l/2 of He's (in standard deviation) and the backward signal reaching "
      "layer l from the output 2^−(L−l)/2, so every weight gradient — their product — "
      "starts 2^−(L−1)/2 times smaller: 1/1400 at L = 22, 1/23000 at L = 30. SGD must first "
      "grow the weights out of a plateau at the loss of the best constant guess; the "
      "deeper the network, the longer the plateau.\n\n";
  gp::Figure f;
  f.width = 900;
  f.height = 680;
  f.cols = 2;
  std::vector<int> depths;
  for (const J& g : j["groups"]) {
    const int d = g["depth"];
    if (std::find(depths.begin(), depths.end(), d) == depths.end()) depths.push_back(d);
  }
  std::map<std::string, int> look_of;
  for (int row = 0; row < 2; ++row) {
    for (int d : depths) {
      Panel p;
      p.title = fmt::format("{} layers: {}", d, row == 0 ? "training loss" : "test error");
      p.x.label = "SGD step";
      p.x.min = 0;
      p.x.max = D(st["steps"]);
      p.y.label = row == 0 ? fmt::format("cross-entropy (mean over the last {} steps)",
                                         st["eval_every"].get<int>())
                           : std::string("test error");
      if (row == 1) {
        p.y.min = 0;
        p.y.max = 1;
        p.y.tic = 0.1;
      }
      double base = kNaN;
      for (const J& g : j["groups"]) {
        if (g["depth"] != d) continue;
        const std::string label = g["label"];
        if (!look_of.count(label)) look_of[label] = static_cast<int>(look_of.size());
        const Look lk = gp::palette(look_of[label] == 0 ? 0 : 1);
        const std::vector<double> x = V(g["runs"][0]["step"]);
        std::vector<std::vector<double>> ys;
        for (const J& r : g["runs"]) ys.push_back(V(r[row == 0 ? "train_loss" : "test_error"]));
        std::vector<double> lo(x.size()), hi(x.size()), med(x.size());
        for (size_t i = 0; i < x.size(); ++i) {
          std::vector<double> col;
          for (const auto& y : ys) col.push_back(i < y.size() ? y[i] : kNaN);
          std::sort(col.begin(), col.end());
          lo[i] = col.front();
          hi[i] = col.back();
          med[i] = col[col.size() / 2];
        }
        p.series.push_back(Band(x, lo, hi, lk, 0.22));
        p.series.push_back(Line(x, med, lk, 2.2));
        base = D(g["baseline_loss"]);
      }
      if (row == 0) {
        const std::vector<double> bx = {0, D(st["steps"])}, by = {base, base};
        p.series.push_back(Line(bx, by, Grey(), 1.5));
      }
      f.panels.push_back(p);
    }
  }
  std::vector<std::pair<int, std::string>> order;
  for (const auto& [label, i] : look_of) order.push_back({i, label});
  std::sort(order.begin(), order.end());
  for (const auto& [i, label] : order) {
    f.legend.push_back({label + " init: median of the runs (line)", Kind::kLine,
                        gp::palette(i == 0 ? 0 : 1), 0.2});
  }
  for (const auto& [i, label] : order) {
    f.legend.push_back(
        {label + ": min–max over the runs (band)", Kind::kBand, gp::palette(i == 0 ? 0 : 1), 0.22});
  }
  f.legend.push_back({"best constant prediction (class frequencies)", Kind::kLine, Grey(), 0.2});
  f.legend_cols = 2;
  md += c.Figure(
      f, "training",
      "training loss and test error of 30- and 22-layer ReLU MLPs from He and Xavier init");
  md += fmt::format(
      "*Experiment:* {}. Network: {} ({} units wide). {} (learning rate {}, momentum {}), "
      "{} steps of {} examples drawn from {} training examples; test error on {} "
      "held-out examples; {} runs per (depth, init), run seeds {} (data seed {}); float32 "
      "on the CPU, one thread per run.\n\n",
      st["task"].get<std::string>(), st["network"].get<std::string>(), st["width"].get<int>(),
      st["optimizer"]["name"].get<std::string>(), G3(D(st["optimizer"]["learning_rate"])),
      G3(D(st["optimizer"]["momentum"])), st["steps"].get<int>(), st["batch"].get<int>(),
      st["train_size"].get<int>(), st["test_size"].get<int>(), j["seeds"]["runs"].size(),
      [&] {
        std::string s;
        for (const J& r : j["seeds"]["runs"])
          s += (s.empty() ? "" : ", ") + std::to_string(r.get<int>());
        return s;
      }(),
      j["seeds"]["data"].get<int>());
  md +=
      "| depth | init | left the plateau | at step (per run) | final test error (per run) | "
      "gradient at layer 1, step 1 |\n"
      "|---:|---|---|---|---|---:|\n";
  for (const J& g : j["groups"]) {
    const J& sm = g["summary"];
    std::string steps, errs;
    for (const J& e : sm["escape_steps"])
      steps += (steps.empty() ? "" : ", ") +
               (e.is_null() ? std::string("—") : std::to_string(e.get<int>()));
    for (const J& e : sm["final_test_error"])
      errs += (errs.empty() ? "" : ", ") + fmt::format("{:.2f}", D(e));
    double grad = 0;
    for (const J& r : g["runs"]) grad += D(r["initial_grad_rms"][0]) / double(g["runs"].size());
    md += fmt::format("| {} | {} | {} of {} | {} | {} | {} |\n", g["depth"].get<int>(),
                      g["label"].get<std::string>(), sm["escaped"].get<int>(),
                      sm["runs"].get<int>(), steps, errs, G2(grad));
  }
  md +=
      "\n*Left the plateau*: the training loss fell below 0.95 × that of the best "
      "constant prediction (— = never within the run). *Gradient at layer 1*: RMS of the "
      "entries of ∂L/∂W¹ on the first minibatch, mean over the runs.\n\n";
  md +=
      "**What was tried** (to make the phenomenon real, not staged). The network, task "
      "and optimizer were fixed first (plain SGD with momentum 0.9, as He et al.; width "
      "64; a nonlinear 10-class teacher task), then only the learning rate and the "
      "number of steps were tuned, on seeds 0–1, and checked on seeds 2–5 before the "
      "reported seeds were run. Learning rate 0.01: He trains at 22 and 30 layers; Xavier "
      "at 22 layers leaves the plateau after 900–2100 steps in all 6 tuning runs, at 30 "
      "layers in none within 3000 steps. Learning rate 0.03: Xavier-22 escapes earlier, "
      "but a 30-layer He run became unstable (its loss jumped back to the plateau at "
      "step ~2700). Batch 32 (to halve the cost): Xavier-22 escaped later (~2500 steps) "
      "and a 30-layer He run became unstable, so the batch stayed at 64. In a PyTorch "
      "prototype (800 steps): at learning rate 0.1 He failed at 30 layers (2 of 2 runs) "
      "and at 22 (1 of 2); 800 steps at 0.01 are too few for Xavier-22 to escape. "
      "One longer run (30 layers, Xavier, 20000 steps, run seed 0, same settings) left "
      "the plateau between steps 8000 and 10000 — about 5–10× later than at 22 layers, "
      "close to the 2^((30−22)/2) ≈ 16× smaller initial gradient. So \"stalls\" means "
      "\"needs an order of magnitude more steps\", as it did for He et al. at their "
      "budget.\n\n";
  return md;
}

// ---- 7. Residual networks --------------------------------------------------------------
std::string ResidualSection(Ctx& c) {
  const J& j = c["residual"];
  const J& st = j["settings"];
  const int depth = st["depth"];
  std::string md = "## Residual networks\n\n";
  md +=
      "**Mechanism.** A residual block adds its branch to its input, x_{l+1} = x_l + "
      "W₂ φ(W₁ x_l). Given x_l, the branch output has mean 0 and is uncorrelated with "
      "x_l (W₂ is independent of everything before it), so the variances add:\n\n"
      "  q_{l+1} = q_l + σ₂² E[φ(√(σ₁² q_l) ξ)²] = q_l (1 + σ₁² σ₂² / 2) for ReLU,\n\n"
      "and the same factor multiplies the gradient on the way back (∂L/∂x_l = ∂L/∂x_{l+1} "
      "+ W₁ᵀ(φ′ ⊙ W₂ᵀ ∂L/∂x_{l+1})). With He init in both layers the factor is 3: the "
      "skip connection does not save an unscaled network from exploding like 3ᴸ. Scaling "
      "the output projection W₂ by 1/√(2L), as GPT-2 does (Radford et al. 2019), gives "
      "σ₂² = 1/L and (1 + 1/L)ᴸ < e at any depth. Initializing W₂ to zero (Fixup, Zhang "
      "et al. 2019; SkipInit, De & Smith 2020) makes every block the identity at "
      "initialization: q stays exactly q₀ while W₂ still receives gradients.\n\n";
  gp::Figure f;
  f.width = 900;
  f.height = 680;
  f.cols = 2;
  Panel all, zoom, back, sweep;
  all.title = fmt::format("forward q_l through {} blocks (log scale)", depth);
  all.y.log = true;
  all.y.label = "q_l = mean square of x_l";
  zoom.title = "the two scaled variants (linear scale)";
  zoom.y.label = "q_l";
  zoom.y.min = 0;
  back.title = "backward g_l (log scale)";
  back.y.log = true;
  back.y.label = "g_l = mean square of ∂L/∂x_l";
  for (Panel* p : {&all, &zoom, &back}) {
    p->x.label = "block l";
    p->x.min = 0;
    p->x.max = depth;
    p->x.tic = 10;
    p->x.minor = 2;
  }
  sweep.title = "q_L / q_0 after L blocks";
  sweep.x.label = "number of blocks L";
  sweep.x.log = true;
  sweep.y.label = "q_L / q_0";
  sweep.y.log = true;
  int i = 0;
  for (const J& v : j["variants"]) {
    const Look lk = gp::palette(i);
    const std::vector<double> x = Range(0, depth);
    for (Panel* p : {&all, &zoom}) {
      if (p == &zoom && D(v["factor"]) > 1.5) continue;
      p->series.push_back(Band(x, V(v["forward"]["low"]), V(v["forward"]["high"]), lk, 0.15));
      p->series.push_back(Line(x, V(v["forward"]["theory"]), lk));
      p->series.push_back(Points(x, V(v["forward"]["simulated"]), lk, 3, i));
    }
    back.series.push_back(Band(x, V(v["backward"]["low"]), V(v["backward"]["high"]), lk, 0.15));
    back.series.push_back(Line(x, V(v["backward"]["theory"]), lk));
    back.series.push_back(Points(x, V(v["backward"]["simulated"]), lk, 3, i));
    const std::vector<double> sx = V(v["sweep"]["depth"]);
    sweep.series.push_back(Band(sx, V(v["sweep"]["low"]), V(v["sweep"]["high"]), lk, 0.15));
    sweep.series.push_back(Line(sx, V(v["sweep"]["theory"]), lk));
    sweep.series.push_back(Points(sx, V(v["sweep"]["simulated"]), lk, 1, 0));
    const std::string label = v["label"];
    f.legend.push_back(
        {label + fmt::format(": ×{} per block", G3(D(v["factor"]))), Kind::kLinePoints, lk, 0.2});
    ++i;
  }
  for (const J& d : st["depth_sweep"]) sweep.x.tics.push_back({D(d), std::to_string(d.get<int>())});
  StyleKeys(f.legend);
  f.legend_cols = 2;
  f.panels.push_back(all);
  f.panels.push_back(zoom);
  f.panels.push_back(back);
  f.panels.push_back(sweep);
  md +=
      c.Figure(f, "residual",
               "forward variance through residual blocks: unscaled, GPT-2 scaled, zero last layer");
  md += fmt::format(
      "*Experiment:* {}; width {}, {} networks × {} inputs per variant (seeds {} …); the "
      "depth sweep uses {} networks × {} inputs at L = {}. The right panel's theory is "
      "drawn through the simulated depths.\n\n",
      st["block"].get<std::string>(), st["width"].get<int>(), st["networks"].get<int>(),
      st["batch"].get<int>(), j["seeds"]["first"].get<int>(), st["sweep_networks"].get<int>(),
      st["sweep_batch"].get<int>(), [&] {
        std::string s;
        for (const J& d : st["depth_sweep"])
          s += (s.empty() ? "" : ", ") + std::to_string(d.get<int>());
        return s;
      }());
  md += "| variant | factor per block | q_L/q_0 at L = " + std::to_string(depth) +
        ": theory · simulated | g_0/g_L: theory · simulated |\n|---|---:|---|---|\n";
  for (const J& v : j["variants"]) {
    const std::vector<double> ft = V(v["forward"]["theory"]), fs = V(v["forward"]["simulated"]);
    const std::vector<double> bt = V(v["backward"]["theory"]), bs = V(v["backward"]["simulated"]);
    md += fmt::format("| {} | {} | {} · {} | {} · {} |\n", v["label"].get<std::string>(),
                      G3(D(v["factor"])), G3(ft.back() / ft.front()), G3(fs.back() / fs.front()),
                      G3(bt.front() / bt.back()), G3(bs.front() / bs.back()));
  }
  md += "\n";
  return md;
}

// ---- 8. Agreement ---------------------------------------------------------------------------
std::string AgreementSection(Ctx& c) {
  const J& grid = c["grid"];
  const J& wc = c["width_checks"];
  const J& gs = grid["settings"];
  std::string md = "## Theory against simulation, stated honestly\n\n";
  int tot[3] = {0, 0, 0};
  md += "| activation | agrees | disagrees | not decidable |\n|---|---:|---:|---:|\n";
  for (const J& a : gs["activations"]) {
    int n[3] = {0, 0, 0};
    for (const J& p : grid["pairs"]) {
      if (p["activation"] != a) continue;
      const std::string v = p["verdict"]["pair"];
      ++n[v == "agrees" ? 0 : v == "disagrees" ? 1 : 2];
    }
    md += fmt::format("| {} | {} | {} | {} |\n", a.get<std::string>(), n[0], n[1], n[2]);
    for (int k = 0; k < 3; ++k) tot[k] += n[k];
  }
  md += fmt::format("| **all** | **{}** | **{}** | **{}** |\n\n", tot[0], tot[1], tot[2]);
  md += fmt::format(
      "Criterion: [The setting](#the-setting). With a per-comparison false-alarm rate of "
      "{} and 2L = {} comparisons per pair, a correct theory is called \"disagrees\" with "
      "probability at most {} per pair, so up to ~{} false disagreements could be expected "
      "over the {} pairs by chance alone — which is why each disagreement below is checked "
      "at other widths.\n\n",
      G3(D(gs["false_alarm_per_comparison"])), 2 * gs["depth"].get<int>(),
      G3(2 * gs["depth"].get<int>() * D(gs["false_alarm_per_comparison"])),
      G2(2 * gs["depth"].get<int>() * D(gs["false_alarm_per_comparison"]) *
         (tot[0] + tot[1] + tot[2])),
      tot[0] + tot[1] + tot[2]);
  md += "### Where they disagree, and why\n\n";
  bool any = false;
  for (const J& p : grid["pairs"]) {
    if (p["verdict"]["pair"] != "disagrees") continue;
    any = true;
    const J& fd = p["first_disagreement"];
    md += fmt::format(
        "- **{} + {}** ({} of {} comparisons; {}, χ₁ = {}): first at layer {} ({}), "
        "simulated {} vs theory {} ({}).\n",
        Short(p["scheme"]), p["activation"].get<std::string>(), p["verdict"]["disagree"].get<int>(),
        p["verdict"]["comparisons"].get<int>(), p["phase"]["label"].get<std::string>(),
        G3(D(p["phase"]["chi1"])), fd["layer"].get<int>(), fd["direction"].get<std::string>(),
        G3(D(fd["mean"])), G3(D(fd["theory"])),
        fd["log_test"].get<bool>() ? "log-domain test" : fmt::format("z = {:.1f}", D(fd["z"])));
  }
  if (!any) md += "Nowhere in this grid.\n";
  md += "\n";
  // GELU / SiLU chains.
  gp::Figure f;
  f.width = 900;
  f.height = 440;
  f.cols = 2;
  Panel pg, pt;
  pg.title = "GELU, SiLU + He: qᴸ vs theory, by width";
  pg.x.label = "width n";
  pg.x.log = true;
  pg.y.label = "qᴸ / mean-field qᴸ (layer L)";
  pg.y.log = true;
  std::string chain_rows;
  int ci = 0;
  double wmin = INFINITY, wmax = 0;
  for (const auto& [act, ch] : wc["he_chains"].items()) {
    Series mean_s, med_s;
    mean_s.kind = Kind::kErrorBars;
    mean_s.look = gp::palette(2 * ci);
    med_s.kind = Kind::kLinePoints;
    med_s.look = gp::palette(2 * ci + 1);
    med_s.width = 1.5;
    for (const J& w : ch["widths"]) {
      const double n = D(w["width"]);
      wmin = std::min(wmin, n);
      wmax = std::max(wmax, n);
      if (ci == 0) pg.x.tics.push_back({n, std::to_string(w["width"].get<int>())});
      const double m = V(w["mean_over_theory"]).back(), se = V(w["se_over_theory"]).back();
      const double md_ = V(w["median_over_theory"]).back();
      mean_s.x.push_back(n * (ci == 0 ? 0.93 : 1.07));  // side by side
      mean_s.y.push_back(m);
      mean_s.y2.push_back(2 * se);
      med_s.x.push_back(n);
      med_s.y.push_back(md_);
      chain_rows += fmt::format("| {} | {} | {} | {} ± {} | {} | {} |\n", act,
                                w["width"].get<int>(), w["networks"].get<int>(), G3(m), G2(2 * se),
                                G3(md_), Pct(D(w["top_1_percent_share_at_L"]), 0));
      if (m - 2 * se <= 0) {
        pg.commands.push_back(
            Label(fmt::format("{}, n = {}: the ± 2 SE bar reaches 0", act, w["width"].get<int>()),
                  0.97, 0.93 - 0.06 * ci, "right", ",10"));
      }
    }
    pg.series.push_back(mean_s);
    pg.series.push_back(med_s);
    f.legend.push_back({act + ": mean over networks ± 2 SE (exact scalar chain)", Kind::kErrorBars,
                        mean_s.look, 0.2});
    f.legend.push_back(
        {act + ": median network (scalar chain)", Kind::kLinePoints, med_s.look, 0.2});
    ++ci;
  }
  pg.x.min = wmin / 1.6;
  pg.x.max = wmax * 1.6;
  pg.series.push_back(
      Line(std::vector<double>{pg.x.min, pg.x.max}, std::vector<double>{1, 1}, Black(), 1.5));
  pt.title = "tanh, σ_w² = 256: backward gˡ vs theory, by width";
  pt.x.label = "layer l";
  pt.x.min = 0;
  pt.x.max = D(wc["settings"]["depth"]) + 1;
  pt.x.tic = 10;
  pt.y.label = "gˡ simulated / theory";
  pt.y.log = true;
  int i = 0;
  std::string tanh_rows;
  std::vector<std::pair<int, double>> tanh_worst;  // width, largest deviation factor
  for (const J& w : wc["chaotic_tanh"]) {
    const Look lk = gp::palette(i == 0 ? 4 : i == 1 ? 5 : 7);  // not the black of theory
    const std::vector<double> r = V(w["backward_mean_over_theory"]),
                              se = V(w["backward_se_over_theory"]);
    std::vector<double> lo, hi;
    for (size_t k = 0; k < r.size(); ++k) {
      lo.push_back(r[k] - 2 * se[k]);
      hi.push_back(r[k] + 2 * se[k]);
    }
    const std::vector<double> x = Range(1, static_cast<int>(r.size()));
    pt.series.push_back(Band(x, lo, hi, lk, 0.15));
    pt.series.push_back(Line(x, r, lk, 2.0));
    f.legend.push_back(
        {fmt::format("tanh, width {}: mean/theory", w["width"].get<int>()), Kind::kLine, lk, 0.2});
    double worst = 1;
    for (double v : r) {
      if (v > 0) worst = std::max(worst, std::max(v, 1 / v));
    }
    tanh_worst.push_back({w["width"].get<int>(), worst});
    tanh_rows +=
        fmt::format("| {} | {} | {} | {} | {} of {} |\n", w["width"].get<int>(), G3(r.front()),
                    G3(r.back()), G2(worst), w["disagree"].get<int>(), w["comparisons"].get<int>());
    ++i;
  }
  pt.series.push_back(Line(
      Range(0, static_cast<int>(D(wc["settings"]["depth"])) + 1),
      std::vector<double>(static_cast<size_t>(D(wc["settings"]["depth"])) + 2, 1.0), Black(), 1.5));
  f.legend.push_back(
      {"tanh: ± 2 SE (band, the width's colour)", Kind::kBand,
       Look{"#555555", "", 7}, 0.25});
  f.legend.push_back({"theory (ratio 1)", Kind::kLine, Black(), 0.2});
  f.legend_cols = 2;
  f.panels.push_back(pg);
  f.panels.push_back(pt);
  md +=
      "**GELU and SiLU + He: a finite-width effect.** GELU and SiLU behave like x/2 near "
      "0 and like ReLU for large inputs, so with σ_w² = 2 the signal shrinks by a factor "
      "between ¼ (small q) and 1 (large q) per layer: mean-field theory predicts a steady "
      "decay (to ~10⁻¹² and ~10⁻¹⁴ after 50 layers). A finite network's q fluctuates from layer to "
      "layer, and a "
      "network that happens to drift upward decays *more slowly* — the fluctuations are "
      "amplified instead of averaged out. The mean over networks is then carried by a few "
      "lucky ones and sits orders of magnitude above theory, while the typical (median) "
      "network stays within a small factor of it. It is not the quadrature (GELU's "
      "expectations have closed forms that agree with the quadrature SiLU uses to 1e-12) "
      "and not the simulation: the exact "
      "finite-width scalar chain (for Gaussian weights and one input, the pre-activations "
      "of layer l + 1 given layer l are exactly i.i.d. N(0, σ_w² (1/n) Σⱼ φ(zⱼˡ)²), which "
      "costs O(nL) per network) reproduces it, and the mean approaches theory as the "
      "width grows:\n\n";
  md +=
      "| activation | width n | networks | mean/theory at L (± 2 SE) | median/theory | top 1% "
      "share of the mean |\n"
      "|---|---:|---:|---|---:|---:|\n" +
      chain_rows + "\n";
  if (HasPair(grid, "gelu", "kaiming_normal(nonlinearity=relu)")) {
    std::string sims;
    for (const std::string a : {"gelu", "silu"}) {
      if (!HasPair(grid, a, "kaiming_normal(nonlinearity=relu)")) continue;
      const J& p = FindPair(grid, a, "kaiming_normal(nonlinearity=relu)");
      const std::vector<double> m = V(p["forward"]["mean"]), t = V(p["forward"]["theory"]);
      sims += fmt::format("{}{}: {} ({} networks)", sims.empty() ? "" : "; ", a,
                          G3(m.back() / t.back()), p["seeds"].get<int>());
    }
    md += fmt::format(
        "For comparison, the full simulation of the grid at width {} (batch {}) gives "
        "mean/theory at layer L = {}. A heavy-tailed mean over tens of networks lands "
        "anywhere between the median and the true mean; the scalar chain with thousands of "
        "networks shows where the mean really is.\n\n",
        gs["width"].get<int>(), gs["batch"].get<int>(), sims);
  }
  md +=
      "**tanh with N(0, 1) weights (σ_w² = 256): chaotic backward pass.** The units sit "
      "deep in saturation; gradients pass only through the few with |z| small, whose "
      "number per layer is ~n × P(|z| < 1) ≈ 5% of n. The backward recursion averages φ′² "
      "over these few units, so its finite-width error is large and compounds over the "
      "layers (χ₁ ≈ 8.7 multiplies it at every step). The right panel keeps σ_w² = 256 "
      "fixed and grows the width, with few networks per width (each curve is noisy).\n\n";
  md +=
      "| width n | g¹ simulated/theory | gᴸ simulated/theory | largest deviation (factor) | "
      "comparisons disagreeing |\n"
      "|---:|---:|---:|---:|---|\n" +
      tanh_rows + "\n";
  if (tanh_worst.size() >= 2) {
    const bool shrinks = tanh_worst.back().second < tanh_worst.front().second;
    md += fmt::format(
        "The largest deviation over the layers goes from a factor {} at n = {} to {} at n = "
        "{}: {}\n\n",
        G2(tanh_worst.front().second), tanh_worst.front().first, G2(tanh_worst.back().second),
        tanh_worst.back().first,
        shrinks ? "it shrinks as the width grows, as a finite-width effect must."
                : "it does not shrink at these widths, so the finite-width explanation is a "
                  "hypothesis this check does not confirm.");
  }
  md += c.Figure(f, "width_checks",
                 "GELU and SiLU + He by width (scalar chain); chaotic tanh backward by width");
  // Not decidable pairs.
  md += "### Where it cannot be decided\n\n";
  std::string list;
  for (const J& p : grid["pairs"]) {
    if (p["verdict"]["pair"] != "not decidable") continue;
    list += fmt::format("{}{} + {} ({}/{}, K = {})", list.empty() ? "" : "; ", Short(p["scheme"]),
                        p["activation"].get<std::string>(),
                        p["verdict"]["agree"].get<int>() + p["verdict"]["disagree"].get<int>(),
                        p["verdict"]["comparisons"].get<int>(), p["seeds"].get<int>());
  }
  md += fmt::format(
      "{} pairs have most comparisons undecided (decided/total and the number of networks K "
      "in brackets): {}.\n\n",
      tot[2], list.empty() ? "none" : list);
  md +=
      "*Not decidable* is not *agrees*: the theory may well be right there, but these "
      "simulations cannot show it to a factor 1.5. What makes a pair undecidable is the "
      "spread of q̂ from one network to the next, which grows with depth for ReLU-like "
      "activations (one network's qᴸ is off by a factor ~e at depth 50, width 256: "
      "[Beyond the mean](#beyond-the-mean-finite-width)) and in unbounded and chaotic "
      "pairs. The number of networks K is capped by the time budget of `make report`: "
      "orthogonal weights need a QR decomposition per layer and get the minimum K.\n\n";
  return md;
}

// ---- 9. Finite width --------------------------------------------------------------------
std::string FiniteWidthSection(Ctx& c) {
  const J& j = c["finite_width"];
  const J& st = j["settings"];
  const int depth = st["depth"];
  std::string md = "## Beyond the mean: finite width\n\n";
  md +=
      "**Mechanism** (Hanin & Rolnick 2018; Hanin & Nica 2019). At finite width each "
      "layer multiplies one network's q̂ by a random factor with mean 1 (for ReLU + He) "
      "and relative variance ≈ 5/n. Over l layers the log of q̂ performs a random walk: "
      "Var[log q̂ˡ] ≈ (5(l − 1) + 4)/n. The *mean* over networks stays exactly at theory, "
      "but the *typical* network drifts below it — its median is e^(−Var/2) of theory — "
      "and once the spread exceeds 1 (depth ≈ n/5) a single network follows the "
      "mean-field curve only within a factor e or worse.\n\n";
  gp::Figure f;
  f.width = 900;
  f.height = 460;
  f.cols = 2;
  Panel sd, med;
  sd.title = "spread of log q̂ˡ over networks";
  sd.x.label = "layer l";
  sd.y.label = "sd of log q̂ˡ (one input per network)";
  sd.x.min = 0;
  sd.x.max = depth + 1;
  sd.x.tic = 10;
  sd.x.minor = 2;
  sd.y.min = 0;
  med.title = "median network / theory";
  med.x.label = "layer l";
  med.x.min = 0;
  med.x.max = depth + 1;
  med.x.tic = 10;
  med.x.minor = 2;
  med.y.label = "median of q̂ˡ / theory";
  med.y.log = true;
  int i = 0;
  std::string rows;
  for (const J& w : j["widths"]) {
    const Look lk = gp::palette(i);
    const std::vector<double> x = Range(1, depth);
    sd.series.push_back(Line(x, V(w["log_sd"]["predicted"]), lk));
    sd.series.push_back(Points(x, V(w["log_sd"]["simulated"]), lk, 3, i));
    med.series.push_back(Line(x, V(w["median_over_theory"]["predicted"]), lk));
    med.series.push_back(Points(x, V(w["median_over_theory"]["simulated"]), lk, 3, i));
    f.legend.push_back(
        {fmt::format("width n = {}", w["width"].get<int>()), Kind::kLinePoints, lk, 0.2});
    const double m = V(w["mean_over_theory"]["simulated"]).back(),
                 se = V(w["mean_over_theory"]["se"]).back();
    const int dsd = w["depth_sd_1"];
    rows +=
        fmt::format("| {} | {} · {} | {} · {} | {} ± {} | {} |\n", w["width"].get<int>(),
                    G3(V(w["log_sd"]["simulated"]).back()), G3(V(w["log_sd"]["predicted"]).back()),
                    G3(V(w["median_over_theory"]["simulated"]).back()),
                    G3(V(w["median_over_theory"]["predicted"]).back()), G3(m), G2(2 * se),
                    dsd <= depth ? std::to_string(dsd)
                                 : fmt::format("> {} (beyond the simulated depth)", depth));
    ++i;
  }
  sd.series.push_back(Line(std::vector<double>{0, double(depth + 1)}, std::vector<double>{1, 1},
                           Grey("(2,3)"), 1.5));
  sd.commands.push_back(Label("sd = 1: a factor e", 0.03, 0.93));
  f.legend.push_back({"prediction (line)", Kind::kLine, Black(), 0.2});
  f.legend.push_back({"simulation (points)", Kind::kPoints, Look{"#000000", "", 6}, 0.2});
  f.legend_cols = 4;
  f.panels.push_back(sd);
  f.panels.push_back(med);
  md +=
      c.Figure(f, "finite_width", "spread of log q over networks and the median network, by width");
  md += fmt::format(
      "*Experiment:* ReLU + He normal, depth {}, one input per network, {} networks per "
      "width (seeds {} …); prediction: the delta method of `mean_field.h`, log-normal.\n\n",
      depth, st["networks"].get<int>(), j["seeds"]["first"].get<int>());
  md += fmt::format(
      "| width n | sd of log q̂ᴸ: simulated · predicted | median/theory at L: simulated · predicted "
      "| mean/theory at L (± 2 SE) | depth where the predicted sd reaches 1 |\n"
      "|---:|---|---|---|---|\n{}\n",
      rows);
  {
    std::string inside, outside;
    for (const J& w : j["widths"]) {
      const double m = V(w["mean_over_theory"]["simulated"]).back();
      const double se = V(w["mean_over_theory"]["se"]).back();
      const double sd = V(w["log_sd"]["simulated"]).back();
      const std::string n = std::to_string(w["width"].get<int>());
      if (std::fabs(m - 1) <= 2 * se) {
        inside += (inside.empty() ? "" : ", ") + n;
      } else {
        // The mean of a log-normal with sd s is carried by values near the
        // upper z = s quantile: networks rarer than 1 in 1/Phi(-s).
        const double rare = 1.0 / (0.5 * std::erfc(sd / std::sqrt(2.0)));
        outside += fmt::format(
            "{}n = {} (sd of log q̂ᴸ = {}: the mean is carried by networks "
            "rarer than ~1 in {}, which {} networks rarely contain, so "
            "both the mean and its SE come out low)",
            outside.empty() ? "" : "; ", n, G2(sd), G2(rare), st["networks"].get<int>());
      }
    }
    md += fmt::format(
        "The mean over networks is the quantity mean-field theory predicts exactly. It is "
        "within ± 2 SE of theory at width {}{}. The median is what a single network "
        "typically does, and it falls below theory as the log-normal prediction says.\n\n",
        inside.empty() ? "none" : inside, outside.empty() ? "" : "; not at " + outside);
  }
  return md;
}

// ---- 10. Jacobian spectra -----------------------------------------------------------------
std::string JacobianSection(Ctx& c) {
  const J& j = c["jacobian"];
  const J& st = j["settings"];
  std::string md = "## Beyond the variance: Jacobian spectra\n\n";
  md += fmt::format(
      "**Mechanism** (Saxe et al. 2014; Pennington, Schoenholz & Ganguli 2017). "
      "Criticality fixes the *mean* squared singular value of the input–output Jacobian J "
      "= ∂zᴸ/∂x at χ₁ᴸ ≈ 1, but not their spread. A product of L Gaussian matrices has "
      "singular values that spread out exponentially with depth: a few directions are "
      "amplified, most are squashed. Orthogonal matrices have all singular values 1; if "
      "tanh is nearly linear around the fixed point (small q*), the whole product stays "
      "close to an isometry — *dynamical isometry*, which Pennington et al. found to "
      "speed up training by orders of magnitude. Here tanh on the critical line at σ_w² = "
      "{}, σ_b² = {} (q* = {}, χ₁ = {}).\n\n",
      G3(D(st["sigma_w2"])), G3(D(st["sigma_b2"])), G3(D(st["q_star"])), G3(D(st["chi1"])));
  gp::Figure f;
  f.width = 900;
  f.height = 440;
  f.cols = 2;
  std::vector<std::string> ens;
  for (const J& e : j["spectra"]) {
    if (std::find(ens.begin(), ens.end(), e["ensemble"].get<std::string>()) == ens.end())
      ens.push_back(e["ensemble"]);
  }
  std::string rows;
  // Legend entries per depth (in the order of the first ensemble), with the
  // count of values below the SVD's resolution per ensemble: in the legend,
  // not as labels over the curves.
  std::vector<int> depths;
  std::vector<std::string> unresolved_notes;
  double ymin = INFINITY, ymax = 0;
  for (const J& e : j["spectra"]) {
    for (double v : V(e["singular_values"])) {
      if (v >= D(e["resolution"])) ymin = std::min(ymin, v);
      ymax = std::max(ymax, v);
    }
  }
  for (const std::string& en : ens) {
    Panel p;
    p.title = en + " weights: singular values of J, largest first";
    p.x.label = "rank / n";
    p.x.min = 0;
    p.x.max = 1;
    p.x.tic = 0.2;
    p.y.label = "singular value s";
    p.y.log = true;
    p.y.min = ymin;
    p.y.max = ymax;
    int i = 0;
    for (const J& e : j["spectra"]) {
      if (e["ensemble"] != en) continue;
      std::vector<double> sv = V(e["singular_values"]);
      std::sort(sv.rbegin(), sv.rend());
      const double res = D(e["resolution"]);
      std::vector<double> x, y;
      for (size_t k = 0; k < sv.size(); ++k) {
        if (sv[k] < res) break;  // below the SVD's resolution: not drawn
        x.push_back((double(k) + 0.5) / double(sv.size()));
        y.push_back(sv[k]);
      }
      p.series.push_back(Line(x, y, gp::palette(i), 2.2));
      if (en == ens.front()) {
        depths.push_back(e["depth"].get<int>());
        unresolved_notes.emplace_back();
      }
      const int unresolved = e["unresolved"];
      if (unresolved > 0 && static_cast<size_t>(i) < unresolved_notes.size()) {
        std::string& note = unresolved_notes[static_cast<size_t>(i)];
        note += fmt::format("{}{}: {} of {}", note.empty() ? "" : "; ", en, unresolved, sv.size());
      }
      const J& q = e["quantiles"];
      auto Q = [&](const char* k) {
        return q[k].is_null() ? std::string("unresolved") : G3(D(q[k]));
      };
      rows += fmt::format("| {} | {} | {} | {} | {} – {} | {} |\n", en, e["depth"].get<int>(),
                          G3(D(e["mean_squared_singular_value"])), Q("p50"), Q("p10"), Q("p90"),
                          Pct(double(unresolved) / double(sv.size()), 0));
      ++i;
    }
    f.panels.push_back(p);
  }
  bool any_unresolved = false;
  for (size_t d = 0; d < depths.size(); ++d) {
    std::string title = fmt::format("depth L = {}", depths[d]);
    if (!unresolved_notes[d].empty()) {
      title += " (" + unresolved_notes[d] + " values below the SVD's resolution, not drawn)";
      any_unresolved = true;
    }
    f.legend.push_back({title, Kind::kLine, gp::palette(static_cast<int>(d)), 0.2});
  }
  f.legend_cols = any_unresolved ? 1 : 4;
  md += c.Figure(f, "jacobian",
                 "singular values of the input-output Jacobian, orthogonal vs Gaussian weights");
  md += fmt::format(
      "*Experiment:* tanh, width {}, {} networks per depth (seeds {} …), one input scaled "
      "to mean square q*; singular values of J by Eigen's BDCSVD.\n\n",
      st["width"].get<int>(), st["networks"].get<int>(), j["seeds"]["first"].get<int>());
  md +=
      "| weights | depth L | mean s² | median s | 10–90% of s | below resolution |\n"
      "|---|---:|---:|---:|---|---:|\n" +
      rows + "\n";
  md += fmt::format(
      "Singular values are computed from the explicit product J, so values below {} × the "
      "largest one are rounding noise of the SVD (\"below resolution\", not drawn); the "
      "Gaussian products reach them already at moderate depth, which is the point: their "
      "condition number grows exponentially with L, the orthogonal ones' does not.\n\n",
      G2(D(st["resolution_relative"])));
  return md;
}

}  // namespace

const std::vector<std::string>& propagation_products() {
  static const std::vector<std::string> names = {
      "grid",     "symmetry", "saturation",   "relu_dead_zone", "phases",
      "training", "residual", "finite_width", "width_checks",   "jacobian"};
  return names;
}

nlohmann::json parse_propagation_product(const std::string& name, const std::string& text) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(name + ".json: not valid JSON (" + std::string(e.what()) + ")");
  }
  const std::string want = "initcheck.propagation." + name + "/1";
  if (!j.is_object() || !j.contains("schema") || j["schema"] != want) {
    throw Error(name + ".json: expected schema \"" + want + "\"" +
                (j.is_object() && j.contains("schema") ? ", found " + j["schema"].dump() : ""));
  }
  return j;
}

std::map<std::string, nlohmann::json> load_propagation_data(const std::string& dir) {
  std::map<std::string, nlohmann::json> out;
  for (const std::string& name : propagation_products()) {
    const std::filesystem::path p = std::filesystem::path(dir) / (name + ".json");
    std::ifstream f(p, std::ios::binary);
    if (!f) {
      throw Error(p.string() + ": cannot open (run 'initcheck propagate study --out " + dir +
                  "' first)");
    }
    std::stringstream ss;
    ss << f.rdbuf();
    out[name] = parse_propagation_product(name, ss.str());
  }
  return out;
}

std::vector<RenderedFile> render_propagation(const std::map<std::string, nlohmann::json>& data,
                                             const PropagationRenderOptions& o) {
  for (const std::string& name : propagation_products()) {
    if (!data.count(name)) throw Error("propagation data: missing product '" + name + "'");
  }
  namespace fs = std::filesystem;
  std::string dir = o.keep_plot_files;
  bool temporary = false;
  if (dir.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "initcheck-plots-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw Error("cannot create a temporary directory for gnuplot");
    dir = tmpl;
    temporary = true;
  } else {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Error("cannot create " + dir + ": " + ec.message());
  }
  Ctx c{data, dir, {}};
  std::string md;
  try {
    md += Intro(c, o);
    md += SymmetrySection(c);
    md += VanishSection(c);
    md += SaturationSection(c);
    md += DeadZoneSection(c);
    md += PhasesSection(c);
    md += TrainingSection(c);
    md += ResidualSection(c);
    md += AgreementSection(c);
    md += FiniteWidthSection(c);
    md += JacobianSection(c);
    md += GridAppendix(c);
  } catch (...) {
    if (temporary) {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
    throw;
  }
  if (temporary) {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  c.files.insert(c.files.begin(), RenderedFile{"variance_propagation.md", md});
  return std::move(c.files);
}

}  // namespace initcheck::report
