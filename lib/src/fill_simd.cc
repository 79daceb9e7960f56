// Highway SIMD fills with runtime dispatch (see fill_simd.h), bit-identical
// to the scalar reference of initcheck/random.h on every target.
//
// Philox layout. One Philox block per 64-bit lane; a block's four words live
// in two u64 vectors P = x0 | x1 << 32 and Q = x2 | x3 << 32, so P starts as
// the 64-bit block index (carries are free) and Q as the stream. A round is
//   prodP = MulEven(P, M0) = hi0:lo0,  prodQ = MulEven(Q, M1) = hi1:lo1,
//   P' = swap32(prodQ) ^ (P >> 32) ^ k0 = (hi1 ^ x1 ^ k0) | lo1 << 32,
//   Q' = swap32(prodP) ^ (Q >> 32) ^ k1 = (hi0 ^ x3 ^ k1) | lo0 << 32,
// (AVX-512: the xors are one write-masked VPTERNLOG on the odd u32 lanes
// before the swap). Round 0 sees the constant Q and is cheaper.
// After the rounds, InterleaveLower/Upper(P, Q) give the words of 128-bit
// block pairs in memory order (x0 x1 x2 x3 of one block per 128 bits). Lane
// l is given block (l & 1) * N/2 + l / 2 of its vector (N u64 lanes), so the
// two interleaved vectors hold blocks 0 .. N-1 in order. f32 elements are the
// u32 words in that order, f64 elements the u64 words (element i of f64 is
// words 2i, 2i+1 of the word stream, as random.h defines).
//
// Each iteration runs kPairs independent (P, Q) pairs (latency hiding) and
// yields 2 kPairs vectors of words: G = 2 kPairs N_T elements. Uniform and
// f64 normal transform them in registers; the f32 normal is staged through L1
// buffers of up to kChunkVecs vectors (see NormalF32). The ragged head (up to
// the next Philox block and, for streaming stores, the next aligned address)
// and tail are computed as one whole iteration into a stack buffer and
// copied, so any `first` and `n` give the reference's bits. Streaming
// (non-temporal) stores for calls of >= stream_threshold() bytes, then a
// fence.
//
// Transforms: the operations of random.h in the same order: Mul then Add
// where random.h multiplies and adds, MulAdd/NegMulAdd where it calls fmadd
// (the normals, stream version 2), Div, Sqrt, ConvertTo (exact here: all
// integers < 2^24 resp. 2^53), selects. Only targets whose MulAdd is one
// fused operation (x86 AVX2 and AVX-512, AArch64 NEON) run the normals in
// SIMD; the others (SSE4, SSSE3, ...) call the reference for them. On x86, `a < b ? a : b` is MINPS/MINPD(a, b) exactly
// (including zeros' signs), so Min/Max are used there; elsewhere
// IfThenElse. A few algebraic shortcuts give the same bits by construction
// (scaling by powers of two, the symmetry of rounding to nearest); each states
// its condition and is taken only when the kernel's parameters meet it. The
// normals' tail branches (f32 w >= 5: 0.34 % of lanes; f64 m < 0.075: 15 %)
// run on compressed vectors of tail lanes only (NormalF32::Queue, NormalF64).
//
// Cost with AVX-512 (2 ports for 512-bit operations; llvm-mca, SPR model):
// Philox is 6 uops per round per 8 blocks, 23 per 16 words; the f32 normal
// transform adds 55 per 16 values (bench/README.md, "Limits").
//
// HWY_SCALAR and HWY_EMU128 (fallbacks for CPUs without SSSE3) call the
// reference.
#include "fill_simd.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "initcheck/dtype.h"
#include "initcheck/kernel.h"
#include "initcheck/random.h"

namespace initcheck::simd_detail {
// out[i] = normal_value(k, words[i]), scalar (targets without a fused
// multiply-add); defined once, below.
void NormalF32WordsScalar(const NormalKernel<float>& k, const uint32_t* words,
                          size_t n, float* out);
}  // namespace initcheck::simd_detail

// Scalable-vector targets (SVE, RVV) are left out: the code keeps arrays of
// vectors, which sizeless types do not allow. Must precede the first Highway
// include.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS \
  (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128 | HWY_RVV)
#endif

// foreach_target.h re-includes this file once per target. The path is
// resolved against the include directories (lib/include is one; __FILE__
// would expand inside foreach_target.h).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "../src/fill_simd.cc"
#include <hwy/cache_control.h>
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace initcheck {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

int64_t CurrentTarget() { return HWY_TARGET; }

// No vector code on the scalar fallbacks: HWY_SCALAR (GCC < 12.3) and
// HWY_EMU128 (newer compilers) only run on CPUs without SSSE3 (or non-SIMD
// architectures), and the reference is what they would emulate anyway.
#if HWY_TARGET == HWY_SCALAR || HWY_TARGET == HWY_EMU128

void FillUniformF32(const UniformKernel<float>& k, const RngKey& key,
                    uint64_t first, size_t n, float* out) {
  reference::fill_uniform(k, key, first, n, out);
}
void FillUniformF64(const UniformKernel<double>& k, const RngKey& key,
                    uint64_t first, size_t n, double* out) {
  reference::fill_uniform(k, key, first, n, out);
}
void FillNormalF32(const NormalKernel<float>& k, const RngKey& key,
                   uint64_t first, size_t n, float* out) {
  reference::fill_normal(k, key, first, n, out);
}
void FillNormalF64(const NormalKernel<double>& k, const RngKey& key,
                   uint64_t first, size_t n, double* out) {
  reference::fill_normal(k, key, first, n, out);
}
void NormalF32Words(const NormalKernel<float>& k, const uint32_t* words,
                    size_t n, float* out) {
  simd_detail::NormalF32WordsScalar(k, words, n, out);
}
bool ConvertF16(const float* in, size_t n, uint16_t* out) {
  bool over = false;
  for (size_t i = 0; i < n; ++i) {
    out[i] = f32_to_f16(in[i]);
    over |= (out[i] & 0x7c00u) == 0x7c00u;
  }
  return over;
}
void ConvertBF16(const float* in, size_t n, uint16_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = f32_to_bf16(in[i]);
}

#else  // SIMD targets

// Whether hn::MulAdd is one fused multiply-add here (Highway 1.0.3 computes
// it as Mul then Add on SSE4/SSSE3 and on 32-bit ARM).
#if (HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2) || \
    (HWY_ARCH_ARM_A64 && HWY_TARGET == HWY_NEON)
constexpr bool kFusedMulAdd = true;
#else
constexpr bool kFusedMulAdd = false;
#endif

using DU64 = hn::ScalableTag<uint64_t>;
using DU32 = hn::Repartition<uint32_t, DU64>;
using VU64 = hn::Vec<DU64>;

// Independent Philox pairs per iteration: enough to cover the multiply
// latency; more only adds register pressure.
constexpr size_t kPairs = 4;

// ---------------------------------------------------------------- Philox

struct PhiloxKeys {
  uint64_t k0[kPhiloxRounds];  // round keys, in the low half
  uint64_t k1[kPhiloxRounds];
  uint64_t p0;  // round 0: swap32(M1 * x2) ^ k0 (Q is the constant stream)
  uint64_t q0;  // round 0: x3 ^ k1
};

HWY_INLINE PhiloxKeys MakeKeys(const RngKey& key) {
  PhiloxKeys ks;
  uint32_t k0 = static_cast<uint32_t>(key.seed);
  uint32_t k1 = static_cast<uint32_t>(key.seed >> 32);
  for (int r = 0; r < kPhiloxRounds; ++r) {
    if (r > 0) {
      k0 += kPhiloxW0;
      k1 += kPhiloxW1;
    }
    ks.k0[r] = k0;
    ks.k1[r] = k1;
  }
  const uint64_t prod_q =
      uint64_t{kPhiloxM1} * static_cast<uint32_t>(key.stream);
  ks.p0 = ((prod_q >> 32) | (prod_q << 32)) ^ ks.k0[0];
  ks.q0 = (key.stream >> 32) ^ ks.k1[0];
  return ks;
}

// Swaps the 32-bit halves of each u64 lane.
HWY_INLINE VU64 Swap32(VU64 v) {
  const DU64 d;
  const DU32 d32;
  return hn::BitCast(d, hn::Shuffle2301(hn::BitCast(d32, v)));
}

// (x0 | x1 << 32, x2 | x3 << 32) -> the next round's, key (k0, k1).
HWY_INLINE void PhiloxRound(VU64& p, VU64& q, uint64_t k0, uint64_t k1) {
  const DU64 d;
  const DU32 d32;
  const VU64 prod_p = hn::MulEven(hn::BitCast(d32, p), hn::Set(d32, kPhiloxM0));
  const VU64 prod_q = hn::MulEven(hn::BitCast(d32, q), hn::Set(d32, kPhiloxM1));
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  // High halves (odd u32 lanes): prod ^ x_odd ^ k; low halves keep prod.
  const VU64 tp{_mm512_mask_ternarylogic_epi32(prod_q.raw, 0xAAAA, p.raw,
                                               hn::Set(d, k0 << 32).raw, 0x96)};
  const VU64 tq{_mm512_mask_ternarylogic_epi32(prod_p.raw, 0xAAAA, q.raw,
                                               hn::Set(d, k1 << 32).raw, 0x96)};
  p = Swap32(tp);
  q = Swap32(tq);
#else
  const VU64 np =
      hn::Xor3(Swap32(prod_q), hn::ShiftRight<32>(p), hn::Set(d, k0));
  q = hn::Xor3(Swap32(prod_p), hn::ShiftRight<32>(q), hn::Set(d, k1));
  p = np;
#endif
}

// Block offset of each lane (see the header comment): lane l -> (l & 1) N/2
// + l / 2, N = Lanes(DU64).
HWY_INLINE VU64 LaneBlockOffsets() {
  const DU64 d;
  const size_t n = hn::Lanes(d);
  HWY_ALIGN uint64_t off[HWY_MAX_BYTES / sizeof(uint64_t)];
  for (size_t l = 0; l < n; ++l) off[l] = (l & 1) * (n / 2) + l / 2;
  return hn::Load(d, off);
}

// Random words of blocks [block, block + kPairs N), N = Lanes(DU64), in
// memory order: w[v] holds words 2N v ... 2N v + 2N - 1 (as u64 pairs).
HWY_INLINE void PhiloxWords(const PhiloxKeys& ks, VU64 offsets, uint64_t block,
                            VU64 (&w)[2 * kPairs]) {
  const DU64 d;
  const DU32 d32;
  const size_t n = hn::Lanes(d);
  VU64 p[kPairs], q[kPairs];
#pragma GCC unroll 16
  for (size_t u = 0; u < kPairs; ++u) {
    p[u] = hn::Add(hn::Set(d, block + u * n), offsets);
    const VU64 prod_p =
        hn::MulEven(hn::BitCast(d32, p[u]), hn::Set(d32, kPhiloxM0));
    q[u] = hn::Xor(Swap32(prod_p), hn::Set(d, ks.q0));
    p[u] = hn::Xor(hn::ShiftRight<32>(p[u]), hn::Set(d, ks.p0));
  }
#pragma GCC unroll 16
  for (int r = 1; r < kPhiloxRounds; ++r) {
#pragma GCC unroll 16
    for (size_t u = 0; u < kPairs; ++u)
      PhiloxRound(p[u], q[u], ks.k0[r], ks.k1[r]);
  }
#pragma GCC unroll 16
  for (size_t u = 0; u < kPairs; ++u) {
    w[2 * u] = hn::InterleaveLower(d, p[u], q[u]);
    w[2 * u + 1] = hn::InterleaveUpper(d, p[u], q[u]);
  }
}

// ---------------------------------------------------------------- helpers

// Statement-by-statement loops over a batch of K independent vectors: the
// compiler emits them interleaved, so K dependency chains run in parallel.
#define INITCHECK_FOR(i) _Pragma("GCC unroll 16") for (size_t i = 0; i < K; ++i)

// a < b ? a : b and a > b ? a : b, exactly.
template <class V>
HWY_INLINE V SelectLess(V a, V b) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_SSSE3
  return hn::Min(a, b);  // MINPS/MINPD: a < b ? a : b
#else
  return hn::IfThenElse(hn::Lt(a, b), a, b);
#endif
}
template <class V>
HWY_INLINE V SelectGreater(V a, V b) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_SSSE3
  return hn::Max(a, b);  // MAXPS/MAXPD: a > b ? a : b
