// File: initcheck/verify/distributions.h
//
// Fully specified continuous target distributions for goodness-of-fit tests.
//
// A Distribution answers, for the null hypothesis "the values are iid draws
// from this law": cdf, sf = 1 - cdf (computed directly, so it keeps full
// relative accuracy in the upper tail), their inverses, the first four
// moments, and the support. All functions are thread-safe and never throw for
// a valid object; constructors throw initcheck::Error on bad parameters.
//
// Implementations:
//   Normal(mean, sd)
//   Uniform(a, b)
//   TruncatedNormal(mean, sd, a, b)   the normal(mean, sd) law conditioned on
//       a <= X <= b; a and b are ABSOLUTE bounds (as in
//       torch.nn.init.trunc_normal_), either may be infinite.
//
// Numerics: the normal tail functions use boost::math::erfc / erfc_inv
// (without promotion to long double, which is 5x slower and not needed: the
// double versions are accurate to a few ulp). The truncated normal evaluates
// every difference of normal probabilities from whichever tail avoids
// cancellation (the statistics note, §4.1), and its moments come from closed
// forms (see TruncatedNormal).
#ifndef INITCHECK_VERIFY_DISTRIBUTIONS_H_
#define INITCHECK_VERIFY_DISTRIBUTIONS_H_

#include <memory>
#include <span>
#include <string>

namespace initcheck::verify {

class Distribution {
 public:
  virtual ~Distribution() = default;

  virtual double pdf(double x) const = 0;
  // P(X <= x). 0 below the support, 1 above it.
  virtual double cdf(double x) const = 0;
  // P(X > x), computed directly (not as 1 - cdf).
  virtual double sf(double x) const = 0;
  // Inverse cdf: the x with cdf(x) = p, p in [0, 1]; quantile(0) = low(),
  // quantile(1) = high(). Accurate relative to p for small p.
  virtual double quantile(double p) const = 0;
  // Inverse sf: the x with sf(x) = q, q in [0, 1]. Accurate relative to q for
  // small q (use it for upper quantiles instead of quantile(1 - q)).
  virtual double isf(double q) const = 0;

  virtual double mean() const = 0;
  virtual double variance() const = 0;
  double sd() const;
  virtual double skewness() const = 0;
  // mu4 / sigma^4 - 3 (0 for a normal, -1.2 for a uniform).
  virtual double excess_kurtosis() const = 0;

  // Support [low, high]; -inf / +inf when unbounded.
  virtual double low() const = 0;
  virtual double high() const = 0;
  bool bounded_below() const;
  bool bounded_above() const;

  // "normal", "uniform", "truncated_normal".
  virtual std::string name() const = 0;
  // "normal(mean=0, sd=0.02)"; round-trips the parameters (%.17g).
  virtual std::string description() const = 0;

  // Both tails for many points at once: cdf[i] = cdf(x[i]), sf[i] = sf(x[i]),
  // each with full relative accuracy (one tail evaluation per point where the
  // implementation allows). The spans must have equal sizes. The default calls
  // cdf() and sf(); implementations override it for speed.
  virtual void cdf_sf(std::span<const double> x, std::span<double> cdf,
                      std::span<double> sf) const;

  virtual std::unique_ptr<Distribution> clone() const = 0;
};

class Normal final : public Distribution {
 public:
  Normal(double mean, double sd);  // sd > 0, both finite

  double pdf(double x) const override;
  double cdf(double x) const override;
  double sf(double x) const override;
  double quantile(double p) const override;
  double isf(double q) const override;
  double mean() const override { return mean_; }
  double variance() const override { return sd_ * sd_; }
  double skewness() const override { return 0.0; }
  double excess_kurtosis() const override { return 0.0; }
  double low() const override;
  double high() const override;
  std::string name() const override { return "normal"; }
  std::string description() const override;
  void cdf_sf(std::span<const double> x, std::span<double> cdf,
              std::span<double> sf) const override;
  std::unique_ptr<Distribution> clone() const override;

