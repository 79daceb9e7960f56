#include "initcheck/verify/support.h"

#include <algorithm>
#include <cmath>

namespace initcheck::verify {
namespace {

// Two-sided p-value of a Beta(1, n) minimum at u: 2 min(P(<= u), P(>= u)).
double two_sided_min(int64_t n, double u) {
  return std::min(1.0,
                  2.0 * std::min(min_uniform_cdf(n, u), min_uniform_sf(n, u)));
}

}  // namespace

double min_uniform_sf(int64_t n, double u) {
  if (std::isnan(u)) return u;
  if (u <= 0) return 1.0;
  if (u >= 1) return 0.0;
  return std::exp(static_cast<double>(n) * std::log1p(-u));
}

double min_uniform_cdf(int64_t n, double u) {
  if (std::isnan(u)) return u;
  if (u <= 0) return 0.0;
  if (u >= 1) return 1.0;
  return -std::expm1(static_cast<double>(n) * std::log1p(-u));
}

TestResult out_of_support_test(const GofInput& in, const Distribution& target) {
  return out_of_support_test(summarize_gof(in), target);
}
TestResult extremes_test(const GofInput& in) {
  return extremes_test(summarize_gof(in));
}
TestResult max_abs_deviation_test(const GofInput& in,
                                  const Distribution& target) {
  return max_abs_deviation_test(summarize_gof(in), target);
}
TestResult support_test(const GofInput& in, const Distribution& target) {
  return support_test(summarize_gof(in), target);
}

TestResult out_of_support_test(const GofSummary& in, const Distribution& target) {
  TestResult r;
  r.name = "out_of_support";
  r.n = in.size() + in.n_nan;
  const int64_t bad = in.n_outside() + in.n_nan;
  r.statistic = static_cast<double>(bad);
  r.p_value = bad > 0 ? 0.0 : 1.0;
  r.details = {{"n_below", static_cast<double>(in.n_below)},
               {"n_above", static_cast<double>(in.n_above)},
               {"n_nan", static_cast<double>(in.n_nan)}};
  if (bad == 0) {
    r.note = format("all values in [%.6g, %.6g]", target.low(), target.high());
  } else {
    r.note = format("%lld below and %lld above [%.6g, %.6g], %lld NaN",
                    static_cast<long long>(in.n_below),
                    static_cast<long long>(in.n_above), target.low(),
                    target.high(), static_cast<long long>(in.n_nan));
  }
  return r;
}

TestResult extremes_test(const GofSummary& in) {
  TestResult r;
  r.name = "extremes";
  r.n = in.size();
  if (r.n == 0) {
    r.note = "no values";
    return r;
  }
  const double u = in.u_min;  // F(min)
  const double s = in.s_max;  // 1 - F(max)
  const double p_min = two_sided_min(r.n, u);
  const double p_max = two_sided_min(r.n, s);
  r.p_value = std::min(1.0, 2.0 * std::min(p_min, p_max));
  const double nn = static_cast<double>(r.n);
  r.statistic = std::max(nn * u, nn * s);
  r.details = {{"min", in.min}, {"max", in.max},
               {"n_u_min", nn * u},        {"n_s_max", nn * s},
               {"p_min", p_min},           {"p_max", p_max}};
  r.note = format(
      "min %.6g (n F = %.3g), max %.6g (n (1-F) = %.3g); ~Exp(1) "
      "under H0",
      in.min, nn * u, in.max, nn * s);
  return r;
}

TestResult max_abs_deviation_test(const GofSummary& in,
                                  const Distribution& target) {
  TestResult r;
  r.name = "max_abs_z";
  r.n = in.size();
  if (r.n == 0) {
    r.note = "no values";
    return r;
  }
  const double mu = target.mean();
  const double dev = std::max(mu - in.min, in.max - mu);
  const double q = target.cdf(mu - dev) + target.sf(mu + dev);
  const double p_far = min_uniform_cdf(r.n, q);  // P(R >= dev)
  const double p_near = min_uniform_sf(r.n, q);  // P(R <= dev)
  r.statistic = dev / target.sd();
  r.p_value = std::min(1.0, 2.0 * std::min(p_far, p_near));
  r.details = {{"max_abs_z", r.statistic},
               {"tail_probability", q},
               {"p_too_far", p_far},
               {"p_too_near", p_near}};
  r.note = format(
      "max |x - mean| = %.4g sd (P(|X - mean| beyond) = %.3g per "
      "value)",
      r.statistic, q);
  return r;
}

TestResult support_test(const GofSummary& in, const Distribution& target) {
  TestResult oos = out_of_support_test(in, target);
  if (oos.p_value == 0.0) {
    oos.name = "support";
    return oos;
  }
  TestResult r = (target.bounded_below() && target.bounded_above())
                     ? extremes_test(in)
                     : max_abs_deviation_test(in, target);
  r.note = r.name + ": " + r.note;
  r.name = "support";
  return r;
}

}  // namespace initcheck::verify