#else
  return hn::IfThenElse(hn::Gt(a, b), a, b);
#endif
}

// a ^ (b & c) on integer lanes (one VPTERNLOG on AVX-512).
template <class V>
HWY_INLINE V XorAnd(V a, V b, V c) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  return V{_mm512_ternarylogic_epi32(a.raw, b.raw, c.raw, 0x78)};
#else
  return hn::Xor(a, hn::And(b, c));
#endif
}

// Lane permutations for CompressLanes: row m lists, for the set lanes of the
// N-lane mask m in order and then the others, the U consecutive units (bytes
// for PSHUFB, u32 lanes for VPERMD) of each lane.
template <size_t N, size_t U>
struct PermTable {
  alignas(16) uint8_t idx[size_t{1} << N][N * U];
};
template <size_t N, size_t U>
constexpr PermTable<N, U> MakePermTable() {
  PermTable<N, U> t{};
  for (size_t m = 0; m < (size_t{1} << N); ++m) {
    size_t k = 0;
    for (unsigned pass = 0; pass < 2; ++pass) {
      for (size_t l = 0; l < N; ++l) {
        if (((m >> l) & 1u) != (pass == 0 ? 1u : 0u)) continue;
        for (size_t j = 0; j < U; ++j) {
          t.idx[m][k++] = static_cast<uint8_t>(l * U + j);
        }
      }
    }
  }
  return t;
}
template <size_t N, size_t U>
inline constexpr PermTable<N, U> kPermTable = MakePermTable<N, U>();

// The lanes of v selected by m, moved to the front in order (the rest
// unspecified): hn::Compress for 32- and 64-bit lanes, with static tables.
// Highway 1.0.3's Compress rebuilds its table on the stack at every call for
// 64-bit lanes and on AVX2 (measured: +27 instructions per f64 normal).
template <class D>
HWY_INLINE hn::Vec<D> CompressLanes(D d, hn::Vec<D> v, hn::Mask<D> m) {
  using T = hn::TFromD<D>;
  static_assert(sizeof(T) == 4 || sizeof(T) == 8, "32- or 64-bit lanes");
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  (void)d;
  if constexpr (sizeof(T) == 4) {
    return hn::Vec<D>{_mm512_maskz_compress_epi32(m.raw, v.raw)};
  } else {
    return hn::Vec<D>{_mm512_maskz_compress_epi64(m.raw, v.raw)};
  }
#elif HWY_ARCH_X86 && HWY_TARGET == HWY_AVX2
  constexpr size_t kN = 32 / sizeof(T);
  const hn::Repartition<uint32_t, D> d32;
  const auto& row = kPermTable<kN, sizeof(T) / 4>.idx[hn::detail::BitsFromMask(m)];
  const __m256i idx =
      _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(row)));
  return hn::BitCast(
      d, hn::Vec<decltype(d32)>{_mm256_permutevar8x32_epi32(
             hn::BitCast(d32, v).raw, idx)});
#elif HWY_ARCH_X86
  constexpr size_t kN = 16 / sizeof(T);
  const hn::Repartition<uint8_t, D> d8;
  const auto& row = kPermTable<kN, sizeof(T)>.idx[hn::detail::BitsFromMask(m)];
  const __m128i idx = _mm_load_si128(reinterpret_cast<const __m128i*>(row));
  return hn::BitCast(d, hn::Vec<decltype(d8)>{_mm_shuffle_epi8(
                            hn::BitCast(d8, v).raw, idx)});
#else
  (void)d;
  return hn::Compress(v, m);
#endif
}

// c[0] x^(n-1) + ... + c[n-1], a fused multiply-add per coefficient
// (random.h horner).
template <class D, class T, size_t N>
HWY_INLINE hn::Vec<D> Horner(D d, hn::Vec<D> x, const T (&c)[N]) {
  hn::Vec<D> r = hn::Set(d, c[0]);
#pragma GCC unroll 16
  for (size_t j = 1; j < N; ++j) r = hn::MulAdd(r, x, hn::Set(d, c[j]));
  return r;
}
// k = (ix >> 23) - 127 as a float, for ix the bits of a positive normal
// float: its exponent. AVX-512: VGETEXPPS gives floor(log2(x)), the same
// number, in one operation instead of three.
template <class DF>
HWY_INLINE hn::Vec<DF> ExponentF32(DF df, hn::Vec<hn::RebindToUnsigned<DF>> ix) {
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  if constexpr (hn::MaxLanes(df) == 16) {
    return hn::Vec<DF>{_mm512_getexp_ps(hn::BitCast(df, ix).raw)};
  }
#endif
  const hn::RebindToSigned<DF> di;
  return hn::ConvertTo(
      df, hn::Sub(hn::BitCast(di, hn::ShiftRight<23>(ix)), hn::Set(di, 127)));
}

