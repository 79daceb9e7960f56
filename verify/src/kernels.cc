// The SIMD kernels of the verification battery (see kernels.h), Highway with
// runtime dispatch.
//
// Layout of sums. Every sum over i keeps 8 partial sums, partial k holding
// the terms with i mod 8 == k in index order, whatever the vector width
// (kVecs = 8 / lanes vectors of accumulators; the tail adds into the same
// partials), and the partials are added as ((0+1)+(2+3))+((4+5)+(6+7)). With
// only IEEE add/sub/mul/div (no MulAdd) every target gives the same bits.
//
// Special functions. log and erfc follow Sun's fdlibm (e_log.c, s_erf.c,
// e_exp.c; Sun Microsystems 1993: the methods and the minimax coefficients,
// which are published constants); the code here is a branch-free vector
// evaluation of them, with the ranges of erfc selected per vector (sorted
// data keeps a vector in one range almost always).
#include "kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "initcheck/dtype.h"

#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS \
  (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128 | HWY_RVV)
#endif

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "../src/kernels.cc"  // via verify/include
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace initcheck::verify::internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Vectors of at most 8 doubles, and how many of them make 8 lanes.
using DD = hn::CappedTag<double, 8>;
using DU = hn::RebindToUnsigned<DD>;
using DI = hn::RebindToSigned<DD>;
using VD = hn::Vec<DD>;
using VU = hn::Vec<DU>;
constexpr size_t kLanes = hn::MaxLanes(DD());
constexpr size_t kVecs = 8 / kLanes;
static_assert(kLanes * kVecs == 8, "8 partial sums");

// ((0+1)+(2+3))+((4+5)+(6+7)) of the 8 partials held in kVecs vectors.
HWY_INLINE double Combine8(const VD* acc) {
  DD d;
  HWY_ALIGN double p[8];
  for (size_t v = 0; v < kVecs; ++v) hn::Store(acc[v], d, p + v * kLanes);
  return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
}

HWY_INLINE VD Const(double c) { return hn::Set(DD(), c); }

// ---------------------------------------------------------------- decoding

void DecodeToDoubleImpl(const void* src, DType dtype, size_t n, double* out) {
  DD d;
  switch (dtype) {
    case DType::kF64:
      std::memcpy(out, src, n * sizeof(double));
      return;
    case DType::kF32: {
      const float* in = static_cast<const float*>(src);
      const hn::Rebind<float, DD> df;
      size_t i = 0;
      for (; i + kLanes <= n; i += kLanes)
        hn::StoreU(hn::PromoteTo(d, hn::LoadU(df, in + i)), d, out + i);
      for (; i < n; ++i) out[i] = in[i];
      return;
    }
    case DType::kF16: {
      const uint16_t* in = static_cast<const uint16_t*>(src);
      for (size_t i = 0; i < n; ++i) out[i] = f16_to_f32(in[i]);
      return;
    }
    case DType::kBF16: {
      const uint16_t* in = static_cast<const uint16_t*>(src);
      for (size_t i = 0; i < n; ++i) out[i] = bf16_to_f32(in[i]);
      return;
    }
  }
}

template <class T>
void CopyCanonical(const T* in, size_t n, T* out) {
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  const auto zero = hn::Zero(d);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    const auto v = hn::LoadU(d, in + i);
    hn::StoreU(hn::IfThenElse(v == zero, zero, v), d, out + i);
  }
  for (; i < n; ++i) out[i] = in[i] == 0 ? T(0) : in[i];
}
// The part of each canonical value among P (a power of two, <=
// kMaxVectorParts) sorted splitters: part = #{j < P - 1 : v >= split[j]}
// (the scalar binary search of SortedCopy counts the same; -0 >= s exactly
// when 0 >= s, so counting needs no canonical zeros).
//
// Counting keeps P - 1 vectors of lane counters ge[j] = #{v >= split[j]}
// (a compare and a subtract of the all-ones mask per splitter and vector:
// the pass is bound by the load) and takes the parts' counts as differences
// at the end. Lane counters are the values' width: a task of kTask = 2^15
// values cannot overflow them.
template <class T, size_t P>
void PartCountsP(const T* in, size_t n, const T* split, size_t* counts) {
  const hn::ScalableTag<T> d;
  const hn::RebindToSigned<decltype(d)> di;
  using VI = hn::Vec<decltype(di)>;
  using V = hn::Vec<decltype(d)>;
  const size_t N = hn::Lanes(d);
  V s[P - 1];
  VI ge[P - 1];
  for (size_t j = 0; j + 1 < P; ++j) {
    s[j] = hn::Set(d, split[j]);
    ge[j] = hn::Zero(di);
  }
  size_t i = 0;
  for (; i + N <= n; i += N) {
    const V v = hn::LoadU(d, in + i);
    for (size_t j = 0; j + 1 < P; ++j)
      ge[j] = hn::Sub(ge[j], hn::VecFromMask(di, hn::RebindMask(di, hn::Ge(v, s[j]))));
  }
  size_t g[P + 1];
  g[0] = i;  // every value is >= split[-1] = -inf
  for (size_t j = 0; j + 1 < P; ++j)
    g[j + 1] = static_cast<size_t>(hn::GetLane(hn::SumOfLanes(di, ge[j])));
  g[P] = 0;
  for (; i < n; ++i) {
    ++g[0];
    for (size_t j = 0; j + 1 < P; ++j) g[j + 1] += in[i] >= split[j];
  }
  for (size_t p = 0; p < P; ++p) counts[p] += g[p] - g[p + 1];
}

// Distributing appends each part's values, in input order, at dst[p]
// (advanced). A part's lanes are ge[p - 1] and not ge[p] (mask logic, no
// index arithmetic); masked compress stores write only the part's lanes,
// so parts filled by other tasks next to it are untouched.
template <class T, size_t P>
void PartScatterP(const T* in, size_t n, const T* split, T** dst) {
  const hn::ScalableTag<T> d;
  using V = hn::Vec<decltype(d)>;
  using M = hn::Mask<decltype(d)>;
  const size_t N = hn::Lanes(d);
  const V zero = hn::Zero(d);
  V s[P - 1];
  for (size_t j = 0; j + 1 < P; ++j) s[j] = hn::Set(d, split[j]);
  size_t i = 0;
  for (; i + N <= n; i += N) {
    V v = hn::LoadU(d, in + i);
    v = hn::IfThenElse(v == zero, zero, v);
    M ge[P - 1];
    for (size_t j = 0; j + 1 < P; ++j) ge[j] = hn::Ge(v, s[j]);
    dst[0] += hn::CompressBlendedStore(v, hn::Not(ge[0]), d, dst[0]);
    for (size_t p = 1; p + 1 < P; ++p)
      dst[p] += hn::CompressBlendedStore(v, hn::AndNot(ge[p], ge[p - 1]), d,
                                         dst[p]);
    dst[P - 1] += hn::CompressBlendedStore(v, ge[P - 2], d, dst[P - 1]);
  }
  for (; i < n; ++i) {
    const T v = in[i] == 0 ? T(0) : in[i];
    size_t p = 0;
    for (size_t j = 0; j + 1 < P; ++j) p += v >= split[j];
    *dst[p]++ = v;
  }
}

template <class T, bool kScatter>
void PartitionPass(const T* in, size_t n, const T* split, size_t parts,
                   size_t* counts, T** dst) {
  static_assert(kMaxVectorParts == 8, "the cases below");
  switch (parts) {
    case 2:
      return kScatter ? PartScatterP<T, 2>(in, n, split, dst)
                      : PartCountsP<T, 2>(in, n, split, counts);
    case 4:
      return kScatter ? PartScatterP<T, 4>(in, n, split, dst)
                      : PartCountsP<T, 4>(in, n, split, counts);
    default:
      HWY_DASSERT(parts == 8);
      return kScatter ? PartScatterP<T, 8>(in, n, split, dst)
                      : PartCountsP<T, 8>(in, n, split, counts);
  }
}
void PartCountsF32Impl(const float* in, size_t n, const float* split,
                       size_t parts, size_t* counts) {
  PartitionPass<float, false>(in, n, split, parts, counts, nullptr);
}
void PartCountsF64Impl(const double* in, size_t n, const double* split,
                       size_t parts, size_t* counts) {
  PartitionPass<double, false>(in, n, split, parts, counts, nullptr);
}
void PartScatterF32Impl(const float* in, size_t n, const float* split,
                        size_t parts, float** dst) {
  PartitionPass<float, true>(in, n, split, parts, nullptr, dst);
}
void PartScatterF64Impl(const double* in, size_t n, const double* split,
                        size_t parts, double** dst) {
  PartitionPass<double, true>(in, n, split, parts, nullptr, dst);
}

void CopyCanonicalF32Impl(const float* in, size_t n, float* out) {
  CopyCanonical(in, n, out);
}
void CopyCanonicalF64Impl(const double* in, size_t n, double* out) {
  CopyCanonical(in, n, out);
}

// ----------------------------------------------------------- bit helpers

// 2^k for integer-valued k in [-1022, 1023].
HWY_INLINE VD Pow2(VD k) {
  DD d;
  DU du;
  const VD biased = hn::Add(k, Const(0x1p52 + 1023.0));
  return hn::BitCast(d, hn::ShiftLeft<52>(hn::BitCast(du, biased)));
}

// ---------------------------------------------------------------- log

