// Internal: SIMD kernels of the multi-lag autocorrelation
// (independence.h, lag_correlation_test), with runtime dispatch (Highway).
//
// Every kernel gives the same bits on every instruction set: the dense
// kernel vectorizes over the LAG (lane j of the accumulators is lag j + 1
// and adds its products in the order of i, as the scalar loop would), and
// the dot product keeps 16 partial sums by i mod 16 whatever the vector
// width, added in a fixed order at the end. Arithmetic in float32 (products
// and sums within one block; the caller adds block sums in long double):
// the rounding error of a block sum of B products of unit-variance values is
// about 2^-24 B (random-walk partial sums of size sqrt(j)), i.e. 4e-6 of the
// statistic's own sampling sd at B = 16384, whatever n.
#ifndef INITCHECK_VERIFY_SRC_LAG_KERNEL_H_
#define INITCHECK_VERIFY_SRC_LAG_KERNEL_H_

#include <cstddef>

namespace initcheck::verify::internal {

// Lags 1..64 at once: acc[k - 1] += sum_{i < len} w[i] w[i + k]. w must
// hold len + 64 readable values (zero beyond the data).
void AccumulateDenseLags(const float* w, size_t len, float* acc);

// sum_{i < len} a[i] b[i] (16 partial sums by i mod 16, then in order).
double DotF32(const float* a, const float* b, size_t len);

}  // namespace initcheck::verify::internal

#endif  // INITCHECK_VERIFY_SRC_LAG_KERNEL_H_
