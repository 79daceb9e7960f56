// reports/power.md (the mutation catalogue: detection rates and the
// smallest n detected with probability 0.99) and the calibration section of
// conformance.md, from verify's power and calibration studies.
#include <fmt/format.h>

#include <cmath>
#include <map>

#include "initcheck/report/report.h"
#include "initcheck/report/svg.h"
#include "initcheck/verify/mutants.h"
#include "initcheck/verify/power.h"
#include "progress.h"

namespace initcheck::report {
namespace {

std::string Pct(double x) { return fmt::format("{:.0f}%", 100 * x); }

std::string N(int64_t n) {
  if (n >= (int64_t{1} << 20) && n % (int64_t{1} << 20) == 0) {
    return fmt::format("{} Mi", n >> 20);
  }
  if (n >= 1024 && n % 1024 == 0) return fmt::format("{} Ki", n >> 10);
  return fmt::format("{}", n);
}

std::string Fired(const std::map<std::string, int>& m) {
  std::vector<std::pair<int, std::string>> v;
  for (const auto& [k, c] : m) v.emplace_back(-c, k);
  std::sort(v.begin(), v.end());
  std::string out;
  for (size_t i = 0; i < v.size() && i < 4; ++i) {
    out += (out.empty() ? "" : ", ") + fmt::format("{} {}", v[i].second, -v[i].first);
  }
  return out.empty() ? "–" : out;
}

std::string Cell(const std::string& s) {
  std::string o;
  for (char c : s) o += c == '|' ? '/' : c;
  return o;
}

verify::PowerOptions PowerSettings(const ReportOptions& o) {
  verify::PowerOptions p;  // n = 2^18, 50 seeds per mutant (and control)
  p.threads = o.threads;
  // The smallest n for power 0.99: 100 seeds per grid point (at most one
  // miss), up to 2^21 elements: keeps `make report` within its budget.
  p.min_n_seeds = 100;
  p.min_n_high = int64_t{1} << 21;
  if (o.quick) {
    p.n = int64_t{1} << 12;
    p.seeds = 4;
    p.min_n_seeds = 10;
    p.min_n_high = int64_t{1} << 14;
    p.mutants = {"gain_off_5pct", "keras_truncated_normal_no_correction"};
  }
  return p;
}

verify::CalibrationOptions CalibrationSettings(const ReportOptions& o) {
  verify::CalibrationOptions c;
  c.threads = o.threads;
  c.seeds = o.quick ? 50 : 1000;
  c.n = o.quick ? int64_t{1} << 10 : int64_t{1} << 14;
  return c;
}

}  // namespace

std::vector<ReportFile> power_report(const ReportOptions& o, std::string* summary) {
  const verify::PowerOptions opt = PowerSettings(o);
  const auto& catalogue = verify::mutant_catalogue();
  cli::Progress progress("power study",
                         static_cast<int64_t>(opt.mutants.empty() ? catalogue.size()
                                                                  : opt.mutants.size()),
                         o.progress);
  verify::PowerOptions run_opt = opt;
  int64_t finished = 0;
  run_opt.progress = [&](const std::string& line) {
    // One line per search step, then one per finished mutant.
    if (line.find(" detected at n=") != std::string::npos) progress.set(++finished);
  };
  const verify::PowerResults r = verify::run_power_study(run_opt);
  progress.finish();

  std::string md = "# Power: which initializer bugs the battery catches\n\n";
  md += fmt::format(
      "Each row is a realistic initializer bug (the catalogue in "
      "`verify/include/initcheck/verify/mutants.h`, each mirroring a real report in "
      "PyTorch, Keras, TensorFlow, JAX, mlpack or Caffe), implemented as a mutated fill "
      "and checked against the scheme it should have followed by the full battery at the "
      "default family-wise α = {:g} (Holm). **Detection rate** over {} seeds at n ≈ {} "
      "elements, with a 95% Clopper–Pearson interval. **Smallest n for 0.99**: the "
      "smallest size on a half-octave grid at which at least 99% of {} seeds were "
      "detected (method in `verify/include/initcheck/verify/power.h`; \"–\" = not "
      "reached by {} elements). The control column is the correct tensor on the same "
      "shapes and seeds: it must never be rejected.\n\n",
      opt.alpha, opt.seeds, N(opt.n), opt.min_n_seeds, N(opt.min_n_high));
  md += fmt::format("| bug | should be | effect | detected at n ≈ {} | 95% CI | smallest n for "
                    "0.99 | tests that fired (seeds) | control rejections | example "
                    "diagnosis |\n",
                    N(opt.n));
  md += ""
        "|---|---|---|---:|---|---:|---|---:|---|\n";
  int full = 0;
  Plot curve;
  curve.title = "Detection rate against tensor size (alpha = 1e-6, Holm)";
  curve.x_label = "elements n";
  curve.y_label = "detection rate";
  curve.log_x = true;
  curve.y_min = 0;
  curve.y_max = 1.02;
  curve.width = 640;
  curve.height = 460;
  curve.legend_outside = true;
  size_t colour = 0;
  for (const verify::MutantPower& m : r.mutants) {
    full += m.at_n.detections == m.at_n.seeds;
    md += fmt::format("| **{}**: {} ({}) | `{}` | {} | {}/{} ({}) | [{:.2f}, {:.2f}] | {} | {} | "
                      "{}/{} | {} |\n",
                      m.name, Cell(m.description), Cell(m.bug_reference), m.reference_scheme,
                      Cell(m.effect), m.at_n.detections, m.at_n.seeds, Pct(m.at_n.rate),
                      m.at_n.ci.low, m.at_n.ci.high, m.min_n_99 ? N(*m.min_n_99) : "–",
                      Fired(m.tests_fired), m.reference_rejections, m.reference_seeds,
                      Cell(m.example_diagnosis));
    // Power curve from the search trace, sorted by n.
    std::vector<verify::PowerPoint> pts = m.min_n_trace;
    pts.push_back(m.at_n);
    std::sort(pts.begin(), pts.end(), [](auto& a, auto& b) { return a.n < b.n; });
    Line l;
    l.label = m.name;
    l.color = palette(colour++);
    l.markers = true;
    l.dashed = colour > 10;
    for (const auto& p : pts) {
      // Early-stopped search points rest on a handful of seeds: leave them out.
      if (p.seeds < std::min(20, opt.min_n_seeds)) continue;
      if (!l.x.empty() && l.x.back() == static_cast<double>(p.n)) continue;
      l.x.push_back(static_cast<double>(p.n));
      l.y.push_back(p.rate);
    }
    curve.lines.push_back(l);
  }
  curve.y_reference = 0.99;
  md += "\n![power curves](figures/power_curves.svg)\n\n";
  md += "The curves join the sizes the search ran with at least 20 seeds (the search "
        "stops a failing size early; every point, with its seeds and interval, is in the "
        "JSON).\n\n";
  md += "Raw results: [`power.json`](power.json).\n";
  if (summary) {
    *summary = fmt::format(
        "power: {} of {} catalogued initializer bugs detected in every one of {} seeds at "
        "n ≈ {} (α = {:g}); the correct tensors were never rejected",
        full, r.mutants.size(), opt.seeds, N(opt.n), opt.alpha);
    for (const auto& m : r.mutants) {
      if (m.reference_rejections > 0) {
        *summary = fmt::format("power: {} of {} bugs always detected; WARNING: control "
                               "rejections observed", full, r.mutants.size());
      }
    }
  }
  return {{"power.md", md},
          {"power.json", verify::to_json(r)},
          {"figures/power_curves.svg", render_svg(curve)}};
}

// The calibration section appended to conformance.md.
std::string calibration_markdown(const ReportOptions& o, std::string* json, bool* pass) {
  const verify::CalibrationOptions opt = CalibrationSettings(o);
  cli::Progress progress("calibration", 1, o.progress);
  const verify::CalibrationResults r = verify::run_calibration(opt);
  progress.finish();
  *json = verify::to_json(r);
  *pass = r.pass;
  std::string md = "## Calibration: correct tensors pass, at the declared rate\n\n";
  md += fmt::format(
      "For each case, {} independent seeds of a correct tensor (lib's fill) of about {} "
      "elements go through the battery. **Per test**: the p-values of a test whose "
      "p-value is exactly uniform under H0 are tested for uniformity with a second-level "
      "KS test; every test's rejection fraction at levels t ∈ {{0.001, 0.01, 0.05, 0.1}} "
      "must not exceed t beyond its binomial tail (conservative tests — discrete "
      "statistics, the support extremes — with a 10% slack). **Family-wise**: the "
      "fraction of seeds the battery rejects at α = 0.1 and 0.01 must lie within the "
      "binomial interval of α (Holm is conservative: below is fine), and at the default "
      "α = {:g} no seed may be rejected. Each assertion has false-alarm rate ≤ 1e-6 "
      "(method: `verify/include/initcheck/verify/power.h`). Verdict: **{}**.\n\n",
      opt.seeds, N(opt.n), verify::kDefaultFamilyAlpha, r.pass ? "calibrated" : "NOT calibrated");
  md += "| case | scheme | dtype | family rate at α=0.1 | at α=0.01 | at α=1e-6 | tests: "
        "second-level KS p (min over exact tests) | verdict |\n|---|---|---|---|---|---|---|---|\n";
  for (const auto& c : r.cases) {
    std::string rates[3];
    for (const auto& f : c.family) {
      const int slot = f.alpha >= 0.05 ? 0 : f.alpha >= 0.005 ? 1 : 2;
      rates[slot] = fmt::format("{}/{} = {:.3f} [{:.3f}, {:.3f}]", f.rejections, f.seeds,
                                f.rate, f.ci.low, f.ci.high);
    }
    double min_ks = 1;
    std::string which;
    for (const auto& t : c.tests) {
      if (t.kind.uniform && t.count > 0 && t.ks_p < min_ks) {
        min_ks = t.ks_p;
        which = t.name;
      }
    }
    md += fmt::format("| {} | `{}` | {} | {} | {} | {} | {:.3g} ({}) | {} |\n", c.c.label,
                      c.c.scheme, dtype_name(c.c.dtype), rates[0], rates[1], rates[2], min_ks,
                      which, c.pass ? "pass" : "**FAIL**");
  }
  md += "\nRaw results: [`calibration.json`](calibration.json).\n";
  return md;
}

}  // namespace initcheck::report