// fdlibm e_log.c: x = 2^k (1 + f), sqrt(2)/2 <= 1 + f < sqrt(2),
// s = f / (2 + f), log(1+f) = f - (hfsq - s (hfsq + R(s^2))).
// fdlibm's log polynomial R(s) = t1 + t2 in s = f / (2 + f), shared by
// LogV and LogPairV (the same operations in the same order: same bits).
HWY_INLINE VD LogPolyR(VD s) {
  const VD z = hn::Mul(s, s);
  const VD w = hn::Mul(z, z);
  const VD t1 = hn::Mul(
      w, hn::Add(Const(3.999999999940941908e-01),
                 hn::Mul(w, hn::Add(Const(2.222219843214978396e-01),
                                    hn::Mul(w, Const(1.531383769920937332e-01))))));
  const VD t2 = hn::Mul(
      z, hn::Add(Const(6.666666666666735130e-01),
                 hn::Mul(w, hn::Add(Const(2.857142874366239149e-01),
                                    hn::Mul(w, hn::Add(Const(1.818357216161805012e-01),
                                                       hn::Mul(w, Const(1.479819860511658591e-01))))))));
  return hn::Add(t2, t1);
}

HWY_INLINE VD LogV(VD x) {
  DD d;
  DU du;
  // Subnormals: scale by 2^54 first.
  const auto tiny = hn::Lt(x, Const(0x1p-1022));
  x = hn::IfThenElse(tiny, hn::Mul(x, Const(0x1p54)), x);
  const VD k_adj = hn::IfThenElse(tiny, Const(-54.0), hn::Zero(d));
  const VU bits = hn::BitCast(du, x);
  // hx = high word + (0x3ff00000 - 0x3fe6a09e): k from its exponent field,
  // then the mantissa is re-based into [sqrt(2)/2, sqrt(2)).
  const VU hx = hn::Add(hn::ShiftRight<32>(bits),
                        hn::Set(du, uint64_t{0x3ff00000 - 0x3fe6a09e}));
  const VU kbits = hn::ShiftRight<20>(hx);  // biased exponent (k + 1023)
  const VD k = hn::Add(
      hn::Sub(hn::BitCast(d, hn::Or(kbits, hn::Set(du, 0x4330000000000000ull))),
              Const(0x1p52 + 1023.0)),
      k_adj);
  const VU hm = hn::Add(hn::And(hx, hn::Set(du, uint64_t{0x000fffff})),
                        hn::Set(du, uint64_t{0x3fe6a09e}));
  const VD m = hn::BitCast(
      d, hn::Or(hn::ShiftLeft<32>(hm),
                hn::And(bits, hn::Set(du, uint64_t{0xffffffff}))));
  const VD f = hn::Sub(m, Const(1.0));
  const VD hfsq = hn::Mul(Const(0.5), hn::Mul(f, f));
  const VD s = hn::Div(f, hn::Add(Const(2.0), f));
  const VD R = LogPolyR(s);
  const VD ln2_hi = Const(6.93147180369123816490e-01);
  const VD ln2_lo = Const(1.90821492927058770002e-10);
  // k ln2_hi - ((hfsq - (s (hfsq + R) + k ln2_lo)) - f)
  const VD inner = hn::Add(hn::Mul(s, hn::Add(hfsq, R)), hn::Mul(k, ln2_lo));
  return hn::Sub(hn::Mul(k, ln2_hi), hn::Sub(hn::Sub(hfsq, inner), f));
}

void LogArrayImpl(const double* x, size_t n, double* out) {
  DD d;
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    hn::StoreU(LogV(hn::LoadU(d, x + i)), d, out + i);
  if (i < n) {
    HWY_ALIGN double buf[kLanes];
    for (size_t j = 0; j < kLanes; ++j) buf[j] = i + j < n ? x[i + j] : 1.0;
    hn::Store(LogV(hn::Load(d, buf)), d, buf);
    for (size_t j = 0; i + j < n; ++j) out[i + j] = buf[j];
  }
}

// ---------------------------------------------------------------- erfc

// exp(a + b) with a exact, |b| small, result a normal number: fdlibm
// e_exp.c's reduction by k ln2 (ln2_hi has 32 significant bits, so k ln2_hi
// is exact and a - k ln2_hi exact by Sterbenz) and its rational form
// exp(r) = 1 + r + r c / (2 - c).
HWY_INLINE VD ExpSum(VD a, VD b) {
  const VD k = hn::Round(hn::Mul(hn::Add(a, b), Const(1.44269504088896338700e+00)));
  const VD hi = hn::Add(hn::Sub(a, hn::Mul(k, Const(6.93147180369123816490e-01))), b);
  const VD lo = hn::Mul(k, Const(1.90821492927058770002e-10));
  const VD r = hn::Sub(hi, lo);
  const VD t = hn::Mul(r, r);
  const VD poly = hn::Add(
      Const(1.66666666666666019037e-01),
      hn::Mul(t, hn::Add(Const(-2.77777777770155933842e-03),
                         hn::Mul(t, hn::Add(Const(6.61375632143793436117e-05),
                                            hn::Mul(t, hn::Add(Const(-1.65339022054652515390e-06),
                                                               hn::Mul(t, Const(4.13813679705723846039e-08)))))))));
  const VD c = hn::Sub(r, hn::Mul(t, poly));
  const VD y = hn::Sub(
      Const(1.0),
      hn::Sub(hn::Sub(lo, hn::Div(hn::Mul(r, c), hn::Sub(Const(2.0), c))), hi));
  return hn::Mul(y, Pow2(k));
}

// Horner with Mul then Add: c[0] + x (c[1] + x (... c[m-1])).
template <size_t M>
HWY_INLINE VD Poly(VD x, const double (&c)[M]) {
  VD r = Const(c[M - 1]);
  for (size_t j = M - 1; j-- > 0;) r = hn::Add(Const(c[j]), hn::Mul(x, r));
  return r;
}

// fdlibm s_erf.c coefficients.
constexpr double kPP[] = {1.28379167095512558561e-01, -3.25042107247001499370e-01,
                          -2.84817495755985104766e-02, -5.77027029648944159157e-03,
                          -2.37630166566501626084e-05};
constexpr double kQQ[] = {1.0, 3.97917223959155352819e-01, 6.50222499887672944485e-02,
                          5.08130628187576562776e-03, 1.32494738004321644526e-04,
                          -3.96022827877536812320e-06};
constexpr double kPA[] = {-2.36211856075265944077e-03, 4.14856118683748331666e-01,
                          -3.72207876035701323847e-01, 3.18346619901161753674e-01,
                          -1.10894694282396677476e-01, 3.54783043256182359371e-02,
                          -2.16637559486879084300e-03};
constexpr double kQA[] = {1.0, 1.06420880400844228286e-01, 5.40397917702171048937e-01,
                          7.18286544141962662868e-02, 1.26171219808761642112e-01,
                          1.36370839120290507362e-02, 1.19844998467991074170e-02};
constexpr double kRA[] = {-9.86494403484714822705e-03, -6.93858572707181764372e-01,
                          -1.05586262253232909814e+01, -6.23753324503260060396e+01,
                          -1.62396669462573470355e+02, -1.84605092906711035994e+02,
                          -8.12874355063065934246e+01, -9.81432934416914548592e+00};
constexpr double kSA[] = {1.0, 1.96512716674392571292e+01, 1.37657754143519042600e+02,
                          4.34565877475229228821e+02, 6.45387271733267880336e+02,
                          4.29008140027567833386e+02, 1.08635005541779435134e+02,
                          6.57024977031928170135e+00, -6.04244152148580987438e-02};
constexpr double kRB[] = {-9.86494292470009928597e-03, -7.99283237680523006574e-01,
                          -1.77579549177547519889e+01, -1.60636384855821916062e+02,
                          -6.37566443368389627722e+02, -1.02509513161107724954e+03,
                          -4.83519191608651397019e+02};
constexpr double kSB[] = {1.0, 3.03380607434824582924e+01, 3.25792512996573918826e+02,
                          1.53672958608443695994e+03, 3.19985821950859553908e+03,
                          2.55305040643316442583e+03, 4.74528541206955367215e+02,
                          -2.24409524465858183362e+01};
constexpr double kErx = 8.45062911510467529297e-01;

// erfc(x), 0 <= x < kErfcVectorMax.
HWY_INLINE VD ErfcV(VD x) {
  DD d;
  DU du;
  const auto r0 = hn::Lt(x, Const(0.84375));
  const auto r1 = hn::And(hn::Not(r0), hn::Lt(x, Const(1.25)));
  const auto big = hn::Ge(x, Const(1.25));
  VD result = hn::Zero(d);
  if (!hn::AllFalse(d, r0)) {
    const VD z = hn::Mul(x, x);
    const VD y = hn::Div(Poly(z, kPP), Poly(z, kQQ));
    // x < 1/4: 1 - (x + x y); else 0.5 - (x y + (x - 0.5)).
    const VD xy = hn::Mul(x, y);
    const VD small = hn::Sub(Const(1.0), hn::Add(x, xy));
    const VD mid = hn::Sub(Const(0.5), hn::Add(xy, hn::Sub(x, Const(0.5))));
    result = hn::IfThenElse(r0, hn::IfThenElse(hn::Lt(x, Const(0.25)), small, mid),
                            result);
  }
  if (!hn::AllFalse(d, r1)) {
    const VD s = hn::Sub(x, Const(1.0));
    const VD v = hn::Sub(Const(1.0 - kErx), hn::Div(Poly(s, kPA), Poly(s, kQA)));
    result = hn::IfThenElse(r1, v, result);
  }
  if (!hn::AllFalse(d, big)) {
    // Keep the lanes in range for the exp (x in [1.25, 26)).
    const VD xb = hn::Max(x, Const(1.25));
    const VD s = hn::Div(Const(1.0), hn::Mul(xb, xb));
    const auto near = hn::Lt(xb, Const(1.0 / 0.35));
    VD R, S;
    if (hn::AllTrue(d, hn::Or(near, hn::Not(big)))) {
      R = Poly(s, kRA);
      S = Poly(s, kSA);
    } else if (hn::AllFalse(d, hn::And(near, big))) {
      R = Poly(s, kRB);
      S = Poly(s, kSB);
    } else {
      R = hn::IfThenElse(near, Poly(s, kRA), Poly(s, kRB));
      S = hn::IfThenElse(near, Poly(s, kSA), Poly(s, kSB));
    }
    // z = x with the low 32 bits cleared: z^2 and -z^2 - 0.5625 are exact.
    const VD z = hn::BitCast(
        d, hn::And(hn::BitCast(du, xb), hn::Set(du, 0xffffffff00000000ull)));
    const VD a = hn::Sub(hn::Neg(hn::Mul(z, z)), Const(0.5625));
    const VD b = hn::Add(hn::Mul(hn::Sub(z, xb), hn::Add(z, xb)), hn::Div(R, S));
    result = hn::IfThenElse(big, hn::Div(ExpSum(a, b), xb), result);
  }
  return result;
}

