// Moments and the moment z-tests: numerics, calibration of the variance test
// with the right kurtosis (and miscalibration with the wrong one), power.
#include "initcheck/verify/moments.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "initcheck/verify/distributions.h"
#include "test_util.h"

namespace initcheck::verify {
namespace {

using testing::binomial_cdf;
using testing::binomial_sf_ge;

TEST(Moments, SmallExact) {
  const std::vector<double> x = {1, 2, 3, 4, std::nan("")};
  const Moments m = compute_moments(x);
  EXPECT_EQ(m.n, 4);
  EXPECT_EQ(m.n_nan, 1);
  EXPECT_DOUBLE_EQ(m.mean, 2.5);
  EXPECT_DOUBLE_EQ(m.variance, 5.0 / 3);
  EXPECT_NEAR(m.skewness, 0.0, 1e-15);
  // m2 = 1.25, m4 = (2*5.0625 + 2*0.0625)/4 = 2.5625: 2.5625/1.5625 - 3.
  EXPECT_NEAR(m.excess_kurtosis, 2.5625 / 1.5625 - 3, 1e-14);
  EXPECT_EQ(m.min, 1);
  EXPECT_EQ(m.max, 4);
  const std::vector<float> f = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(compute_moments(std::span<const float>(f)).variance,
                   5.0 / 3);
}

// 10^7 values with a large offset (mean 1e4, sd 1): the one-pass textbook
// formula would lose ~8 digits; ours must match a long double two-pass
// reference to ~1e-12 relative.
TEST(Moments, AccurateOnTenMillionOffsetValues) {
  const std::vector<double> x = testing::normal_sample(10000000, 99, 1e4, 1.0);
  long double s = 0;
  for (double v : x) s += v;
  const long double mean = s / x.size();
  long double s2 = 0, s3 = 0, s4 = 0;
  for (double v : x) {
    const long double d = v - mean;
    s2 += d * d;
    s3 += d * d * d;
    s4 += d * d * d * d;
  }
  const long double n = x.size();
  const Moments m = compute_moments(x);
  EXPECT_NEAR(m.mean / static_cast<double>(mean), 1.0, 1e-15);
  EXPECT_NEAR(m.variance / static_cast<double>(s2 / (n - 1)), 1.0, 1e-12);
  const long double m2 = s2 / n;
  EXPECT_NEAR(m.skewness, static_cast<double>(s3 / n / std::pow(m2, 1.5L)),
              1e-9);
  EXPECT_NEAR(m.excess_kurtosis, static_cast<double>(s4 / n / (m2 * m2) - 3),
              1e-9);
}

TEST(MeanTest, ZScoreWithTargetSigma) {
  Moments m;
  m.n = 10000;
  m.mean = 0.03;
  m.variance = 1.0;
  const TestResult r = mean_test(m, Normal(0, 1));
  EXPECT_NEAR(r.statistic, 3.0, 1e-12);
  EXPECT_NEAR(r.p_value, 0.0026997960632601866, 1e-15);
  EXPECT_TRUE(r.reliable);
  m.n = 100;
  EXPECT_FALSE(mean_test(m, Normal(0, 1)).reliable);
  // A skewed target needs more values (35000 skew^2).
  m.n = 5000;
  EXPECT_FALSE(mean_test(m, 0, 1, 0.5).reliable);
}

TEST(VarianceTest, FormulaAndFlags) {
  EXPECT_NEAR(sample_variance_variance(101, 2.0, -1.2),
              4.0 * (2.0 / 100 - 1.2 / 101), 1e-15);
  Moments m;
  m.n = 1000000;
  const TruncatedNormal t(0, 1, -2, 2);
  m.variance = 1.02 * t.variance();
  const TestResult r = variance_test(m, t);
  EXPECT_NEAR(r.detail("ratio"), 1.02, 1e-14);
  EXPECT_NE(r.note.find("variance 1.02x target"), std::string::npos) << r.note;
  // z = 0.02 sigma^2 / (sigma^2 sqrt(2/(n-1) + kappa/n)), kappa = -0.6345.
  EXPECT_NEAR(r.statistic,
              0.02 / std::sqrt(2.0 / 999999 + t.excess_kurtosis() / 1e6), 1e-9);
  EXPECT_TRUE(r.reliable);
  m.n = kMinVarianceTestN - 1;
  EXPECT_FALSE(variance_test(m, t).reliable);
}

// The exact small-sample variance test for a normal target against SciPy's
// chi2 (computed once: scipy.stats.chi2.cdf(15/9, 15) = 8.736331179430814e-06,
// 2 chi2.sf(15*9, 15) = 4.443612039542087e-21): 16 values with std 3x too
// small or too large.
TEST(VarianceChiSquareTest, ExactLawAgainstSciPy) {
  Moments m;
  m.n = 16;
  m.variance = 1.0 / 9;
  TestResult r = variance_chi_square_test(m, 1.0);
  EXPECT_TRUE(r.reliable);
  EXPECT_EQ(r.dof, 15);
  EXPECT_NEAR(r.statistic, 15.0 / 9, 1e-14);
  EXPECT_NEAR(r.p_value / (2 * 8.736331179430814e-06), 1.0, 1e-9);
  m.variance = 9.0;
  r = variance_chi_square_test(m, 1.0);
  EXPECT_NEAR(r.p_value / 4.443612039542087e-21, 1.0, 1e-8);
  m.variance = 1.0;
  EXPECT_GT(variance_chi_square_test(m, 1.0).p_value, 0.5);
  m.n = 1;
  EXPECT_FALSE(variance_chi_square_test(m, 1.0).reliable);
}

// Calibration at n = 8 (exact law): 20000 normal samples, rejections at
// 0.05 ~ Binomial(20000, 0.05), mean 1000; band [846, 1159] has false-alarm
// rate < 1e-6 (asserted). The exact mean test likewise.
TEST(VarianceChiSquareTest, CalibratedAtTinyN) {
  const int kReps = 20000;
  ASSERT_LT(2 * (binomial_cdf(845, kReps, 0.05) + binomial_sf_ge(1160, kReps, 0.05)),
            1e-6);
  std::mt19937_64 g(4242);
  std::normal_distribution<double> z(3.0, 2.0);
  int var_rej = 0, mean_rej = 0;
  std::vector<double> x(8);
  for (int rep = 0; rep < kReps; ++rep) {
    for (double& v : x) v = z(g);
    const Moments m = compute_moments(x);
    var_rej += variance_chi_square_test(m, 4.0).p_value < 0.05;
    const TestResult mt = mean_test(m, 3.0, 2.0, 0.0, /*exact_normal=*/true);
    EXPECT_TRUE(mt.reliable);
    mean_rej += mt.p_value < 0.05;
  }
  EXPECT_GE(var_rej, 846);
  EXPECT_LE(var_rej, 1159);
  EXPECT_GE(mean_rej, 846);
  EXPECT_LE(mean_rej, 1159);
}

// Calibration by simulation, 2000 samples of n = 10^4 each (fixed seeds), at
// nominal two-sided alpha = 0.05, for a uniform target (kappa = -1.2) and a
// Laplace target (kappa = +3):
//   right kappa: rejections ~ Binomial(2000, 0.05), mean 100; the band
//     [55, 150] has false-alarm rate 8.1e-7 (asserted < 1e-6).
//   kappa = 0 (the normal-theory test) is miscalibrated both ways.
//     Uniform: its SE is too large by sqrt(2/0.8) = 1.58, so the actual alpha
//     is P(|Z| > 1.96 x 1.58) = 0.0019 (3.9 rejections expected); we require
//     <= 20, which a calibrated test reaches with probability 3.6e-23.
//     Laplace: its SE is too small by sqrt(2/5) = 0.632, so the actual alpha
//     is P(|Z| > 1.96 x 0.632) = 0.215 (430 expected); we require >= 300,
//     which a calibrated test reaches with probability 3.4e-63 (and the
//     miscalibrated one misses with probability ~1e-12).
TEST(VarianceTest, RightKurtosisCalibratedWrongOneNot) {
  const int kReps = 2000, kN = 10000;
  ASSERT_LT(binomial_cdf(54, kReps, 0.05) + binomial_sf_ge(151, kReps, 0.05),
            1e-6);
  ASSERT_LT(binomial_cdf(20, kReps, 0.05), 1e-6);
  ASSERT_LT(binomial_sf_ge(300, kReps, 0.05), 1e-6);  // nor >= 300
  std::mt19937_64 g(777);
  std::uniform_real_distribution<double> uni(-1, 1);
  std::exponential_distribution<double> ex(1.0);
  std::bernoulli_distribution coin;
  const Uniform u_target(-1, 1);
  const double lap_var = 2.0, lap_kurt = 3.0;  // Laplace(0, 1)
  int uni_right = 0, uni_wrong = 0, lap_right = 0, lap_wrong = 0;
  std::vector<double> x(kN);
  for (int rep = 0; rep < kReps; ++rep) {
    for (double& v : x) v = uni(g);
    const Moments mu = compute_moments(x);
    uni_right += variance_test(mu, u_target).p_value < 0.05;
    uni_wrong += variance_test(mu, u_target.variance(), 0.0).p_value < 0.05;
    for (double& v : x) v = coin(g) ? ex(g) : -ex(g);
    const Moments ml = compute_moments(x);
    lap_right += variance_test(ml, lap_var, lap_kurt).p_value < 0.05;
    lap_wrong += variance_test(ml, lap_var, 0.0).p_value < 0.05;
  }
  EXPECT_GE(uni_right, 55);
  EXPECT_LE(uni_right, 150);
  EXPECT_GE(lap_right, 55);
  EXPECT_LE(lap_right, 150);
  EXPECT_LE(uni_wrong, 20);
  EXPECT_GE(lap_wrong, 300);
  std::printf(
      "[variance] rejections at 0.05 in %d: uniform right %d wrong %d; "
      "laplace right %d wrong %d\n",
      kReps, uni_right, uni_wrong, lap_right, lap_wrong);
}

// Negative control: a 2% variance error (sd x 1.01) in N(0,1) data at n = 10^6
// gives z ~ 0.0201 / sqrt(2e-6) ~ 14: rejected at alpha = 1e-6; a 0.01 sd
// mean shift gives z = 10. Positive controls on the right law (false-alarm
// rate 1e-6 each).
TEST(MomentTests, PowerAndControls) {
  const Normal target(0, 1);
  const Moments bad =
      compute_moments(testing::normal_sample(1000000, 5, 0.01, 1.01));
  EXPECT_LT(variance_test(bad, target).p_value, 1e-6);
  EXPECT_LT(mean_test(bad, target).p_value, 1e-6);
  const Moments good = compute_moments(testing::normal_sample(1000000, 5));
  EXPECT_GT(variance_test(good, target).p_value, 1e-6);
  EXPECT_GT(mean_test(good, target).p_value, 1e-6);
}

}  // namespace
}  // namespace initcheck::verify
