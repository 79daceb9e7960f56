#include "initcheck/verify/moments.h"

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/special_functions/erf.hpp>
#include <cmath>

namespace initcheck::verify {
namespace {

constexpr size_t kBlock = 1024;

template <typename T>
Moments moments_impl(std::span<const T> x) {
  Moments m;
  const size_t n_all = x.size();
  // Pass 1: count, NaNs, min, max, sum.
  long double sum = 0;
  int64_t count = 0;
  double lo = kInf, hi = -kInf;
  for (size_t b = 0; b < n_all; b += kBlock) {
    const size_t e = std::min(n_all, b + kBlock);
    double acc[4] = {0, 0, 0, 0};
    for (size_t i = b; i < e; ++i) {
      const double v = static_cast<double>(x[i]);
      if (std::isnan(v)) {
        ++m.n_nan;
        continue;
      }
      ++count;
      acc[i & 3] += v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    sum += static_cast<long double>(acc[0]) + acc[1] + acc[2] + acc[3];
  }
  m.n = count;
  if (count == 0) return m;
  m.min = lo;
  m.max = hi;
  const double mean = static_cast<double>(sum / count);
  // Pass 2: central sums.
  long double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
  for (size_t b = 0; b < n_all; b += kBlock) {
    const size_t e = std::min(n_all, b + kBlock);
    double a1 = 0, a2 = 0, a3 = 0, a4 = 0;
    for (size_t i = b; i < e; ++i) {
      const double v = static_cast<double>(x[i]);
      if (std::isnan(v)) continue;
      const double d = v - mean;
      const double d2 = d * d;
      a1 += d;
      a2 += d2;
      a3 += d2 * d;
      a4 += d2 * d2;
    }
    s1 += a1;
    s2 += a2;
    s3 += a3;
    s4 += a4;
  }
  const long double nn = count;
  // Correct for the rounding of the mean: with c = s1/n the exact central
  // sums about mean + c follow by the binomial shift.
  const long double c = s1 / nn;
  const long double c2 = c * c;
  const long double t2 = s2 - nn * c2;
  const long double t3 = s3 - 3 * c * s2 + 2 * nn * c2 * c;
  const long double t4 = s4 - 4 * c * s3 + 6 * c2 * s2 - 3 * nn * c2 * c2;
  m.mean = static_cast<double>(static_cast<long double>(mean) + c);
  if (count >= 2) m.variance = static_cast<double>(t2 / (nn - 1));
  if (count >= 2 && t2 > 0) {
    const long double m2 = t2 / nn;
    m.skewness = static_cast<double>((t3 / nn) / std::pow(m2, 1.5L));
    m.excess_kurtosis = static_cast<double>((t4 / nn) / (m2 * m2) - 3);
  }
  return m;
}

}  // namespace

Moments compute_moments(std::span<const double> x) { return moments_impl(x); }
Moments compute_moments(std::span<const float> x) { return moments_impl(x); }

double two_sided_normal_pvalue(double z) {
  if (std::isnan(z)) return z;
  return std::min(1.0, boost::math::erfc(std::fabs(z) / std::sqrt(2.0)));
}

double sample_variance_variance(int64_t n, double variance,
                                double excess_kurtosis) {
  const double nn = static_cast<double>(n);
  return variance * variance * (2.0 / (nn - 1) + excess_kurtosis / nn);
}

TestResult mean_test(const Moments& m, double target_mean, double target_sd,
                     double target_skewness, bool exact_normal) {
  TestResult r;
  r.name = "mean";
  r.n = m.n;
  if (m.n < 2) {
    r.reliable = false;
    r.note = "too few values";
    return r;
  }
  const double nn = static_cast<double>(m.n);
  const double z = (m.mean - target_mean) * std::sqrt(nn) / target_sd;
  r.statistic = z;
  r.p_value = two_sided_normal_pvalue(z);
  r.reliable = exact_normal || (m.n >= kMinMeanTestN &&
                                 nn >= 35000.0 * target_skewness * target_skewness);
  const double shift = (m.mean - target_mean) / target_sd;
  r.details = {
      {"mean", m.mean}, {"target_mean", target_mean}, {"shift_in_sd", shift}};
  r.note = format("mean %.6g vs target %.6g (%+.3g sd, z=%.3g)", m.mean,
                  target_mean, shift, z);
  return r;
}

TestResult mean_test(const Moments& m, const Distribution& target) {
  return mean_test(m, target.mean(), target.sd(), target.skewness());
}

TestResult variance_test(const Moments& m, double target_variance,
                         double target_excess_kurtosis) {
  TestResult r;
  r.name = "variance";
  r.n = m.n;
  if (m.n < 3) {
    r.reliable = false;
    r.note = "too few values";
    return r;
  }
  const double var_s2 =
      sample_variance_variance(m.n, target_variance, target_excess_kurtosis);
  const double se = std::sqrt(var_s2);
  const double z = (m.variance - target_variance) / se;
  r.statistic = z;
  r.p_value = two_sided_normal_pvalue(z);
  r.reliable = m.n >= kMinVarianceTestN;
  const double ratio = m.variance / target_variance;
  r.details = {{"variance", m.variance},
               {"target_variance", target_variance},
               {"ratio", ratio},
               {"se_ratio", se / target_variance}};
  r.note = format("variance %.5gx target (z=%.3g)", ratio, z);
  return r;
}

TestResult variance_chi_square_test(const Moments& m, double target_variance) {
  TestResult r;
  r.name = "variance";
  r.n = m.n;
  if (m.n < 2 || !(target_variance > 0)) {
    r.reliable = false;
    r.note = "too few values";
    return r;
  }
  const double dof = static_cast<double>(m.n - 1);
  const double q = dof * m.variance / target_variance;
  const boost::math::chi_squared chi(dof);
  double lo, hi;
  if (!(q > 0)) {
    lo = 0.0;  // all values equal: impossible for a continuous law
    hi = 1.0;
  } else {
    try {
      lo = boost::math::cdf(chi, q);
    } catch (const std::exception&) {
      // Far in the lower tail Boost's series overflows (tgamma of dof/2 in
      // long double); there P(chi2 <= q) = gamma(a, x) / Gamma(a) <=
      // x^a / Gamma(a + 1), a = dof/2, x = q/2 (e^-t <= 1): an upper bound.
      const double a = 0.5 * dof, xx = 0.5 * q;
      lo = std::min(1.0, std::exp(a * std::log(xx) - std::lgamma(a + 1)));
    }
    hi = boost::math::cdf(boost::math::complement(chi, q));
  }
  r.statistic = q;
  r.dof = dof;
  r.p_value = std::min(1.0, 2.0 * std::min(lo, hi));
  r.reliable = true;
  const double ratio = m.variance / target_variance;
  r.details = {{"variance", m.variance},
               {"target_variance", target_variance},
               {"ratio", ratio},
               {"se_ratio", std::sqrt(2.0 / dof)}};
  r.note = format("variance %.5gx target (chi^2 = %.4g on %lld dof, exact)",
                  ratio, q, static_cast<long long>(m.n - 1));
  return r;
}

TestResult variance_test(const Moments& m, const Distribution& target) {
  return variance_test(m, target.variance(), target.excess_kurtosis());
}

}  // namespace initcheck::verify
