// File: initcheck/verify/support.h
//
// Support and extreme-value tests: deterministic bound checks plus the
// distribution of the sample minimum and maximum.
//
// out_of_support_test ("out_of_support"): NaNs and values outside the
//   target's support [low, high] (for grid data: whose rounding cell lies
//   entirely outside, gof.h). Any such value is impossible under H0: p = 0,
//   statistic = their count; otherwise p = 1.
//
// extremes_test ("extremes"), for targets bounded on both sides: the sample
//   minimum and maximum judged JOINTLY, with exact laws for any n. With
//   U = F(X) ~ U(0,1) under H0 (randomized over rounding cells for grid
//   data, gof.h), a = U_(1) = F(min) and s = 1 - U_(n) = 1 - F(max) have
//   the joint density n (n-1) (1 - a - s)^(n-2) on a, s >= 0, a + s <= 1
//   (order statistics of uniforms: David & Nagaraja, "Order Statistics",
//   3rd ed., 2003, §2.2), which gives three exact p-values:
//     range      R = 1 - a - s ~ Beta(n-1, 2):
//                P(R <= r) = n r^(n-1) - (n-1) r^n
//                small when BOTH extremes sit too far inside: a bound too
//                wide, a scale too small. It is the natural small-sample
//                test: for a uniform target (min, max) is the sufficient
//                statistic for location and scale. U(+-b) data against a
//                bound 3x too wide: r <= 1/3, P <= 65 3^-32 = 3.5e-14 at
//                n = 32; 4x: r <= 1/4, P <= 49 4^-16 = 1.1e-8 at n = 16.
//     one inside M = max(a, s): P(M >= t) = 2 (1-t)^n - (1-2t)_+^n
//                small when ONE extreme sits too far inside (a shift, U[0, b)
//                instead of U(-b, b), a one-sided truncation)
//     outside    m = min(a, s): P(m <= t) = 1 - (1-2t)_+^n
//                small when an extreme is too far OUT (mass piled at a
//                bound, tails heavier than the target's)
//   p = min(1, 3 min(p_range, p_one_inside, p_outside)) (Bonferroni: valid
//   whatever the dependence of the three). Statistic: n max(a, s); details
//   {"min", "max", "n_u_min", "n_s_max", "range", "p_range",
//   "p_one_inside", "p_outside"}; each of the three p-values is exactly
//   U(0,1) under H0 for continuous data.
//   (Before 2026-12 this test used the minimum and maximum separately, each
//   against Beta(1, n): exact per extreme, but a 3x too wide bound on 32
//   values gave 4 (2/3)^32 = 9e-6, not enough at alpha = 1e-6.)
//
// max_abs_deviation_test ("max_abs_z"), for unbounded targets: R = max_i
//   |x_i - mu| (mu = target mean; R/sigma = max |z| for a normal), with
//   q = P(|X - mu| > R) = cdf(mu - R) + sf(mu + R), P(max >= R) =
//   1 - (1 - q)^n (too far out: heavy tails, outliers) and P(max <= R) =
//   (1 - q)^n (too light: e.g. a "normal" silently truncated at 3 sd);
//   two-sided p = min(1, 2 min(...)). For a symmetric target q = 2 min(u_min,
//   1 - u_max) from the PITs, so grid data (f16, bf16) use the randomized
//   PIT over their rounding cells and the p-value stays exact.
//
// support_test ("support") combines them as the battery's one support check:
//   any NaN or out-of-support value -> p = 0 (note says how many);
//   else a target bounded on both sides -> the extremes test;
//   else -> the max-|deviation| test (pools both tails of a symmetric
//   target, which is more powerful there than two separate extremes).
#ifndef INITCHECK_VERIFY_SUPPORT_H_
#define INITCHECK_VERIFY_SUPPORT_H_

#include <cstdint>

#include "initcheck/verify/distributions.h"
#include "initcheck/verify/gof.h"
#include "initcheck/verify/result.h"

namespace initcheck::verify {

// P(U_(1) >= u) = (1 - u)^n and P(U_(1) <= u) = 1 - (1 - u)^n for the
// minimum of n iid U(0,1).
double min_uniform_sf(int64_t n, double u);
double min_uniform_cdf(int64_t n, double u);
// The exact laws of extremes_test: P(R <= r) for the range of n iid U(0,1)
// (Beta(n-1, 2)), P(max(a, s) >= t) and P(min(a, s) <= t).
double uniform_range_cdf(int64_t n, double r);
double one_extreme_inside_sf(int64_t n, double t);
double extremes_outside_cdf(int64_t n, double t);

TestResult out_of_support_test(const GofInput& in, const Distribution& target);
TestResult extremes_test(const GofInput& in);
TestResult max_abs_deviation_test(const GofInput& in,
                                  const Distribution& target);
TestResult support_test(const GofInput& in, const Distribution& target);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_SUPPORT_H_