// -internal::log_f32(x 2^e), operation for operation, with e added to the
// exponent field first (exact while x 2^e is a normal number; e = 0 gives
// -log_f32(x)). The negation is folded in exactly (rounding to nearest is
// symmetric): -(kf Hi + (f - X)) = kf (-Hi) + (X - f). kNormal: x 2^e is
// known to be a positive normal number, so the exponent of the shifted bits
// ix (a normal number too) may come from ExponentF32; otherwise the integer
// form of random.h, which also covers subnormal x.
template <bool kNormal, class DF>
HWY_INLINE hn::Vec<DF> NegLogF32(DF df, uint32_t exp_add, hn::Vec<DF> x) {
  const hn::RebindToUnsigned<DF> du;
  const hn::RebindToSigned<DF> di;
  constexpr float kLn2Hi = 0x1.62ep-1f;  // as in random.h
  constexpr float kLn2Lo = 0x1.0bfbe8p-15f;
  auto ix = hn::Add(hn::BitCast(du, x),
                    hn::Set(du, 0x3f800000u - 0x3f3504f3u + exp_add));
  const auto kf =
      kNormal ? ExponentF32(df, ix)
              : hn::ConvertTo(df, hn::Sub(hn::BitCast(di, hn::ShiftRight<23>(ix)),
                                          hn::Set(di, 127)));
  ix = hn::Add(hn::And(ix, hn::Set(du, 0x007fffffu)), hn::Set(du, 0x3f3504f3u));
  const auto f = hn::Sub(hn::BitCast(df, ix), hn::Set(df, 1.0f));
  const auto s = hn::Div(f, hn::Add(hn::Set(df, 2.0f), f));
  const auto z = hn::Mul(s, s);
  auto r =
      hn::MulAdd(hn::Set(df, 2.0f / 11.0f), z, hn::Set(df, 2.0f / 9.0f));
  r = hn::MulAdd(r, z, hn::Set(df, 2.0f / 7.0f));
  r = hn::MulAdd(r, z, hn::Set(df, 2.0f / 5.0f));
  r = hn::MulAdd(r, z, hn::Set(df, 2.0f / 3.0f));
  r = hn::Mul(r, z);
  const auto hfsq = hn::Mul(hn::Mul(hn::Set(df, 0.5f), f), f);
  // inner = fma(s, hfsq + r, kf Lo);  X = hfsq - inner;
  // -fma(kf, Hi, f - X) = fma(kf, -Hi, X - f).
  const auto inner =
      hn::MulAdd(s, hn::Add(hfsq, r), hn::Mul(kf, hn::Set(df, kLn2Lo)));
  return hn::MulAdd(kf, hn::Set(df, -kLn2Hi),
                    hn::Sub(hn::Sub(hfsq, inner), f));
}

// internal::log_f64(x), operation for operation.
template <class DD>
HWY_INLINE hn::Vec<DD> LogF64(DD dd, hn::Vec<DD> x) {
  const hn::RebindToUnsigned<DD> du;
  const hn::RebindToSigned<DD> di;
  constexpr uint64_t kSqrtHalf = 0x3fe6a09e667f3bcdull;
  auto ix = hn::Add(hn::BitCast(du, x),
                    hn::Set(du, 0x3ff0000000000000ull - kSqrtHalf));
  const auto kd = hn::ConvertTo(
      dd, hn::Sub(hn::BitCast(di, hn::ShiftRight<52>(ix)), hn::Set(di, 1023)));
  ix = hn::Add(hn::And(ix, hn::Set(du, 0x000fffffffffffffull)),
               hn::Set(du, kSqrtHalf));
  const auto f = hn::Sub(hn::BitCast(dd, ix), hn::Set(dd, 1.0));
  const auto s = hn::Div(f, hn::Add(hn::Set(dd, 2.0), f));
  const auto z = hn::Mul(s, s);
  auto r = hn::Set(dd, 2.0 / 21.0);
  r = hn::MulAdd(r, z, hn::Set(dd, 2.0 / 19.0));
  r = hn::MulAdd(r, z, hn::Set(dd, 2.0 / 17.0));
  r = hn::MulAdd(r, z, hn::Set(dd, 2.0 / 15.0));
  r = hn::MulAdd(r, z, hn::Set(dd, 2.0 / 13.0));
  r = hn::MulAdd(r, z, hn::Set(dd, 2.0 / 11.0));
  r = hn::MulAdd(r, z, hn::Set(dd, 2.0 / 9.0));
  r = hn::MulAdd(r, z, hn::Set(dd, 2.0 / 7.0));
  r = hn::MulAdd(r, z, hn::Set(dd, 2.0 / 5.0));
  r = hn::MulAdd(r, z, hn::Set(dd, 2.0 / 3.0));
  r = hn::Mul(r, z);
  const auto hfsq = hn::Mul(hn::Mul(hn::Set(dd, 0.5), f), f);
  constexpr double kLn2Hi = 0x1.62e42fefp-1;  // as in random.h
  constexpr double kLn2Lo = 0x1.473de6af278edp-34;
  const auto inner =
      hn::MulAdd(s, hn::Add(hfsq, r), hn::Mul(kd, hn::Set(dd, kLn2Lo)));
  return hn::MulAdd(kd, hn::Set(dd, kLn2Hi), hn::Sub(f, hn::Sub(hfsq, inner)));
}

// ---------------------------------------------------------------- stores

enum class StoreKind { kUnaligned, kStream, kAligned };

template <StoreKind kStore, class D>
HWY_INLINE void StoreVec(hn::Vec<D> v, D d, hn::TFromD<D>* HWY_RESTRICT p) {
  if (kStore == StoreKind::kStream) {
    hn::Stream(v, d, p);
  } else if (kStore == StoreKind::kAligned) {
    hn::Store(v, d, p);
  } else {
    hn::StoreU(v, d, p);
  }
}

// Output vectors per chunk of a staged transform (their words and
// intermediates stay in L1: 3 x 2 KiB for AVX-512).
constexpr size_t kChunkVecs = 32;

// State a transform keeps across the chunks of one Fill call (see
// NormalF32::Queue); none for the others.
struct NoQueue {};

// ---------------------------------------------------------------- transforms
// Apply<K>(w, y) maps K u64 vectors of random words (in memory order) to K
// vectors of output values: f32 from the u32 words, f64 from the u64 words.

using DF32 = hn::Repartition<float, DU64>;
using DF64 = hn::Repartition<double, DU64>;

// Shortcuts below that rely on the kernel's values are taken only where they
// give the reference's bits exactly; each names its condition.

// kScaled: span * u computed as (span 2^-24) * (w >> 8), the same product
// (2^-24 scaling is exact both ways while span 2^-24 is a normal number).
// kClamp: apply min(x, below_high); skipped when even the largest u gives
// x <= below_high (x is nondecreasing in u for span > 0).
template <bool kScaled, bool kClamp>
struct UniformF32 {
  using T = float;
  static constexpr bool kStaged = false;
  using Queue = NoQueue;
  template <StoreKind>
  void Drain(Queue&) const {}
  UniformKernel<float> k;
  float span;  // k.span, or k.span 2^-24 when kScaled

  // The value for the integer c = w >> 8 (a float), as the lanes compute it.
  float Value(float c) const {
    const float u = kScaled ? c : c * 0x1p-24f;
    return k.low + span * u;
  }

  template <size_t K>
  HWY_INLINE void Apply(const VU64* w, hn::Vec<DF32>* y) const {
    const DF32 df;
    const hn::RebindToUnsigned<DF32> du;
    const hn::RebindToSigned<DF32> di;
    hn::Vec<DF32> u[K];
    // u = (w >> 8) 2^-24; x = low + span u; x < below_high ? x : below_high.
    INITCHECK_FOR(i) {
      u[i] = hn::ConvertTo(
          df, hn::BitCast(di, hn::ShiftRight<8>(hn::BitCast(du, w[i]))));
    }
    if (!kScaled) INITCHECK_FOR(i) u[i] = hn::Mul(u[i], hn::Set(df, 0x1p-24f));
    INITCHECK_FOR(i)
    y[i] = hn::Add(hn::Set(df, k.low), hn::Mul(hn::Set(df, span), u[i]));
    if (kClamp)
      INITCHECK_FOR(i) y[i] = SelectLess(y[i], hn::Set(df, k.below_high));
  }
};

