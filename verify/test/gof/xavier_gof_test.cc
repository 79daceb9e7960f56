// GoF suite: xavier_uniform and xavier_normal (Glorot & Bengio 2010; PyTorch
// torch.nn.init.xavier_*), every layout and dtype, and hand-computed targets:
//   uniform: U(-b, b), b = gain sqrt(6 / (fan_in + fan_out))
//   normal:  N(0, std^2), std = gain sqrt(2 / (fan_in + fan_out)).
#include <cmath>

#include "gof_util.h"

namespace initcheck::verify::gof {
namespace {

const DType f32 = DType::kF32, f64 = DType::kF64, f16 = DType::kF16,
            bf16 = DType::kBF16;

const std::vector<GofCase> kUniformCases = {
    {"linear_f32", "xavier_uniform", Torch({512, 256}), f32},
    {"linear_f64", "xavier_uniform", Torch({512, 256}), f64},
    {"linear_f16", "xavier_uniform", Torch({512, 256}), f16},
    {"linear_bf16", "xavier_uniform", Torch({512, 256}), bf16},
    {"gain_sqrt2_conv2d_f32", "xavier_uniform(gain=sqrt(2))",
     Torch({128, 64, 3, 3}), f32},
    {"conv1d_f32", "xavier_uniform", Torch({256, 64, 5}), f32},
    {"grouped_f32", "xavier_uniform", Grouped({256, 32, 3, 3}, 8), f32},
    {"transposed_f16", "xavier_uniform", Transposed({128, 32, 4, 4}, 2), f16},
    {"keras_f32", "xavier_uniform", Keras({3, 3, 64, 128}), f32},
    {"jax_bf16", "xavier_uniform(gain=0.5)", Jax({5, 5, 32, 64}), bf16},
};
INITCHECK_GOF_SUITE(XavierUniformGof, kUniformCases);

const std::vector<GofCase> kNormalCases = {
    {"linear_f32", "xavier_normal", Torch({512, 256}), f32},
    {"conv2d_f64", "xavier_normal", Torch({128, 64, 3, 3}), f64},
    {"conv2d_f16", "xavier_normal", Torch({128, 64, 3, 3}), f16},
    {"conv2d_bf16", "xavier_normal", Torch({128, 64, 3, 3}), bf16},
    {"gain_tanh_conv3d_f32", "xavier_normal(gain=5/3)",
     Torch({64, 32, 3, 3, 3}), f32},
    {"depthwise_f32", "xavier_normal", Grouped({1024, 1, 7, 7}, 1024), f32},
    {"transposed_f32", "xavier_normal", Transposed({128, 32, 4, 4}, 2), f32},
    {"keras_transposed_f32", "xavier_normal", KerasTransposed({4, 4, 64, 128}),
     f32},
    {"jax_f32", "xavier_normal", Jax({5, 5, 32, 64}), f32},
};
INITCHECK_GOF_SUITE(XavierNormalGof, kNormalCases);

// ---- the oracle's targets, by hand
// -------------------------------------------

TEST(XavierOracle, UniformLinear) {
  // Linear(100, 300): weight [300, 100]; b = sqrt(6 / 400).
  const Target t = TargetOf("xavier_uniform", Torch({300, 100}));
  EXPECT_EQ(t.family, Target::Family::kUniform);
  EXPECT_TRUE(Same(t.high, std::sqrt(6.0 / 400)));
  EXPECT_TRUE(Same(TargetOf("xavier_uniform(gain=2)", Torch({300, 100})).high,
                   2 * std::sqrt(6.0 / 400)));
}

TEST(XavierOracle, NormalConv) {
  // [64, 32, 3, 3]: fan_in 288, fan_out 576; std = sqrt(2/864) = sqrt(1/432).
  const Target t = TargetOf("xavier_normal", Torch({64, 32, 3, 3}));
  EXPECT_EQ(t.family, Target::Family::kNormal);
  EXPECT_TRUE(Same(t.parent_std, std::sqrt(1.0 / 432)));
  EXPECT_TRUE(Same(t.variance, 1.0 / 432));
}

TEST(XavierOracle, GroupedLayerFans) {
  // Conv2d(256, 256, 3, groups=8): weight [256, 32, 3, 3]; layer fans
  // fan_in = 32 * 9 = 288, fan_out = 256/8 * 9 = 288; b = sqrt(6/576).
  const Target t = TargetOf("xavier_uniform", Grouped({256, 32, 3, 3}, 8));
  EXPECT_EQ(t.fans->fan_in, 288);
  EXPECT_EQ(t.fans->fan_out, 288);
  EXPECT_TRUE(Same(t.high, std::sqrt(6.0 / 576)));
}

}  // namespace
}  // namespace initcheck::verify::gof
