#include "initcheck/verify/ks.h"

#include <algorithm>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <vector>

#include "initcheck/error.h"

namespace initcheck::verify {
namespace {

using NoPromote =
    boost::math::policies::policy<boost::math::policies::promote_double<false>>;

constexpr double kPi = 3.14159265358979323846;
constexpr double kLn2 = 0.69314718055994530942;

// Thread-safe log-gamma (glibc's std::lgamma writes the global signgam).
double log_gamma(double x) { return boost::math::lgamma(x, NoPromote()); }

// log(n! / n^n), by Stirling's series for n >= 20 (avoids the cancellation of
// lgamma(n+1) - n log n at large n), exactly below.
double log_factorial_over_power(int64_t n) {
  const double x = static_cast<double>(n);
  if (n < 20) return log_gamma(x + 1) - x * std::log(x);
  const double inv = 1.0 / x;
  const double inv2 = inv * inv;
  // log n! = n log n - n + log(2 pi n)/2 + 1/(12n) - 1/(360n^3) + 1/(1260n^5)
  return -x + 0.5 * std::log(2 * kPi * x) +
         inv * (1.0 / 12 - inv2 * (1.0 / 360 - inv2 / 1260));
}

// Stirling's error delta(x) = log Gamma(x+1) - [(x + 1/2) log x - x +
// log(2 pi)/2], by its asymptotic series for x >= 15 (error < 3e-14) and from
// log-gamma below.
double stirling_error(double x) {
  if (x < 15) {
    return log_gamma(x + 1) -
           ((x + 0.5) * std::log(x) - x + 0.5 * std::log(2 * kPi));
  }
  const double inv = 1.0 / x;
  const double inv2 = inv * inv;
  return inv *
         (1.0 / 12 - inv2 * (1.0 / 360 - inv2 * (1.0 / 1260 - inv2 / 1680)));
}

// A square matrix with a power-of-two scale: value = m * 2^scale.
struct ScaledMatrix {
  int order = 0;
  std::vector<double> m;
  int64_t scale = 0;

  void renormalize() {
    double big = 0;
    for (double v : m) big = std::max(big, std::fabs(v));
    if (big == 0) return;
    int e;
    std::frexp(big, &e);
    for (double& v : m) v = std::ldexp(v, -e);
    scale += e;
  }
};

ScaledMatrix multiply(const ScaledMatrix& a, const ScaledMatrix& b) {
  const int k = a.order;
  ScaledMatrix c;
  c.order = k;
  c.m.assign(static_cast<size_t>(k) * k, 0.0);
  for (int i = 0; i < k; ++i) {
    double* ci = &c.m[static_cast<size_t>(i) * k];
    for (int l = 0; l < k; ++l) {
      const double ail = a.m[static_cast<size_t>(i) * k + l];
      if (ail == 0) continue;
      const double* bl = &b.m[static_cast<size_t>(l) * k];
      for (int j = 0; j < k; ++j) ci[j] += ail * bl[j];
    }
  }
  c.scale = a.scale + b.scale;
  c.renormalize();
  return c;
}

// log of the summand C(n,j) (d + j/n)^{j-1} (1 - d - j/n)^{n-j} of the
// one-sided tail, for real j in [0, n(1-d)]. With Stirling's formula for
// C(n, j) the O(n log n) parts cancel analytically (t = j/n, u = 1 - t):
//   -log(2 pi n t u)/2 - log(d + t) + n [t log1p(d/t) + u log1p(-d/u)]
//   + delta(n) - delta(j) - delta(n - j),
// accurate to ~1e-14 absolute. j = 0 is the exact -log d + n log1p(-d).
double smirnov_log_summand(double n, double d, double j, double delta_n) {
  if (j <= 0) return -std::log(d) + n * std::log1p(-d);
  const double t = j / n;
  const double u = 1.0 - t;
  if (u - d <= 0) return -kInf;
  return -0.5 * std::log(2 * kPi * n * t * u) - std::log(d + t) +
         n * (t * std::log1p(d / t) + u * std::log1p(-d / u)) + delta_n -
         stirling_error(j) - stirling_error(n - j);
}

}  // namespace

namespace ks_detail {

double durbin_cdf(int64_t n, double d) {
  // Durbin's matrix as set out by Marsaglia, Tsang & Wang (2003), §2:
  // k = floor(n d) + 1, m = 2k - 1, h = k - n d in (0, 1].
  const double nd = static_cast<double>(n) * d;
  const int k = static_cast<int>(std::floor(nd)) + 1;
  const int m = 2 * k - 1;
  const double h = k - nd;
  ScaledMatrix hm;
  hm.order = m;
  hm.m.assign(static_cast<size_t>(m) * m, 0.0);
  auto at = [&](int i, int j) -> double& {
    return hm.m[static_cast<size_t>(i) * m + j];
  };
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < m; ++j) at(i, j) = (i - j + 1 >= 0) ? 1.0 : 0.0;
  }
  for (int i = 0; i < m; ++i) {
    at(i, 0) -= std::pow(h, i + 1);
    at(m - 1, i) -= std::pow(h, m - i);
  }
  if (2 * h - 1 > 0) at(m - 1, 0) += std::pow(2 * h - 1, m);
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < m; ++j) {
      const int g = i - j + 1;
      if (g > 0) at(i, j) *= std::exp(-log_gamma(g + 1.0));  // 1/g!
    }
  }
  hm.renormalize();
  // H^n by binary powering.
  ScaledMatrix result;
  bool have = false;
  ScaledMatrix base = hm;
  for (int64_t e = n; e > 0; e >>= 1) {
    if (e & 1) {
      result = have ? multiply(result, base) : base;
      have = true;
    }
    if (e > 1) base = multiply(base, base);
  }
  const double s = result.m[static_cast<size_t>(k - 1) * m + (k - 1)];
  if (s <= 0) return 0.0;
  const double log_p = std::log(s) + static_cast<double>(result.scale) * kLn2 +
                       log_factorial_over_power(n);
  return std::min(1.0, std::exp(log_p));
}