template <bool kScaled, bool kClamp>
struct UniformF64 {
  using T = double;
  static constexpr bool kStaged = false;
  using Queue = NoQueue;
  template <StoreKind>
  void Drain(Queue&) const {}
  UniformKernel<double> k;
  double span;  // k.span, or k.span 2^-53 when kScaled

  double Value(double c) const {
    const double u = kScaled ? c : c * 0x1p-53;
    return k.low + span * u;
  }

  template <size_t K>
  HWY_INLINE void Apply(const VU64* w, hn::Vec<DF64>* y) const {
    const DF64 dd;
    const hn::RebindToSigned<DF64> di;
    hn::Vec<DF64> u[K];
    INITCHECK_FOR(i)
    u[i] = hn::ConvertTo(dd, hn::BitCast(di, hn::ShiftRight<11>(w[i])));
    if (!kScaled) INITCHECK_FOR(i) u[i] = hn::Mul(u[i], hn::Set(dd, 0x1p-53));
    INITCHECK_FOR(i)
    y[i] = hn::Add(hn::Set(dd, k.low), hn::Mul(hn::Set(dd, span), u[i]));
    if (kClamp)
      INITCHECK_FOR(i) y[i] = SelectLess(y[i], hn::Set(dd, k.below_high));
  }
};

// How the f32 normal is evaluated; all give the reference's bits.
enum class NormalMode {
  // A = C = 0, B = 1, no clamp: p = u, q = v exactly. Then p q = small *
  // large, p - q = +-(small - large) with the sign of the word's top bit
  // (rounding is symmetric), min(p, q) = small: no selects.
  kPlain,
  // Kernels from make_normal_kernel_f32 (A, C >= 0, A + B + C ~ 1, so p q is
  // a normal number): (2p)(2q) = 4 (p q) exactly, the factor 4 added to the
  // exponent field inside the log.
  kTruncated,
  // Anything else: random.h literally.
  kLiteral,
};

// kMeanZero: mean is +0 and the scaled value cannot be -0 (scales >= 2^-20,
// see WithNormalF32Mode), so mean + y = y.
//
// Staged (see Chunk): stage 1 maps each vector of words to x = p - q and
// w = -log(4 p q) in L1 buffers, stage 2 evaluates the polynomial, the rare
// tail and the clamp. The loop bodies are short and independent, so the
// out-of-order core overlaps several vectors' ~120-cycle dependency chains
// without the register spills of interleaving them by hand (measured: as fast
// as four vectors interleaved in registers, and simpler).
template <NormalMode kMode, bool kMeanZero>
struct NormalF32 {
  using T = float;
  static constexpr bool kStaged = true;
  NormalKernel<float> k;

  using VF = hn::Vec<DF32>;
  using DU = hn::RebindToUnsigned<DF32>;
  using VU = hn::Vec<DU>;

  // small = (2m + 1) 2^-25 (m the low 23 bits of w), large = 1 - small.
  // random.h converts 2m + 1 and scales it; here the float with exponent -1
  // and mantissa m, 1/2 + m 2^-24, minus (1/2 - 2^-25): the same number,
  // exactly (Sterbenz: both operands lie in [1/2 - 2^-25, 1 - 2^-24]), in 2
  // operations instead of 4.
  HWY_INLINE void Sides(VU w, VF& small, VF& large) const {
    const DF32 df;
    const DU du;
    const VF half_m = hn::BitCast(
        df, hn::OrAnd(hn::Set(du, 0x3f000000u), w, hn::Set(du, 0x007fffffu)));
    small = hn::Sub(half_m, hn::Set(df, 0.5f - 0x1p-25f));
    large = hn::Sub(hn::Set(df, 1.0f), small);
  }

  // p = A + B u, q = C + B v; the top bit of w picks u = large or small.
  HWY_INLINE void PQ(VU w, VF& p, VF& q) const {
    const DF32 df;
    const hn::RebindToSigned<DF32> di;
    VF small, large;
    Sides(w, small, large);
    const auto upper =
        hn::RebindMask(df, hn::Lt(hn::BitCast(di, w), hn::Zero(di)));
    const auto b = hn::Set(df, k.b);
    p = hn::MulAdd(b, hn::IfThenElse(upper, large, small), hn::Set(df, k.a));
    q = hn::MulAdd(b, hn::IfThenElse(upper, small, large), hn::Set(df, k.c));
  }

  // x = p - q and lw = -log(4 p q).
  HWY_INLINE void Stage1(VU w, VF& x, VF& lw) const {
    const DF32 df;
    const DU du;
    if (kMode == NormalMode::kPlain) {
      // p q = small large; p - q = small - large for the lower side (top bit
      // clear), its negation otherwise (rounding is symmetric).
      VF small, large;
      Sides(w, small, large);
      const VF pq = hn::Mul(small, large);
      x = hn::BitCast(df, XorAnd(hn::BitCast(du, hn::Sub(small, large)), w,
                                 hn::Set(du, 0x80000000u)));
      lw = NegLogF32<true>(df, 2u << 23, pq);  // -log(4 p q)
    } else {
      VF p, q;
      PQ(w, p, q);
      x = hn::Sub(p, q);
      if (kMode == NormalMode::kTruncated) {
        lw = NegLogF32<true>(df, 2u << 23, hn::Mul(p, q));  // -log(4 p q)
      } else {
        const auto two = hn::Set(df, 2.0f);
        lw = NegLogF32<false>(df, 0,
                              hn::Mul(hn::Mul(two, p), hn::Mul(two, q)));
      }
    }
  }

  // |z| of the tail (normal_tail_f32) from m = min(p, q).
  HWY_INLINE VF Tail(VF m) const {
    using namespace internal;
    const DF32 df;
    // kPlain: m >= 2^-25; kTruncated: m >= 2^-100 (FillNormalF32).
    const auto r =
        hn::Sqrt(NegLogF32<kMode != NormalMode::kLiteral>(df, 0, m));
    const auto r1 = hn::Sub(r, hn::Set(df, 1.6f));
    auto z = hn::Div(Horner(df, r1, kPpnd7C), Horner(df, r1, kPpnd7D));
    const auto near = hn::Le(r, hn::Set(df, 5.0f));
    if (HWY_UNLIKELY(!hn::AllTrue(df, near))) {
      const auto r2 = hn::Sub(r, hn::Set(df, 5.0f));
      z = hn::IfThenElse(
          near, z, hn::Div(Horner(df, r2, kPpnd7E), Horner(df, r2, kPpnd7F)));
    }
    return z;
  }

  // fma(scale, z, mean); kMeanZero: the product alone (equal: it is not
  // -0, see WithNormalF32Mode).
  HWY_INLINE VF ScaleAddMean(float scale, VF z) const {
    const DF32 df;
    return kMeanZero ? hn::Mul(hn::Set(df, scale), z)
                     : hn::MulAdd(hn::Set(df, scale), z, hn::Set(df, k.mean));
  }

  // The tail branch for all lanes: fma(scale, p < q ? -z : z, mean).
  HWY_INLINE VF TailValue(VU w) const {
    const DF32 df;
    const DU du;
    VF z;
    if (kMode == NormalMode::kPlain) {
      VF small, large;
      Sides(w, small, large);  // min(p, q) = small; p < q iff the top bit is 0
      z = hn::BitCast(df, XorAnd(hn::BitCast(du, Tail(small)), hn::Not(w),
                                 hn::Set(du, 0x80000000u)));
    } else {
      VF p, q;
      PQ(w, p, q);
      const auto t = Tail(SelectLess(p, q));
      z = hn::IfThenElse(hn::Lt(p, q), hn::Neg(t), t);
    }
    return ScaleAddMean(k.scale, z);
  }

  HWY_INLINE VF Clamp(VF y) const {
    if (kMode == NormalMode::kPlain) return y;
    const DF32 df;
    y = SelectGreater(hn::Set(df, k.lo), y);  // y < lo ? lo : y
    return SelectLess(hn::Set(df, k.hi), y);  // y > hi ? hi : y
  }

