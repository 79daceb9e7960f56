// initcheck_verify_probe: one run of the verification battery on n f32
// values of kaiming_uniform(a=sqrt(5)) ([n/1000, 1000], seed 42), for
// instruction counts per pipeline step:
//   valgrind --tool=callgrind build/bin/initcheck_verify_probe 1000000
//   callgrind_annotate --inclusive=yes callgrind.out.* | grep internal::
// Args: n (default 10^6), threads (default 1), scheme (default above),
// dtype (f32, f64, f16, bf16; default f32).
// Prints the seconds of the battery (wall clock) and its verdict.
#include <tbb/task_arena.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "initcheck/fill.h"
#include "initcheck/scheme.h"
#include "initcheck/verify/battery.h"

int main(int argc, char** argv) {
  const int64_t n = argc > 1 ? std::atoll(argv[1]) : 1000000;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 1;
  const std::string scheme = argc > 3 ? argv[3] : "kaiming_uniform(a=sqrt(5))";
  const std::string dt = argc > 4 ? argv[4] : "f32";
  const initcheck::DType dtype = dt == "f64"    ? initcheck::DType::kF64
                                 : dt == "f16"  ? initcheck::DType::kF16
                                 : dt == "bf16" ? initcheck::DType::kBF16
                                                : initcheck::DType::kF32;
  const initcheck::Scheme s = initcheck::Scheme::parse(scheme);
  initcheck::Geometry g;
  g.shape = {n / 1000, 1000};
  const initcheck::Tensor t =
      initcheck::fill(s, g, dtype, {.seed = 42});
  tbb::task_arena arena(threads);
  initcheck::verify::TensorCheck c;
  const auto start = std::chrono::steady_clock::now();
  arena.execute([&] { c = initcheck::verify::check_one(t, s, g); });
  const double sec =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("n=%lld threads=%d %s %s: %.4f s, %s\n", static_cast<long long>(n),
              threads, scheme.c_str(), dt.c_str(), sec, c.pass ? "pass" : "FAIL");
  for (const auto& r : c.tests)
    std::printf("  %-22s %.17g  p=%.17g\n", r.name.c_str(), r.statistic, r.p_value);
  return c.pass ? 0 : 1;
}
