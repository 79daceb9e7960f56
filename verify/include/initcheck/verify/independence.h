// File: initcheck/verify/independence.h
//
// Independence tests. The marginal tests (KS, AD, moments) can pass while the
// stream of values is broken: a generator reused per row, overlapping
// counter ranges, a correlated transform. These tests look at the order of
// the values. All take the values in storage order (row-major for a matrix
// view rows x cols, rows * cols = size) and have float and double overloads.
//
// serial_correlation_test ("serial_correlation"): lag-k autocorrelation
//   r_k = sum_{i<n-k} (x_i - m)(x_{i+k} - m) / sum_i (x_i - m)^2. Under iid
//   data with a finite fourth moment the numerator is a sum of n-k
//   uncorrelated products, so E r_k = -(n-k)/(n(n-1)) (Moran 1948, Biometrika
//   35; the -1/n bias of the estimated mean) and Var r_k = (n-k)/n^2 ~= 1/n
//   (Bartlett 1946, JRSS Suppl. 8; Box & Jenkins, Time Series Analysis);
//   z = (r_k - E r_k) / sqrt((n-k)/n^2), two-sided normal p-value.
//   reliable = n >= 1000. Power: an AR(1) with rho = 0.1 at n = 2^18 gives
//   z ~= 51 (p ~ 1e-570) against the 4.9 needed at alpha = 1e-6.
//
// lag_correlation_test ("serial_correlation" in the battery): the
//   autocorrelations r_k of a SET of lags at once, each standardized as
//   above, z_k = (r_k - E r_k) / sqrt((n-k)/n^2), combined by the largest
//   |z_k| with Bonferroni: p = min(1, L 2 Q(max |z_k|)) for L lags. Valid
//   whatever the dependence between lags (they are nearly independent
//   under H0, so Bonferroni is nearly exact: 1 - (1 - p)^L ~ L p). The
//   battery's set (correlation_lags): 1..64, the powers of two 128..4096,
//   the stride of every axis (product of the trailing dims: the row length,
//   the step to the next channel or kernel row) and the row length of the
//   storage-order matrix view, keeping lags k <= n/2 (70-77 lags). A SIMD
//   lane or a thread that reuses randomness shows up as a correlation at
//   its lane count or chunk size.
//   Reference law: r_k is self-normalized (|r_k| <= 1, numerator and
//   denominator built from the same values), which makes its tails LIGHTER
//   than the normal approximation's, i.e. the test conservative. Measured
//   (numpy, 2 10^6 samples of n = 200): P(|z| > 4.5) = 2.5e-6 (lag 1) and
//   4.5e-6 (lag 8) for normal data, 2.5e-6 for uniform data, against the
//   normal 6.8e-6; P(|z| > 4) = 3.6e-5 to 5.2e-5 against 6.3e-5. The
//   excess kurtosis of z is about -7/n, and the variance (n-k)/n^2 is exact
//   to O(1/n). reliable = n >= 1000.
//   Power: correlation rho at one lag k: z ~ rho sqrt(n); rho = 0.05 at
//   n = 2^18 gives z = 25.6 against the 5.6 that 77 lags need at 1e-6.
//   Cost: lags 1..64 in one pass vectorized over the lag, lags <= 4096 as
//   dot products in the same cache-resident block of 16384 values (float32
//   arithmetic within a block, see src/lag_kernel.h), longer lags one pass
//   each; the same bits on every instruction set.
//
// row_correlation_tests: for a rows x cols matrix, the Pearson correlation
//   c_r of rows r and r+1 over the cols columns, r = 0..rows-2. Under iid
//   data Var c_r = 1/(cols-1) exactly for any continuous law (the
//   permutation distribution of r has that variance: Pitman 1937, JRSS
//   Suppl. 4), and distinct c_r are uncorrelated.
//   "row_correlation_mean": z = mean(c_r) sqrt((rows-1)(cols-1)).
//   "row_correlation_max": max_r |c_r|, per-pair p from Student t with
//   cols-2 dof (t = c sqrt((cols-2)/(1-c^2)), exact for normal data, close
//   for others), Bonferroni over the rows-1 pairs. Identical rows give c = 1
//   and p = 0. reliable = cols >= 10. Rows with zero variance are skipped and
//   counted (detail "degenerate_pairs").
//   The Student t law is exact for NORMAL rows only. For other laws the
//   permutation law of r keeps Var = 1/(cols-1) but its tails grow with the
//   product of the two rows' excess kurtoses (Pitman 1937): on uniform data
//   with 10 columns the max test rejected 1.66x its nominal rate at alpha =
//   1e-3, 1.75x at 1e-4, 2.25x at 1e-5 (tail_calibration.h, K = 2e6). Given
//   the target `marginal` (non-normal), each value is therefore first mapped
//   to its normal score Phi^-1(F(x)), which is exactly N(0, 1) under H0 (F
//   clamped to [2^-26, 1 - 2^-26], |z| <= 5.45): both row tests are exact
//   again for any continuous target, and a shared or correlated stream keeps
//   its correlation (a monotone map). For a normal target the scores are an
//   affine map of the values, which r ignores: pass no marginal. Cost: one
//   cdf and one normal quantile per value.
//
// duplicate_rows_test ("duplicate_rows"): rows that are exact copies of an
//   earlier row (hash, then exact comparison). Under H0 two rows are equal
//   with probability t^cols, t = tie_probability() of the values (gof.h; 0
//   for continuous double data), so the number of duplicate rows is about
//   Poisson(lambda = C(rows, 2) t^cols) and p = P(Poisson(lambda) >= D)
//   (0 when any duplicate exists and t = 0).
//
// repeated_windows_test ("repeated_windows"): catches shifted copies and any
//   reuse or overlap of a random stream, whatever the layout: every window of
//   w consecutive values is hashed, and pairs of positions with equal windows
//   (verified exactly) are counted. Under H0 the expected number of such
//   pairs is at most lambda = C(N, 2) t^w + N (w-1) t^((w+1)/2), N = n-w+1
//   (the second term bounds overlapping windows, which need a run of equal
//   values: sum_v p_v^(w+1) <= t^((w+1)/2)). w is the smallest in [2, 64]
//   with lambda <= 1e-3 (w = 2 for continuous double data, 3 for float32
//   N(0,1) data at n = 10^7, about 6-7 for bfloat16). p = min(1, lambda / K)
//   for K observed pairs (Markov's inequality; valid however the pairs
//   cluster), 1 when K = 0. Cost: one hash per value and one vqsort of n 64-bit
//   keys (0.3 s at n = 10^7 on the dev machine).
//
// runs_test ("runs"): Wald-Wolfowitz runs above and below the median (Wald &
//   Wolfowitz 1940, Ann. Math. Stat. 11), via Boost.Math 1.74
//   boost::math::statistics::runs_above_and_below_threshold (values equal to
//   the median are skipped, as in R's randtests); statistic = the normal
//   z-score of the number of runs, two-sided p. Too few runs = positive
//   dependence or trends; too many = alternation. reliable = n >= 1000.
#ifndef INITCHECK_VERIFY_INDEPENDENCE_H_
#define INITCHECK_VERIFY_INDEPENDENCE_H_

