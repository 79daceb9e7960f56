// Gaussian expectations: Gauss-Legendre nodes, erfcx, closed forms against the
// graded composite quadrature, against an independent double-exponential
// quadrature (Boost exp_sinh) and against the research note's reference values.
#include "initcheck/propagation/gaussian_expectation.h"

#include <gtest/gtest.h>

#include <boost/math/quadrature/exp_sinh.hpp>
#include <boost/math/quadrature/gauss.hpp>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "initcheck/error.h"

namespace initcheck::propagation {
namespace {

constexpr double kInvSqrt2Pi = 0.39894228040143267794;

std::vector<double> LogGrid(double lo, double hi, int points) {
  std::vector<double> q;
  for (int i = 0; i < points; ++i) {
    q.push_back(std::pow(10.0, std::log10(lo) + (std::log10(hi) - std::log10(lo)) * i /
                                                    (points - 1)));
  }
  return q;
}

std::vector<Activation> ClosedFormActivations() {
  std::vector<Activation> v;
  for (const char* s : {"linear", "relu", "leaky_relu(0.01)", "leaky_relu(0.2)",
                        "leaky_relu(-0.3)", "erf", "gelu", "elu(alpha=1)", "elu(alpha=0.5)",
                        "elu(alpha=2)", "selu"}) {
    v.push_back(Activation::parse(s));
  }
  return v;
}

std::vector<Activation> QuadratureActivations() {
  std::vector<Activation> v;
  for (const char* s : {"tanh", "sigmoid", "silu", "softplus"}) v.push_back(Activation::parse(s));
  return v;
}

template <unsigned N>
void CompareWithBoost() {
  const GaussLegendreRule& r = gauss_legendre(static_cast<int>(N));
  const auto& ax = boost::math::quadrature::gauss<double, N>::abscissa();
  const auto& wt = boost::math::quadrature::gauss<double, N>::weights();
  // Boost lists the non-negative nodes, 0 first for odd N.
  for (size_t i = 0; i < ax.size(); ++i) {
    const size_t j = N / 2 + i;  // our ascending index of the node ax[i]
    EXPECT_NEAR(r.nodes[j], ax[i], 2e-16) << N << " " << i;
    EXPECT_NEAR(r.weights[j], wt[i], 4e-16) << N << " " << i;
    EXPECT_EQ(r.nodes[N - 1 - j], -r.nodes[j]);
  }
}

TEST(GaussLegendre, MatchesBoostTables) {
  CompareWithBoost<7>();
  CompareWithBoost<10>();
  CompareWithBoost<15>();
  CompareWithBoost<20>();
  CompareWithBoost<25>();
  CompareWithBoost<30>();
}

TEST(GaussLegendre, IntegratesPolynomialsOfDegree2nMinus1) {
  for (int n : {1, 2, 5, 16, 40}) {
    const GaussLegendreRule& r = gauss_legendre(n);
    for (int k = 0; k <= 2 * n - 1; ++k) {
      double s = 0;
      for (int i = 0; i < n; ++i) s += r.weights[i] * std::pow(r.nodes[i], k);
      const double exact = k % 2 ? 0.0 : 2.0 / (k + 1);
      EXPECT_NEAR(s, exact, 1e-14) << n << " " << k;
    }
  }
  EXPECT_THROW(gauss_legendre(0), Error);
}

TEST(Erfcx, AgreesWithDefinitionAndAsymptotics) {
  EXPECT_EQ(erfcx(0.0), 1.0);
  for (double x : {1e-8, 0.1, 0.5, 1.0, 3.0, 7.0}) {
    // Here exp(x^2) erfc(x) is accurate to ~x^2 ulp.
    EXPECT_NEAR(erfcx(x), std::exp(x * x) * std::erfc(x), 1e-15 * (1 + x * x)) << x;
  }
  // Both branches against the asymptotic series, which at x >= 20 converges
  // to ~1e-17 (terms fall by (2k - 1)/(2 x^2)).
  for (double x : {20.0, 24.5, 24.999999, 25.0, 25.5, 40.0}) {
    double term = 1, sum = 1;
    for (int k = 1; k < 40; ++k) {
      term *= -(2.0 * k - 1.0) / (2.0 * x * x);
      sum += term;
    }
    EXPECT_NEAR(erfcx(x) * x * std::sqrt(M_PI) / sum, 1.0, 4e-15) << x;
  }
  // Large x: 1/(x sqrt(pi)) (1 - 1/(2x^2) + ...).
  const double x = 1e8;
  EXPECT_NEAR(erfcx(x) * x * std::sqrt(M_PI), 1.0, 1e-15);
  // Reflection for x < 0.
  EXPECT_NEAR(erfcx(-1.0), 2 * std::exp(1.0) - erfcx(1.0), 1e-15);
}

// Every closed form against the graded quadrature over q in [1e-6, 1e4]
// (log grid). V and D are compared relatively; M changes sign (SELU at q = 1
// has M = 0), so its error is taken relative to max(|M|, sqrt(V)), the scale
// of the integrand.
TEST(GaussianExpectation, ClosedFormsAgreeWithQuadratureTo1em12) {
  double worst_v = 0, worst_d = 0, worst_m = 0;
  std::string where_v, where_d, where_m;
  for (const Activation& a : ClosedFormActivations()) {
    for (double q : LogGrid(1e-6, 1e4, 81)) {
      const GaussianMoments c = gaussian_moments(a, q, Method::kClosedForm);
      const GaussianMoments n = gaussian_moments(a, q, Method::kQuadrature);
      const double ev = std::fabs(c.v - n.v) / c.v;
      const double ed = std::fabs(c.d - n.d) / c.d;
      const double em = std::fabs(c.m - n.m) / std::max(std::fabs(c.m), std::sqrt(c.v));
      EXPECT_LE(ev, 1e-12) << a.name() << " V q=" << q << " " << c.v << " " << n.v;
      EXPECT_LE(ed, 1e-12) << a.name() << " D q=" << q << " " << c.d << " " << n.d;
      EXPECT_LE(em, 1e-12) << a.name() << " M q=" << q << " " << c.m << " " << n.m;
      if (ev > worst_v) worst_v = ev, where_v = a.name() + " q=" + std::to_string(q);
      if (ed > worst_d) worst_d = ed, where_d = a.name() + " q=" + std::to_string(q);
      if (em > worst_m) worst_m = em, where_m = a.name() + " q=" + std::to_string(q);
    }
  }
  std::printf("worst closed form vs quadrature: V %.2e (%s), D %.2e (%s), M %.2e (%s)\n",
              worst_v, where_v.c_str(), worst_d, where_d.c_str(), worst_m, where_m.c_str());
}

// M strictly relative where it is not near a sign change.
TEST(GaussianExpectation, MeanRelativeWhereNonzero) {
  for (const char* s : {"relu", "leaky_relu(0.2)", "gelu", "elu(alpha=1)", "elu(alpha=0.5)"}) {
    const Activation a = Activation::parse(s);
    for (double q : LogGrid(1e-6, 1e4, 41)) {
      const double c = expected_phi(a, q, Method::kClosedForm);
      const double n = expected_phi(a, q, Method::kQuadrature);
      EXPECT_LE(std::fabs(c - n), 1e-12 * std::fabs(c)) << s << " q=" << q;
    }
  }
}

// The graded rule stays accurate far beyond the grid, where the note's
// uniform panels would need ~sqrt(q) panels.
TEST(GaussianExpectation, GradedRuleAtHugeQ) {
  for (const Activation& a : ClosedFormActivations()) {
    for (double q : {1e8, 1e50, 1e100, 1e200}) {
      const GaussianMoments c = gaussian_moments(a, q, Method::kClosedForm);
      const GaussianMoments n = gaussian_moments(a, q, Method::kQuadrature);
      EXPECT_NEAR(n.v / c.v, 1.0, 1e-12) << a.name() << " q=" << q;
      EXPECT_NEAR(n.d / c.d, 1.0, 1e-12) << a.name() << " q=" << q;
    }
  }
  // tanh: E[sech^4(s z)] ~ (4/3) / (s sqrt(2 pi)) as s -> inf.
  const double q = 1e100;
  EXPECT_NEAR(expected_dphi2(Activation::parse("tanh"), q) * std::sqrt(q) /
                  (4.0 / 3.0 * kInvSqrt2Pi),
              1.0, 1e-12);
  const GaussianRule r = gaussian_rule(std::sqrt(1e300));
  EXPECT_LT(r.z.size(), 20000u);
}

// The graded rule against the note's uniform rule (panels 0.5 min(1, 1/sqrt q)).
TEST(GaussianExpectation, GradedAgreesWithUniformPanels) {
  QuadratureOptions uniform;
  uniform.graded = false;
  for (const Activation& a : QuadratureActivations()) {
    for (double q : {1e-4, 0.1, 1.0, 25.0, 100.0, 1e4}) {
      const GaussianMoments g = gaussian_moments(a, q, Method::kQuadrature);
      const GaussianMoments u = gaussian_moments(a, q, Method::kQuadrature, uniform);
      EXPECT_NEAR(g.v / u.v, 1.0, 1e-13) << a.name() << " " << q;
      EXPECT_NEAR(g.d / u.d, 1.0, 1e-13) << a.name() << " " << q;
      EXPECT_NEAR(g.m, u.m, 1e-13 * std::sqrt(u.v)) << a.name() << " " << q;
    }
  }
}

// An independent rule: Boost's double-exponential exp_sinh on the folded
// half-line integral  E g(z) = int_0^inf pdf(z) (g(z) + g(-z)) dz.
TEST(GaussianExpectation, AgreesWithBoostExpSinh) {
  boost::math::quadrature::exp_sinh<double> integrator;
  const double inf = std::numeric_limits<double>::infinity();
  double worst = 0;
  std::string where;
  for (const Activation& a : QuadratureActivations()) {
    for (double q : {1e-3, 0.1, 1.0, 10.0, 100.0, 1e4}) {
      const double s = std::sqrt(q);
      auto fold = [&](auto g) {
        return integrator.integrate(
            [&](double z) { return kInvSqrt2Pi * std::exp(-0.5 * z * z) * (g(s * z) + g(-s * z)); },
            0.0, inf, 1e-14);
      };
      const double v = fold([&](double x) { return a.value(x) * a.value(x); });
      const double d = fold([&](double x) { return a.derivative(x) * a.derivative(x); });
      const double m = fold([&](double x) { return a.value(x); });
      const GaussianMoments n = gaussian_moments(a, q);
      const double ev = std::fabs(n.v / v - 1), ed = std::fabs(n.d / d - 1);
      const double em = std::fabs(n.m - m) / std::max(std::fabs(m), std::sqrt(v));
      EXPECT_LE(ev, 1e-8) << a.name() << " V " << q;
      EXPECT_LE(ed, 1e-8) << a.name() << " D " << q;
      EXPECT_LE(em, 1e-8) << a.name() << " M " << q;
      for (double e : {ev, ed, em}) {
        if (e > worst) worst = e, where = a.name() + " q=" + std::to_string(q);
      }
    }
  }
  std::printf("worst graded quadrature vs Boost exp_sinh: %.2e (%s)\n", worst, where.c_str());
}

// Research note section 4.1, values at q = 1 (computed there with 30-digit
// quadrature, printed to 6 decimals).
TEST(GaussianExpectation, NoteReferenceValuesAtQ1) {
  struct Row {
    const char* phi;
    double m, v, d;
  };
  const Row rows[] = {
      {"linear", 0, 1, 1},
      {"relu", 0.398942, 0.5, 0.5},
      {"leaky_relu(0.01)", 0.394953, 0.50005, 0.50005},
      {"leaky_relu(0.2)", 0.319154, 0.52, 0.52},
      {"tanh", 0, 0.394294, 0.464403},
      {"sigmoid", 0.5, 0.293379, 0.044836},
      {"erf", 0, 0.464559, 0.569410},
      {"gelu", 0.282095, 0.425221, 0.455851},
      {"silu", 0.206621, 0.355776, 0.379482},
      {"elu(alpha=1)", 0.160521, 0.644945, 0.668102},
      {"selu", 0, 1.000000, 1.071575},
  };
  for (const Row& r : rows) {
    const GaussianMoments g = gaussian_moments(Activation::parse(r.phi), 1.0);
    EXPECT_NEAR(g.m, r.m, 5.01e-7) << r.phi;
    EXPECT_NEAR(g.v, r.v, 5.01e-7) << r.phi;
    EXPECT_NEAR(g.d, r.d, 5.01e-7) << r.phi;
  }
  // SELU's fixed point: E[selu(z)] = 0 and E[selu(z)^2] = 1 (to ~1e-9; the
  // published constants are rounded), Klambauer et al. 2017.
  const GaussianMoments selu = gaussian_moments(Activation::parse("selu"), 1.0);
  EXPECT_NEAR(selu.m, 0.0, 1e-9);
  EXPECT_NEAR(selu.v, 1.0, 1e-9);
}

TEST(GaussianExpectation, QZeroAndErrors) {
  const Activation tanh_ = Activation::parse("tanh");
  const GaussianMoments z = gaussian_moments(tanh_, 0.0);
  EXPECT_EQ(z.m, 0.0);
  EXPECT_EQ(z.v, 0.0);
  EXPECT_EQ(z.d, 1.0);
  EXPECT_EQ(gaussian_moments(Activation::parse("sigmoid"), 0.0).v, 0.25);
  EXPECT_THROW(gaussian_moments(tanh_, -1.0), Error);
  EXPECT_THROW(gaussian_moments(tanh_, std::nan("")), Error);
  EXPECT_THROW(gaussian_moments(tanh_, 1.0, Method::kClosedForm), Error);
}

TEST(GaussianExpectation, FourthMomentAndPhiPhiSecond) {
  // Quadrature vs the closed forms of the homogeneous cases.
  for (const char* s : {"linear", "relu", "leaky_relu(0.2)"}) {
    const Activation a = Activation::parse(s);
    for (double q : {0.01, 1.0, 30.0}) {
      const double sq = std::sqrt(q);
      const double quad = gaussian_rule(sq).expect([&](double z) { return std::pow(a.value(sq * z), 4); });
      EXPECT_NEAR(expected_phi4(a, q) / quad, 1.0, 1e-13) << s;
    }
  }
  // The normalized fourth moment agrees with E[phi^4] / V^2 and survives
  // q = 1e-300 and 1e300, where E[phi^4] under/overflows.
  for (const char* s : {"relu", "leaky_relu(0.2)", "tanh", "gelu", "selu", "softplus"}) {
    const Activation a = Activation::parse(s);
    for (double q : {0.01, 1.0, 30.0}) {
      const double v = expected_phi2(a, q);
      EXPECT_NEAR(phi2_kurtosis(a, q), expected_phi4(a, q) / (v * v), 1e-12 * phi2_kurtosis(a, q)) << s;
    }
    EXPECT_TRUE(std::isfinite(phi2_kurtosis(a, 1e-300))) << s;
    EXPECT_TRUE(std::isfinite(phi2_kurtosis(a, 1e300))) << s;
  }
  EXPECT_NEAR(phi2_kurtosis(Activation::parse("gelu"), 1e-300), 3.0, 1e-9);  // gelu ~ x/2
  EXPECT_NEAR(phi2_kurtosis(Activation::parse("gelu"), 1e300), 6.0, 1e-9);   // gelu ~ relu
  // dV/dq = D + E[phi phi''] (Stein twice), checked by a central difference.
  for (const char* s : {"tanh", "sigmoid", "silu", "softplus", "gelu", "erf", "elu(alpha=0.5)", "selu"}) {
    const Activation a = Activation::parse(s);
    for (double q : {0.05, 1.0, 7.0}) {
      const double h = 1e-4 * q;
      const double dv = (expected_phi2(a, q + h) - expected_phi2(a, q - h)) / (2 * h);
      EXPECT_NEAR(expected_dphi2(a, q) + expected_phi_ddphi(a, q), dv, 1e-8 * std::fabs(dv) + 1e-12)
          << s << " " << q;
    }
  }
}

TEST(GaussianExpectation, PairsClosedFormsAgreeWithNestedQuadrature) {
  for (const char* s : {"linear", "relu", "leaky_relu(0.2)", "erf"}) {
    const Activation a = Activation::parse(s);
    for (double c : {-0.9, -0.3, 0.0, 0.5, 0.95, 0.999}) {
      for (auto [q1, q2] : {std::pair{1.0, 1.0}, std::pair{0.3, 4.0}, std::pair{25.0, 2.0}}) {
        const double cf = expected_phi_pair(a, q1, q2, c, Method::kClosedForm);
        const double nq = expected_phi_pair(a, q1, q2, c, Method::kQuadrature);
        EXPECT_NEAR(cf, nq, 1e-11 * std::sqrt(q1 * q2) + 1e-13) << s << " c=" << c;
        const double cd = expected_dphi_pair(a, q1, q2, c, Method::kClosedForm);
        const double nd = expected_dphi_pair(a, q1, q2, c, Method::kQuadrature);
        EXPECT_NEAR(cd, nd, 1e-11) << s << " c=" << c;
      }
    }
  }
  // c = 1 reduces to V, c = 0 to M(q1) M(q2), for a quadrature-only phi.
  const Activation sig = Activation::parse("sigmoid");
  EXPECT_NEAR(expected_phi_pair(sig, 2.0, 2.0, 1.0), expected_phi2(sig, 2.0), 1e-14);
  EXPECT_NEAR(expected_phi_pair(sig, 2.0, 0.5, 0.0), 0.25, 1e-14);
  EXPECT_NEAR(expected_dphi_pair(sig, 2.0, 2.0, 1.0), expected_dphi2(sig, 2.0), 1e-14);
}

TEST(GaussianExpectation, SaturationProbability) {
  const Activation t = Activation::parse("tanh");
  // sech^2(x_t) = 1e-3 at x_t = acosh(1/sqrt(1e-3)).
  const double xt = std::acosh(1.0 / std::sqrt(1e-3));
  EXPECT_NEAR(saturation_probability(t, 4.0, 1e-3), std::erfc(xt / std::sqrt(8.0)), 1e-13);
  EXPECT_EQ(saturation_probability(t, 0.0, 1e-3), 0.0);
  EXPECT_TRUE(std::isnan(saturation_probability(Activation::parse("relu"), 1.0, 1e-3)));
  // sigmoid' <= 1/4 everywhere: a threshold above 1/4 saturates everything.
  EXPECT_EQ(saturation_probability(Activation::parse("sigmoid"), 1.0, 0.3), 1.0);
}

}  // namespace
}  // namespace initcheck::propagation
