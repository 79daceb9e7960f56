// Kolmogorov-Smirnov: statistic, the exact-distribution algorithms checked
// against each other, calibration, power, and speed.
#include "initcheck/verify/ks.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
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

TEST(KsStatistic, HandComputed) {
  // u = (0.1, 0.4, 0.7), n = 3: D+ = max(1/3-0.1, 2/3-0.4, 1-0.7) = 0.3,
  // D- = max(0.1-0, 0.4-1/3, 0.7-2/3) = 0.1.
  const std::vector<double> u = {0.1, 0.4, 0.7};
  const KsStatistic s = ks_statistic(u);
  EXPECT_NEAR(s.d_plus, 0.3, 1e-15);
  EXPECT_NEAR(s.d_minus, 0.1, 1e-15);
  EXPECT_NEAR(s.d, 0.3, 1e-15);
  EXPECT_EQ(s.argmax, 2);
}

TEST(KsPvalue, EdgeCasesAndClosedForms) {
  EXPECT_EQ(ks_pvalue(10, 0.0), 1.0);
  EXPECT_EQ(ks_pvalue(10, 0.04), 1.0);  // t = 0.4 <= 1/2
  EXPECT_EQ(ks_pvalue(10, 1.0), 0.0);
  EXPECT_EQ(ks_pvalue(10, 1.5), 0.0);
  EXPECT_TRUE(std::isnan(ks_pvalue(10, std::nan(""))));
  EXPECT_THROW(ks_pvalue(0, 0.5), Error);
  // n = 1: D = max(U, 1-U), P(D >= d) = 2(1-d) for d in [1/2, 1].
  EXPECT_NEAR(ks_pvalue(1, 0.75), 0.5, 1e-15);
  EXPECT_NEAR(ks_pvalue(1, 0.9), 0.2, 1e-14);
  // Ruben-Gambino lower form: P(D_n < d) = n! (2d - 1/n)^n; n = 5, d = 0.15.
  EXPECT_NEAR(ks_cdf(5, 0.15), 120 * std::pow(0.1, 5), 1e-16);
  // Upper form: P(D_n >= d) = 2 (1-d)^n for d >= 1 - 1/n; n = 5, d = 0.9.
  EXPECT_NEAR(ks_pvalue(5, 0.9) / (2 * std::pow(0.1, 5)), 1.0, 1e-13);
}

// Durbin/MTW and Pomeranz are independent exact methods: they must agree to
// rounding wherever both apply.
TEST(KsPvalue, DurbinAndPomeranzAgree) {
  double worst = 0;
  for (int64_t n : {5, 7, 10, 23, 50, 99, 140, 200, 500}) {
    for (double w : {0.1, 0.3, 0.6, 0.9, 1.5, 2.5, 3.9}) {
      const double d = std::sqrt(w / static_cast<double>(n));
      if (n * d <= 1.0 || d >= 1) continue;
      const double a = ks_detail::durbin_cdf(n, d);
      const double b = ks_detail::pomeranz_cdf(n, d);
      // Compare both tails (the p-value 1 - cdf is what matters).
      const double rel =
          std::max(std::fabs(a / b - 1), std::fabs((1 - a) / (1 - b) - 1));
      worst = std::max(worst, rel);
      EXPECT_LE(rel, 1e-10) << "n=" << n << " d=" << d;
    }
  }
  std::printf("[ks] Durbin vs Pomeranz worst relative difference %.3g\n",
              worst);
}

// For d >= 1/2 the two-sided tail is exactly twice the one-sided one.
TEST(KsPvalue, TwiceSmirnovIsExactAboveOneHalf) {
  for (int64_t n : {3, 6, 12, 40}) {
    for (double d : {0.5, 0.55, 0.7}) {
      const double two_sided = 1.0 - ks_detail::durbin_cdf(n, d);
      const double smirnov = 2 * ks_detail::smirnov_sum(n, d);
      if (smirnov < 1e-8) continue;  // 1 - cdf has lost its digits there
      EXPECT_NEAR(two_sided / smirnov, 1.0, 1e-7) << "n=" << n << " d=" << d;
    }
  }
}