#include <cstdint>
#include <span>
#include <vector>

#include "initcheck/verify/result.h"

namespace initcheck::verify {

TestResult serial_correlation_test(std::span<const double> x, int64_t lag = 1);
TestResult serial_correlation_test(std::span<const float> x, int64_t lag = 1);

// The lag set described above: 1..64, 128, 256, ..., 4096, plus `extra`
// (axis strides, row length), sorted, unique, each k with 1 <= k <= n/2.
std::vector<int64_t> correlation_lags(int64_t n,
                                      std::span<const int64_t> extra = {});
// r_k = sum_{i<n-k} (x_i - m)(x_{i+k} - m) / sum_i (x_i - m)^2 for each lag
// (NaN for all when x has a NaN or zero variance).
std::vector<double> autocorrelations(std::span<const double> x,
                                     std::span<const int64_t> lags);
// Largest standardized |r_k| over the lags, Bonferroni. details {"lags",
// "worst_lag", "r", "se", "lag1_r"}.
TestResult lag_correlation_test(std::span<const double> x,
                                std::span<const int64_t> lags);

struct RowCorrelationTests {
  TestResult mean;     // "row_correlation_mean"
  TestResult max_abs;  // "row_correlation_max"
};
class Distribution;
RowCorrelationTests row_correlation_tests(std::span<const double> x,
                                          int64_t rows, int64_t cols,
                                          const Distribution* marginal = nullptr);
RowCorrelationTests row_correlation_tests(std::span<const float> x,
                                          int64_t rows, int64_t cols,
                                          const Distribution* marginal = nullptr);

TestResult duplicate_rows_test(std::span<const double> x, int64_t rows,
                               int64_t cols, double tie_probability = 0.0);
TestResult duplicate_rows_test(std::span<const float> x, int64_t rows,
                               int64_t cols, double tie_probability = 0.0);

// window = 0 chooses w as described above.
TestResult repeated_windows_test(std::span<const double> x,
                                 double tie_probability = 0.0, int window = 0);
TestResult repeated_windows_test(std::span<const float> x,
                                 double tie_probability = 0.0, int window = 0);

// Median computed internally (a copy and nth_element), or given.
TestResult runs_test(std::span<const double> x);
TestResult runs_test(std::span<const double> x, double median);
TestResult runs_test(std::span<const float> x);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_INDEPENDENCE_H_
