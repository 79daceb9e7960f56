// File: initcheck/verify/battery.h
//
// The verification battery: every test that applies to one tensor and its
// scheme, and the family-wise decision over one tensor or a whole file.
//
// For an elementwise target (uniform, normal, truncated normal; the oracle in
// oracle.h derives it from the published formulas):
//   finite             NaN or +-Inf anywhere -> p = 0 (how many, where)
//   ks                 one-sample Kolmogorov-Smirnov, exact p-value
//   anderson_darling   case 0, Marsaglia & Marsaglia (2004) p-value
//   chi_square         equiprobable bins at the target's quantiles
//   mean               z-test with the target's sd
//   variance           z-test with Var(s^2) = sigma^4 (2/(n-1) + kappa/n)
//   support            values outside the support -> p = 0; the extremes
//                      (bounded) or the largest |deviation| (normal)
//   serial_correlation lag-1 correlation of neighbouring elements
//   row_correlation_*  correlation between consecutive rows
//   duplicate_rows     identical rows (a stream reused per row)
//   repeated_windows   repeated runs of values (a stream reused per chunk)
//   runs               Wald-Wolfowitz runs above/below the median
// Low-precision values (f16, bf16) are tested against the rounded law via the
// randomized PIT (gof.h); support bounds for them are the rounded bounds.
//
// Structured targets: constant/eye/dirac -> exact equality ("structure");
// sparse -> exact zeros per column ("zeros_per_column") then the elementwise
// tests on the non-zeros; orthogonal -> |Q^T Q - gain^2 I| within a dtype
// tolerance ("orthogonality") and the Haar sign tests ("haar_diagonal_signs",
// "haar_row_signs", "haar_column_signs": under Haar measure Q -> D Q and
// Q -> Q D preserve the law for any sign matrix D, so the signs of a row, a
// column or the diagonal are i.i.d. fair coins; a QR without the sign fix
// makes the diagonal all negative); delta_orthogonal -> zeros off the centre
// tap, the centre tap as orthogonal.
//
// Decision: Holm-Bonferroni over all p-values of all tensors checked together
// (one family) at family-wise level alpha (default kDefaultFamilyAlpha =
// 1e-6, multiple_testing.h). Results flagged unreliable (too few values for
// the approximation) are reported but never gate the verdict.
#ifndef INITCHECK_VERIFY_BATTERY_H_
#define INITCHECK_VERIFY_BATTERY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "initcheck/geometry.h"
#include "initcheck/scheme.h"
#include "initcheck/tensor.h"
#include "initcheck/verify/multiple_testing.h"
#include "initcheck/verify/oracle.h"
#include "initcheck/verify/resolution.h"
#include "initcheck/verify/result.h"

namespace initcheck::verify {

struct SampleSummary {
  int64_t n = 0;
  int64_t n_nan = 0;
  int64_t n_inf = 0;
  double mean = kNaN;
  double variance = kNaN;
  double min = kNaN;
  double max = kNaN;
  double excess_kurtosis = kNaN;
};

struct TensorCheck {
  std::optional<std::string> tensor;  // name in a checkpoint
  std::string scheme;                 // canonical
  Geometry geometry;
  DType dtype = DType::kF32;
  Target target;
  SampleSummary sample;
  std::vector<TestResult> tests;
  // Filled by decide():
  std::vector<double> adjusted_p;  // Holm-adjusted within the family
  std::vector<bool> rejected;
  bool pass = false;
  std::string diagnosis;  // one line saying what looks wrong, "" on pass
  // What the check proves: the smallest std / mean errors it detects with
  // probability >= 0.99 at the per-test level alpha / m (resolution.h).
  Resolution resolution;
};

struct BatteryOptions {
  // Run the independence tests (serial/row correlation, duplicate rows,
  // repeated windows, runs).
  bool independence = true;
};

// Runs every applicable test (p-values only; no decision). Throws
// initcheck::Error if the scheme cannot apply to the geometry or the tensor's
// shape differs from geometry.shape.
TensorCheck check_tensor(const TensorView& t, const Scheme& scheme,
                         const Geometry& geometry,
                         const BatteryOptions& options = {});

// Holm over every gating p-value of every check (one family); sets
// adjusted_p, rejected, pass, diagnosis and resolution (at the level alpha /
// m, m = the family's size). Returns true if all pass.
bool decide(std::vector<TensorCheck>& checks,
            double alpha = kDefaultFamilyAlpha);

// Convenience: check_tensor + decide for a single tensor.
TensorCheck check_one(const TensorView& t, const Scheme& scheme,
                      const Geometry& geometry,
                      double alpha = kDefaultFamilyAlpha,
                      const BatteryOptions& options = {});

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_BATTERY_H_
