// Timing of the full per-tensor set on 10^7 doubles (printed, not asserted:
// machines are noisy; the benchmarks engineer will move this into Google
// Benchmark). Budget for the whole battery: 3 s on one core.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <vector>

#include "initcheck/verify/anderson_darling.h"
#include "initcheck/verify/chi_square.h"
#include "initcheck/verify/distributions.h"
#include "initcheck/verify/gof.h"
#include "initcheck/verify/independence.h"
#include "initcheck/verify/ks.h"
#include "initcheck/verify/moments.h"
#include "initcheck/verify/multiple_testing.h"
#include "initcheck/verify/support.h"
#include "test_util.h"

namespace initcheck::verify {
namespace {

class Stopwatch {
 public:
  double lap() {
    const auto now = std::chrono::steady_clock::now();
    const double s = std::chrono::duration<double>(now - last_).count();
    last_ = now;
    return s;
  }

 private:
  std::chrono::steady_clock::time_point last_ =
      std::chrono::steady_clock::now();
};

TEST(Timing, FullSetOnTenMillionDoubles) {
  const std::vector<double> x =
      testing::normal_sample(10000000, 2026, 0.0, 0.02);
  const Normal target(0.0, 0.02);
  Stopwatch w;
  std::vector<std::pair<const char*, double>> laps;
  const GofInput in = make_gof_input(x, target);
  laps.push_back({"sort + cdf/sf once (make_gof_input)", w.lap()});
  std::vector<TestResult> results;
  results.push_back(ks_test(in));
  laps.push_back({"ks", w.lap()});
  results.push_back(anderson_darling_test(in));
  laps.push_back({"anderson_darling", w.lap()});
  results.push_back(chi_square_test(in));
  laps.push_back({"chi_square", w.lap()});
  const Moments m = compute_moments(x);
  results.push_back(mean_test(m, target));
  results.push_back(variance_test(m, target));
  laps.push_back({"moments + mean + variance", w.lap()});
  results.push_back(support_test(in, target));
  laps.push_back({"support", w.lap()});
  results.push_back(serial_correlation_test(x));
  laps.push_back({"serial_correlation (lag 1 only)", w.lap()});
  // The battery's multi-lag test: 1..64, 128..4096 and the row length of a
  // [3162, 3162] view (71 lags).
  const std::vector<int64_t> extra = {3162};
  const std::vector<int64_t> lags =
      correlation_lags(static_cast<int64_t>(x.size()), extra);
  results.push_back(lag_correlation_test(x, lags));
  laps.push_back({"lag_correlation (71 lags)", w.lap()});
  double total = 0;
  for (const auto& [name, s] : laps) {
    std::printf("[timing] %-38s %7.3f s\n", name, s);
    total += s;
  }
  std::printf("[timing] %-38s %7.3f s (budget 3 s)\n", "TOTAL (n = 1e7)",
              total);
  for (const TestResult& r : results)
    std::printf("[timing]   %s\n", to_string(r).c_str());
  ::testing::Test::RecordProperty("full_set_seconds", std::to_string(total));
  // H0 data: the family passes at the project's alpha (false-alarm rate
  // <= 1e-6 by Holm).
  const auto reject = holm_reject(p_values(results));
  for (size_t i = 0; i < reject.size(); ++i)
    EXPECT_FALSE(reject[i]) << results[i].name;
}

}  // namespace
}  // namespace initcheck::verify
