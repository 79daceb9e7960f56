// fill_* entry points: the Highway SIMD fills (fill_simd.cc, runtime
// dispatch to the best target of this CPU) unless the backend is
// FillBackend::kReference (tests, debugging). Both give identical bits.
#include "fill_simd.h"
#include "initcheck/kernel.h"

namespace initcheck {

void fill_uniform(const UniformKernel<float>& k, const RngKey& key,
                  uint64_t first, std::size_t n, float* out) {
  if (fill_backend() == FillBackend::kReference) {
    reference::fill_uniform(k, key, first, n, out);
  } else {
    simd::fill_uniform(k, key, first, n, out);
  }
}
void fill_uniform(const UniformKernel<double>& k, const RngKey& key,
                  uint64_t first, std::size_t n, double* out) {
  if (fill_backend() == FillBackend::kReference) {
    reference::fill_uniform(k, key, first, n, out);
  } else {
    simd::fill_uniform(k, key, first, n, out);
  }
}
void fill_normal(const NormalKernel<float>& k, const RngKey& key,
                 uint64_t first, std::size_t n, float* out) {
  if (fill_backend() == FillBackend::kReference) {
    reference::fill_normal(k, key, first, n, out);
  } else {
    simd::fill_normal(k, key, first, n, out);
  }
}
void fill_normal(const NormalKernel<double>& k, const RngKey& key,
                 uint64_t first, std::size_t n, double* out) {
  if (fill_backend() == FillBackend::kReference) {
    reference::fill_normal(k, key, first, n, out);
  } else {
    simd::fill_normal(k, key, first, n, out);
  }
}

}  // namespace initcheck