void ErfcArrayImpl(const double* x, size_t n, double* out) {
  DD d;
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    hn::StoreU(ErfcV(hn::LoadU(d, x + i)), d, out + i);
  if (i < n) {
    HWY_ALIGN double buf[kLanes];
    for (size_t j = 0; j < kLanes; ++j) buf[j] = i + j < n ? x[i + j] : 0.0;
    hn::Store(ErfcV(hn::Load(d, buf)), d, buf);
    for (size_t j = 0; i + j < n; ++j) out[i + j] = buf[j];
  }
}

// ------------------------------------------------------------------- PIT

// Loads lanes [i, i + kLanes) of x, padding past n with `pad`.
HWY_INLINE VD LoadPadded(const double* x, size_t i, size_t n, double pad) {
  DD d;
  if (i + kLanes <= n) return hn::LoadU(d, x + i);
  HWY_ALIGN double buf[kLanes];
  for (size_t j = 0; j < kLanes; ++j) buf[j] = i + j < n ? x[i + j] : pad;
  return hn::Load(d, buf);
}
HWY_INLINE void StorePartial(VD v, double* out, size_t i, size_t n) {
  DD d;
  if (i + kLanes <= n) {
    hn::StoreU(v, d, out + i);
    return;
  }
  HWY_ALIGN double buf[kLanes];
  hn::Store(v, d, buf);
  for (size_t j = 0; i + j < n; ++j) out[i + j] = buf[j];
}
// LoadPadded for float input (promoted exactly).
HWY_INLINE VD LoadX(const double* x, size_t i, size_t n, double pad) {
  return LoadPadded(x, i, n, pad);
}
HWY_INLINE VD LoadX(const float* x, size_t i, size_t n, double pad) {
  DD d;
  if (i + kLanes <= n) return hn::PromoteTo(d, hn::LoadU(hn::Rebind<float, DD>(), x + i));
  HWY_ALIGN double buf[kLanes];
  for (size_t j = 0; j < kLanes; ++j) buf[j] = i + j < n ? x[i + j] : pad;
  return hn::Load(d, buf);
}

// Appends the indices of the true lanes of `m` (within n) to fallback.
HWY_INLINE size_t AddFallback(hn::Mask<DD> m, size_t i, size_t n,
                              uint32_t* fallback, size_t count) {
  DD d;
  if (hn::AllFalse(d, m)) return count;
  HWY_ALIGN double buf[kLanes];
  hn::Store(hn::VecFromMask(d, m), d, buf);
  for (size_t j = 0; j < kLanes && i + j < n; ++j) {
    uint64_t bits;
    std::memcpy(&bits, &buf[j], sizeof bits);
    if (bits != 0) fallback[count++] = static_cast<uint32_t>(i + j);
  }
  return count;
}

// log(x) and log(y) with one division: the two quotients f/(2+f) share
// q = 1 / ((2 + fx)(2 + fy)). They enter only the O(f^3) correction term
// s (hfsq + R), so their extra rounding (~2 ulp in s) moves the result far
// below 1 ulp: the pair is as accurate as two LogV (tested in
// kernels_test.cc).
// kSubnormal = false when no lane is below 2^-1022 (the caller checks).
template <bool kSubnormal = true>
HWY_INLINE void LogPairV(VD x, VD y, VD* lx, VD* ly) {
  DD d;
  DU du;
  auto reduce = [&](VD& v, VD& k, VD& f) {
    VD k_adj = hn::Zero(d);
    if constexpr (kSubnormal) {
      const auto tiny = hn::Lt(v, Const(0x1p-1022));
      v = hn::IfThenElse(tiny, hn::Mul(v, Const(0x1p54)), v);
      k_adj = hn::IfThenElse(tiny, Const(-54.0), hn::Zero(d));
    }
    const VU bits = hn::BitCast(du, v);
    const VU hx = hn::Add(hn::ShiftRight<32>(bits),
                          hn::Set(du, uint64_t{0x3ff00000 - 0x3fe6a09e}));
    const VU kbits = hn::ShiftRight<20>(hx);
    k = hn::Sub(hn::BitCast(d, hn::Or(kbits, hn::Set(du, 0x4330000000000000ull))),
                Const(0x1p52 + 1023.0));
    if constexpr (kSubnormal) k = hn::Add(k, k_adj);
    const VU hm = hn::Add(hn::And(hx, hn::Set(du, uint64_t{0x000fffff})),
                          hn::Set(du, uint64_t{0x3fe6a09e}));
    const VD m = hn::BitCast(
        d, hn::Or(hn::ShiftLeft<32>(hm),
                  hn::And(bits, hn::Set(du, uint64_t{0xffffffff}))));
    f = hn::Sub(m, Const(1.0));
  };
  VD kx, fx, ky, fy;
  reduce(x, kx, fx);
  reduce(y, ky, fy);
  const VD ax = hn::Add(Const(2.0), fx), ay = hn::Add(Const(2.0), fy);
  const VD q = hn::Div(Const(1.0), hn::Mul(ax, ay));
  const VD sx = hn::Mul(hn::Mul(fx, ay), q), sy = hn::Mul(hn::Mul(fy, ax), q);
  auto finish = [&](VD k, VD f, VD s) {
    const VD hfsq = hn::Mul(Const(0.5), hn::Mul(f, f));
    const VD R = LogPolyR(s);
    const VD inner = hn::Add(hn::Mul(s, hn::Add(hfsq, R)),
                             hn::Mul(k, Const(1.90821492927058770002e-10)));
    return hn::Sub(hn::Mul(k, Const(6.93147180369123816490e-01)),
                   hn::Sub(hn::Sub(hfsq, inner), f));
  };
  *lx = finish(kx, fx, sx);
  *ly = finish(ky, fy, sy);
}

void LogPairArrayImpl(const double* x, const double* y, size_t n, double* lx,
                      double* ly) {
  DD d;
  for (size_t i = 0; i < n; i += kLanes) {
    VD a, b;
    LogPairV(LoadPadded(x, i, n, 1.0), LoadPadded(y, i, n, 1.0), &a, &b);
    StorePartial(a, lx, i, n);
    StorePartial(b, ly, i, n);
  }
  (void)d;
}

// ------------------------------------------------------- normal scores

// Wichura's AS 241 (PPND16, Appl. Statist. 37, 1988), relative error about
// 1e-16: for p <= 1/2 with q = p - 1/2, |q| <= 0.425: q A(r)/B(r), r =
// 0.180625 - q^2; else r = sqrt(-ln p): -C(r - 1.6)/D(r - 1.6) for r <= 5,
// -E(r - 5)/F(r - 5) beyond (p < 1.4e-11). Coefficients ascending.
constexpr double kPpndA[] = {3.387132872796366608e0,  1.3314166789178437745e2,
                          1.9715909503065514427e3, 1.3731693765509461125e4,
                          4.5921953931549871457e4, 6.7265770927008700853e4,
                          3.3430575583588128105e4, 2.5090809287301226727e3};
constexpr double kPpndB[] = {1.0,
                          4.2313330701600911252e1, 6.8718700749205790830e2,
                          5.3941960214247511077e3, 2.1213794301586595867e4,
                          3.9307895800092710610e4, 2.8729085735721942674e4,
                          5.2264952788528545610e3};
constexpr double kPpndC[] = {1.42343711074968357734e0, 4.63033784615654529590e0,
                          5.76949722146069140550e0, 3.64784832476320460504e0,
                          1.27045825245236838258e0, 2.41780725177450611770e-1,
                          2.27238449892691845833e-2, 7.74545014278341407640e-4};
constexpr double kPpndD[] = {1.0,
                          2.05319162663775882187e0, 1.67638483018380384940e0,
                          6.89767334985100004550e-1, 1.48103976427480074590e-1,
                          1.51986665636164571966e-2, 5.47593808499534494600e-4,
                          1.05075007164441684324e-9};
constexpr double kPpndE[] = {6.65790464350110377720e0, 5.46378491116411436990e0,
                          1.78482653991729133580e0, 2.96560571828504891230e-1,
                          2.65321895265761230930e-2, 1.24266094738807843860e-3,
                          2.71155556874348757815e-5, 2.01033439929228813265e-7};
constexpr double kPpndF[] = {1.0,
                          5.99832206555887937690e-1, 1.36929880922735805310e-1,
                          1.48753612908506148525e-2, 7.86869131145613259100e-4,
                          1.84631831751005468180e-5, 1.42151175831644588870e-7,
                          2.04426310338993978564e-15};

// Phi^-1(p) for p in (0, 1/2] (<= 0) of the lanes in the tails (p <
// 0.075): -C(r - 1.6)/D(r - 1.6), r = sqrt(-ln p), or -E(r - 5)/F(r - 5)
// for r > 5; one division.
HWY_INLINE VD NormalQuantileTailV(VD p) {
  const VD r = hn::Sqrt(hn::Neg(LogV(p)));
  const VD r1 = hn::Sub(r, Const(1.6));
  VD num = Poly(r1, kPpndC), den = Poly(r1, kPpndD);
  const auto far = hn::Gt(r, Const(5.0));
  if (!hn::AllFalse(DD(), far)) {
    const VD r5 = hn::Sub(r, Const(5.0));
    num = hn::IfThenElse(far, Poly(r5, kPpndE), num);
    den = hn::IfThenElse(far, Poly(r5, kPpndF), den);
  }
  return hn::Neg(hn::Div(num, den));
}

