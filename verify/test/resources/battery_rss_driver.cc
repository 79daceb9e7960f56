// initcheck_battery_rss_driver N DTYPE THREADS: fills an [N/1000, 1000]
// tensor of kaiming_uniform(a=sqrt(5)) in DTYPE (f32, f64, f16, bf16) with
// lib, runs the battery on it (check_tensor, THREADS oneTBB threads) and
// prints, on one line, the resident set size before the tensor existed and
// the peak resident set size of the process (Linux /proc/self/status VmRSS
// and VmHWM, KiB), for battery_rss_test.cc. Exit 0 when the battery passed.
#include <tbb/task_arena.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "initcheck/fill.h"
#include "initcheck/scheme.h"
#include "initcheck/verify/battery.h"

namespace {

long StatusKiB(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::string k = std::string(key) + ":";
  while (std::getline(f, line)) {
    if (line.rfind(k, 0) == 0) return std::atol(line.c_str() + k.size());
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s N DTYPE THREADS\n", argv[0]);
    return 2;
  }
  const long long n = std::atoll(argv[1]);
  const std::string dt = argv[2];
  const int threads = std::atoi(argv[3]);
  const initcheck::DType dtype = dt == "f64"    ? initcheck::DType::kF64
                                 : dt == "f16"  ? initcheck::DType::kF16
                                 : dt == "bf16" ? initcheck::DType::kBF16
                                                : initcheck::DType::kF32;
  const initcheck::Scheme s = initcheck::Scheme::parse("kaiming_uniform(a=sqrt(5))");
  initcheck::Geometry g;
  g.shape = {n / 1000, 1000};
  tbb::task_arena arena(threads);
  // The arena's threads exist before the baseline is taken.
  arena.execute([] {});
  const long baseline = StatusKiB("VmRSS");
  initcheck::verify::TensorCheck c;
  arena.execute([&] {
    const initcheck::Tensor t =
        initcheck::fill(s, g, dtype, {.seed = 7, .threads = threads});
    c = initcheck::verify::check_one(t, s, g);
  });
  const long peak = StatusKiB("VmHWM");
  std::printf("baseline_kib=%ld peak_kib=%ld n=%lld pass=%d\n", baseline, peak,
              n, c.pass ? 1 : 0);
  return c.pass ? 0 : 1;
}
