// fill_* entry points: the SIMD path when available, else the reference.
// (The Highway implementation lands in fill_simd.cc; until then every call
// goes to the scalar reference.)
#include "initcheck/kernel.h"

namespace initcheck {

void fill_uniform(const UniformKernel<float>& k, const RngKey& key,
                  uint64_t first, std::size_t n, float* out) {
  reference::fill_uniform(k, key, first, n, out);
}
void fill_uniform(const UniformKernel<double>& k, const RngKey& key,
                  uint64_t first, std::size_t n, double* out) {
  reference::fill_uniform(k, key, first, n, out);
}
void fill_normal(const NormalKernel<float>& k, const RngKey& key,
                 uint64_t first, std::size_t n, float* out) {
  reference::fill_normal(k, key, first, n, out);
}
void fill_normal(const NormalKernel<double>& k, const RngKey& key,
                 uint64_t first, std::size_t n, double* out) {
  reference::fill_normal(k, key, first, n, out);
}

}  // namespace initcheck