// z = Phi^-1(p) where `lower`, else -Phi^-1(p), for p in (0, 1/2] (a
// little above 1/2 is fine for the central branch), of n <= 256 values
// whose (p, lower) lanes `load(i, &p, &lower)` gives for [i, i + kLanes).
// The central branch runs on every lane; the tail lanes (p < 0.075: 15% of
// the values under H0, but in most vectors) are gathered, so the logarithm
// and square root run only on them: with AVX-512's VCOMPRESSPD (p, sign and
// position compressed), elsewhere by position (Highway 1.0.3's Compress
// rebuilds its table on the stack at each call for 64-bit lanes: slower
// than the scalar gather; bench/README "CompressLanes"). The sign is applied
// by negation or by a product with -1: exact, so the bits are those of the
// scalar formula.
template <class Load>
HWY_INLINE void ScoresChunk(const Load& load, size_t n, double* z) {
  DD d;
  HWY_ALIGN double tp[256 + kLanes], ts[256 + kLanes];
  size_t nt = 0;
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
  HWY_ALIGN double ti[256 + kLanes];
  const VD iota = hn::Iota(d, 0.0);
#else
  HWY_ALIGN double pb[256 + kLanes], sb[256 + kLanes];
  uint32_t ti[256 + kLanes];
#endif
  for (size_t i = 0; i < n; i += kLanes) {
    VD p;
    hn::Mask<DD> lower;
    load(i, &p, &lower);
    const VD q = hn::Sub(p, Const(0.5));
    const VD rc = hn::Sub(Const(0.180625), hn::Mul(q, q));
    const VD central = hn::Div(hn::Mul(q, Poly(rc, kPpndA)), Poly(rc, kPpndB));
    StorePartial(hn::IfThenElse(lower, central, hn::Neg(central)), z, i, n);
    const auto tail = hn::Lt(p, Const(0.075));  // |q| > 0.425
    const VD sign = hn::IfThenElse(lower, Const(1.0), Const(-1.0));
#if HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3
    const auto take = hn::And(tail, hn::FirstN(d, n - i));
    if (hn::AllFalse(d, take)) continue;
    hn::CompressStore(sign, take, d, ts + nt);
    hn::CompressStore(hn::Add(iota, Const(static_cast<double>(i))), take, d, ti + nt);
    nt += hn::CompressStore(p, take, d, tp + nt);
#else
    hn::Store(p, d, pb + i);
    hn::Store(sign, d, sb + i);
    nt = AddFallback(tail, i, n, ti, nt);
#endif
  }
#if !(HWY_ARCH_X86 && HWY_TARGET <= HWY_AVX3)
  for (size_t j = 0; j < nt; ++j) {
    tp[j] = pb[ti[j]];
    ts[j] = sb[ti[j]];
  }
#endif
  for (size_t j = 0; j < nt; j += kLanes) {
    const VD t = NormalQuantileTailV(LoadPadded(tp, j, nt, 0.01));
    StorePartial(hn::Mul(t, LoadPadded(ts, j, nt, 1.0)), tp, j, nt);
  }
  for (size_t j = 0; j < nt; ++j) z[static_cast<size_t>(ti[j])] = tp[j];
}

void NormalScoresOfTailsImpl(const double* u, const double* s, size_t n,
                             double eps, double* z) {
  // p = max(u, eps) where u <= 1/2, else max(s, eps).
  const VD ve = Const(eps);
  for (size_t c = 0; c < n; c += 256) {
    const size_t m = std::min<size_t>(256, n - c);
    ScoresChunk(
        [&](size_t i, VD* p, hn::Mask<DD>* lower) {
          const VD vu = LoadPadded(u + c, i, m, 0.5);
          const VD vs = LoadPadded(s + c, i, m, 0.5);
          *lower = hn::Le(vu, Const(0.5));
          *p = hn::Max(hn::IfThenElse(*lower, vu, vs), ve);
        },
        m, z + c);
  }
}

// Uniform(a, b): p = (x - a)/(b - a) or (b - x)/(b - a), the smaller, as
// Uniform::cdf/sf (correctly rounded quotients), clamped to eps. In place
// (z == x) is allowed: each vector is read before it is written.
void NormalScoresUniformImpl(const double* x, size_t n, double a, double b,
                             double eps, double* z) {
  const VD va = Const(a), vb = Const(b), w = Const(b - a), ve = Const(eps);
  const double mid = 0.5 * (a + b);
  for (size_t c = 0; c < n; c += 256) {
    const size_t m = std::min<size_t>(256, n - c);
    ScoresChunk(
        [&](size_t i, VD* p, hn::Mask<DD>* lower) {
          // x - a <= b - x decides the side: it differs from u <= 1/2 only
          // within a rounding of the midpoint, where both sides give |z| <
          // 1e-16.
          const VD v = LoadPadded(x + c, i, m, mid);
          const VD lo = hn::Sub(v, va), hi = hn::Sub(vb, v);
          *lower = hn::Le(lo, hi);
          *p = hn::Max(hn::Div(hn::IfThenElse(*lower, lo, hi), w), ve);
        },
        m, z + c);
  }
}

template <class T>
void PitUniformT(const T* x, size_t n, double a, double b, double* u,
                 double* s) {
  // Uniform::cdf/sf: x <= a: (0, 1); x >= b: (1, 0); else (x-a)/(b-a),
  // (b-x)/(b-a), correctly rounded (a product with a rounded 1/(b-a) would
  // shift every u by the same relative ~1e-17, and A^2 by ~n 1e-17).
  const VD va = Const(a), vb = Const(b), w = Const(b - a);
  for (size_t i = 0; i < n; i += kLanes) {
    const VD v = LoadX(x, i, n, a);
    const auto lo = hn::Le(v, va), hi = hn::Ge(v, vb);
    VD cu = hn::Div(hn::Sub(v, va), w);
    VD cs = hn::Div(hn::Sub(vb, v), w);
    cu = hn::IfThenElse(lo, hn::Zero(DD()), hn::IfThenElse(hi, Const(1.0), cu));
    cs = hn::IfThenElse(lo, Const(1.0), hn::IfThenElse(hi, hn::Zero(DD()), cs));
    StorePartial(cu, u, i, n);
    StorePartial(cs, s, i, n);
  }
}

constexpr double kInvSqrt2 = 0.70710678118654752440;

template <class T>
size_t PitNormalT(const T* x, size_t n, double mean, double sd, double* u,
                  double* s, uint32_t* fallback) {
  // Normal::cdf_sf: w = ((x - mean) / sd) / sqrt 2 (as a product), t =
  // erfc(|w|) / 2, the smaller tail directly and the other as 1 - t.
  size_t count = 0;
  const VD vm = Const(mean), vs = Const(sd);
  for (size_t i = 0; i < n; i += kLanes) {
    const VD v = LoadX(x, i, n, mean);
    const VD w = hn::Mul(hn::Div(hn::Sub(v, vm), vs), Const(kInvSqrt2));
    const VD aw = hn::Abs(w);
    const auto out = hn::Not(hn::Lt(aw, Const(kErfcVectorMax)));  // NaN too
    const VD t = hn::Mul(Const(0.5), ErfcV(hn::IfThenElse(out, hn::Zero(DD()), aw)));
    const auto neg = hn::Lt(w, hn::Zero(DD()));
    const VD other = hn::Sub(Const(1.0), t);
    StorePartial(hn::IfThenElse(neg, t, other), u, i, n);
    StorePartial(hn::IfThenElse(neg, other, t), s, i, n);
    count = AddFallback(out, i, n, fallback, count);
  }
  return count;
}

