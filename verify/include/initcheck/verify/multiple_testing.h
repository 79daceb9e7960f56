// File: initcheck/verify/multiple_testing.h
//
// Family-wise error control for a battery of tests on one tensor (or on a
// whole CI run).
//
// kDefaultFamilyAlpha = 1e-6 is the project's default family-wise
// false-alarm rate: the probability that a CORRECT initializer fails a
// battery. A CI run checks on the order of 100 tensor batteries, so by the
// union bound the chance that any of them raises a false alarm is
// <= 100 x 1e-6 = 1e-4 per run: CI never flakes in practice (about once per
// 10^4 runs), while the tests keep their power: at alpha = 1e-6 the two-sided
// z threshold is 4.89 (vs 3.29 at 1e-3), which the sample sizes in the
// statistics note §5.4 are designed for (e.g. a 2% variance error at
// n ~ 2.6e5 for a normal target, power 0.99). Per-test thresholds come from
// Holm's procedure over the battery's p-values at this family alpha.
//
// Holm (1979), "A simple sequentially rejective multiple test procedure",
// Scand. J. Statist. 6, 65-70: sort the m p-values p_(1) <= ... <= p_(m);
// adjusted p_(i) = max_{j <= i} min(1, (m - j + 1) p_(j)) (step-down,
// monotone, >= raw, <= 1); reject H_(i) iff adjusted p_(i) <= alpha. It
// controls the family-wise error rate under any dependence between the tests
// (KS, AD and chi-square on the same sample are strongly dependent) and is
// uniformly more powerful than Bonferroni (adjusted p = min(1, m p)).
//
// NaN p-values (tests that could not run) count as 1: they stay in the family
// (m is the number of tests planned), which is conservative.
#ifndef INITCHECK_VERIFY_MULTIPLE_TESTING_H_
#define INITCHECK_VERIFY_MULTIPLE_TESTING_H_

#include <span>
#include <vector>

#include "initcheck/verify/result.h"

namespace initcheck::verify {

inline constexpr double kDefaultFamilyAlpha = 1e-6;

std::vector<double> holm_adjust(std::span<const double> p);
std::vector<double> bonferroni_adjust(std::span<const double> p);

// reject[i] = adjusted p_i <= alpha.
std::vector<bool> holm_reject(std::span<const double> p,
                              double alpha = kDefaultFamilyAlpha);
std::vector<bool> bonferroni_reject(std::span<const double> p,
                                    double alpha = kDefaultFamilyAlpha);

// Convenience for a battery: the p-values of the results, in order.
std::vector<double> p_values(std::span<const TestResult> results);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_MULTIPLE_TESTING_H_
