// File: initcheck/random.h
//
// The reference definition of every random value initcheck produces. The SIMD
// fills (lib/src/fill_simd.cc) reproduce these functions bit for bit; the
// tests compare the two.
//
// Reproducibility contract (stream version 2)
// --------------------------------------------
// Element i of a tensor is a pure function of (seed, stream, i) and of the
// scheme's kernel parameters: the same (seed, stream, shape, scheme, dtype)
// gives bit-identical output whatever the thread count, the chunking or the
// instruction set, and filling a contiguous slice [i0, i1) gives exactly that
// slice of the whole fill. This holds because
//   * the random words come from Philox4x32-10 keyed by the seed, with the
//     element's block index and the stream in the counter (no state);
//   * the transforms below use only IEEE-754 operations that are correctly
//     rounded (+, -, *, /, sqrt, fused multiply-add, conversions, bit
//     operations), in a fixed order, and no other calls into libm.
//
// Stream versions. Version 1 (initcheck up to the fills work of issue 14)
// had no fused multiply-add at all. Version 2 fuses, in the normal
// transforms only, the multiply-adds marked `fmadd` below: p = A + B u and
// q = C + B v, every Horner step (the polynomials of Giles and of PPND7 and
// PPND16, and the atanh series of our logs), the log's last two steps, PPND16's
// r = 0.180625 - qc^2, and the final mean + scale z. Why: the f32 normal is
// bound by the two 512-bit vector ports of an AVX-512 core (78 uops per 16
// values, of which Philox is 23), and fusing removes 13 of them; measured
// +15-30 % f32 and +10-45 % f64 normal fills on the shared development
// machine (bench/README.md), and each value is rounded fewer times. What changed: 4.2 % of the 2^24 possible f32 normals
// (plain N(0, 1)) move by 1-4 ulp, about half of the f64 normals by a few
// ulp; uniforms and everything built on them (kaiming_uniform, ...) keep
// their version-1 bits. Every target computes exactly these fused
// operations: SIMD targets with a fused multiply-add instruction (AVX2,
// AVX-512, AArch64) use it, the others (SSE4, SSSE3, scalar) run this
// reference, where std::fma is the same correctly rounded operation (a
// VFMADD where the CPU has FMA, libm's software fma otherwise).
//
// Contraction guard. A compiler may fuse a * b + c into one fused
// multiply-add (gcc's default for C++ is -ffp-contract=fast; clang's default
// -ffp-contract=on fuses within an expression), which rounds once instead of
// twice and changes the values. The fused operations of the stream are
// explicit (fmadd); the others must not be fused, and this header does not
// rely on the includer's flags for that: every other product that feeds an
// addition or subtraction goes through internal::rounded(), an empty asm statement that hands the compiler an
// opaque, already rounded value it cannot fuse (no instruction is emitted;
// the value stays in its register). Pragmas are not enough: gcc 12 ignores
// `#pragma STDC FP_CONTRACT`, and `#pragma GCC optimize("fp-contract=off")`
// holds only while gcc refuses to inline the function into a caller with
// other flags; clang 14 honours `#pragma clang fp contract(off)` under
// -ffp-contract=on but not under -ffp-contract=fast, where the backend fuses
// every fmul/fadd pair. -ffast-math (reassociation, no infinities) and excess
// precision (FLT_EVAL_METHOD != 0, x87) cannot be undone here: they are
// compile errors. lib/test/fp_contract/fp_contract_test.cmake compiles a
// probe with gcc and clang at -ffp-contract=off/on/fast on an FMA target, and
// without FMA (libm's fma), and compares the bits.
//
// Counter layout
// --------------
//   key     = (seed & 0xffffffff, seed >> 32)
//   counter = (block & 0xffffffff, block >> 32, stream & 0xffffffff,
//              stream >> 32)
// 32-bit outputs (f32, and f16/bf16 which are rounded from f32) use one word
// per element: element i takes word i % 4 of block i / 4. 64-bit outputs (f64)
// use two words: element i takes words 2(i % 2) (low half) and 2(i % 2) + 1
// (high half) of block i / 2. Bit 63 of the block index marks a second domain
// (kMaskDomain) used by schemes that need extra randomness per element (the
// zero mask of `sparse`), so it never overlaps the values.
//
// Uniform [0, 1): u = (w >> 8) * 2^-24 for f32 (24 random bits) and
// u = (w >> 11) * 2^-53 for f64 (53 bits); 0 is possible, 1 is not.
//
// Normal: inverse-CDF, one word (f32) or one 64-bit word (f64) per element,
// so truncated normals are exact by restricting the uniform. The word gives a
// sign bit s and a magnitude m (23 bits for f32, 52 for f64), and
//   small = (2m + 1) * 2^-25 (f32) or 2^-54 (f64),  0 < small < 1/2, exact,
//   u = s ? 1 - small : small,  v = 1 - u  (each side computed from `small`),
// i.e. u runs over the midpoints of a 2^24 (2^53) grid of (0, 1) and is never
// 0 or 1. A truncated normal on standardized bounds [alpha, beta] uses
//   p = A + B u,  q = C + B v,   A = Phi(alpha), C = 1 - Phi(beta),
//   B = Phi(beta) - Phi(alpha),
// so p and q = 1 - p are both computed without cancellation, and returns
// Phi^-1(p) computed from whichever of p, q is smaller. Untruncated: A = C = 0,
// B = 1. Phi^-1 is
//   f32: M. Giles, "Approximating the erfinv function", GPU Computing Gems
//        Jade Edition (2011), single-precision central branch (w < 5) with
//        w = -log(4 p q), Phi^-1(p) = sqrt(2) erfinv(p - q); for w >= 5 the
//        tail branches of Wichura's PPND7 (below);
//   f64: M. J. Wichura, "Algorithm AS 241: The percentage points of the
//        normal distribution", Applied Statistics 37(3):477-484 (1988),
//        PPND16 (relative accuracy about 1e-16).
// log() is our own (below); sqrt and division are IEEE.
#ifndef INITCHECK_RANDOM_H_
#define INITCHECK_RANDOM_H_

