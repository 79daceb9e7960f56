// File: initcheck/verify/anderson_darling.h
//
// Anderson-Darling test, case 0 (the target is fully specified; no parameter
// is estimated from the data).
//
// Statistic (Anderson & Darling 1954, "A test of goodness of fit", JASA 49,
// 765-769), from the sorted PIT values u_1 <= ... <= u_n:
//   A^2 = -n - (1/n) sum_{i=1}^n (2i-1) [ln u_i + ln(1 - u_{n+1-i})]
//       = -n - (1/n) sum_{i=1}^n [(2i-1) ln u_i + (2n+1-2i) ln(1 - u_i)],
// with 1 - u_i taken from GofInput::sf (accurate in the upper tail). The sum
// is accumulated in 8 double partial sums per block of 2048 values (by
// index mod 8) and the block sums in long double (A^2 is a difference of two
// O(n) numbers); the logarithms are fdlibm's method in SIMD (< 1 ulp;
// verify/src/kernels.h). Checked against the textbook formula in long
// double to 1e-13 (anderson_darling_test.cc).
// A value with u_i = 0 or 1 (at or beyond a bound of the support, or so far
// in a tail that the target's cdf/sf underflows) makes A^2 infinite: the
// sample is impossible under H0, the p-value is 0, and the result's note and
// detail "n_at_edge" say how many values did it.
//
// p-value, following Marsaglia & Marsaglia (2004), "Evaluating the
// Anderson-Darling Distribution", J. Stat. Softw. 9(2):
//   P(A^2_n < z) ~= ADinf(z) + errfix(n, ADinf(z)).
// ADinf is the limiting cdf as the full series of Anderson & Darling (1952,
// Ann. Math. Stat. 23, 193-212, eq. for the limit of W_n^2 with weight
// 1/(u(1-u))):
//   ADinf(z) = (sqrt(2 pi)/z) sum_{j>=0} a_j (4j+1) exp(-(4j+1)^2 pi^2/(8z))
//              * int_0^inf exp(z/(8(w^2+1)) - (4j+1)^2 pi^2 w^2/(8z)) dw,
//   a_j = (-1)^j Gamma(j+1/2)/(Gamma(1/2) j!),
// with the integrals done by Gauss-Kronrod quadrature (M&M use an erfc
// series for them; the value is the same to ~1e-15). NOT M&M's short
// `adinf` fit, which is a double exponential and collapses in the tail (at
// z = 12 it gives 1.95e-8 instead of 1.71e-6; statistics note §4.3).
// Upper tail: 1 - ADinf(z) loses relative accuracy below ~1e-10, so for
// z > 20 the p-value uses the tail asymptote of the limiting law
// A^2 = sum_j Z_j^2/(j(j+1)): the largest weight is 1/2 and
// prod_{j>=2} (1 - 2/(j(j+1)))^{-1/2} = sqrt(3), so
// P(A^2 > z) ~ sqrt(3) erfc(sqrt z) (1 + a/z), with a matched to the series
// at z = 20 (a ~= 0.3).
// errfix(n, x) is M&M's finite-n correction (their eq. with g1, g2, g3 and
// coefficients fitted to simulations). One change, documented and tested: in
// the upper region (x > 0.8) we use (g3(x) - g3(1))/n instead of g3(x)/n.
// The published g3 has g3(1) = -0.0006 (rounding of its coefficients), which
// would put a floor of 0.0006/n under every p-value (6e-6 at n = 100, above
// the project's alpha); subtracting it makes P(A^2_n >= z) -> 0 as z -> inf
// and changes the p-value by at most 0.0006/n elsewhere (a jump of that size
// at x = 0.8, where p ~ 0.2).
// Accuracy: ADinf to ~1e-14 absolute (tests: the note's values 1.71e-6 at
// z = 12, 1e-6 at 12.516; the classical 5% point 2.492); finite n: M&M's
// code comments that the correction is not meant for n < 7 (statistics note
// §4.3), so reliable = n >= 8; Monte Carlo checks of the 5% and 1% levels at
// n = 8, 20, 100 in anderson_darling_test.cc.
#ifndef INITCHECK_VERIFY_ANDERSON_DARLING_H_
#define INITCHECK_VERIFY_ANDERSON_DARLING_H_

#include <cstdint>
#include <span>

#include "initcheck/verify/gof.h"
#include "initcheck/verify/result.h"

namespace initcheck::verify {

struct AdStatistic {
  double a2 = kNaN;
  int64_t n_at_edge = 0;  // values with u = 0 or 1 (A^2 is then +inf)
};

// From aligned cdf (ascending) and sf = 1 - cdf arrays.
AdStatistic ad_statistic(std::span<const double> sorted_cdf,
                         std::span<const double> sorted_sf);

// Limiting distribution: P(A^2 < z) by the full series, and its upper tail.
double ad_inf_cdf(double z);
double ad_inf_sf(double z);
// M&M's finite-n correction to add to ad_inf_cdf (with the g3 change above).
double ad_errfix(int64_t n, double x);
// P(A^2_n >= z): the case-0 p-value for sample size n.
double ad_pvalue(int64_t n, double z);

// name "anderson_darling", statistic A^2, details {"n_at_edge"}.
TestResult anderson_darling_test(const GofInput& in);
TestResult anderson_darling_test(const GofSummary& in);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_ANDERSON_DARLING_H_
