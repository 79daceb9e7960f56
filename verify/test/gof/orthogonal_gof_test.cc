// GoF suite: orthogonal (Saxe et al. 2014; torch.nn.init.orthogonal_,
// keras.initializers.Orthogonal) and delta_orthogonal (Xiao et al. 2018;
// jax.nn.initializers.delta_orthogonal). The battery checks |Q^T Q - gain^2 I|
// within the dtype's tolerance and the Haar sign tests (diagonal, first row,
// first column signs are fair coins under Haar measure); delta_orthogonal
// additionally exact zeros off the centre tap. Hand-computed targets: the
// matrix view (torch: rows = dim 0; keras/jax: columns = last dim) and the
// entry variance gain^2 / max(rows, cols).
#include "gof_util.h"

namespace initcheck::verify::gof {
namespace {

const DType f32 = DType::kF32, f64 = DType::kF64, f16 = DType::kF16,
            bf16 = DType::kBF16;

// QR of a 512 x 512 matrix takes ~0.1 s: the shapes stay at 2^16 - 2^18.
const std::vector<GofCase> kOrthogonalCases = {
    {"square_f32", "orthogonal", Torch({256, 256}), f32},
    {"square_f64", "orthogonal", Torch({256, 256}), f64},
    {"square_f16", "orthogonal", Torch({256, 256}), f16},
    {"square_bf16", "orthogonal(gain=2)", Torch({256, 256}), bf16},
    {"wide_linear_f32", "orthogonal", Torch({128, 512}), f32},
    {"tall_linear_gain_f64", "orthogonal(gain=sqrt(2))", Torch({512, 128}),
     f64},
    {"conv2d_torch_f32", "orthogonal", Torch({64, 64, 3, 3}), f32},
    {"conv2d_keras_f32", "orthogonal(gain=0.5)", Keras({3, 3, 64, 64}), f32},
    {"conv1d_jax_f16", "orthogonal", Jax({3, 64, 128}), f16},
};
INITCHECK_GOF_SUITE(OrthogonalGof, kOrthogonalCases);

const std::vector<GofCase> kDeltaOrthogonalCases = {
    {"conv2d_jax_f32", "delta_orthogonal", Jax({3, 3, 128, 128}), f32},
    {"conv2d_keras_f64", "delta_orthogonal(scale=1.5)", Keras({3, 3, 64, 256}),
     f64},
    {"conv2d_even_kernel_bf16", "delta_orthogonal", Jax({4, 4, 64, 128}), bf16},
    {"conv1d_jax_f16", "delta_orthogonal", Jax({5, 128, 256}), f16},
    {"conv3d_jax_f32", "delta_orthogonal", Jax({3, 3, 3, 64, 64}), f32},
};
INITCHECK_GOF_SUITE(DeltaOrthogonalGof, kDeltaOrthogonalCases);

// ---- the oracle's targets, by hand
// -------------------------------------------

TEST(OrthogonalOracle, MatrixViewPerLayout) {
  // torch [20, 2, 3, 4]: rows 20, cols 24 (trailing dims flattened).
  const Target t = TargetOf("orthogonal(gain=3)", Torch({20, 2, 3, 4}));
  EXPECT_EQ(t.family, Target::Family::kOrthogonal);
  EXPECT_EQ(t.rows, 20);
  EXPECT_EQ(t.cols, 24);
  EXPECT_EQ(t.gain, 3.0);
  EXPECT_TRUE(Same(t.variance, 9.0 / 24));
  // keras [2, 3, 4, 20]: columns = last dim 20, rows = 24 (leading dims).
  const Target k = TargetOf("orthogonal", Keras({2, 3, 4, 20}));
  EXPECT_EQ(k.rows, 24);
  EXPECT_EQ(k.cols, 20);
  EXPECT_TRUE(Same(k.variance, 1.0 / 24));
}

TEST(OrthogonalOracle, DeltaOrthogonalCentreTap) {
  const Target t = TargetOf("delta_orthogonal(scale=2)", Jax({3, 3, 16, 32}));
  EXPECT_EQ(t.family, Target::Family::kDeltaOrthogonal);
  EXPECT_EQ(t.rows, 16);
  EXPECT_EQ(t.cols, 32);
  EXPECT_EQ(t.gain, 2.0);
  // in > out is refused (JAX requires out >= in).
  EXPECT_THROW(TargetOf("delta_orthogonal", Jax({3, 3, 32, 16})), Error);
}

}  // namespace
}  // namespace initcheck::verify::gof