  // Vectors with a tail lane, parked across the chunks of one Fill call
  // until kVecs of them (about 1300 vectors, 20000 values) are waiting or
  // the fill ends: their central values, destinations, and their tail
  // lanes' words and positions (slot n + lane), compressed.
  struct Queue {
    static constexpr size_t kVecs = 64;
    static constexpr size_t kMaxLanes = HWY_MAX_BYTES / sizeof(float);
    HWY_ALIGN float ys[kVecs * kMaxLanes];
    HWY_ALIGN uint32_t words[(kVecs + 1) * kMaxLanes];
    HWY_ALIGN uint32_t pos[(kVecs + 1) * kMaxLanes];
    HWY_ALIGN uint32_t iota[kMaxLanes];
    float* dst[kVecs];
    size_t nparked = 0, ntail = 0;
    Queue() {
      for (size_t l = 0; l < kMaxLanes; ++l) iota[l] = static_cast<uint32_t>(l);
    }
  };

  // Stage 1 for every vector of the chunk, then stage 2: the central value of
  // every lane; a vector whose lanes all take the central branch (w < 5) is
  // stored at once. The others (a lane is in the tail with probability
  // 0.34 %, so about 5 % of 16-lane vectors) are parked in the queue, and
  // the tail branch is evaluated once per N tail lanes when it drains
  // (TailRun), instead of for every vector that holds one tail lane.
  template <StoreKind kStore>
  HWY_INLINE void Run(const uint64_t* HWY_RESTRICT words, size_t nvec,
                      float* HWY_RESTRICT dst, Queue& q) const {
    const DF32 df;
    const DU du;
    const DU64 d64;
    const size_t n = hn::Lanes(df);
    HWY_ALIGN float xs[kChunkVecs * HWY_MAX_BYTES / sizeof(float)];
    HWY_ALIGN float lws[kChunkVecs * HWY_MAX_BYTES / sizeof(float)];
    for (size_t v = 0; v < nvec; ++v) {
      VF x, lw;
      Stage1(hn::BitCast(du, hn::Load(d64, words + v * n / 2)), x, lw);
      hn::Store(x, df, xs + v * n);
      hn::Store(lw, df, lws + v * n);
    }
    for (size_t v = 0; v < nvec; ++v) {
      const VF lw = hn::Load(df, lws + v * n);
      // Central branch: fma(scale_central, x P(w - 2.5), mean).
      const VF poly =
          Horner(df, hn::Sub(lw, hn::Set(df, 2.5f)), internal::kGilesCentral);
      const VF y = Clamp(ScaleAddMean(k.scale_central,
                                      hn::Mul(hn::Load(df, xs + v * n), poly)));
      const auto central = hn::Lt(lw, hn::Set(df, 5.0f));
      if (HWY_LIKELY(hn::AllTrue(df, central))) {
        StoreVec<kStore>(y, df, dst + v * n);
        continue;
      }
      if (q.nparked == Queue::kVecs) Drain<kStore>(q);
      const size_t slot = q.nparked++;
      q.dst[slot] = dst + v * n;
      hn::Store(y, df, q.ys + slot * n);
      const auto tail = hn::RebindMask(du, hn::Not(central));
      const VU w = hn::BitCast(du, hn::Load(d64, words + v * n / 2));
      const VU pos = hn::Add(hn::Load(du, q.iota),
                             hn::Set(du, static_cast<uint32_t>(slot * n)));
      hn::StoreU(CompressLanes(du, w, tail), du, q.words + q.ntail);
      hn::StoreU(CompressLanes(du, pos, tail), du, q.pos + q.ntail);
      q.ntail += hn::CountTrue(du, tail);
    }
  }

  // Computes the parked vectors' tail lanes and stores the vectors.
  template <StoreKind kStore>
  HWY_NOINLINE void Drain(Queue& q) const {
    if (q.nparked == 0) return;
    const DF32 df;
    const size_t n = hn::Lanes(df);
    TailRun(q.words, q.pos, q.ntail, q.ys);
    for (size_t j = 0; j < q.nparked; ++j) {
      StoreVec<kStore>(hn::Load(df, q.ys + j * n), df, q.dst[j]);
    }
    q.nparked = 0;
    q.ntail = 0;
  }

  // ys[pos[j]] = the tail value of words[j], j < count (count >= 1; the
  // buffers have room for one more vector).
  HWY_INLINE void TailRun(uint32_t* HWY_RESTRICT tail_words,
                            const uint32_t* HWY_RESTRICT pos, size_t count,
                            float* HWY_RESTRICT ys) const {
    const DF32 df;
    const DU du;
    const size_t n = hn::Lanes(df);
    // Lanes past `count` of the last vector: copies of a tail word, so they
    // compute a tail value (and not, say, the far branch) that is dropped.
    hn::StoreU(hn::Set(du, tail_words[0]), du, tail_words + count);
    HWY_ALIGN float t[HWY_MAX_BYTES / sizeof(float)];
    for (size_t j = 0; j < count; j += n) {
      hn::Store(Clamp(TailValue(hn::LoadU(du, tail_words + j))), df, t);
      const size_t m = std::min(n, count - j);
      for (size_t l = 0; l < m; ++l) ys[pos[j + l]] = t[l];
    }
  }
};

// kTrunc: p = A + B u, q = C + B v and the clamp; otherwise A = C = 0,
// B = 1 and no clamp, so p = u, q = v exactly: then min(p, q) = small,
// p - q = small - large with the sign of the word's top bit (rounding is
// symmetric), and p < q iff that bit is 0.
//
// Staged (see Chunk): the central value of every lane (m >= 0.075: about
// 85 % of the lanes, so 73 % of 8-lane vectors hold a tail lane) goes to an
// L1 buffer, the tail lanes' words and positions are compressed into tail
// buffers (branch-free), the tail branch runs once per N tail lanes and is
// patched into the buffer, and the buffer is stored. Before, every vector
// with a tail lane computed the whole tail (log, sqrt, two divisions) for
// all its lanes, and branched unpredictably.
template <bool kTrunc>
struct NormalF64 {
  using T = double;
  static constexpr bool kStaged = true;
  using Queue = NoQueue;
  template <StoreKind>
  void Drain(Queue&) const {}
  NormalKernel<double> k;

  using VD = hn::Vec<DF64>;

  // small = (2m + 1) 2^-54 (m the low 52 bits of w), exactly as random.h
  // (see NormalF32::Sides: 1/2 + m 2^-53 minus 1/2 - 2^-54, Sterbenz), and
  // large = 1 - small.
  HWY_INLINE void Sides(VU64 w, VD& small, VD& large) const {
    const DF64 dd;
    const DU64 du;
    const VD half_m = hn::BitCast(
        dd, hn::OrAnd(hn::Set(du, 0x3fe0000000000000ull), w,
                      hn::Set(du, 0x000fffffffffffffull)));
    small = hn::Sub(half_m, hn::Set(dd, 0.5 - 0x1p-54));
    large = hn::Sub(hn::Set(dd, 1.0), small);
  }

  // p and q (kTrunc).
  HWY_INLINE void PQ(VU64 w, VD& p, VD& q) const {
    const DF64 dd;
    const hn::RebindToSigned<DF64> di;
    VD small, large;
    Sides(w, small, large);
    const auto upper =
        hn::RebindMask(dd, hn::Lt(hn::BitCast(di, w), hn::Zero(di)));
    const auto b = hn::Set(dd, k.b);
    p = hn::MulAdd(b, hn::IfThenElse(upper, large, small), hn::Set(dd, k.a));
    q = hn::MulAdd(b, hn::IfThenElse(upper, small, large), hn::Set(dd, k.c));
  }

  // fma(scale, z, mean), clamped (kTrunc).
  HWY_INLINE VD Finish(VD z) const {
    const DF64 dd;
    VD y = hn::MulAdd(hn::Set(dd, k.scale), z, hn::Set(dd, k.mean));
    if (kTrunc) {
      y = SelectGreater(hn::Set(dd, k.lo), y);
      y = SelectLess(hn::Set(dd, k.hi), y);
    }
    return y;
  }

  // The central branch for every lane, and the lanes that need the tail.
  HWY_INLINE VD Central(VU64 w, hn::Mask<DF64>& tail) const {
    using namespace internal;
    const DF64 dd;
    VD diff, m;
    if (kTrunc) {
      VD p, q;
      PQ(w, p, q);
      diff = hn::Sub(p, q);
      m = SelectLess(p, q);
    } else {
      VD large;
      Sides(w, m, large);
      diff = hn::BitCast(
          dd, XorAnd(hn::BitCast(DU64(), hn::Sub(m, large)), w,
                     hn::Set(DU64(), 0x8000000000000000ull)));
    }
    tail = hn::Lt(m, hn::Set(dd, 0.075));  // !(m >= 0.075)
    // qc = (p - q) / 2, r = fma(-qc, qc, 0.180625), z = qc A(r) / B(r).
    const auto qc = hn::Mul(hn::Set(dd, 0.5), diff);
    const auto rc = hn::NegMulAdd(qc, qc, hn::Set(dd, 0.180625));
    return Finish(hn::Div(hn::Mul(qc, Horner(dd, rc, kPpnd16A)),
                          Horner(dd, rc, kPpnd16B)));
  }

