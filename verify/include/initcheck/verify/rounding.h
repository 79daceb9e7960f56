// File: initcheck/verify/rounding.h
//
// What storing values in a floating-point format does to a target law, and
// which format the values were made in.
//
// rounded_moments(target, grid): the mean, variance, skewness and excess
//   kurtosis of R(X), X ~ target, R = round to nearest on the grid (gof.h's
//   ValueGrid: the float32, float16 or bfloat16 numbers). The rounded law is
//   discrete: value v has probability P(X in cell(v) & support), cell(v) the
//   reals that round to v (half-way to each neighbour), so every moment is a
//   finite sum over the grid values,
//     E[R^j] = sum_v v^j P(cell(v)),
//   computed here cell by cell (exact up to floating-point summation), never
//   with Sheppard's h^2/12: that assumes one spacing h much finer than sd,
//   and is wrong where the law straddles a binade boundary (bfloat16 N(1,
//   0.02^2): the spacing is 2^-8 below 1 and 2^-7 above, the rounded
//   variance is 1.00794 sd^2, not 1 + h^2/12 sd^2) or where h ~ sd (bfloat16
//   N(1000, 1): spacing 4, a few-point law with variance 0.728 sd^2). The
//   sum runs over the grid values whose cells meet [quantile(1e-19),
//   isf(1e-19)] (the mass left out is < 2e-19, far below any test's
//   resolution); float16 and bfloat16 have at most 63,488 finite values, so
//   it always runs (f16 N(0, 0.02^2): 25,483 cells, 0.9 ms CPU). float32
//   has 2^32 values: the sum runs when the largest float32 spacing h over the
//   range exceeds 2^-16 sd (the law sits far from 0 relative to its sd:
//   N(1000, 1) has h = 2^-14 sd, 295,350 cells, 13 ms) or when at most
//   kMaxRoundedCells cells are involved; otherwise (N(0, sd), U(-b, b), N(1, 0.02^2): h <=
//   2^-17 sd) the continuous moments are returned (exact = false) with the
//   bound below.
//   Bound (any law, any grid): with e = R(X) - X, |e| <= h/2, so |E R - E X|
//   <= h/2 and |Var R - Var X| = |2 Cov(X, e) + Var e| <= sd h + h^2/4
//   (Cauchy-Schwarz); at h <= 2^-16 sd that is 1.5e-5 relative, 0.15
//   standard errors of the variance ratio at n = 10^8.
//   kExact (float64 data): the continuous moments (the float64 spacing is
//   2^-52 relative).
//
// Narrow values stored wide. A tensor computed in float32 and saved as
//   float64 (or computed in bfloat16 and saved as float32) holds only
//   numbers of the narrower format. Its values then round to that grid, not
//   the storage's: float32(b) > b for xavier_uniform's bound b, so a correct
//   value can sit just outside the float64 support. source_grid() finds the
//   coarsest format among bfloat16 (8 significand bits), float16 (11) and
//   float32 (24), narrower than the storage, that holds every finite value
//   exactly. False detection: a value of a continuous law on a finer grid
//   is also a number of a grid with p fewer significand bits with
//   probability about 2^-p per value (2^-16 for float32 data on the
//   bfloat16 grid, 2^-29 for float64 data on the float32 grid), so n values
//   all fall on it with probability 2^-pn. And when it happens, each value
//   is distributed as the rounded law conditioned on the coarser grid,
//   whose probabilities are f(v) times the fine cell width, which is
//   proportional to the coarse cell width within a binade: the law tested
//   is then still the right one up to the half-cells at binade boundaries.
#ifndef INITCHECK_VERIFY_ROUNDING_H_
#define INITCHECK_VERIFY_ROUNDING_H_

#include <cstdint>
#include <optional>
#include <span>

#include "initcheck/dtype.h"
#include "initcheck/verify/distributions.h"
#include "initcheck/verify/gof.h"

namespace initcheck::verify {

// The most cells rounded_moments sums over for float32 unless the grid is
// coarse (about 90 ms at 44 ns per cell); 2^25 is the hard cap.
inline constexpr int64_t kMaxRoundedCells = int64_t{1} << 21;

struct RoundedMoments {
  double mean = 0;
  double variance = 0;
  double skewness = 0;
  double excess_kurtosis = 0;
  // True: the sum over cells (or kExact). False: the continuous moments,
  // which differ from the rounded ones by less than `max_gap / 2` (mean) and
  // `sd max_gap + max_gap^2 / 4` (variance).
  bool exact = true;
  int64_t cells = 0;   // grid values summed over (0 for kExact)
  double max_gap = 0;  // largest grid spacing over the law's range
};

RoundedMoments rounded_moments(const Distribution& target, ValueGrid grid);

// True when v is finite and exactly a number of the grid (kExact: any
// finite double).
bool on_grid(double v, ValueGrid grid);

// The grid of a storage dtype (f64: kExact).
ValueGrid grid_of(DType t);
// The dtype of a grid (kExact: f64).
DType dtype_of(ValueGrid g);

// Detection needs at least this many distinct finite values: a few values
// such as 0, 0.25 or 1 lie on every grid, and reading a constant tensor of
// 2 values as bf16-made would make its constancy plausible.
inline constexpr int64_t kMinDistinctForDetection = 8;

// The coarsest of bf16, f16, f32 strictly narrower than `storage` on which
// every finite value of x lies; nullopt when there is none, or fewer than
// kMinDistinctForDetection distinct finite values. f16/bf16 storage: always
// nullopt.
std::optional<DType> narrower_source_dtype(std::span<const double> x,
                                           DType storage);

// Number of finite values of x not on the grid.
int64_t count_off_grid(std::span<const double> x, ValueGrid grid);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_ROUNDING_H_