double pomeranz_cdf(int64_t n_in, double d) {
  // See the header: a forward recursion over the band edges (units of 1/n).
  const int n = static_cast<int>(n_in);
  const double t = n * d;
  struct Edge {
    double s;
    int lower;  // N(s) >= lower
    int upper;  // N(s) <= upper
  };
  std::vector<Edge> edges;
  edges.reserve(2 * static_cast<size_t>(n) + 1);
  for (int i = 1; i <= n; ++i) {
    const double s_up = i - t;  // S_i > i - t  <=>  N(i - t) <= i - 1
    if (s_up > 0 && s_up < n) edges.push_back({s_up, 0, i - 1});
    const double s_lo = i - 1 + t;  // S_i < i - 1 + t  <=>  N(i - 1 + t) >= i
    if (s_lo > 0 && s_lo < n) edges.push_back({s_lo, i, n});
  }
  edges.push_back({static_cast<double>(n), n, n});
  std::sort(edges.begin(), edges.end(),
            [](const Edge& a, const Edge& b) { return a.s < b.s; });

  std::vector<double> v(n + 1, 0.0), next(n + 1, 0.0), kernel(n + 1, 0.0);
  v[0] = 1.0;
  int lo = 0, hi = 0;  // nonzero range of v
  double log_scale = 0;
  double prev = 0;
  for (const Edge& e : edges) {
    const double delta = e.s - prev;
    prev = e.s;
    // The count can only grow: new range [lo, min(n, upper)], and lower.
    const int new_hi = std::min(n, e.upper);
    const int new_lo = std::max(lo, e.lower);
    if (new_lo > new_hi) return 0.0;
    if (delta > 0) {
      // kernel[r] = delta^r / r!
      kernel[0] = 1.0;
      for (int r = 1; r <= new_hi - lo; ++r)
        kernel[r] = kernel[r - 1] * delta / r;
      for (int mm = new_lo; mm <= new_hi; ++mm) {
        double acc = 0;
        const int top = std::min(mm, hi);
        for (int mp = lo; mp <= top; ++mp) acc += v[mp] * kernel[mm - mp];
        next[mm] = acc;
      }
    } else {
      for (int mm = new_lo; mm <= new_hi; ++mm)
        next[mm] = (mm <= hi) ? v[mm] : 0.0;
    }
    std::fill(v.begin() + lo, v.begin() + hi + 1, 0.0);
    double big = 0;
    for (int mm = new_lo; mm <= new_hi; ++mm) {
      v[mm] = next[mm];
      next[mm] = 0.0;
      big = std::max(big, v[mm]);
    }
    lo = new_lo;
    hi = new_hi;
    if (big == 0) return 0.0;
    if (big > 1e100 || big < 1e-100) {
      for (int mm = lo; mm <= hi; ++mm) v[mm] /= big;
      log_scale += std::log(big);
    }
  }
  if (!(v[n] > 0)) return 0.0;
  return std::min(
      1.0, std::exp(std::log(v[n]) + log_scale + log_factorial_over_power(n)));
}