template <class T>
size_t PitTruncNormalT(const T* x, size_t n, const TruncParams& p, double* u,
                       double* s, uint32_t* fallback) {
  // TruncatedNormal::tails, with the midpoint-rule lanes (close_pair) and
  // the far tails left to the scalar code.
  DD d;
  size_t count = 0;
  const VD va = Const(p.a), vb = Const(p.b), vmu = Const(p.mu),
           vsig = Const(p.sigma), vz = Const(p.z);
  const double pad = std::isfinite(p.a) && std::isfinite(p.b)
                         ? 0.5 * (p.a + p.b)
                         : (std::isfinite(p.a) ? p.a + p.sigma
                                               : (std::isfinite(p.b) ? p.b - p.sigma : p.mu));
  for (size_t i = 0; i < n; i += kLanes) {
    const VD v = LoadX(x, i, n, pad);
    const auto below = hn::Le(v, va), above = hn::Ge(v, vb);
    const VD xi = hn::Div(hn::Sub(v, vmu), vsig);
    const VD aw = hn::Mul(hn::Abs(xi), Const(kInvSqrt2));
    auto out = hn::Not(hn::Lt(aw, Const(kErfcVectorMax)));
    const VD t = hn::Mul(Const(0.5), ErfcV(hn::IfThenElse(out, hn::Zero(d), aw)));
    const auto neg = hn::Lt(xi, hn::Zero(d));
    const VD phi_lo = hn::IfThenElse(neg, t, hn::Sub(Const(1.0), t));
    const VD q = hn::IfThenElse(neg, hn::Sub(Const(1.0), t), t);
    // close_pair(lo, h): h (1 + |lo + h/2|) <= 0.01 with finite lo, h.
    const VD h_lo = hn::Div(hn::Sub(v, va), vsig);
    const VD h_hi = hn::Div(hn::Sub(vb, v), vsig);
    auto close = hn::FirstN(d, 0);  // all false
    if (std::isfinite(p.alpha)) {
      const VD m = hn::Add(Const(p.alpha), hn::Mul(Const(0.5), h_lo));
      close = hn::Or(close, hn::And(hn::IsFinite(h_lo),
                                    hn::Le(hn::Mul(h_lo, hn::Add(Const(1.0), hn::Abs(m))),
                                           Const(0.01))));
    }
    if (std::isfinite(p.beta)) {
      const VD lo2 = hn::Sub(Const(p.beta), h_hi);
      const VD m = hn::Add(lo2, hn::Mul(Const(0.5), h_hi));
      close = hn::Or(close, hn::And(hn::And(hn::IsFinite(h_hi), hn::IsFinite(lo2)),
                                    hn::Le(hn::Mul(h_hi, hn::Add(Const(1.0), hn::Abs(m))),
                                           Const(0.01))));
    }
    const auto inside = hn::Not(hn::Or(below, above));
    out = hn::And(inside, hn::Or(out, close));
    const VD lower = p.alpha >= 0 ? hn::Sub(Const(p.q_a), q)
                                  : hn::Sub(phi_lo, Const(p.phi_lo_a));
    const VD upper = p.beta <= 0 ? hn::Sub(Const(p.phi_lo_b), phi_lo)
                                 : hn::Sub(q, Const(p.q_b));
    VD cu = hn::Min(hn::Max(hn::Div(lower, vz), hn::Zero(d)), Const(1.0));
    VD cs = hn::Min(hn::Max(hn::Div(upper, vz), hn::Zero(d)), Const(1.0));
    cu = hn::IfThenElse(below, hn::Zero(d), hn::IfThenElse(above, Const(1.0), cu));
    cs = hn::IfThenElse(below, Const(1.0), hn::IfThenElse(above, hn::Zero(d), cs));
    StorePartial(cu, u, i, n);
    StorePartial(cs, s, i, n);
    count = AddFallback(out, i, n, fallback, count);
  }
  return count;
}

void PitUniformF64Impl(const double* x, size_t n, double a, double b,
                       double* u, double* s) {
  PitUniformT(x, n, a, b, u, s);
}
void PitUniformF32Impl(const float* x, size_t n, double a, double b,
                       double* u, double* s) {
  PitUniformT(x, n, a, b, u, s);
}
size_t PitNormalF64Impl(const double* x, size_t n, double mean, double sd,
                        double* u, double* s, uint32_t* fb) {
  return PitNormalT(x, n, mean, sd, u, s, fb);
}
size_t PitNormalF32Impl(const float* x, size_t n, double mean, double sd,
                        double* u, double* s, uint32_t* fb) {
  return PitNormalT(x, n, mean, sd, u, s, fb);
}
size_t PitTruncNormalF64Impl(const double* x, size_t n, const TruncParams& p,
                             double* u, double* s, uint32_t* fb) {
  return PitTruncNormalT(x, n, p, u, s, fb);
}
size_t PitTruncNormalF32Impl(const float* x, size_t n, const TruncParams& p,
                             double* u, double* s, uint32_t* fb) {
  return PitTruncNormalT(x, n, p, u, s, fb);
}

// ------------------------------------------------------- GoF accumulation

void AccumulateGofImpl(const double* u, const double* s, size_t m, int64_t i0,
                       int64_t n, bool with_ad, GofBlock* out) {
  DD d;
  const double inv_n = 1.0 / static_cast<double>(n);
  const VD vinv = Const(inv_n);
  const VD iota = hn::Iota(d, 0.0);
  VD mp = Const(-1e300), mm = Const(-1e300);
  VD umin = Const(1e300), umax = Const(-1e300), smin = Const(1e300),
     smax = Const(-1e300);
  size_t i = 0;
  for (; i + kLanes <= m; i += kLanes) {
    const VD vu = hn::LoadU(d, u + i), vs = hn::LoadU(d, s + i);
    const VD idx = hn::Add(Const(static_cast<double>(i0 + static_cast<int64_t>(i))), iota);
    mp = hn::Max(mp, hn::Sub(hn::Mul(hn::Add(idx, Const(1.0)), vinv), vu));
    mm = hn::Max(mm, hn::Sub(vu, hn::Mul(idx, vinv)));
    umin = hn::Min(umin, vu);
    umax = hn::Max(umax, vu);
    smin = hn::Min(smin, vs);
    smax = hn::Max(smax, vs);
  }
  double dp = hn::GetLane(hn::MaxOfLanes(d, mp));
  double dm = hn::GetLane(hn::MaxOfLanes(d, mm));
  double lo_u = hn::GetLane(hn::MinOfLanes(d, umin));
  double hi_u = hn::GetLane(hn::MaxOfLanes(d, umax));
  double lo_s = hn::GetLane(hn::MinOfLanes(d, smin));
  double hi_s = hn::GetLane(hn::MaxOfLanes(d, smax));
  int64_t n_edge = 0;
  for (; i < m; ++i) {
    const double k = static_cast<double>(i0 + static_cast<int64_t>(i));
    dp = std::max(dp, (k + 1.0) * inv_n - u[i]);
    dm = std::max(dm, u[i] - k * inv_n);
    lo_u = std::min(lo_u, u[i]);
    hi_u = std::max(hi_u, u[i]);
    lo_s = std::min(lo_s, s[i]);
    hi_s = std::max(hi_s, s[i]);
  }
  // The PIT values are never NaN: an edge (u or s <= 0) shows in the minima.
  if (!(lo_u > 0) || !(lo_s > 0)) n_edge = 1;
  // First indices of the maxima (the scalar loop's strict > keeps the
  // first): rescan for the first lane equal to the block maximum, with the
  // same arithmetic, vectors first.
  int64_t ip = -1, im = -1;
  {
    const VD vdp = Const(dp), vdm = Const(dm);
    size_t j = 0;
    for (; j + kLanes <= m && (ip < 0 || im < 0); j += kLanes) {
      const VD vu = hn::LoadU(d, u + j);
      const VD idx = hn::Add(Const(static_cast<double>(i0 + static_cast<int64_t>(j))), iota);
      if (ip < 0) {
        const intptr_t f = hn::FindFirstTrue(
            d, hn::Eq(hn::Sub(hn::Mul(hn::Add(idx, Const(1.0)), vinv), vu), vdp));
        if (f >= 0) ip = i0 + static_cast<int64_t>(j) + f;
      }
      if (im < 0) {
        const intptr_t f = hn::FindFirstTrue(d, hn::Eq(hn::Sub(vu, hn::Mul(idx, vinv)), vdm));
        if (f >= 0) im = i0 + static_cast<int64_t>(j) + f;
      }
    }
    for (; j < m && (ip < 0 || im < 0); ++j) {
      const double k = static_cast<double>(i0 + static_cast<int64_t>(j));
      if (ip < 0 && (k + 1.0) * inv_n - u[j] == dp) ip = i0 + static_cast<int64_t>(j);
      if (im < 0 && u[j] - k * inv_n == dm) im = i0 + static_cast<int64_t>(j);
    }
  }
  out->d_plus = dp;
  out->d_minus = dm;
  out->i_plus = ip;
  out->i_minus = im;
  out->u_min = lo_u;
  out->u_max = hi_u;
  out->s_min = lo_s;
  out->s_max = hi_s;
  if (n_edge) {
    int64_t c = 0;
    for (size_t j = 0; j < m; ++j) c += !(u[j] > 0) || !(s[j] > 0);
    out->n_edge = c;
    out->ad_sum = 0;
    return;
  }
  out->n_edge = 0;
  if (!with_ad) {
    out->ad_sum = 0;
    return;
  }
  // sum (2i+1) ln u_i + (2n-1-2i) ln s_i, 8 partial sums by i mod 8.
  VD acc[kVecs];
  for (size_t v = 0; v < kVecs; ++v) acc[v] = hn::Zero(d);
  const double two_n_m1 = 2.0 * static_cast<double>(n) - 1.0;
  const bool normal_range = lo_u >= 0x1p-1022 && lo_s >= 0x1p-1022;
  size_t j = 0;
  for (; j + 8 <= m; j += 8) {
    for (size_t v = 0; v < kVecs; ++v) {
      const size_t o = j + v * kLanes;
      const VD idx = hn::Add(Const(static_cast<double>(i0 + static_cast<int64_t>(o))), iota);
      const VD twoi = hn::Add(idx, idx);
      const VD wu = hn::Add(twoi, Const(1.0));
      const VD ws = hn::Sub(Const(two_n_m1), twoi);
      VD lu, ls;
      if (normal_range) {
        LogPairV<false>(hn::LoadU(d, u + o), hn::LoadU(d, s + o), &lu, &ls);
      } else {
        LogPairV<true>(hn::LoadU(d, u + o), hn::LoadU(d, s + o), &lu, &ls);
      }
      const VD term = hn::Add(hn::Mul(wu, lu), hn::Mul(ws, ls));
      acc[v] = hn::Add(acc[v], term);
    }
  }
  HWY_ALIGN double part[8];
  for (size_t v = 0; v < kVecs; ++v) hn::Store(acc[v], d, part + v * kLanes);
  if (j < m) {
    HWY_ALIGN double lu[8], ls[8];
    for (size_t t = 0; t < 8; ++t) {
      lu[t] = j + t < m ? u[j + t] : 1.0;
      ls[t] = j + t < m ? s[j + t] : 1.0;
    }
    LogPairArrayImpl(lu, ls, 8, lu, ls);
    for (size_t t = 0; j + t < m; ++t) {
      const double idx = static_cast<double>(i0 + static_cast<int64_t>(j + t));
      const double twoi = idx + idx;
      part[t] = part[t] + ((twoi + 1.0) * lu[t] + (two_n_m1 - twoi) * ls[t]);
    }
  }
  out->ad_sum = ((part[0] + part[1]) + (part[2] + part[3])) +
                ((part[4] + part[5]) + (part[6] + part[7]));
}

