// Shared boilerplate of the GoF suites (verify/test/gof/*_gof_test.cc).
//
// Each suite fills tensors with lib (initcheck::fill) and checks them with the
// full battery (check_one at the default family-wise alpha 1e-6); a correct
// scheme must pass. Shapes cover every layout (torch Linear / ConvNd, grouped
// and depthwise convs and transposed convs read with --fans layer semantics,
// Keras and JAX [*k, in, out] kernels) and every dtype (f32, f64, f16, bf16).
//
// False alarms: one case is one battery run at family-wise alpha 1e-6 (Holm
// over all its tests; calibration_test.cc checks that the realized rate is at
// most alpha within 10%), so a case fails a correct scheme with probability
// <= 1.1e-6 and the ~250 cases of the GoF suites together with probability
// <= 3e-4 per fresh-seed run (union bound). CI uses fixed seeds (the outcome
// is deterministic); INITCHECK_SEED=random reruns with fresh ones (see
// seed_util.h).
//
// The seed of a case is derived from the base seed and a hash of the case
// (scheme, shape, layout, dtype), so adding or reordering cases never
// changes the seeds of the others.
#ifndef INITCHECK_VERIFY_TEST_GOF_GOF_UTIL_H_
#define INITCHECK_VERIFY_TEST_GOF_GOF_UTIL_H_

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../seed_util.h"
#include "initcheck/error.h"
#include "initcheck/fill.h"
#include "initcheck/verify/battery.h"
#include "initcheck/verify/format.h"
#include "initcheck/verify/oracle.h"