#include <bit>
#include <cmath>
#include <cstdint>

#include "initcheck/philox.h"

#if defined(__FAST_MATH__)
#error "initcheck/random.h: -ffast-math changes initcheck's values (reassociation, contraction, no infinities); compile this file without it"
#endif
#if defined(__FLT_EVAL_METHOD__) && __FLT_EVAL_METHOD__ != 0 && \
    __FLT_EVAL_METHOD__ != -1
#error "initcheck/random.h: needs FLT_EVAL_METHOD == 0 (no excess precision; on 32-bit x86 use -msse2 -mfpmath=sse)"
#endif

namespace initcheck {

namespace internal {

// x, a product already rounded to T, as a value the compiler cannot fuse
// into a following addition or subtraction (see "Contraction guard" above).
template <class T>
inline T rounded(T x) {
#if (defined(__GNUC__) || defined(__clang__)) && defined(__SSE2__)
  asm("" : "+x"(x));  // x: in an SSE register, where it already is
#elif (defined(__GNUC__) || defined(__clang__)) && defined(__aarch64__)
  asm("" : "+w"(x));  // w: in a SIMD/FP register
#else
  volatile T v = x;  // portable fallback: a store and a load
  x = v;
#endif
  return x;
}

// a * b + c rounded once (IEEE fusedMultiplyAdd; the normal transforms of
// stream version 2). std::fma is exact by definition: with hardware FMA it
// is one instruction, without it glibc computes the same value in software.
inline float fmadd(float a, float b, float c) { return std::fma(a, b, c); }
inline double fmadd(double a, double b, double c) { return std::fma(a, b, c); }

}  // namespace internal

// The key of one tensor's stream of random words.
struct RngKey {
  uint64_t seed = 0;
  uint64_t stream = 0;
};

// Domain bit of the block index (see header comment).
inline constexpr uint64_t kMaskDomain = uint64_t{1} << 63;

// Philox block `block` of key k.
inline PhiloxCounter philox_block(const RngKey& k, uint64_t block) {
  return philox4x32(
      PhiloxCounter{static_cast<uint32_t>(block),
                    static_cast<uint32_t>(block >> 32),
                    static_cast<uint32_t>(k.stream),
                    static_cast<uint32_t>(k.stream >> 32)},
      PhiloxKey{static_cast<uint32_t>(k.seed),
                static_cast<uint32_t>(k.seed >> 32)});
}

// The 32-bit word of element i (f32/f16/bf16 outputs).
inline uint32_t random_bits32(const RngKey& k, uint64_t i) {
  return philox_block(k, i >> 2)[i & 3];
}

// The 64-bit word of element i (f64 outputs).
inline uint64_t random_bits64(const RngKey& k, uint64_t i) {
  const PhiloxCounter b = philox_block(k, i >> 1);
  const unsigned j = 2 * static_cast<unsigned>(i & 1);
  return uint64_t{b[j]} | (uint64_t{b[j + 1]} << 32);
}

// Uniform on [0, 1): 24 bits for f32, 53 for f64.
inline float uniform01(uint32_t w) {
  return static_cast<float>(w >> 8) * 0x1p-24f;
}
inline double uniform01(uint64_t w) {
  return static_cast<double>(w >> 11) * 0x1p-53;
}

namespace internal {

// Natural logarithm of a positive normal number, correctly rounded to within
// about 1 ulp. x = 2^k m with m in [sqrt(1/2), sqrt(2)), f = m - 1 (exact),
// s = f / (2 + f), and
//   log(1 + f) = 2 atanh(s) = f - (f^2/2 - s (f^2/2 + R(s^2))),
//   R(z) = sum_j 2 z^j / (2j + 1)  (the atanh series; 5 terms for float,
//   10 for double, truncation error < 2^-25 and < 2^-54 relative).
// log(x) = k ln2_hi + (log(1 + f) + k ln2_lo), ln2_hi with enough trailing
// zero bits that k ln2_hi is exact. Fused: R's Horner steps,
// s (f^2/2 + R) + k ln2_lo, and k ln2_hi + (...).
inline float log_f32(float x) {
  uint32_t ix = std::bit_cast<uint32_t>(x);
  ix += 0x3f800000u - 0x3f3504f3u;  // 0x3f3504f3 = sqrt(1/2)
  const int k = static_cast<int>(ix >> 23) - 127;
  ix = (ix & 0x007fffffu) + 0x3f3504f3u;
  const float f = std::bit_cast<float>(ix) - 1.0f;
  const float s = f / (2.0f + f);
  const float z = s * s;
  float r = 2.0f / 11.0f;
  r = fmadd(r, z, 2.0f / 9.0f);
  r = fmadd(r, z, 2.0f / 7.0f);
  r = fmadd(r, z, 2.0f / 5.0f);
  r = fmadd(r, z, 2.0f / 3.0f);
  r = rounded(r * z);
  const float hfsq = rounded(0.5f * f * f);
  const float kf = static_cast<float>(k);
  constexpr float kLn2Hi = 0x1.62ep-1f;
  constexpr float kLn2Lo = 0x1.0bfbe8p-15f;
  const float inner = fmadd(s, hfsq + r, rounded(kf * kLn2Lo));
  return fmadd(kf, kLn2Hi, f - (hfsq - inner));
}

inline double log_f64(double x) {
  uint64_t ix = std::bit_cast<uint64_t>(x);
  constexpr uint64_t kSqrtHalf = 0x3fe6a09e667f3bcdull;  // sqrt(1/2)
  ix += 0x3ff0000000000000ull - kSqrtHalf;
  const int k = static_cast<int>(ix >> 52) - 1023;
  ix = (ix & 0x000fffffffffffffull) + kSqrtHalf;
  const double f = std::bit_cast<double>(ix) - 1.0;
  const double s = f / (2.0 + f);
  const double z = s * s;
  double r = 2.0 / 21.0;
  r = fmadd(r, z, 2.0 / 19.0);
  r = fmadd(r, z, 2.0 / 17.0);
  r = fmadd(r, z, 2.0 / 15.0);
  r = fmadd(r, z, 2.0 / 13.0);
  r = fmadd(r, z, 2.0 / 11.0);
  r = fmadd(r, z, 2.0 / 9.0);
  r = fmadd(r, z, 2.0 / 7.0);
  r = fmadd(r, z, 2.0 / 5.0);
  r = fmadd(r, z, 2.0 / 3.0);
  r = rounded(r * z);
  const double hfsq = rounded(0.5 * f * f);
  const double kd = static_cast<double>(k);
  constexpr double kLn2Hi = 0x1.62e42fefp-1;
  constexpr double kLn2Lo = 0x1.473de6af278edp-34;
  const double inner = fmadd(s, hfsq + r, rounded(kd * kLn2Lo));
  return fmadd(kd, kLn2Hi, f - (hfsq - inner));
}

// Horner evaluation c[0] x^(n-1) + ... + c[n-1], one fused multiply-add per
// coefficient.
template <class T, int N>
inline T horner(T x, const T (&c)[N]) {
  T r = c[0];
  for (int j = 1; j < N; ++j) r = fmadd(r, x, c[j]);
  return r;
}

// Giles (2011) single-precision erfinv, central branch, in w - 2.5.
inline constexpr float kGilesCentral[9] = {
    2.81022636e-08f,  3.43273939e-07f, -3.5233877e-06f,
    -4.39150654e-06f, 0.00021858087f,  -0.00125372503f,
    -0.00417768164f,  0.246640727f,    1.50140941f};

// Wichura (1988) PPND7, tails: numerator/denominator in r - 1.6 (r <= 5) and
// r - 5 (r > 5), r = sqrt(-log(min(p, 1 - p))).
inline constexpr float kPpnd7C[4] = {1.7023821103e-1f, 1.3067284816e0f,
                                     2.7568153900e0f, 1.4234372777e0f};
inline constexpr float kPpnd7D[3] = {1.2021132975e-1f, 7.3700164250e-1f, 1.0f};
inline constexpr float kPpnd7E[4] = {1.7337203997e-2f, 4.2868294337e-1f,
                                     3.0812263860e0f, 6.6579051150e0f};
inline constexpr float kPpnd7F[3] = {1.2258202635e-2f, 2.4197894225e-1f, 1.0f};

// Wichura (1988) PPND16: central (in r = 0.180625 - q^2) and the two tails.
inline constexpr double kPpnd16A[8] = {
    2.5090809287301226727e3, 3.3430575583588128105e4,
    6.7265770927008700853e4, 4.5921953931549871457e4,
    1.3731693765509461125e4, 1.9715909503065514427e3,
    1.3314166789178437745e2, 3.3871328727963666080e0};
inline constexpr double kPpnd16B[8] = {
    5.2264952788528545610e3, 2.8729085735721942674e4,
    3.9307895800092710610e4, 2.1213794301586595867e4,
    5.3941960214247511077e3, 6.8718700749205790830e2,
    4.2313330701600911252e1, 1.0};
inline constexpr double kPpnd16C[8] = {
    7.74545014278341407640e-4, 2.27238449892691845833e-2,
    2.41780725177450611770e-1, 1.27045825245236838258e0,
    3.64784832476320460504e0,  5.76949722146069140550e0,
    4.63033784615654529590e0,  1.42343711074968357734e0};
inline constexpr double kPpnd16D[8] = {
    1.05075007164441684324e-9, 5.47593808499534494600e-4,
    1.51986665636164571966e-2, 1.48103976427480074590e-1,
    6.89767334985100004550e-1, 1.67638483018380384940e0,
    2.05319162663775882187e0,  1.0};
inline constexpr double kPpnd16E[8] = {
    2.01033439929228813265e-7, 2.71155556874348757815e-5,
    1.24266094738807843860e-3, 2.65321895265761230930e-2,
    2.96560571828504891230e-1, 1.78482653991729133580e0,
    5.46378491116411436990e0,  6.65790464350110377720e0};
inline constexpr double kPpnd16F[8] = {
    2.04426310338993978564e-15, 1.42151175831644588870e-7,
    1.84631831751005468180e-5,  7.86869131145613259100e-4,
    1.48753612908506148525e-2,  1.36929880922735805310e-1,
    5.99832206555887937690e-1,  1.0};

}  // namespace internal

// Parameters of the uniform kernel: x = min(low + span * u, below_high),
// u in [0, 1). below_high is the largest T below `high`, so x is in [low,
// high).
template <class T>
struct UniformKernel {
  T low;
  T span;
  T below_high;
};

template <class T>
inline T uniform_value(const UniformKernel<T>& k, T u) {
  const T x = k.low + internal::rounded(k.span * u);
  return x < k.below_high ? x : k.below_high;
}

// Parameters of the normal kernel (see header comment). The output is
//   mean + scale * z  with z = Phi^-1(p) (f64; f32 tail branch), or
//   mean + scale_central * (x P(w))  (f32 central branch, scale_central =
//   sqrt(2) scale, x = p - q),
// clamped to [lo, hi] (infinite when untruncated).
template <class T>
struct NormalKernel {
  T mean;
  T scale;
  T scale_central;  // f32 only: scale * sqrt(2)
  T a, b, c;        // p = a + b u, q = c + b v
  T lo, hi;
};

// The two sides of the normal's uniform: u and v = 1 - u (see header).
inline void normal_sides(uint32_t w, float& u, float& v) {
  const float small =
      internal::rounded(static_cast<float>(((w & 0x007fffffu) << 1) | 1u) *
                        0x1p-25f);
  const float large = 1.0f - small;
  const bool upper = (w >> 31) != 0;
  u = upper ? large : small;
  v = upper ? small : large;
}
inline void normal_sides(uint64_t w, double& u, double& v) {
  const double small =
      internal::rounded(
          static_cast<double>(((w & 0x000fffffffffffffull) << 1) | 1u) *
          0x1p-54);
  const double large = 1.0 - small;
  const bool upper = (w >> 63) != 0;
  u = upper ? large : small;
  v = upper ? small : large;
}

// Tail of Phi^-1 for f32: |z| from m = min(p, q) (PPND7 tail branches).
inline float normal_tail_f32(float m) {
  using namespace internal;
  float r = std::sqrt(-log_f32(m));
  if (r <= 5.0f) {
    r = r - 1.6f;
    return horner(r, kPpnd7C) / horner(r, kPpnd7D);
  }
  r = r - 5.0f;
  return horner(r, kPpnd7E) / horner(r, kPpnd7F);
}

inline float normal_value(const NormalKernel<float>& k, uint32_t w) {
  using namespace internal;
  float u, v;
  normal_sides(w, u, v);
  const float p = fmadd(k.b, u, k.a);
  const float q = fmadd(k.b, v, k.c);
  const float t = (2.0f * p) * (2.0f * q);  // 4 p q = 1 - (p - q)^2
  const float lw = -log_f32(t);
  float y;
  if (lw < 5.0f) {
    const float x = p - q;
    y = fmadd(k.scale_central, x * horner(lw - 2.5f, kGilesCentral), k.mean);
  } else {
    const float z = normal_tail_f32(p < q ? p : q);
    y = fmadd(k.scale, p < q ? -z : z, k.mean);
  }
  y = y < k.lo ? k.lo : y;
  return y > k.hi ? k.hi : y;
}

inline double normal_value(const NormalKernel<double>& k, uint64_t w) {
  using namespace internal;
  double u, v;
  normal_sides(w, u, v);
  const double p = fmadd(k.b, u, k.a);
  const double q = fmadd(k.b, v, k.c);
  const double m = p < q ? p : q;
  double z;
  if (m >= 0.075) {
    const double qc = 0.5 * (p - q);
    const double r = fmadd(-qc, qc, 0.180625);
    z = qc * horner(r, kPpnd16A) / horner(r, kPpnd16B);
  } else {
    double r = std::sqrt(-log_f64(m));
    if (r <= 5.0) {
      r = r - 1.6;
      z = horner(r, kPpnd16C) / horner(r, kPpnd16D);
    } else {
      r = r - 5.0;
      z = horner(r, kPpnd16E) / horner(r, kPpnd16F);
    }
    z = p < q ? -z : z;
  }
  double y = fmadd(k.scale, z, k.mean);
  y = y < k.lo ? k.lo : y;
  return y > k.hi ? k.hi : y;
}

}  // namespace initcheck

#endif  // INITCHECK_RANDOM_H_
