#include "initcheck/verify/sort.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "hwy/contrib/sort/vqsort.h"

namespace initcheck::verify {
namespace {

// One Sorter per thread: it owns scratch state, and constructing it costs an
// allocation.
const hwy::Sorter& sorter() {
  thread_local hwy::Sorter s;
  return s;
}

template <typename T>
size_t sort_impl(std::span<T> x) {
  // NaNs to the end. Highway 1.0.3's vqsort uses the largest finite value as
  // a padding sentinel and was seen to turn +inf into DBL_MAX, so infinities
  // are also kept out of it: [-inf...][finite, sorted][+inf...][NaN...].
  auto end =
      std::partition(x.begin(), x.end(), [](T v) { return !std::isnan(v); });
  auto neg = std::partition(x.begin(), end, [](T v) {
    return v == -std::numeric_limits<T>::infinity();
  });
  auto fin = std::partition(neg, end, [](T v) { return std::isfinite(v); });
  const size_t count = static_cast<size_t>(end - x.begin());
  const size_t finite = static_cast<size_t>(fin - neg);
  T* data = &*neg;
  if (finite < 2) {
  } else if (finite < 64 || (sizeof(T) == 8 && !hwy::Sorter::HaveFloat64())) {
    std::sort(neg, fin);
  } else {
    sorter()(data, finite, hwy::SortAscending());
  }
  return count;
}

}  // namespace

size_t sort_ascending(std::span<double> x) { return sort_impl(x); }
size_t sort_ascending(std::span<float> x) { return sort_impl(x); }

std::vector<double> sorted_copy(std::span<const double> x) {
  std::vector<double> v(x.begin(), x.end());
  v.resize(sort_ascending(v));
  return v;
}

std::vector<double> sorted_copy(std::span<const float> x) {
  // Sorting floats is cheaper than sorting the widened doubles.
  std::vector<float> f(x.begin(), x.end());
  f.resize(sort_ascending(std::span<float>(f)));
  return std::vector<double>(f.begin(), f.end());
}

}  // namespace initcheck::verify
