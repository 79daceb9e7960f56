// Target distributions: tails, inverses and moments, checked against Boost's
// normal distribution, numerical quadrature and the statistics note's table.
#include "initcheck/verify/distributions.h"

#include <gtest/gtest.h>

#include <boost/math/distributions/normal.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>
#include <memory>
#include <vector>

#include "initcheck/error.h"
#include "initcheck/verify/result.h"

namespace initcheck::verify {
namespace {

double rel(double a, double b) { return std::fabs(a / b - 1.0); }

TEST(Normal, TailsMatchBoostAndStayAccurateFarOut) {
  const Normal d(0.5, 2.0);
  const boost::math::normal_distribution<double> ref(0.5, 2.0);
  for (double x : {-30.0, -9.0, -3.0, -0.1, 0.5, 1.7, 5.0, 12.0, 20.5}) {
    EXPECT_LE(rel(d.cdf(x), boost::math::cdf(ref, x)), 5e-14) << x;
    // Boost's default policy evaluates in long double; ours in double.
    EXPECT_LE(rel(d.sf(x), boost::math::cdf(boost::math::complement(ref, x))),
              5e-14)
        << x;
    EXPECT_LE(rel(d.pdf(x), boost::math::pdf(ref, x)), 1e-14) << x;
  }
  // 9 sd above the mean: 1 - cdf would be 0; sf keeps Q(9) = 1.1286e-19.
  const Normal z(0, 1);
  EXPECT_NEAR(z.sf(9.0) / 1.1285884059538407e-19, 1.0, 1e-13);
  EXPECT_EQ(z.cdf(-kInf), 0.0);
  EXPECT_EQ(z.sf(kInf), 0.0);
  EXPECT_EQ(z.low(), -kInf);
  EXPECT_FALSE(z.bounded_below());
}

TEST(Normal, QuantilesInvertTails) {
  const Normal d(-1.0, 0.02);
  for (double p : {1e-300, 1e-12, 1e-3, 0.2, 0.5, 0.9}) {
    EXPECT_LE(rel(d.cdf(d.quantile(p)), p), 1e-12) << p;
    EXPECT_LE(rel(d.sf(d.isf(p)), p), 1e-12) << p;
  }
  EXPECT_EQ(d.quantile(0), -kInf);
  EXPECT_EQ(d.quantile(1), kInf);
  EXPECT_EQ(d.isf(0), kInf);
  EXPECT_TRUE(std::isnan(d.quantile(1.5)));
  // Known point: Phi^{-1}(0.975) = 1.959963984540054.
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-14);
  EXPECT_NEAR(normal_isf(0.025), 1.959963984540054, 1e-14);
}

TEST(Normal, MomentsAndDescription) {
  const Normal d(0.0, 0.02);
  EXPECT_EQ(d.mean(), 0.0);
  EXPECT_NEAR(d.variance(), 4e-4, 1e-18);
  EXPECT_NEAR(d.sd(), 0.02, 1e-17);
  EXPECT_EQ(d.excess_kurtosis(), 0.0);
  EXPECT_EQ(d.name(), "normal");
  EXPECT_EQ(d.description(), "normal(mean=0, sd=0.02)");
  EXPECT_THROW(Normal(0, 0), Error);
  EXPECT_THROW(Normal(0, -1), Error);
  EXPECT_THROW(Normal(kInf, 1), Error);
}

TEST(Uniform, Basics) {
  const Uniform d(-0.5, 1.5);
  EXPECT_EQ(d.cdf(-1), 0.0);
  EXPECT_EQ(d.sf(2), 0.0);
  EXPECT_DOUBLE_EQ(d.cdf(0.0), 0.25);
  EXPECT_DOUBLE_EQ(d.sf(1.0), 0.25);
  EXPECT_DOUBLE_EQ(d.quantile(0.25), 0.0);
  EXPECT_DOUBLE_EQ(d.isf(0.25), 1.0);
  EXPECT_DOUBLE_EQ(d.mean(), 0.5);
  EXPECT_DOUBLE_EQ(d.variance(), 4.0 / 12);
  // mu4 = (b-a)^4/80, so kappa = (1/80)/(1/144) - 3 = -1.2 (note §4.5).
  EXPECT_DOUBLE_EQ(d.excess_kurtosis(), 144.0 / 80 - 3);
  EXPECT_TRUE(d.bounded_below() && d.bounded_above());
  EXPECT_THROW(Uniform(1, 1), Error);
}

// Moments of a density on [lo, hi] by adaptive Gauss-Kronrod quadrature.
struct QuadMoments {
  double mass, mean, var, skew, kurt;
};
QuadMoments quad_moments(const Distribution& d) {
  using boost::math::quadrature::gauss_kronrod;
  // Integrate over the support, cut at +-40 sd of the parent for infinite
  // ends, in pieces so that narrow supports are resolved.
  const double lo = std::isfinite(d.low()) ? d.low() : d.mean() - 40 * d.sd();
  const double hi = std::isfinite(d.high()) ? d.high() : d.mean() + 40 * d.sd();
  auto integrate = [&](auto f) {
    double s = 0;
    const int pieces = 16;
    for (int i = 0; i < pieces; ++i) {
      const double a = lo + (hi - lo) * i / pieces;
      const double b = lo + (hi - lo) * (i + 1) / pieces;
      s += gauss_kronrod<double, 61>::integrate(f, a, b, 10, 1e-14);
    }
    return s;
  };
  QuadMoments m{};
  m.mass = integrate([&](double x) { return d.pdf(x); });
  m.mean = integrate([&](double x) { return x * d.pdf(x); });
  auto central = [&](int k) {
    return integrate(
        [&](double x) { return std::pow(x - m.mean, k) * d.pdf(x); });
  };
  m.var = central(2);
  m.skew = central(3) / std::pow(m.var, 1.5);
  m.kurt = central(4) / (m.var * m.var) - 3;
  return m;
}

// The closed-form moments of the truncated normal (Johnson, Kotz &
// Balakrishnan) against numerical quadrature of its density, over symmetric,
// asymmetric, one-sided, narrow and far-tail truncations.
TEST(TruncatedNormal, ClosedFormMomentsMatchQuadrature) {
  struct Case {
    double mu, sigma, a, b;
  };
  const std::vector<Case> cases = {
      {0, 1, -2, 2},     {0, 1, -1, 1},       {0, 0.02, -0.04, 0.04},
      {0, 1, -0.5, 2.5}, {1, 2, 0, kInf},     {0, 1, -kInf, -1},
      {0, 1, 3, 6},      {0, 1, -0.1, 0.05},  {0, 1, 1, 3},
      {0.3, 0.5, -2, 2}, {0, 1, -kInf, kInf}, {0, 1, -100, 100},
  };
  for (const Case& c : cases) {
    const TruncatedNormal d(c.mu, c.sigma, c.a, c.b);
    const QuadMoments q = quad_moments(d);
    SCOPED_TRACE(d.description());
    EXPECT_NEAR(q.mass, 1.0, 1e-12);
    EXPECT_NEAR(d.mean(), q.mean, 1e-11 * c.sigma);
    EXPECT_LE(rel(d.variance(), q.var), 1e-10);
    EXPECT_NEAR(d.skewness(), q.skew, 1e-8);
    EXPECT_NEAR(d.excess_kurtosis(), q.kurt, 1e-8);
  }
}

// Statistics note §4.5 table (symmetric truncation of N(0,1) at +-a).
TEST(TruncatedNormal, MatchesNoteTable) {
  struct Row {
    double a, var, kurt;
  };
  for (const Row& r : std::vector<Row>{{0.5, 0.0806, -1.1654},
                                       {1.0, 0.2911, -1.0591},
                                       {1.5, 0.5515, -0.8779},
                                       {2.0, 0.7737, -0.6345},
                                       {2.5, 0.9113, -0.3758},
                                       {3.0, 0.9733, -0.1711},
                                       {4.0, 0.9989, -0.0140}}) {
    const TruncatedNormal d(0, 1, -r.a, r.a);
    EXPECT_NEAR(d.variance(), r.var, 0.6e-4) << r.a;
    EXPECT_NEAR(d.excess_kurtosis(), r.kurt, 0.6e-4) << r.a;
    EXPECT_NEAR(d.mean(), 0.0, 1e-15);
  }
  // Scale: torch.nn.init.trunc_normal_(std=0.02, a=-0.04, b=0.04) is +-2 sd.
  const TruncatedNormal t(0, 0.02, -0.04, 0.04);
  EXPECT_NEAR(t.variance() / 4e-4, 0.7737, 0.6e-4);
}

TEST(TruncatedNormal, CdfMatchesQuadratureOfPdfInBothTails) {
  using boost::math::quadrature::gauss_kronrod;
  for (const TruncatedNormal& d :
       {TruncatedNormal(0, 1, -2, 2), TruncatedNormal(0, 1, 3, 6),
        TruncatedNormal(0, 1, -6, -3), TruncatedNormal(0.1, 0.3, -1, 0.2)}) {
    SCOPED_TRACE(d.description());
    const double a = d.low(), b = d.high();
    for (double f : {1e-9, 1e-4, 0.1, 0.5, 0.9, 1 - 1e-4, 1 - 1e-9}) {
      const double x = a + f * (b - a);
      auto pdf = [&](double y) { return d.pdf(y); };
      const double lower =
          gauss_kronrod<double, 61>::integrate(pdf, a, x, 12, 1e-15);
      const double upper =
          gauss_kronrod<double, 61>::integrate(pdf, x, b, 12, 1e-15);
      EXPECT_LE(rel(d.cdf(x), lower), 1e-12) << f;
      EXPECT_LE(rel(d.sf(x), upper), 1e-12) << f;
    }
    EXPECT_EQ(d.cdf(a), 0.0);
    EXPECT_EQ(d.sf(b), 0.0);
    EXPECT_EQ(d.cdf(a - 1), 0.0);
    EXPECT_EQ(d.cdf(b + 1), 1.0);
  }
}

TEST(TruncatedNormal, QuantilesInvertInBothTails) {
  for (const TruncatedNormal& d :
       {TruncatedNormal(0, 1, -2, 2), TruncatedNormal(0, 1, 3, 6),
        TruncatedNormal(0, 1, -6, -3), TruncatedNormal(0, 1, -kInf, 0.5),
        TruncatedNormal(0, 1, -0.5, kInf)}) {
    SCOPED_TRACE(d.description());
    // Near a bound x itself is quantized: cdf(quantile(p)) can only be
    // within ~pdf(x) ulp(x) of p, which dominates for tiny p.
    for (double p : {1e-12, 1e-6, 0.01, 0.3, 0.5, 0.8}) {
      const double xq = d.quantile(p), xs = d.isf(p);
      const double tol_q =
          1e-12 * p + 2 * d.pdf(xq) * std::fabs(std::nextafter(xq, kInf) - xq);
      const double tol_s =
          1e-12 * p + 2 * d.pdf(xs) * std::fabs(std::nextafter(xs, kInf) - xs);
      EXPECT_NEAR(d.cdf(xq), p, tol_q) << p;
      EXPECT_NEAR(d.sf(xs), p, tol_s) << p;
    }
    EXPECT_EQ(d.quantile(0), d.low());
    EXPECT_EQ(d.quantile(1), d.high());
  }
}

TEST(TruncatedNormal, RejectsBadParameters) {
  EXPECT_THROW(TruncatedNormal(0, 1, 2, -2), Error);
  EXPECT_THROW(TruncatedNormal(0, 0, -2, 2), Error);
  EXPECT_THROW(TruncatedNormal(0, 1, 60, 70), Error);  // mass underflows
}

// The batch cdf_sf equals the scalar functions for every implementation.
TEST(Distribution, BatchMatchesScalar) {
  std::vector<std::unique_ptr<Distribution>> ds;
  ds.push_back(std::make_unique<Normal>(0.1, 0.3));
  ds.push_back(std::make_unique<Uniform>(-1, 2));
  ds.push_back(std::make_unique<TruncatedNormal>(0, 1, -2, 1));
  const std::vector<double> x = {-5, -2, -1.5, -0.3, 0, 0.2, 1, 1.9, 2, 7};
  for (const auto& d : ds) {
    std::vector<double> c(x.size()), s(x.size());
    d->cdf_sf(x, c, s);
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_NEAR(c[i], d->cdf(x[i]), 1e-15) << d->name() << " " << x[i];
      EXPECT_NEAR(s[i], d->sf(x[i]), 1e-15) << d->name() << " " << x[i];
      EXPECT_EQ(c[i], d->cdf(x[i]))
          << d->name() << " " << x[i];  // bit-identical
      EXPECT_EQ(s[i], d->sf(x[i])) << d->name() << " " << x[i];
    }
    auto copy = d->clone();
    EXPECT_EQ(copy->description(), d->description());
  }
}

}  // namespace
}  // namespace initcheck::verify
