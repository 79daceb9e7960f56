// What a pass proves (see initcheck/verify/resolution.h).
#include "initcheck/verify/resolution.h"

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <boost/math/distributions/non_central_chi_squared.hpp>
#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <vector>

#include "initcheck/verify/battery.h"
#include "initcheck/verify/distributions.h"
#include "initcheck/verify/ks.h"

namespace initcheck::verify {
namespace {

using Family = Target::Family;

// Largest upward error searched (a std 1000x too large).
constexpr double kMaxUp = 1000.0;

}  // namespace

double dtype_ulp(double x, DType dtype) {
  int p = 53, emin = -1022;
  switch (dtype) {
    case DType::kF64:
      break;
    case DType::kF32:
      p = 24;
      emin = -126;
      break;
    case DType::kF16:
      p = 11;
      emin = -14;
      break;
    case DType::kBF16:
      p = 8;
      emin = -126;
      break;
  }
  const double a = std::abs(x);
  int e = a > 0 ? std::ilogb(a) : emin;
  e = std::max(e, emin);
  return std::ldexp(1.0, e - (p - 1));
}

namespace {

double Ulp(double x, DType dtype) { return dtype_ulp(x, dtype); }

// (1 - q)^n, accurate for small q.
double PowOneMinus(double q, int64_t n) {
  if (q <= 0) return 1.0;
  if (q >= 1) return 0.0;
  return std::exp(static_cast<double>(n) * std::log1p(-q));
}

// The smallest delta in [1e-12, hi] with power(delta) >= target (power
// assumed nondecreasing in delta; bisection on log delta, since the answer
// can be 1e-6 or 100); +inf if power(hi) < target.
double Solve(const std::function<double(double)>& power, double target,
             double hi) {
  if (!(power(hi) >= target)) return kInf;
  double lo = 1e-12;
  if (power(lo) >= target) return lo;
  for (int i = 0; i < 100 && hi / lo > 1 + 1e-4; ++i) {
    const double mid = std::sqrt(lo * hi);
    if (power(mid) >= target) {
      hi = mid;
    } else {
      lo = mid;
    }
  }
  return hi;
}

// `cap`: a resolution another test already reached. A test that does not
// reach power at the cap cannot improve on it (+inf, one evaluation); the
// resolution is the minimum over tests, so it is unchanged.
double ScaleSolve(const std::function<double(double)>& power_at_c,
                  double target, bool up, double cap = kInf) {
  if (up) {
    return Solve([&](double d) { return power_at_c(1 + d); }, target,
                 std::min(kMaxUp, cap));
  }
  return Solve([&](double d) { return power_at_c(1 - d); }, target,
               std::min(1 - 1e-9, cap));
}

// The exact two-sided KS critical value at `level`: the smallest d with
// ks_pvalue(n, d) <= level; NaN if even d = 1 does not reach it. Bisection
// from the bracket around the asymptotic value sqrt(log(2 / level) / (2 n))
// (the statistics note §4.2), to 1e-7 relative. ks_pvalue is O(n) in the
// tail (the exact Smirnov sum), so results are cached per (n, level): a
// checkpoint's tensors share a few sizes and one level.
double KsCritical(int64_t n, double level) {
  static std::mutex mu;
  static std::map<std::pair<int64_t, double>, double> cache;
  {
    const std::lock_guard<std::mutex> lock(mu);
    const auto it = cache.find({n, level});
    if (it != cache.end()) return it->second;
  }
  double result = kNaN;
  if (ks_pvalue(n, 1.0) <= level) {
    const double d0 = std::sqrt(std::log(2 / level) / (2.0 * double(n)));
    double lo = std::min(0.5 * d0, 0.5), hi = std::min(1.0, 2 * d0);
    if (ks_pvalue(n, lo) <= level) lo = 0;
    if (ks_pvalue(n, hi) > level) hi = 1;
    while (hi - lo > 1e-7 * hi) {
      const double mid = 0.5 * (lo + hi);
      if (ks_pvalue(n, mid) <= level) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    result = hi;
  }
  const std::lock_guard<std::mutex> lock(mu);
  if (cache.size() > 4096) cache.clear();
  cache[{n, level}] = result;
  return result;
}

// P(|Bin(n, p1)/n - p0| >= d).
double BinomialDeviationPower(int64_t n, double p1, double p0, double d) {
  const double nn = static_cast<double>(n);
  p1 = std::clamp(p1, 0.0, 1.0);
  const boost::math::binomial b(nn, p1);
  double power = 0;
  const double k_hi = std::ceil(nn * (p0 + d) - 1e-9);
  if (k_hi <= nn) {
    power += k_hi <= 0 ? 1.0
                       : boost::math::cdf(boost::math::complement(b, k_hi - 1));
  }
  const double k_lo = std::floor(nn * (p0 - d) + 1e-9);
  if (k_lo >= 0) power += boost::math::cdf(b, k_lo);
  return std::min(1.0, power);
}

// Lower bound on the KS power against the alternative cdf F1 (see header):
// the best single point x* on a grid of the target's quantiles, refined by
// golden-section search.
double KsBound(const Distribution& f0, const std::function<double(double)>& f1,
               int64_t n, double dcrit) {
  if (std::isnan(dcrit)) return 0.0;
  auto gap = [&](double x) { return std::abs(f1(x) - f0.cdf(x)); };
  constexpr int kGrid = 64;
  std::vector<double> xs;
  if (f0.bounded_below()) xs.push_back(f0.low());
  for (int j = 1; j < kGrid; ++j) xs.push_back(f0.quantile(double(j) / kGrid));
  if (f0.bounded_above()) xs.push_back(f0.high());
  size_t best = 0;
  double best_gap = -1;
  for (size_t j = 0; j < xs.size(); ++j) {
    const double g = gap(xs[j]);
    if (g > best_gap) {
      best_gap = g;
      best = j;
    }
  }
  double a = xs[best > 0 ? best - 1 : 0];
  double b = xs[std::min(best + 1, xs.size() - 1)];
  constexpr double kPhi = 0.6180339887498949;
  double x1 = b - kPhi * (b - a), x2 = a + kPhi * (b - a);
  double g1 = gap(x1), g2 = gap(x2);
  for (int i = 0; i < 40; ++i) {
    if (g1 > g2) {
      b = x2;
      x2 = x1;
      g2 = g1;
      x1 = b - kPhi * (b - a);
      g1 = gap(x1);
    } else {
      a = x1;
      x1 = x2;
      g1 = g2;
      x2 = a + kPhi * (b - a);
      g2 = gap(x2);
    }
  }
  double x = xs[best];
  if (std::max(g1, g2) > best_gap) x = g1 > g2 ? x1 : x2;
  return BinomialDeviationPower(n, f1(x), f0.cdf(x), dcrit);
}

// Power of the equiprobable-bin chi-square test (chi_square.h) against the
// alternative cdf F1, by the noncentral chi-square approximation of X^2
// (Patnaik 1949, Biometrika 36; the statistics note §4.4):
// X^2 ~ chi2'_{k-1}(lambda), lambda = n sum_i (p1_i - 1/k)^2 k. Values beyond
// a bounded support fall into the end bins (the PIT clamps them to 0 or 1).
double ChiSquarePower(const Distribution& f0,
                      const std::function<double(double)>& f1, int64_t n,
                      int bins, double level) {
  if (bins < 2) return 0.0;
  const double k = bins;
  double lambda = 0, prev = 0;
  for (int i = 1; i <= bins; ++i) {
    double next = 1;
    if (i < bins) {
      const double e = 2 * i <= bins ? f0.quantile(i / k) : f0.isf(1 - i / k);
      next = f1(e);
    }
    const double d = (next - prev) - 1 / k;
    lambda += d * d * k;
    prev = next;
  }
  lambda *= static_cast<double>(n);
  const double crit = boost::math::quantile(
      boost::math::complement(boost::math::chi_squared(k - 1), level));
  if (lambda <= 0) return level;
  return boost::math::cdf(boost::math::complement(
      boost::math::non_central_chi_squared(k - 1, lambda), crit));
}

double NormalCdf(double z) { return normal_cdf(z); }

bool Gating(const TestResult& r) {
  return r.reliable && !std::isnan(r.p_value);
}

const TestResult* Find(std::span<const TestResult> tests, const char* name) {
  for (const TestResult& r : tests) {
    if (r.name == name && Gating(r)) return &r;
  }
  return nullptr;
}

struct Best {
  double value = kInf;
  std::string test;
  void offer(double v, const char* name) {
    if (v < value) {
      value = v;
      test = name;
    }
  }
};

// The joint extremes test (support.h since 2026-12): with a = F(min), s =
// 1 - F(max), it rejects at `level` when 3 min(p_range, p_inside,
// p_outside) <= level, p_range = P(R <= 1 - a - s) = n r^(n-1) - (n-1) r^n
// (R ~ Beta(n-1, 2)) and p_inside = P(max(a, s) >= t) = 2 (1-t)^n -
// (1-2t)_+^n. Under the shrink X = mu + c (Y - mu), c < 1, a = A(V1) and s =
// S(V2) are increasing maps of the target sample's extreme PITs (V1, V2),
// whose joint density is n (n-1) (1 - v1 - v2)^(n-2) on v1 + v2 <= 1 (David
// & Nagaraja 2003, §2.2). So
//   P(no rejection) = P(A(V1) + S(V2) < 1 - r*, A(V1) < t*, S(V2) < t*)
//     = int_0^{A^-1(t*)} n [(1-v1)^(n-1) - (1 - v1 - W(v1))^(n-1)] dv1,
//   W(v1) = min(S^-1(t*), S^-1(1 - r* - A(v1))),
// the inner integral in closed form, the outer by Gauss-Kronrod. One ulp
// of the bound is taken off each extreme's PIT (the randomized PIT of a
// rounded value can sit a cell lower). (The "outside" part only adds power
// against a stretch, which the out-of-support count covers.)
double JointExtremesPower(const Distribution& f0, double ulo, double uhi,
                          int64_t n, double c, double level) {
  if (n < 2) return 0.0;
  const double nn = static_cast<double>(n);
  const double target = level / 3;
  auto range_cdf = [&](double r) {
    if (r <= 0) return 0.0;
    if (r >= 1) return 1.0;
    return std::exp((nn - 1) * std::log(r)) * (nn - (nn - 1) * r);
  };
  auto inside_sf = [&](double t) {
    if (t <= 0) return 1.0;
    if (t >= 1) return 0.0;
    const double both = t < 0.5 ? PowOneMinus(2 * t, n) : 0.0;
    return std::clamp(2 * PowOneMinus(t, n) - both, 0.0, 1.0);
  };
  // r*: the largest range still rejected; t*: the smallest inside PIT.
  double lo = 0, hi = 1;
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    (range_cdf(mid) <= target ? lo : hi) = mid;
  }
  const double rstar = lo;
  lo = 0;
  hi = 1;
  for (int i = 0; i < 100; ++i) {
    const double mid = 0.5 * (lo + hi);
    (inside_sf(mid) <= target ? hi : lo) = mid;
  }
  const double tstar = inside_sf(hi) <= target ? hi : 1.0;
  const double mu = f0.mean();
  // a = A(v), its inverse, and likewise s = S(v) at the top.
  auto A = [&](double v) {
    return f0.cdf(mu + c * (f0.quantile(v) - mu) - ulo);
  };
  auto Ainv = [&](double a) {
    if (a >= 1) return 1.0;
    return f0.cdf(mu + (f0.quantile(a) + ulo - mu) / c);
  };
  auto Sinv = [&](double s) {
    if (s <= 0) return 0.0;
    if (s >= 1) return 1.0;
    return f0.sf(mu + (f0.isf(s) - uhi - mu) / c);
  };
  const double w1 = Ainv(tstar), w2 = Sinv(tstar);
  auto integrand = [&](double v1) {
    const double rest = 1 - rstar - A(v1);
    const double w = std::min({w2, rest > 0 ? Sinv(rest) : 0.0, 1 - v1});
    return nn * (PowOneMinus(v1, n - 1) - PowOneMinus(std::min(1.0, v1 + w), n - 1));
  };
  // The mass of V1 sits within ~10/n of 0: split there for the quadrature.
  const double knee = std::min(w1, 30.0 / nn);
  double miss = boost::math::quadrature::gauss_kronrod<double, 31>::integrate(
      integrand, 0.0, knee, 12, 1e-7);
  if (w1 > knee) {
    miss += boost::math::quadrature::gauss_kronrod<double, 31>::integrate(
        integrand, knee, w1, 12, 1e-7);
  }
  return std::clamp(1 - miss, 0.0, 1.0);
}

}  // namespace

double variance_test_power(int64_t n, double kappa, bool normal, double c,
                           double level, bool chi_square_test) {
  if (n < 3) return kNaN;
  const double nn = static_cast<double>(n);
  const double r = c * c;
  if (chi_square_test) {
    // The exact two-sided chi-square test of a normal target: rejects when
    // q = (n-1) s^2 / sigma^2 is below the level/2 quantile of chi2(n-1) or
    // above the 1 - level/2 one; under sd x c, q / c^2 is chi2(n-1).
    const boost::math::chi_squared chi(nn - 1);
    const double q_lo = boost::math::quantile(chi, level / 2);
    const double q_hi =
        boost::math::quantile(boost::math::complement(chi, level / 2));
    return std::min(1.0, boost::math::cdf(chi, q_lo / r) +
                             boost::math::cdf(boost::math::complement(
                                 chi, q_hi / r)));
  }
  const double v = std::sqrt(2.0 / (nn - 1) + kappa / nn);
  const double cz = normal_isf(level / 2);
  const double hi = 1 + cz * v, lo = 1 - cz * v;
  if (normal) {
    const boost::math::chi_squared chi(nn - 1);
    double p = boost::math::cdf(boost::math::complement(chi, (nn - 1) * hi / r));
    if (lo > 0) p += boost::math::cdf(chi, (nn - 1) * lo / r);
    return std::min(1.0, p);
  }
  double p = NormalCdf((r - hi) / (r * v));
  if (lo > 0) p += NormalCdf((lo - r) / (r * v));
  return std::min(1.0, p);
}

ScaleResolution variance_test_resolution(int64_t n, double kappa, bool normal,
                                         double level, double power,
                                         bool chi_square_test) {
  ScaleResolution s;
  if (n < 3) return s;
  auto f = [&](double c) {
    return variance_test_power(n, kappa, normal, c, level, chi_square_test);
  };
  s.up = ScaleSolve(f, power, true);
  s.down = ScaleSolve(f, power, false);
  return s;
}

double mean_test_resolution(int64_t n, double level, double power) {
  if (n < 2) return kInf;
  const double sn = std::sqrt(static_cast<double>(n));
  const double cz = normal_isf(level / 2);
  return Solve(
      [&](double d) {
        return NormalCdf(d * sn - cz) + NormalCdf(-d * sn - cz);
      },
      power, 1e6);
}

double support_test_power_scale(const Target& t, DType dtype, int64_t n,
                                double c, double level, bool joint_extremes) {
  const auto f0 = target_distribution(t);
  if (!f0 || n < 1) return kNaN;
  const double mu = f0->mean();
  if (f0->bounded_below() && f0->bounded_above()) {
    const double lo = f0->low(), hi = f0->high();
    const double ulo = Ulp(lo, dtype), uhi = Ulp(hi, dtype);
    if (c >= 1) {
      // Values beyond the bounds (widened by one ulp: a value must round
      // outside the rounded bound).
      const double q = f0->cdf(mu + (lo - ulo - mu) / c) +
                       f0->sf(mu + (hi + uhi - mu) / c);
      return 1 - PowOneMinus(q, n);
    }
    if (joint_extremes) return JointExtremesPower(*f0, ulo, uhi, n, c, level);
    // Extremes too far inside: u = F(min) >= t* (and likewise at the top).
    const double tstar = -std::expm1(std::log(level / 4) / double(n));
    if (!(tstar < 0.5)) return 0.0;
    const double qlo = f0->quantile(tstar), qhi = f0->isf(tstar);
    const double w1 = f0->cdf(mu + (qlo + ulo - mu) / c);
    const double w2 = f0->sf(mu + (qhi - uhi - mu) / c);
    const double miss = 1 - PowOneMinus(w1, n) - PowOneMinus(w2, n) +
                        PowOneMinus(std::min(1.0, w1 + w2), n);
    return std::clamp(1 - miss, 0.0, 1.0);
  }
  // max |x - mu| for a normal target.
  const double sd = f0->sd();
  const double q_far = -std::expm1(std::log1p(-level / 2) / double(n));
  const double q_near = -std::expm1(std::log(level / 2) / double(n));
  const double r_far = sd * normal_isf(q_far / 2);
  const double r_near = q_near < 1 ? sd * normal_isf(q_near / 2) : 0.0;
  auto below = [&](double r) {  // P(R < r) under sd x c
    const double s = c * sd;
    return PowOneMinus(2 * normal_sf(r / s), n);
  };
  return std::clamp(1 - below(r_far) + (r_near > 0 ? below(r_near) : 0.0),
                    0.0, 1.0);
}

double support_test_power_shift(const Target& t, DType dtype, int64_t n,
                                 double d, double level) {
  const auto f0 = target_distribution(t);
  if (!f0 || n < 1) return kNaN;
  const double sd = f0->sd();
  const double shift = d * sd;
  if (f0->bounded_below() && f0->bounded_above()) {
    const double lo = f0->low(), hi = f0->high();
    const double q = f0->sf(hi + Ulp(hi, dtype) - shift) +
                     f0->cdf(lo - Ulp(lo, dtype) - shift);
    return 1 - PowOneMinus(q, n);
  }
  const double q_far = -std::expm1(std::log1p(-level / 2) / double(n));
  const double q_near = -std::expm1(std::log(level / 2) / double(n));
  const double r_far = sd * normal_isf(q_far / 2);
  const double r_near = q_near < 1 ? sd * normal_isf(q_near / 2) : 0.0;
  auto below = [&](double r) {  // P(R < r) under the shift
    const double tails = normal_sf((r - shift) / sd) + normal_cdf((-r - shift) / sd);
    return PowOneMinus(tails, n);
  };
  return std::clamp(1 - below(r_far) + (r_near > 0 ? below(r_near) : 0.0),
                    0.0, 1.0);
}

double ks_test_power_bound_scale(const Target& t, int64_t n, double c,
                                 double level) {
  const auto f0 = target_distribution(t);
  if (!f0 || n < 1) return kNaN;
  const double mu = f0->mean();
  return KsBound(
      *f0, [&](double x) { return f0->cdf(mu + (x - mu) / c); }, n,
      KsCritical(n, level));
}

double ks_test_power_bound_shift(const Target& t, int64_t n, double d,
                                 double level) {
  const auto f0 = target_distribution(t);
  if (!f0 || n < 1) return kNaN;
  const double shift = d * f0->sd();
  return KsBound(
      *f0, [&](double x) { return f0->cdf(x - shift); }, n,
      KsCritical(n, level));
}

namespace {

Resolution ComputeResolutionUncached(const Target& target, DType dtype,
                                     std::span<const TestResult> tests,
                                     double level, int64_t family_size,
                                     double power) {
  Resolution res;
  res.power = power;
  res.level = level;
  res.family_size = family_size;
  if (!(level > 0 && level < 1)) return res;
  switch (target.family) {
    case Family::kConstant:
    case Family::kEye:
    case Family::kDirac:
      if (const TestResult* r = Find(tests, "structure")) {
        res.computed = res.exact = true;
        res.std_rel = res.std_rel_up = res.std_rel_down = 0;
        res.mean_sigma = 0;
        res.std_test = res.mean_test = "structure";
        res.n = r->n;
      }
      return res;
    case Family::kOrthogonal:
    case Family::kDeltaOrthogonal: {
      const TestResult* r = Find(tests, "orthogonality");
      if (!r) return res;
      const double tol = r->detail("tolerance");
      const double g2 = target.gain * target.gain;
      if (!(tol >= 0) || !(g2 > 0)) return res;
      res.computed = res.exact = true;
      res.n = target.rows * target.cols;
      res.std_rel_up = std::sqrt(1 + tol / g2) - 1;
      res.std_rel_down = tol < g2 ? 1 - std::sqrt(1 - tol / g2) : kInf;
      res.std_rel = std::max(res.std_rel_up, res.std_rel_down);
      res.std_test = "orthogonality";
      if (std::min(target.rows, target.cols) >= 7) {
        res.mean_sigma = std::sqrt(tol / g2);
        res.mean_test = "orthogonality";
      }
      return res;
    }
    case Family::kUniform:
    case Family::kNormal:
    case Family::kTruncatedNormal:
    case Family::kSparse:
      break;
  }
  const auto dist = target_distribution(target);
  const bool normal =
      target.family == Family::kNormal || target.family == Family::kSparse;
  Best up, down, mean;
  int64_t n = 0;
  if (const TestResult* r = Find(tests, "variance")) {
    // The exact chi-square version (normal targets, any n) reports its dof.
    const ScaleResolution s = variance_test_resolution(
        r->n, dist->excess_kurtosis(), normal, level, power,
        std::isfinite(r->dof));
    up.offer(s.up, "variance");
    down.offer(s.down, "variance");
    n = std::max(n, r->n);
  }
  if (const TestResult* r = Find(tests, "mean")) {
    mean.offer(mean_test_resolution(r->n, level, power), "mean");
    n = std::max(n, r->n);
  }
  if (const TestResult* r = Find(tests, "support")) {
    const int64_t m = r->n;
    // The joint extremes test reports p_range.
    const bool joint = std::isfinite(r->detail("p_range"));
    auto fs = [&](double c) {
      return support_test_power_scale(target, dtype, m, c, level, joint);
    };
    // Capped by the z-tests' resolutions (ScaleSolve): the joint extremes
    // power is an adaptive quadrature of the target's cdf and quantile (a
    // truncated normal's cost ~8 ms each), needed only where the support
    // test is the more powerful one (bounded uniforms, not far-truncated
    // normals).
    up.offer(ScaleSolve(fs, power, true, up.value), "support");
    down.offer(ScaleSolve(fs, power, false, down.value), "support");
    double worst = 0;
    for (double sign : {1.0, -1.0}) {
      worst = std::max(
          worst, Solve(
                     [&](double d) {
                       return support_test_power_shift(target, dtype, m,
                                                       sign * d, level);
                     },
                     power, std::min(1e6, mean.value)));
    }
    mean.offer(worst, "support");
    n = std::max(n, m);
  }
  // The omnibus tests, where no z-test gates (below n = 10^4 for the scale,
  // 10^3 for the mean): there the z-tests would be the more powerful ones
  // (KS's and chi-square's Pitman efficiencies against them are < 1), and
  // the bounds below cost milliseconds.
  const bool need_scale = !Find(tests, "variance");
  const bool need_mean = !Find(tests, "mean");
  const double mu = dist->mean(), sd = dist->sd();
  auto stretched = [&](double c) {
    return [&, c](double x) { return dist->cdf(mu + (x - mu) / c); };
  };
  auto shifted = [&](double d) {
    return [&, d](double x) { return dist->cdf(x - d * sd); };
  };
  if (const TestResult* r = Find(tests, "ks"); r && (need_scale || need_mean)) {
    const int64_t m = r->n;
    const double dcrit = KsCritical(m, level);
    if (need_scale) {
      auto fk = [&](double c) { return KsBound(*dist, stretched(c), m, dcrit); };
      up.offer(ScaleSolve(fk, power, true), "ks");
      down.offer(ScaleSolve(fk, power, false), "ks");
    }
    if (need_mean) {
      double worst = 0;
      for (double sign : {1.0, -1.0}) {
        worst = std::max(worst, Solve(
                                    [&](double d) {
                                      return KsBound(*dist, shifted(sign * d),
                                                     m, dcrit);
                                    },
                                    power, 1e3));
      }
      mean.offer(worst, "ks");
    }
    n = std::max(n, m);
  }
  if (const TestResult* r = Find(tests, "chi_square");
      r && (need_scale || need_mean) && r->dof >= 1) {
    const int64_t m = r->n;
    const int bins = static_cast<int>(r->dof) + 1;
    if (need_scale) {
      auto fc = [&](double c) {
        return ChiSquarePower(*dist, stretched(c), m, bins, level);
      };
      up.offer(ScaleSolve(fc, power, true), "chi_square");
      down.offer(ScaleSolve(fc, power, false), "chi_square");
    }
    if (need_mean) {
      double worst = 0;
      for (double sign : {1.0, -1.0}) {
        worst = std::max(
            worst, Solve(
                       [&](double d) {
                         return ChiSquarePower(*dist, shifted(sign * d), m,
                                               bins, level);
                       },
                       power, 1e3));
      }
      mean.offer(worst, "chi_square");
    }
    n = std::max(n, m);
  }
  res.n = n;
  res.computed = n > 0;
  res.std_rel_up = up.value;
  res.std_rel_down = down.value;
  res.std_rel = std::max(up.value, down.value);
  // The test that sets the binding direction; when one direction is not
  // detectable at all, the test that covers the other.
  res.std_test = up.value >= down.value ? up.test : down.test;
  if (res.std_test.empty()) res.std_test = up.test.empty() ? down.test : up.test;
  res.mean_sigma = mean.value;
  res.mean_test = mean.test;
  return res;
}

// Everything ComputeResolutionUncached reads, exactly (doubles in %a): the
// target's law, the dtype, level, family size and power, and of each gating
// test it consults its n, dof, whether it reports p_range (the joint
// extremes test) and its tolerance.
std::string ResolutionKey(const Target& t, DType dtype,
                          std::span<const TestResult> tests, double level,
                          int64_t family_size, double power) {
  std::string k = format(
      "%d|%d|%a|%a|%a|%a|%a|%a|%a|%a|%lld|%lld|%a|%lld|%a", int(t.family),
      int(dtype), t.mean, t.variance, t.low, t.high, t.parent_mean,
      t.parent_std, t.value, t.gain, static_cast<long long>(t.rows),
      static_cast<long long>(t.cols), level,
      static_cast<long long>(family_size), power);
  for (const char* name : {"structure", "orthogonality", "variance", "mean",
                           "support", "ks", "chi_square"}) {
    if (const TestResult* r = Find(tests, name)) {
      k += format("|%s:%lld:%a:%d:%a", name, static_cast<long long>(r->n),
                  r->dof, int(std::isfinite(r->detail("p_range"))),
                  r->detail("tolerance"));
    }
  }
  return k;
}

}  // namespace

// The power solves cost up to ~1 s for a bounded target (the joint extremes
// quadrature inside a bisection, the exact KS critical value), and a
// checkpoint's tensors -- or a calibration study's thousands of samples --
// share a few keys: results are cached on the exact inputs, so a cached
// answer is the computed one.
Resolution compute_resolution(const Target& target, DType dtype,
                              std::span<const TestResult> tests, double level,
                              int64_t family_size, double power) {
  static std::mutex mu;
  static std::map<std::string, Resolution> cache;
  const std::string key =
      ResolutionKey(target, dtype, tests, level, family_size, power);
  {
    const std::lock_guard<std::mutex> lock(mu);
    const auto it = cache.find(key);
    if (it != cache.end()) return it->second;
  }
  Resolution r = ComputeResolutionUncached(target, dtype, tests, level,
                                           family_size, power);
  const std::lock_guard<std::mutex> lock(mu);
  if (cache.size() > 4096) cache.clear();
  cache.emplace(key, r);
  return r;
}

std::string resolution_text(const Resolution& r) {
  if (!r.computed) return "nothing proven (no gating test)";
  if (r.exact && r.std_rel == 0) return "exact (any changed value fails structure)";
  auto pct = [](double x) {
    if (!std::isfinite(x)) return std::string("none");
    const double p = 100 * x;
    return p >= 10 ? format("%.0f%%", p) : format("%.2g%%", p);
  };
  std::string s;
  if (std::isfinite(r.std_rel)) {
    s = "std errors >= " + pct(r.std_rel) + " (" + r.std_test + ")";
  } else if (std::isfinite(r.std_rel_up)) {
    s = "std too large by >= " + pct(r.std_rel_up) + " (" + r.std_test +
        "), no std too small";
  } else if (std::isfinite(r.std_rel_down)) {
    s = "std too small by >= " + pct(r.std_rel_down) + " (" + r.std_test +
        "), no std too large";
  } else {
    s = "no std error";
  }
  if (std::isfinite(r.mean_sigma)) {
    s += format(", mean shifts >= %.2g sd (%s)", r.mean_sigma,
                r.mean_test.c_str());
  } else {
    s += ", no mean shift";
  }
  return s;
}

}  // namespace initcheck::verify