// The large-n evaluation of the one-sided sum as an integral against the sum
// itself (O(n) terms).
TEST(KsPvalue, SmirnovIntegralMatchesSum) {
  double worst = 0;
  for (int64_t n : {1000, 5001, 20000, 100000, 1000000}) {
    for (double lambda : {1.0, 1.5, 2.0, 2.7, 3.5, 5.0}) {
      const double d = lambda / std::sqrt(static_cast<double>(n));
      const double s = ks_detail::smirnov_sum(n, d);
      const double i = ks_detail::smirnov_integral(n, d);
      const double rel = std::fabs(i / s - 1);
      worst = std::max(worst, rel);
      EXPECT_LE(rel, 1e-9) << "n=" << n << " lambda=" << lambda;
    }
  }
  std::printf("[ks] Smirnov integral vs sum worst relative difference %.3g\n",
              worst);
}

// Pelz-Good is an asymptotic series; in its region it must be close to the
// exact Durbin value (Simard & L'Ecuyer report about 5 correct digits for
// n > 140 there; measured worst 2.1e-5 relative at n = 141).
TEST(KsPvalue, PelzGoodCloseToExact) {
  for (int64_t n : {141, 1000, 20000}) {
    for (double lambda : {0.6, 0.9, 1.2, 1.45}) {
      const double d = lambda / std::sqrt(static_cast<double>(n));
      const double exact = 1 - ks_detail::durbin_cdf(n, d);
      const double pg = 1 - ks_detail::pelz_good_cdf(n, d);
      EXPECT_NEAR(pg / exact, 1.0, 5e-5) << "n=" << n << " lambda=" << lambda;
    }
  }
}

// At large n the distribution of sqrt(n) D_n approaches Kolmogorov's limit
// Q(l) = 2 sum (-1)^{k-1} exp(-2 k^2 l^2), from below, with relative
// correction ~ 2 l / (3 sqrt n) in the tail (statistics note §4.2 table).
TEST(KsPvalue, ApproachesKolmogorovLimit) {
  const int64_t n = 10000000;
  for (double lambda : {0.8, 1.0, 1.36, 1.95, 2.69, 3.5}) {
    double q = 0;
    for (int k = 1; k < 100; ++k) {
      q += 2 * ((k % 2) ? 1 : -1) * std::exp(-2.0 * k * k * lambda * lambda);
    }
    const double p = ks_pvalue(n, lambda / std::sqrt(static_cast<double>(n)));
    EXPECT_LT(p, q);
    EXPECT_NEAR(p / q, 1.0, 3e-3) << lambda;
  }
  // The classical asymptotic critical values 1.3581 (5%) and 1.6276 (1%).
  EXPECT_NEAR(ks_pvalue(n, 1.3581 / std::sqrt(1e7)), 0.05, 2e-4);
  EXPECT_NEAR(ks_pvalue(n, 1.6276 / std::sqrt(1e7)), 0.01, 5e-5);
}

TEST(KsPvalue, MonotoneAcrossMethodBoundaries) {
  for (int64_t n : {5, 20, 140, 141, 1000, 100000, 100001, 10000000}) {
    double prev = 1.0;
    const double nn = static_cast<double>(n);
    for (int i = 1; i <= 4000; ++i) {
      // d from 1/(2n) to ~8/sqrt(n) (or 1).
      const double d =
          std::min(1.0, 0.5 / nn + (8.0 / std::sqrt(nn)) * i / 4000.0);
      const double p = ks_pvalue(n, d);
      // Allow rounding-level wiggle where methods switch.
      EXPECT_LE(p, prev * (1 + 1e-6) + 1e-300) << "n=" << n << " d=" << d;
      prev = p;
    }
  }
}

