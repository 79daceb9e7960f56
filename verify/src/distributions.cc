#include "initcheck/verify/distributions.h"

#include <algorithm>
#include <boost/math/special_functions/erf.hpp>
#include <cmath>
#include <limits>

#include "initcheck/error.h"
#include "initcheck/verify/result.h"

namespace initcheck::verify {
namespace {

// Boost's default policy promotes double to long double inside erfc (5x
// slower, measured); the double path is accurate to a few ulp.
using NoPromote =
    boost::math::policies::policy<boost::math::policies::promote_double<false>>;

constexpr double kSqrt2 = 1.41421356237309504880;
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

double phi(double z) {
  if (std::isinf(z)) return 0.0;
  return kInvSqrt2Pi * std::exp(-0.5 * z * z);
}

// Phi(lo + h) - Phi(lo) for small h > 0 by the midpoint rule with its error
// series: with m = lo + h/2,
//   int_lo^hi phi = h phi(m) [1 + (m^2-1) h^2/24 + (m^4-6m^2+3) h^4/1920],
// the next term being h^6 (m^6-15m^4+45m^2-15)/322560 relative; used when
// h (1 + |m|) <= 0.01, where that is < 1e-17. Differences of tail
// probabilities would lose digits there (relative error eps Phi(lo) /
// (h phi(lo))). The caller passes h computed from the raw values, e.g.
// (x - a)/sd, not as a difference of standardized values (which would carry
// an absolute error of ~ulp(alpha)).
bool close_pair(double lo, double h) {
  return std::isfinite(lo) && std::isfinite(h) &&
         h * (1.0 + std::fabs(lo + 0.5 * h)) <= 0.01;
}
double close_mass(double lo, double h) {
  const double m = lo + 0.5 * h;
  const double m2 = m * m, h2 = h * h;
  return h * phi(m) *
         (1.0 + (m2 - 1.0) * h2 / 24.0 +
          (m2 * m2 - 6.0 * m2 + 3.0) * h2 * h2 / 1920.0);
}

void check_finite(double v, const char* what) {
  if (!std::isfinite(v))
    throw Error(format("%s must be finite, got %g", what, v));
}

}  // namespace

double normal_cdf(double z) {
  if (std::isnan(z)) return z;
  return 0.5 * boost::math::erfc(-z * kInvSqrt2, NoPromote());
}

double normal_sf(double z) {
  if (std::isnan(z)) return z;
  return 0.5 * boost::math::erfc(z * kInvSqrt2, NoPromote());
}

double normal_quantile(double p) {
  if (std::isnan(p) || p < 0.0 || p > 1.0) return kNaN;
  if (p == 0.0) return -kInf;
  if (p == 1.0) return kInf;
  if (p <= 0.5) return -kSqrt2 * boost::math::erfc_inv(2.0 * p, NoPromote());
  return kSqrt2 * boost::math::erfc_inv(2.0 * (1.0 - p), NoPromote());
}

double normal_isf(double q) {
  if (std::isnan(q) || q < 0.0 || q > 1.0) return kNaN;
  if (q == 0.0) return kInf;
  if (q == 1.0) return -kInf;
  if (q <= 0.5) return kSqrt2 * boost::math::erfc_inv(2.0 * q, NoPromote());
  return -kSqrt2 * boost::math::erfc_inv(2.0 * (1.0 - q), NoPromote());
}

// ---------------------------------------------------------------- Distribution

double Distribution::sd() const { return std::sqrt(variance()); }
bool Distribution::bounded_below() const { return std::isfinite(low()); }
bool Distribution::bounded_above() const { return std::isfinite(high()); }

void Distribution::cdf_sf(std::span<const double> x, std::span<double> cdf,
                          std::span<double> sf) const {
  if (cdf.size() != x.size() || sf.size() != x.size()) {
    throw Error("Distribution::cdf_sf: spans of different sizes");
  }
  for (size_t i = 0; i < x.size(); ++i) {
    cdf[i] = this->cdf(x[i]);
    sf[i] = this->sf(x[i]);
  }
}

// ---------------------------------------------------------------------- Normal

Normal::Normal(double mean, double sd) : mean_(mean), sd_(sd) {
  check_finite(mean, "normal mean");
  check_finite(sd, "normal sd");
  if (!(sd > 0.0)) throw Error(format("normal sd must be > 0, got %g", sd));
}

double Normal::pdf(double x) const { return phi((x - mean_) / sd_) / sd_; }
double Normal::cdf(double x) const { return normal_cdf((x - mean_) / sd_); }
double Normal::sf(double x) const { return normal_sf((x - mean_) / sd_); }
double Normal::quantile(double p) const {
  return mean_ + sd_ * normal_quantile(p);
}
double Normal::isf(double q) const { return mean_ + sd_ * normal_isf(q); }
double Normal::low() const { return -kInf; }
double Normal::high() const { return kInf; }

std::string Normal::description() const {
  return format("normal(mean=%.17g, sd=%.17g)", mean_, sd_);
}

void Normal::cdf_sf(std::span<const double> x, std::span<double> cdf,
                    std::span<double> sf) const {
  if (cdf.size() != x.size() || sf.size() != x.size()) {
    throw Error("Normal::cdf_sf: spans of different sizes");
  }
  const double mean = mean_, sd = sd_;  // locals: the outputs may alias *this
  const size_t n = x.size();
  for (size_t i = 0; i < n; ++i) {
    // Same rounding as the scalar cdf/sf (bit-identical results).
    const double w = ((x[i] - mean) / sd) * kInvSqrt2;
    if (std::isnan(w)) {
      cdf[i] = sf[i] = w;
      continue;
    }
    // One erfc per point: the smaller tail directly, the other as 1 - it.
    const double t = 0.5 * boost::math::erfc(std::fabs(w), NoPromote());
    if (w < 0) {
      cdf[i] = t;
      sf[i] = 1.0 - t;
    } else {
      sf[i] = t;
      cdf[i] = 1.0 - t;
    }
  }
}

std::unique_ptr<Distribution> Normal::clone() const {
  return std::make_unique<Normal>(*this);
}

// --------------------------------------------------------------------- Uniform

Uniform::Uniform(double a, double b) : a_(a), b_(b) {
  check_finite(a, "uniform low bound");
  check_finite(b, "uniform high bound");
  if (!(a < b)) throw Error(format("uniform needs a < b, got [%g, %g]", a, b));
}

double Uniform::pdf(double x) const {
  return (x >= a_ && x <= b_) ? 1.0 / (b_ - a_) : 0.0;
}
double Uniform::cdf(double x) const {
  if (std::isnan(x)) return x;
  if (x <= a_) return 0.0;
  if (x >= b_) return 1.0;
  return (x - a_) / (b_ - a_);
}
double Uniform::sf(double x) const {
  if (std::isnan(x)) return x;
  if (x <= a_) return 1.0;
  if (x >= b_) return 0.0;
  return (b_ - x) / (b_ - a_);
}
double Uniform::quantile(double p) const {
  if (std::isnan(p) || p < 0.0 || p > 1.0) return kNaN;
  if (p <= 0.5) return a_ + p * (b_ - a_);
  return b_ - (1.0 - p) * (b_ - a_);
}
double Uniform::isf(double q) const {
  if (std::isnan(q) || q < 0.0 || q > 1.0) return kNaN;
  if (q <= 0.5) return b_ - q * (b_ - a_);
  return a_ + (1.0 - q) * (b_ - a_);
}
double Uniform::mean() const { return 0.5 * (a_ + b_); }
double Uniform::variance() const { return (b_ - a_) * (b_ - a_) / 12.0; }

std::string Uniform::description() const {
  return format("uniform(a=%.17g, b=%.17g)", a_, b_);
}

void Uniform::cdf_sf(std::span<const double> x, std::span<double> cdf,
                     std::span<double> sf) const {
  if (cdf.size() != x.size() || sf.size() != x.size()) {
    throw Error("Uniform::cdf_sf: spans of different sizes");
  }
  for (size_t i = 0; i < x.size(); ++i) {
    cdf[i] = this->cdf(x[i]);
    sf[i] = this->sf(x[i]);
  }
}

std::unique_ptr<Distribution> Uniform::clone() const {
  return std::make_unique<Uniform>(*this);
}

// ------------------------------------------------------------- TruncatedNormal

TruncatedNormal::TruncatedNormal(double mean, double sd, double a, double b)
    : mu_(mean), sigma_(sd), a_(a), b_(b) {
  check_finite(mean, "truncated normal mean");
  check_finite(sd, "truncated normal sd");
  if (!(sd > 0.0)) {
    throw Error(format("truncated normal sd must be > 0, got %g", sd));
  }
  if (std::isnan(a) || std::isnan(b) || !(a < b)) {
    throw Error(
        format("truncated normal needs bounds a < b, got [%g, %g]", a, b));
  }
  alpha_ = (a - mu_) / sigma_;
  beta_ = (b - mu_) / sigma_;
  phi_lo_a_ = normal_cdf(alpha_);
  q_a_ = normal_sf(alpha_);
  phi_lo_b_ = normal_cdf(beta_);
  q_b_ = normal_sf(beta_);
  // Z = Phi(beta) - Phi(alpha) from the tail that avoids cancellation.
  const double width = (b - a) / sigma_;
  if (close_pair(alpha_, width)) {
    z_ = close_mass(alpha_, width);
  } else if (alpha_ >= 0) {
    z_ = q_a_ - q_b_;
  } else if (beta_ <= 0) {
    z_ = phi_lo_b_ - phi_lo_a_;
  } else {
    z_ = 1.0 - phi_lo_a_ - q_b_;
  }
  if (!(z_ > 1e-300)) {
    throw Error(format(
        "truncated normal: [%g, %g] has probability %g under normal(%g, %g)", a,
        b, z_, mean, sd));
  }

  // Moments by the recurrence documented in the header, in long double.
  using LD = long double;
  const LD z = z_;
  const LD m = (LD(phi(alpha_)) - LD(phi(beta_))) / z;
  // Boundary terms ((alpha-m)^{k-1} phi(alpha) - (beta-m)^{k-1} phi(beta))/Z;
  // an infinite bound contributes 0.
  auto boundary = [&](int k) {
    LD lo = 0, hi = 0;
    if (!std::isinf(alpha_))
      lo = std::pow(LD(alpha_) - m, k - 1) * LD(phi(alpha_));
    if (!std::isinf(beta_))
      hi = std::pow(LD(beta_) - m, k - 1) * LD(phi(beta_));
    return (lo - hi) / z;
  };
  // M_k = (k-1) M_{k-2} - m M_{k-1} + boundary(k), with M_0 = 1, M_1 = 0.
  const LD m2 = 1 + boundary(2);
  const LD m3 = -m * m2 + boundary(3);
  const LD m4 = 3 * m2 - m * m3 + boundary(4);
  mean_out_ = static_cast<double>(LD(mu_) + LD(sigma_) * m);
  var_out_ = static_cast<double>(LD(sigma_) * LD(sigma_) * m2);
  skew_ = static_cast<double>(m3 / std::pow(m2, LD(1.5)));
  kurt_ = static_cast<double>(m4 / (m2 * m2) - 3);
}

void TruncatedNormal::tails(double x, double* cdf, double* sf) const {
  if (std::isnan(x)) {
    *cdf = *sf = x;
    return;
  }
  if (x <= a_) {
    *cdf = 0.0;
    *sf = 1.0;
    return;
  }
  if (x >= b_) {
    *cdf = 1.0;
    *sf = 0.0;
    return;
  }
  const double xi = (x - mu_) / sigma_;
  // One erfc: Phi(xi) and Q(xi), the smaller one directly.
  const double t =
      0.5 * boost::math::erfc(std::fabs(xi) * kInvSqrt2, NoPromote());
  const double phi_lo = xi < 0 ? t : 1.0 - t;
  const double q = xi < 0 ? 1.0 - t : t;
  // L = Phi(xi) - Phi(alpha), U = Phi(beta) - Phi(xi), each from the tail in
  // which both terms are small (no cancellation of nearly equal numbers).
  // Next to a bound, the midpoint series instead (close_mass).
  const double h_lo = (x - a_) / sigma_;
  const double h_hi = (b_ - x) / sigma_;
  const double lower = close_pair(alpha_, h_lo) ? close_mass(alpha_, h_lo)
                       : alpha_ >= 0            ? q_a_ - q
                                                : phi_lo - phi_lo_a_;
  const double upper = close_pair(beta_ - h_hi, h_hi)
                           ? close_mass(beta_ - h_hi, h_hi)
                       : beta_ <= 0 ? phi_lo_b_ - phi_lo
                                    : q - q_b_;
  *cdf = std::clamp(lower / z_, 0.0, 1.0);
  *sf = std::clamp(upper / z_, 0.0, 1.0);
}

double TruncatedNormal::pdf(double x) const {
  if (!(x >= a_ && x <= b_)) return 0.0;
  return phi((x - mu_) / sigma_) / (sigma_ * z_);
}

double TruncatedNormal::cdf(double x) const {
  double c, s;
  tails(x, &c, &s);
  return c;
}

double TruncatedNormal::sf(double x) const {
  double c, s;
  tails(x, &c, &s);
  return s;
}

double TruncatedNormal::quantile(double p) const {
  if (std::isnan(p) || p < 0.0 || p > 1.0) return kNaN;
  if (p == 0.0) return a_;
  if (p == 1.0) return b_;
  // Target Phi(x) = Phi(alpha) + p Z when that is a lower-tail probability
  // (<= 1/2), otherwise Q(x) = Q(beta) + (1 - p) Z.
  const double target_lo = phi_lo_a_ + p * z_;
  double xi;
  if (target_lo <= 0.5) {
    xi = normal_quantile(target_lo);
  } else {
    xi = normal_isf(q_b_ + (1.0 - p) * z_);
  }
  return polish(std::clamp(mu_ + sigma_ * xi, a_, b_), p, /*upper=*/false);
}

// One Newton step on the accurate tail: Phi(alpha) + p Z rounds to
// ulp(Phi(alpha)), which near a bound is a large relative error in p; tails()
// does not have that problem.
double TruncatedNormal::polish(double x, double prob, bool upper) const {
  if (!(x > a_ && x < b_)) return x;
  double c, s;
  tails(x, &c, &s);
  const double density = pdf(x);
  if (!(density > 0)) return x;
  const double step = upper ? (s - prob) / density : (prob - c) / density;
  return std::clamp(x + step, a_, b_);
}

double TruncatedNormal::isf(double q) const {
  if (std::isnan(q) || q < 0.0 || q > 1.0) return kNaN;
  if (q == 0.0) return b_;
  if (q == 1.0) return a_;
  const double target_hi = q_b_ + q * z_;
  double xi;
  if (target_hi <= 0.5) {
    xi = normal_isf(target_hi);
  } else {
    xi = normal_quantile(phi_lo_a_ + (1.0 - q) * z_);
  }
  return polish(std::clamp(mu_ + sigma_ * xi, a_, b_), q, /*upper=*/true);
}

std::string TruncatedNormal::description() const {
  return format("truncated_normal(mean=%.17g, sd=%.17g, a=%.17g, b=%.17g)", mu_,
                sigma_, a_, b_);
}

void TruncatedNormal::cdf_sf(std::span<const double> x, std::span<double> cdf,
                             std::span<double> sf) const {
  if (cdf.size() != x.size() || sf.size() != x.size()) {
    throw Error("TruncatedNormal::cdf_sf: spans of different sizes");
  }
  for (size_t i = 0; i < x.size(); ++i) tails(x[i], &cdf[i], &sf[i]);
}

std::unique_ptr<Distribution> TruncatedNormal::clone() const {
  return std::make_unique<TruncatedNormal>(*this);
}

}  // namespace initcheck::verify
