// initcheck::testing::Follows: accepts correct tensors (Tensor, std::vector,
// std::span, float and double), rejects mutants with the battery's report as
// the explanation, and reports misuse (bad scheme, wrong element count)
// instead of crashing.
//
// False alarms: each accepting assertion runs the battery once at family-wise
// alpha 1e-6 on fixed seeds (deterministic in CI; <= 1e-6 per assertion with
// fresh seeds). The rejections are of gross mutants (variance 0.774x at
// n = 73728: z ~ 35; uniform [0, b): values outside the target's support),
// which are detected with probability 1 - 1e-100 or more.
#include "initcheck/verify/matchers.h"

#include <gtest/gtest-spi.h>

#include <vector>

#include "initcheck/fill.h"
#include "initcheck/verify/mutants.h"

namespace initcheck::testing {
namespace {

using ::testing::Not;


std::vector<float> AsFloats(const Tensor& t) {
  return std::vector<float>(t.as<float>(), t.as<float>() + t.numel());
}

TEST(Follows, AcceptsACorrectTensorInEveryForm) {
  const Scheme s = Scheme::parse("kaiming_uniform(a=sqrt(5))");
  const Shape shape = {64, 32, 3, 3};
  const Tensor t = fill(s, make_geometry(shape), DType::kF32, {.seed = 11});
  EXPECT_THAT(t, Follows("kaiming_uniform(a=sqrt(5))"));
  EXPECT_THAT(t, Follows("kaiming_uniform(a=sqrt(5))", shape));
  const std::vector<float> v = AsFloats(t);
  EXPECT_THAT(v, Follows("kaiming_uniform(a=2.23606797749979)", shape));
  EXPECT_THAT(std::span<const float>(v),
              Follows("kaiming_uniform(a=sqrt(5))", shape));
  const Tensor d = fill(s, make_geometry(shape), DType::kF64, {.seed = 12});
  const std::vector<double> dv(d.as<double>(), d.as<double>() + d.numel());
  EXPECT_THAT(dv, Follows("kaiming_uniform(a=sqrt(5))", shape));
}

TEST(Follows, KerasLayoutAndLowPrecision) {
  const Geometry g = make_geometry({3, 3, 64, 128}, Layout::kKeras);
  const Tensor t =
      fill(Scheme::parse("he_normal"), g, DType::kBF16, {.seed = 13});
  EXPECT_THAT(t, Follows("he_normal", {.layout = Layout::kKeras}));
  // Read in torch layout ([out, in, *k]: fan_in = 3 * 64 * 128 = 24576
  // instead of 3 * 3 * 64 = 576) the same weights fail.
  EXPECT_THAT(t, Not(Follows("he_normal")));
}

TEST(Follows, RejectsAMutantWithTheBatteryReport) {
  const verify::Mutant& m =
      verify::find_mutant("keras_truncated_normal_no_correction");
  const verify::MutantCase c = verify::make_mutant_case(m, 1 << 16, 5);
  const std::vector<float> v = AsFloats(c.tensor);
  EXPECT_THAT(v, Not(Follows("he_normal", c.geometry.shape,
                             {.layout = Layout::kKeras})));
  // The failure message: the description, the report and the diagnosis.
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(v, Follows("he_normal", c.geometry.shape,
                                                 {.layout = Layout::kKeras})),
                          "missing truncation correction");
  EXPECT_NONFATAL_FAILURE(
      EXPECT_THAT(v, Follows("he_normal", c.geometry.shape,
                             {.layout = Layout::kKeras})),
      "follows " + Scheme::parse("he_normal").str() + " on " +
          shape_string(c.geometry.shape) +
          " (keras layout, framework fans) at family-wise alpha 1e-06");
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(v, Follows("he_normal", c.geometry.shape,
                                                 {.layout = Layout::kKeras})),
                          "variance");
}

TEST(Follows, RejectsUniformOnZeroToB) {
  const verify::MutantCase c = verify::make_mutant_case(
      verify::find_mutant("uniform_zero_to_b"), 1 << 16, 6);
  EXPECT_THAT(AsFloats(c.tensor),
              Not(Follows("random_uniform(minval=-0.05, maxval=0.05)",
                          c.geometry.shape)));
  EXPECT_NONFATAL_FAILURE(
      EXPECT_THAT(AsFloats(c.tensor),
                  Follows("random_uniform(minval=-0.05, maxval=0.05)",
                          c.geometry.shape)),
      "U[0, b) where U(-b, b) was meant");
}

TEST(Follows, ReportsMisuseInsteadOfThrowing) {
  const std::vector<float> v(100, 0.0f);
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(v, Follows("kaiming_unifrom", {10, 10})),
                          "invalid scheme");
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(v, Follows("zeros", {10, 11})),
                          "the shape [10, 11] needs 110");
  // A fan-based scheme on a 1-D value (no shape given).
  EXPECT_NONFATAL_FAILURE(EXPECT_THAT(v, Follows("kaiming_uniform")),
                          "cannot check");
  // Exact structure: 100 zeros follow "zeros" on [10, 10].
  EXPECT_THAT(v, Follows("zeros", {10, 10}));
}

}  // namespace
}  // namespace initcheck::testing
