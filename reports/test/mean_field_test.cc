// Mean-field theory: weight statistics per scheme, recursions, fixed points,
// chi_1, depth scales, the tanh critical line and the finite-width spread,
// against the research note's computed tables (propagation.md sections 3-6).
#include "initcheck/propagation/mean_field.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "initcheck/error.h"

namespace initcheck::propagation {
namespace {

// |value - printed| within half a unit of the printed number's last digit
// (e.g. "0.570" -> 5e-4, "2.7e-30" -> 5e-32), plus 1% of that for rounding
// of the reference itself.
::testing::AssertionResult MatchesPrinted(double value, const std::string& printed) {
  const double ref = std::strtod(printed.c_str(), nullptr);
  std::string mant = printed.substr(0, printed.find_first_of("eE"));
  int exp10 = 0;
  if (mant.size() != printed.size()) exp10 = std::atoi(printed.c_str() + mant.size() + 1);
  const size_t dot = mant.find('.');
  const int decimals = dot == std::string::npos ? 0 : static_cast<int>(mant.size() - dot - 1);
  const double tol = 0.505 * std::pow(10.0, exp10 - decimals);
  if (std::fabs(value - ref) <= tol) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << value << " is not " << printed << " (tol " << tol << ")";
}

Scheme S(const char* text) { return Scheme::parse(text); }

TEST(WeightStats, SigmaW2OfCommonSchemes) {
  const int64_t n = 512;
  EXPECT_NEAR(weight_stats(S("kaiming_normal"), n).sigma_w2, 2.0, 1e-14);
  EXPECT_NEAR(weight_stats(S("kaiming_uniform"), n).sigma_w2, 2.0, 1e-14);
  EXPECT_NEAR(weight_stats(S("kaiming_uniform(a=sqrt(5))"), n).sigma_w2, 1.0 / 3.0, 1e-14);
  EXPECT_NEAR(weight_stats(S("xavier_uniform"), n).sigma_w2, 1.0, 1e-14);
  EXPECT_NEAR(weight_stats(S("xavier_normal"), n).sigma_w2, 1.0, 1e-14);
  EXPECT_NEAR(weight_stats(S("kaiming_normal(nonlinearity=tanh)"), n).sigma_w2, 25.0 / 9, 1e-13);
  // Keras truncated normals are rescaled by 1/0.87962566103423978 so that the
  // variance is exact (research note 2.1).
  EXPECT_NEAR(weight_stats(S("lecun_normal"), n).sigma_w2, 1.0, 1e-14);
  EXPECT_NEAR(weight_stats(S("he_normal"), n).sigma_w2, 2.0, 1e-14);
  EXPECT_NEAR(weight_stats(S("glorot_normal"), n).sigma_w2, 1.0, 1e-14);
  EXPECT_NEAR(weight_stats(S("lecun_uniform"), n).sigma_w2, 1.0, 1e-14);
  EXPECT_NEAR(weight_stats(S("orthogonal(gain=2)"), n).sigma_w2, 4.0, 1e-14);
  EXPECT_NEAR(weight_stats(S("normal(std=0.001)"), n).sigma_w2, 512e-6, 1e-18);
  // Uncorrected truncation at +-2 sigma keeps 0.7737 of the variance.
  const WeightStats tn = weight_stats(S("trunc_normal(std=1, a=-2, b=2)"), n);
  EXPECT_TRUE(MatchesPrinted(tn.variance, "0.7737"));
  // ceil(0.1 * 512) = 52 zeros per column.
  EXPECT_NEAR(weight_stats(S("sparse(sparsity=0.1, std=0.01)"), n).sigma_w2,
              512 * 1e-4 * (512.0 - 52) / 512, 1e-15);
}

TEST(WeightStats, SpecialSchemes) {
  const WeightStats z = weight_stats(S("zeros"), 64);
  EXPECT_TRUE(z.supported);
  EXPECT_FALSE(z.random);
  EXPECT_EQ(z.sigma_w2, 0.0);
  const WeightStats ones = weight_stats(S("ones"), 64);
  EXPECT_FALSE(ones.supported);
  EXPECT_NE(ones.note.find("nonzero mean"), std::string::npos);
  EXPECT_FALSE(weight_stats(S("constant(value=0.5)"), 64).supported);
  EXPECT_FALSE(weight_stats(S("uniform"), 64).supported);  // U[0, 1): mean 1/2
  EXPECT_TRUE(weight_stats(S("uniform(a=-0.1, b=0.1)"), 64).supported);
  EXPECT_FALSE(weight_stats(S("eye"), 64).supported);
  EXPECT_FALSE(weight_stats(S("trunc_normal(mean=0, std=1, a=-1, b=3)"), 64).supported);
  EXPECT_THROW(weight_stats(S("dirac"), 64), Error);
}

TEST(WeightStats, TruncatedNormalMoments) {
  // Keras' constant: the sd of N(0, 1) cut at +-2.
  EXPECT_NEAR(std::sqrt(truncated_normal_moments(0, 1, -2, 2).variance), 0.87962566103423978,
              1e-15);
  // One-sided far tail: the mean of N(0,1) | z > 5 is phi(5)/Phi(-5) ~ 5.186.
  const Moments2 m = truncated_normal_moments(0, 1, 5, 40);
  EXPECT_NEAR(m.mean, 5.186503967125847, 1e-12);  // phi(5)/Q(5), Q(5) = erfc(5/sqrt2)/2
  const Moments2 s = truncated_normal_moments(3, 2, -1e300, 1e300);
  EXPECT_NEAR(s.mean, 3, 1e-15);
  EXPECT_NEAR(s.variance, 4, 1e-14);
}

TEST(MeanField, ReluHeIsExactlyCritical) {
  MeanFieldConfig c;
  c.activation = Activation::parse("relu");
  c.sigma_w2 = 2;
  c.depth = 50;
  const auto t = mean_field(c);
  for (const auto& L : t) {
    EXPECT_DOUBLE_EQ(L.q, 2.0);
    EXPECT_DOUBLE_EQ(L.g, 0.5);
    EXPECT_DOUBLE_EQ(L.chi, 1.0);
  }
  EXPECT_DOUBLE_EQ(t[0].weight_grad, 0.5 * 1.0);  // g^1 E[x^2]
  EXPECT_DOUBLE_EQ(t[9].weight_grad, 0.5 * 1.0);  // g^l V(q^{l-1}) = 0.5 * 2/2
}

TEST(MeanField, ZeroWeightsGiveTheBiasVariance) {
  MeanFieldConfig c;
  c.activation = Activation::parse("tanh");
  c.sigma_w2 = 0;
  c.sigma_b2 = 0.3;
  c.depth = 5;
  const auto t = mean_field(c);
  for (const auto& L : t) EXPECT_DOUBLE_EQ(L.q, 0.3);
  EXPECT_GT(t[4].g, 0);
  for (int l = 0; l < 4; ++l) EXPECT_EQ(t[l].g, 0.0);
}

TEST(MeanField, OverflowBecomesInfinityNotNaN) {
  MeanFieldConfig c;
  c.activation = Activation::parse("linear");
  c.sigma_w2 = 1e20;
  c.depth = 40;
  const auto t = mean_field(c);
  EXPECT_TRUE(std::isinf(t[39].q));
  EXPECT_DOUBLE_EQ(t[14].q, 1e300);
  EXPECT_TRUE(std::isinf(t[15].q));
  for (const auto& L : t) EXPECT_FALSE(std::isnan(L.g));
}

// Research note section 5: q and the gradient product after k layers of the
// length map started at q = 1 (sigma_b = 0):
//   q^(k) = F^k(1),  grad = prod_{j<k} sigma_w^2 D(q^(j)).
struct Section5Row {
  const char* phi;
  double sw2;
  const char *q10, *q50, *g10, *g50;
};

void CheckSection5(const Section5Row& r) {
  const Activation a = Activation::parse(r.phi);
  double q = 1, grad = 1, q10 = 0, g10 = 0;
  for (int k = 1; k <= 50; ++k) {
    grad *= r.sw2 * expected_dphi2(a, q);
    q = r.sw2 * expected_phi2(a, q);
    if (k == 10) q10 = q, g10 = grad;
  }
  if (r.q10) {
    EXPECT_TRUE(MatchesPrinted(q10, r.q10)) << r.phi << " sw2=" << r.sw2 << " q10";
  }
  if (r.q50) {
    EXPECT_TRUE(MatchesPrinted(q, r.q50)) << r.phi << " sw2=" << r.sw2 << " q50";
  }
  if (r.g10) {
    EXPECT_TRUE(MatchesPrinted(g10, r.g10)) << r.phi << " sw2=" << r.sw2 << " g10";
  }
  if (r.g50) {
    EXPECT_TRUE(MatchesPrinted(grad, r.g50)) << r.phi << " sw2=" << r.sw2 << " g50";
  }
}

TEST(MeanField, NoteSection5Tables) {
  const double third = 1.0 / 3.0;
  const Section5Row rows[] = {
      // sigma_w^2 = 1/3
      {"linear", third, "1.7e-5", "1.4e-24", "1.7e-5", "1.4e-24"},
      {"relu", third, "1.7e-8", "1.2e-39", "1.7e-8", "1.2e-39"},
      {"tanh", third, "4.9e-6", "4.0e-25", "5.8e-6", "4.8e-25"},
      {"sigmoid", third, nullptr, nullptr, "7.6e-18", "8.5e-86"},
      {"gelu", third, "3.4e-11", "2.3e-54", "3.9e-11", "2.7e-54"},
      {"silu", third, "2.5e-11", "1.7e-54", "2.7e-11", "1.9e-54"},
      {"elu", third, "5.7e-6", "4.7e-25", "6.1e-6", "5.0e-25"},
      {"selu", third, "2.0e-3", "9.2e-10", "2.4e-3", "1.1e-9"},
      // sigma_w^2 = 1
      {"relu", 1, "9.8e-4", "8.9e-16", "9.8e-4", "8.9e-16"},
      {"leaky_relu(0.01)", 1, "9.8e-4", "8.9e-16", "9.8e-4", "8.9e-16"},
      {"tanh", 1, "0.052", "0.0102", "0.071", "0.014"},
      {"sigmoid", 1, nullptr, nullptr, "2.3e-13", "1.6e-63"},
      {"gelu", 1, "3.3e-6", "2.7e-30", "4.2e-6", "3.4e-30"},
      {"silu", 1, "1.8e-6", "1.5e-30", "2.1e-6", "1.7e-30"},
      {"elu", 1, "0.059", "0.0027", "0.070", "0.0034"},
      {"selu", 1, "1", "1", "2.0", "31.7"},
      {"erf", 1, "0.156", "0.142", "0.27", "0.48"},
      // sigma_w^2 = 2
      {"linear", 2, "1024", "1.1e15", "1024", "1.1e15"},
      {"relu", 2, "1", "1", "1", "1"},
      {"leaky_relu(0.01)", 2, "1.001", "1.005", "1.001", "1.005"},
      {"leaky_relu(0.2)", 2, "1.48", "7.1", "1.48", "7.1"},
      {"tanh", 2, nullptr, nullptr, "1.9", "106"},
      {"sigmoid", 2, nullptr, nullptr, "9.7e-11", "1.4e-50"},
      {"gelu", 2, "0.029", "3.0e-14", "0.053", "5.6e-14"},
      {"silu", 2, "3.6e-3", "3.3e-15", "4.8e-3", "4.4e-15"},
      {"elu", 2, "5.3", "34", "8.5", "377"},
      {"selu", 2, "31", "2924", "95", "8.5e4"},
      {"erf", 2, nullptr, nullptr, "5.6", "7.5e3"},
  };
  for (const Section5Row& r : rows) CheckSection5(r);
}

TEST(FixedPoint, NoteFixedPointsAndChi1) {
  struct Row {
    const char* phi;
    double sw2, sb2;
    const char *q_star, *chi1, *xi;  // xi = xi_grad
  };
  const Row rows[] = {
      // Research note 3.3 (tanh) and section 5 (sigmoid, erf, SELU).
      {"tanh", 1.0, 0.05, "0.194", "0.759", "3.6"},
      {"tanh", 1.5, 0.05, "0.418", "0.939", "15.8"},
      {"tanh", 2.0, 0.05, "0.722", "1.048", "21.5"},
      {"tanh", 2.0, 0.0, "0.618", "1.106", "10.0"},
      {"tanh", 25.0 / 9.0, 0.0, "1.178", "1.210", "5.2"},
      {"tanh", 1.21, 0.0, "0.113", "1.010", nullptr},
      {"sigmoid", 1.0 / 3.0, 0.0, "0.085", "0.020", nullptr},
      {"sigmoid", 1.0, 0.0, "0.265", "0.056", nullptr},
      {"sigmoid", 2.0, 0.0, "0.555", "0.101", nullptr},
      {"erf", 1.0, 0.0, "0.142", "1.017", nullptr},
      {"erf", 2.0, 0.0, "0.881", "1.197", nullptr},
      {"selu", 1.0, 0.0, "1.000", "1.071575", nullptr},
  };
  for (const Row& r : rows) {
    const FixedPoint f = fixed_point(Activation::parse(r.phi), r.sw2, r.sb2, 1.0, false);
    EXPECT_TRUE(MatchesPrinted(f.q_star, r.q_star)) << r.phi << " " << r.sw2 << " " << r.sb2;
    EXPECT_TRUE(MatchesPrinted(f.chi1, r.chi1)) << r.phi << " " << r.sw2 << " " << r.sb2;
    if (r.xi) {
      EXPECT_TRUE(MatchesPrinted(f.xi_grad, r.xi)) << r.phi << " " << r.sw2;
    }
  }
  // (1.21, 0): xi_grad = 1/log(chi_1) ~ 99 (the note's value).
  const FixedPoint t = fixed_point(Activation::parse("tanh"), 1.21, 0.0);
  EXPECT_NEAR(t.xi_grad, 99, 1.5);
}

TEST(FixedPoint, HomogeneousCases) {
  const Activation relu = Activation::parse("relu");
  FixedPoint f = fixed_point(relu, 2.0, 0.0, 2.0);
  EXPECT_TRUE(f.marginal);
  EXPECT_EQ(f.phase, Phase::kCritical);
  EXPECT_EQ(f.q_star, 2.0);
  EXPECT_TRUE(std::isinf(f.xi_c));
  f = fixed_point(relu, 1.0, 0.0);
  EXPECT_EQ(f.q_star, 0.0);
  EXPECT_EQ(f.phase, Phase::kOrdered);
  EXPECT_DOUBLE_EQ(f.chi1, 0.5);
  EXPECT_NEAR(f.xi_c, 1.0 / std::log(2.0), 1e-15);
  f = fixed_point(relu, 1.0, 0.5);
  EXPECT_DOUBLE_EQ(f.q_star, 1.0);  // 0.5 / (1 - 1/2)
  f = fixed_point(Activation::parse("leaky_relu(0.2)"), 2.0, 0.0);
  EXPECT_EQ(f.phase, Phase::kUnbounded);
  EXPECT_DOUBLE_EQ(f.chi1, 1.04);
  // softplus at sigma_w^2 = 2: F(q) - q = O(1/sqrt q) > 0, q grows without
  // bound (like l^{2/3}); He-normal and He-uniform (sigma_w^2 = 2 up to
  // rounding) must both say so.
  for (double sw2 : {2.0, 2.0 * (1 + 1e-15), 2.0 * (1 - 1e-15)}) {
    EXPECT_EQ(fixed_point(Activation::parse("softplus"), sw2, 0.0).phase, Phase::kUnbounded) << sw2;
  }
  // tanh at (1, 0): q* = 0, the critical point (research note 5).
  f = fixed_point(Activation::parse("tanh"), 1.0, 0.0);
  EXPECT_EQ(f.q_star, 0.0);
  EXPECT_EQ(f.phase, Phase::kCritical);
}

TEST(FixedPoint, DepthScalesAndCorrelationFixedPoint) {
  // Ordered: xi_c = -1/log chi_1 (Schoenholz et al. 2017, eq. 10).
  const Activation tanh_ = Activation::parse("tanh");
  FixedPoint f = fixed_point(tanh_, 1.0, 0.05);
  EXPECT_EQ(f.phase, Phase::kOrdered);
  EXPECT_NEAR(f.xi_c, -1.0 / std::log(f.chi1), 1e-12);
  EXPECT_GT(f.xi_q, 0);
  EXPECT_LT(f.slope, 1);
  // The slope is the derivative of the length map at q* (central difference).
  const double h = 1e-5;
  const double dF = (expected_phi2(tanh_, f.q_star + h) - expected_phi2(tanh_, f.q_star - h)) / (2 * h);
  EXPECT_NEAR(f.slope, dF, 1e-8);
  // Chaotic tanh (2, 0): odd phi, so c* = 0 and xi_c = -1/log(sigma_w^2 E[phi'(u)]^2).
  f = fixed_point(tanh_, 2.0, 0.0);
  EXPECT_EQ(f.phase, Phase::kChaotic);
  EXPECT_NEAR(f.c_star, 0.0, 1e-12);
  const double s = std::sqrt(f.q_star);
  const double mean_d = gaussian_rule(s).expect([&](double z) { return tanh_.derivative(s * z); });
  EXPECT_NEAR(f.xi_c, -1.0 / std::log(2.0 * mean_d * mean_d), 1e-9);
  // Chaotic erf with bias: c* in (0, 1) is a fixed point of the correlation map.
  const Activation erf_ = Activation::parse("erf");
  f = fixed_point(erf_, 2.0, 0.1);
  EXPECT_EQ(f.phase, Phase::kChaotic);
  EXPECT_GT(f.c_star, 0.0);
  EXPECT_LT(f.c_star, 1.0);
  EXPECT_NEAR(correlation_map(erf_, 2.0, 0.1, f.q_star, f.c_star), f.c_star, 1e-12);
  EXPECT_GT(f.xi_c, 0);
  // Arc-cosine kernel: relu's c-map at c = 0 is 1/pi (He init).
  EXPECT_NEAR(correlation_map(Activation::parse("relu"), 2.0, 0.0, 1.0, 0.0), 1.0 / M_PI, 1e-15);
}

// Research note 3.2: the tanh critical line chi_1(q*) = 1.
TEST(FixedPoint, TanhCriticalLine) {
  struct Row {
    double sb2;
    const char *sw2, *q_star;
  };
  const Row rows[] = {{0.01, "1.424", "0.273"}, {0.05, "1.761", "0.570"}, {0.1, "1.986", "0.806"},
                      {0.2, "2.285", "1.165"},  {0.5, "2.843", "1.971"}};
  const Activation tanh_ = Activation::parse("tanh");
  for (const Row& r : rows) {
    const double sw2 = critical_sigma_w2(tanh_, r.sb2);
    EXPECT_TRUE(MatchesPrinted(sw2, r.sw2)) << r.sb2;
    const FixedPoint f = fixed_point(tanh_, sw2, r.sb2, 1.0, false);
    EXPECT_TRUE(MatchesPrinted(f.q_star, r.q_star)) << r.sb2;
    EXPECT_NEAR(f.chi1, 1.0, 1e-9);
  }
  EXPECT_NEAR(critical_sigma_w2(tanh_, 0.0), 1.0, 1e-6);
  EXPECT_NEAR(critical_sigma_w2(Activation::parse("relu"), 0.0), 2.0, 1e-9);
  EXPECT_NEAR(critical_sigma_w2(Activation::parse("leaky_relu(0.2)"), 0.0), 2.0 / 1.04, 1e-9);
}

TEST(Spread, DeltaMethodClosedCases) {
  MeanFieldConfig c;
  c.activation = Activation::parse("relu");
  c.sigma_w2 = 2;
  c.depth = 50;
  const int64_t n = 256;
  SpreadPrediction p = predict_log_spread(c, mean_field(c), n);
  for (int l = 1; l <= 50; ++l) {
    // kappa = 5, gamma = 1 (Hanin & Nica 2019): (5 (l - 1) + 4) / n.
    EXPECT_NEAR(p.log_var[l - 1], (5.0 * (l - 1) + 4.0) / n, 1e-13) << l;
    EXPECT_NEAR(std::sqrt(p.log_var[l - 1]), relu_he_log_sd(l, n), 1e-13);
  }
  c.activation = Activation::parse("linear");
  c.sigma_w2 = 1;
  p = predict_log_spread(c, mean_field(c), n);
  EXPECT_NEAR(p.log_var[9], (2.0 * 9 + 4.0) / n, 1e-13);  // kappa = 2 for linear
  // Attracting fixed points saturate: SELU at n = 256 settles near
  // kappa / (n (1 - gamma^2)) (research note 6.3: CV 0.152 at l = 50).
  c.activation = Activation::parse("selu");
  p = predict_log_spread(c, mean_field(c), n);
  const double cv = std::sqrt(std::exp(p.log_var[49]) - 1.0);
  EXPECT_NEAR(cv, 0.152, 0.01);
  // The note's table 6.3: ReLU n = 256 -> CV 0.45 at l = 10 and 1.27 at l = 50
  // (fixed-norm input: subtract our 2/n input term).
  c.activation = Activation::parse("relu");
  c.sigma_w2 = 2;
  p = predict_log_spread(c, mean_field(c), n);
  EXPECT_TRUE(MatchesPrinted(std::sqrt(std::exp(p.log_var[9] - 2.0 / n) - 1.0), "0.45"));
  EXPECT_TRUE(MatchesPrinted(std::sqrt(std::exp(p.log_var[49] - 2.0 / n) - 1.0), "1.27"));
}

TEST(Spread, SingleNetworkLimits) {
  EXPECT_EQ(relu_he_max_depth(512), 102);       // (5 (L-1) + 4) / 512 <= 1
  EXPECT_EQ(relu_he_min_width(50), 249);        // 5 * 49 + 4
  EXPECT_EQ(relu_he_max_depth(512, 0.5), 25);   // 0.25 * 512 = 128 >= 5 (L-1) + 4
  EXPECT_EQ(relu_he_min_width(50, 0.5), 996);
  EXPECT_EQ(relu_he_max_depth(3), 0);
  for (int64_t n : {64, 256, 1000}) {
    const int L = relu_he_max_depth(n, 0.7);
    EXPECT_LE(relu_he_log_sd(L, n), 0.7);
    EXPECT_GT(relu_he_log_sd(L + 1, n), 0.7);
    EXPECT_LE(relu_he_log_sd(L, relu_he_min_width(L, 0.7)), 0.7 + 1e-12);
  }
}

}  // namespace
}  // namespace initcheck::propagation
