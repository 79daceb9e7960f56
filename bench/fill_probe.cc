// initcheck_fill_probe: one fill kernel on one Highway target, for instruction
// counts (callgrind) and quick timings outside Google Benchmark.
//
//   initcheck_fill_probe KIND DTYPE N [TARGET] [REPS]
//     KIND    uniform | normal | trunc   (uniform(-1, 1), normal(0, 1),
//             trunc_normal(0, 1, -2, 2): the kernels of BM_Fill*) | memset
//             (of the same bytes: the baseline)
//     DTYPE   f32 | f64
//     N       elements per fill
//     TARGET  best (default) | AVX3 | AVX2 | SSE4 | SSSE3 | EMU128 | SCALAR |
//             reference (the scalar reference::fill_*)
//     REPS    fills (default 1); the best time is printed: CPU time of the
//             calling thread (the machine is shared), wall-clock in "wall="
//
// Instructions per value (bench/README.md): valgrind cannot run AVX-512, so
// under it Highway dispatches to AVX2 at best:
//   valgrind --tool=callgrind --collect-atstart=no
//     --toggle-collect=initcheck_probe_fill build/bin/initcheck_fill_probe
//     normal f32 1048576 AVX2
// and Ir of initcheck_probe_fill / N is the count per value (the kernel only:
// the buffer is allocated and written before).
#include <hwy/targets.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "../lib/src/fill_simd.h"
#include "initcheck/kernel.h"

namespace {

struct Job {
  std::string kind;
  bool f64 = false;
  bool reference = false;
  size_t n = 0;
};

template <class T>
void Fill(const Job& job, T* out) {
  using namespace initcheck;
  const RngKey key{42, 0};
  constexpr bool kF64 = sizeof(T) == 8;
  if (job.kind == "uniform") {
    const auto k = kF64 ? make_uniform_kernel_f64(-1, 1) : UniformKernel<double>{};
    const auto k32 = make_uniform_kernel_f32(-1, 1);
    if constexpr (kF64) {
      job.reference ? reference::fill_uniform(k, key, 0, job.n, out)
                    : simd::fill_uniform(k, key, 0, job.n, out);
    } else {
      job.reference ? reference::fill_uniform(k32, key, 0, job.n, out)
                    : simd::fill_uniform(k32, key, 0, job.n, out);
    }
    return;
  }
  const bool trunc = job.kind == "trunc";
  if constexpr (kF64) {
    const auto k = make_normal_kernel_f64(0, 1, trunc, -2, 2);
    job.reference ? reference::fill_normal(k, key, 0, job.n, out)
                  : simd::fill_normal(k, key, 0, job.n, out);
  } else {
    const auto k = make_normal_kernel_f32(0, 1, trunc, -2, 2);
    job.reference ? reference::fill_normal(k, key, 0, job.n, out)
                  : simd::fill_normal(k, key, 0, job.n, out);
  }
}

}  // namespace

// The measured call (callgrind --toggle-collect=initcheck_probe_fill).
extern "C" __attribute__((noinline)) void initcheck_probe_fill(const Job* job,
                                                               void* out) {
  if (job->kind == "memset") {
    std::memset(out, 0x3c, job->n * (job->f64 ? 8 : 4));
  } else if (job->f64) {
    Fill(*job, static_cast<double*>(out));
  } else {
    Fill(*job, static_cast<float*>(out));
  }
}

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr,
                 "usage: %s uniform|normal|trunc|memset f32|f64 N [TARGET] [REPS]\n",
                 argv[0]);
    return 2;
  }
  Job job;
  job.kind = argv[1];
  job.f64 = std::string(argv[2]) == "f64";
  job.n = std::strtoull(argv[3], nullptr, 10);
  const std::string target = argc > 4 ? argv[4] : "best";
  const int reps = argc > 5 ? std::atoi(argv[5]) : 1;
  if ((job.kind != "uniform" && job.kind != "normal" && job.kind != "trunc" &&
       job.kind != "memset") ||
      (!job.f64 && std::string(argv[2]) != "f32") || job.n == 0 || reps < 1) {
    std::fprintf(stderr, "initcheck_fill_probe: bad arguments\n");
    return 2;
  }
  if (target == "reference") {
    job.reference = true;
  } else if (target != "best") {
    int64_t found = 0;
    for (int64_t t : initcheck::simd::compiled_targets()) {
      if (target == hwy::TargetName(t)) found = t;
    }
    if (found == 0) {
      std::fprintf(stderr, "initcheck_fill_probe: target %s not available\n",
                   target.c_str());
      return 2;
    }
    hwy::SetSupportedTargetsForTest(found);
  }
  const size_t bytes = job.n * (job.f64 ? 8 : 4);
  std::vector<unsigned char> buf(bytes + 64, 1);  // written: no page faults
  void* out = buf.data();
  auto cpu_seconds = [] {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  };
  double best = 1e300, best_wall = 1e300;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_seconds();
    initcheck_probe_fill(&job, out);
    const double c1 = cpu_seconds();
    const auto t1 = std::chrono::steady_clock::now();
    best = std::min(best, c1 - c0);
    best_wall =
        std::min(best_wall, std::chrono::duration<double>(t1 - t0).count());
  }
  uint64_t h = 1469598103934665603ull;  // FNV-1a of the output
  for (size_t i = 0; i < bytes; ++i) h = (h ^ buf[i]) * 1099511628211ull;
  std::printf("%s %s n=%zu target=%s best=%.6f s  %.1f M/s  %.3f ns/value  "
              "wall=%.6f s  hash=%016llx\n",
              job.kind.c_str(), job.f64 ? "f64" : "f32", job.n,
              job.reference
                  ? "reference"
                  : hwy::TargetName(initcheck::simd::dispatched_target()),
              best, job.n / best * 1e-6, best / job.n * 1e9, best_wall,
              static_cast<unsigned long long>(h));
  return 0;
}
