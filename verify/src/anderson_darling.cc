#include "initcheck/verify/anderson_darling.h"

#include <algorithm>
#include <array>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/special_functions/erf.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <vector>

#include "parallel_blocks.h"
#include "pipeline.h"

namespace initcheck::verify {
namespace {

using NoPromote =
    boost::math::policies::policy<boost::math::policies::promote_double<false>>;

constexpr double kPi = 3.14159265358979323846;
// Beyond this z the series' 1 - F is replaced by the matched tail asymptote.
constexpr double kTailSplice = 20.0;

// The full Anderson-Darling series (see the header).
double series_cdf(double z) {
  if (!(z > 0)) return 0.0;
  const double pi2 = kPi * kPi;
  double sum = 0;
  for (int j = 0; j < 1000; ++j) {
    const double q = 4.0 * j + 1.0;
    const double c = q * q * pi2 / (8 * z);
    // The integral is at most e^{z/8} sqrt(pi/(4c)); stop when the term is
    // negligible against the sum.
    if (j > 0 && -c + z / 8 < -45) break;
    const double log_a = boost::math::lgamma(j + 0.5, NoPromote()) -
                         boost::math::lgamma(0.5, NoPromote()) -
                         boost::math::lgamma(j + 1.0, NoPromote());
    const double sign = (j % 2 == 0) ? 1.0 : -1.0;
    // int_0^inf exp(z/(8(w^2+1)) - c w^2) dw: the integrand is below e^{-45}
    // of its peak beyond w_max.
    auto f = [&](double w) {
      return std::exp(z / (8 * (w * w + 1)) - c * w * w);
    };
    const double w_max = std::sqrt((z / 8 + 45) / c);
    double integral = 0;
    const double split = std::min(w_max, 2.0);
    integral += boost::math::quadrature::gauss_kronrod<double, 61>::integrate(
        f, 0.0, split, 10, 1e-15);
    if (w_max > split) {
      integral += boost::math::quadrature::gauss_kronrod<double, 61>::integrate(
          f, split, w_max, 10, 1e-15);
    }
    const double term = sign * std::exp(log_a - c) * q * integral;
    sum += term;
  }
  return std::clamp(std::sqrt(2 * kPi) / z * sum, 0.0, 1.0);
}

// sqrt(3) erfc(sqrt z): the leading tail asymptote.
double tail_leading(double z) {
  return std::sqrt(3.0) * boost::math::erfc(std::sqrt(z), NoPromote());
}

// a in sqrt(3) erfc(sqrt z) (1 + a/z), matched to the series at the splice.
double tail_coefficient() {
  static const double a = [] {
    const double p = 1.0 - series_cdf(kTailSplice);
    return (p / tail_leading(kTailSplice) - 1.0) * kTailSplice;
  }();
  return a;
}

// g3 of M&M as a polynomial in x, coefficients b_0..b_5.
constexpr std::array<double, 6> kG3 = {-130.2137, 745.2337,  -1705.091,
                                       1950.646,  -1116.360, 255.7844};

// h(y) = g3(1 - y) - g3(1) = sum_{i=1}^5 c_i y^i, c_i = (-1)^i sum_{k>=i}
// b_k C(k, i): evaluated in y = 1 - x so that it is accurate for tiny y.
double g3_shifted(double y) {
  static const std::array<double, 6> c = [] {
    std::array<double, 6> out{};
    for (int i = 1; i <= 5; ++i) {
      double s = 0;
      for (int k = i; k <= 5; ++k) {
        double binom = 1;
        for (int m = 0; m < i; ++m) binom = binom * (k - m) / (m + 1);
        s += kG3[static_cast<size_t>(k)] * binom;
      }
      out[static_cast<size_t>(i)] = (i % 2 == 0) ? s : -s;
    }
    return out;
  }();
  double r = 0;
  for (int i = 5; i >= 1; --i) r = (r + c[static_cast<size_t>(i)]) * y;
  return r;
}

}  // namespace

double ad_inf_cdf(double z) {
  if (std::isnan(z)) return z;
  if (z <= 0) return 0.0;
  if (std::isinf(z)) return 1.0;
  if (z > kTailSplice) return 1.0 - ad_inf_sf(z);
  return series_cdf(z);
}

double ad_inf_sf(double z) {
  if (std::isnan(z)) return z;
  if (z <= 0) return 1.0;
  if (std::isinf(z)) return 0.0;
  if (z <= kTailSplice) return 1.0 - series_cdf(z);
  return tail_leading(z) * (1.0 + tail_coefficient() / z);
}

double ad_errfix(int64_t n_in, double x) {
  const double n = static_cast<double>(n_in);
  const double c = 0.01265 + 0.1757 / n;
  if (x < c) {
    const double t = x / c;
    const double g1 = std::sqrt(t) * (1 - t) * (49 * t - 102);
    return g1 * (0.0037 / (n * n * n) + 0.00078 / (n * n) + 0.00006 / n);
  }
  if (x < 0.8) {
    const double t = (x - c) / (0.8 - c);
    const double g2 =
        -0.00022633 +
        (6.54034 - (14.6538 - (14.458 - (8.259 - 1.91864 * t) * t) * t) * t) *
            t;
    return g2 * (0.04213 / n + 0.01365 / (n * n));
  }
  // (g3(x) - g3(1)) / n, see the header.
  return g3_shifted(1.0 - x) / n;
}

double ad_pvalue(int64_t n, double z) {
  if (std::isnan(z)) return z;
  if (z <= 0) return 1.0;
  if (std::isinf(z)) return 0.0;
  const double y = ad_inf_sf(z);  // 1 - ADinf(z), accurate when small
  const double x = 1.0 - y;
  double p;
  if (x >= 0.8) {
    p = y - g3_shifted(y) / static_cast<double>(n);
  } else {
    p = y - ad_errfix(n, x);
  }
  return std::clamp(p, 0.0, 1.0);
}

AdStatistic ad_statistic(std::span<const double> u, std::span<const double> s) {
  AdStatistic r;
  const size_t n = u.size();
  if (n == 0 || s.size() != n) return r;
  // The battery's block reduction (pipeline.h), so the same cdf/sf give the
  // same A^2 on every route.
  const size_t tasks = internal::TaskCount(n);
  std::vector<internal::GofPartial> parts(tasks);
  internal::ParallelTasks(tasks, [&](size_t t) {
    const size_t end = std::min(n, (t + 1) * internal::kTask);
    for (size_t b = t * internal::kTask; b < end; b += internal::kBlock) {
      const size_t m = std::min(internal::kBlock, end - b);
      internal::GofBlockInto(u.data() + b, s.data() + b, m,
                             static_cast<int64_t>(b), static_cast<int64_t>(n),
                             0, &parts[t]);
    }
  });
  GofSummary g;
  g.n = static_cast<int64_t>(n);
  internal::FinishGof(parts, 0, &g);
  r.n_at_edge = g.ad_n_edge;
  r.a2 = g.ad_a2;
  return r;
}

TestResult anderson_darling_test(const GofInput& in) {
  return anderson_darling_test(summarize_gof(in));
}

TestResult anderson_darling_test(const GofSummary& in) {
  TestResult r;
  r.name = "anderson_darling";
  r.n = in.size();
  if (r.n == 0) {
    r.note = "no values";
    return r;
  }
  r.statistic = in.ad_a2;
  r.details = {{"n_at_edge", static_cast<double>(in.ad_n_edge)}};
  r.reliable = r.n >= 8;
  if (in.ad_n_edge > 0) {
    r.p_value = 0.0;
    r.note = format(
        "%lld values at or beyond the support (PIT 0 or 1): impossible under "
        "the target",
        static_cast<long long>(in.ad_n_edge));
    return r;
  }
  r.p_value = ad_pvalue(r.n, in.ad_a2);
  r.note = format("A2=%.4g", in.ad_a2);
  return r;
}

}  // namespace initcheck::verify
