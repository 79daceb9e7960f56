// GoF suite: Keras/JAX variance scaling and its named forms (glorot_*, he_*,
// lecun_*), every mode and distribution, every layout and dtype; and
// hand-computed targets from the Keras VarianceScaling documentation:
//   v = scale / max(1, n),  n = fan_in | fan_out | (fan_in + fan_out)/2 |
//                               sqrt(fan_in fan_out) (JAX fan_geo_avg)
//   uniform            U(-l, l), l = sqrt(3 v)
//   untruncated_normal N(0, v)
//   truncated_normal   N(0, s^2) cut at +-2 s, s = sqrt(v) /
//   0.87962566103423978
//                      (the std of N(0,1) truncated to [-2, 2]), so that the
//                      variance after truncation is v.
// glorot_* = (1, fan_avg), he_* = (2, fan_in), lecun_* = (1, fan_in); the
// *_normal forms are truncated.
#include <cmath>

#include "gof_util.h"

namespace initcheck::verify::gof {
namespace {

const DType f32 = DType::kF32, f64 = DType::kF64, f16 = DType::kF16,
            bf16 = DType::kBF16;

// sd of N(0, 1) truncated to [-2, 2]: sqrt(1 - 4 phi(2) / (2 Phi(2) - 1)).
constexpr double kTruncStd2 = 0.87962566103423978;

const std::vector<GofCase> kNamedCases = {
    {"glorot_uniform_keras_f32", "glorot_uniform", Keras({3, 3, 64, 128}), f32},
    {"glorot_uniform_keras_dense_bf16", "glorot_uniform", Keras({256, 512}),
     bf16},
    {"glorot_uniform_torch_f64", "glorot_uniform", Torch({512, 256}), f64},
    {"glorot_normal_keras_f32", "glorot_normal", Keras({3, 3, 64, 128}), f32},
    {"glorot_normal_jax_f16", "glorot_normal", Jax({5, 5, 32, 64}), f16},
    {"glorot_normal_keras_transposed_f32", "glorot_normal",
     KerasTransposed({4, 4, 64, 128}), f32},
    {"he_uniform_keras_f32", "he_uniform", Keras({3, 3, 64, 128}), f32},
    {"he_uniform_jax_f16", "he_uniform", Jax({5, 5, 32, 64}), f16},
    {"he_uniform_torch_grouped_f32", "he_uniform", Grouped({256, 32, 3, 3}, 8),
     f32},
    {"he_normal_keras_f32", "he_normal", Keras({3, 3, 64, 128}), f32},
    {"he_normal_keras_f64", "he_normal", Keras({3, 3, 64, 128}), f64},
    {"he_normal_keras_bf16", "he_normal", Keras({3, 3, 64, 128}), bf16},
    {"he_normal_keras_dense_f16", "he_normal", Keras({256, 512}), f16},
    {"he_normal_torch_transposed_f32", "he_normal",
     Transposed({128, 32, 4, 4}, 2), f32},
    {"lecun_uniform_keras_dense_f32", "lecun_uniform", Keras({256, 512}), f32},
    {"lecun_uniform_jax_bf16", "lecun_uniform", Jax({5, 5, 32, 64}), bf16},
    {"lecun_normal_keras_f32", "lecun_normal", Keras({3, 3, 64, 128}), f32},
    {"lecun_normal_torch_depthwise_f64", "lecun_normal",
     Grouped({1024, 1, 7, 7}, 1024), f64},
};
INITCHECK_GOF_SUITE(NamedVarianceScalingGof, kNamedCases);

const std::vector<GofCase> kVarianceScalingCases = {
    {"default_keras_f32", "variance_scaling", Keras({3, 3, 64, 128}), f32},
    {"fan_out_truncated_jax_f32", "variance_scaling(scale=2, mode=fan_out)",
     Jax({5, 5, 32, 64}), f32},
    {"fan_avg_uniform_keras_f16",
     "variance_scaling(scale=3, mode=fan_avg, distribution=uniform)",
     Keras({3, 3, 64, 128}), f16},
    {"fan_in_uniform_keras_dense_f64",
     "variance_scaling(scale=0.1, mode=fan_in, distribution=uniform)",
     Keras({256, 512}), f64},
    {"geo_avg_untruncated_jax_f32",
     "variance_scaling(scale=0.5, mode=fan_geo_avg, "
     "distribution=untruncated_normal)",
     Jax({5, 5, 32, 64}), f32},
    {"geo_avg_truncated_keras_bf16", "variance_scaling(mode=fan_geo_avg)",
     Keras({3, 3, 64, 128}), bf16},
    {"fan_out_untruncated_torch_f32",
     "variance_scaling(scale=2, mode=fan_out, distribution=untruncated_normal)",
     Torch({128, 64, 3, 3}), f32},
    {"fan_avg_truncated_keras_transposed_f16", "variance_scaling(mode=fan_avg)",
     KerasTransposed({4, 4, 64, 128}), f16},
    // TF.js 4.22 / Keras <= 2.2.2: truncated without the correction.
    {"uncorrected_keras_f32",
     "variance_scaling(scale=2, distribution=truncated_normal_uncorrected)",
     Keras({3, 3, 64, 128}), f32},
    {"tfjs_glorot_normal_keras_bf16", "tf.initializers.glorotNormal",
     Keras({3, 3, 64, 128}), bf16},
    {"tfjs_lecun_normal_keras_dense_f16", "leCunNormal", Keras({256, 512}), f16},
};
INITCHECK_GOF_SUITE(VarianceScalingGof, kVarianceScalingCases);

// ---- the oracle's targets, by hand
// -------------------------------------------

TEST(VarianceScalingOracle, GlorotUniformKerasConv) {
  // Keras kernel [3, 3, 64, 128]: fan_in 576, fan_out 1152; v = 2/1728;
  // limit = sqrt(3 v) = sqrt(1/288).
  const Target t = TargetOf("glorot_uniform", Keras({3, 3, 64, 128}));
  EXPECT_EQ(t.family, Target::Family::kUniform);
  EXPECT_TRUE(Same(t.high, std::sqrt(1.0 / 288)));
}

TEST(VarianceScalingOracle, HeNormalIsTruncatedWithCorrection) {
  // v = 2/576 = 1/288; parent s = sqrt(1/288) / 0.87962566103423978.
  const Target t = TargetOf("he_normal", Keras({3, 3, 64, 128}));
  EXPECT_EQ(t.family, Target::Family::kTruncatedNormal);
  const double s = std::sqrt(1.0 / 288) / kTruncStd2;
  // The oracle computes the constant itself (Boost normal pdf/cdf); the
  // published constant has 17 digits: agreement to 1e-14 relative (a few
  // ulp of the Boost evaluation).
  EXPECT_NEAR(t.parent_std / s, 1.0, 1e-14);
  EXPECT_NEAR(t.high / (2 * s), 1.0, 1e-14);
  EXPECT_NEAR(t.low / (-2 * s), 1.0, 1e-14);
  EXPECT_NEAR(t.variance * 288, 1.0, 1e-14);
  EXPECT_EQ(t.mean, 0.0);
}

// TF.js heNormal (tfjs-layers 4.22 VarianceScaling, distribution 'normal'):
// tf.truncatedNormal(0, s) with s = sqrt(2 / fan_in) = sqrt(1/288), cut at
// +-2 s; the variance after truncation is s^2 (1 - 4 phi(2) / (2 Phi(2) -
// 1)) = s^2 0.87962566103423978^2 (JKB ch. 13).
TEST(VarianceScalingOracle, TfjsHeNormalIsTruncatedWithoutCorrection) {
  const Target t = TargetOf("tf.initializers.heNormal", Keras({3, 3, 64, 128}));
  EXPECT_EQ(t.family, Target::Family::kTruncatedNormal);
  const double s = std::sqrt(1.0 / 288);
  EXPECT_NEAR(t.parent_std / s, 1.0, 1e-15);
  EXPECT_NEAR(t.high / (2 * s), 1.0, 1e-15);
  EXPECT_NEAR(t.low / (-2 * s), 1.0, 1e-15);
  EXPECT_NEAR(t.variance / (s * s * kTruncStd2 * kTruncStd2), 1.0, 1e-14);
  // Keras' spelling keeps the corrected law.
  EXPECT_NEAR(TargetOf("keras.initializers.HeNormal", Keras({3, 3, 64, 128})).variance * 288,
              1.0, 1e-14);
}

TEST(VarianceScalingOracle, HeUniformAndLecun) {
  EXPECT_TRUE(Same(TargetOf("he_uniform", Keras({3, 3, 64, 128})).high,
                   std::sqrt(6.0 / 576)));
  // Keras Dense (256 -> 512): kernel (256, 512), fan_in 256.
  EXPECT_TRUE(Same(TargetOf("lecun_uniform", Keras({256, 512})).high,
                   std::sqrt(3.0) / 16));
  EXPECT_NEAR(TargetOf("lecun_normal", Keras({256, 512})).variance * 256, 1.0,
              1e-14);
  EXPECT_NEAR(TargetOf("glorot_normal", Keras({256, 512})).variance * 384, 1.0,
              1e-14);
}

TEST(VarianceScalingOracle, ModesAndDistributions) {
  // Keras Dense (8 -> 32): fan_in 8, fan_out 32, geo avg 16.
  const Target geo = TargetOf(
      "variance_scaling(scale=0.5, mode=fan_geo_avg, "
      "distribution=untruncated_normal)",
      Keras({8, 32}));
  EXPECT_EQ(geo.family, Target::Family::kNormal);
  EXPECT_TRUE(Same(geo.parent_std, std::sqrt(0.5 / 16)));
  const Target out =
      TargetOf("variance_scaling(scale=3, mode=fan_out, distribution=uniform)",
               Keras({8, 32}));
  EXPECT_TRUE(Same(out.high, std::sqrt(3 * 3.0 / 32)));
  const Target avg =
      TargetOf("variance_scaling(scale=3, mode=fan_avg, distribution=uniform)",
               Keras({8, 32}));
  EXPECT_TRUE(Same(avg.high, std::sqrt(3 * 3.0 / 20)));
}

}  // namespace
}  // namespace initcheck::verify::gof
