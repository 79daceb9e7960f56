// GoF suite: the deterministic schemes zeros, ones, constant, eye, identity
// (Keras, with gain) and dirac (torch.nn.init.dirac_, with groups). The
// battery compares every element exactly with the oracle's structure (after
// rounding to the dtype), so these cases cannot be false alarms.
#include "gof_util.h"

namespace initcheck::verify::gof {
namespace {

const DType f32 = DType::kF32, f64 = DType::kF64, f16 = DType::kF16,
            bf16 = DType::kBF16;

const std::vector<GofCase> kCases = {
    {"zeros_linear_f32", "zeros", Torch({512, 256}), f32},
    {"zeros_bias_bf16", "zeros", Torch({4096}), bf16},
    {"ones_conv_f16", "ones", Torch({64, 32, 3, 3}), f16},
    {"ones_keras_f64", "ones", Keras({3, 3, 64, 128}), f64},
    {"constant_inexact_f32", "constant(value=0.1)", Torch({512, 256}), f32},
    {"constant_inexact_bf16", "constant(value=0.1)", Jax({5, 5, 32, 64}), bf16},
    {"constant_negative_f16", "constant(value=-3.25)", Torch({1000}), f16},
    {"eye_square_f32", "eye", Torch({256, 256}), f32},
    {"eye_wide_f64", "eye", Torch({100, 300}), f64},
    {"eye_tall_bf16", "eye", Torch({300, 100}), bf16},
    {"identity_gain_keras_f16", "identity(gain=0.3)", Keras({128, 256}), f16},
    {"identity_default_keras_f32", "identity", Keras({256, 128}), f32},
    {"dirac_conv2d_f32", "dirac", Torch({64, 32, 3, 3}), f32},
    {"dirac_groups2_conv2d_bf16", "dirac(groups=2)", Torch({64, 32, 3, 3}),
     bf16},
    {"dirac_even_kernel_f16", "dirac", Torch({32, 32, 4, 4}), f16},
    {"dirac_conv1d_f64", "dirac(groups=4)", Torch({64, 16, 5}), f64},
    {"dirac_conv3d_f32", "dirac", Torch({16, 32, 3, 3, 3}), f32},
};
INITCHECK_GOF_SUITE(StructuredGof, kCases);

TEST(StructuredOracle, Values) {
  EXPECT_EQ(TargetOf("zeros", Torch({3})).value, 0.0);
  EXPECT_EQ(TargetOf("ones", Torch({3})).value, 1.0);
  EXPECT_EQ(TargetOf("constant(value=-3.25)", Torch({3})).value, -3.25);
  const Target e = TargetOf("eye", Torch({100, 300}));
  EXPECT_EQ(e.family, Target::Family::kEye);
  EXPECT_EQ(e.rows, 100);
  EXPECT_EQ(e.cols, 300);
  EXPECT_EQ(e.value, 1.0);
  EXPECT_EQ(TargetOf("identity(gain=0.3)", Keras({128, 256})).value, 0.3);
  const Target d = TargetOf("dirac(groups=2)", Torch({64, 32, 3, 3}));
  EXPECT_EQ(d.family, Target::Family::kDirac);
  EXPECT_EQ(d.groups, 2);
  // groups must divide the output channels; eye is 2-D only.
  EXPECT_THROW(TargetOf("dirac(groups=3)", Torch({64, 32, 3, 3})), Error);
  EXPECT_THROW(TargetOf("eye", Torch({4, 4, 4})), Error);
}

}  // namespace
}  // namespace initcheck::verify::gof
