// GoF suite: the parameter-only random schemes (no fans): uniform, normal,
// trunc_normal (PyTorch; a, b ABSOLUTE bounds), truncated_normal (Keras; cut
// at mean +- 2 stddev), random_normal, random_uniform; on bias vectors,
// matrices and conv kernels, every dtype. Hand-computed targets: uniform
// moments (b - a)^2 / 12, and truncated-normal moments from SciPy 1.10
// (scipy.stats.truncnorm, an independent implementation; values quoted to
// 16 digits, compared to 1e-12 relative).
#include <cmath>

#include "gof_util.h"

namespace initcheck::verify::gof {
namespace {

const DType f32 = DType::kF32, f64 = DType::kF64, f16 = DType::kF16,
            bf16 = DType::kBF16;

const std::vector<GofCase> kCases = {
    {"uniform_default_bias_f32", "uniform", Torch({131072}), f32},
    {"uniform_shifted_linear_f64", "uniform(a=-0.5, b=1.5)", Torch({512, 256}),
     f64},
    {"uniform_shifted_linear_f16", "uniform(a=-0.5, b=1.5)", Torch({512, 256}),
     f16},
    {"uniform_narrow_conv_bf16", "uniform(a=-0.01, b=0.01)",
     Torch({128, 64, 3, 3}), bf16},
    {"normal_default_linear_f32", "normal", Torch({512, 256}), f32},
    {"normal_shifted_conv_f64", "normal(mean=0.1, std=0.02)",
     Torch({128, 64, 3, 3}), f64},
    {"normal_shifted_conv_f16", "normal(mean=0.1, std=0.02)",
     Torch({128, 64, 3, 3}), f16},
    {"normal_bias_bf16", "normal(std=0.02)", Torch({65536}), bf16},
    // ViT / BERT style: +-2 sd, written with absolute bounds.
    {"trunc_normal_2sd_linear_f32", "trunc_normal(std=0.02, a=-0.04, b=0.04)",
     Torch({512, 256}), f32},
    {"trunc_normal_2sd_linear_f16", "trunc_normal(std=0.02, a=-0.04, b=0.04)",
     Torch({512, 256}), f16},
    {"trunc_normal_2sd_linear_bf16", "trunc_normal(std=0.02, a=-0.04, b=0.04)",
     Torch({512, 256}), bf16},
    // The PyTorch default a = -2, b = 2 with std 0.02: +-100 sd.
    {"trunc_normal_default_bounds_f32", "trunc_normal(std=0.02)",
     Torch({512, 256}), f32},
    // Asymmetric: mean 0.1, bounds [-1, 0.5].
    {"trunc_normal_asymmetric_f64",
     "trunc_normal(mean=0.1, std=1, a=-1, b=0.5)", Torch({128, 64, 3, 3}), f64},
    {"trunc_normal_asymmetric_f32",
     "trunc_normal(mean=0.1, std=1, a=-1, b=0.5)", Keras({3, 3, 64, 128}), f32},
    // One tail far out: mean 0, std 1 on [1, 4].
    {"trunc_normal_one_tail_f32", "trunc_normal(std=1, a=1, b=4)",
     Torch({512, 256}), f32},
    {"truncated_normal_default_keras_f32", "truncated_normal",
     Keras({3, 3, 64, 128}), f32},
    {"truncated_normal_shifted_keras_bf16",
     "truncated_normal(mean=0.5, stddev=0.1)", Keras({3, 3, 64, 128}), bf16},
    {"truncated_normal_shifted_jax_f64",
     "truncated_normal(mean=0.5, stddev=0.1)", Jax({5, 5, 32, 64}), f64},
    {"random_normal_default_keras_dense_f32", "random_normal",
     Keras({256, 512}), f32},
    {"random_normal_default_keras_dense_f16", "random_normal",
     Keras({256, 512}), f16},
    {"random_uniform_default_keras_f32", "random_uniform",
     Keras({3, 3, 64, 128}), f32},
    {"random_uniform_default_keras_bf16", "random_uniform",
     Keras({3, 3, 64, 128}), bf16},
    {"random_uniform_one_sided_jax_f64",
     "random_uniform(minval=0, maxval=0.05)", Jax({5, 5, 32, 64}), f64},
};
INITCHECK_GOF_SUITE(BasicRandomGof, kCases);

// ---- the oracle's targets, by hand
// -------------------------------------------

TEST(BasicRandomOracle, Uniform) {
  const Target t = TargetOf("uniform(a=-1, b=3)", Torch({10}));
  EXPECT_EQ(t.family, Target::Family::kUniform);
  EXPECT_EQ(t.low, -1.0);
  EXPECT_EQ(t.high, 3.0);
  EXPECT_TRUE(Same(t.mean, 1.0));
  EXPECT_TRUE(Same(t.variance, 16.0 / 12));
  const Target k = TargetOf("random_uniform", Keras({4, 4}));
  EXPECT_EQ(k.low, -0.05);
  EXPECT_EQ(k.high, 0.05);
  EXPECT_TRUE(Same(k.variance, 0.01 / 12));
}

TEST(BasicRandomOracle, Normal) {
  const Target t = TargetOf("normal(mean=1, std=2)", Torch({10}));
  EXPECT_EQ(t.family, Target::Family::kNormal);
  EXPECT_EQ(t.mean, 1.0);
  EXPECT_EQ(t.parent_std, 2.0);
  EXPECT_EQ(t.variance, 4.0);
  EXPECT_TRUE(std::isinf(t.low) && std::isinf(t.high));
  const Target k = TargetOf("random_normal", Keras({4, 4}));
  EXPECT_EQ(k.parent_std, 0.05);
}

TEST(BasicRandomOracle, TorchTruncNormalBoundsAreAbsolute) {
  // trunc_normal_(std=0.02) cuts at [-2, 2], i.e. +-100 sd: the variance is
  // 0.02^2 to double precision (SciPy: 0.0004).
  const Target t = TargetOf("trunc_normal(std=0.02)", Torch({10}));
  EXPECT_EQ(t.family, Target::Family::kTruncatedNormal);
  EXPECT_EQ(t.low, -2.0);
  EXPECT_EQ(t.high, 2.0);
  EXPECT_NEAR(t.variance / 0.0004, 1.0, 1e-12);
}

TEST(BasicRandomOracle, TorchTruncNormalAsymmetric) {
  // scipy.stats.truncnorm((-1 - 0.1)/1, (0.5 - 0.1)/1, loc=0.1, scale=1):
  // mean -0.1894012876946862, var 0.17177123957507656.
  const Target t =
      TargetOf("trunc_normal(mean=0.1, std=1, a=-1, b=0.5)", Torch({10}));
  EXPECT_NEAR(t.mean / -0.1894012876946862, 1.0, 1e-12);
  EXPECT_NEAR(t.variance / 0.17177123957507656, 1.0, 1e-12);
  EXPECT_EQ(t.parent_mean, 0.1);
  EXPECT_EQ(t.parent_std, 1.0);
}

TEST(BasicRandomOracle, KerasTruncatedNormalIsTwoSdWithoutCorrection) {
  // TruncatedNormal(stddev=0.05): cut at +-0.1, variance 0.0025 * 0.7737...
  // (scipy.stats.truncnorm(-2, 2, scale=0.05).var() = 0.0019343532588748083):
  // the plain initializer does NOT correct the std (only VarianceScaling does).
  const Target t = TargetOf("truncated_normal", Keras({4, 4}));
  EXPECT_TRUE(Same(t.low, -0.1));
  EXPECT_TRUE(Same(t.high, 0.1));
  EXPECT_NEAR(t.variance / 0.0019343532588748083, 1.0, 1e-12);
}

}  // namespace
}  // namespace initcheck::verify::gof
