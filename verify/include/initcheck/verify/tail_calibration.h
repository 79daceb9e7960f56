// File: initcheck/verify/tail_calibration.h
//
// Calibration measured in the tail. Zero rejections in 1000 seeds bound a
// test's false-alarm rate only at ~4e-3 (run_calibration, power.h); the
// battery decides at alpha / m ~ 1e-7. This study measures each test's
// actual rejection rate P(p <= alpha) under H0 at alpha = 1e-3, 1e-4, 1e-5
// with large K (10^6 .. 3 10^7 samples per case) at moderate n, and reports
// observed / nominal.
//
// Method. Each case simulates K independent samples of a correct tensor's
// values (xoshiro256++ seeded by SplitMix64 from a seed per chunk of
// samples and the sample's index: the result does not depend on the thread
// count) and calls the battery's
// own test functions on them -- the p-value code is what is measured. Fast
// paths, each exact in law:
//   * KS, Anderson-Darling, chi-square and the extremes test see only the
//     PIT, which is U(0,1) for every continuous target: the sorted PIT is
//     drawn directly as U_(i) = S_i / S_{n+1}, S the partial sums of n + 1
//     Exp(1) variables (Renyi's representation; David & Nagaraja, Order
//     Statistics, 2003, §6.6), with 1 - U_(i) from the suffix sums (full
//     relative accuracy at the top);
//   * the variance test on a normal target: (n - 1) s^2 / sigma^2 is
//     chi-square(n - 1) exactly, drawn as 2 Gamma((n - 1)/2) (Marsaglia &
//     Tsang 2000, ACM TOMS 26(3)); the sample mean is N(mu, sigma^2 / n);
//   * prescreens: Anderson-Darling's p-value series costs ~0.1 ms, so it is
//     evaluated (by the real anderson_darling_test) only when A^2 >= 0.9
//     times the critical value at the largest alpha (found by bisection on
//     ad_pvalue once per n); other samples have p > max alpha and count as
//     not rejected.
// Discrete tests with an exact law (the Haar sign tests' two-sided binomial)
// get their exact actual rate by enumeration, no simulation.
//
// Reading. ratio = (count / K) / alpha with a Clopper-Pearson interval
// (confidence 0.95). A test EXCEEDS when the count is too large for a rate
// of max_ratio (1.5) alpha: P(Binomial(K, 1.5 alpha) >= count) < meta_alpha
// (1e-6) -- the study then fails, and the test must be fixed (not its
// threshold loosened). A point ratio above 1.5 that is not significant is
// "suspect" (rerun with a larger K). Expected counts at the full settings:
// 10..1000 per cell; the ratio's 95% interval at 10 expected is about
// [0.5, 1.8], at 100 about [0.8, 1.2].
//
// Tail-calibration JSON (schema "initcheck.tail_calibration/1"):
//   {"schema": "initcheck.tail_calibration/1",
//    "base_seed": 20261203, "scale": 1, "alphas": [0.001, 0.0001, 1e-05],
//    "max_ratio": 1.5, "meta_alpha": 1e-06, "confidence": 0.95,
//    "pass": true,
//    "cases": [
//      {"label": "uniform_n1000_gof", "data": "U(0,1) ...", "n": 1000,
//       "samples": 4000000, "method": "...",
//       "tests": [
//         {"name": "ks", "rates": [
//            {"alpha": 0.001, "count": 3980, "expected": 4000.0,
//             "ratio": 0.995, "ci_low": 0.96, "ci_high": 1.03,
//             "exact_ratio": null | r,     // where the law is known
//             "p_exceed": 0.99,            // P(Bin(K, 1.5 alpha) >= count)
//             "exceeds": false, "suspect": false}, ...]}, ...]}, ...]}
// "samples" = 0 for exact (enumerated) cases, whose "count" is null and
// whose ratio is exact_ratio. initcheck_verify_study adds "commit". The
// table is rendered from this JSON by the report renderer (`initcheck
// report --only tail_calibration` -> reports/tail_calibration.md); `make
// tail-calibration` regenerates reports/data/tail_calibration.json.
#ifndef INITCHECK_VERIFY_TAIL_CALIBRATION_H_
#define INITCHECK_VERIFY_TAIL_CALIBRATION_H_

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "initcheck/verify/power.h"  // Interval, clopper_pearson

namespace initcheck::verify {

struct TailCalibrationOptions {
  double scale = 1.0;  // multiplies every case's sample count
  uint64_t base_seed = 20261203;
  std::vector<double> alphas = {1e-3, 1e-4, 1e-5};
  double max_ratio = 1.5;
  double meta_alpha = 1e-6;
  double confidence = 0.95;
  std::vector<std::string> cases;  // labels to run; empty = all
  int threads = 0;                 // 0 = all hardware threads
  std::function<void(const std::string&)> progress;
};

// One simulated case.
struct TailCase {
  std::string label;
  std::string data;    // the law simulated, e.g. "U(0,1), f64"
  std::string method;  // how (fast path, prescreen)
  int64_t n = 0;
  int64_t samples = 0;  // K at scale 1; 0 = exact (no simulation)
  std::vector<std::string> tests;
  // Writes the p-values of `tests` for sample `index` of stream `seed`
  // (p-values certainly above max_alpha may be written as 1). Thread-safe.
  std::function<void(uint64_t seed, uint64_t index, double max_alpha,
                     std::span<double> p)>
      simulate;
  // The exact actual rate P(p <= alpha) of test i where the law is known
  // (NaN otherwise); may be null.
  std::function<double(size_t test, double alpha)> exact;
};

// The default cases: the PIT tests (KS, AD, chi-square, extremes) and the
// mean test on U(0,1) at n = 1000; the independence tests at n = 1000
// (100 x 10 rows); normal data (max |x - mu|, mean, independence); the
// variance and mean tests at n = 10^4 (the smallest n where the variance
// test gates) for normal, uniform and +-2 sd truncated-normal targets; the
// mean test on a truncated normal at n = 1000; f16 and bf16 data through the
// randomized PIT (KS, AD, chi-square, support, duplicate rows, repeated
// windows); the Haar sign tests (exact).
std::vector<TailCase> default_tail_cases();

struct TailRate {
  double alpha = 0;
  int64_t count = -1;  // -1: exact case
  double expected = 0;
  double ratio = kNaN;
  Interval ratio_ci;       // Clopper-Pearson interval of the rate / alpha
  double exact_ratio = kNaN;
  double p_exceed = 1;     // P(Bin(K, max_ratio alpha) >= count)
  bool exceeds = false;
  bool suspect = false;
};

struct TailTestResult {
  std::string name;
  std::vector<TailRate> rates;  // per alpha
};

struct TailCaseResult {
  std::string label, data, method;
  int64_t n = 0;
  int64_t samples = 0;
  std::vector<TailTestResult> tests;
};

struct TailCalibrationResults {
  TailCalibrationOptions options;
  std::vector<TailCaseResult> cases;
  bool pass = true;
  double elapsed_seconds = 0;
};

TailCalibrationResults run_tail_calibration(
    const TailCalibrationOptions& options = {},
    const std::vector<TailCase>& cases = default_tail_cases());

// The JSON above (deterministic: no timings).
std::string to_json(const TailCalibrationResults& r);

// One line per exceeding or suspect cell ("" when none).
std::string tail_failures(const TailCalibrationResults& r);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_TAIL_CALIBRATION_H_