 private:
  double mean_;
  double sd_;
};

class Uniform final : public Distribution {
 public:
  Uniform(double a, double b);  // a < b, both finite

  double pdf(double x) const override;
  double cdf(double x) const override;
  double sf(double x) const override;
  double quantile(double p) const override;
  double isf(double q) const override;
  double mean() const override;
  double variance() const override;
  double skewness() const override { return 0.0; }
  double excess_kurtosis() const override { return -1.2; }
  double low() const override { return a_; }
  double high() const override { return b_; }
  std::string name() const override { return "uniform"; }
  std::string description() const override;
  void cdf_sf(std::span<const double> x, std::span<double> cdf,
              std::span<double> sf) const override;
  std::unique_ptr<Distribution> clone() const override;

 private:
  double a_;
  double b_;
};

// Normal(mean, sd) conditioned on a <= X <= b (absolute bounds, a < b, either
// may be infinite; the interval must carry probability > 1e-300 under the
// parent normal).
//
// With alpha = (a - mean)/sd, beta = (b - mean)/sd, Z = Phi(beta) - Phi(alpha)
// and phi the standard normal density, the standardized moments follow from
// integrating by parts with phi'(x) = -x phi(x) (Johnson, Kotz & Balakrishnan,
// "Continuous Univariate Distributions", vol. 1, 2nd ed., Wiley 1994, ch. 13,
// the section on truncated normal distributions, which gives E[Y] and Var[Y]
// and the moment recurrence; the central-moment form below is the same
// recurrence written about the mean):
//   E[Y]   = (phi(alpha) - phi(beta)) / Z
//   and for the central moments M_k = E[(Y - m)^k] (M_0 = 1, M_1 = 0):
//   M_k    = (k-1) M_{k-2} - m M_{k-1}
//            + ((alpha-m)^{k-1} phi(alpha) - (beta-m)^{k-1} phi(beta)) / Z,
// which gives the variance M_2, the skewness M_3 / M_2^1.5 and the excess
// kurtosis M_4 / M_2^2 - 3 without forming raw moments (less cancellation).
// For +-2 sd: variance 0.7737 sd^2, excess kurtosis -0.6345 (statistics note
// §4.5); a test checks these against Boost quadrature.
class TruncatedNormal final : public Distribution {
 public:
  TruncatedNormal(double mean, double sd, double a, double b);

  double pdf(double x) const override;
  double cdf(double x) const override;
  double sf(double x) const override;
  double quantile(double p) const override;
  double isf(double q) const override;
  double mean() const override { return mean_out_; }
  double variance() const override { return var_out_; }
  double skewness() const override { return skew_; }
  double excess_kurtosis() const override { return kurt_; }
  double low() const override { return a_; }
  double high() const override { return b_; }
  std::string name() const override { return "truncated_normal"; }
  std::string description() const override;
  void cdf_sf(std::span<const double> x, std::span<double> cdf,
              std::span<double> sf) const override;
  std::unique_ptr<Distribution> clone() const override;

  // Parameters of the parent normal.
  double parent_mean() const { return mu_; }
  double parent_sd() const { return sigma_; }
  // Probability of [a, b] under the parent normal.
  double mass() const { return z_; }

 private:
  void tails(double x, double* cdf, double* sf) const;
  double polish(double x, double prob, bool upper) const;

  double mu_, sigma_, a_, b_;
  double alpha_, beta_;
  // Phi and Q = 1 - Phi of alpha and beta, each accurate in its own tail.
  double phi_lo_a_, q_a_, phi_lo_b_, q_b_;
  double z_;
  double mean_out_, var_out_, skew_, kurt_;
};

// Standard normal tail functions used throughout (Boost erfc, no promotion).
// normal_cdf(z) = Phi(z), normal_sf(z) = 1 - Phi(z), both relative-accurate.
double normal_cdf(double z);
double normal_sf(double z);
// Phi^{-1}(p) and the inverse of the upper tail, accurate for small p / q.
double normal_quantile(double p);
double normal_isf(double q);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_DISTRIBUTIONS_H_
