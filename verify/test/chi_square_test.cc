// Chi-square goodness of fit: bin rule, p-values, counts, calibration, power,
// and the general (discrete) form.
#include "initcheck/verify/chi_square.h"

#include <gtest/gtest.h>

#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <random>
#include <vector>

#include "initcheck/error.h"
#include "initcheck/verify/distributions.h"
#include "initcheck/verify/gof.h"
#include "test_util.h"

namespace initcheck::verify {
namespace {

using testing::binomial_cdf;
using testing::binomial_sf_ge;

TEST(ChiSquare, BinRule) {
  EXPECT_EQ(chi_square_bins(39), 0);
  EXPECT_EQ(chi_square_bins(40), 2);
  EXPECT_EQ(chi_square_bins(100), 5);
  EXPECT_EQ(chi_square_bins(999), 49);
  EXPECT_EQ(chi_square_bins(1000), 50);
  EXPECT_EQ(chi_square_bins(10000000), 50);
}

TEST(ChiSquare, PvalueMatchesIncompleteGamma) {
  EXPECT_NEAR(chi_square_pvalue(3.841458820694124, 1), 0.05, 1e-14);
  for (double dof : {1.0, 9.0, 49.0, 300.0}) {
    for (double x : {0.5, dof, 2 * dof + 40, 6 * dof + 100}) {
      const double ref = boost::math::gamma_q(dof / 2, x / 2);
      EXPECT_NEAR(chi_square_pvalue(x, dof) / ref, 1.0, 1e-12)
          << dof << " " << x;
    }
  }
  EXPECT_EQ(chi_square_pvalue(0, 5), 1.0);
  EXPECT_EQ(chi_square_pvalue(kInf, 5), 0.0);
}

// A sample placed exactly at the centres of n equiprobable slices fills every
// bin equally: X^2 = 0, p = 1. Also checks the upper-half binning via sf.
TEST(ChiSquare, PerfectSampleGivesZero) {
  const TruncatedNormal target(0, 1, -2, 2);
  const int n = 5000;
  std::vector<double> x(n);
  for (int i = 0; i < n; ++i) x[i] = target.quantile((i + 0.5) / n);
  const GofInput in = make_gof_input(x, target);
  const auto counts = equiprobable_counts(in, 50);
  for (int64_t c : counts) EXPECT_EQ(c, 100);
  const TestResult r = chi_square_test(in);
  EXPECT_NEAR(r.statistic, 0.0, 1e-12);
  EXPECT_EQ(r.dof, 49);
  EXPECT_NEAR(r.p_value, 1.0, 1e-12);
  EXPECT_EQ(r.name, "chi_square");
}

TEST(ChiSquare, TooFewValues) {
  const std::vector<double> x = {0.1, 0.2, 0.3};
  const TestResult r = chi_square_test(make_gof_input(x, Uniform(0, 1)));
  EXPECT_TRUE(std::isnan(r.p_value));
  EXPECT_FALSE(r.reliable);
}

// Calibration: 4000 uniform samples of n = 1000 (50 bins of 20): the count
// with p < 0.01 is Binomial(4000, 0.01), mean 40; band [13, 78] has
// false-alarm rate 2.2e-7 (asserted < 1e-6). This also checks that 20 expected
// per bin keeps the chi2_49 approximation honest at the 1% level.
TEST(ChiSquare, CalibratedOnUniformSamples) {
  const int kReps = 4000;
  ASSERT_LT(binomial_cdf(12, kReps, 0.01) + binomial_sf_ge(79, kReps, 0.01),
            1e-6);
  const Uniform target(0, 1);
  int below = 0;
  for (int rep = 0; rep < kReps; ++rep) {
    const auto x = testing::uniform_sample(1000, 9000 + rep);
    below += chi_square_test(make_gof_input(x, target)).p_value < 0.01;
  }
  EXPECT_GE(below, 13);
  EXPECT_LE(below, 78);
}

// Negative control: N(0, 1.05^2) against N(0, 1) at n = 10^6: the noncentrality
// lambda = n sum (p1 - p0)^2 / p0 over 50 bins is in the hundreds, p ~ 0.
// Positive control on the correct law (false-alarm rate 1e-6).
TEST(ChiSquare, RejectsWrongScaleAcceptsRightOne) {
  const Normal target(0, 1);
  const TestResult bad = chi_square_test(
      make_gof_input(testing::normal_sample(1000000, 21, 0, 1.05), target));
  EXPECT_LT(bad.p_value, 1e-6) << to_string(bad);
  // The tails are over-full: the worst bin is an end bin with > 1x.
  const double worst = bad.detail("worst_bin");
  EXPECT_TRUE(worst == 0 || worst == 49) << worst;
  EXPECT_GT(bad.detail("worst_ratio"), 1.0);
  const TestResult good = chi_square_test(
      make_gof_input(testing::normal_sample(1000000, 21), target));
  EXPECT_GT(good.p_value, 1e-6) << to_string(good);
}

TEST(ChiSquareGeneral, FairDieAndErrors) {
  // 600 rolls, counts within reason: X^2 = (4+1+0+9+4+0)/100 = 0.18.
  const std::vector<double> obs = {98, 101, 100, 103, 98, 100};
  const std::vector<double> p(6, 1.0 / 6);
  const TestResult r = chi_square_test(obs, p);
  EXPECT_NEAR(r.statistic, 0.18, 1e-12);
  EXPECT_EQ(r.dof, 5);
  EXPECT_NEAR(r.p_value, boost::math::gamma_q(2.5, 0.09), 1e-12);
  EXPECT_TRUE(r.reliable);
  // One estimated parameter removes a degree of freedom.
  EXPECT_EQ(chi_square_test(obs, p, 1).dof, 4);
  // A count in a cell of probability 0 is impossible.
  const std::vector<double> obs2 = {10, 0, 5};
  const std::vector<double> p2 = {0.5, 0.5, 0.0};
  const TestResult r2 = chi_square_test(obs2, p2);
  EXPECT_EQ(r2.p_value, 0.0);
  EXPECT_EQ(r2.statistic, kInf);
  // Small expected counts are flagged.
  const std::vector<double> obs3 = {3, 1};
  const std::vector<double> p3 = {0.5, 0.5};
  EXPECT_FALSE(chi_square_test(obs3, p3).reliable);
  const std::vector<double> bad_p = {0.5, 0.6};
  EXPECT_THROW(chi_square_test(obs3, bad_p), Error);
  const std::vector<double> one = {1};
  EXPECT_THROW(chi_square_test(one, one), Error);
}

}  // namespace
}  // namespace initcheck::verify
