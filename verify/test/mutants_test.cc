// The mutant catalogue itself: complete, deterministic, and each mutant does
// what its description says (so the power study measures the bug it names).
//
// Thresholds on sampled quantities are 6 standard errors (two-sided normal
// tail 2e-9 per check; about 40 such checks, so <= 1e-7 per fresh-seed run).
#include "initcheck/verify/mutants.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>

#include "initcheck/error.h"
#include "initcheck/fill.h"
#include "initcheck/verify/moments.h"
#include "initcheck/verify/oracle.h"
#include "seed_util.h"

namespace initcheck::verify {
namespace {

constexpr uint64_t kBaseSeed = 0x3a7a57ull;
constexpr int64_t kN = int64_t{1} << 18;

uint64_t Seed(uint64_t i) {
  return testing::case_seed(testing::base_seed(kBaseSeed), i);
}

TEST(MutantCatalogue, HasTheRequiredMutantsWithReferences) {
  const std::vector<std::string> required = {
      "gain_off_5pct",
      "fan_in_fan_out_swapped",
      "uniform_bound_missing_sqrt3",
      "variance_passed_as_std",
      "keras_truncated_normal_no_correction",
      "torch_trunc_normal_absolute_bounds",
      "truncated_at_3sd",
      "truncation_missing",
      "mean_shift_0p02sd",
      "normal_instead_of_uniform",
      "uniform_zero_to_b",
      "rows_share_one_stream",
      "serial_correlation_0p1",
      "quantized_16_levels",
      "orthogonal_without_sign_fix",
      "caffe_xavier_is_lecun",
      "linear_default_instead_of_kaiming",
  };
  std::set<std::string> names;
  for (const Mutant& m : mutant_catalogue()) {
    EXPECT_TRUE(names.insert(m.name).second) << "duplicate " << m.name;
    EXPECT_FALSE(m.description.empty()) << m.name;
    EXPECT_FALSE(m.bug_reference.empty()) << m.name;
    EXPECT_NO_THROW(Scheme::parse(m.reference_scheme)) << m.name;
    if (m.assert_detected_at != int64_t{1} << 18) {
      EXPECT_FALSE(m.limit_note.empty()) << m.name << " needs a note";
    }
  }
  for (const std::string& r : required) EXPECT_TRUE(names.count(r)) << r;
  EXPECT_GE(names.size(), 15u);
  EXPECT_THROW(find_mutant("no_such_mutant"), Error);
}

TEST(MutantCatalogue, DeterministicPerSeedAndGeometryFitsN) {
  for (const Mutant& m : mutant_catalogue()) {
    const MutantCase a = make_mutant_case(m, 1 << 12, 7);
    const MutantCase b = make_mutant_case(m, 1 << 12, 7);
    const MutantCase c = make_mutant_case(m, 1 << 12, 8);
    ASSERT_EQ(a.tensor.nbytes(), b.tensor.nbytes()) << m.name;
    EXPECT_EQ(std::memcmp(a.tensor.data(), b.tensor.data(), a.tensor.nbytes()),
              0)
        << m.name;
    EXPECT_NE(std::memcmp(a.tensor.data(), c.tensor.data(), a.tensor.nbytes()),
              0)
        << m.name;
    EXPECT_EQ(a.tensor.dtype(), m.dtype) << m.name;
    EXPECT_EQ(a.tensor.shape(), a.geometry.shape) << m.name;
    // The geometry has about n elements (within 20%).
    for (int64_t n : {int64_t{1} << 10, int64_t{1} << 18}) {
      const double numel =
          static_cast<double>(shape_numel(m.geometry(n).shape));
      EXPECT_NEAR(numel / static_cast<double>(n), 1.0, 0.2)
          << m.name << " n=" << n;
    }
    // The reference tensor is lib's fill of the reference scheme.
    const MutantCase r = make_reference_case(m, 1 << 12, 7);
    const Tensor want = fill(r.scheme, r.geometry, m.dtype, {.seed = 7});
    EXPECT_EQ(std::memcmp(r.tensor.data(), want.data(), want.nbytes()), 0)
        << m.name;
  }
}

// The stated variance ratio matches the mutant's sample variance over the
// target's variance within 6 standard errors (SE of a variance ratio
// sqrt((2 + kappa)/n) <= sqrt(3/n) for the laws here; for identical rows the
// effective n is the row length).
TEST(MutantCatalogue, VarianceRatioAsStated) {
  for (const Mutant& m : mutant_catalogue()) {
    const MutantCase c = make_mutant_case(m, kN, Seed(1));
    const MutantEffect e = m.effect(c.geometry);
    if (!std::isfinite(e.variance_ratio)) continue;
    const Target t = derive_target(c.scheme, c.geometry);
    const Moments s = compute_moments(c.tensor.to_double());
    // Orthogonal entries: variance gain^2 / max(rows, cols) up to the mean.
    const double ratio = s.variance / t.variance;
    double n_eff = static_cast<double>(c.tensor.numel());
    if (m.name == "rows_share_one_stream")
      n_eff = static_cast<double>(c.geometry.shape[1]);
    const double tol = 6 * std::sqrt(3.0 / n_eff) * e.variance_ratio;
    EXPECT_NEAR(ratio, e.variance_ratio, tol) << m.name << ": " << e.text;
  }
}

TEST(MutantBehaviour, StructureAsDescribed) {
  const uint64_t seed = Seed(2);
  {  // Identical rows.
    const MutantCase c =
        make_mutant_case(find_mutant("rows_share_one_stream"), kN, seed);
    const int64_t cols = c.geometry.shape[1];
    const float* p = c.tensor.as<float>();
    for (int64_t r = 1; r < c.geometry.shape[0]; ++r) {
      ASSERT_EQ(std::memcmp(p, p + r * cols,
                            static_cast<size_t>(cols) * sizeof(float)),
                0);
    }
  }
  {  // U[0, b): nothing negative, nothing >= 0.05.
    const Moments s = compute_moments(
        make_mutant_case(find_mutant("uniform_zero_to_b"), kN, seed)
            .tensor.to_double());
    EXPECT_GE(s.min, 0.0);
    EXPECT_LT(s.max, 0.05);
  }
  {  // 16 levels.
    const std::vector<double> x =
        make_mutant_case(find_mutant("quantized_16_levels"), kN, seed)
            .tensor.to_double();
    EXPECT_EQ(std::set<double>(x.begin(), x.end()).size(), 16u);
  }
  {  // Householder QR without the sign fix: Q[0, 0] = -|a00| / |a_0| < 0.
    for (uint64_t i = 0; i < 5; ++i) {
      const MutantCase c = make_mutant_case(
          find_mutant("orthogonal_without_sign_fix"), 1 << 12, Seed(10 + i));
      EXPECT_LT(c.tensor.as<float>()[0], 0.0f);
    }
  }
  {  // mlpack SVD of U[0,1): the first column has one sign.
    const MutantCase c = make_mutant_case(
        find_mutant("mlpack_orthogonal_svd_of_uniform"), 1 << 12, seed);
    const int64_t k = c.geometry.shape[0];
    int positive = 0;
    for (int64_t r = 0; r < k; ++r) positive += c.tensor.as<float>()[r * k] > 0;
    EXPECT_TRUE(positive == 0 || positive == k) << positive << " of " << k;
  }
}

TEST(MutantBehaviour, RatesAsDescribed) {
  const uint64_t seed = Seed(3);
  {  // Bernoulli(0.1) zeros: fraction 0.1 within 6 SE.
    const MutantCase c =
        make_mutant_case(find_mutant("caffe_sparse_bernoulli_mask"), kN, seed);
    const std::vector<double> x = c.tensor.to_double();
    const double n = static_cast<double>(x.size());
    const double zeros =
        static_cast<double>(std::count(x.begin(), x.end(), 0.0));
    EXPECT_NEAR(zeros / n, 0.1, 6 * std::sqrt(0.09 / n));
  }
  {  // Lag-1 correlation 0.1 within 6 SE (SE ~ 1/sqrt(n)).
    const std::vector<double> x =
        make_mutant_case(find_mutant("serial_correlation_0p1"), kN, seed)
            .tensor.to_double();
    const Moments m = compute_moments(x);
    double s = 0;
    for (size_t i = 1; i < x.size(); ++i)
      s += (x[i] - m.mean) * (x[i - 1] - m.mean);
    const double r = s / (m.variance * static_cast<double>(x.size() - 1));
    EXPECT_NEAR(r, 0.1, 6 / std::sqrt(static_cast<double>(x.size())));
  }
  {  // Mean shifted by 0.02 sd within 6 SE.
    const MutantCase c =
        make_mutant_case(find_mutant("mean_shift_0p02sd"), kN, seed);
    const Target t = derive_target(c.scheme, c.geometry);
    const Moments m = compute_moments(c.tensor.to_double());
    const double n = static_cast<double>(c.tensor.numel());
    EXPECT_NEAR(m.mean / std::sqrt(t.variance), 0.02, 6 / std::sqrt(n));
  }
  {  // Leaks beyond +-2 parent sd: Poisson(4.29e-6 n); at 2^22, P(none) =
     // e^-18.
    const Mutant& m = find_mutant("keras_torch_backend_truncation_leak");
    const MutantCase c = make_mutant_case(m, m.assert_detected_at, seed);
    const Target t = derive_target(c.scheme, c.geometry);
    const std::vector<double> x = c.tensor.to_double();
    const auto outside = std::count_if(x.begin(), x.end(), [&](double v) {
      return v < static_cast<float>(t.low) || v > static_cast<float>(t.high);
    });
    const double lambda = 4.286034495686415e-06 * static_cast<double>(x.size());
    EXPECT_GE(outside, 1);
    EXPECT_LE(static_cast<double>(outside), lambda + 6 * std::sqrt(lambda) + 6);
  }
}

// Issue 12's mutants: the lag correlations, the orthogonal impostors and the
// small biases are what their descriptions say.
TEST(MutantBehaviour, Issue12MutantsAsDescribed) {
  const uint64_t seed = Seed(4);
  for (const int64_t lag : {1, 2, 4, 8, 16, 32, 0}) {
    const Mutant& mu = find_mutant(lag == 0 ? "row_lag_correlation_0p05"
                                            : "lag" + std::to_string(lag) + "_correlation_0p05");
    const MutantCase c = make_mutant_case(mu, kN, seed);
    const int64_t k = lag == 0 ? c.geometry.shape.back() : lag;
    const std::vector<double> x = c.tensor.to_double();
    const Moments m = compute_moments(x);
    long double s = 0, s1 = 0;
    for (size_t i = static_cast<size_t>(k); i < x.size(); ++i) {
      s += (x[i] - m.mean) * (x[i - static_cast<size_t>(k)] - m.mean);
      s1 += (x[i] - m.mean) * (x[i - 1] - m.mean);
    }
    const double n = static_cast<double>(x.size());
    const double r = static_cast<double>(s) / (m.variance * (n - 1));
    EXPECT_NEAR(r, 0.05, 6 / std::sqrt(n)) << mu.name;  // SE ~ 1/sqrt(n)
    if (k > 1) {
      EXPECT_NEAR(static_cast<double>(s1) / (m.variance * (n - 1)), 0.0, 6 / std::sqrt(n))
          << mu.name;
    }
    // Marginal unchanged: the reference's variance within 6 SE (sqrt(2/n)).
    const Target t = derive_target(c.scheme, c.geometry);
    EXPECT_NEAR(m.variance / t.variance, 1.0, 6 * std::sqrt(2 / n)) << mu.name;
  }
  for (const char* name : {"orthogonal_signed_permutation", "orthogonal_randomized_hadamard",
                           "orthogonal_block_diagonal"}) {
    const MutantCase c = make_mutant_case(find_mutant(name), 1 << 12, seed);
    const int64_t k = c.geometry.shape[0];
    ASSERT_EQ(c.geometry.shape[1], k);
    const std::vector<double> x = c.tensor.to_double();
    // Q Q^T = I (float32 rounding).
    double worst = 0;
    for (int64_t i = 0; i < k; ++i) {
      for (int64_t j = 0; j < k; ++j) {
        double d = 0;
        for (int64_t l = 0; l < k; ++l)
          d += x[static_cast<size_t>(i * k + l)] * x[static_cast<size_t>(j * k + l)];
        worst = std::max(worst, std::abs(d - (i == j ? 1.0 : 0.0)));
      }
    }
    EXPECT_LT(worst, 1e-5) << name;
    const auto zeros = std::count(x.begin(), x.end(), 0.0);
    if (std::string(name) == "orthogonal_signed_permutation") {
      EXPECT_EQ(zeros, k * (k - 1)) << name;
    } else if (std::string(name) == "orthogonal_randomized_hadamard") {
      for (double v : x) ASSERT_NEAR(std::abs(v), 1 / std::sqrt(static_cast<double>(k)), 1e-7);
    } else {
      EXPECT_EQ(zeros, 2 * (k / 2) * (k - k / 2)) << name;
    }
  }
  for (const int kx : {3, 4}) {
    const Mutant& mu = find_mutant("small_bias_bound_" + std::to_string(kx) + "x_too_wide");
    const MutantCase c = make_mutant_case(mu, mu.assert_detected_at, seed);
    EXPECT_EQ(c.tensor.numel(), mu.assert_detected_at);
    for (double v : c.tensor.to_double()) ASSERT_LE(std::abs(v), 0.125 / kx * (1 + 1e-7));
  }
}

}  // namespace
}  // namespace initcheck::verify
