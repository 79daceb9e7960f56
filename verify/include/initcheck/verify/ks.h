// File: initcheck/verify/ks.h
//
// One-sample Kolmogorov-Smirnov test of a fully specified continuous target,
// with the exact distribution of the two-sided statistic.
//
// Statistic (sorted PIT values u_1 <= ... <= u_n):
//   D+ = max_i (i/n - u_i)    (the ECDF above the target)
//   D- = max_i (u_i - (i-1)/n) (the ECDF below the target)
//   D  = max(D+, D-)
//
// p-value P(D_n >= d) follows Simard & L'Ecuyer (2011), "Computing the
// Two-Sided Kolmogorov-Smirnov Distribution", J. Stat. Softw. 39(11), which
// picks, per region of (n, d), a method that is both fast and accurate
// (t = n d, w = n d^2):
//   t <= 1/2: p = 1;  1/2 < t <= 1 or t >= n - 1: Ruben & Gambino (1982)
//       closed forms P(D_n < d) = n! (2d - 1/n)^n and P(D_n >= d) = 2 (1-d)^n.
//   d >= 1/2: p = 2 P(D_n+ >= d), exact there (D+ and D- cannot both be >= d).
//   n <= 140: w < 0.754693 Durbin matrix (below); w < 4 Pomeranz (below);
//       else 2 P(D_n+ >= d) (the intersection term is below 1e-14 relative).
//   n > 140: w >= 2.2: 2 P(D_n+ >= d) (intersection term < 2e-6 relative; 0
//       for w >= 370); else Durbin if n <= 10^5 and n d^1.5 < 1.4, else the
//       Pelz-Good series.
// Methods:
//   Durbin (1973) matrix: P(D_n < d) = n!/n^n (H^n)_{kk}, k = ceil(n d),
//     H of order 2k-1 with entries 1/(i-j+1)! corrected by powers of
//     h = k - n d in the first column and last row; as evaluated by Marsaglia,
//     Tsang & Wang (2003), "Evaluating Kolmogorov's Distribution", J. Stat.
//     Softw. 8(18) (binary powering with exponent tracking).
//   Pomeranz (1974), Comm. ACM 17(12), Algorithm 487: the order statistics
//     must stay in a band whose edges sit at i - t and i - 1 + t (units of
//     1/n); between consecutive edges the count of points is multinomial, so a
//     forward recursion over the edges, V'[m] = sum_{m' <= m} V[m']
//     Delta^{m-m'}/(m-m')!, truncated to the allowed counts at each edge, gives
//     P(D_n < d) = n!/n^n V[n]. All terms are positive: no cancellation.
//   One-sided (Smirnov 1944; Birnbaum & Tingey 1951, Ann. Math. Stat. 22):
//     P(D_n+ >= d) = d sum_{j=0}^{floor(n(1-d))} C(n,j) (d + j/n)^{j-1}
//                    (1 - d - j/n)^{n-j},
//     summed in log space for n <= 5000. For larger n the summand is a smooth
//     function of j whose mass spans O(sqrt n) ... O(n) terms and which
//     vanishes to all orders at both ends, so by the Euler-Maclaurin formula
//     the sum equals the integral over j to far below double precision. With
//     Stirling's formula for C(n, j) the O(n log n) parts of the log-summand
//     cancel analytically (t = j/n):
//       -log(2 pi n t(1-t))/2 - log(d+t)
//       + n [t log1p(d/t) + (1-t) log1p(-d/(1-t))] + stirling corrections,
//     which is accurate to ~1e-14; it is integrated by adaptive Gauss-Kronrod
//     (61 points) in O(1) time. Checked against the direct sum to < 1e-9
//     relative up to n = 10^6 (ks_test.cc).
//   Pelz & Good (1976), J. R. Stat. Soc. B 38(2) 152-156, as given by Simard &
//     L'Ecuyer §2.4 (sums over all integers k):
//     P(D_n < d) ~ K0(z) + K1(z)/sqrt(n) + K2(z)/n + K3(z)/n^1.5, z = d sqrt n.
// Accuracy: agrees with SciPy 1.10 scipy.stats.kstwo.sf (which implements the
// same selection) to < 1e-4 relative wherever p > 1e-12 for 5 <= n <= 10^7;
// the golden test (ks_golden_test.cc) reports the worst error measured.
// Cost: about 1 ms per call at n = 10^7 in any region (measured); the worst
// case is the Durbin matrix near n = 10^5 (order ~115): ~15 ms.
#ifndef INITCHECK_VERIFY_KS_H_
#define INITCHECK_VERIFY_KS_H_

#include <cstdint>
#include <span>
#include <string_view>

#include "initcheck/verify/gof.h"
#include "initcheck/verify/result.h"

namespace initcheck::verify {

struct KsStatistic {
  double d = kNaN;
  double d_plus = kNaN;
  double d_minus = kNaN;
  int64_t argmax = -1;  // index (in sorted order) where D is attained
};

// From the sorted PIT values u_i (ascending).
KsStatistic ks_statistic(std::span<const double> sorted_cdf);

// Two-sided p-value P(D_n >= d) for n >= 1 (exact up to the method accuracy
// above). d <= 0 gives 1, d >= 1 gives 0. Throws initcheck::Error for n < 1.
double ks_pvalue(int64_t n, double d);
// P(D_n < d) = 1 - ks_pvalue(n, d), but computed directly where it is small.
double ks_cdf(int64_t n, double d);
// One-sided P(D_n+ >= d) (= P(D_n- >= d)), exact.
double ks_one_sided_pvalue(int64_t n, double d);

enum class KsMethod {
  kTrivial,       // p = 0 or 1
  kRubenGambino,  // closed forms near the ends
  kDurbin,
  kPomeranz,
  kSmirnov,  // 2 * one-sided
  kPelzGood,
};
KsMethod ks_pvalue_method(int64_t n, double d);
std::string_view ks_method_name(KsMethod m);

// The KS test on a prepared sample: name "ks", statistic D, details
// {"d_plus", "d_minus", "sqrt_n_d", "x_at_max"}; reliable for n >= 1.
TestResult ks_test(const GofInput& in);
TestResult ks_test(const GofSummary& in);

// Building blocks, exposed for cross-checks in tests.
namespace ks_detail {
double durbin_cdf(int64_t n, double d);        // P(D_n < d), any d in (0, 1)
double pomeranz_cdf(int64_t n, double d);      // P(D_n < d), moderate n
double pelz_good_cdf(int64_t n, double d);     // asymptotic series
double smirnov_sum(int64_t n, double d);       // exact sum, O(n)
double smirnov_integral(int64_t n, double d);  // large-n form, O(1)
}  // namespace ks_detail

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_KS_H_
