// Internal: the SIMD kernels of the verification battery (verify/src/
// kernels.cc, Highway with runtime dispatch). Not installed.
//
// Every kernel gives the same bits on every instruction set: only correctly
// rounded IEEE operations (add, sub, mul, div, conversions; no fused
// multiply-add, the build has -ffp-contract=off), in the same order per
// value, and every sum keeps 8 partial sums by index mod 8 whatever the
// vector width, added in a fixed order at the end ((0+1)+(2+3))+((4+5)+(6+7)).
// So a result does not depend on the CPU (AVX-512, AVX2, SSE4 or scalar) nor
// on how many threads the caller uses (callers cut the data into fixed-size
// blocks and add the block results in index order).
#ifndef INITCHECK_VERIFY_SRC_KERNELS_H_
#define INITCHECK_VERIFY_SRC_KERNELS_H_

#include <cstddef>
#include <cstdint>

#include "initcheck/dtype.h"

namespace initcheck::verify::internal {

// out[i] = element i of the `dtype` array at src, as a double (f16/bf16
// decoded exactly). -0.0 becomes +0.0 when `canonical_zero`.
void DecodeToDouble(const void* src, DType dtype, size_t n, double* out);

// The canonical float copy for sorting: out[i] = in[i] with -0.0 -> +0.0
// (sorting then has one result: -0.0 and +0.0 compare equal).
void CopyCanonicalF32(const float* in, size_t n, float* out);
void CopyCanonicalF64(const double* in, size_t n, double* out);

// The parallel sort's partition passes (SortedCopy), on canonical values
// (-0.0 -> +0.0): value v belongs to part #{j < parts - 1 : v >= split[j]}
// (split ascending, parts <= kMaxVectorParts). PartCounts adds each part's
// count to counts[p]; PartScatter appends each value at dst[p], advancing
// it (input order kept within a part).
inline constexpr size_t kMaxVectorParts = 8;
void PartCounts(const float* in, size_t n, const float* split, size_t parts,
                size_t* counts);
void PartCounts(const double* in, size_t n, const double* split, size_t parts,
                size_t* counts);
void PartScatter(const float* in, size_t n, const float* split, size_t parts,
                 float** dst);
void PartScatter(const double* in, size_t n, const double* split, size_t parts,
                 double** dst);

// --- Special functions (vector versions; exposed for tests) ---------------
// out[i] = log(x[i]) for x[i] > 0 finite (normal or subnormal): Sun's
// fdlibm e_log.c method (x = 2^k (1+f), s = f/(2+f), log(1+f) = f - s(f -
// R(s^2)) with its minimax coefficients Lg1..Lg7), < 1 ulp.
void LogArray(const double* x, size_t n, double* out);
// out[i] = erfc(x[i]) for 0 <= x[i] < kErfcVectorMax: fdlibm s_erf.c's
// rational approximations (Sun Microsystems 1993) on [0, 0.84375),
// [0.84375, 1.25), [1.25, 1/0.35) and [1/0.35, 28), with exp(-x^2 - 0.5625 +
// R/S) evaluated as ONE exp of an argument kept exact to ~1e-17 (x^2 split
// as z^2 + (z - x)(z + x), z = x with 32 low bits cleared; the reduction by
// k ln 2 uses fdlibm e_exp.c's ln2 split and polynomial P1..P5). About 1 ulp
// (tested against Boost.Math in long double). Lanes >= kErfcVectorMax or NaN
// are the caller's (scalar) business: the result there is unspecified.
inline constexpr double kErfcVectorMax = 26.0;
void ErfcArray(const double* x, size_t n, double* out);

// --- Normal scores ---------------------------------------------------------
// z[i] = Phi^-1(max(u[i], eps)) where u[i] <= 1/2, else
// -Phi^-1(max(s[i], eps)) (u, s: a PIT and its complement), by Wichura's
// AS 241 (relative error ~1e-16; Mul then Add, no fused multiply-add: the
// same bits on every instruction set). u, s in [0, 1]; z may alias u.
void NormalScoresOfTails(const double* u, const double* s, size_t n,
                         double eps, double* z);
// The same for Uniform(a, b) from the values x (z may alias x): p = (x -
// a)/(b - a) or (b - x)/(b - a), whichever is <= 1/2, one division.
void NormalScoresUniform(const double* x, size_t n, double a, double b,
                         double eps, double* z);

// --- Probability integral transform of sorted values ----------------------
// u[i] = F(x[i]), s[i] = 1 - F(x[i]) (each relative-accurate), with the same
// formulas as Distribution::cdf_sf. Lanes the vector code does not handle
// (normal: |z|/sqrt2 >= kErfcVectorMax; truncated normal: also values
// within the midpoint-rule band of a bound, see distributions.cc) are listed
// in `fallback` (indices, ascending; room for n) and their count returned;
// the caller computes those with the scalar Distribution.
// Uniform: (x - a)/(b - a) and (b - x)/(b - a), as Uniform::cdf/sf.
void PitUniform(const double* x, size_t n, double a, double b, double* u,
                double* s);
void PitUniform(const float* x, size_t n, double a, double b, double* u,
                double* s);
size_t PitNormal(const double* x, size_t n, double mean, double sd, double* u,
                 double* s, uint32_t* fallback);
size_t PitNormal(const float* x, size_t n, double mean, double sd, double* u,
                 double* s, uint32_t* fallback);
struct TruncParams {
  double mu, sigma, a, b, alpha, beta;
  double phi_lo_a, q_a, phi_lo_b, q_b, z;
};
size_t PitTruncNormal(const double* x, size_t n, const TruncParams& p,
                      double* u, double* s, uint32_t* fallback);
size_t PitTruncNormal(const float* x, size_t n, const TruncParams& p,
                      double* u, double* s, uint32_t* fallback);

// --- Goodness-of-fit accumulation over one block of sorted PIT values -----
// u, s: the block's PIT and 1 - PIT; global indices i0 .. i0 + m - 1 of a
// sample of n values (inv_n = 1 / n computed by the caller).
struct GofBlock {
  // KS: max over the block of (i+1)/n - u_i and u_i - i/n, and the first
  // index (global) where each is attained.
  double d_plus = -1e300, d_minus = -1e300;
  int64_t i_plus = -1, i_minus = -1;
  // Anderson-Darling: values with !(u > 0) or !(s > 0); when there are none,
  // sum_i (2i+1) ln u_i + (2n-1-2i) ln s_i over the block (8 partial sums).
  int64_t n_edge = 0;
  double ad_sum = 0;
  // Ranges of u and s in the block (for the chi-square cuts).
  double u_min = 1e300, u_max = -1e300, s_min = 1e300, s_max = -1e300;
};
// `with_ad` false skips the logarithms (the caller knows A^2 is infinite).
void AccumulateGof(const double* u, const double* s, size_t m, int64_t i0,
                   int64_t n, bool with_ad, GofBlock* out);
// Number of i < m with u[i] < p (pred false for a lower cut), or with
// s[i] > q (for an upper cut).
size_t CountBelow(const double* u, size_t m, double p);
size_t CountAbove(const double* s, size_t m, double q);

// --- Moments --------------------------------------------------------------
// One block of finite values: its mean (sum / m, 8 partial sums) and the
// sums of d, d^2, d^3, d^4 with d = x - that mean; min and max.
struct MomentBlock {
  double mean = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0;
  double min = 0, max = 0;
};
void BlockMoments(const double* x, size_t m, MomentBlock* out);
// Number of non-finite values (NaN or +-inf) among x[0, m).
size_t CountNonFinite(const double* x, size_t m);

// sum_{i < m} (x_i - c)(x_{i+lag} - c): x holds m + lag values.
double LaggedProducts(const double* x, size_t m, int lag, double c);
// Sum over i < m of x[i] (8 partial sums).
double BlockSum(const double* x, size_t m);
// sum (a_i - ca)(b_i - cb) and sum (b_i - cb)^2 over i < m.
void CenteredDotAndSquares(const double* a, double ca, const double* b,
                           double cb, size_t m, double* dot, double* ss);
double CenteredSquares(const double* b, double cb, size_t m);

// Runs above/below a threshold c: bits[i] = x_i > c, and the count of
// x_i == c (those are skipped by the runs test).
void AboveBits(const double* x, size_t m, double c, uint64_t* bits,
               size_t* n_equal);

// --- Hashes ---------------------------------------------------------------
// g[i] = a 32-bit hash of the value x[i] (equal values, and +0.0 / -0.0,
// hash alike), stored in the low half of a u64.
void ValueHashes(const double* x, size_t m, uint64_t* g);
// h[i] = sum_{j < w} g[i + j] * K_j mod 2^64 for i < nw (g holds nw + w - 1
// entries), K_j = kWindowKeys[j], fixed odd 32-bit constants: every bit of
// the high half depends on every g. w <= 64.
void WindowHashes(const uint64_t* g, size_t nw, int w, uint64_t* h);
struct WindowKeys {
  uint32_t k[64];
  constexpr WindowKeys() : k{} {
    // Upper halves of SplitMix64's outputs for 1..64, made odd.
    uint64_t z = 0;
    for (int j = 0; j < 64; ++j) {
      z += 0x9E3779B97F4A7C15ull;
      uint64_t t = z;
      t = (t ^ (t >> 30)) * 0xBF58476D1CE4E5B9ull;
      t = (t ^ (t >> 27)) * 0x94D049BB133111EBull;
      t ^= t >> 31;
      k[j] = static_cast<uint32_t>(t >> 32) | 1u;
    }
  }
};
inline constexpr WindowKeys kWindowKeys;
// The same hash of one window from its w hashes g[0, w).
inline uint64_t WindowHashOf(const uint64_t* g, int w) {
  uint64_t acc = 0;
  for (int j = 0; j < w; ++j)
    acc += (g[j] & 0xffffffffu) * static_cast<uint64_t>(kWindowKeys.k[j]);
  return acc;
}
// One row (or any sequence) hashed as a polynomial mod 2^64.
uint64_t SequenceHash(const uint64_t* g, size_t m);
// sum_i g(x_i) mod 2^64 with g as in ValueHashes (a multiset hash).
uint64_t HashSumF32(const float* x, size_t n);
uint64_t HashSumF64(const double* x, size_t n);

// --- Ties ---------------------------------------------------------------
// bits: bit i (of word i / 64) = (x[i] == x[i+1]) for i < m - 1; x holds m
// values (m >= 1); ceil((m-1)/64) words written.
void EqualAdjacentBitsF32(const float* x, size_t m, uint64_t* bits);
void EqualAdjacentBitsF64(const double* x, size_t m, uint64_t* bits);
// The tie filter's bit index of a value: the top k bits of bits64(x) *
// 0x9E3779B97F4A7C15 (Fibonacci hashing; +0.0 and -0.0 alike).
uint64_t TieIndex(double x, int k);
// out bit i = bitmap bit TieIndex(x[i], k), for i < m (ceil(m/64) words).
void TieFilterBits(const double* x, size_t m, const uint64_t* bitmap, int k,
                   uint64_t* out);

}  // namespace initcheck::verify::internal

#endif  // INITCHECK_VERIFY_SRC_KERNELS_H_
