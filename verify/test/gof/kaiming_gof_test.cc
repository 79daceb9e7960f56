// GoF suite: kaiming_uniform and kaiming_normal (He et al. 2015; PyTorch
// torch.nn.init.kaiming_*), every layout and dtype, and the oracle's targets
// against hand-computed values of the published formulas
//   uniform: U(-b, b), b = gain sqrt(3 / fan_mode)
//   normal:  N(0, std^2), std = gain / sqrt(fan_mode)
//   gain = calculate_gain(nonlinearity, a): leaky_relu sqrt(2 / (1 + a^2)),
//          relu sqrt(2), tanh 5/3, selu 3/4, linear/sigmoid 1.
#include <cmath>

#include "gof_util.h"

namespace initcheck::verify::gof {
namespace {

const DType f32 = DType::kF32, f64 = DType::kF64, f16 = DType::kF16,
            bf16 = DType::kBF16;

const std::vector<GofCase> kUniformCases = {
    // PyTorch's nn.Linear / ConvNd default.
    {"a_sqrt5_linear_f32", "kaiming_uniform(a=sqrt(5))", Torch({512, 256}),
     f32},
    {"a_sqrt5_conv2d_f32", "kaiming_uniform(a=sqrt(5))", Torch({128, 64, 3, 3}),
     f32},
    {"a_sqrt5_conv2d_f64", "kaiming_uniform(a=sqrt(5))", Torch({128, 64, 3, 3}),
     f64},
    {"a_sqrt5_conv2d_f16", "kaiming_uniform(a=sqrt(5))", Torch({128, 64, 3, 3}),
     f16},
    {"a_sqrt5_conv2d_bf16", "kaiming_uniform(a=sqrt(5))",
     Torch({128, 64, 3, 3}), bf16},
    {"a_sqrt5_conv1d_f32", "kaiming_uniform(a=sqrt(5))", Torch({256, 64, 5}),
     f32},
    {"a_sqrt5_conv3d_f32", "kaiming_uniform(a=sqrt(5))",
     Torch({64, 32, 3, 3, 3}), f32},
    {"a_sqrt5_grouped_f32", "kaiming_uniform(a=sqrt(5))",
     Grouped({256, 32, 3, 3}, 8), f32},
    {"a_sqrt5_depthwise_f32", "kaiming_uniform(a=sqrt(5))",
     Grouped({1024, 1, 7, 7}, 1024), f32},
    {"a_sqrt5_transposed_f32", "kaiming_uniform(a=sqrt(5))",
     Transposed({128, 32, 4, 4}, 2), f32},
    // He (a = 0): default leaky_relu with slope 0 = relu gain.
    {"default_linear_f32", "kaiming_uniform", Torch({512, 256}), f32},
    {"default_linear_bf16", "kaiming_uniform", Torch({512, 256}), bf16},
    {"relu_fan_out_conv2d_f32",
     "kaiming_uniform(mode=fan_out, nonlinearity=relu)", Torch({128, 64, 3, 3}),
     f32},
    {"relu_fan_out_grouped_f16",
     "kaiming_uniform(mode=fan_out, nonlinearity=relu)",
     Grouped({256, 32, 3, 3}, 8), f16},
    {"relu_fan_out_transposed_f32",
     "kaiming_uniform(mode=fan_out, nonlinearity=relu)",
     Transposed({128, 32, 4, 4}, 2), f32},
    {"leaky_0p2_keras_f32", "kaiming_uniform(a=0.2)", Keras({3, 3, 64, 128}),
     f32},
    {"leaky_0p2_jax_f64", "kaiming_uniform(a=0.2)", Jax({5, 5, 32, 64}), f64},
    {"tanh_keras_transposed_f32", "kaiming_uniform(nonlinearity=tanh)",
     KerasTransposed({4, 4, 64, 128}), f32},
};
INITCHECK_GOF_SUITE(KaimingUniformGof, kUniformCases);

const std::vector<GofCase> kNormalCases = {
    {"default_linear_f32", "kaiming_normal", Torch({512, 256}), f32},
    {"default_conv2d_f64", "kaiming_normal", Torch({128, 64, 3, 3}), f64},
    {"default_conv2d_f16", "kaiming_normal", Torch({128, 64, 3, 3}), f16},
    {"default_conv2d_bf16", "kaiming_normal", Torch({128, 64, 3, 3}), bf16},
    {"relu_fan_out_conv1d_f32",
     "kaiming_normal(mode=fan_out, nonlinearity=relu)", Torch({256, 64, 5}),
     f32},
    {"relu_fan_out_depthwise_f32",
     "kaiming_normal(mode=fan_out, nonlinearity=relu)",
     Grouped({1024, 1, 7, 7}, 1024), f32},
    {"relu_fan_out_grouped_f32",
     "kaiming_normal(mode=fan_out, nonlinearity=relu)",
     Grouped({256, 32, 3, 3}, 8), f32},
    {"relu_transposed_bf16", "kaiming_normal(nonlinearity=relu)",
     Transposed({128, 32, 4, 4}, 2), bf16},
    {"tanh_linear_f32", "kaiming_normal(nonlinearity=tanh)", Torch({512, 256}),
     f32},
    {"selu_conv3d_f32", "kaiming_normal(nonlinearity=selu)",
     Torch({64, 32, 3, 3, 3}), f32},
    {"linear_keras_f32", "kaiming_normal(nonlinearity=linear)",
     Keras({3, 3, 64, 128}), f32},
    {"sigmoid_jax_f16", "kaiming_normal(nonlinearity=sigmoid)",
     Jax({5, 5, 32, 64}), f16},
    {"leaky_0p01_keras_dense_f32", "kaiming_normal(a=0.01, mode=fan_out)",
     Keras({256, 512}), f32},
};
INITCHECK_GOF_SUITE(KaimingNormalGof, kNormalCases);

// ---- the oracle's targets, by hand
// -------------------------------------------

TEST(KaimingOracle, UniformASqrt5IsOneOverSqrtFanIn) {
  // fan_in = 32 * 3 * 3 = 288; gain = sqrt(2 / (1 + 5)) = 1/sqrt(3);
  // b = gain sqrt(3 / 288) = 1/sqrt(288).
  const Target t =
      TargetOf("kaiming_uniform(a=sqrt(5))", Torch({64, 32, 3, 3}));
  EXPECT_EQ(t.family, Target::Family::kUniform);
  EXPECT_EQ(t.fans->fan_in, 288);
  EXPECT_EQ(t.fans->fan_out, 576);
  EXPECT_TRUE(Same(t.high, 1 / std::sqrt(288.0)));
  EXPECT_TRUE(Same(t.low, -1 / std::sqrt(288.0)));
  EXPECT_TRUE(Same(t.variance, 1 / (3 * 288.0)));
}

TEST(KaimingOracle, UniformDefaultIsHe) {
  // gain sqrt(2) (leaky_relu, a = 0); b = sqrt(2) sqrt(3 / 256) = sqrt(6)/16.
  const Target t = TargetOf("kaiming_uniform", Torch({512, 256}));
  EXPECT_TRUE(Same(t.high, std::sqrt(6.0) / 16));
  EXPECT_TRUE(Same(t.variance, 2.0 / 256));
}

TEST(KaimingOracle, NormalFanOutRelu) {
  // fan_out = 128 * 9 = 1152; std = sqrt(2) / sqrt(1152) = 1/24.
  const Target t = TargetOf("kaiming_normal(mode=fan_out, nonlinearity=relu)",
                            Torch({128, 64, 3, 3}));
  EXPECT_EQ(t.family, Target::Family::kNormal);
  EXPECT_TRUE(Same(t.parent_std, 1.0 / 24));
  EXPECT_EQ(t.mean, 0.0);
}

TEST(KaimingOracle, NormalTanhGain) {
  // std = (5/3) / sqrt(400) = 1/12.
  const Target t =
      TargetOf("kaiming_normal(nonlinearity=tanh)", Torch({100, 400}));
  EXPECT_TRUE(Same(t.parent_std, 1.0 / 12));
}

TEST(KaimingOracle, DepthwiseFanOutLayerVersusFramework) {
  // Depthwise Conv2d(32, 32, 3, groups=32): weight [32, 1, 3, 3]. Layer fans
  // (9, 9): std = sqrt(2)/3. PyTorch's own fans (9, 288) (issue #23854):
  // std = sqrt(2/288) = 1/12.
  const std::string s = "kaiming_normal(mode=fan_out, nonlinearity=relu)";
  const Target layer = TargetOf(s, Grouped({32, 1, 3, 3}, 32));
  EXPECT_EQ(layer.fans->fan_out, 9);
  EXPECT_TRUE(Same(layer.parent_std, std::sqrt(2.0) / 3));
  const Target framework = TargetOf(s, Torch({32, 1, 3, 3}));
  EXPECT_EQ(framework.fans->fan_out, 288);
  EXPECT_TRUE(Same(framework.parent_std, 1.0 / 12));
}

TEST(KaimingOracle, TransposedConvFanIn) {
  // ConvTranspose2d(64, 32, 4, groups=2): weight [64, 16, 4, 4] = [in,
  // out/groups, k, k]; layer fan_in = 64/2 * 16 = 512, fan_out = 16 * 16 = 256.
  const Target t = TargetOf("kaiming_uniform", Transposed({64, 16, 4, 4}, 2));
  EXPECT_EQ(t.fans->fan_in, 512);
  EXPECT_EQ(t.fans->fan_out, 256);
  EXPECT_TRUE(Same(t.high, std::sqrt(6.0 / 512)));
}

TEST(KaimingOracle, KerasLayoutFans) {
  // Keras kernel [3, 3, 64, 128]: fan_in = 9 * 64 = 576; std = sqrt(2/576).
  const Target t = TargetOf("kaiming_normal", Keras({3, 3, 64, 128}));
  EXPECT_EQ(t.fans->fan_in, 576);
  EXPECT_EQ(t.fans->fan_out, 1152);
  EXPECT_TRUE(Same(t.parent_std, std::sqrt(2.0) / 24));
}

TEST(KaimingOracle, LeakyReluGain) {
  // gain sqrt(2 / (1 + 0.2^2)) = sqrt(2/1.04); b = gain sqrt(3/576).
  const Target t = TargetOf("kaiming_uniform(a=0.2)", Keras({3, 3, 64, 128}));
  EXPECT_TRUE(Same(t.high, std::sqrt(2.0 / 1.04) * std::sqrt(3.0 / 576)));
}

}  // namespace
}  // namespace initcheck::verify::gof
