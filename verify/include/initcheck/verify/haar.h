// File: initcheck/verify/haar.h
//
// Tests of the DISTRIBUTION of an orthogonal matrix's entries against the
// Haar measure. Orthogonality (Q^T Q = gain^2 I) and the sign tests of the
// battery say nothing about the entries: a random signed permutation
// (entries 0, +-1) and a randomized Hadamard matrix (every |entry| =
// 1/sqrt(m)) are exactly orthogonal and have fair random signs, yet are far
// from Haar. These tests see them.
//
// Setting: q is the m x k "tall view" (m >= k) of the weight divided by the
// gain, with orthonormal columns (the torch/keras wide case is transposed
// first). Under Haar measure (Q = the first k columns of a Haar-distributed
// orthogonal m x m matrix, which QR of a Gaussian with the sign fix gives:
// Mezzadri 2007), for any fixed unit vectors a in R^m, b in R^k, q b is
// uniform on the sphere S^(m-1), so
//   (a^T q b)^2 ~ Beta(1/2, (m-1)/2)  exactly
// (the squared first coordinate of a uniform unit vector: g_1^2 / |g|^2 with
// g ~ N(0, I_m) is chi2_1 / (chi2_1 + chi2_(m-1))). With a, b coordinate
// vectors this is the law of each entry q_ij^2.
//
// haar_entries_test ("haar_entries"): Pearson chi-square of ALL m k squared
//   entries against Beta(1/2, (m-1)/2), k_b equiprobable bins at the Beta
//   quantiles (chi_square.h's rule: k_b = clamp(floor(mk / 20), 2, 50)),
//   p = P(chi2_(k_b - 1) >= X^2). The marginal is exact; the entries are
//   not independent (each column has unit norm, columns are orthogonal),
//   and these constraints make the bin counts LESS variable than a
//   multinomial's, so the p-value is conservative. Measured (NumPy QR with
//   the sign fix; rejection rates at nominal 0.05 / 0.01 / 0.001): 8x8
//   (20000 matrices): 0.023 / 0.004 / 0.0003; 16x16: 0.036 / 0.0066 /
//   0.0006; 64x64: 0.043 / 0.007 / 0.0006; 256x256 (1000): 0.041 / 0.008 /
//   0; 512x128: 0.041 / 0.008 / 0; 144x64: 0.040 / 0.0063 / 0.0007;
//   1000x3: 0.041 / 0.0071 / 0.0005. float16 and bfloat16 entries sit on a
//   grid whose cells can straddle a cut (bfloat16 spacing is 2^-8 relative:
//   at 65536 entries the plain counts reject a correct bf16 Haar matrix,
//   p ~ 1e-15): such values are binned by the randomized PIT over their
//   cell (gof.h), exact for the rounded law. reliable = m k >= 40 and m >= 2 (at
//   least 2 bins of 20 expected). A chi-square, not KS: the Beta CDF costs
//   1.5 us per value in Boost (0.4 s for 512 x 512), the bins cost 49
//   quantiles once. Power: a signed permutation puts every count in the
//   first and last bins, a randomized Hadamard all of them in one bin, a
//   block-diagonal Haar half of them in the first bin: X^2 ~ mk (k_b - 1).
//
// haar_projection_test ("haar_projection"): s = sum_ij q_ij / sqrt(m k) =
//   a^T q b with a = 1/sqrt(m), b = 1/sqrt(k): s^2 ~ Beta(1/2, (m-1)/2)
//   EXACTLY. Two-sided p = min(1, 2 min(P(S^2 <= s^2), P(S^2 >= s^2)))
//   (Boost ibeta / ibetac): too large when the entries share a sign pattern
//   (SVD of a non-centred matrix, a DCT-like basis with a constant vector),
//   too small when every row or column sums to zero (a basis orthogonal to
//   the constant vector). reliable for m >= 2.
//
// haar_trace_test ("haar_trace"), square q only (m = k): t = tr(q). Under
//   Haar measure on O(m), E t = 0, Var t = 1 exactly, and the moments of t
//   equal those of N(0, 1) up to order m - 1 (Diaconis & Shahshahani 1994,
//   J. Appl. Probab. 31A; Stolz 2005), with a total-variation distance to
//   N(0, 1) that decays faster than exponentially in m (Johansson 1997,
//   Ann. Math. 145). z = t, two-sided normal p-value; reliable = m >= 32
//   (measured by simulation: P(|t| > 3) = 0.0020-0.0032 for m = 8..256
//   against 0.0027, P(|t| > 3.5) = 0.0004-0.0010 against 0.00047). Catches
//   an orthogonal matrix near the identity (a Householder reflection
//   I - 2vv^T has t = m - 2, a few Givens rotations of I t ~ m).
//
// All three take the tall view as row-major m x k values and the gain.
#ifndef INITCHECK_VERIFY_HAAR_H_
#define INITCHECK_VERIFY_HAAR_H_

#include <cstdint>
#include <span>

#include "initcheck/verify/gof.h"
#include "initcheck/verify/result.h"

namespace initcheck::verify {

// P(B <= x) and P(B >= x) for B ~ Beta(1/2, (m-1)/2), the law of a squared
// coordinate of a uniform unit vector in R^m (m >= 2).
double haar_entry_cdf(int64_t m, double x);
double haar_entry_sf(int64_t m, double x);

// grid: the values' format (float16/bfloat16 values are binned by the
// randomized PIT over their rounding cells, as in gof.h).
TestResult haar_entries_test(std::span<const double> q, int64_t m, int64_t k,
                             double gain, ValueGrid grid = ValueGrid::kExact);
TestResult haar_projection_test(std::span<const double> q, int64_t m,
                                int64_t k, double gain);
TestResult haar_trace_test(std::span<const double> q, int64_t m, int64_t k,
                           double gain);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_HAAR_H_