size_t CountBelowImpl(const double* u, size_t m, double p) {
  DD d;
  size_t c = 0, i = 0;
  const VD vp = Const(p);
  for (; i + kLanes <= m; i += kLanes)
    c += hn::CountTrue(d, hn::Lt(hn::LoadU(d, u + i), vp));
  for (; i < m; ++i) c += u[i] < p;
  return c;
}
size_t CountAboveImpl(const double* s, size_t m, double q) {
  DD d;
  size_t c = 0, i = 0;
  const VD vq = Const(q);
  for (; i + kLanes <= m; i += kLanes)
    c += hn::CountTrue(d, hn::Gt(hn::LoadU(d, s + i), vq));
  for (; i < m; ++i) c += s[i] > q;
  return c;
}

// ---------------------------------------------------------------- moments

double BlockSumImpl(const double* x, size_t m) {
  DD d;
  VD acc[kVecs];
  for (size_t v = 0; v < kVecs; ++v) acc[v] = hn::Zero(d);
  size_t i = 0;
  for (; i + 8 <= m; i += 8)
    for (size_t v = 0; v < kVecs; ++v)
      acc[v] = hn::Add(acc[v], hn::LoadU(d, x + i + v * kLanes));
  HWY_ALIGN double p[8];
  for (size_t v = 0; v < kVecs; ++v) hn::Store(acc[v], d, p + v * kLanes);
  for (size_t t = 0; i + t < m; ++t) p[t] = p[t] + x[i + t];
  return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
}

void BlockMomentsImpl(const double* x, size_t m, MomentBlock* out) {
  DD d;
  const double mean = BlockSumImpl(x, m) / static_cast<double>(m);
  const VD vm = Const(mean);
  VD a1[kVecs], a2[kVecs], a3[kVecs], a4[kVecs];
  VD lo = Const(x[0]), hi = Const(x[0]);
  for (size_t v = 0; v < kVecs; ++v) a1[v] = a2[v] = a3[v] = a4[v] = hn::Zero(d);
  size_t i = 0;
  for (; i + 8 <= m; i += 8) {
    for (size_t v = 0; v < kVecs; ++v) {
      const VD xv = hn::LoadU(d, x + i + v * kLanes);
      lo = hn::Min(lo, xv);
      hi = hn::Max(hi, xv);
      const VD dv = hn::Sub(xv, vm);
      const VD d2 = hn::Mul(dv, dv);
      a1[v] = hn::Add(a1[v], dv);
      a2[v] = hn::Add(a2[v], d2);
      a3[v] = hn::Add(a3[v], hn::Mul(d2, dv));
      a4[v] = hn::Add(a4[v], hn::Mul(d2, d2));
    }
  }
  HWY_ALIGN double p1[8], p2[8], p3[8], p4[8];
  for (size_t v = 0; v < kVecs; ++v) {
    hn::Store(a1[v], d, p1 + v * kLanes);
    hn::Store(a2[v], d, p2 + v * kLanes);
    hn::Store(a3[v], d, p3 + v * kLanes);
    hn::Store(a4[v], d, p4 + v * kLanes);
  }
  double mn = hn::GetLane(hn::MinOfLanes(d, lo));
  double mx = hn::GetLane(hn::MaxOfLanes(d, hi));
  for (size_t t = 0; i + t < m; ++t) {
    const double xv = x[i + t];
    mn = std::min(mn, xv);
    mx = std::max(mx, xv);
    const double dv = xv - mean;
    const double d2 = dv * dv;
    p1[t] = p1[t] + dv;
    p2[t] = p2[t] + d2;
    p3[t] = p3[t] + d2 * dv;
    p4[t] = p4[t] + d2 * d2;
  }
  auto comb = [](const double* p) {
    return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
  };
  out->mean = mean;
  out->s1 = comb(p1);
  out->s2 = comb(p2);
  out->s3 = comb(p3);
  out->s4 = comb(p4);
  out->min = mn;
  out->max = mx;
}

size_t CountNonFiniteImpl(const double* x, size_t m) {
  DD d;
  size_t c = 0, i = 0;
  for (; i + kLanes <= m; i += kLanes)
    c += hn::CountTrue(d, hn::Not(hn::IsFinite(hn::LoadU(d, x + i))));
  for (; i < m; ++i) c += !std::isfinite(x[i]);
  return c;
}

double LaggedProductsImpl(const double* x, size_t m, int lag, double c) {
  DD d;
  const VD vc = Const(c);
  VD acc[kVecs];
  for (size_t v = 0; v < kVecs; ++v) acc[v] = hn::Zero(d);
  size_t i = 0;
  for (; i + 8 <= m; i += 8) {
    for (size_t v = 0; v < kVecs; ++v) {
      const size_t o = i + v * kLanes;
      const VD a = hn::Sub(hn::LoadU(d, x + o), vc);
      const VD b = hn::Sub(hn::LoadU(d, x + o + lag), vc);
      acc[v] = hn::Add(acc[v], hn::Mul(a, b));
    }
  }
  HWY_ALIGN double p[8];
  for (size_t v = 0; v < kVecs; ++v) hn::Store(acc[v], d, p + v * kLanes);
  for (size_t t = 0; i + t < m; ++t)
    p[t] = p[t] + (x[i + t] - c) * (x[i + t + static_cast<size_t>(lag)] - c);
  return ((p[0] + p[1]) + (p[2] + p[3])) + ((p[4] + p[5]) + (p[6] + p[7]));
}

void CenteredDotAndSquaresImpl(const double* a, double ca, const double* b,
                               double cb, size_t m, double* dot, double* ss) {
  DD d;
  const VD va = Const(ca), vb = Const(cb);
  VD ad[kVecs], as[kVecs];
  for (size_t v = 0; v < kVecs; ++v) ad[v] = as[v] = hn::Zero(d);
  size_t i = 0;
  for (; i + 8 <= m; i += 8) {
    for (size_t v = 0; v < kVecs; ++v) {
      const size_t o = i + v * kLanes;
      const VD x = hn::Sub(hn::LoadU(d, a + o), va);
      const VD y = hn::Sub(hn::LoadU(d, b + o), vb);
      ad[v] = hn::Add(ad[v], hn::Mul(x, y));
      as[v] = hn::Add(as[v], hn::Mul(y, y));
    }
  }
  HWY_ALIGN double pd[8], ps[8];
  for (size_t v = 0; v < kVecs; ++v) {
    hn::Store(ad[v], d, pd + v * kLanes);
    hn::Store(as[v], d, ps + v * kLanes);
  }
  for (size_t t = 0; i + t < m; ++t) {
    const double x = a[i + t] - ca, y = b[i + t] - cb;
    pd[t] = pd[t] + x * y;
    ps[t] = ps[t] + y * y;
  }
  *dot = ((pd[0] + pd[1]) + (pd[2] + pd[3])) + ((pd[4] + pd[5]) + (pd[6] + pd[7]));
  *ss = ((ps[0] + ps[1]) + (ps[2] + ps[3])) + ((ps[4] + ps[5]) + (ps[6] + ps[7]));
}

double CenteredSquaresImpl(const double* b, double cb, size_t m) {
  DD d;
  const VD vb = Const(cb);
  VD as[kVecs];
  for (size_t v = 0; v < kVecs; ++v) as[v] = hn::Zero(d);
  size_t i = 0;
  for (; i + 8 <= m; i += 8) {
    for (size_t v = 0; v < kVecs; ++v) {
      const VD y = hn::Sub(hn::LoadU(d, b + i + v * kLanes), vb);
      as[v] = hn::Add(as[v], hn::Mul(y, y));
    }
  }
  HWY_ALIGN double ps[8];
  for (size_t v = 0; v < kVecs; ++v) hn::Store(as[v], d, ps + v * kLanes);
  for (size_t t = 0; i + t < m; ++t) {
    const double y = b[i + t] - cb;
    ps[t] = ps[t] + y * y;
  }
  return ((ps[0] + ps[1]) + (ps[2] + ps[3])) + ((ps[4] + ps[5]) + (ps[6] + ps[7]));
}

void AboveBitsImpl(const double* x, size_t m, double c, uint64_t* bits,
                   size_t* n_equal) {
  DD d;
  const VD vc = Const(c);
  size_t eq = 0;
  const size_t words = (m + 63) / 64;
  for (size_t w = 0; w < words; ++w) {
    uint64_t word = 0;
    const size_t base = w * 64;
    const size_t len = std::min<size_t>(64, m - base);
    size_t j = 0;
    for (; j + kLanes <= len; j += kLanes) {
      const VD v = hn::LoadU(d, x + base + j);
      uint8_t mb[8] = {0};
      hn::StoreMaskBits(d, hn::Gt(v, vc), mb);
      word |= static_cast<uint64_t>(mb[0]) << j;
      eq += hn::CountTrue(d, hn::Eq(v, vc));
    }
    for (; j < len; ++j) {
      word |= static_cast<uint64_t>(x[base + j] > c) << j;
      eq += x[base + j] == c;
    }
    bits[w] = word;
  }
  *n_equal = eq;
}

// ----------------------------------------------------------------- hashes