  // The tail branch for every lane.
  HWY_INLINE VD TailValue(VU64 w) const {
    using namespace internal;
    const DF64 dd;
    const DU64 du;
    VD p, q, m;
    if (kTrunc) {
      PQ(w, p, q);
      m = SelectLess(p, q);
    } else {
      VD large;
      Sides(w, m, large);
    }
    const auto r = hn::Sqrt(hn::Neg(LogF64(dd, m)));
    const auto r1 = hn::Sub(r, hn::Set(dd, 1.6));
    auto z = hn::Div(Horner(dd, r1, kPpnd16C), Horner(dd, r1, kPpnd16D));
    const auto near = hn::Le(r, hn::Set(dd, 5.0));
    if (HWY_UNLIKELY(!hn::AllTrue(dd, near))) {
      const auto r2 = hn::Sub(r, hn::Set(dd, 5.0));
      z = hn::IfThenElse(
          near, z, hn::Div(Horner(dd, r2, kPpnd16E), Horner(dd, r2, kPpnd16F)));
    }
    // p < q ? -z : z; without kTrunc p < q iff the top bit of w is 0.
    if (kTrunc) {
      z = hn::IfThenElse(hn::Lt(p, q), hn::Neg(z), z);
    } else {
      z = hn::BitCast(dd, hn::Xor(hn::BitCast(du, z),
                                  hn::AndNot(w, hn::Set(du, 0x8000000000000000ull))));
    }
    return Finish(z);
  }

  template <StoreKind kStore>
  HWY_INLINE void Run(const uint64_t* HWY_RESTRICT words, size_t nvec,
                      double* HWY_RESTRICT dst, Queue&) const {
    const DF64 dd;
    const DU64 du;
    const size_t n = hn::Lanes(dd);
    HWY_ALIGN double ys[kChunkVecs * HWY_MAX_BYTES / sizeof(double)];
    HWY_ALIGN uint64_t tail_words[(kChunkVecs + 1) * HWY_MAX_BYTES / 8];
    HWY_ALIGN uint64_t tail_pos[(kChunkVecs + 1) * HWY_MAX_BYTES / 8];
    size_t ntail = 0;
    VU64 pos = hn::Iota(du, 0);
    for (size_t v = 0; v < nvec; ++v) {
      const VU64 w = hn::Load(du, words + v * n);
      hn::Mask<DF64> tail;
      hn::Store(Central(w, tail), dd, ys + v * n);
      const auto tail_u = hn::RebindMask(du, tail);
      hn::StoreU(CompressLanes(du, w, tail_u), du, tail_words + ntail);
      hn::StoreU(CompressLanes(du, pos, tail_u), du, tail_pos + ntail);
      ntail += hn::CountTrue(du, tail_u);
      pos = hn::Add(pos, hn::Set(du, n));
    }
    if (ntail > 0) {
      // Lanes past ntail: copies of a tail word (see NormalF32::TailRun).
      hn::StoreU(hn::Set(du, tail_words[0]), du, tail_words + ntail);
      HWY_ALIGN double t[HWY_MAX_BYTES / sizeof(double)];
      for (size_t j = 0; j < ntail; j += n) {
        hn::Store(TailValue(hn::Load(du, tail_words + j)), dd, t);
        const size_t m = std::min(n, ntail - j);
        for (size_t l = 0; l < m; ++l) ys[tail_pos[j + l]] = t[l];
      }
    }
    for (size_t v = 0; v < nvec; ++v) {
      StoreVec<kStore>(hn::Load(dd, ys + v * n), dd, dst + v * n);
    }
  }
};

// ---------------------------------------------------------------- driver

// Output vectors transformed together (see INITCHECK_FOR).
constexpr size_t kBatch = 4;

// One iteration: elements [block E, block E + G) into dst (E elements per
// Philox block, G = 2 kPairs Lanes(DT)).
template <StoreKind kStore, class Xform>
HWY_INLINE void Iteration(const Xform& xf, const PhiloxKeys& ks, VU64 offsets,
                          uint64_t block, typename Xform::T* HWY_RESTRICT dst) {
  const hn::Repartition<typename Xform::T, DU64> dt;
  const size_t nt = hn::Lanes(dt);
  VU64 w[2 * kPairs];
  PhiloxWords(ks, offsets, block, w);
  hn::Vec<decltype(dt)> y[2 * kPairs];
  static_assert(2 * kPairs % kBatch == 0, "batches must tile the iteration");
#pragma GCC unroll 16
  for (size_t b = 0; b < 2 * kPairs; b += kBatch) {
    xf.template Apply<kBatch>(w + b, y + b);
  }
#pragma GCC unroll 16
  for (size_t v = 0; v < 2 * kPairs; ++v)
    StoreVec<kStore>(y[v], dt, dst + v * nt);
}

// nvec output vectors (a multiple of 2 kPairs, at most kChunkVecs) from
// Philox block `block` on. Staged transforms get the words through an L1
// buffer, the others straight from registers. A staged transform may leave
// vectors in `queue` until xf.Drain<kStore>(queue).
template <StoreKind kStore, class Xform>
HWY_INLINE void Chunk(const Xform& xf, const PhiloxKeys& ks, VU64 offsets,
                      uint64_t block, size_t nvec,
                      typename Xform::T* HWY_RESTRICT dst,
                      typename Xform::Queue& queue) {
  const DU64 d64;
  const size_t n64 = hn::Lanes(d64);
  if constexpr (Xform::kStaged) {
    HWY_ALIGN uint64_t words[kChunkVecs * HWY_MAX_BYTES / sizeof(uint64_t)];
    for (size_t g = 0; g < nvec; g += 2 * kPairs) {
      VU64 w[2 * kPairs];
      PhiloxWords(ks, offsets, block + g / 2 * n64, w);
#pragma GCC unroll 16
      for (size_t v = 0; v < 2 * kPairs; ++v)
        hn::Store(w[v], d64, words + (g + v) * n64);
    }
    xf.template Run<kStore>(words, nvec, dst, queue);
  } else {
    const size_t nt = hn::Lanes(hn::Repartition<typename Xform::T, DU64>());
    for (size_t g = 0; g < nvec; g += 2 * kPairs) {
      Iteration<kStore>(xf, ks, offsets, block + g / 2 * n64, dst + g * nt);
    }
  }
}

template <class Xform>
HWY_NOINLINE void Fill(const Xform& xf, const RngKey& key, uint64_t first,
                       size_t n, typename Xform::T* HWY_RESTRICT out) {
  using T = typename Xform::T;
  if (n == 0) return;
  const hn::Repartition<T, DU64> dt;
  const size_t vec_bytes = hn::Lanes(dt) * sizeof(T);
  constexpr uint64_t kE = 16 / sizeof(T);  // elements per Philox block
  const size_t g = 2 * kPairs * hn::Lanes(dt);
  const PhiloxKeys ks = MakeKeys(key);
  const VU64 offsets = LaneBlockOffsets();
  HWY_ALIGN T buf[2 * kPairs * HWY_MAX_BYTES / sizeof(T)];
  typename Xform::Queue queue;

  // Head: up to the next block boundary and, when streaming, to the next
  // vector-aligned address (if both can hold at once).
  const size_t to_block = static_cast<size_t>((kE - first % kE) % kE);
  bool stream = n * sizeof(T) >= simd::stream_threshold();
  size_t head = to_block;
  if (stream) {
    stream = false;
    for (size_t h = to_block; h < g; h += kE) {
      if (reinterpret_cast<uintptr_t>(out + h) % vec_bytes == 0) {
        head = h;
        stream = true;
        break;
      }
    }
  }
  head = std::min(head, n);
  if (head > 0) {
    Chunk<StoreKind::kAligned>(xf, ks, offsets, first / kE, 2 * kPairs, buf,
                               queue);
    xf.template Drain<StoreKind::kAligned>(queue);
    std::memcpy(out, buf + first % kE, head * sizeof(T));
  }
  size_t j = head;
  uint64_t block = (first + head) / kE;
  // Whole iterations, up to kChunkVecs vectors at a time.
  const size_t max_vecs = kChunkVecs / (2 * kPairs) * (2 * kPairs);
  const size_t nt = hn::Lanes(dt);
  while (n - j >= g) {
    const size_t nvec = std::min(max_vecs, (n - j) / g * (2 * kPairs));
    if (stream) {
      Chunk<StoreKind::kStream>(xf, ks, offsets, block, nvec, out + j, queue);
    } else {
      Chunk<StoreKind::kUnaligned>(xf, ks, offsets, block, nvec, out + j,
                                   queue);
    }
    j += nvec * nt;
    block += nvec * nt / kE;
  }
  if (stream) {
    xf.template Drain<StoreKind::kStream>(queue);
    hwy::FlushStream();
  } else {
    xf.template Drain<StoreKind::kUnaligned>(queue);
  }
  if (j < n) {
    Chunk<StoreKind::kAligned>(xf, ks, offsets, block, 2 * kPairs, buf,
                               queue);
    xf.template Drain<StoreKind::kAligned>(queue);
    std::memcpy(out + j, buf, (n - j) * sizeof(T));
  }
}

