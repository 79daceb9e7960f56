// SIMD kernels of the multi-lag autocorrelation (see lag_kernel.h).

// Scalable-vector targets are left out: the kernels keep arrays of vectors.
// Must precede the first Highway include.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS \
  (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128 | HWY_RVV)
#endif

// foreach_target.h re-includes this file once per target; the path is
// resolved against the include directories (verify/include is one).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "../src/lag_kernel.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "lag_kernel.h"

HWY_BEFORE_NAMESPACE();
namespace initcheck::verify::internal {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void AccumulateDenseLagsImpl(const float* HWY_RESTRICT w, size_t len,
                             float* HWY_RESTRICT acc) {
  const hn::ScalableTag<float> d;
  constexpr size_t N = hn::MaxLanes(d);
  static_assert(64 % N == 0, "lane count must divide 64");
  constexpr size_t V = 64 / N;
  using Vec = hn::Vec<decltype(d)>;
  Vec a[V];
  for (size_t j = 0; j < V; ++j) a[j] = hn::LoadU(d, acc + j * N);
  for (size_t i = 0; i < len; ++i) {
    const Vec b = hn::Set(d, w[i]);
    const float* p = w + i + 1;
    for (size_t j = 0; j < V; ++j) {
      // Mul then Add, never a fused multiply-add: the same rounding on
      // every target.
      a[j] = hn::Add(a[j], hn::Mul(b, hn::LoadU(d, p + j * N)));
    }
  }
  for (size_t j = 0; j < V; ++j) hn::StoreU(a[j], d, acc + j * N);
}

double DotF32Impl(const float* HWY_RESTRICT a, const float* HWY_RESTRICT b,
                  size_t len) {
  const hn::ScalableTag<float> d;
  constexpr size_t N = hn::MaxLanes(d) < 16 ? hn::MaxLanes(d) : 16;
  const hn::CappedTag<float, N> dc;
  constexpr size_t V = 16 / N;
  using Vec = hn::Vec<decltype(dc)>;
  Vec s[V];
  for (size_t j = 0; j < V; ++j) s[j] = hn::Zero(dc);
  size_t i = 0;
  for (; i + 16 <= len; i += 16) {
    for (size_t j = 0; j < V; ++j) {
      s[j] = hn::Add(s[j], hn::Mul(hn::LoadU(dc, a + i + j * N),
                                   hn::LoadU(dc, b + i + j * N)));
    }
  }
  float part[16];
  for (size_t j = 0; j < V; ++j) hn::StoreU(s[j], dc, part + j * N);
  for (size_t k = 0; i < len; ++i, ++k) part[k] += a[i] * b[i];
  double total = 0;
  for (size_t j = 0; j < 16; ++j) total += static_cast<double>(part[j]);
  return total;
}

}  // namespace HWY_NAMESPACE
}  // namespace initcheck::verify::internal
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace initcheck::verify::internal {

HWY_EXPORT(AccumulateDenseLagsImpl);
HWY_EXPORT(DotF32Impl);

void AccumulateDenseLags(const float* w, size_t len, float* acc) {
  HWY_DYNAMIC_DISPATCH(AccumulateDenseLagsImpl)(w, len, acc);
}

double DotF32(const float* a, const float* b, size_t len) {
  return HWY_DYNAMIC_DISPATCH(DotF32Impl)(a, b, len);
}

}  // namespace initcheck::verify::internal
#endif  // HWY_ONCE
