// Probe for lib/test/fp_contract/fp_contract_test.cmake: evaluates the inline
// transforms of initcheck/random.h (which a consumer compiles with its own
// flags) over many words and prints a hash of the bits. The test compiles it
// at -ffp-contract=off, on and fast on an FMA target and requires the same
// hash: the header's contraction guard must hold whatever the includer's
// flags. Exits 77 (skip) when the CPU has no FMA.
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>

#include "initcheck/random.h"

namespace {

uint64_t g_hash = 1469598103934665603ull;  // FNV-1a over the value bits

template <class T>
void Mix(T v) {
  unsigned char b[sizeof(T)];
  std::memcpy(b, &v, sizeof(T));
  for (unsigned char c : b) g_hash = (g_hash ^ c) * 1099511628211ull;
}

// Runtime values, so the compiler cannot fold the kernels into constants.
template <class T>
initcheck::NormalKernel<T> Normal(volatile double mean, double std, double a,
                                  double b, double c, double lo, double hi) {
  return {static_cast<T>(mean),      static_cast<T>(std),
          static_cast<T>(std * 1.4142135623730951),
          static_cast<T>(a),         static_cast<T>(b),
          static_cast<T>(c),         static_cast<T>(lo),
          static_cast<T>(hi)};
}

}  // namespace

int main() {
#if defined(__x86_64__) || defined(__i386__)
  if (!__builtin_cpu_supports("fma")) {
    std::puts("FP_CONTRACT_SKIP: this CPU has no FMA");
    return 77;
  }
#endif
  using initcheck::NormalKernel;
  using initcheck::UniformKernel;
  const double inf = std::numeric_limits<double>::infinity();
  // Plain N(0.1, 0.7^2); trunc_normal(0, 1, -2, 2) (A = C = Phi(-2)); a
  // one-sided truncation.
  const NormalKernel<float> n32[] = {
      Normal<float>(0.1, 0.7, 0, 1, 0, -inf, inf),
      Normal<float>(0, 1, 0.022750131948179195, 0.9544997361036416,
                    0.022750131948179195, -2, 2),
      Normal<float>(0.5, 2, 0.3085375387259869, 0.6914624612740131 - 1e-7, 0,
                    0.5, 40)};
  const NormalKernel<double> n64[] = {
      Normal<double>(0.1, 0.7, 0, 1, 0, -inf, inf),
      Normal<double>(0, 1, 0.022750131948179195, 0.9544997361036416,
                     0.022750131948179195, -2, 2)};
  volatile float low = -0.3f, span = 1.7f;
  const UniformKernel<float> u32{low, span, 1.4f};
  const UniformKernel<double> u64{low, span, 1.4};
  for (uint32_t i = 0; i < (1u << 20); ++i) {
    const uint32_t w = i * 0x9E3779B9u + (i >> 7);  // all sign/magnitude mixes
    for (const auto& k : n32) Mix(initcheck::normal_value(k, w));
    Mix(initcheck::uniform_value(u32, initcheck::uniform01(w)));
    Mix(initcheck::internal::log_f32(std::bit_cast<float>((w >> 2) | 1u)));
    const uint64_t w64 = uint64_t{w} * 0x9E3779B97F4A7C15ull;
    for (const auto& k : n64) Mix(initcheck::normal_value(k, w64));
    Mix(initcheck::uniform_value(u64, initcheck::uniform01(w64)));
    Mix(initcheck::internal::log_f64(std::bit_cast<double>((w64 >> 2) | 1u)));
  }
  std::printf("%016" PRIx64 "\n", g_hash);
  return 0;
}
