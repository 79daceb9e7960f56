// Support and extreme-value tests.
#include "initcheck/verify/support.h"

#include <gtest/gtest.h>

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

// Calibration: the extremes and max-|z| p-values are exact under H0. 5000
// samples of n = 200: count with p < 0.05 ~ Binomial(5000, <= 0.05) (the
// Bonferroni step in the extremes test makes it slightly conservative);
// band [170, 330] false-alarm rate < 1e-6 for p = 0.05 (asserted); for the
// extremes test the exact rate is 1 - (1 - 0.025)^2 ~ 0.0494.
TEST(SupportTest, CalibratedUnderH0) {
  const int kReps = 5000;
  ASSERT_LT(binomial_cdf(169, kReps, 0.0494) + binomial_sf_ge(331, kReps, 0.05),
            1e-6);
  const Uniform u(0, 1);
  const Normal z(0, 1);
  int ext = 0, mz = 0;
  for (int rep = 0; rep < kReps; ++rep) {
    ext += extremes_test(
               make_gof_input(testing::uniform_sample(200, 50000 + rep), u))
               .p_value < 0.05;
    mz += max_abs_deviation_test(
              make_gof_input(testing::normal_sample(200, 90000 + rep), z), z)
              .p_value < 0.05;
  }
  EXPECT_GE(ext, 170);
  EXPECT_LE(ext, 330);
  EXPECT_GE(mz, 170);
  EXPECT_LE(mz, 330);
}

}  // namespace
}  // namespace initcheck::verify
