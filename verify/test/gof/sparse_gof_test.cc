// GoF suite: sparse (Martens 2010; torch.nn.init.sparse_): exactly
// ceil(sparsity rows) zeros per column, the others N(0, std^2). The battery
// checks the zero count per column exactly, then the full elementwise battery
// on the non-zeros. In f16 a non-zero N(0, 0.01^2) value rounds to 0 with
// probability ~2.4e-6 (|x| <= 2^-25); the battery accounts for that (the
// f16_small_std case, 1.1 such zeros expected, failed in 2 of 3 seeds before
// the battery's zeros_per_column test did).
#include <cmath>
#include <cstring>
#include <utility>

#include "gof_util.h"

namespace initcheck::verify::gof {
namespace {

const DType f32 = DType::kF32, f64 = DType::kF64, f16 = DType::kF16,
            bf16 = DType::kBF16;

const std::vector<GofCase> kCases = {
    {"sparsity_0p1_f32", "sparse(sparsity=0.1)", Torch({512, 256}), f32},
    {"sparsity_0p1_f64", "sparse(sparsity=0.1)", Torch({512, 256}), f64},
    {"sparsity_0p1_bf16", "sparse(sparsity=0.1)", Torch({512, 256}), bf16},
    {"f16_small_std", "sparse(sparsity=0.1)", Torch({1024, 512}), f16},
    {"sparsity_0p5_std_1_f32", "sparse(sparsity=0.5, std=1)", Torch({256, 512}),
     f32},
    {"sparsity_0p9_f16", "sparse(sparsity=0.9, std=0.1)", Torch({1024, 256}),
     f16},
    {"sparsity_0p07_tall_f32", "sparse(sparsity=0.07, std=0.02)",
     Torch({2000, 64}), f32},
};
INITCHECK_GOF_SUITE(SparseGof, kCases);

TEST(SparseOracle, ZerosPerColumnIsPythonsCeil) {
  // torch: num_zeros = int(math.ceil(sparsity * rows)).
  EXPECT_EQ(TargetOf("sparse(sparsity=0.1)", Torch({100, 50})).zeros_per_column,
            10);
  EXPECT_EQ(TargetOf("sparse(sparsity=0.25)", Torch({10, 5})).zeros_per_column,
            3);
  // In double, 0.07 * 100 = 7.000000000000001, so Python's ceil gives 8
  // (checked: python3 -c "import math; print(math.ceil(0.07*100))" -> 8).
  EXPECT_EQ(
      TargetOf("sparse(sparsity=0.07)", Torch({100, 50})).zeros_per_column, 8);
  const Target t = TargetOf("sparse(sparsity=0.3, std=0.5)", Torch({40, 7}));
  EXPECT_EQ(t.family, Target::Family::kSparse);
  EXPECT_EQ(t.rows, 40);
  EXPECT_EQ(t.cols, 7);
  EXPECT_EQ(t.parent_std, 0.5);
  EXPECT_EQ(t.variance, 0.25);
}

// The zeros_per_column test around the f16 rounding allowance: a correct f16
// tensor passes; 40 extra zeros (1.1 expected, P(Binomial >= 40) < 1e-50)
// and a column with one zero too few (impossible under H0) are rejected.
TEST(SparseBattery, ZerosPerColumnAllowsOnlyRoundingZeros) {
  const Scheme s = Scheme::parse("sparse(sparsity=0.1)");
  const Geometry g = Torch({1024, 512});
  const Tensor good = fill(s, g, DType::kF16, {.seed = 77});
  auto zeros_test = [&](const Tensor& t) {
    const TensorCheck c = check_one(t, s, g);
    for (size_t i = 0; i < c.tests.size(); ++i) {
      if (c.tests[i].name == "zeros_per_column")
        return std::make_pair(c.rejected[i], c.tests[i]);
    }
    ADD_FAILURE() << "no zeros_per_column test";
    return std::make_pair(false, TestResult{});
  };
  EXPECT_FALSE(zeros_test(good).first);
  auto copy = [&] {
    Tensor t(DType::kF16, g.shape);
    std::memcpy(t.data(), good.data(), good.nbytes());
    return t;
  };
  Tensor extra = copy();
  int added = 0;
  for (int64_t i = 0; i < extra.numel() && added < 40; i += 997) {
    if (extra.as<uint16_t>()[i] != 0) {
      extra.as<uint16_t>()[i] = 0;
      ++added;
    }
  }
  const auto [extra_rejected, extra_result] = zeros_test(extra);
  EXPECT_TRUE(extra_rejected) << extra_result.note;
  EXPECT_NE(extra_result.note.find("expected from rounding to f16"),
            std::string::npos);
  Tensor missing = copy();
  for (int64_t r = 0; r < 1024;
       ++r) {  // column 0: turn its first zero into 1.0
    uint16_t& v = missing.as<uint16_t>()[r * 512];
    if (v == 0) {
      v = 0x3c00;  // 1.0 in f16
      break;
    }
  }
  const auto [missing_rejected, missing_result] = zeros_test(missing);
  EXPECT_TRUE(missing_rejected);
  EXPECT_EQ(missing_result.p_value, 0.0) << missing_result.note;
}

}  // namespace
}  // namespace initcheck::verify::gof
