// Internal: a minimal parallel loop for the power and calibration studies.
#ifndef INITCHECK_VERIFY_SRC_PARALLEL_H_
#define INITCHECK_VERIFY_SRC_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <thread>
#include <vector>

namespace initcheck::verify::internal {

// Calls f(i) for every i in [begin, end) on up to `threads` threads (the
// calling thread included). Every call runs even if one throws; the exception
// of the smallest failing index is rethrown, so errors do not depend on
// timing. f must be safe to call concurrently for distinct i.
template <class F>
void ParallelIndex(int64_t begin, int64_t end, int threads, F&& f) {
  const int64_t count = end - begin;
  if (count <= 0) return;
  const int workers = static_cast<int>(std::clamp<int64_t>(threads, 1, count));
  std::vector<std::exception_ptr> errors(static_cast<size_t>(count));
  std::atomic<int64_t> next{begin};
  auto run = [&] {
    for (;;) {
      const int64_t i = next.fetch_add(1);
      if (i >= end) return;
      try {
        f(i);
      } catch (...) {
        errors[static_cast<size_t>(i - begin)] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (int w = 1; w < workers; ++w) pool.emplace_back(run);
  run();
  for (auto& t : pool) t.join();
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace initcheck::verify::internal

#endif  // INITCHECK_VERIFY_SRC_PARALLEL_H_