double pelz_good_cdf(int64_t n_in, double d) {
  // Simard & L'Ecuyer (2011) §2.4, after Pelz & Good (1976); the K1..K3 sums
  // run over all integers k, i.e. twice the sums over k >= 0 (k >= 1 for the
  // k^2 terms).
  const double n = static_cast<double>(n_in);
  const double z = d * std::sqrt(n);
  const double z2 = z * z, z4 = z2 * z2, z6 = z4 * z2, z8 = z4 * z4;
  const double pi2 = kPi * kPi, pi4 = pi2 * pi2, pi6 = pi4 * pi2;
  double k0 = 0, k1 = 0, k2a = 0, k3a = 0;
  for (int k = 0; k < 200; ++k) {
    const double h = k + 0.5;
    const double h2 = h * h;
    const double e = std::exp(-pi2 * h2 / (2 * z2));
    if (e == 0 || (k > 2 && e < 1e-300)) break;
    k0 += e;
    k1 += (pi2 * h2 - z2) * e;
    k2a += (6 * z6 + 2 * z4 + pi2 * (2 * z4 - 5 * z2) * h2 +
            pi4 * (1 - 2 * z2) * h2 * h2) *
           e;
    k3a += (pi6 * (5 - 30 * z2) * h2 * h2 * h2 +
            pi4 * (-60 * z2 + 212 * z4) * h2 * h2 +
            pi2 * (135 * z4 - 96 * z6) * h2 - (30 * z6 + 90 * z8)) *
           e;
  }
  double k2b = 0, k3b = 0;
  for (int k = 1; k < 200; ++k) {
    const double k2 = static_cast<double>(k) * k;
    const double e = std::exp(-pi2 * k2 / (2 * z2));
    if (e == 0) break;
    k2b += pi2 * k2 * e;
    k3b += (-pi4 * k2 * k2 + 3 * pi2 * k2 * z2) * e;
  }
  const double c = std::sqrt(kPi / 2);
  const double K0 = std::sqrt(2 * kPi) / z * k0;
  const double K1 = 2 * c / (6 * z4) * k1;
  const double K2 = 2 * (c / (72 * z6 * z) * k2a - c / (36 * z2 * z) * k2b);
  const double K3 = 2 * (c / (6480 * z8 * z2) * k3a + c / (216 * z6) * k3b);
  const double rn = std::sqrt(n);
  const double p = K0 + K1 / rn + K2 / n + K3 / (n * rn);
  return std::clamp(p, 0.0, 1.0);
}

double smirnov_sum(int64_t n_in, double d) {
  if (d <= 0) return 1.0;
  if (d >= 1) return 0.0;
  const double n = static_cast<double>(n_in);
  const int64_t jmax = static_cast<int64_t>(std::floor(n * (1.0 - d)));
  const double delta_n = stirling_error(n);
  std::vector<double> logs;
  logs.reserve(static_cast<size_t>(jmax) + 1);
  double top = -kInf;
  for (int64_t j = 0; j <= jmax; ++j) {
    const double lt =
        smirnov_log_summand(n, d, static_cast<double>(j), delta_n);
    logs.push_back(lt);
    top = std::max(top, lt);
  }
  if (!std::isfinite(top)) return 0.0;
  double s = 0;
  for (double lt : logs) s += std::exp(lt - top);
  return std::min(1.0, d * std::exp(top + std::log(s)));
}