#if HWY_TARGET == HWY_SCALAR || HWY_TARGET == HWY_EMU128
// No 32x32->64 lane multiply on these fallbacks: lane by lane.
HWY_INLINE VU Mul64(VU a, VU b) {
  DU du;
  HWY_ALIGN uint64_t x[kLanes], y[kLanes];
  hn::Store(a, du, x);
  hn::Store(b, du, y);
  for (size_t i = 0; i < kLanes; ++i) x[i] *= y[i];
  return hn::Load(du, x);
}
HWY_INLINE VU MulLo32(VU a, uint32_t k) {
  DU du;
  HWY_ALIGN uint64_t x[kLanes];
  hn::Store(a, du, x);
  for (size_t i = 0; i < kLanes; ++i) x[i] = (x[i] & 0xffffffffu) * k;
  return hn::Load(du, x);
}
#else
// (a * b) mod 2^64 from 32x32->64 products.
HWY_INLINE VU Mul64(VU a, VU b) {
  const hn::Repartition<uint32_t, DU> d32;
  const VU lo = hn::MulEven(hn::BitCast(d32, a), hn::BitCast(d32, b));
  const VU hl = hn::MulEven(hn::BitCast(d32, hn::ShiftRight<32>(a)), hn::BitCast(d32, b));
  const VU lh = hn::MulEven(hn::BitCast(d32, a), hn::BitCast(d32, hn::ShiftRight<32>(b)));
  return hn::Add(lo, hn::ShiftLeft<32>(hn::Add(hl, lh)));
}
// Low 32 bits of a times a 32-bit constant, as a 64-bit product.
HWY_INLINE VU MulLo32(VU a, uint32_t k) {
  DU du;
  const hn::Repartition<uint32_t, DU> d32;
  return hn::MulEven(hn::BitCast(d32, a), hn::BitCast(d32, hn::Set(du, uint64_t{k})));
}
#endif

void WindowHashesImpl(const uint64_t* g, size_t nw, int w, uint64_t* h) {
  DU du;
  size_t i = 0;
  for (; i + kLanes <= nw; i += kLanes) {
    VU acc = hn::Zero(du);
    for (int j = 0; j < w; ++j)
      acc = hn::Add(acc, MulLo32(hn::LoadU(du, g + i + static_cast<size_t>(j)),
                                 kWindowKeys.k[j]));
    hn::StoreU(acc, du, h + i);
  }
  for (; i < nw; ++i) {
    uint64_t acc = 0;
    for (int j = 0; j < w; ++j)
      acc += (g[i + static_cast<size_t>(j)] & 0xffffffffu) *
             static_cast<uint64_t>(kWindowKeys.k[j]);
    h[i] = acc;
  }
}

constexpr uint64_t kSeqMul = 0x9E3779B97F4A7C15ull;

uint64_t SequenceHashImpl(const uint64_t* g, size_t m) {
  // H = sum_j g_j P^(m-1-j) mod 2^64. Lane l of 8 runs Horner (step P^8)
  // over j = l mod 8 in the first `full` = 8 floor(m/8) terms: A_l =
  // sum_k g_{8k+l} P^(8(K-1-k)); those terms of H are A_l P^(r+7-l), r =
  // m - full; the last r terms are a plain Horner.
  DU du;
  uint64_t p8 = 1;
  for (int t = 0; t < 8; ++t) p8 *= kSeqMul;
  const size_t full = m / 8 * 8;
  VU acc[kVecs];
  for (size_t v = 0; v < kVecs; ++v) acc[v] = hn::Zero(du);
  const VU vp8 = hn::Set(du, p8);
  for (size_t i = 0; i < full; i += 8)
    for (size_t v = 0; v < kVecs; ++v)
      acc[v] = hn::Add(Mul64(acc[v], vp8), hn::LoadU(du, g + i + v * kLanes));
  HWY_ALIGN uint64_t lane[8];
  for (size_t v = 0; v < kVecs; ++v) hn::Store(acc[v], du, lane + v * kLanes);
  const size_t r = m - full;
  uint64_t h = 0;
  if (full > 0) {
    uint64_t pw = 1;  // P^(r + 7 - l) for l = 7 down to 0
    for (size_t t = 0; t < r; ++t) pw *= kSeqMul;
    for (size_t l = 8; l-- > 0;) {
      h += lane[l] * pw;
      pw *= kSeqMul;
    }
  }
  uint64_t tail = 0;
  for (size_t j = full; j < m; ++j) tail = tail * kSeqMul + g[j];
  return h + tail;
}

// g of ValueHashes for one vector of doubles.
HWY_INLINE VU ValueHashV(VD v) {
  DD d;
  DU du;
  const VU mask32 = hn::Set(du, uint64_t{0xffffffffu});
  v = hn::IfThenElse(hn::Eq(v, hn::Zero(d)), hn::Zero(d), v);  // -0 -> +0
  const VU b = hn::BitCast(du, v);
  VU h = hn::ShiftRight<32>(hn::Add(hn::Add(MulLo32(b, 0x9E3779B1u),
                                            MulLo32(hn::ShiftRight<32>(b), 0x85EBCA77u)),
                                    hn::Set(du, 0x165667B19E3779F9ull)));
  h = hn::Xor(h, hn::ShiftRight<16>(h));
  h = hn::And(MulLo32(h, 0x85ebca6bu), mask32);
  h = hn::Xor(h, hn::ShiftRight<13>(h));
  h = hn::And(MulLo32(h, 0xc2b2ae35u), mask32);
  return hn::Xor(h, hn::ShiftRight<16>(h));
}

template <class T>
uint64_t HashSum(const T* x, size_t n) {
  DD d;
  DU du;
  VU acc = hn::Zero(du);
  size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    VD v;
    if constexpr (sizeof(T) == 4) {
      v = hn::PromoteTo(d, hn::LoadU(hn::Rebind<float, DD>(), x + i));
    } else {
      v = hn::LoadU(d, x + i);
    }
    acc = hn::Add(acc, ValueHashV(v));
  }
  HWY_ALIGN uint64_t lane[kLanes];
  hn::Store(acc, du, lane);
  uint64_t sum = 0;
  for (size_t l = 0; l < kLanes; ++l) sum += lane[l];
  if (i < n) {
    HWY_ALIGN double buf[kLanes];
    for (size_t j = 0; j < kLanes; ++j) buf[j] = i + j < n ? static_cast<double>(x[i + j]) : 0.0;
    hn::Store(ValueHashV(hn::Load(d, buf)), du, lane);
    for (size_t j = 0; i + j < n; ++j) sum += lane[j];
  }
  return sum;
}
void ValueHashesImpl(const double* x, size_t m, uint64_t* g) {
  DU du;
  for (size_t i = 0; i < m; i += kLanes) {
    const VU h = ValueHashV(LoadPadded(x, i, m, 0.0));
    if (i + kLanes <= m) {
      hn::StoreU(h, du, g + i);
    } else {
      HWY_ALIGN uint64_t buf[kLanes];
      hn::Store(h, du, buf);
      for (size_t j = 0; i + j < m; ++j) g[i + j] = buf[j];
    }
  }
}

uint64_t HashSumF32Impl(const float* x, size_t n) { return HashSum(x, n); }
uint64_t HashSumF64Impl(const double* x, size_t n) { return HashSum(x, n); }

template <class T>
void EqualAdjacentBits(const T* x, size_t m, uint64_t* bits) {
  if (m < 2) return;
  const size_t pairs = m - 1;
  const hn::ScalableTag<T> d;
  const size_t N = hn::Lanes(d);
  for (size_t base = 0; base < pairs; base += 64) {
    const size_t len = std::min<size_t>(64, pairs - base);
    uint64_t w = 0;
    size_t j = 0;
    if (N <= 64) {
      for (; j + N <= len; j += N) {
        const auto a = hn::LoadU(d, x + base + j);
        const auto b = hn::LoadU(d, x + base + j + 1);
        uint8_t mb[8] = {0};
        hn::StoreMaskBits(d, hn::Eq(a, b), mb);
        uint64_t chunk = 0;
        std::memcpy(&chunk, mb, (N + 7) / 8);
        if (N < 64) chunk &= (uint64_t{1} << N) - 1;
        w |= chunk << j;
      }
    }
    for (; j < len; ++j)
      w |= static_cast<uint64_t>(x[base + j] == x[base + j + 1]) << j;
    bits[base / 64] = w;
  }
}
void EqualAdjacentBitsF32Impl(const float* x, size_t m, uint64_t* bits) {
  EqualAdjacentBits(x, m, bits);
}
void EqualAdjacentBitsF64Impl(const double* x, size_t m, uint64_t* bits) {
  EqualAdjacentBits(x, m, bits);
}

void TieFilterBitsImpl(const double* x, size_t m, const uint64_t* bitmap, int k,
                       uint64_t* out) {
  DD d;
  DU du;
  const hn::RebindToSigned<DU> di;
  const VU mul = hn::Set(du, 0x9E3779B97F4A7C15ull);
  const VU one = hn::Set(du, uint64_t{1});
  const VU m63 = hn::Set(du, uint64_t{63});
  const int shift = 64 - k;
  const int64_t* words = reinterpret_cast<const int64_t*>(bitmap);
  for (size_t base = 0; base < m; base += 64) {
    const size_t len = std::min<size_t>(64, m - base);
    uint64_t w = 0;
    size_t j = 0;
    for (; j + kLanes <= len; j += kLanes) {
      VD v = hn::LoadU(d, x + base + j);
      v = hn::IfThenElse(hn::Eq(v, hn::Zero(d)), hn::Zero(d), v);
      const VU h = hn::ShiftRightSame(Mul64(hn::BitCast(du, v), mul), shift);
      const VU word = hn::BitCast(
          du, hn::GatherIndex(di, words, hn::BitCast(di, hn::ShiftRight<6>(h))));
      const VU bit = hn::And(hn::Shr(word, hn::And(h, m63)), one);
      uint8_t mb[8] = {0};
      hn::StoreMaskBits(du, hn::Eq(bit, one), mb);
      w |= (static_cast<uint64_t>(mb[0]) & ((uint64_t{1} << kLanes) - 1)) << j;
    }
    for (; j < len; ++j) {
      double v = x[base + j];
      if (v == 0) v = 0;
      uint64_t b;
      std::memcpy(&b, &v, sizeof b);
      const uint64_t h = (b * 0x9E3779B97F4A7C15ull) >> shift;
      w |= ((bitmap[h >> 6] >> (h & 63)) & 1) << j;
    }
    out[base / 64] = w;
  }
}

