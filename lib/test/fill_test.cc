// fill(): structure of the deterministic schemes, the counter contract
// (slices, threads), orthogonality, error paths, and a stability test that
// pins the first values of every scheme.
#include "initcheck/fill.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstring>
#include <set>

#include "initcheck/error.h"
#include "initcheck/kernel.h"

namespace initcheck {
namespace {

using ::testing::HasSubstr;


std::vector<double> Values(const std::string& scheme, const Geometry& g,
                           DType t = DType::kF64, FillOptions o = {}) {
  return fill(Scheme::parse(scheme), g, t, o).to_double();
}

TEST(FillTest, Constants) {
  for (DType t : {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}) {
    for (double v : Values("zeros", make_geometry({3, 4}), t)) EXPECT_EQ(v, 0.0);
    for (double v : Values("ones", make_geometry({5}), t)) EXPECT_EQ(v, 1.0);
    for (double v : Values("constant(0.25)", make_geometry({2, 2, 2}), t)) EXPECT_EQ(v, 0.25);
  }
}

TEST(FillTest, EyeAndIdentity) {
  const auto v = Values("eye", make_geometry({3, 5}));
  for (int r = 0; r < 3; ++r)
    for (int c = 0; c < 5; ++c) EXPECT_EQ(v[r * 5 + c], r == c ? 1.0 : 0.0);
  const auto w = Values("identity(gain=2)", make_geometry({4, 2}, Layout::kKeras));
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 2; ++c) EXPECT_EQ(w[r * 2 + c], r == c ? 2.0 : 0.0);
  EXPECT_THROW(Values("eye", make_geometry({3, 3, 3})), Error);
}

TEST(FillTest, DiracPreservesIdentityPerGroup) {
  // Conv2d(4, 6, 3, groups=2) weight [6, 2, 3, 3]: out_per_group 3, in 2.
  const auto v = Values("dirac(groups=2)", make_geometry({6, 2, 3, 3}));
  int ones = 0;
  for (int o = 0; o < 6; ++o)
    for (int i = 0; i < 2; ++i)
      for (int k = 0; k < 9; ++k) {
        const double x = v[(o * 2 + i) * 9 + k];
        const int d = o % 3;
        const bool want = d < 2 && i == d && k == 4;  // centre (1, 1)
        EXPECT_EQ(x, want ? 1.0 : 0.0) << o << " " << i << " " << k;
        ones += x == 1.0;
      }
  EXPECT_EQ(ones, 4);  // min(out/groups, in) * groups
  // Even kernel: PyTorch's centre is size // 2 (the right middle tap).
  const auto e = Values("dirac", make_geometry({1, 1, 4}));
  EXPECT_EQ(e[2], 1.0);
  EXPECT_THROW(Values("dirac(groups=4)", make_geometry({6, 2, 3, 3})), Error);
  EXPECT_THROW(Values("dirac", make_geometry({6, 2})), Error);
  EXPECT_THROW(Values("dirac", make_geometry({3, 3, 2, 6}, Layout::kKeras)), Error);
}

TEST(FillTest, SparseZeroCountPerColumn) {
  const Geometry g = make_geometry({50, 7});
  const auto v = Values("sparse(sparsity=0.1, std=0.01)", g, DType::kF32, {.seed = 3});
  for (int c = 0; c < 7; ++c) {
    int zeros = 0;
    for (int r = 0; r < 50; ++r) zeros += v[r * 7 + c] == 0.0;
    EXPECT_EQ(zeros, 5);  // ceil(0.1 * 50)
  }
  // Different columns zero different rows (a shared mask is a bug).
  std::set<std::vector<int>> masks;
  for (int c = 0; c < 7; ++c) {
    std::vector<int> m;
    for (int r = 0; r < 50; ++r)
      if (v[r * 7 + c] == 0.0) m.push_back(r);
    masks.insert(m);
  }
  EXPECT_GT(masks.size(), 1u);
  for (double x : Values("sparse(1)", make_geometry({4, 3}))) EXPECT_EQ(x, 0.0);
}

void ExpectOrthogonal(const std::vector<double>& v, int64_t rows, int64_t cols,
                      double gain, double tol) {
  Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
      m(v.data(), rows, cols);
  const Eigen::MatrixXd gram = rows >= cols ? Eigen::MatrixXd(m.transpose() * m)
                                            : Eigen::MatrixXd(m * m.transpose());
  const Eigen::Index k = std::min(rows, cols);
  EXPECT_LT((gram - gain * gain * Eigen::MatrixXd::Identity(k, k)).cwiseAbs().maxCoeff(), tol);
}

TEST(FillTest, OrthogonalGramIsGainSquaredIdentity) {
  ExpectOrthogonal(Values("orthogonal(gain=2)", make_geometry({20, 6})), 20, 6, 2.0, 1e-6);
  ExpectOrthogonal(Values("orthogonal", make_geometry({6, 20})), 6, 20, 1.0, 1e-6);
  ExpectOrthogonal(Values("orthogonal(1.5)", make_geometry({8, 2, 3, 3})), 8, 18, 1.5, 1e-6);
  // keras layout: columns = last dim, rows = the rest.
  ExpectOrthogonal(Values("orthogonal", make_geometry({3, 3, 4, 16}, Layout::kKeras)), 36, 16, 1.0, 1e-6);
  ExpectOrthogonal(Values("orthogonal", make_geometry({9, 9})), 9, 9, 1.0, 1e-12);
}

TEST(FillTest, DeltaOrthogonalCentreTap) {
  const auto v = Values("delta_orthogonal(scale=1)", make_geometry({3, 3, 4, 6}, Layout::kJax));
  // Centre (1, 1) of a 3x3 kernel, offset (1*3+1)*24.
  std::vector<double> centre(v.begin() + 96, v.begin() + 120);
  ExpectOrthogonal(centre, 4, 6, 1.0, 1e-12);
  double off = 0;
  for (size_t i = 0; i < v.size(); ++i)
    if (i < 96 || i >= 120) off += std::abs(v[i]);
  EXPECT_EQ(off, 0.0);
  EXPECT_THROW(Values("delta_orthogonal", make_geometry({3, 3, 6, 4}, Layout::kJax)), Error);
}

TEST(FillTest, SliceEqualsWholeAndThreadsDoNotMatter) {
  const Geometry g = make_geometry({257, 129});
  for (const char* s : {"kaiming_uniform(a=sqrt(5))", "he_normal", "xavier_normal",
                        "trunc_normal(std=0.5, a=-0.1, b=1)", "sparse(0.3)",
                        "orthogonal"}) {
    for (DType t : {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}) {
      const Scheme sc = Scheme::parse(s);
      const Tensor whole = fill(sc, g, t, {.seed = 11, .stream = 2, .threads = 1});
      for (int threads : {2, 3, 7}) {
        const Tensor other = fill(sc, g, t, {.seed = 11, .stream = 2, .threads = threads});
        ASSERT_EQ(std::memcmp(whole.data(), other.data(), whole.nbytes()), 0) << s;
      }
      const size_t es = dtype_size(t);
      for (auto [b, e] : {std::pair<int64_t, int64_t>{0, 1}, {1, 2}, {3, 1000}, {4095, 33153},
                          {33152, 33153}}) {
        std::vector<std::byte> part(static_cast<size_t>(e - b) * es);
        fill_slice(sc, g, t, {.seed = 11, .stream = 2}, b, e, part.data());
        ASSERT_EQ(std::memcmp(whole.data() + b * es, part.data(), part.size()), 0)
            << s << " [" << b << ", " << e << ")";
      }
    }
  }
}

TEST(FillTest, SeedsAndStreamsDiffer) {
  const Geometry g = make_geometry({64, 64});
  const auto a = Values("normal", g, DType::kF32, {.seed = 1, .stream = 0});
  const auto b = Values("normal", g, DType::kF32, {.seed = 1, .stream = 1});
  const auto c = Values("normal", g, DType::kF32, {.seed = 2, .stream = 0});
  int same_ab = 0, same_ac = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    same_ab += a[i] == b[i];
    same_ac += a[i] == c[i];
  }
  EXPECT_LT(same_ab, 3);
  EXPECT_LT(same_ac, 3);
}