namespace initcheck::verify::gof {

inline constexpr uint64_t kGofBaseSeed = 0x6f0f5eedull;

// ---- geometries
// ---------------------------------------------------------------

// A geometry (assigned member by member: Geometry has optional members
// without initializers, which designated initializers would warn about).
// torch layout [out, in, *k] (Linear, ConvNd), framework fans.
inline Geometry Torch(Shape s) { return make_geometry(std::move(s)); }
// A grouped (or depthwise) ConvNd weight [out, in/groups, *k], layer fans.
inline Geometry Grouped(Shape s, int64_t groups) {
  return make_geometry(std::move(s), Layout::kTorch, groups, false,
             FanConvention::kLayer);
}
// A ConvTransposeNd weight [in, out/groups, *k], layer fans.
inline Geometry Transposed(Shape s, int64_t groups = 1) {
  return make_geometry(std::move(s), Layout::kTorch, groups, true, FanConvention::kLayer);
}
// Keras / JAX kernels [*k, in, out].
inline Geometry Keras(Shape s) { return make_geometry(std::move(s), Layout::kKeras); }
inline Geometry Jax(Shape s) { return make_geometry(std::move(s), Layout::kJax); }
// A Keras Conv*DTranspose kernel [*k, out/groups, in], layer fans.
inline Geometry KerasTransposed(Shape s, int64_t groups = 1) {
  return make_geometry(std::move(s), Layout::kKeras, groups, true, FanConvention::kLayer);
}

// ---- one GoF case
// ----------------------------------------------------------------

struct GofCase {
  std::string name;    // gtest-safe: [A-Za-z0-9_]
  std::string scheme;  // scheme text
  Geometry geometry;
  DType dtype = DType::kF32;
};

inline std::string CaseName(const ::testing::TestParamInfo<GofCase>& info) {
  return info.param.name;
}

inline uint64_t CaseHash(const GofCase& c) {
  const std::string key = c.scheme + "|" + shape_string(c.geometry.shape) +
                          "|" + std::string(layout_name(c.geometry.layout)) +
                          "|" + std::string(dtype_name(c.dtype)) + "|" +
                          std::to_string(c.geometry.groups) +
                          (c.geometry.transposed ? "T" : "");
  uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a
  for (unsigned char ch : key) {
    h ^= ch;
    h *= 0x100000001b3ull;
  }
  return h;
}

// Fills the case with lib and runs the battery; on failure the message is the
// battery's text report plus the seed.
inline ::testing::AssertionResult Conforms(const GofCase& c) {
  const uint64_t base = testing::base_seed(kGofBaseSeed);
  const uint64_t seed = testing::case_seed(base, CaseHash(c));
  const Scheme s = Scheme::parse(c.scheme);
  const Tensor t = fill(s, c.geometry, c.dtype, FillOptions{.seed = seed});
  const int64_t numel = shape_numel(c.geometry.shape);
  CheckRun run;
  run.file = c.name;
  run.checks.push_back(check_one(t, s, c.geometry));
  if (run.pass()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << c.scheme << " on " << shape_string(c.geometry.shape) << " ("
         << layout_name(c.geometry.layout) << ", " << dtype_name(c.dtype)
         << ", " << numel << " elements), fill seed " << seed << ", "
         << testing::seed_note(base) << ":\n"
         << format_text(run);
}

// Base fixture: each suite derives its own (class KaimingGof : public
// GofTest {}) and instantiates it with its cases.
class GofTest : public ::testing::TestWithParam<GofCase> {};

#define INITCHECK_GOF_SUITE(Suite, cases)                            \
  class Suite : public ::initcheck::verify::gof::GofTest {};         \
  TEST_P(Suite, Conforms) {                                          \
    EXPECT_TRUE(::initcheck::verify::gof::Conforms(GetParam()));     \
  }                                                                  \
  INSTANTIATE_TEST_SUITE_P(Cases, Suite, ::testing::ValuesIn(cases), \
                           ::initcheck::verify::gof::CaseName)

// ---- oracle checks
// -------------------------------------------------------------

inline Target TargetOf(std::string_view scheme, const Geometry& g) {
  return derive_target(Scheme::parse(scheme), g);
}

// |actual - expected| <= 4 ulp of expected (the oracle and the hand formula
// may round differently in the last bits, never more).
inline ::testing::AssertionResult Same(double actual, double expected) {
  if (actual == expected ||
      std::abs(actual - expected) <= 4 * DBL_EPSILON * std::abs(expected)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "oracle " << format_number(actual) << " vs hand-computed "
         << format_number(expected) << " (relative error "
         << (actual - expected) / expected << ")";
}

// The 26 schemes of lib/src/scheme.cc and the suite that covers each;
// coverage_test.cc checks that this list equals scheme_specs().
inline const std::vector<std::pair<std::string_view, std::string_view>>&
CoveredSchemes() {
  static const std::vector<std::pair<std::string_view, std::string_view>> v = {
      {"zeros", "structured_gof_test.cc"},
      {"ones", "structured_gof_test.cc"},
      {"constant", "structured_gof_test.cc"},
      {"uniform", "basic_random_gof_test.cc"},
      {"normal", "basic_random_gof_test.cc"},
      {"trunc_normal", "basic_random_gof_test.cc"},
      {"xavier_uniform", "xavier_gof_test.cc"},
      {"xavier_normal", "xavier_gof_test.cc"},
      {"kaiming_uniform", "kaiming_gof_test.cc"},
      {"kaiming_normal", "kaiming_gof_test.cc"},
      {"orthogonal", "orthogonal_gof_test.cc"},
      {"eye", "structured_gof_test.cc"},
      {"dirac", "structured_gof_test.cc"},
      {"sparse", "sparse_gof_test.cc"},
      {"glorot_uniform", "variance_scaling_gof_test.cc"},
      {"glorot_normal", "variance_scaling_gof_test.cc"},
      {"he_uniform", "variance_scaling_gof_test.cc"},
      {"he_normal", "variance_scaling_gof_test.cc"},
      {"lecun_uniform", "variance_scaling_gof_test.cc"},
      {"lecun_normal", "variance_scaling_gof_test.cc"},
      {"variance_scaling", "variance_scaling_gof_test.cc"},
      {"truncated_normal", "basic_random_gof_test.cc"},
      {"random_normal", "basic_random_gof_test.cc"},
      {"random_uniform", "basic_random_gof_test.cc"},
      {"identity", "structured_gof_test.cc"},
      {"delta_orthogonal", "orthogonal_gof_test.cc"},
  };
  return v;
}

}  // namespace initcheck::verify::gof

#endif  // INITCHECK_VERIFY_TEST_GOF_GOF_UTIL_H_