// Calibration: for uniform samples the p-value is U(0,1). 4000 samples of
// n = 50 (the Durbin/Pomeranz region) and of n = 1000 (Durbin/Pelz-Good/
// Smirnov): the count with p < 0.05 is Binomial(4000, 0.05) (mean 200); the
// acceptance band [125, 285] has a false-alarm rate of
// P(X <= 124) + P(X >= 286) = 4.7e-9 (exact binomial tails, checked below).
TEST(KsTest, CalibratedOnUniformSamples) {
  const int kReps = 4000;
  ASSERT_LT(binomial_cdf(124, kReps, 0.05) + binomial_sf_ge(286, kReps, 0.05),
            5e-9);
  for (int n : {50, 1000}) {
    std::mt19937_64 g(20261129 + n);
    std::uniform_real_distribution<double> u01;
    int below = 0;
    std::vector<double> u(n);
    for (int rep = 0; rep < kReps; ++rep) {
      for (double& v : u) v = u01(g);
      std::sort(u.begin(), u.end());
      if (ks_pvalue(n, ks_statistic(u).d) < 0.05) ++below;
    }
    EXPECT_GE(below, 125) << "n=" << n;
    EXPECT_LE(below, 285) << "n=" << n;
  }
}

// Negative control (the test can fail): N(0, 1.05^2) data against N(0, 1)
// at n = 10^6. sup |Phi(x/1.05) - Phi(x)| ~ 0.0115, so sqrt(n) D ~ 11.5 and
// p ~ 1e-100: rejected at alpha = 1e-6 with certainty. Positive control: the
// same seed's N(0,1) data is not rejected (false-alarm rate 1e-6 by the
// p-value's calibration).
TEST(KsTest, RejectsWrongScaleAcceptsRightOne) {
  const Normal target(0.0, 1.0);
  const auto bad =
      make_gof_input(testing::normal_sample(1000000, 7, 0.0, 1.05), target);
  const TestResult r_bad = ks_test(bad);
  EXPECT_LT(r_bad.p_value, 1e-6) << to_string(r_bad);
  EXPECT_GT(r_bad.detail("sqrt_n_d"), 8.0);
  const auto good = make_gof_input(testing::normal_sample(1000000, 7), target);
  const TestResult r_good = ks_test(good);
  EXPECT_GT(r_good.p_value, 1e-6) << to_string(r_good);
  EXPECT_EQ(r_good.name, "ks");
  EXPECT_EQ(r_good.n, 1000000);
}

// Speed: the p-value is computed once per tensor; it must be cheap at
// n = 10^7 in every region (timings printed, loose bound only).
TEST(KsPvalue, FastAtLargeN) {
  const int64_t n = 10000000;
  const auto t0 = std::chrono::steady_clock::now();
  int calls = 0;
  for (double lambda = 0.3; lambda < 6; lambda += 0.05, ++calls) {
    volatile double p = ks_pvalue(n, lambda / std::sqrt(1e7));
    (void)p;
  }
  const double ms = std::chrono::duration<double, std::milli>(
                        std::chrono::steady_clock::now() - t0)
                        .count();
  std::printf("[ks] %d p-values at n=1e7: %.3f ms per call\n", calls,
              ms / calls);
  EXPECT_LT(ms / calls,
            50.0);  // ~0.1 ms measured; 50 ms is a gross-regression bound
  // Worst case: Durbin near n = 10^5 (matrix order ~115).
  const auto t1 = std::chrono::steady_clock::now();
  volatile double p = ks_pvalue(100000, std::pow(1.39 / 1e5, 2.0 / 3.0));
  EXPECT_EQ(ks_pvalue_method(100000, std::pow(1.39 / 1e5, 2.0 / 3.0)),
            KsMethod::kDurbin);
  (void)p;
  std::printf("[ks] Durbin at n=1e5 (largest matrix): %.2f ms\n",
              std::chrono::duration<double, std::milli>(
                  std::chrono::steady_clock::now() - t1)
                  .count());
}

}  // namespace
}  // namespace initcheck::verify
