// File: initcheck/verify/power.h
//
// The two experiments that measure how good the verification battery
// (battery.h) is, and their JSON reports (read by `initcheck report`):
//
//   run_power_study   POWER: for every mutant of mutants.h (a realistic
//                     initializer bug), the rate at which the battery rejects
//                     it at the default family-wise alpha, with a
//                     Clopper-Pearson interval, and the smallest tensor size
//                     that detects it with probability >= 0.99.
//   run_calibration   CALIBRATION: for correct tensors (lib's fill) over many
//                     independent seeds, whether each test's p-value is
//                     uniform (or conservative) under H0, and whether the
//                     battery's family-wise rejection rate at a large alpha
//                     (0.01, 0.1) stays within its binomial interval of alpha;
//                     at the default alpha (1e-6) no seed may be rejected.
//
// Both are deterministic functions of their options (seeds are derived from
// base_seed by a SplitMix64 hash; results do not depend on `threads`).
// The defaults are the full settings used for the reports; the ctest suites
// run reduced settings (verify/test/power_test.cc, calibration_test.cc).
//
// ---------------------------------------------------------------------------
// Power study: method
//
// Detection = check_one(mutant tensor, reference scheme, geometry, alpha)
// does not pass (Holm over the whole battery at family-wise alpha, default
// kDefaultFamilyAlpha = 1e-6). For each mutant:
//   * at n elements (default 2^18; the mutant's geometry(n) gives a shape of
//     about n elements suited to the bug), `seeds` independent seeds (default
//     50): detections, rate, two-sided 95% Clopper-Pearson interval, and how
//     often each test fired (was rejected by Holm);
//   * control: the correct tensor (lib's fill of the reference scheme) on the
//     same geometry and seeds; `reference_rejections` must be 0 (each has
//     false-alarm probability <= alpha);
//   * min_n_99: the smallest n on the half-octave grid {2^(j/2)} in
//     [min_n_low, min_n_high] at which the OBSERVED detection rate is
//     >= target_power (0.99) over min_n_seeds seeds (default 200, i.e. at
//     most 2 misses). Search: octaves 2^j ascending; at each point seeds run
//     until the misses exceed the allowed count (early stop: a failing point
//     costs about (allowed + 1) / (1 - power) seeds) or all seeds are done;
//     the first passing octave 2^j is then refined by trying round(2^(j -
//     1/2)). Reading: with 200 seeds and <= 2 misses, a point with true power
//     0.97 passes with probability 0.06, one with 0.99 with 0.68, one with
//     0.999 with 0.999 (binomial), so min_n_99 is the size at which the power
//     is about 0.98-0.99; the CP interval of the passing point is reported.
//     Power is assumed monotone in n (true for every test here; the trace of
//     all points tried is in the JSON). null when no grid point up to
//     min_n_high passes (the mutant is beyond the battery's reach at
//     practical sizes); min_n_trace then shows the rate at the largest n.
//
// Power JSON (schema "initcheck.power/1"):
//   {"schema": "initcheck.power/1",
//    "alpha": 1e-06, "n": 262144, "seeds": 50, "base_seed": 20260801,
//    "confidence": 0.95,                    // of the Clopper-Pearson intervals
//    "min_n": {"target_power": 0.99, "seeds_per_point": 200,
//              "max_misses": 2, "n_low": 256, "n_high": 4194304,
//              "grid": "half-octave", "method": "..."},
//    "mutants": [
//      {"name": "keras_truncated_normal_no_correction",
//       "description": "...", "bug_reference": "keras #8048, ... (D-20)",
//       "reference_scheme": "he_normal", "dtype": "f32",
//       "mutant_effect": {"variance_ratio": 0.7737 | null, "text": "..."},
//       "shape": [3, 3, 120, 240], "layout": "keras", "n": 259200,
//       "seeds": 50, "detections": 50, "rate": 1.0,
//       "ci_low": 0.9289, "ci_high": 1.0,
//       "tests_that_fired": {"variance": 50, "ks": 50, ...},
//       "example_diagnosis": "variance 0.774x target: missing ...",
//       "reference_seeds": 50, "reference_rejections": 0,
//       "min_n_99": 2304 | null,
//       "min_n_99_point": {"n", "seeds", "detections", "rate", "ci_low",
//                          "ci_high", "passed"} | null,
//       "min_n_trace": [ {"n", "seeds", "detections", "rate", "ci_low",
//                         "ci_high", "passed"}, ... ],   // in search order
//       "assert_detected_at": 262144 | null,   // what the fast ctest asserts
//       "limit_note": "..."}, ...]}
//
// ---------------------------------------------------------------------------
// Calibration: method
//
// For each case (scheme, geometry, dtype; default_calibration_cases(n)) and
// K = seeds independent seeds: fill with lib, run check_tensor, and collect
// every gating p-value (reliable, not NaN) per test name; then decide() at
// each family alpha in {1e-6, 0.01, 0.1}.
//
// Which p-values are uniform under H0 (kind "uniform": a second-level
// two-sided KS of the K p-values against U(0,1), exact p-value, must not
// reject at meta_alpha), and which are only valid ("conservative":
// P(p <= t) <= t by construction, not uniform; they get only the one-sided
// level checks below):
//   ks                  uniform, exact (Simard-L'Ecuyer; continuous PIT,
//                       randomized over rounding cells for f16/bf16)
//   anderson_darling    uniform, approximate (ADinf series + M&M errfix fit)
//   chi_square          uniform, approximate (chi2_{k-1} tail of a discrete
//                       X^2; 50 bins, >= 20 expected per bin)
//   mean, variance      uniform, approximate (normal approximation, CLT;
//                       exact for normal targets: chi-square, z)
//   row_correlation_mean, haar_trace
//                       uniform, approximate (normal approximation)
//   haar_projection     uniform, exact (Beta(1/2, (m-1)/2))
//   serial_correlation  Bonferroni over lags of self-normalized
//                       autocorrelations: conservative, approximate
//   haar_entries        chi-square of dependent entries: conservative,
//                       approximate (haar.h)
//   runs                uniform, approximate (normal approximation of an
//                       integer statistic with sd ~ sqrt(n)/2, no continuity
//                       correction)
//   support, unbounded target (max |x - mu|)
//                       uniform, exact (from the PITs, randomized over
//                       rounding cells for f16/bf16 values)
//   support, bounded target (extremes: range, one inside, outside, each
//                       exact, Bonferroni over the three) conservative, exact
//   row_correlation_max Bonferroni over row pairs: conservative,
//                       approximate (Student t per pair)
//   duplicate_rows      Poisson bound, p = 1 without duplicates: conservative
//   repeated_windows    Markov bound, p = 1 without repeats: conservative
//   haar_*_signs        exact two-sided binomial of a discrete count:
//                       conservative
//   finite, structure, zeros_per_column, orthogonality
//                       deterministic (p = 1 under H0): conservative
// Level checks (every test, both kinds): at t in {0.001, 0.01, 0.05, 0.1},
// X = #{p <= t} must not exceed t + slack significantly:
// P(Binomial(K, t (1 + slack)) >= X) >= meta_alpha, with slack 0 for exact
// p-values and 0.1 for approximate ones (the project's reliability standard:
// an approximate p-value is "reliable" when its level is within 10% of the
// nominal one, moments.h).
// Family-wise check at alpha in {0.01, 0.1}: X = #{seeds with any Holm
// rejection}; Holm controls the family-wise rate at alpha when the p-values
// are valid, so X must not exceed alpha (1 + 0.1) significantly:
// P(Binomial(K, 1.1 alpha) >= X) >= meta_alpha. At alpha = 1e-6: X == 0
// (false-alarm probability of that assertion <= K 1.1e-6).
// meta_alpha (default 1e-6) is per assertion; with about 60 assertions per
// case and 7 cases, the whole calibration fails a correct battery with
// probability <= 5e-4 per fresh-seed run (union bound).
//
// Calibration JSON (schema "initcheck.calibration/1"):
//   {"schema": "initcheck.calibration/1",
//    "seeds": 2000, "n": 65536, "base_seed": 20260802, "meta_alpha": 1e-06,
//    "levels": [0.001, 0.01, 0.05, 0.1], "family_alphas": [1e-06, 0.01, 0.1],
//    "pass": true,
//    "cases": [
//      {"label": "uniform_f32", "scheme": "kaiming_uniform(a=2.2360...)",
//       "fill_scheme": same as scheme unless a negative control, "shape":
//       [...], "layout": "torch", "dtype": "f32", "n": 65536, "seeds": 2000,
//       "pass": true, "tests": [
//         {"name": "ks", "kind": "uniform", "exact": true, "count": 2000,
//          "ks_d": 0.013, "ks_p_value": 0.87 | null (conservative kind),
//          "levels": [{"t": 0.01, "count": 18, "fraction": 0.009,
//                      "slack": 0.0, "p_exceed": 0.72, "pass": true}, ...],
//          "histogram": [20 counts of p in [0, 0.05), [0.05, 0.1), ...],
//          "pass": true}, ...],
//       "family": [{"alpha": 0.01, "seeds": 2000, "rejections": 9,
//                   "rate": 0.0045, "ci_low": ..., "ci_high": ...,
//                   "p_exceed": 0.98, "pass": true}, ...]}, ...]}
#ifndef INITCHECK_VERIFY_POWER_H_
#define INITCHECK_VERIFY_POWER_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "initcheck/dtype.h"
#include "initcheck/fans.h"
#include "initcheck/verify/battery.h"
#include "initcheck/verify/multiple_testing.h"

