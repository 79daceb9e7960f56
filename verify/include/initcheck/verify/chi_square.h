// File: initcheck/verify/chi_square.h
//
// Pearson chi-square goodness-of-fit tests.
//
// Equiprobable bins (continuous targets). k bins cut at the target's
// quantiles F^{-1}(j/k), j = 1..k-1; each has expected count n/k. Counting is
// done on the PIT values (bin j holds j/k <= u < (j+1)/k; the upper half is
// binned on 1 - u = sf so the cut points keep full accuracy), which is the
// same as cutting x at F^{-1}(j/k) and also works for the randomized PIT of
// rounded data (gof.h). X^2 = sum_j (O_j - E)^2 / E, dof = k - 1, p-value
// = P(chi2_{k-1} >= X^2) = boost::math::cdf(complement(chi_squared(k-1), X^2))
// (accurate far into the tail, unlike the Wilson-Hilferty approximation
// abseil uses above 150 dof; statistics note §1.1).
//
// Bin-count rule (chi_square_bins):
//   k = clamp(floor(n / 20), 2, 50),  so every bin expects >= 20 values.
// Why: for smooth alternatives (scale or shift errors) power at alpha = 1e-6
// is flat from 10 to 20 bins and falls slowly beyond 50 (statistics note
// §4.4: n for 99% power against a 2% variance error is 5.2e5 at k = 10-20,
// 6.1e5 at 50, 9.4e5 at 200), while the Mann-Wald (1942) rule k ~ 4 (2 n^2 /
// c^2)^{1/5} (hundreds of bins at n = 10^6) targets arbitrary alternatives.
// KS and AD already cover smooth alternatives better, so 50 bins (2% of the
// mass each) is the useful resolution for local defects without spending
// power. The expected count of at least 20 per bin (abseil asserts >= 10;
// Cochran's classical rule is 5) keeps the chi-square approximation of the
// multinomial tail good at alpha = 1e-6: the exact variance of X^2 is
// 2(k-1)(1 - 1/n), and the higher cumulants differ from chi2_{k-1} by
// O(k/E). Below n = 40 (2 bins of 20) the test does not run (p = NaN).
//
// General form: observed counts with expected probabilities (discrete
// checks), dof = k - 1 - estimated_parameters. A cell with expected
// probability 0 and a positive count gives X^2 = inf and p = 0. reliable =
// every expected count >= 5 (Cochran 1954, Biometrics 10, 417-451).
#ifndef INITCHECK_VERIFY_CHI_SQUARE_H_
#define INITCHECK_VERIFY_CHI_SQUARE_H_

#include <cstdint>
#include <span>
#include <vector>

#include "initcheck/verify/gof.h"
#include "initcheck/verify/result.h"

namespace initcheck::verify {

inline constexpr int kChiSquareMaxBins = 50;
inline constexpr int kChiSquareMinExpected = 20;

// The rule above; 0 when n < 2 * kChiSquareMinExpected.
int chi_square_bins(int64_t n);

// P(chi2_dof >= x2).
double chi_square_pvalue(double x2, double dof);

// Counts of the equiprobable bins (k bins; the PIT binning described above).
std::vector<int64_t> equiprobable_counts(const GofInput& in, int bins);

// name "chi_square", statistic X^2, dof k-1, details {"bins",
// "worst_bin", "worst_ratio"} (the bin whose count is furthest from E in
// standard units, and its count / E). bins = 0 uses chi_square_bins(n).
TestResult chi_square_test(const GofInput& in, int bins = 0);
// The same with chi_square_bins(n) bins, from a summary.
TestResult chi_square_test(const GofSummary& in);

// General Pearson test: observed counts against expected probabilities
// (which must sum to 1 within 1e-9; both spans have the same length >= 2).
TestResult chi_square_test(std::span<const double> observed,
                           std::span<const double> expected_probabilities,
                           int estimated_parameters = 0);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_CHI_SQUARE_H_
