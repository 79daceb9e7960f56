// Moments of a law rounded to a float grid, and the detection of values made
// in a narrower format. Expected values come from hand derivations (few-cell
// laws), an independent erfc sum, and the NumPy/SciPy fixture generator
// (verify/tools/fixtures/fixture_stats.py, numbers in
// verify/test/data/trust/manifest.json).
#include "initcheck/verify/rounding.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "initcheck/dtype.h"

namespace initcheck::verify {
namespace {

double Phi(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

// U[1000, 1001) rounded to float16: the spacing is 2^(9-10) = 0.5 on
// [512, 1024), so the values are 1000, 1000.5 and 1001 with cells
// [1000, 1000.25], [1000.25, 1000.75], [1000.75, 1001]: probabilities 1/4,
// 1/2, 1/4; mean 1000.5, variance 2 (1/4)(1/2)^2 = 1/8 (continuous: 1/12),
// E[(R - m)^4] = 2 (1/4)(1/16) = 1/32, excess kurtosis (1/32)/(1/64) - 3 = -1.
TEST(RoundedMoments, UniformOnThreeFloat16Cells) {
  const Uniform u(1000, 1001);
  const RoundedMoments r = rounded_moments(u, ValueGrid::kFloat16);
  EXPECT_TRUE(r.exact);
  EXPECT_NEAR(r.mean, 1000.5, 1e-12);
  EXPECT_NEAR(r.variance, 0.125, 1e-12);
  EXPECT_NEAR(r.skewness, 0.0, 1e-9);
  EXPECT_NEAR(r.excess_kurtosis, -1.0, 1e-9);
}

// bfloat16 N(1000, 1): spacing 2^(9-7) = 4 on [512, 1024), 1000 = 250 * 4 is
// on the grid, so R = 1000 + 4j with P_j = Phi(4j + 2) - Phi(4j - 2); the
// next binade starts 24 sd away. Independent sum with std::erfc.
TEST(RoundedMoments, BFloat16FewPointLawMatchesErfcSum) {
  double var = 0, m4 = 0;
  for (int j = -6; j <= 6; ++j) {
    const double p = Phi(4.0 * j + 2) - Phi(4.0 * j - 2);
    var += 16.0 * j * j * p;
    m4 += 256.0 * j * j * j * j * p;
  }
  const RoundedMoments r = rounded_moments(Normal(1000, 1), ValueGrid::kBFloat16);
  EXPECT_TRUE(r.exact);
  EXPECT_NEAR(r.mean, 1000.0, 1e-9);
  EXPECT_NEAR(r.variance / var, 1.0, 1e-10);
  EXPECT_NEAR(r.excess_kurtosis, m4 / (var * var) - 3, 1e-8);
  // The fixture generator's figure (SciPy): 0.728004 std^2.
  EXPECT_NEAR(r.variance, 0.728004, 1e-6);
}

// The figures the NumPy/SciPy fixture generator printed for the exactly
// rounded laws (manifest notes of verify/test/data/trust): bf16 N(1, 0.02^2)
// has mean 0.99996174 and variance 1.00794 std^2 (the mean sits on the
// binade boundary at 1: spacing 2^-8 below, 2^-7 above); f16 N(1000, 1) and
// bf16 N(100, 1) (spacing 0.5) have 1.02083 std^2; bf16 N(10, 1) 1.00035;
// f16 N(10, 1) 1.00001.
TEST(RoundedMoments, MatchTheFixtureGeneratorsExactSums) {
  const RoundedMoments a = rounded_moments(Normal(1, 0.02), ValueGrid::kBFloat16);
  EXPECT_NEAR(a.mean, 0.99996174, 5e-9);
  EXPECT_NEAR(a.variance / 4e-4, 1.00794, 5e-6);
  EXPECT_NEAR(rounded_moments(Normal(1000, 1), ValueGrid::kFloat16).variance,
              1.02083, 5e-6);
  EXPECT_NEAR(rounded_moments(Normal(100, 1), ValueGrid::kBFloat16).variance,
              1.02083, 5e-6);
  EXPECT_NEAR(rounded_moments(Normal(10, 1), ValueGrid::kBFloat16).variance,
              1.00035, 5e-6);
  EXPECT_NEAR(rounded_moments(Normal(10, 1), ValueGrid::kFloat16).variance,
              1.00001, 5e-6);
}

// Where one spacing h << sd applies across the whole law (no binade boundary
// within 24 sd), Sheppard's correction Var + h^2/12 is exact up to terms of
// order exp(-2 pi^2 sd^2 / h^2) (Poisson summation), i.e. exactly here: f16
// N(1500, 4) (h = 1 on [1024, 2048)), f32 N(1000, 1) (h = 2^-14, coarse
// enough relative to sd to be summed: 3e5 cells).
TEST(RoundedMoments, SheppardWhereOneSpacingApplies) {
  const RoundedMoments a = rounded_moments(Normal(1500, 4), ValueGrid::kFloat16);
  EXPECT_TRUE(a.exact);
  EXPECT_NEAR(a.variance, 16.0 + 1.0 / 12, 1e-9);
  EXPECT_NEAR(a.mean, 1500.0, 1e-9);
  const RoundedMoments b = rounded_moments(Normal(1000, 1), ValueGrid::kFloat32);
  EXPECT_TRUE(b.exact);
  EXPECT_GT(b.cells, 100000);
  EXPECT_NEAR(b.variance - 1.0, std::ldexp(1.0, -28) / 12, 1e-13);
}

// float32 N(0, 1): billions of cells, spacing <= 2^-20 sd over the range:
// the continuous moments, flagged, with the spacing that bounds the error.
TEST(RoundedMoments, Float32FineGridUsesTheBound) {
  const RoundedMoments r = rounded_moments(Normal(0, 1), ValueGrid::kFloat32);
  EXPECT_FALSE(r.exact);
  EXPECT_EQ(r.variance, 1.0);
  EXPECT_LE(r.max_gap, std::ldexp(1.0, -16));
  const RoundedMoments e = rounded_moments(Normal(0, 1), ValueGrid::kExact);
  EXPECT_TRUE(e.exact);
  EXPECT_EQ(e.variance, 1.0);
}

TEST(RoundedMoments, TruncatedNormalCellsAreClippedToTheSupport) {
  // trunc_normal(0, 1, -2, 2) on float16: the mass is 1 and the law is
  // symmetric; the variance is the continuous 0.7737 plus about h^2/12 with
  // h <= 2^-9 (a 1e-6 effect).
  const TruncatedNormal t(0, 1, -2, 2);
  const RoundedMoments r = rounded_moments(t, ValueGrid::kFloat16);
  EXPECT_NEAR(r.mean, 0.0, 1e-12);
  EXPECT_NEAR(r.variance, t.variance(), 2e-6);
}

TEST(SourceGrid, OnGrid) {
  EXPECT_TRUE(on_grid(0.1f, ValueGrid::kFloat32));
  EXPECT_FALSE(on_grid(0.1, ValueGrid::kFloat32));
  EXPECT_TRUE(on_grid(1.0 + 1.0 / 128, ValueGrid::kBFloat16));
  EXPECT_FALSE(on_grid(1.0 + 1.0 / 256, ValueGrid::kBFloat16));
  EXPECT_TRUE(on_grid(1.0 + 1.0 / 1024, ValueGrid::kFloat16));
  EXPECT_FALSE(on_grid(70000.0, ValueGrid::kFloat16));  // beyond f16's range
  EXPECT_TRUE(on_grid(70144.0, ValueGrid::kBFloat16));  // 137 * 2^9
  EXPECT_FALSE(on_grid(std::nan(""), ValueGrid::kFloat32));
  EXPECT_FALSE(on_grid(1e300, ValueGrid::kFloat32));
}

// Eight distinct values (kMinDistinctForDetection) from each format.
std::vector<double> Values(float (*round)(float)) {
  std::vector<double> v;
  for (int i = 1; i <= 8; ++i) v.push_back(round(0.1f * i - 0.37f));
  return v;
}

TEST(SourceGrid, FindsTheCoarsestFormatHoldingEveryValue) {
  std::vector<double> f32 = Values([](float x) { return x; });
  f32.push_back(std::nan(""));
  EXPECT_EQ(narrower_source_dtype(f32, DType::kF64), DType::kF32);
  EXPECT_EQ(narrower_source_dtype(f32, DType::kF32), std::nullopt);
  const std::vector<double> bf =
      Values([](float x) { return bf16_to_f32(f32_to_bf16(x)); });
  EXPECT_EQ(narrower_source_dtype(bf, DType::kF32), DType::kBF16);
  EXPECT_EQ(narrower_source_dtype(bf, DType::kF64), DType::kBF16);
  std::vector<double> h =
      Values([](float x) { return f16_to_f32(f32_to_f16(x)); });
  EXPECT_EQ(narrower_source_dtype(h, DType::kF32), DType::kF16);
  h.push_back(0.1);  // one float64 value
  EXPECT_EQ(narrower_source_dtype(h, DType::kF64), std::nullopt);
  EXPECT_EQ(count_off_grid(h, ValueGrid::kFloat16), 1);
  EXPECT_EQ(narrower_source_dtype(bf, DType::kBF16), std::nullopt);
  // Fewer than 8 distinct values: never detected (a constant 0.25 is on
  // every grid).
  const std::vector<double> few = {0.25, 0.25, 0.5, -1, 0.125, 0.25, 2};
  EXPECT_EQ(narrower_source_dtype(few, DType::kF64), std::nullopt);
}

}  // namespace
}  // namespace initcheck::verify