double smirnov_integral(int64_t n_in, double d) {
  if (d <= 0) return 1.0;
  if (d >= 1) return 0.0;
  const double n = static_cast<double>(n_in);
  const double jmax = n * (1.0 - d);
  const double delta_n = stirling_error(n);
  auto log_term = [&](double t) {
    return smirnov_log_summand(n, d, t * n, delta_n);
  };
  const double t_end = jmax / n;
  // Scale by the integrand's largest value on a grid (for large d the mass
  // sits at the start of the range; scaling by the midpoint's value would
  // overflow exp() there: found by the property suite, KsPValueIsMonotone).
  double ref = -kInf;
  constexpr int kGrid = 256;
  for (int i = 0; i <= kGrid; ++i) {
    const double t = t_end * (i == 0 ? 1e-9 : static_cast<double>(i) / kGrid);
    const double lt = log_term(std::min(t, t_end * (1 - 1e-12)));
    if (std::isfinite(lt)) ref = std::max(ref, lt);
  }
  if (!std::isfinite(ref)) return 0.0;
  // The mass sits around t = (1-d)/2 with width ~ 1/(4 d sqrt n); pieces keep
  // the adaptive rule well conditioned. The integrand is accurate to ~1e-14
  // relative, so a 1e-12 tolerance is reached without deep subdivision.
  auto f = [&](double t) {
    if (t <= 0 || t >= t_end) return 0.0;
    return std::exp(log_term(t) - ref);
  };
  constexpr int kPieces = 8;
  double total = 0;
  for (int i = 0; i < kPieces; ++i) {
    const double a = t_end * i / kPieces;
    const double b = t_end * (i + 1) / kPieces;
    total += boost::math::quadrature::gauss_kronrod<double, 61>::integrate(
        f, a, b, 6, 1e-12);
  }
  if (!(total > 0)) return 0.0;
  return std::min(1.0, d * n * std::exp(ref + std::log(total)));
}

}  // namespace ks_detail

KsStatistic ks_statistic(std::span<const double> u) {
  KsStatistic s;
  const size_t n = u.size();
  if (n == 0) return s;
  const double inv_n = 1.0 / static_cast<double>(n);
  double dp = -kInf, dm = -kInf;
  size_t ip = 0, im = 0;
  for (size_t i = 0; i < n; ++i) {
    const double plus = static_cast<double>(i + 1) * inv_n - u[i];
    const double minus = u[i] - static_cast<double>(i) * inv_n;
    if (plus > dp) {
      dp = plus;
      ip = i;
    }
    if (minus > dm) {
      dm = minus;
      im = i;
    }
  }
  s.d_plus = std::max(dp, 0.0);
  s.d_minus = std::max(dm, 0.0);
  s.d = std::max(s.d_plus, s.d_minus);
  s.argmax = static_cast<int64_t>(dp >= dm ? ip : im);
  return s;
}

KsMethod ks_pvalue_method(int64_t n, double d) {
  if (n < 1) throw Error("ks_pvalue: n must be >= 1");
  if (std::isnan(d)) return KsMethod::kTrivial;
  const double nn = static_cast<double>(n);
  const double t = nn * d;
  if (d >= 1 || t <= 0.5) return KsMethod::kTrivial;
  if (t <= 1 || t >= nn - 1) return KsMethod::kRubenGambino;
  const double w = t * d;
  if (n > 140 && w >= 370) return KsMethod::kTrivial;  // p < 1e-300
  if (d >= 0.5) return KsMethod::kSmirnov;
  if (n <= 140) {
    if (w < 0.754693) return KsMethod::kDurbin;
    if (w < 4) return KsMethod::kPomeranz;
    return KsMethod::kSmirnov;
  }
  if (w >= 2.2) return w >= 370 ? KsMethod::kTrivial : KsMethod::kSmirnov;
  if (n <= 100000 && t * std::sqrt(d) < 1.4) return KsMethod::kDurbin;
  return KsMethod::kPelzGood;
}

std::string_view ks_method_name(KsMethod m) {
  switch (m) {
    case KsMethod::kTrivial:
      return "trivial";
    case KsMethod::kRubenGambino:
      return "ruben_gambino";
    case KsMethod::kDurbin:
      return "durbin";
    case KsMethod::kPomeranz:
      return "pomeranz";
    case KsMethod::kSmirnov:
      return "smirnov";
    case KsMethod::kPelzGood:
      return "pelz_good";
  }
  return "?";
}

