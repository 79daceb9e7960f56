// reports/conformance.md: every scheme, on representative shapes of every
// layout and every dtype, filled by lib and checked by the verify battery.
#include <fmt/format.h>

#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>

#include "initcheck/fill.h"
#include "initcheck/report/report.h"
#include "initcheck/verify/battery.h"

namespace initcheck::report {
namespace {

struct Case {
  std::string scheme;
  Geometry geometry;
  DType dtype;
  std::string layer;  // "Linear(256, 512)", ...
};


std::vector<Case> Cases(bool quick) {
  // Representative layers, ~2^17 elements each (2^13 in quick mode).
  const int64_t k = quick ? 1 : 4;
  const Geometry linear = make_geometry({256 * k, 128});
  const Geometry conv = make_geometry({64 * k, 32, 3, 3});
  const Geometry grouped = make_geometry({64 * k, 8, 3, 3}, Layout::kTorch, 4, false, FanConvention::kLayer);
  const Geometry transposed =
      make_geometry({32, 64 * k, 3, 3}, Layout::kTorch, 1, true, FanConvention::kLayer);
  const Geometry dense = make_geometry({128, 256 * k}, Layout::kKeras);
  const Geometry conv_k = make_geometry({3, 3, 32, 64 * k}, Layout::kKeras);
  const Geometry conv_j = make_geometry({3, 3, 32, 64 * k}, Layout::kJax);
  std::vector<Case> c;
  auto add = [&](std::string s, const Geometry& g, std::string layer,
                 std::vector<DType> dtypes = {DType::kF32}) {
    for (DType t : dtypes) c.push_back({s, g, t, layer});
  };
  const std::vector<DType> all = {DType::kF32, DType::kF64, DType::kF16, DType::kBF16};
  const std::string lin = fmt::format("Linear(128, {})", 256 * k);
  const std::string cv = fmt::format("Conv2d(32, {}, 3)", 64 * k);
  const std::string gr = fmt::format("Conv2d(32, {}, 3, groups=4)", 64 * k);
  const std::string tr = fmt::format("ConvTranspose2d(32, {}, 3)", 64 * k);
  const std::string de = fmt::format("Dense({}) on 128", 256 * k);
  const std::string ck = fmt::format("Conv2D({}, 3) on 32", 64 * k);
  // PyTorch names.
  add("zeros", linear, lin);
  add("ones", linear, lin);
  add("constant(value=0.3)", linear, lin, all);
  add("uniform(a=-1, b=1)", linear, lin, all);
  add("normal(mean=0, std=0.02)", linear, lin, all);
  add("trunc_normal(std=0.02, a=-0.04, b=0.04)", linear, lin, all);
  add("trunc_normal(std=1, a=-2, b=2)", linear, lin);
  add("xavier_uniform(gain=1)", linear, lin, all);
  add("xavier_uniform(gain=5/3)", conv, cv);
  add("xavier_normal(gain=1)", conv, cv, all);
  add("kaiming_uniform(a=sqrt(5))", linear, lin, all);
  add("kaiming_uniform(a=sqrt(5))", conv, cv);
  add("kaiming_uniform(a=sqrt(5))", grouped, gr + ", fans=layer");
  add("kaiming_uniform(a=sqrt(5))", transposed, tr + ", fans=layer");
  add("kaiming_uniform(mode=fan_out, nonlinearity=relu)", conv, cv);
  add("kaiming_normal(nonlinearity=relu)", conv, cv, all);
  add("kaiming_normal(mode=fan_out, nonlinearity=relu)", grouped, gr + ", fans=layer");
  add("kaiming_normal(a=0.2, nonlinearity=leaky_relu)", transposed, tr + ", fans=layer");
  add("orthogonal(gain=1)", make_geometry({quick ? 64 : 256, 128}), "Linear(128, 256)", all);
  add("orthogonal(gain=sqrt(2))", make_geometry({64, 32, 3, 3}), "Conv2d(32, 64, 3)");
  add("eye", make_geometry({128, 256}), "Linear(256, 128)");
  add("dirac(groups=2)", make_geometry({64, 16, 3, 3}), "Conv2d(32, 64, 3, groups=2)");
  add("sparse(sparsity=0.1, std=0.01)", linear, lin, all);
  // Keras names.
  add("glorot_uniform", dense, de, all);
  add("glorot_normal", conv_k, ck, all);
  add("he_uniform", conv_k, ck);
  add("he_normal", conv_k, ck, all);
  add("he_normal", conv_j, ck + " (jax)");
  add("lecun_uniform", dense, de);
  add("lecun_normal", dense, de, all);
  add("variance_scaling(scale=2, mode=fan_avg, distribution=uniform)", conv_k, ck);
  add("variance_scaling(scale=0.1, mode=fan_geo_avg, distribution=untruncated_normal)",
      conv_j, ck + " (jax)");
  add("truncated_normal(mean=0, stddev=0.05)", dense, de, all);
  add("random_normal(stddev=0.05)", dense, de);
  add("random_uniform(minval=-0.05, maxval=0.05)", dense, de);
  add("identity(gain=2)", make_geometry({128, 128}, Layout::kKeras), "Dense(128) on 128");
  add("orthogonal(gain=1)", make_geometry({3, 3, 32, 64}, Layout::kKeras), "Conv2D(64, 3) on 32");
  add("delta_orthogonal(scale=1)", make_geometry({3, 3, 32, 64}, Layout::kJax), ck + " (jax)");
  return c;
}

std::string P(double p) {
  if (std::isnan(p)) return "–";
  if (p == 0) return "0";
  if (p < 1e-3) return fmt::format("{:.1e}", p);
  return fmt::format("{:.3f}", p);
}

std::string G(double x) {
  if (std::isnan(x)) return "–";
  return fmt::format("{:.4g}", x);
}

}  // namespace

std::vector<ReportFile> conformance_report(const ReportOptions& o, std::string* summary) {
  const std::vector<Case> cases = Cases(o.quick);
  std::vector<verify::TensorCheck> checks(cases.size());
  std::vector<std::string> errors(cases.size());
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i; (i = next++) < cases.size();) {
      try {
        const Case& c = cases[i];
        const Scheme s = Scheme::parse(c.scheme);
        // Seed = case index: fixed, distinct per case.
        const Tensor t = fill(s, c.geometry, c.dtype, {.seed = 1000 + i, .stream = 0, .threads = 1});
        checks[i] = verify::check_tensor(t, s, c.geometry);
      } catch (const std::exception& e) {
        errors[i] = e.what();
      }
    }
  };
  const int threads = std::max(1, resolve_threads(o.threads));
  std::vector<std::thread> pool;
  for (int i = 1; i < threads; ++i) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
  for (size_t i = 0; i < cases.size(); ++i) {
    if (!errors[i].empty()) throw std::runtime_error(cases[i].scheme + ": " + errors[i]);
  }
  // Each case is its own family at the default alpha (as `initcheck check`
  // on one file would decide).
  int passed = 0;
  for (auto& c : checks) {
    std::vector<verify::TensorCheck> one{std::move(c)};
    verify::decide(one);
    c = std::move(one.front());
    passed += c.pass;
  }

  std::string md;
  md += "# Conformance: every scheme through the verification battery\n\n";
  md += fmt::format(
      "Each row fills a weight with lib (`initcheck::fill`, seed = 1000 + row index, "
      "stream 0) and checks it with the battery (`initcheck check`): the target "
      "distribution comes from the oracle (`verify/src/oracle.cc`, derived from the "
      "published formulas, not from lib), the tests are those of "
      "`verify/include/initcheck/verify/battery.h`, and the verdict uses Holm's method "
      "at the family-wise false-alarm rate α = {:g} per tensor.\n\n",
      verify::kDefaultFamilyAlpha);
  md += fmt::format("**{} of {} cases pass.**\n\n", passed, cases.size());
  md += "| # | scheme | layer (layout, shape) | dtype | n | target | mean | variance "
        "| sample var / target | smallest p (test) | verdict |\n";
  md += "|---:|---|---|---|---:|---|---:|---:|---:|---|---|\n";
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const verify::TensorCheck& k = checks[i];
    double pmin = 2;
    std::string which = "–";
    for (size_t j = 0; j < k.tests.size(); ++j) {
      if (!std::isnan(k.tests[j].p_value) && k.tests[j].reliable && k.tests[j].p_value < pmin) {
        pmin = k.tests[j].p_value;
        which = k.tests[j].name;
      }
    }
    const bool moments = k.target.elementwise() || k.target.family == verify::Target::Family::kSparse;
    md += fmt::format(
        "| {} | `{}` | {} ({} {}) | {} | {} | {} | {} | {} | {} | {} ({}) | {} |\n", i + 1,
        k.scheme, c.layer, layout_name(c.geometry.layout), shape_string(c.geometry.shape),
        dtype_name(c.dtype), k.sample.n, k.target.family_name(),
        moments ? G(k.target.mean) : "–", moments ? G(k.target.variance) : "–",
        moments && k.target.variance > 0 ? fmt::format("{:.4f}", k.sample.variance / k.target.variance)
                                         : "–",
        P(pmin <= 1 ? pmin : std::nan("")), which, k.pass ? "pass" : "**FAIL**");
  }
  md += "\n## Every test of every case\n\n";
  md += "Statistic and p-value of each test (`ks`: D; `anderson_darling`: A²; "
        "`chi_square`: X² with k−1 dof; `mean`, `variance`: z-scores; `support`: see "
        "`verify/include/initcheck/verify/support.h`; independence tests: "
        "`verify/include/initcheck/verify/independence.h`).\n\n";
  for (size_t i = 0; i < cases.size(); ++i) {
    const verify::TensorCheck& k = checks[i];
    md += fmt::format("<details><summary>{}. <code>{}</code> {} {} {}: {}</summary>\n\n", i + 1,
                      k.scheme, layout_name(cases[i].geometry.layout),
                      shape_string(cases[i].geometry.shape), dtype_name(cases[i].dtype),
                      k.pass ? "pass" : "FAIL");
    md += "Target: " + k.target.derivation + "\n\n";
    md += "| test | statistic | p-value | Holm-adjusted p |\n|---|---:|---:|---:|\n";
    for (size_t j = 0; j < k.tests.size(); ++j) {
      md += fmt::format("| {} | {} | {} | {} |\n", k.tests[j].name, G(k.tests[j].statistic),
                        P(k.tests[j].p_value), P(k.adjusted_p[j]));
    }
    md += "\n</details>\n\n";
  }
  std::string calibration_json;
  bool calibrated = false;
  const std::string calibration = calibration_markdown(o, &calibration_json, &calibrated);
  // The calibration goes first: it says how far a "pass" can be trusted.
  const size_t cut = md.find("| # | scheme");
  md.insert(cut, calibration + "\n## Every scheme, layout and dtype\n\n");
  if (summary) {
    *summary = fmt::format(
        "{} of {} conformance cases pass (26 schemes, torch/keras/jax layouts, grouped and "
        "transposed convs, f32/f64/f16/bf16); the battery is {} (p-values uniform or "
        "conservative under H0, family-wise rate within its binomial interval)",
        passed, cases.size(), calibrated ? "calibrated" : "NOT calibrated");
  }
  return {{"conformance.md", md}, {"calibration.json", calibration_json}};
}

}  // namespace initcheck::report
