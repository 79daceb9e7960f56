// Internal: the parallel loop of the studies (power, calibration), on oneTBB.
#ifndef INITCHECK_VERIFY_SRC_PARALLEL_H_
#define INITCHECK_VERIFY_SRC_PARALLEL_H_

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <cstdint>
#include <exception>
#include <vector>

namespace initcheck::verify::internal {

// Calls f(i) for every i in [begin, end) on up to `threads` threads (0: all
// cores). Every call runs even if one throws; the exception of the smallest
// failing index is rethrown, so errors do not depend on timing. Results must
// be written to per-index slots by f, so they do not depend on the schedule.
template <class F>
void ParallelIndex(int64_t begin, int64_t end, int threads, F&& f) {
  const int64_t count = end - begin;
  if (count <= 0) return;
  std::vector<std::exception_ptr> errors(static_cast<size_t>(count));
  tbb::task_arena arena(threads > 0 ? threads : tbb::task_arena::automatic);
  arena.execute([&] {
    tbb::parallel_for(begin, end, [&](int64_t i) {
      try {
        f(i);
      } catch (...) {
        errors[static_cast<size_t>(i - begin)] = std::current_exception();
      }
    });
  });
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

}  // namespace initcheck::verify::internal

#endif  // INITCHECK_VERIFY_SRC_PARALLEL_H_