// Picks the UniformF32/F64 variant: the largest c = w >> 8 (w >> 11) is
// 2^24 - 1 (2^53 - 1).
template <template <bool, bool> class U, class T>
void FillUniformT(const UniformKernel<T>& k, const RngKey& key, uint64_t first,
                  size_t n, T* out, T scale, T max_c, T min_span) {
  const bool scaled = std::isfinite(k.span) && std::abs(k.span) >= min_span;
  const T span = scaled ? k.span * scale : k.span;
  if (scaled) {
    const U<true, true> xf{k, span};
    const bool clamp = !(k.span > 0 && xf.Value(max_c) <= k.below_high);
    if (clamp) {
      Fill(U<true, true>{k, span}, key, first, n, out);
    } else {
      Fill(U<true, false>{k, span}, key, first, n, out);
    }
  } else {
    const U<false, true> xf{k, span};
    const bool clamp = !(k.span > 0 && xf.Value(max_c) <= k.below_high);
    if (clamp) {
      Fill(U<false, true>{k, span}, key, first, n, out);
    } else {
      Fill(U<false, false>{k, span}, key, first, n, out);
    }
  }
}

void FillUniformF32(const UniformKernel<float>& k, const RngKey& key,
                    uint64_t first, size_t n, float* out) {
  FillUniformT<UniformF32>(k, key, first, n, out, 0x1p-24f, 16777215.0f,
                           0x1p-100f);
}
void FillUniformF64(const UniformKernel<double>& k, const RngKey& key,
                    uint64_t first, size_t n, double* out) {
  FillUniformT<UniformF64>(k, key, first, n, out, 0x1p-53, 9007199254740991.0,
                           0x1p-960);
}

template <class T>
bool IsPlainNormal(const NormalKernel<T>& k) {
  return k.a == 0 && k.b == 1 && k.c == 0 && std::isinf(k.lo) && k.lo < 0 &&
         std::isinf(k.hi) && k.hi > 0;
}

// The f32 normal transform applied to given words instead of Philox's:
// out[i] = normal_value(k, words[i]) (for the exhaustive test of
// fill_simd_test.cc: the plain normal depends on 24 bits of its word).
template <class Xform>
HWY_NOINLINE void FromWords(const Xform& xf, const uint32_t* HWY_RESTRICT words,
                            size_t n, float* HWY_RESTRICT out) {
  const size_t nt = hn::Lanes(DF32());
  const size_t chunk = kChunkVecs * nt;
  HWY_ALIGN uint64_t buf[kChunkVecs * HWY_MAX_BYTES / sizeof(uint64_t)];
  HWY_ALIGN float ys[kChunkVecs * HWY_MAX_BYTES / sizeof(float)];
  typename Xform::Queue queue;
  for (size_t i = 0; i < n; i += chunk) {
    const size_t m = std::min(chunk, n - i);
    std::memset(buf, 0, sizeof(buf));
    std::memcpy(buf, words + i, m * sizeof(uint32_t));
    xf.template Run<StoreKind::kAligned>(buf, (m + nt - 1) / nt, ys, queue);
    xf.template Drain<StoreKind::kAligned>(queue);
    std::memcpy(out + i, ys, m * sizeof(float));
  }
}

// Calls f(xf) with the NormalF32 transform for kernel k (mode, mean_zero).
template <NormalMode kMode, class F>
void WithNormalF32Mode(const NormalKernel<float>& k, F&& f) {
  // mean + y == y unless y is -0. With p, q >= 2^-100, p - q is 0 or
  // >= 2^-123 in magnitude, P >= 0.8 and |z| >= 2, so y is +0 or nonzero
  // when the scales are >= 2^-20. Not for kLiteral (no bound on p, q).
  const bool mean_zero = kMode != NormalMode::kLiteral && k.mean == 0 &&
                         !std::signbit(k.mean) && k.scale_central >= 0x1p-20f &&
                         k.scale >= 0x1p-20f;
  if (mean_zero) {
    f(NormalF32<kMode, true>{k});
  } else {
    f(NormalF32<kMode, false>{k});
  }
}

template <class F>
void WithNormalF32(const NormalKernel<float>& k, F&& f) {
  // p = A + B u, q = C + B v with u, v in [2^-25, 1 - 2^-25]: p q is a
  // normal number when A, C >= 0, B > 0, min(p), min(q) >= 2^-100 and
  // A + B + C is about 1 (then max(p, q) >= 0.45).
  const float pmin = k.a + k.b * 0x1p-25f, qmin = k.c + k.b * 0x1p-25f;
  const float sum = k.a + k.b + k.c;
  const bool well_formed = k.a >= 0 && k.c >= 0 && k.b > 0 && k.b <= 1 &&
                           pmin >= 0x1p-100f && qmin >= 0x1p-100f &&
                           sum >= 0.9f && sum <= 1.1f;
  if (IsPlainNormal(k)) {
    WithNormalF32Mode<NormalMode::kPlain>(k, f);
  } else if (well_formed) {
    WithNormalF32Mode<NormalMode::kTruncated>(k, f);
  } else {
    WithNormalF32Mode<NormalMode::kLiteral>(k, f);
  }
}

void FillNormalF32(const NormalKernel<float>& k, const RngKey& key,
                   uint64_t first, size_t n, float* out) {
  if (!kFusedMulAdd) return reference::fill_normal(k, key, first, n, out);
  WithNormalF32(k, [&](const auto& xf) { Fill(xf, key, first, n, out); });
}
void NormalF32Words(const NormalKernel<float>& k, const uint32_t* words,
                    size_t n, float* out) {
  if (!kFusedMulAdd) {
    return simd_detail::NormalF32WordsScalar(k, words, n, out);
  }
  WithNormalF32(k, [&](const auto& xf) { FromWords(xf, words, n, out); });
}

void FillNormalF64(const NormalKernel<double>& k, const RngKey& key,
                   uint64_t first, size_t n, double* out) {
  if (!kFusedMulAdd) return reference::fill_normal(k, key, first, n, out);
  if (IsPlainNormal(k)) {
    Fill(NormalF64<false>{k}, key, first, n, out);
  } else {
    Fill(NormalF64<true>{k}, key, first, n, out);
  }
}

// ---------------------------------------------------------------- f16, bf16

// f32_to_f16 on lanes: returns the f16 bits in u32 lanes.
template <class DF>
HWY_INLINE hn::Vec<hn::RebindToUnsigned<DF> > F16Bits(DF df, hn::Vec<DF> v) {
  const hn::RebindToUnsigned<DF> du;
  const hn::RebindToSigned<DF> di;
  const auto bits = hn::BitCast(du, v);
  const auto sign = hn::And(hn::ShiftRight<16>(bits), hn::Set(du, 0x8000u));
  const auto a = hn::And(bits, hn::Set(du, 0x7fffffffu));
  const auto ai = hn::BitCast(di, a);
  // Normal f16: rebias the exponent, round the 13 dropped bits to nearest
  // even: (m + 0xfff + ((m >> 13) & 1)) >> 13, m = a - (112 << 23).
  const auto lsb = hn::And(hn::ShiftRight<13>(a), hn::Set(du, 1u));
  const auto normal =
      hn::ShiftRight<13>(hn::Add(hn::Sub(a, hn::Set(du, 0x38000000u)),
                                 hn::Add(lsb, hn::Set(du, 0x0fffu))));
  // Subnormal f16 (|x| < 2^-14): |x| + 1/2 rounds |x| to nearest even
  // multiple of 2^-24 (the ulp of [1/2, 1)); its low bits are the f16 bits.
  const auto sub =
      hn::Sub(hn::BitCast(du, hn::Add(hn::BitCast(df, a), hn::Set(df, 0.5f))),
              hn::Set(du, 0x3f000000u));
  auto h = hn::IfThenElse(
      hn::RebindMask(du, hn::Lt(ai, hn::Set(di, 0x38800000))), sub, normal);
  h = hn::IfThenElse(hn::RebindMask(du, hn::Gt(ai, hn::Set(di, 0x477fefff))),
                     hn::Set(du, 0x7c00u), h);  // >= 65520: infinity
  h = hn::IfThenElse(hn::RebindMask(du, hn::Gt(ai, hn::Set(di, 0x7f800000))),
                     hn::Set(du, 0x7e00u), h);  // NaN
  return hn::Or(h, sign);
}

