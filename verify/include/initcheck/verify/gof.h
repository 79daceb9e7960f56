// File: initcheck/verify/gof.h
//
// GofInput: a sample prepared once for the goodness-of-fit tests: sorted, and
// with the probability integral transform (PIT) u_i = F(x_(i)) evaluated once
// and shared by KS, Anderson-Darling, chi-square and the extremes test
// (statistics note §4.1: a fully specified continuous F maps the sample to
// U(0,1), so one set of case-0 tests serves every target).
//
//   GofInput in = make_gof_input(values, Normal(0, 0.02));
//   TestResult ks = ks_test(in);              // ks.h
//   TestResult ad = anderson_darling_test(in);  // anderson_darling.h
//   TestResult cs = chi_square_test(in);      // chi_square.h
//   TestResult sp = support_test(in, target); // support.h
//
// Both tails are stored: cdf[i] = u_i and sf[i] = 1 - u_i, each computed with
// full relative accuracy (1 - u_i computed as 1 - cdf would be 0 for a value
// 9 sd above a normal mean; sf keeps it at 1e-19), from one tail evaluation
// per value.
//
// Values on a coarse grid (ValueGrid). Weights stored in float32, float16 or
// bfloat16 take only the values of that format, while the target is
// continuous. Each stored value v stands for its rounding cell, the reals that
// round to v, [v - gap_below/2, v + gap_above/2] intersected with the target's
// support. The randomized PIT u = F(lo) + U (F(hi) - F(lo)), U ~ U(0,1) drawn
// from a fixed-seed hash of the value's rank (so results are reproducible), is
// then exactly U(0,1) under H0 for the rounded law (the randomized PIT for
// discrete data: Brockwell, "Universal residuals: a multivariate
// transformation", Stat. Prob. Letters 77 (2007) 1473-1478; Czado, Gneiting &
// Held, Biometrics 65 (2009) 1254-1261). Values whose whole cell lies outside
// the support count as outside.
//   kExact     the values are the reals themselves (double data). A value
//              exactly at a finite support bound has u = 0 or 1, which the AD
//              and extremes tests treat as impossible (p = 0): the generator
//              produced the bound itself, which has probability 0.
//   kFloat32   cells are < 1.2e-7 relative wide, far below what any test here
//              resolves, so only cells that touch a support bound are
//              randomized (a float uniform on [a, b) hits a exactly with
//              probability ~2^-24 per value, i.e. often at n = 10^7; and a
//              bound that is not a float has its nearest float just outside).
//              Interior values use u = F(v). The float overload of
//              make_gof_input uses this grid.
//   kFloat16, kBFloat16   cells are up to 2^-11 / 2^-8 relative wide, which KS
//              and chi-square at n = 10^6..10^7 would flag as a misfit, so
//              every value gets the randomized PIT (two tail evaluations per
//              value).
#ifndef INITCHECK_VERIFY_GOF_H_
#define INITCHECK_VERIFY_GOF_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "initcheck/verify/distributions.h"
#include "initcheck/verify/result.h"

namespace initcheck::verify {

enum class ValueGrid { kExact, kFloat32, kFloat16, kBFloat16 };

struct GofInput {
  std::vector<double> sorted;  // the sample without NaNs, ascending
  std::vector<double> cdf;     // u_i, nondecreasing, aligned with `sorted`
  std::vector<double> sf;      // 1 - u_i, nonincreasing
  int64_t n_nan = 0;           // NaNs dropped from `sorted`
  int64_t n_below = 0;         // values below the support (cell entirely below)
  int64_t n_above = 0;         // values above the support
  int64_t n_pit_zero = 0;      // values with u_i == 0 (at or below the support)
  int64_t n_pit_one = 0;       // values with 1 - u_i == 0
  ValueGrid grid = ValueGrid::kExact;
  std::string target;  // Distribution::description() of the target

  int64_t size() const { return static_cast<int64_t>(sorted.size()); }
  int64_t n_outside() const { return n_below + n_above; }
};

// What the order-statistic tests need from a prepared sample, without its
// O(n) arrays: the battery streams the sorted values through the PIT in
// fixed blocks and keeps only this (verify/src/pipeline.h), so a tensor's
// check needs no per-value array beyond one sorted copy. summarize_gof()
// computes it from a GofInput with the same block kernels, so both routes
// give bit-identical statistics for the same cdf/sf values. The tests
// (ks_test, anderson_darling_test, chi_square_test, support_test, ...) take
// either.
struct GofSummary {
  int64_t n = 0;           // values (NaNs excluded)
  int64_t n_nan = 0;
  int64_t n_below = 0, n_above = 0;
  int64_t n_pit_zero = 0, n_pit_one = 0;
  ValueGrid grid = ValueGrid::kExact;
  std::string target;
  double min = kNaN, max = kNaN;      // sorted.front(), sorted.back()
  double u_min = kNaN, s_max = kNaN;  // cdf.front(), sf.back()
  double u_max = kNaN, s_min = kNaN;  // cdf.back(), sf.front() (the PIT range
                                      // F(max) - F(min) of extremes_test, from
                                      // whichever tail keeps it accurate)
  double median = kNaN;               // sorted[n/2] (mean of the middle two)
  double tie_probability = 0;         // tie_probability(sorted)
  // KS: D+ = max (i+1)/n - u_i, D- = max u_i - i/n, first indices.
  double ks_d_plus = kNaN, ks_d_minus = kNaN;
  int64_t ks_i_plus = -1, ks_i_minus = -1;
  double ks_x_plus = kNaN, ks_x_minus = kNaN;  // sorted[] at those indices
  // Anderson-Darling: values with u = 0 or 1, and A^2 = -n - (1/n) sum_i
  // (2i+1) ln u_i + (2n-1-2i) ln s_i (anderson_darling.h).
  int64_t ad_n_edge = 0;
  double ad_a2 = kNaN;  // A^2, +inf when ad_n_edge > 0
  // Equiprobable chi-square counts for chi_square_bins(n) bins (empty when
  // n is too small).
  std::vector<int64_t> chi_counts;

  int64_t size() const { return n; }
  int64_t n_outside() const { return n_below + n_above; }
};

GofSummary summarize_gof(const GofInput& in);

// The key of the randomized PIT: a hash of the sample as a multiset
// (reproducible, different for different samples, independent of the order
// the values came in). `sorted` in any order.
uint64_t sample_key(std::span<const double> values);

GofInput make_gof_input(std::span<const double> x, const Distribution& target,
                        ValueGrid grid = ValueGrid::kExact);
// Float data: grid kFloat32 by default.
GofInput make_gof_input(std::span<const float> x, const Distribution& target,
                        ValueGrid grid = ValueGrid::kFloat32);

// The rounding cell [lo, hi] of value v on the grid (lo = hi = v for kExact).
void value_cell(double v, ValueGrid grid, double* lo, double* hi);

// Estimated probability that two independent values of this sample are
// exactly equal: sum over distinct values of C(m_v, 2) / C(n, 2) for the
// sorted sample. 0 for continuous double data; about 1.4e-8 for N(0,1) data
// stored as float32 (sum over floats of p_v^2). The duplicate-row and
// repeated-window tests (independence.h) use it to calibrate their null.
double tie_probability(std::span<const double> sorted);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_GOF_H_
