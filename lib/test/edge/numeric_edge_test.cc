// Numerical edge cases of fill(): parameters at the limits of each dtype
// (subnormal stds, constants next to the largest finite value, overflow in
// f16/bf16/f32/f64) and degenerate shapes (fan 1, every dimension 1). The
// contract: a fill either throws initcheck::Error naming the problem or
// returns only finite values -- never NaN, never an infinity from an
// overflowing dtype, never a silently saturated value.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <string>
#include <vector>

#include "initcheck/error.h"
#include "initcheck/fill.h"

namespace initcheck {
namespace {

using ::testing::HasSubstr;


Tensor Fill(const std::string& scheme, Shape shape, DType dtype,
            Layout layout = Layout::kTorch) {
  return fill(Scheme::parse(scheme), make_geometry(std::move(shape), layout), dtype,
              {.seed = 2026, .stream = 3, .threads = 1});
}

std::string FillError(const std::string& scheme, Shape shape, DType dtype) {
  try {
    (void)Fill(scheme, std::move(shape), dtype);
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

void ExpectAllFinite(const Tensor& t, const std::string& what) {
  int64_t bad = 0;
  for (int64_t i = 0; i < t.numel(); ++i) bad += !std::isfinite(t.get(i));
  EXPECT_EQ(bad, 0) << what << ": " << bad << " non-finite values";
}

// normal(std=1e-38) in f32: the values are subnormal (below FLT_MIN =
// 1.18e-38), still random, never NaN, and their spread is right.
TEST(NumericEdge, SubnormalStdInF32) {
  const Tensor t = Fill("normal(std=1e-38)", {64, 64}, DType::kF32);
  ExpectAllFinite(t, "normal(std=1e-38) f32");
  int64_t subnormal = 0, zero = 0;
  double sum2 = 0;
  for (int64_t i = 0; i < t.numel(); ++i) {
    const float v = t.as<float>()[i];
    EXPECT_FALSE(std::isnan(v));
    subnormal += std::fpclassify(v) == FP_SUBNORMAL;
    zero += v == 0.0f;
    sum2 += static_cast<double>(v) * v;
  }
  EXPECT_GT(subnormal,
            t.numel() / 2);  // |x| < 1.18e-38 for most of N(0, 1e-38^2)
  EXPECT_LT(zero, 10);
  EXPECT_NEAR(std::sqrt(sum2 / static_cast<double>(t.numel())), 1e-38,
              0.05e-38);
  // Deeper: std = 1e-44 is a few f32 ulps (1.4e-45); still finite.
  ExpectAllFinite(Fill("normal(std=1e-44)", {32, 32}, DType::kF32),
                  "normal(std=1e-44) f32");
  // And in f64, normal(std=1e-310) (subnormal in f64).
  const Tensor d = Fill("normal(std=1e-310)", {32, 32}, DType::kF64);
  ExpectAllFinite(d, "normal(std=1e-310) f64");
  int64_t d_subnormal = 0;
  for (int64_t i = 0; i < d.numel(); ++i)
    d_subnormal += std::fpclassify(d.as<double>()[i]) == FP_SUBNORMAL;
  EXPECT_GT(d_subnormal, d.numel() / 2);
}

// Constants next to the largest finite value: stored exactly (rounded once),
// past it refused with an Error rather than stored as infinity.
TEST(NumericEdge, ConstantsAtTheDtypeLimits) {
  const Tensor a = Fill("constant(3.4e38)", {4, 4}, DType::kF32);
  for (int64_t i = 0; i < a.numel(); ++i) EXPECT_EQ(a.as<float>()[i], 3.4e38f);
  const Tensor m =
      Fill("constant(-3.4028234663852886e38)", {3}, DType::kF32);  // -FLT_MAX
  for (int64_t i = 0; i < m.numel(); ++i) EXPECT_EQ(m.as<float>()[i], -FLT_MAX);

  EXPECT_THAT(FillError("constant(1e39)", {4, 4}, DType::kF32),
              HasSubstr("which overflows f32"));
  EXPECT_THAT(FillError("constant(-1e39)", {4}, DType::kF32),
              HasSubstr("overflows f32"));
  EXPECT_EQ(Fill("constant(1e39)", {2}, DType::kF64).as<double>()[0], 1e39);

  // f16: 65519 rounds to 65504 (the largest finite f16); 65520 would be inf.
  const Tensor h = Fill("constant(65519)", {2}, DType::kF16);
  EXPECT_EQ(h.get(0), 65504.0);
  EXPECT_THAT(FillError("constant(65520)", {2}, DType::kF16),
              HasSubstr("overflows f16"));
  // bf16: largest finite 3.3895e38.
  ExpectAllFinite(Fill("constant(3.3e38)", {2}, DType::kBF16),
                  "constant(3.3e38) bf16");
  EXPECT_THAT(FillError("constant(3.4e38)", {2}, DType::kBF16),
              HasSubstr("overflows bf16"));
}

// f16 overflow is reported, never silently saturated or stored as inf.
TEST(NumericEdge, F16OverflowIsAnError) {
  EXPECT_THAT(FillError("normal(std=1e5)", {16, 16}, DType::kF16),
              HasSubstr("which overflows f16"));
  EXPECT_THAT(FillError("uniform(65000, 65521)", {16, 16}, DType::kF16),
              HasSubstr("overflows f16"));
  EXPECT_THAT(FillError("trunc_normal(mean=60000, std=10000, a=0, b=70000)",
                        {8}, DType::kF16),
              HasSubstr("overflows f16"));
  // The top of the f16 range is fine: every value in [65000, 65504].
  const Tensor t = Fill("uniform(65000, 65519)", {64, 64}, DType::kF16);
  ExpectAllFinite(t, "uniform(65000, 65519) f16");
  for (int64_t i = 0; i < t.numel(); ++i) {
    EXPECT_GE(t.get(i), 65000.0 - 16.0);  // f16 ulp at 2^15..2^16 is 32
    EXPECT_LE(t.get(i), 65504.0);
  }
  // As are normals whose 5.42-sigma range stays below 65520.
  ExpectAllFinite(Fill("normal(std=12000)", {64, 64}, DType::kF16),
                  "normal(std=12000) f16");
}

// The same at the top of bf16, f32 and f64: Error, not inf or NaN.
TEST(NumericEdge, OverflowInWiderDtypesIsAnError) {
  EXPECT_THAT(FillError("normal(std=1e38)", {8, 8}, DType::kBF16),
              HasSubstr("overflows bf16"));
  EXPECT_THAT(FillError("normal(std=1e38)", {8, 8}, DType::kF32),
              HasSubstr("overflow"));
  ExpectAllFinite(Fill("normal(std=1e37)", {64, 64}, DType::kF32),
                  "normal(std=1e37) f32");
  for (const char* s : {"normal(std=1e308)", "normal(mean=1.79e308, std=1e307)",
                        "uniform(-1.7e308, 1.7e308)", "uniform(-1e308, 1e308)",
                        "sparse(0.5, std=1e308)"}) {
    const std::string m = FillError(s, {8, 8}, DType::kF64);
    EXPECT_THAT(m, HasSubstr("overflow")) << s;
  }
  // Large but representable: finite (the mean 1.7e308 plus at most 8.13;
  // the bound 1e308 sqrt(6/16) = 6.1e307).
  ExpectAllFinite(Fill("normal(mean=1.7e308, std=1)", {16, 16}, DType::kF64),
                  "normal mean 1.7e308");
  ExpectAllFinite(Fill("xavier_uniform(gain=1e308)", {8, 8}, DType::kF64),
                  "xavier_uniform 1e308");
  ExpectAllFinite(Fill("orthogonal(gain=1e308)", {16, 16}, DType::kF64),
                  "orthogonal 1e308");
  ExpectAllFinite(Fill("constant(1e300)", {16, 16}, DType::kF64),
                  "constant 1e300");
}

// Regression (found by this suite): fill_slice built the f32 AND the f64
// kernel for every uniform/normal plan, so an f64 fill was refused when its
// parameters did not fit f32 ("uniform [1e-46, 2e-46) contains no f32 value;
// widen it or use --dtype f64"). Only the dtype's kernel is built now.
TEST(NumericEdge, F64FillsAreNotLimitedByF32) {
  for (const char* s : {"uniform(1e-46, 2e-46)", "uniform(-1e307, 1e307)",
                        "normal(std=1e307)", "normal(mean=1e300, std=1)"}) {
    try {
      ExpectAllFinite(Fill(s, {16, 16}, DType::kF64), s);
    } catch (const Error& e) {
      ADD_FAILURE() << s << " in f64: " << e.what();
    }
  }
}

// Fan-based schemes on weights whose fans are 1.
TEST(NumericEdge, FanOfOne) {
  for (const Shape& shape : {Shape{1, 1}, Shape{5, 1}, Shape{1, 5},
                             Shape{1, 1, 1, 1}, Shape{3, 1, 1, 1}}) {
    for (const char* s :
         {"kaiming_normal", "kaiming_uniform(a=sqrt(5))",
          "kaiming_normal(mode=fan_out, nonlinearity=relu)", "xavier_normal",
          "xavier_uniform", "he_normal", "lecun_uniform",
          "variance_scaling(scale=2, mode=fan_avg)"}) {
      for (DType d : {DType::kF32, DType::kF16}) {
        const Tensor t = Fill(s, shape, d);
        EXPECT_EQ(t.shape(), shape);
        ExpectAllFinite(t, std::string(s) + " on " + shape_string(shape));
      }
    }
  }
  // kaiming_normal, fan_in = 1: std = gain = sqrt(2).
  const FillPlan p = plan_fill(
      Scheme::parse("kaiming_normal(nonlinearity=relu)"), make_geometry({7, 1}));
  ASSERT_TRUE(p.fans.has_value());
  EXPECT_EQ(p.fans->fan_in, 1);
  EXPECT_DOUBLE_EQ(p.std, std::sqrt(2.0));
}

// Every scheme on shapes whose dimensions are all 1: a plan and finite
// values, or an Error saying why the scheme does not apply -- no crash.
TEST(NumericEdge, AllOnesShapesForEveryScheme) {
  int filled = 0;
  for (const SchemeSpec& spec : scheme_specs()) {
    const std::string text =
        spec.name == "sparse" ? "sparse(sparsity=0.5)" : std::string(spec.name);
    for (const Shape& shape : {Shape{1}, Shape{1, 1}, Shape{1, 1, 1},
                               Shape{1, 1, 1, 1}, Shape{1, 1, 1, 1, 1}}) {
      for (Layout layout : {Layout::kTorch, Layout::kKeras}) {
        for (DType d : {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}) {
          try {
            const Tensor t = Fill(text, shape, d, layout);
            ExpectAllFinite(t, text + " on " + shape_string(shape));
            ++filled;
          } catch (const Error& e) {
            EXPECT_FALSE(std::string(e.what()).empty());
          }
        }
      }
    }
  }
  EXPECT_GT(filled, 200);  // most schemes apply to [1, 1] and [1, 1, 1, 1]
  // Spot checks of the structured ones.
  EXPECT_EQ(Fill("eye", {1, 1}, DType::kF32).get(0), 1.0);
  EXPECT_EQ(Fill("dirac", {1, 1, 1}, DType::kF32).get(0), 1.0);
  EXPECT_EQ(std::abs(Fill("orthogonal(gain=2)", {1, 1}, DType::kF64).get(0)),
            2.0);
  EXPECT_EQ(
      std::abs(Fill("delta_orthogonal", {1, 1, 1}, DType::kF64, Layout::kKeras)
                   .get(0)),
      1.0);
}

}  // namespace
}  // namespace initcheck