int64_t CurrentTargetImpl() { return HWY_TARGET; }

}  // namespace HWY_NAMESPACE
}  // namespace initcheck::verify::internal
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace initcheck::verify::internal {

HWY_EXPORT(DecodeToDoubleImpl);
HWY_EXPORT(CopyCanonicalF32Impl);
HWY_EXPORT(CopyCanonicalF64Impl);
HWY_EXPORT(PartCountsF32Impl);
HWY_EXPORT(PartCountsF64Impl);
HWY_EXPORT(PartScatterF32Impl);
HWY_EXPORT(PartScatterF64Impl);
HWY_EXPORT(LogArrayImpl);
HWY_EXPORT(NormalScoresOfTailsImpl);
HWY_EXPORT(NormalScoresUniformImpl);
HWY_EXPORT(ErfcArrayImpl);
HWY_EXPORT(PitUniformF64Impl);
HWY_EXPORT(PitUniformF32Impl);
HWY_EXPORT(PitNormalF64Impl);
HWY_EXPORT(PitNormalF32Impl);
HWY_EXPORT(PitTruncNormalF64Impl);
HWY_EXPORT(PitTruncNormalF32Impl);
HWY_EXPORT(AccumulateGofImpl);
HWY_EXPORT(CountBelowImpl);
HWY_EXPORT(CountAboveImpl);
HWY_EXPORT(BlockSumImpl);
HWY_EXPORT(BlockMomentsImpl);
HWY_EXPORT(CountNonFiniteImpl);
HWY_EXPORT(LaggedProductsImpl);
HWY_EXPORT(CenteredDotAndSquaresImpl);
HWY_EXPORT(CenteredSquaresImpl);
HWY_EXPORT(AboveBitsImpl);
HWY_EXPORT(ValueHashesImpl);
HWY_EXPORT(WindowHashesImpl);
HWY_EXPORT(SequenceHashImpl);
HWY_EXPORT(HashSumF32Impl);
HWY_EXPORT(HashSumF64Impl);
HWY_EXPORT(EqualAdjacentBitsF32Impl);
HWY_EXPORT(EqualAdjacentBitsF64Impl);
HWY_EXPORT(TieFilterBitsImpl);

void DecodeToDouble(const void* src, DType dtype, size_t n, double* out) {
  HWY_DYNAMIC_DISPATCH(DecodeToDoubleImpl)(src, dtype, n, out);
}
void CopyCanonicalF32(const float* in, size_t n, float* out) {
  HWY_DYNAMIC_DISPATCH(CopyCanonicalF32Impl)(in, n, out);
}
void CopyCanonicalF64(const double* in, size_t n, double* out) {
  HWY_DYNAMIC_DISPATCH(CopyCanonicalF64Impl)(in, n, out);
}
void PartCounts(const float* in, size_t n, const float* split, size_t parts,
                size_t* counts) {
  HWY_DYNAMIC_DISPATCH(PartCountsF32Impl)(in, n, split, parts, counts);
}
void PartCounts(const double* in, size_t n, const double* split, size_t parts,
                size_t* counts) {
  HWY_DYNAMIC_DISPATCH(PartCountsF64Impl)(in, n, split, parts, counts);
}
void PartScatter(const float* in, size_t n, const float* split, size_t parts,
                 float** dst) {
  HWY_DYNAMIC_DISPATCH(PartScatterF32Impl)(in, n, split, parts, dst);
}
void PartScatter(const double* in, size_t n, const double* split, size_t parts,
                 double** dst) {
  HWY_DYNAMIC_DISPATCH(PartScatterF64Impl)(in, n, split, parts, dst);
}
void LogArray(const double* x, size_t n, double* out) {
  HWY_DYNAMIC_DISPATCH(LogArrayImpl)(x, n, out);
}
void NormalScoresOfTails(const double* u, const double* s, size_t n,
                         double eps, double* z) {
  HWY_DYNAMIC_DISPATCH(NormalScoresOfTailsImpl)(u, s, n, eps, z);
}
void NormalScoresUniform(const double* x, size_t n, double a, double b,
                         double eps, double* z) {
  HWY_DYNAMIC_DISPATCH(NormalScoresUniformImpl)(x, n, a, b, eps, z);
}
void ErfcArray(const double* x, size_t n, double* out) {
  HWY_DYNAMIC_DISPATCH(ErfcArrayImpl)(x, n, out);
}
void PitUniform(const double* x, size_t n, double a, double b, double* u,
                double* s) {
  HWY_DYNAMIC_DISPATCH(PitUniformF64Impl)(x, n, a, b, u, s);
}
void PitUniform(const float* x, size_t n, double a, double b, double* u,
                double* s) {
  HWY_DYNAMIC_DISPATCH(PitUniformF32Impl)(x, n, a, b, u, s);
}
size_t PitNormal(const double* x, size_t n, double mean, double sd, double* u,
                 double* s, uint32_t* fallback) {
  return HWY_DYNAMIC_DISPATCH(PitNormalF64Impl)(x, n, mean, sd, u, s, fallback);
}
size_t PitNormal(const float* x, size_t n, double mean, double sd, double* u,
                 double* s, uint32_t* fallback) {
  return HWY_DYNAMIC_DISPATCH(PitNormalF32Impl)(x, n, mean, sd, u, s, fallback);
}
size_t PitTruncNormal(const double* x, size_t n, const TruncParams& p,
                      double* u, double* s, uint32_t* fallback) {
  return HWY_DYNAMIC_DISPATCH(PitTruncNormalF64Impl)(x, n, p, u, s, fallback);
}
size_t PitTruncNormal(const float* x, size_t n, const TruncParams& p,
                      double* u, double* s, uint32_t* fallback) {
  return HWY_DYNAMIC_DISPATCH(PitTruncNormalF32Impl)(x, n, p, u, s, fallback);
}
void AccumulateGof(const double* u, const double* s, size_t m, int64_t i0,
                   int64_t n, bool with_ad, GofBlock* out) {
  HWY_DYNAMIC_DISPATCH(AccumulateGofImpl)(u, s, m, i0, n, with_ad, out);
}
size_t CountBelow(const double* u, size_t m, double p) {
  return HWY_DYNAMIC_DISPATCH(CountBelowImpl)(u, m, p);
}
size_t CountAbove(const double* s, size_t m, double q) {
  return HWY_DYNAMIC_DISPATCH(CountAboveImpl)(s, m, q);
}
double BlockSum(const double* x, size_t m) {
  return HWY_DYNAMIC_DISPATCH(BlockSumImpl)(x, m);
}
void BlockMoments(const double* x, size_t m, MomentBlock* out) {
  HWY_DYNAMIC_DISPATCH(BlockMomentsImpl)(x, m, out);
}
size_t CountNonFinite(const double* x, size_t m) {
  return HWY_DYNAMIC_DISPATCH(CountNonFiniteImpl)(x, m);
}
double LaggedProducts(const double* x, size_t m, int lag, double c) {
  return HWY_DYNAMIC_DISPATCH(LaggedProductsImpl)(x, m, lag, c);
}
void CenteredDotAndSquares(const double* a, double ca, const double* b,
                           double cb, size_t m, double* dot, double* ss) {
  HWY_DYNAMIC_DISPATCH(CenteredDotAndSquaresImpl)(a, ca, b, cb, m, dot, ss);
}
double CenteredSquares(const double* b, double cb, size_t m) {
  return HWY_DYNAMIC_DISPATCH(CenteredSquaresImpl)(b, cb, m);
}
void AboveBits(const double* x, size_t m, double c, uint64_t* bits,
               size_t* n_equal) {
  HWY_DYNAMIC_DISPATCH(AboveBitsImpl)(x, m, c, bits, n_equal);
}
void ValueHashes(const double* x, size_t m, uint64_t* g) {
  HWY_DYNAMIC_DISPATCH(ValueHashesImpl)(x, m, g);
}
void WindowHashes(const uint64_t* g, size_t nw, int w, uint64_t* h) {
  HWY_DYNAMIC_DISPATCH(WindowHashesImpl)(g, nw, w, h);
}
uint64_t SequenceHash(const uint64_t* g, size_t m) {
  return HWY_DYNAMIC_DISPATCH(SequenceHashImpl)(g, m);
}
uint64_t HashSumF32(const float* x, size_t n) {
  return HWY_DYNAMIC_DISPATCH(HashSumF32Impl)(x, n);
}
uint64_t HashSumF64(const double* x, size_t n) {
  return HWY_DYNAMIC_DISPATCH(HashSumF64Impl)(x, n);
}
void EqualAdjacentBitsF32(const float* x, size_t m, uint64_t* bits) {
  HWY_DYNAMIC_DISPATCH(EqualAdjacentBitsF32Impl)(x, m, bits);
}
void EqualAdjacentBitsF64(const double* x, size_t m, uint64_t* bits) {
  HWY_DYNAMIC_DISPATCH(EqualAdjacentBitsF64Impl)(x, m, bits);
}
uint64_t TieIndex(double x, int k) {
  if (x == 0) x = 0;
  uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return (b * 0x9E3779B97F4A7C15ull) >> (64 - k);
}
void TieFilterBits(const double* x, size_t m, const uint64_t* bitmap, int k,
                   uint64_t* out) {
  HWY_DYNAMIC_DISPATCH(TieFilterBitsImpl)(x, m, bitmap, k, out);
}

}  // namespace initcheck::verify::internal
#endif  // HWY_ONCE
