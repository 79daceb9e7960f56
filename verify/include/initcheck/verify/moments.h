// File: initcheck/verify/moments.h
//
// Sample moments and the targeted moment tests (mean and variance z-tests
// against the target's own moments; statistics note §4.5-4.6).
//
// compute_moments: two passes (mean; then sums of d, d^2, d^3, d^4 with
// d = x - mean, plus the usual correction sum(d)^2/n for the rounding of the
// mean). Each pass adds in double within blocks of 1024 values (4 independent
// lanes) and adds the block sums in long double, so the error is about
// 1024 eps relative, independent of n (tested against long double on 10^7
// values). NaN values are skipped and counted; +-inf propagate.
//   variance  = sum d^2 / (n - 1)
//   skewness  = m3 / m2^1.5            (m_k = sum d^k / n)
//   excess_kurtosis = m4 / m2^2 - 3
//
// Mean test ("mean"): z = (mean - mu) sqrt(n) / sigma with the TARGET's mu and
// sigma (a t-test adds nothing at these n, and the target sigma is exact);
// two-sided normal p-value. Normal approximation (our Edgeworth estimate):
// the relative error of one tail at z = 4.9 is ~ 19 |skew| / sqrt(n), and of
// the two-sided tail ~ 21 |kappa| / n for a symmetric target, so reliable =
// n >= 1000 and n >= 35000 skew^2 (<= 10% error in alpha at 1e-6).
//
// Variance test ("variance"): s^2 is unbiased with, for ANY iid data,
//   Var(s^2) = sigma^4 (2/(n-1) + kappa/n)
// (kappa = excess kurtosis; this is Fisher's exact sampling variance of the
// k-statistic k2 = s^2, Var(k2) = kappa_4/n + 2 kappa_2^2/(n-1) with the
// cumulants kappa_4 = kappa sigma^4, kappa_2 = sigma^2: Fisher 1930, Proc.
// London Math. Soc. 30, 199-238; Kendall & Stuart, The Advanced Theory of
// Statistics, vol. 1; the note §4.5 gives the equivalent
// mu4/n - sigma^4 (n-3)/(n(n-1))),
// z = (s^2 - sigma^2) / sqrt(Var(s^2)), two-sided normal p-value, with sigma
// and kappa of the TARGET. Using kappa = 0 for a non-normal target is wrong
// (uniform: the actual alpha at nominal 1e-6 is 1e-14; kappa = 6: 1.4e-2).
// Normal approximation: for normal data the actual two-sided alpha at
// nominal 1e-6 is 2.3e-6 at n = 10^3, 1.12e-6 at 10^4, 1.01e-6 at 10^5
// (note §4.5, exact chi-square), so reliable = n >= kMinVarianceTestN =
// 10^4. Callers should not gate on the variance test below that.
//
// Exact small-sample versions for a NORMAL target (n >= 2, any n):
//   variance_chi_square_test ("variance"): (n-1) s^2 / sigma^2 ~ chi^2_{n-1}
//     exactly for iid N(mu, sigma^2) data (Cochran's theorem), two-sided
//     p = min(1, 2 min(P(chi^2 <= q), P(chi^2 >= q))) (Boost chi_squared);
//     reliable for every n. Two-sided p for values whose std is k times the
//     target's (SciPy chi2): n = 16: k = 3 gives 4.4e-21, k = 1/3 1.7e-5,
//     k = 1/4 3.2e-7; n = 32: k = 1/3 3.5e-10, k = 1/2 1.4e-5.
//   mean_test with exact_normal = true: z = (mean - mu) sqrt(n) / sigma is
//     exactly N(0, 1) for normal data, so reliable for every n.
// The battery uses them for normal targets whose law rounded to the dtype is
// still normal to 1e-3 in skewness and excess kurtosis (rounding.h); the
// bounded targets (uniform, truncated normal) get the exact range test of
// support.h at small n instead: the variance of a uniform sample has no
// closed-form law, and (min, max) is the uniform's sufficient statistic.
#ifndef INITCHECK_VERIFY_MOMENTS_H_
#define INITCHECK_VERIFY_MOMENTS_H_

#include <cstdint>
#include <span>

#include "initcheck/verify/distributions.h"
#include "initcheck/verify/result.h"

namespace initcheck::verify {

inline constexpr int64_t kMinVarianceTestN = 10000;
inline constexpr int64_t kMinMeanTestN = 1000;

struct Moments {
  int64_t n = 0;      // values used (NaNs excluded)
  int64_t n_nan = 0;  // NaNs skipped
  double mean = kNaN;
  double variance = kNaN;  // with n - 1
  double skewness = kNaN;
  double excess_kurtosis = kNaN;
  double min = kNaN;
  double max = kNaN;
};

Moments compute_moments(std::span<const double> x);
Moments compute_moments(std::span<const float> x);

// Mean z-test with the target's mean and sd. details {"mean", "target_mean",
// "shift_in_sd"}.
TestResult mean_test(const Moments& m, const Distribution& target);
TestResult mean_test(const Moments& m, double target_mean, double target_sd,
                     double target_skewness = 0.0, bool exact_normal = false);

// Variance z-test with the target's variance and excess kurtosis. details
// {"variance", "target_variance", "ratio", "se_ratio"}; note "variance 0.774x
// target".
TestResult variance_test(const Moments& m, const Distribution& target);
TestResult variance_test(const Moments& m, double target_variance,
                         double target_excess_kurtosis);

// Exact chi-square test of the variance for a normal target (see above).
// details as variance_test, dof = n - 1.
TestResult variance_chi_square_test(const Moments& m, double target_variance);

// sigma^4 (2/(n-1) + kappa/n).
double sample_variance_variance(int64_t n, double variance,
                                double excess_kurtosis);

// Two-sided normal p-value 2 Q(|z|) = erfc(|z|/sqrt 2).
double two_sided_normal_pvalue(double z);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_MOMENTS_H_