bool ConvertF16(const float* HWY_RESTRICT in, size_t n,
                uint16_t* HWY_RESTRICT out) {
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<uint16_t, decltype(df)> du16;
  const size_t nl = hn::Lanes(df);
  auto over = hn::Zero(di);
  size_t i = 0;
  for (; i + nl <= n; i += nl) {
    const auto v = hn::LoadU(df, in + i);
    const auto a =
        hn::BitCast(di, hn::And(hn::BitCast(du, v), hn::Set(du, 0x7fffffffu)));
    over = hn::Max(over, a);
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX2 && !defined(HWY_DISABLE_F16C)
    // VCVTPS2PH with imm 0 rounds to nearest even like f32_to_f16, but keeps
    // NaN payloads (f32_to_f16 gives 0x7e00): NaNs take the integer path.
    if (HWY_LIKELY(hn::AllFalse(di, hn::Gt(a, hn::Set(di, 0x7f800000))))) {
      const hn::Rebind<hwy::float16_t, decltype(df)> df16;
      hn::StoreU(hn::BitCast(du16, hn::DemoteTo(df16, v)), du16, out + i);
    } else {
      hn::StoreU(hn::DemoteTo(du16, hn::BitCast(di, F16Bits(df, v))), du16,
                 out + i);
    }
#else
    hn::StoreU(hn::DemoteTo(du16, hn::BitCast(di, F16Bits(df, v))), du16,
               out + i);
#endif
  }
  bool overflow = !hn::AllFalse(di, hn::Gt(over, hn::Set(di, 0x477fefff)));
  for (; i < n; ++i) {
    out[i] = f32_to_f16(in[i]);
    overflow |= (out[i] & 0x7c00u) == 0x7c00u;
  }
  return overflow;
}

void ConvertBF16(const float* HWY_RESTRICT in, size_t n,
                 uint16_t* HWY_RESTRICT out) {
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<uint16_t, decltype(df)> du16;
  const size_t nl = hn::Lanes(df);
  size_t i = 0;
  for (; i + nl <= n; i += nl) {
    const auto b = hn::BitCast(du, hn::LoadU(df, in + i));
    // (b + 0x7fff + ((b >> 16) & 1)) >> 16; NaN: (b >> 16) | 0x40.
    const auto hi = hn::ShiftRight<16>(b);
    const auto rounded = hn::ShiftRight<16>(hn::Add(
        b, hn::Add(hn::And(hi, hn::Set(du, 1u)), hn::Set(du, 0x7fffu))));
    const auto a = hn::BitCast(di, hn::And(b, hn::Set(du, 0x7fffffffu)));
    const auto r =
        hn::IfThenElse(hn::RebindMask(du, hn::Gt(a, hn::Set(di, 0x7f800000))),
                       hn::Or(hi, hn::Set(du, 0x40u)), rounded);
    hn::StoreU(hn::DemoteTo(du16, hn::BitCast(di, r)), du16, out + i);
  }
  for (; i < n; ++i) out[i] = f32_to_bf16(in[i]);
}

#endif  // SIMD targets

}  // namespace HWY_NAMESPACE
}  // namespace initcheck
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace initcheck {

namespace simd_detail {
// normal_value calls std::fma about 20 times: on x86-64 a clone for CPUs
// with FMA inlines them (the same values; see reference::fill_normal).
#if defined(__x86_64__) && defined(__GNUC__) && defined(__ELF__)
__attribute__((flatten, target_clones("fma", "default")))
#endif
void NormalF32WordsScalar(const NormalKernel<float>& k, const uint32_t* words,
                          size_t n, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = normal_value(k, words[i]);
}
}  // namespace simd_detail

HWY_EXPORT(CurrentTarget);
HWY_EXPORT(FillUniformF32);
HWY_EXPORT(FillUniformF64);
HWY_EXPORT(FillNormalF32);
HWY_EXPORT(FillNormalF64);
HWY_EXPORT(NormalF32Words);
HWY_EXPORT(ConvertF16);
HWY_EXPORT(ConvertBF16);

namespace simd {
namespace {

// Size in bytes of the last-level cache of CPU 0 from Linux sysfs (glibc's
// sysconf(_SC_LEVEL3_CACHE_SIZE) can be 10x off in VMs), or 0.
std::size_t LastLevelCacheBytes() {
  std::size_t best = 0;
  int best_level = 0;
  for (int i = 0; i < 8; ++i) {
    const std::string dir =
        "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(i) + "/";
    std::ifstream level_file(dir + "level"), size_file(dir + "size");
    int level = 0;
    std::string size;
    if (!(level_file >> level) || !(size_file >> size) || size.empty())
      continue;
    std::size_t bytes = std::strtoull(size.c_str(), nullptr, 10);
    if (size.back() == 'K') bytes <<= 10;
    if (size.back() == 'M') bytes <<= 20;
    if (level > best_level) {
      best_level = level;
      best = bytes;
    }
  }
  return best;
}

// Half the last-level cache: a fill at least that large would evict more
// than it keeps.
std::size_t DefaultStreamThreshold() {
  const std::size_t llc = LastLevelCacheBytes();
  if (llc == 0) return kStreamBytes;
  return std::clamp<std::size_t>(llc / 2, std::size_t{1} << 20,
                                 std::size_t{256} << 20);
}

std::atomic<std::size_t> g_stream_threshold{DefaultStreamThreshold()};

}  // namespace

std::size_t stream_threshold() {
  return g_stream_threshold.load(std::memory_order_relaxed);
}
void set_stream_threshold(std::size_t bytes) {
  g_stream_threshold.store(bytes, std::memory_order_relaxed);
}

void fill_uniform(const UniformKernel<float>& k, const RngKey& key,
                  uint64_t first, std::size_t n, float* out) {
  HWY_DYNAMIC_DISPATCH(FillUniformF32)(k, key, first, n, out);
}
void fill_uniform(const UniformKernel<double>& k, const RngKey& key,
                  uint64_t first, std::size_t n, double* out) {
  HWY_DYNAMIC_DISPATCH(FillUniformF64)(k, key, first, n, out);
}
void fill_normal(const NormalKernel<float>& k, const RngKey& key,
                 uint64_t first, std::size_t n, float* out) {
  HWY_DYNAMIC_DISPATCH(FillNormalF32)(k, key, first, n, out);
}
void fill_normal(const NormalKernel<double>& k, const RngKey& key,
                 uint64_t first, std::size_t n, double* out) {
  HWY_DYNAMIC_DISPATCH(FillNormalF64)(k, key, first, n, out);
}
void normal_f32_from_words(const NormalKernel<float>& k,
                           const uint32_t* words, std::size_t n, float* out) {
  HWY_DYNAMIC_DISPATCH(NormalF32Words)(k, words, n, out);
}
bool convert_f32_to_f16(const float* in, std::size_t n, uint16_t* out) {
  return HWY_DYNAMIC_DISPATCH(ConvertF16)(in, n, out);
}
void convert_f32_to_bf16(const float* in, std::size_t n, uint16_t* out) {
  HWY_DYNAMIC_DISPATCH(ConvertBF16)(in, n, out);
}

int64_t dispatched_target() { return HWY_DYNAMIC_DISPATCH(CurrentTarget)(); }

std::vector<int64_t> compiled_targets() {
  std::vector<int64_t> targets;
  for (int64_t t = hwy::SupportedTargets() & HWY_TARGETS; t != 0; t &= t - 1) {
    targets.push_back(t & -t);
  }
  return targets;
}

}  // namespace simd
}  // namespace initcheck
#endif  // HWY_ONCE
