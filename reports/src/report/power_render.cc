// power.md and its figures from power.json (initcheck_verify_study --power).
#include <fmt/format.h>

#include <algorithm>

#include "gnuplot.h"
#include "initcheck/report/render.h"
#include "render_util.h"

namespace initcheck::report {
namespace {

using namespace util;

std::string Pct(double x) { return fmt::format("{:.0f}%", 100 * x); }

std::string Fired(const J& m) {
  std::vector<std::pair<int, std::string>> v;
  for (const auto& [k, c] : m["tests_that_fired"].items()) v.emplace_back(-c.get<int>(), k);
  std::sort(v.begin(), v.end());
  std::string out;
  for (size_t i = 0; i < v.size() && i < 4; ++i) {
    out += (out.empty() ? "" : ", ") + fmt::format("{} {}", v[i].second, -v[i].first);
  }
  return out.empty() ? "none" : out;
}

// Log-x ticks at powers of 4 (4, 16, 64, 256, 1 Ki, ...) within [lo, hi].
std::vector<std::pair<double, std::string>> SizeTics(double lo, double hi) {
  std::vector<std::pair<double, std::string>> t;
  for (int64_t n = 4; static_cast<double>(n) <= hi; n *= 4) {
    if (static_cast<double>(n) >= lo) t.emplace_back(static_cast<double>(n), N(n));
  }
  return t;
}

// True when the first size the search tried already passed: the bug's curve
// would be a flat line at 1 (it is listed in a sentence instead of a panel).
bool CaughtAtFirstSize(const J& m) {
  const J& t = m["min_n_trace"];
  return m["min_n_99"].is_number() && t.is_array() && !t.empty() && t[0]["passed"] == true;
}

}  // namespace

std::vector<RenderedFile> render_power(const J& pw, const std::string& plot_dir) {
  std::vector<RenderedFile> files;
  const J& mn = pw["min_n"];
  const int64_t n_main = pw["n"].get<int64_t>();
  std::string md = "# Power: which initializer bugs the battery catches\n\n";
  md += Provenance(S(pw, "commit"), "[`data/power.json`](data/power.json)",
                   "initcheck report --only power");
  md += fmt::format(
      "Each row is a realistic initializer bug (the catalogue in "
      "`verify/include/initcheck/verify/mutants.h`, each mirroring a real report in PyTorch, "
      "Keras, TensorFlow, JAX, mlpack or Caffe), implemented as a mutated fill and checked "
      "against the scheme it should have followed by the full battery at family-wise "
      "α = {:g} (Holm). **Detected**: the fraction of {} seeds (SplitMix64 of base seed {}) "
      "rejected at n ≈ {} elements. **Smallest n**: the smallest size on a half-octave grid "
      "from {} to {} at which at least {}% of {} seeds were detected (at most {} miss; method "
      "in `verify/include/initcheck/verify/power.h`; \"–\" = not reached). **Control**: the "
      "correct tensor on the same shapes and seeds, rejected how often (must be 0). The "
      "producer is `initcheck_verify_study --power`.\n\n",
      D(pw, "alpha"), pw["seeds"].get<int>(), pw["base_seed"].get<uint64_t>(), N(n_main),
      N(mn["n_low"].get<int64_t>()), N(mn["n_high"].get<int64_t>()),
      100 * D(mn, "target_power"), mn["seeds_per_point"].get<int>(), mn["max_misses"].get<int>());
  const J& ms = pw["mutants"];
  int full = 0, control = 0;
  for (const J& m : ms) {
    full += m["detections"] == m["seeds"];
    control += m["reference_rejections"].get<int>();
  }
  md += fmt::format(
      "**{} of {} bugs detected in every seed at n ≈ {}; the correct tensors were rejected {} "
      "times.**\n\n",
      full, ms.size(), N(n_main), control);
  md += fmt::format("| bug | should be | detected at {} | smallest n | control |\n", N(n_main));
  md += "|---|---|---:|---:|---:|\n";
  std::string notes;
  for (const J& m : ms) {
    md += fmt::format("| `{}` | `{}` | {} | {} | {}/{} |\n", S(m, "name"),
                      S(m, "reference_scheme"), Pct(D(m, "rate")),
                      m["min_n_99"].is_number() ? N(m["min_n_99"].get<int64_t>()) : "–",
                      m["reference_rejections"].get<int>(), m["reference_seeds"].get<int>());
    const J& eff = m["mutant_effect"];
    notes += fmt::format(
        "- **{}**: {}. Seen in: {}. Effect: {}. Detected {}/{} (95% CI [{:.2f}, {:.2f}]); "
        "tests that fired (seeds): {}.{}{}\n",
        S(m, "name"), Cell(S(m, "description")), Cell(S(m, "bug_reference")),
        Cell(eff.is_object() ? S(eff, "text") : eff.is_string() ? eff.get<std::string>() : ""),
        m["detections"].get<int>(), m["seeds"].get<int>(), D(m, "ci_low"), D(m, "ci_high"),
        Fired(m),
        S(m, "example_diagnosis").empty() ? "" : " Example diagnosis: " + S(m, "example_diagnosis") + ".",
        S(m, "limit_note").empty() ? "" : " " + S(m, "limit_note"));
  }
  md += "\nThe bugs, where they were seen, and what the battery said:\n\n" + notes + "\n";

  // Power curves: small multiples of at most 7 bugs (+ the 0.99 line) each,
  // the bugs ordered by their smallest n (not reached last). Bugs already
  // caught at the first size tried have no curve to show (a flat line at 1):
  // they are listed in a sentence instead.
  std::vector<const J*> order, first_size;
  for (const J& m : ms) (CaughtAtFirstSize(m) ? first_size : order).push_back(&m);
  auto by_min_n = [](const J* a, const J* b) {
    const double na = (*a)["min_n_99"].is_number() ? (*a)["min_n_99"].get<double>() : 1e300;
    const double nb = (*b)["min_n_99"].is_number() ? (*b)["min_n_99"].get<double>() : 1e300;
    return na < nb;
  };
  std::stable_sort(order.begin(), order.end(), by_min_n);
  std::stable_sort(first_size.begin(), first_size.end(), by_min_n);
  // The x range covers every size tried by the plotted bugs (the small bias
  // vectors start below the global grid) and the main measurement.
  double lo = static_cast<double>(mn["n_low"].get<int64_t>());
  double hi = static_cast<double>(std::max(mn["n_high"].get<int64_t>(), n_main));
  for (const J* m : order) {
    for (const J& t : (*m)["min_n_trace"]) {
      lo = std::min(lo, D(t, "n"));
      hi = std::max(hi, D(t, "n"));
    }
  }
  md += "## Detection rate against tensor size\n\n";
  if (!first_size.empty()) {
    std::string names;
    for (const J* m : first_size) {
      names += (names.empty() ? "" : ", ") +
               fmt::format("`{}` (n = {})", S(*m, "name"), N((*m)["min_n_99"].get<int64_t>()));
    }
    md += fmt::format(
        "{} of the {} bugs are already detected in at least {}% of {} seeds at the smallest size "
        "the search tried, so they have no curve to draw: {}.\n\n",
        first_size.size(), ms.size(), 100 * D(mn, "target_power"),
        mn["seeds_per_point"].get<int>(), names);
  }
  if (!order.empty())
    md += "The panels show the other " + std::to_string(order.size()) +
        " bugs, in groups ordered by the smallest n at which they are caught. Each "
        "point is one size the search tried (and the main measurement at n ≈ " + N(n_main) +
        "); the search stops a failing size as soon as it has too many misses, so points far "
        "below 0.99 can rest on a few seeds (each point's seeds and interval are in the "
        "JSON).\n\n";
  const size_t per = 7;
  const size_t groups = (order.size() + per - 1) / per;
  for (size_t g = 0; g < groups; ++g) {
    gp::Figure f;
    f.width = 900;
    f.height = 380;
    f.legend_cols = 2;
    f.bottom = 62;
    gp::Panel p;
    std::string first, last;
    p.x.label = "tensor size n (elements)";
    p.x.log = true;
    p.x.min = lo / 1.3;
    p.x.max = hi * 1.3;
    p.x.tics = SizeTics(lo, hi);
    p.y.label = "detection rate";
    p.y.min = 0;
    p.y.max = 1.02;
    p.y.tic = 0.2;
    p.y.format = "%.1f";
    for (size_t i = g * per; i < std::min(order.size(), (g + 1) * per); ++i) {
      const J& m = *order[i];
      std::vector<std::pair<double, double>> pts;
      for (const J& t : m["min_n_trace"]) pts.emplace_back(D(t, "n"), D(t, "rate"));
      pts.emplace_back(D(m, "n"), D(m, "rate"));
      std::sort(pts.begin(), pts.end());
      gp::Series s;
      s.kind = gp::Kind::kLinePoints;
      s.look = gp::palette(static_cast<int>(i - g * per));
      for (const auto& [x, y] : pts) {
        if (!s.x.empty() && s.x.back() == x) continue;
        s.x.push_back(x);
        s.y.push_back(y);
      }
      p.series.push_back(s);
      const std::string smallest =
          m["min_n_99"].is_number() ? "n = " + N(m["min_n_99"].get<int64_t>()) : "not reached";
      f.legend.push_back({S(m, "name") + " (" + smallest + ")", gp::Kind::kLinePoints, s.look});
      if (first.empty()) first = smallest;
      last = smallest;
    }
    gp::Series target;
    target.kind = gp::Kind::kLine;
    target.look = {"#555555", "(6,4)", 0};
    target.width = 1.5;
    target.x = {lo / 1.3, hi * 1.3};
    target.y = {D(mn, "target_power"), D(mn, "target_power")};
    p.series.push_back(target);
    p.commands.push_back(fmt::format(
        "set label \"power {:g}\" at graph 0.01, first {} left font \",11\" tc rgb \"#333333\" front",
        D(mn, "target_power"), D(mn, "target_power") - 0.05));
    f.legend.push_back({fmt::format("target power {:g}", D(mn, "target_power")), gp::Kind::kLine,
                        target.look});
    p.title = fmt::format("Bugs {}–{} of the {} with a curve (smallest n: {} … {})", g * per + 1,
                          std::min(order.size(), (g + 1) * per), order.size(), first, last);
    f.panels.push_back(std::move(p));
    md += Figure(f, plot_dir, fmt::format("power_curves_{}", g + 1),
                 fmt::format("power curves, group {}", g + 1), files);
  }
  files.insert(files.begin(), RenderedFile{"power.md", md});
  return files;
}

}  // namespace initcheck::report
