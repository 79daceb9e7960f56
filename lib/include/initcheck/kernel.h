// File: initcheck/kernel.h
//
// The elementwise fill kernels every random scheme reduces to: uniform on
// [low, high) and (truncated) normal, in f32 and f64. Each fills elements
// [first, first + n) of a tensor keyed by `key`, element i being exactly the
// value random.h defines for it. Two implementations exist:
//   reference::fill_*   plain scalar C++, the definition;
//   fill_*              the fast path (Highway SIMD with runtime dispatch, see
//                       lib/src/fill_simd.cc), bit-identical to the reference.
#ifndef INITCHECK_KERNEL_H_
#define INITCHECK_KERNEL_H_

#include <cstddef>
#include <cstdint>

#include "initcheck/random.h"

namespace initcheck {

// Kernel parameters from double-precision distribution parameters.
// Uniform on [low, high), low < high.
UniformKernel<float> make_uniform_kernel_f32(double low, double high);
UniformKernel<double> make_uniform_kernel_f64(double low, double high);
// N(mean, std^2), optionally truncated to [low, high] (absolute bounds, as
// PyTorch's trunc_normal_). Bounds beyond mean +- 10 std are treated as
// mean +- 10 std (the probability beyond 10 std is 7.6e-24, far below the
// 2^-24 (2^-53) resolution of the uniform); requires the clamped interval to
// be non-empty. Every value lies in [low, high].
NormalKernel<float> make_normal_kernel_f32(double mean, double std,
                                           bool truncated = false,
                                           double low = 0, double high = 0);
NormalKernel<double> make_normal_kernel_f64(double mean, double std,
                                            bool truncated = false,
                                            double low = 0, double high = 0);

void fill_uniform(const UniformKernel<float>& k, const RngKey& key,
                  uint64_t first, std::size_t n, float* out);
void fill_uniform(const UniformKernel<double>& k, const RngKey& key,
                  uint64_t first, std::size_t n, double* out);
void fill_normal(const NormalKernel<float>& k, const RngKey& key,
                 uint64_t first, std::size_t n, float* out);
void fill_normal(const NormalKernel<double>& k, const RngKey& key,
                 uint64_t first, std::size_t n, double* out);

namespace reference {
void fill_uniform(const UniformKernel<float>& k, const RngKey& key,
                  uint64_t first, std::size_t n, float* out);
void fill_uniform(const UniformKernel<double>& k, const RngKey& key,
                  uint64_t first, std::size_t n, double* out);
void fill_normal(const NormalKernel<float>& k, const RngKey& key,
                 uint64_t first, std::size_t n, float* out);
void fill_normal(const NormalKernel<double>& k, const RngKey& key,
                 uint64_t first, std::size_t n, double* out);
}  // namespace reference

// Which implementation fill_* uses: kAuto (the fastest available) or
// kReference (scalar). For tests and benchmarks; not thread-safe to change
// while fills run.
enum class FillBackend { kAuto, kReference };
void set_fill_backend(FillBackend b);
FillBackend fill_backend();

}  // namespace initcheck

#endif  // INITCHECK_KERNEL_H_
