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
// extremes_test ("extremes"): with U = F(X) ~ U(0,1) under H0, the minimum
//   PIT U_(1) ~ Beta(1, n) and the maximum's upper tail 1 - U_(n) ~ Beta(1, n)
//   (order statistics of uniforms, e.g. David & Nagaraja, "Order Statistics",
//   3rd ed., 2003, §2.1), so for u = F(min), s = 1 - F(max):
//     P(U_(1) >= u) = (1 - u)^n        small when the minimum sits too far
//                                      inside (bounds too narrow, or tails
//                                      too light)
//     P(U_(1) <= u) = 1 - (1 - u)^n    small when it is too far out (mass
//                                      piled at a bound, heavy tails)
//   each side doubled for a two-sided p-value per extreme, and the two
//   extremes combined by Bonferroni: p = min(1, 2 min(p_min, p_max)).
//   Statistic: n max(u, s); details {"min", "max", "n_u_min", "n_s_max",
//   "p_min", "p_max"} (n u and n s are each ~ Exp(1) under H0 for large n).
//   Exact for any n (computed as exp(n log1p(-u)) and -expm1(...)).
//
// max_abs_deviation_test ("max_abs_z"), for unbounded targets: R = max_i
//   |x_i - mu| (mu = target mean; R/sigma = max |z| for a normal), with
//   q = P(|X - mu| > R) = cdf(mu - R) + sf(mu + R), P(max >= R) =
//   1 - (1 - q)^n (too far out: heavy tails, outliers) and P(max <= R) =
//   (1 - q)^n (too light: e.g. a "normal" silently truncated at 3 sd);
//   two-sided p = min(1, 2 min(...)).
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

TestResult out_of_support_test(const GofInput& in, const Distribution& target);
TestResult extremes_test(const GofInput& in);
TestResult max_abs_deviation_test(const GofInput& in,
                                  const Distribution& target);
TestResult support_test(const GofInput& in, const Distribution& target);
// The same from a summary (gof.h).
TestResult out_of_support_test(const GofSummary& in, const Distribution& target);
TestResult extremes_test(const GofSummary& in);
TestResult max_abs_deviation_test(const GofSummary& in,
                                  const Distribution& target);
TestResult support_test(const GofSummary& in, const Distribution& target);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_SUPPORT_H_
