// What a pass proves (resolution.h): the formulas against independent
// derivations, and the reported resolutions against simulations of the whole
// battery.
//
// Simulation method. For a target and size, lib fills correct f64 tensors
// (fixed seeds); each is then stretched about the target mean by (1 +
// std_rel_up) or (1 - std_rel_down), or shifted by mean_sigma sd, and run
// through check_one at the default alpha (the resolution reported for the
// unmodified tensor is at the same family size m). At the reported delta the
// battery must detect with probability >= 0.99: K seeds may miss at most M
// times, M the smallest count with P(Binomial(K, 0.01) > M) <= 1e-4 (the
// assertion's false-alarm rate if the power were exactly 0.99; higher power
// makes it smaller). At delta / 2 the detection rate must be clearly below
// 0.99: at least M' misses, P(Binomial(K, 0.01) >= M') <= 1e-4 (false-alarm
// rate 1e-4 if the half-size error were detected with power 0.99, i.e. if
// the reported resolution were loose by 2x).
#include "initcheck/verify/resolution.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "initcheck/fill.h"
#include "initcheck/verify/battery.h"
#include "initcheck/verify/distributions.h"
#include "initcheck/verify/format.h"
#include "seed_util.h"
#include "test_util.h"

namespace initcheck::verify {
namespace {

constexpr uint64_t kResolutionSeed = 0x5e501u;
constexpr double kAssertFalseAlarm = 1e-4;

// ---- the formulas against independent derivations ---------------------

// Normal approximation in closed form (resolution.h): r_up = (1 + c v) /
// (1 - z_b v), r_down = (1 - c v) / (1 + z_b v).
TEST(ResolutionFormulas, VarianceTestMatchesClosedForm) {
  const double level = 1e-6 / 13;
  const double c = normal_isf(level / 2), zb = normal_isf(0.01);
  for (int64_t n : {10000, 100000, 1000000}) {
    for (double kappa : {-1.2, -0.6345}) {
      const double nn = static_cast<double>(n);
      const double v = std::sqrt(2 / (nn - 1) + kappa / nn);
      const double up = std::sqrt((1 + c * v) / (1 - zb * v)) - 1;
      const double down = 1 - std::sqrt((1 - c * v) / (1 + zb * v));
      const ScaleResolution r =
          variance_test_resolution(n, kappa, false, level, 0.99);
      // Bisection to 1e-4 relative; the far tail adds < 1e-12 of power.
      EXPECT_NEAR(r.up, up, 2e-4 * up) << n << " " << kappa;
      EXPECT_NEAR(r.down, down, 2e-4 * down) << n << " " << kappa;
    }
  }
}

// For a normal target the exact chi-square law agrees with the normal
// approximation at large n (statistics note §4.5: the approximation's tail is
// within 1% at n = 1e5 .. 1e6).
TEST(ResolutionFormulas, NormalTargetExactNearApproximation) {
  const double level = 1e-6 / 13;
  for (int64_t n : {100000, 1000000}) {
    const ScaleResolution exact =
        variance_test_resolution(n, 0.0, true, level, 0.99);
    const ScaleResolution approx =
        variance_test_resolution(n, 0.0, false, level, 0.99);
    EXPECT_NEAR(exact.up / approx.up, 1.0, 0.03) << n;
    EXPECT_NEAR(exact.down / approx.down, 1.0, 0.03) << n;
  }
  // The statistics note, §5.4: 2% variance error at power 0.99, alpha 1e-6
  // two-sided needs n = 260,497 for a normal target: at that n the variance
  // resolution (level 1e-6, one test) is 2% in variance = 1% in std.
  const ScaleResolution r =
      variance_test_resolution(260497, 0.0, false, 1e-6, 0.99);
  EXPECT_NEAR((1 + r.up) * (1 + r.up), 1.02, 0.0005);
}

// d = (z_{level/2} + z_{0.01}) / sqrt(n); the note, §4.6: 0.02 sd at alpha
// 1e-6 and power 0.99 needs n = 130,248.
TEST(ResolutionFormulas, MeanTest) {
  EXPECT_NEAR(mean_test_resolution(130248, 1e-6, 0.99), 0.02, 4e-6);
  const double level = 1e-8;
  const double want = (normal_isf(level / 2) + normal_isf(0.01)) / 100.0;
  EXPECT_NEAR(mean_test_resolution(10000, level, 0.99), want, 2e-4 * want);
}

// A uniform stretched by c puts mass 1 - 1/c outside the bounds: detection
// 1 - c^-n = 0.99 at c = 100^(1/n). Shrunk by c, the extremes test's reach
// in closed form: u = F(min) >= t* with F(min) = (1 - c)/2 + c V.
TEST(ResolutionFormulas, UniformSupport) {
  Target t;
  t.family = Target::Family::kUniform;
  t.low = -1;
  t.high = 1;
  t.variance = 1.0 / 3;
  const int64_t n = 4096;
  const double level = 1e-6 / 13;
  const double c_up = std::pow(100.0, 1.0 / n);
  EXPECT_NEAR(support_test_power_scale(t, DType::kF64, n, c_up, level), 0.99,
              1e-6);
  // Shrink: V >= w = (t* - (1 - c)/2) / c for the minimum, same at the top.
  const double tstar = -std::expm1(std::log(level / 4) / n);
  const double c = 0.995;
  const double w = (tstar - (1 - c) / 2) / c;
  const double miss = 1 - 2 * std::pow(1 - w, n) + std::pow(1 - 2 * w, n);
  EXPECT_NEAR(support_test_power_scale(t, DType::kF64, n, c, level), 1 - miss,
              1e-9);
  // Shift by d sd: mass d sd / 2 beyond one bound.
  const double d = 1e-3;
  const double q = d * std::sqrt(1.0 / 3) / 2;
  EXPECT_NEAR(support_test_power_shift(t, DType::kF64, n, d, level),
              1 - std::pow(1 - q, n), 1e-9);
  // bf16 rounds the bound: a stretch below one ulp of the bound (2^-7) is
  // invisible to the out-of-support count.
  EXPECT_LT(support_test_power_scale(t, DType::kBF16, n, 1 + 0x1p-8, level),
            1e-3);
}

// The joint extremes test (support.h since 2026-12) and the exact
// chi-square variance test (moments.h, normal targets at any n), as the
// trust branch implements them: the power model against a Monte Carlo of
// the statistics written here from their documented laws. K = 20000 per
// point; the model must lie in the 1 - 1e-6 Clopper-Pearson interval of the
// simulated rate (false alarm 1e-6 per point if the model is exact).
TEST(ResolutionFormulas, JointExtremesAndChiSquareVarianceByMonteCarlo) {
  std::mt19937_64 g(testing::base_seed(kResolutionSeed));
  std::uniform_real_distribution<double> unif(0.0, 1.0);
  std::normal_distribution<double> norm(0.0, 1.0);
  const int k = 20000;
  auto agrees = [&](int hits, double model, const std::string& what) {
    boost::math::binomial_distribution<double> b(k, 0.5);
    (void)b;
    const double lo = hits == 0 ? 0.0
                                : boost::math::ibeta_inv(hits, k - hits + 1,
                                                         0.5e-6);
    const double hi = hits == k ? 1.0
                                : boost::math::ibeta_inv(hits + 1, k - hits,
                                                         1 - 0.5e-6);
    EXPECT_GE(model, lo) << what << ": " << hits << " of " << k;
    EXPECT_LE(model, hi) << what << ": " << hits << " of " << k;
  };
  // Joint extremes: p = min(1, 3 min(p_range, p_inside, p_outside)).
  auto joint_p = [](int64_t n, double a, double s) {
    const double nn = static_cast<double>(n);
    const double r = std::max(0.0, 1 - a - s);
    const double p_range =
        r <= 0 ? 0.0 : std::pow(r, nn - 1) * (nn - (nn - 1) * r);
    const double t = std::max(a, s);
    const double p_inside =
        2 * std::pow(1 - t, nn) - (t < 0.5 ? std::pow(1 - 2 * t, nn) : 0.0);
    const double m = std::min(a, s);
    const double p_outside = 1 - (m < 0.5 ? std::pow(1 - 2 * m, nn) : 0.0);
    return std::min(1.0, 3 * std::min({p_range, p_inside, p_outside}));
  };
  Target u;
  u.family = Target::Family::kUniform;
  u.low = -1;
  u.high = 1;
  u.variance = 1.0 / 3;
  Target tn;
  tn.family = Target::Family::kTruncatedNormal;
  tn.parent_std = 1;
  tn.low = -2;
  tn.high = 2;
  const TruncatedNormal tnd(0, 1, -2, 2);
  tn.mean = tnd.mean();
  tn.variance = tnd.variance();
  const double level = 1e-6 / 8;
  struct Point {
    const Target* t;
    int64_t n;
    double c;
  };
  for (const Point& pt : {Point{&u, 32, 0.45}, Point{&u, 32, 0.55},
                          Point{&tn, 256, 0.8}, Point{&tn, 256, 0.86}}) {
    const double model =
        support_test_power_scale(*pt.t, DType::kF64, pt.n, pt.c, level, true);
    int hits = 0;
    std::vector<double> x(static_cast<size_t>(pt.n));
    for (int i = 0; i < k; ++i) {
      for (double& v : x) {
        v = pt.t == &u ? 2 * unif(g) - 1 : tnd.quantile(unif(g));
        v *= pt.c;  // the shrink about the mean 0
      }
      const auto [mn, mx] = std::minmax_element(x.begin(), x.end());
      const double a = pt.t == &u ? (*mn + 1) / 2 : tnd.cdf(*mn);
      const double s = pt.t == &u ? (1 - *mx) / 2 : tnd.sf(*mx);
      hits += joint_p(pt.n, a, s) <= level;
    }
    agrees(hits, model, format("joint extremes n=%lld c=%g",
                               static_cast<long long>(pt.n), pt.c));
  }
  // Exact chi-square variance test on 16 normal values.
  for (double c : {0.3, 2.2, 2.6}) {
    const int64_t n = 16;
    const double model = variance_test_power(n, 0, true, c, level, true);
    const boost::math::chi_squared chi(n - 1);
    int hits = 0;
    for (int i = 0; i < k; ++i) {
      double sum = 0, sum2 = 0;
      for (int j = 0; j < n; ++j) {
        const double v = c * norm(g);
        sum += v;
        sum2 += v * v;
      }
      const double q = sum2 - sum * sum / n;  // (n-1) s^2, sigma = 1
      const double p = 2 * std::min(boost::math::cdf(chi, q),
                                    boost::math::cdf(boost::math::complement(chi, q)));
      hits += p <= level;
    }
    agrees(hits, model, format("chi-square variance c=%g", c));
  }
  // Its size is exactly the level.
  EXPECT_NEAR(variance_test_power(16, 0, true, 1.0, level, true), level,
              1e-9 * level);
}

TEST(ResolutionFormulas, StructuredTargetsAreExact) {
  Target t;
  t.family = Target::Family::kConstant;
  TestResult s;
  s.name = "structure";
  s.n = 10;
  s.p_value = 1;
  const Resolution r =
      compute_resolution(t, DType::kF32, std::vector{s}, 1e-7, 1);
  EXPECT_TRUE(r.computed);
  EXPECT_TRUE(r.exact);
  EXPECT_EQ(r.std_rel, 0);
  EXPECT_FALSE(r.coarse());
}

// Nothing gating: nothing proven (and flagged).
TEST(ResolutionFormulas, NoGatingTestProvesNothing) {
  Target t;
  t.family = Target::Family::kNormal;
  t.parent_std = 1;
  t.variance = 1;
  t.low = -kInf;
  t.high = kInf;
  TestResult v;
  v.name = "variance";
  v.n = 100;
  v.p_value = 0.5;
  v.reliable = false;
  const Resolution r =
      compute_resolution(t, DType::kF32, std::vector{v}, 1e-7, 1);
  EXPECT_FALSE(r.computed);
  EXPECT_TRUE(r.coarse());
}

// ---- through the battery ---------------------------------------------

struct Case {
  std::string label;
  std::string scheme;
  Shape shape;
  Layout layout = Layout::kTorch;
  // The tests expected to set the resolution (the most powerful ones).
  std::string std_test, mean_test;
};

Geometry GeometryOf(const Case& c) {
  Geometry g;
  g.shape = c.shape;
  g.layout = c.layout;
  return g;
}

// A correct f64 fill, optionally stretched about mu by c or shifted by s.
std::vector<double> Sample(const Case& c, uint64_t seed, double stretch,
                           double shift, double mu) {
  const Tensor t = fill(Scheme::parse(c.scheme), GeometryOf(c), DType::kF64,
                        FillOptions{.seed = seed, .stream = 0, .threads = 1});
  std::vector<double> x = t.to_double();
  for (double& v : x) v = mu + stretch * (v - mu) + shift;
  return x;
}

TensorCheck Check(const Case& c, const std::vector<double>& x) {
  TensorView v;
  v.dtype = DType::kF64;
  v.shape = c.shape;
  v.data = reinterpret_cast<const std::byte*>(x.data());
  return check_one(v, Scheme::parse(c.scheme), GeometryOf(c));
}

int MaxMisses(int k) {
  int m = 0;
  while (testing::binomial_sf_ge(m + 1, k, 0.01) > kAssertFalseAlarm) ++m;
  return m;
}
int MinMissesAtHalf(int k) {
  int m = 0;
  while (testing::binomial_sf_ge(m, k, 0.01) > kAssertFalseAlarm) ++m;
  return m;
}

class ResolutionSimulation : public ::testing::TestWithParam<Case> {};

TEST_P(ResolutionSimulation, DetectsAtDeltaNotAtHalf) {
  const Case& c = GetParam();
  const uint64_t base = testing::base_seed(kResolutionSeed);
  const int k = testing::full_mode() ? 600 : 150;
  const Target target = derive_target(Scheme::parse(c.scheme), GeometryOf(c));
  const double mu = target.mean, sd = std::sqrt(target.variance);
  const TensorCheck ref = Check(c, Sample(c, base, 1, 0, mu));
  ASSERT_TRUE(ref.pass) << c.label;
  const Resolution& r = ref.resolution;
  ASSERT_TRUE(r.computed);
  EXPECT_EQ(r.std_test, c.std_test) << resolution_text(r);
  EXPECT_EQ(r.mean_test, c.mean_test) << resolution_text(r);
  ASSERT_TRUE(std::isfinite(r.std_rel_up) && std::isfinite(r.std_rel_down) &&
              std::isfinite(r.mean_sigma))
      << resolution_text(r);
  struct Alt {
    const char* what;
    double stretch, shift;  // at the reported delta
  };
  const Alt alts[] = {{"std up", 1 + r.std_rel_up, 0},
                      {"std down", 1 - r.std_rel_down, 0},
                      {"mean", 1, r.mean_sigma * sd}};
  for (const Alt& a : alts) {
    for (bool half : {false, true}) {
      const double stretch = half ? 1 + (a.stretch - 1) / 2 : a.stretch;
      const double shift = half ? a.shift / 2 : a.shift;
      int misses = 0;
      for (int i = 0; i < k; ++i) {
        const uint64_t seed = testing::case_seed(base, 1000 + i);
        misses += Check(c, Sample(c, seed, stretch, shift, mu)).pass;
      }
      const std::string where = c.label + " " + a.what +
                                (half ? " at delta/2" : " at delta") + " (" +
                                resolution_text(r) + "): " +
                                std::to_string(misses) + " misses of " +
                                std::to_string(k) + "; " + testing::seed_note(base);
      if (half) {
        EXPECT_GE(misses, MinMissesAtHalf(k)) << where;
      } else {
        EXPECT_LE(misses, MaxMisses(k)) << where;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Targets, ResolutionSimulation,
    ::testing::Values(
        // n = 16384 normal: the variance and mean z-tests.
        Case{"normal_16k", "xavier_normal", {128, 128}, Layout::kTorch,
             "variance", "mean"},
        // Uniform: the bounds (out-of-support count, extremes).
        Case{"uniform_4k", "kaiming_uniform(a=sqrt(5))", {64, 64},
             Layout::kTorch, "support", "support"},
        // Keras truncated normal: the cut points.
        Case{"truncated_normal_18k", "he_normal", {3, 3, 32, 64},
             Layout::kKeras, "support", "support"},
        // A small normal tensor: since the trust merge the battery runs the
        // exact tests here (battery.cc, ElementwiseTests: the chi-square
        // variance test and the known-sd mean z-test gate at any n for a
        // normal target), and resolution.cc models them exactly (chi2(n-1)
        // scaled by c^2; N(d sqrt(n), 1)), so they set both.
        Case{"normal_256", "normal(std=0.02)", {16, 16}, Layout::kTorch,
             "variance", "mean"}),
    [](const auto& info) { return info.param.label; });

// The family matters: one tensor among many faces a stricter level.
TEST(Resolution, LargerFamilyIsCoarser) {
  const Case c{"normal", "xavier_normal", {128, 128}, Layout::kTorch, "", ""};
  const std::vector<double> x = Sample(c, 1, 1, 0, 0);
  TensorView v;
  v.dtype = DType::kF64;
  v.shape = c.shape;
  v.data = reinterpret_cast<const std::byte*>(x.data());
  std::vector<TensorCheck> one{check_tensor(v, Scheme::parse(c.scheme),
                                            GeometryOf(c))};
  decide(one);
  std::vector<TensorCheck> many(50, one.front());
  decide(many);
  EXPECT_EQ(many.front().resolution.family_size,
            50 * one.front().resolution.family_size);
  EXPECT_GT(many.front().resolution.std_rel, one.front().resolution.std_rel);
  EXPECT_GT(many.front().resolution.mean_sigma,
            one.front().resolution.mean_sigma);
}

// Every output format states it; the text flags coarse passes.
TEST(Resolution, Formats) {
  const Case small{"bias", "uniform(a=-0.125, b=0.125)", {16}, Layout::kTorch,
                   "", ""};
  const Case big{"w", "xavier_normal", {128, 128}, Layout::kTorch, "", ""};
  CheckRun run;
  run.file = "model";
  for (const Case* c : {&small, &big}) {
    const std::vector<double> x = Sample(*c, 3, 1, 0, 0);
    TensorView v;
    v.dtype = DType::kF64;
    v.shape = c->shape;
    v.data = reinterpret_cast<const std::byte*>(x.data());
    run.checks.push_back(check_tensor(v, Scheme::parse(c->scheme),
                                      GeometryOf(*c)));
    run.checks.back().tensor = c->label;
  }
  decide(run.checks);
  ASSERT_TRUE(run.pass());
  EXPECT_TRUE(run.checks[0].resolution.coarse());
  EXPECT_FALSE(run.checks[1].resolution.coarse());
  const std::string text = format_text(run);
  EXPECT_NE(text.find("1 passing tensor(s) too small to verify the scale to "
                      "10%: bias"),
            std::string::npos)
      << text;
  EXPECT_NE(format_markdown(run).find("- detects: std errors >="),
            std::string::npos);
  const std::string json = format_json(run);
  EXPECT_NE(json.find("\"resolution\""), std::string::npos);
  EXPECT_NE(json.find("\"std_rel\""), std::string::npos);
}

}  // namespace
}  // namespace initcheck::verify