TEST(FillTest, BoundsHold) {
  const Geometry g = make_geometry({1000, 100});
  for (double v : Values("kaiming_uniform(a=sqrt(5))", g, DType::kF32)) {
    ASSERT_GE(v, -1 / std::sqrt(100.0) - 1e-7);
    ASSERT_LT(v, 1 / std::sqrt(100.0));
  }
  for (double v : Values("uniform(0.1, 0.3)", g, DType::kF32)) {
    ASSERT_GE(v, 0.1);
    ASSERT_LT(v, 0.3);
  }
  for (double v : Values("trunc_normal(mean=0.1, std=0.3, a=-0.5, b=0.7)", g, DType::kF64)) {
    ASSERT_GE(v, -0.5);
    ASSERT_LE(v, 0.7);
  }
  const double sd = std::sqrt(2.0 / 100) / 0.87962566103423978;
  for (double v : Values("he_normal", g, DType::kF32)) {
    ASSERT_LE(std::abs(v), 2 * sd * (1 + 1e-7));
  }
}

// TF.js 4.22 / Keras <= 2.2.2: heNormal is tf.truncatedNormal(0, sqrt(2 /
// fan_in)), the parent std itself cut at +-2 std (no 0.87962566 division).
TEST(FillTest, TfjsUncorrectedTruncation) {
  Geometry g;
  g.shape = {3, 3, 32, 64};
  g.layout = Layout::kKeras;
  const FillPlan p = plan_fill(Scheme::parse("tf.initializers.heNormal"), g);
  const double sd = std::sqrt(2.0 / 288);  // fan_in = 3 * 3 * 32
  EXPECT_TRUE(p.truncated);
  EXPECT_DOUBLE_EQ(p.std, sd);
  EXPECT_DOUBLE_EQ(p.low, -2 * sd);
  EXPECT_DOUBLE_EQ(p.high, 2 * sd);
  EXPECT_DOUBLE_EQ(p.alpha, -2.0);
  EXPECT_DOUBLE_EQ(p.beta, 2.0);
  // Keras' he_normal on the same weight: the corrected parent std.
  EXPECT_NEAR(plan_fill(Scheme::parse("he_normal"), g).std * 0.87962566103423978, sd, 1e-15);
}

TEST(FillTest, Errors) {
  auto err = [](const std::string& s, const Geometry& g, DType t = DType::kF32) {
    try {
      fill(Scheme::parse(s), g, t);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  EXPECT_THAT(err("kaiming_uniform", make_geometry({10})), HasSubstr("rank >= 2"));
  EXPECT_THAT(err("orthogonal", make_geometry({10})), HasSubstr("rank >= 2"));
  EXPECT_THAT(err("sparse(0.1)", make_geometry({4, 4, 4})), HasSubstr("rank 2"));
  EXPECT_THAT(err("normal(std=1e5)", make_geometry({100, 100}), DType::kF16), HasSubstr("overflows f16"));
  Geometry g = make_geometry({3, 4});
  g.groups = 0;
  EXPECT_THAT(err("zeros", g), HasSubstr("groups must be >= 1"));
  Geometry e = make_geometry({0, 4});
  EXPECT_THAT(err("zeros", e), HasSubstr("dimension < 1"));
  EXPECT_THROW(fill_slice(Scheme::parse("zeros"), make_geometry({4}), DType::kF32, {}, 3, 5, nullptr),
               Error);
}

}  // namespace
}  // namespace initcheck
