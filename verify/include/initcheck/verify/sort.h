// File: initcheck/verify/sort.h
//
// Fast in-place ascending sorts for the order-statistic tests (KS, AD,
// extremes), using Highway's vectorized quicksort (vqsort, Blacher, Wassenberg
// et al., "Vectorized and performance-portable Quicksort", 2022): about 10x
// std::sort on 10^7 doubles on this machine (build-facts note). Falls back to
// std::sort where Highway has no 64-bit float sort for the CPU.
//
// vqsort does not order NaN, so these functions first move NaNs to the end
// and sort only the rest; they return the number of non-NaN values, which are
// then x[0, count) in ascending order (-inf first, +inf last; -0.0 and +0.0
// compare equal and may appear in either order).
#ifndef INITCHECK_VERIFY_SORT_H_
#define INITCHECK_VERIFY_SORT_H_

#include <cstddef>
#include <span>
#include <vector>

namespace initcheck::verify {

size_t sort_ascending(std::span<double> x);
size_t sort_ascending(std::span<float> x);

// A sorted copy without the NaNs.
std::vector<double> sorted_copy(std::span<const double> x);
std::vector<double> sorted_copy(std::span<const float> x);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_SORT_H_
