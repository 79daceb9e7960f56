// Private interface of the Highway SIMD fills (lib/src/fill_simd.cc), used by
// fill_dispatch.cc, fill.cc, the tests and the benchmarks. Not installed.
//
// Every function here is bit-identical to its scalar counterpart
// (reference::fill_*, f32_to_f16, f32_to_bf16) on every SIMD target; the
// Highway runtime dispatch picks the best target the CPU supports.
#ifndef INITCHECK_SRC_FILL_SIMD_H_
#define INITCHECK_SRC_FILL_SIMD_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "initcheck/random.h"

namespace initcheck::simd {

void fill_uniform(const UniformKernel<float>& k, const RngKey& key,
                  uint64_t first, std::size_t n, float* out);
void fill_uniform(const UniformKernel<double>& k, const RngKey& key,
                  uint64_t first, std::size_t n, double* out);
void fill_normal(const NormalKernel<float>& k, const RngKey& key,
                 uint64_t first, std::size_t n, float* out);
void fill_normal(const NormalKernel<double>& k, const RngKey& key,
                 uint64_t first, std::size_t n, double* out);

// out[i] = normal_value(k, words[i]): the f32 normal transform of
// fill_normal applied to given words instead of Philox's (for tests: the
// plain normal depends on 24 bits of its word, so every input can be tried).
void normal_f32_from_words(const NormalKernel<float>& k,
                           const uint32_t* words, std::size_t n, float* out);

// out[i] = f32_to_f16(in[i]); returns true if some out[i] is infinite or NaN
// (|in[i]| >= 65520, i.e. beyond 65504 after rounding, or NaN).
bool convert_f32_to_f16(const float* in, std::size_t n, uint16_t* out);
// out[i] = f32_to_bf16(in[i]).
void convert_f32_to_bf16(const float* in, std::size_t n, uint16_t* out);

// The Highway target (HWY_AVX3, HWY_AVX2, ...) the calls above dispatch to
// now, and every target compiled into fill_simd.cc that this CPU supports
// (for tests: hwy::SetSupportedTargetsForTest(t) restricts dispatch to t).
int64_t dispatched_target();
std::vector<int64_t> compiled_targets();

// Fills of at least stream_threshold() bytes (per call, i.e. per thread's
// chunk) are written with non-temporal (streaming) stores: they would not stay
// in cache anyway. The default is half the last-level cache as Linux sysfs
// reports it (clamped to [1, 256] MiB), else kStreamBytes; settable for tests
// and benchmarks (not to be changed while fills run).
inline constexpr std::size_t kStreamBytes = std::size_t{16} << 20;
std::size_t stream_threshold();
void set_stream_threshold(std::size_t bytes);

}  // namespace initcheck::simd

#endif  // INITCHECK_SRC_FILL_SIMD_H_
