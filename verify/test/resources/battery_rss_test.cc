// Peak memory of the verification battery, measured on a separate process
// (battery_rss_driver.cc, fork + exec, so this test's own memory is not
// counted): bytes per element above the process's resident set size before
// the tensor existed, INCLUDING the tensor itself.
//
// Bound: 12 bytes per element for f32 input (the target; the
// whole-model check relies on it: `initcheck check` stays within 12 bytes
// per element of the largest tensor + 64 MiB). The pipeline holds the input
// (4), one sorted f32 copy or, later in the same memory, the 32-bit window
// tags (4), and O(n / 2048) per-block results (verify/src/pipeline.h):
// about 8.2 bytes per element measured. 16-bit input (2) plus the tags
// buffer (4, no sorted copy: a histogram) stays under the same 12; f64
// input (8) plus its f64 sorted copy (8) under 20.
// At 2 * 10^7 elements the fixed costs (libraries, thread stacks, ~10 MiB)
// are below 0.5 byte per element. Not run under the sanitizers (shadow
// memory); make test-sanitize excludes verify.resources.*.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

struct Run {
  long baseline_kib = -1, peak_kib = -1;
  long long n = 0;
  int pass = 0;
  int exit_code = -1;
};

Run RunDriver(long long n, const std::string& dtype, int threads) {
  int fd[2];
  EXPECT_EQ(::pipe(fd), 0);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fd[1], 1);
    ::close(fd[0]);
    const std::string ns = std::to_string(n), ts = std::to_string(threads);
    ::execl(INITCHECK_RSS_DRIVER, INITCHECK_RSS_DRIVER, ns.c_str(),
            dtype.c_str(), ts.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fd[1]);
  std::string out;
  char buf[256];
  ssize_t k;
  while ((k = ::read(fd[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(k));
  ::close(fd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  Run r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::sscanf(out.c_str(), "baseline_kib=%ld peak_kib=%ld n=%lld pass=%d",
              &r.baseline_kib, &r.peak_kib, &r.n, &r.pass);
  return r;
}

double BytesPerElement(const Run& r) {
  return static_cast<double>(r.peak_kib - r.baseline_kib) * 1024.0 /
         static_cast<double>(r.n);
}

constexpr long long kN = 20000000;

void Check(const std::string& dtype, int threads, double bound) {
  const Run r = RunDriver(kN, dtype, threads);
  ASSERT_EQ(r.exit_code, 0) << "driver failed or the battery rejected";
  ASSERT_GT(r.peak_kib, 0);
  const double b = BytesPerElement(r);
  std::printf("[rss] %s, %d thread(s), n = %lld: %.2f bytes per element "
              "(peak %ld KiB, baseline %ld KiB)\n",
              dtype.c_str(), threads, r.n, b, r.peak_kib, r.baseline_kib);
  EXPECT_LE(b, bound);
}

TEST(BatteryResources, F32OneThread) { Check("f32", 1, 12.0); }
TEST(BatteryResources, F32TwoThreads) { Check("f32", 2, 12.0); }
TEST(BatteryResources, BF16) { Check("bf16", 2, 12.0); }
TEST(BatteryResources, F64) { Check("f64", 2, 20.0); }

}  // namespace