namespace initcheck::verify {

// ---- shared statistics ------------------------------------------------------

struct Interval {
  double low = 0;
  double high = 1;
};
// Two-sided Clopper-Pearson interval for `successes` of `trials` at
// `confidence` (exact, from the beta quantiles; [0, 1] when trials = 0).
Interval clopper_pearson(int64_t successes, int64_t trials,
                         double confidence = 0.95);
// P(Binomial(trials, p) >= k).
double binomial_tail_ge(int64_t k, int64_t trials, double p);

// Seed i of experiment stream `stream` (SplitMix64 of base, stream, i).
uint64_t study_seed(uint64_t base, uint64_t stream, uint64_t i);

// ---- power study ------------------------------------------------------------

struct PowerOptions {
  int64_t n = int64_t{1} << 18;  // elements for the main measurement
  int seeds = 50;                // seeds per mutant at n
  uint64_t base_seed = 20260801;
  double alpha = kDefaultFamilyAlpha;
  double confidence = 0.95;       // Clopper-Pearson
  bool reference_control = true;  // also check the correct tensors
  bool find_min_n = true;
  int min_n_seeds = 200;  // seeds per grid point
  double target_power = 0.99;
  int64_t min_n_low = int64_t{1} << 8;
  int64_t min_n_high = int64_t{1} << 22;
  std::vector<std::string> mutants;  // names; empty = the whole catalogue
  int threads = 0;                   // 0 = all hardware threads
  // Called with one line per finished mutant (and search step); optional.
  std::function<void(const std::string&)> progress;
};

struct PowerPoint {
  int64_t n = 0;  // elements of the geometry actually used
  int seeds = 0;
  int detections = 0;
  double rate = 0;
  Interval ci;
  bool passed = false;  // observed rate >= target power over all seeds
};

struct MutantPower {
  std::string name, description, bug_reference, reference_scheme;
  DType dtype = DType::kF32;
  double variance_ratio = 1;  // NaN: not meaningful
  std::string effect;
  Shape shape;
  Layout layout = Layout::kTorch;
  PowerPoint at_n;                         // the main measurement
  std::map<std::string, int> tests_fired;  // test name -> seeds it rejected
  std::string example_diagnosis;           // of the first detected seed
  int reference_seeds = 0;
  int reference_rejections = 0;
  std::optional<int64_t> min_n_99;
  std::optional<PowerPoint> min_n_point;
  std::vector<PowerPoint> min_n_trace;
  int64_t assert_detected_at = 0;
  std::string limit_note;
};

struct PowerResults {
  PowerOptions options;
  std::vector<MutantPower> mutants;
  double elapsed_seconds = 0;
};

PowerResults run_power_study(const PowerOptions& options = {});
std::string to_json(const PowerResults& r);

// ---- calibration
// --------------------------------------------------------------

struct CalibrationCase {
  std::string label;   // e.g. "uniform_f32"
  std::string scheme;  // scheme text: what the battery checks against
  Geometry geometry;
  DType dtype = DType::kF32;
  // What lib fills the tensors with; empty = `scheme` (the calibration
  // proper). A different scheme makes a negative control (the meta-test must
  // then fail).
  std::string fill_scheme;
};
// The default cases for tensors of about n elements (n a power of 2 >=
// 2^10): a uniform (kaiming_uniform(a=sqrt(5)), conv, f32), a normal
// (xavier_normal, Linear, f64), a Keras truncated normal (he_normal, keras
// conv, f32), a PyTorch truncated normal in f16 (trunc_normal with +-2 sd
// bounds), a uniform in bf16 (he_uniform, keras dense), sparse (f32) and
// orthogonal (f32); and (issue 12) normal(mean=1, std=0.02) in bf16 (a norm
// gain), normal(mean=1000, std=1) in f16 and bf16, orthogonal in bf16, and
// biases of 16 values (uniform and normal, f32; their shape ignores n).
std::vector<CalibrationCase> default_calibration_cases(int64_t n);

// How a test's p-value behaves under H0 (see the table above).
struct PValueKind {
  bool uniform = true;  // second-level KS applies
  bool exact = true;    // slack 0 (else 0.1)
};
PValueKind p_value_kind(const std::string& test, const Target& target,
                        DType dtype);

struct CalibrationOptions {
  int seeds = 2000;  // K
  int64_t n = int64_t{1} << 16;
  uint64_t base_seed = 20260802;
  std::vector<CalibrationCase> cases;  // empty = default_calibration_cases(n)
  std::vector<double> levels = {0.001, 0.01, 0.05, 0.1};
  std::vector<double> family_alphas = {kDefaultFamilyAlpha, 0.01, 0.1};
  double meta_alpha = 1e-6;  // per assertion (see above)
  double approximate_slack = 0.1;
  int threads = 0;
  std::function<void(const std::string&)> progress;
};

struct LevelCheck {
  double t = 0;
  int count = 0;  // p-values <= t
  double fraction = 0;
  double slack = 0;
  double p_exceed = 1;  // P(Bin(K, t (1 + slack)) >= count)
  bool pass = true;
};

struct TestCalibration {
  std::string name;
  PValueKind kind;
  int count = 0;              // gating p-values collected
  double ks_d = 0, ks_p = 1;  // second-level KS (uniform kind)
  std::vector<LevelCheck> levels;
  std::vector<int> histogram;  // 20 equal bins of [0, 1]
  bool pass = true;
};

struct FamilyRate {
  double alpha = 0;
  int seeds = 0;
  int rejections = 0;
  double rate = 0;
  Interval ci;
  double p_exceed = 1;  // P(Bin(K, 1.1 alpha) >= rejections)
  bool pass = true;
};

struct CaseCalibration {
  CalibrationCase c;
  int64_t n = 0;
  int seeds = 0;
  std::vector<TestCalibration> tests;
  std::vector<FamilyRate> family;
  bool pass = true;
};

struct CalibrationResults {
  CalibrationOptions options;
  std::vector<CaseCalibration> cases;
  bool pass = true;
  double elapsed_seconds = 0;
};

CalibrationResults run_calibration(const CalibrationOptions& options = {});
std::string to_json(const CalibrationResults& r);

// One line per failed assertion ("" when everything passed), for test
// failure messages.
std::string failures(const CalibrationResults& r);

// Writes text to `path` atomically (initcheck::write_file_atomically).
void write_text_file(const std::string& path, const std::string& text);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_POWER_H_