double ks_one_sided_pvalue(int64_t n, double d) {
  if (n < 1) throw Error("ks_one_sided_pvalue: n must be >= 1");
  if (std::isnan(d)) return d;
  if (d <= 0) return 1.0;
  if (d >= 1) return 0.0;
  // Massart (1990), Ann. Probab. 18(3): P(D_n^+ >= d) <= exp(-2 n d^2); past
  // 2 n d^2 = 745 the p-value is below the smallest double.
  if (2.0 * static_cast<double>(n) * d * d > 745) return 0.0;
  return n <= 5000 ? ks_detail::smirnov_sum(n, d)
                   : ks_detail::smirnov_integral(n, d);
}

namespace {

// {P(D_n < d), P(D_n >= d)}, each computed directly where it is the small one.
struct Tails {
  double cdf;
  double sf;
};

Tails ks_tails(int64_t n, double d) {
  const KsMethod method = ks_pvalue_method(n, d);
  if (std::isnan(d)) return {d, d};
  const double nn = static_cast<double>(n);
  const double t = nn * d;
  switch (method) {
    case KsMethod::kTrivial:
      if (d >= 1 || (t * d >= 370 && t > 0.5)) return {1.0, 0.0};
      return {0.0, 1.0};
    case KsMethod::kRubenGambino:
      if (t <= 1) {
        // P(D_n < d) = n! (2d - 1/n)^n for 1/(2n) < d <= 1/n.
        const double c =
            std::exp(log_gamma(nn + 1) + nn * std::log(2 * d - 1 / nn));
        return {c, 1.0 - c};
      } else {
        // P(D_n >= d) = 2 (1 - d)^n for d >= 1 - 1/n.
        const double s = 2 * std::exp(nn * std::log1p(-d));
        return {1.0 - s, s};
      }
    case KsMethod::kDurbin: {
      const double c = ks_detail::durbin_cdf(n, d);
      return {c, 1.0 - c};
    }
    case KsMethod::kPomeranz: {
      const double c = ks_detail::pomeranz_cdf(n, d);
      return {c, 1.0 - c};
    }
    case KsMethod::kPelzGood: {
      const double c = ks_detail::pelz_good_cdf(n, d);
      return {c, 1.0 - c};
    }
    case KsMethod::kSmirnov: {
      const double s = std::min(1.0, 2 * ks_one_sided_pvalue(n, d));
      return {1.0 - s, s};
    }
  }
  return {kNaN, kNaN};
}

}  // namespace

double ks_pvalue(int64_t n, double d) {
  return std::clamp(ks_tails(n, d).sf, 0.0, 1.0);
}

double ks_cdf(int64_t n, double d) {
  return std::clamp(ks_tails(n, d).cdf, 0.0, 1.0);
}

TestResult ks_test(const GofInput& in) { return ks_test(summarize_gof(in)); }

TestResult ks_test(const GofSummary& in) {
  TestResult r;
  r.name = "ks";
  r.n = in.size();
  if (r.n == 0) {
    r.note = "no values";
    return r;
  }
  KsStatistic s;
  s.d_plus = std::max(in.ks_d_plus, 0.0);
  s.d_minus = std::max(in.ks_d_minus, 0.0);
  s.d = std::max(s.d_plus, s.d_minus);
  const bool plus = in.ks_d_plus >= in.ks_d_minus;
  r.statistic = s.d;
  r.p_value = ks_pvalue(r.n, s.d);
  const double x_at = plus ? in.ks_x_plus : in.ks_x_minus;
  r.details = {{"d_plus", s.d_plus},
               {"d_minus", s.d_minus},
               {"sqrt_n_d", s.d * std::sqrt(static_cast<double>(r.n))},
               {"x_at_max", x_at}};
  r.note = format("largest ECDF gap %.3g at x=%.6g (ECDF %s target)", s.d, x_at,
                  s.d_plus >= s.d_minus ? "above" : "below");
  if (in.n_nan > 0) {
    r.note +=
        format("; %lld NaN values ignored", static_cast<long long>(in.n_nan));
  }
  return r;
}

}  // namespace initcheck::verify
