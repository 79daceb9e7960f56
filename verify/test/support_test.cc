// Support and extreme-value tests.
#include "initcheck/verify/support.h"

#include <gtest/gtest.h>

#include <boost/math/distributions/beta.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "initcheck/verify/anderson_darling.h"
#include "initcheck/verify/distributions.h"
#include "initcheck/verify/gof.h"
#include "test_util.h"

namespace initcheck::verify {
namespace {

using testing::binomial_cdf;
using testing::binomial_sf_ge;

TEST(MinUniform, BetaOneN) {
  EXPECT_NEAR(min_uniform_sf(10, 0.1), std::pow(0.9, 10), 1e-15);
  EXPECT_NEAR(min_uniform_cdf(10, 0.1), 1 - std::pow(0.9, 10), 1e-15);
  // Tiny u at large n keeps its digits: 1 - (1 - 1e-12)^1000 ~ 1e-9.
  EXPECT_NEAR(min_uniform_cdf(1000, 1e-12) / 1e-9, 1.0, 1e-6);
  EXPECT_EQ(min_uniform_cdf(5, 0.0), 0.0);
  EXPECT_EQ(min_uniform_sf(5, 1.0), 0.0);
}

TEST(SupportTest, InsideIsFineOutsideIsImpossible) {
  const Uniform target(-1, 1);
  std::vector<double> x = testing::uniform_sample(100000, 8, -1, 1);
  TestResult r = support_test(make_gof_input(x, target), target);
  EXPECT_EQ(r.name, "support");
  EXPECT_GT(r.p_value, 1e-6) << to_string(r);
  x[123] = 1.0001;
  r = support_test(make_gof_input(x, target), target);
  EXPECT_EQ(r.p_value, 0.0);
  EXPECT_EQ(r.statistic, 1.0);
  EXPECT_NE(r.note.find("1 above"), std::string::npos) << r.note;
  x[123] = std::nan("");
  r = support_test(make_gof_input(x, target), target);
  EXPECT_EQ(r.p_value, 0.0);
  EXPECT_EQ(r.detail("n_nan"), 1.0);
}

// Bounds too narrow: U(-0.99, 0.99) data against U(-1, 1), n = 10^5. The
// minimum's PIT is ~0.005, P(U_(1) >= 0.005) = 0.995^100000 = e^-501.
TEST(SupportTest, CatchesBoundsTooNarrow) {
  const Uniform target(-1, 1);
  const auto x = testing::uniform_sample(100000, 9, -0.99, 0.99);
  const GofInput in = make_gof_input(x, target);
  EXPECT_EQ(out_of_support_test(in, target).p_value, 1.0);
  const TestResult r = support_test(in, target);
  EXPECT_LT(r.p_value, 1e-100) << to_string(r);
  EXPECT_GT(r.detail("n_u_min"), 400);
}

// The classic trunc-normal bug: sampling N(0,1) and clamping to [-2, 2]
// piles 2.3% of the mass on each bound. Values exactly at a bound have PIT
// 0/1: the extremes test and AD both give p = 0.
TEST(SupportTest, CatchesClampingInsteadOfTruncation) {
  const TruncatedNormal target(0, 1, -2, 2);
  auto x = testing::normal_sample(100000, 10);
  for (double& v : x) v = std::clamp(v, -2.0, 2.0);
  const GofInput in = make_gof_input(x, target);
  EXPECT_EQ(support_test(in, target).p_value, 0.0);
  EXPECT_EQ(anderson_darling_test(in).p_value, 0.0);
}

// Unbounded targets: max |x - mu| / sigma. One 8-sd outlier among 10^6 N(0,1)
// values: P(max |Z| >= 8) = 1 - (1 - 1.2e-15)^1e6 = 1.2e-9, doubled 2.5e-9.
// A "normal" silently truncated at +-3 sd: P(max |Z| <= 3) = 0.9973^1e6 ~ 0.
TEST(SupportTest, MaxAbsZCatchesHeavyAndLightTails) {
  const Normal target(0, 1);
  auto x = testing::normal_sample(1000000, 12);
  const TestResult ok = support_test(make_gof_input(x, target), target);
  EXPECT_GT(ok.p_value, 1e-6) << to_string(ok);
  EXPECT_NE(ok.note.find("max_abs_z"), std::string::npos);
  auto heavy = x;
  heavy[777] = 8.0;
  const TestResult h = support_test(make_gof_input(heavy, target), target);
  EXPECT_LT(h.p_value, 1e-8) << to_string(h);
  EXPECT_NEAR(h.statistic, 8.0, 1e-12);
  std::vector<double> light;
  for (double v : x) {
    if (std::fabs(v) < 3) light.push_back(v);
  }
  EXPECT_LT(support_test(make_gof_input(light, target), target).p_value,
            1e-100);
}

// Calibration: the extremes test's three p-values and max-|z| are exact
// under H0. 5000 samples of n = 200: the count with p < 0.05 of each is
// Binomial(5000, 0.05); the band [168, 332] has false-alarm rate < 2.5e-7 for
// each of the four, 1e-6 together (asserted). The combined extremes p-value (Bonferroni over
// three) is valid: its count is at most Binomial(5000, 0.05)'s upper band.
TEST(SupportTest, CalibratedUnderH0) {
  const int kReps = 5000;
  ASSERT_LT(4 * (binomial_cdf(167, kReps, 0.05) + binomial_sf_ge(333, kReps, 0.05)),
            1e-6);
  const Uniform u(0, 1);
  const Normal z(0, 1);
  int range = 0, inside = 0, outside = 0, combined = 0, mz = 0;
  for (int rep = 0; rep < kReps; ++rep) {
    const TestResult e = extremes_test(
        make_gof_input(testing::uniform_sample(200, 50000 + rep), u));
    range += e.detail("p_range") < 0.05;
    inside += e.detail("p_one_inside") < 0.05;
    outside += e.detail("p_outside") < 0.05;
    combined += e.p_value < 0.05;
    mz += max_abs_deviation_test(
              make_gof_input(testing::normal_sample(200, 90000 + rep), z), z)
              .p_value < 0.05;
  }
  for (int c : {range, inside, outside, mz}) {
    EXPECT_GE(c, 168);
    EXPECT_LE(c, 332);
  }
  EXPECT_LE(combined, 332);
}

// The exact laws against Boost's Beta distribution (an independent
// implementation): the range of n U(0,1) is Beta(n-1, 2); the minimum is
// Beta(1, n), so P(a >= t) = (1-t)^n and P(a > t, s > t) = (1-2t)^n.
TEST(SupportTest, ExtremeLawsMatchBeta) {
  for (int64_t n : {2, 5, 16, 32, 1000}) {
    const boost::math::beta_distribution<double> range(
        static_cast<double>(n - 1), 2.0);
    for (double r : {1e-3, 0.1, 0.25, 1.0 / 3, 0.5, 0.9, 0.999}) {
      const double want = boost::math::cdf(range, r);
      if (want < 1e-300) {  // underflow in both
        EXPECT_LT(uniform_range_cdf(n, r), 1e-290);
        continue;
      }
      EXPECT_NEAR(uniform_range_cdf(n, r) / want, 1.0, 1e-12)
          << "n=" << n << " r=" << r;
    }
    const boost::math::beta_distribution<double> minimum(1.0,
                                                          static_cast<double>(n));
    for (double t : {1e-4, 0.1, 0.3, 0.6}) {
      const double one = boost::math::cdf(boost::math::complement(minimum, t));
      const double both = t < 0.5 ? std::pow(1 - 2 * t, static_cast<double>(n)) : 0.0;
      EXPECT_NEAR(one_extreme_inside_sf(n, t), 2 * one - both, 1e-14 + 1e-12 * one);
      EXPECT_NEAR(extremes_outside_cdf(n, t), 1 - both, 1e-12);
    }
  }
  // The figures: a bound 3x too wide at n = 32 and 4x at n = 16.
  EXPECT_NEAR(uniform_range_cdf(32, 1.0 / 3) / (65 * std::pow(3.0, -32)), 1.0, 1e-12);
  EXPECT_NEAR(uniform_range_cdf(16, 0.25) / (49 * std::pow(4.0, -16)), 1.0, 1e-12);
}

// Small tensors: U(+-b) data of n values checked against a bound k times
// too wide. The PITs then lie in [(k-1)/(2k), (k+1)/(2k)], so the range is
// at most 1/k and p <= 3 P(R <= 1/k): 1.0e-13 for k = 3, n = 32 and 3.4e-8
// for k = 4, n = 16, below 1e-6 after Holm over the battery's few gating
// tests. The separate-extremes test it replaces gave 9e-6 and 4e-4.
TEST(SupportTest, SmallSampleBoundTooWide) {
  for (int seed = 0; seed < 20; ++seed) {
    const auto x32 = testing::uniform_sample(32, 700 + seed, -1, 1);
    const Uniform wide3(-3, 3);
    EXPECT_LT(support_test(make_gof_input(x32, wide3), wide3).p_value,
              3 * 65 * std::pow(3.0, -32) * (1 + 1e-9));
    const auto x16 = testing::uniform_sample(16, 800 + seed, -1, 1);
    const Uniform wide4(-4, 4);
    EXPECT_LT(support_test(make_gof_input(x16, wide4), wide4).p_value,
              3 * 49 * std::pow(4.0, -16) * (1 + 1e-9));
  }
}

}  // namespace
}  // namespace initcheck::verify
