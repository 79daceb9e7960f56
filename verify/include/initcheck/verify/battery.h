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
//   mean               z-test with the sd of the target ROUNDED to the dtype
//                      (rounding.h: exact sum over the grid's cells); exact
//                      at any n for a normal target
//   variance           z-test with Var(s^2) = sigma^4 (2/(n-1) + kappa/n),
//                      sigma and kappa of the rounded target; for a normal
//                      target the exact chi-square (any n)
//   support            values outside the support -> p = 0; the extremes
//                      judged jointly with exact laws, incl. the range
//                      ~ Beta(n-1, 2) (bounded), or the largest |deviation|
//                      (normal)
//   serial_correlation autocorrelations at lags 1..64, 128..4096, every axis
//                      stride and the row length; largest |z|, Bonferroni
//                      (independence.h, lag_correlation_test)
//   row_correlation_*  correlation between consecutive rows
//   duplicate_rows     identical rows (a stream reused per row)
//   repeated_windows   repeated runs of values (a stream reused per chunk)
//   runs               Wald-Wolfowitz runs above/below the median
// Low-precision values (f16, bf16) are tested against the rounded law via the
// randomized PIT (gof.h); support bounds for them are the rounded bounds.
// Values stored wider than they were made (every value of an f64 tensor a
// float32 number, say) are tested on the narrower grid, detected or forced
// (BatteryOptions; "source_grid" fails forced values that are off it).
//
// Structured targets: constant/eye/dirac -> exact equality ("structure");
// sparse -> exact zeros per column ("zeros_per_column") then the elementwise
// tests on the non-zeros; orthogonal -> |Q^T Q - gain^2 I| within a dtype
// tolerance ("orthogonality") and the Haar sign tests ("haar_diagonal_signs",
// "haar_row_signs", "haar_column_signs": under Haar measure Q -> D Q and
// Q -> Q D preserve the law for any sign matrix D, so the signs of a row, a
// column or the diagonal are i.i.d. fair coins; a QR without the sign fix
// makes the diagonal all negative), and the law of the entries (haar.h:
// "haar_entries" Q_ij^2 ~ Beta(1/2, (m-1)/2), "haar_projection" exact,
// "haar_trace" for square Q): exactly orthogonal impostors such as a signed
// permutation or a randomized Hadamard matrix fail them; delta_orthogonal
// -> zeros off the centre tap, the centre tap as orthogonal.
//
// Decision: Holm-Bonferroni over all p-values of all tensors checked together
// (one family) at family-wise level alpha (default kDefaultFamilyAlpha =
// 1e-6, multiple_testing.h). Results flagged unreliable (too few values for
// the approximation) are reported but never gate the verdict.
#ifndef INITCHECK_VERIFY_BATTERY_H_
#define INITCHECK_VERIFY_BATTERY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "initcheck/geometry.h"
#include "initcheck/scheme.h"
#include "initcheck/tensor.h"
#include "initcheck/verify/distributions.h"
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
  // The file's element type when it is not one of the float types (an
  // integer or bool tensor checked exactly, e.g. "I64"); dtype is then
  // meaningless. Empty for float tensors.
  std::string stored_dtype;
  // The format the values were made in: `dtype`, or a narrower one that
  // holds every value (detected, or forced by BatteryOptions::source_dtype);
  // the tests use its grid (rounding.h). source_note says so when it differs.
  DType source_dtype = DType::kF32;
  std::string source_note;
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
  // Values made in a narrower format than stored (a float32 tensor saved as
  // float64, bfloat16 saved as float32) lie on that format's grid; with
  // detection on, the coarsest of bf16/f16/f32 narrower than the storage
  // that holds every value is used (rounding.h, narrower_source_dtype).
  bool detect_source_dtype = true;
  // Force the source format (the CLI's --source-dtype). Ignored when not
  // narrower than the storage dtype (then the storage grid is used, without
  // detection); otherwise values off its grid fail "source_grid".
  std::optional<DType> source_dtype;
};

// The law of one element of an elementwise target (uniform, normal, truncated
// normal; sparse: its normal part); nullptr for the other families.
std::unique_ptr<Distribution> target_distribution(const Target& t);

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
