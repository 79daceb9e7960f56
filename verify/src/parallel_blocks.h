// Internal: deterministic data parallelism inside one tensor's battery.
//
// The data are cut into tasks of a FIXED size (a function of n only, never
// of the thread count); each task writes its result into its own slot, and
// the caller combines the slots in index order. So every sum and maximum
// has the same rounding whatever the number of threads: the battery's output
// is bit-identical for 1, 2 or 64 threads. Tasks run on oneTBB in the
// caller's task arena (initcheck check --threads N, a benchmark's arena), or
// inline when there is only one.
#ifndef INITCHECK_VERIFY_SRC_PARALLEL_BLOCKS_H_
#define INITCHECK_VERIFY_SRC_PARALLEL_BLOCKS_H_

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace initcheck::verify::internal {

// Values per kernel call (the block's doubles stay in L1) and per task.
inline constexpr size_t kBlock = 2048;
inline constexpr size_t kTask = 16 * kBlock;

inline size_t TaskCount(size_t n, size_t task = kTask) {
  return (n + task - 1) / task;
}

// f(t) for t in [0, tasks), in parallel when tasks > 1.
template <class F>
void ParallelTasks(size_t tasks, F&& f) {
  if (tasks == 0) return;
  if (tasks == 1 || tbb::this_task_arena::max_concurrency() <= 1) {
    for (size_t t = 0; t < tasks; ++t) f(t);
    return;
  }
  // Isolated: while this thread waits for the tasks it runs only these
  // tasks, not another tensor's battery (which would hold it for long).
  tbb::this_task_arena::isolate([&] {
    tbb::parallel_for(
        tbb::blocked_range<size_t>(0, tasks, 1),
        [&](const tbb::blocked_range<size_t>& r) {
          for (size_t t = r.begin(); t != r.end(); ++t) f(t);
        },
        tbb::simple_partitioner());
  });
}

// Per-thread scratch vectors (grown on demand, never shrunk).
template <class T, int kSlot>
std::vector<T>& Scratch(size_t size) {
  thread_local std::vector<T> v;
  if (v.size() < size) v.resize(size);
  return v;
}

}  // namespace initcheck::verify::internal

#endif  // INITCHECK_VERIFY_SRC_PARALLEL_BLOCKS_H_
