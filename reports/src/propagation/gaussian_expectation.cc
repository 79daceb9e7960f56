// Gaussian expectations: closed forms and graded composite Gauss-Legendre
// quadrature (see gaussian_expectation.h for the formulas and the rule).
#include "initcheck/propagation/gaussian_expectation.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <mutex>
#include <numbers>
#include <string>

#include "initcheck/error.h"

namespace initcheck::propagation {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1/sqrt(2 pi)
constexpr double kInvSqrtPi = 0.56418958354775628695;   // 1/sqrt(pi)
constexpr double kSqrt2OverPi = 0.79788456080286535588; // sqrt(2/pi) = E|z|
constexpr double kInvSqrt2 = 0.70710678118654752440;

void CheckQ(double q, const char* what) {
  if (!(q >= 0) || !std::isfinite(q)) {
    throw Error(std::string(what) + ": q must be finite and >= 0, got " + std::to_string(q));
  }
}

// Compensated (Neumaier) running sum.
struct Sum {
  double s = 0, c = 0;
  void add(double t) {
    const double n = s + t;
    c += std::fabs(s) >= std::fabs(t) ? (s - n) + t : (t - n) + s;
    s = n;
  }
  double value() const { return s + c; }
};

// Panels of one interval [p, r]; grade_l / grade_r: p / r is a center.
void AddInterval(double p, double r, bool grade_l, bool grade_r, double h0,
                 const QuadratureOptions& o, std::vector<double>& edges) {
  // edges receives the interior edges and r (p is already there).
  if (!(r > p)) return;
  if (!o.graded) {
    const double len = r - p;
    const auto n = static_cast<long>(std::ceil(len / h0 - 1e-12));
    for (long i = 1; i < n; ++i) edges.push_back(p + len * static_cast<double>(i) / static_cast<double>(n));
    edges.push_back(r);
    return;
  }
  const double mid = 0.5 * (p + r);
  std::vector<double> left, right;
  double a_l = p, a_r = r;
  if (grade_l) {
    double w = h0;
    while (w < o.max_panel && a_l + w < mid) {
      a_l += w;
      left.push_back(a_l);
      w = a_l - p;
    }
  }
  if (grade_r) {
    double w = h0;
    while (w < o.max_panel && a_r - w > mid) {
      a_r -= w;
      right.push_back(a_r);
      w = r - a_r;
    }
  }
  double limit = o.max_panel;
  if (grade_l) limit = std::min(limit, std::max(h0, a_l - p));
  if (grade_r) limit = std::min(limit, std::max(h0, r - a_r));
  // left ascending, the middle split evenly, right ascending, then r.
  for (double e : left) edges.push_back(e);
  const double len = a_r - a_l;  // > 0: both graded ends stop short of mid
  const auto n = std::max(1L, static_cast<long>(std::ceil(len / limit - 1e-12)));
  for (long i = 1; i < n; ++i) {
    edges.push_back(a_l + len * static_cast<double>(i) / static_cast<double>(n));
  }
  for (auto it = right.rbegin(); it != right.rend(); ++it) edges.push_back(*it);
  edges.push_back(r);
}

// f(a) = e^{a^2/2} Phi(-a) = erfcx(a / sqrt 2) / 2.
double GaussTail(double a) { return 0.5 * erfcx(a * kInvSqrt2); }

// ELU brackets for alpha = 1 (scaled by alpha, alpha^2 by the caller):
//   a1 = E[(e^{s z} - 1) 1{z<0}] + s/sqrt(2 pi)   (= f(s) - 1/2 + s/sqrt(2 pi))
//   a2 = E[(e^{s z} - 1)^2 1{z<0}]                 (= f(2s) - 2 f(s) + 1/2)
// Series for s <= 1/2: f(a) = sum_k (-1)^k r_k(a) / 2, r_k = m_k a^k / k!,
// m_k = E|z|^k, r_k = r_{k-2} a^2 / k. The k = 0, 1 terms cancel exactly.
struct EluBrackets {
  double a1, a2;
};
EluBrackets Elu(double s) {
  if (s <= 0.5) {
    double r_prev2 = 1.0;               // r_0
    double r_prev1 = kSqrt2OverPi * s;  // r_1
    Sum a1, a2;
    double pow2 = 2.0;  // 2^k at k = 1
    for (int k = 2; k < 200; ++k) {
      const double r = r_prev2 * s * s / k;
      pow2 *= 2.0;
      const double sign = (k % 2 == 0) ? 0.5 : -0.5;
      a1.add(sign * r);
      a2.add(sign * r * (pow2 - 2.0));
      r_prev2 = r_prev1;
      r_prev1 = r;
      if (r * pow2 < 1e-19 * std::fabs(a2.value()) && r < 1e-19 * std::fabs(a1.value())) break;
    }
    return {a1.value(), a2.value()};
  }
  const double fs = GaussTail(s), f2s = GaussTail(2.0 * s);
  return {(fs - 0.5) + s * kInvSqrt2Pi, (f2s - 2.0 * fs) + 0.5};
}

// The closed forms; false when phi has none.
bool ClosedForm(const Activation& phi, double q, GaussianMoments& out) {
  const double s = std::sqrt(q);
  switch (phi.kind()) {
    case ActivationKind::kLinear:
      out = {0.0, q, 1.0};
      return true;
    case ActivationKind::kRelu:
      out = {s * kInvSqrt2Pi, 0.5 * q, 0.5};
      return true;
    case ActivationKind::kLeakyRelu: {
      const double a = phi.parameter();
      out = {(1.0 - a) * s * kInvSqrt2Pi, 0.5 * q * (1.0 + a * a), 0.5 * (1.0 + a * a)};
      return true;
    }
    case ActivationKind::kErf:
      // asin(2q/(1+2q)) = atan(2q / sqrt(1+4q)).
      out = {0.0, (2.0 / kPi) * std::atan2(2.0 * q, std::sqrt(1.0 + 4.0 * q)),
             (4.0 / kPi) / std::sqrt(1.0 + 4.0 * q)};
      return true;
    case ActivationKind::kGelu: {
      // asin(q/(1+q)) = atan(q / sqrt(1+2q)); 2q^2/((1+q)sqrt(1+2q)) written
      // as 2q (q/(1+q)) / sqrt(1+2q) so that it does not overflow.
      const double r = std::sqrt(1.0 + 2.0 * q);
      const double as = std::atan2(q, r);
      const double t = q / (1.0 + q);
      const double v = 0.25 * q + (q * as + 2.0 * q * t / r) / (2.0 * kPi);
      const double d = 0.25 + as / (2.0 * kPi) + t / (kPi * r) + q / (2.0 * kPi * r * r * r);
      const double m = q / std::sqrt(2.0 * kPi * (1.0 + q));
      out = {m, v, d};
      return true;
    }
    case ActivationKind::kElu:
    case ActivationKind::kSelu: {
      const bool selu = phi.kind() == ActivationKind::kSelu;
      const double alpha = selu ? kSeluAlpha : phi.parameter();
      const double lambda = selu ? kSeluLambda : 1.0;
      const EluBrackets b = Elu(s);
      // M = s/sqrt(2pi) + alpha (a1 - s/sqrt(2pi)) = (1 - alpha) s/sqrt(2pi) + alpha a1.
      const double m = (1.0 - alpha) * s * kInvSqrt2Pi + alpha * b.a1;
      const double v = 0.5 * q + alpha * alpha * b.a2;
      const double d = 0.5 + alpha * alpha * GaussTail(2.0 * s);
      out = {lambda * m, lambda * lambda * v, lambda * lambda * d};
      return true;
    }
    default:
      return false;
  }
}

GaussianMoments Quadrature(const Activation& phi, double q, const QuadratureOptions& o) {
  const double s = std::sqrt(q);
  const GaussianRule rule = gaussian_rule(s, o);
  Sum m, v, d;
  for (std::size_t i = 0; i < rule.z.size(); ++i) {
    const double x = s * rule.z[i];
    const double f = phi.value(x), df = phi.derivative(x);
    m.add(rule.w[i] * f);
    v.add(rule.w[i] * f * f);
    d.add(rule.w[i] * df * df);
  }
  return {m.value(), v.value(), d.value()};
}

// Arc-cosine kernel pieces (Cho & Saul 2009), theta = acos(c):
//   E[relu(u1) relu(u2)] = sqrt(q1 q2) (sin theta + (pi - theta) cos theta) / (2 pi)
//   E[1{u1>0} 1{u2>0}]  = (pi - theta) / (2 pi)
double ReluPair(double q1, double q2, double c) {
  const double th = std::acos(c);
  return std::sqrt(q1 * q2) * (std::sin(th) + (kPi - th) * c) / (2.0 * kPi);
}
double StepPair(double c) { return (kPi - std::acos(c)) / (2.0 * kPi); }

template <class F>
double PairQuadrature(const Activation& phi, double q1, double q2, double c, F&& f) {
  const double s1 = std::sqrt(q1), s2 = std::sqrt(q2);
  const double sc = std::sqrt(std::max(0.0, 1.0 - c * c));
  // The inner expectation, as a function of z1, has its features (a kink of
  // phi smoothed by the inner Gaussian) on the scale sqrt(1 - c^2) / |c|;
  // grade the outer panels for the finest of that and the two lengths.
  double outer_scale = std::max(s1, s2 * std::fabs(c));
  if (sc > 0) outer_scale = std::max(outer_scale, std::fabs(c) / sc);
  const GaussianRule outer = gaussian_rule(outer_scale);
  Sum total;
  for (std::size_t i = 0; i < outer.z.size(); ++i) {
    const double z1 = outer.z[i];
    const double a = f(phi, s1 * z1);
    if (a == 0.0) continue;
    const double shift = s2 * c * z1, b = s2 * sc;
    double inner;
    if (b == 0.0) {
      inner = f(phi, shift);
    } else {
      const double center = -shift / b;
      const GaussianRule r = gaussian_rule(b, std::span<const double>(&center, 1));
      inner = r.expect([&](double z2) { return f(phi, shift + b * z2); });
    }
    total.add(outer.w[i] * a * inner);
  }
  return total.value();
}

}  // namespace

const GaussLegendreRule& gauss_legendre(int n) {
  if (n < 1 || n > 200) throw Error("gauss_legendre: n must be in [1, 200]");
  static std::mutex mu;
  static std::map<int, GaussLegendreRule> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  GaussLegendreRule rule;
  rule.nodes.assign(static_cast<size_t>(n), 0.0);
  rule.weights.assign(static_cast<size_t>(n), 0.0);
  const int half = (n + 1) / 2;
  for (int i = 0; i < half; ++i) {
    // Initial guess: the i-th largest root, cos(pi (i + 3/4) / (n + 1/2))
    // (Tricomi's leading term), refined by Newton on P_n.
    double x = std::cos(kPi * (i + 0.75) / (n + 0.5));
    double dp = 1.0;
    for (int it2 = 0; it2 < 100; ++it2) {
      // (j + 1) P_{j+1} = (2j + 1) x P_j - j P_{j-1}.
      double p0 = 1.0, p1 = x;
      for (int j = 1; j < n; ++j) {
        const double p2 = ((2.0 * j + 1.0) * x * p1 - j * p0) / (j + 1.0);
        p0 = p1;
        p1 = p2;
      }
      // P_n' = n (x P_n - P_{n-1}) / (x^2 - 1).
      dp = n * (x * p1 - p0) / (x * x - 1.0);
      const double dx = p1 / dp;
      x -= dx;
      if (std::fabs(dx) <= 1e-17) break;
    }
    // Final derivative at the converged root.
    double p0 = 1.0, p1 = x;
    for (int j = 1; j < n; ++j) {
      const double p2 = ((2.0 * j + 1.0) * x * p1 - j * p0) / (j + 1.0);
      p0 = p1;
      p1 = p2;
    }
    dp = n * (x * p1 - p0) / (x * x - 1.0);
    const double w = 2.0 / ((1.0 - x * x) * dp * dp);
    const auto hi = static_cast<size_t>(n - 1 - i), lo = static_cast<size_t>(i);
    rule.nodes[hi] = x;
    rule.nodes[lo] = -x;
    rule.weights[hi] = w;
    rule.weights[lo] = w;
  }
  if (n % 2 == 1) rule.nodes[static_cast<size_t>(n / 2)] = 0.0;
  return cache.emplace(n, std::move(rule)).first->second;
}

GaussianRule gaussian_rule(double scale, std::span<const double> centers,
                           const QuadratureOptions& o) {
  if (o.points < 1 || !(o.z_max > 0) || !(o.max_panel > 0)) {
    throw Error("gaussian_rule: bad quadrature options");
  }
  const double h0 = o.max_panel * std::min(1.0, scale > 0 ? 1.0 / scale : 1.0);
  std::vector<double> cs;
  for (double c : centers) {
    if (c > -o.z_max && c < o.z_max) cs.push_back(c);
  }
  std::sort(cs.begin(), cs.end());
  cs.erase(std::unique(cs.begin(), cs.end()), cs.end());
  std::vector<double> points;
  points.push_back(-o.z_max);
  for (double c : cs) points.push_back(c);
  points.push_back(o.z_max);
  std::vector<double> edges{points.front()};
  for (size_t i = 0; i + 1 < points.size(); ++i) {
    AddInterval(points[i], points[i + 1], i > 0, i + 2 < points.size(), h0, o, edges);
  }
  const GaussLegendreRule& gl = gauss_legendre(o.points);
  GaussianRule rule;
  rule.z.reserve((edges.size() - 1) * gl.nodes.size());
  rule.w.reserve(rule.z.capacity());
  for (size_t e = 0; e + 1 < edges.size(); ++e) {
    const double a = edges[e], b = edges[e + 1];
    const double half = 0.5 * (b - a), mid = 0.5 * (a + b);
    for (size_t k = 0; k < gl.nodes.size(); ++k) {
      const double z = mid + half * gl.nodes[k];
      rule.z.push_back(z);
      rule.w.push_back(half * gl.weights[k] * kInvSqrt2Pi * std::exp(-0.5 * z * z));
    }
  }
  return rule;
}

GaussianRule gaussian_rule(double scale, const QuadratureOptions& options) {
  const double zero = 0.0;
  return gaussian_rule(scale, std::span<const double>(&zero, 1), options);
}

GaussianMoments gaussian_moments(const Activation& phi, double q, Method method,
                                 const QuadratureOptions& options) {
  CheckQ(q, "gaussian_moments");
  if (method == Method::kClosedForm && !phi.has_closed_form()) {
    throw Error("no closed form for E[" + phi.name() + "(sqrt(q) z)^2]; use quadrature");
  }
  if (q == 0.0) {
    const double f = phi.value(0.0), df = phi.derivative(0.0);
    return {f, f * f, df * df};
  }
  GaussianMoments out;
  if (method != Method::kQuadrature && ClosedForm(phi, q, out)) return out;
  return Quadrature(phi, q, options);
}

double expected_phi(const Activation& phi, double q, Method method) {
  return gaussian_moments(phi, q, method).m;
}
double expected_phi2(const Activation& phi, double q, Method method) {
  return gaussian_moments(phi, q, method).v;
}
double expected_dphi2(const Activation& phi, double q, Method method) {
  return gaussian_moments(phi, q, method).d;
}

double expected_phi4(const Activation& phi, double q) {
  CheckQ(q, "expected_phi4");
  switch (phi.kind()) {
    case ActivationKind::kLinear: return 3.0 * q * q;
    case ActivationKind::kRelu: return 1.5 * q * q;
    case ActivationKind::kLeakyRelu: {
      const double a2 = phi.parameter() * phi.parameter();
      return 1.5 * q * q * (1.0 + a2 * a2);
    }
    default: break;
  }
  if (q == 0.0) return std::pow(phi.value(0.0), 4);
  const double s = std::sqrt(q);
  return gaussian_rule(s).expect([&](double z) {
    const double f = phi.value(s * z);
    return (f * f) * (f * f);
  });
}

double phi2_kurtosis(const Activation& phi, double q) {
  CheckQ(q, "phi2_kurtosis");
  switch (phi.kind()) {
    case ActivationKind::kLinear: return 3.0;
    case ActivationKind::kRelu: return 6.0;
    case ActivationKind::kLeakyRelu: {
      const double a2 = phi.parameter() * phi.parameter();
      return 6.0 * (1.0 + a2 * a2) / ((1.0 + a2) * (1.0 + a2));
    }
    default: break;
  }
  const double v = gaussian_moments(phi, q).v;
  if (!(v > 0)) return std::nan("");
  if (q == 0.0) return 1.0;
  const double s = std::sqrt(q), inv = 1.0 / std::sqrt(v);
  return gaussian_rule(s).expect([&](double z) {
    const double f = phi.value(s * z) * inv;
    return (f * f) * (f * f);
  });
}

double expected_phi_ddphi(const Activation& phi, double q) {
  CheckQ(q, "expected_phi_ddphi");
  if (phi.positively_homogeneous()) return 0.0;
  if (q == 0.0) return phi.value(0.0) * phi.second_derivative(0.0);
  const double s = std::sqrt(q);
  return gaussian_rule(s).expect(
      [&](double z) { return phi.value(s * z) * phi.second_derivative(s * z); });
}

double expected_phi_pair(const Activation& phi, double q1, double q2, double c,
                         Method method) {
  CheckQ(q1, "expected_phi_pair");
  CheckQ(q2, "expected_phi_pair");
  c = std::clamp(c, -1.0, 1.0);
  if (method != Method::kQuadrature) {
    switch (phi.kind()) {
      case ActivationKind::kLinear: return c * std::sqrt(q1 * q2);
      case ActivationKind::kRelu: return ReluPair(q1, q2, c);
      case ActivationKind::kLeakyRelu: {
        // lrelu(x) = a x + (1 - a) relu(x) and E[u1 relu(u2)] = E[u1 u2] / 2.
        const double a = phi.parameter();
        return a * c * std::sqrt(q1 * q2) + (1.0 - a) * (1.0 - a) * ReluPair(q1, q2, c);
      }
      case ActivationKind::kErf:
        return (2.0 / kPi) *
               std::asin(2.0 * c * std::sqrt(q1 * q2) /
                         std::sqrt((1.0 + 2.0 * q1) * (1.0 + 2.0 * q2)));
      default:
        if (method == Method::kClosedForm) {
          throw Error("no closed form for the " + phi.name() + " correlation map");
        }
    }
  }
  return PairQuadrature(phi, q1, q2, c,
                        [](const Activation& a, double x) { return a.value(x); });
}

double expected_dphi_pair(const Activation& phi, double q1, double q2, double c,
                          Method method) {
  CheckQ(q1, "expected_dphi_pair");
  CheckQ(q2, "expected_dphi_pair");
  c = std::clamp(c, -1.0, 1.0);
  if (method != Method::kQuadrature) {
    switch (phi.kind()) {
      case ActivationKind::kLinear: return 1.0;
      case ActivationKind::kRelu: return StepPair(c);
      case ActivationKind::kLeakyRelu: {
        // lrelu' = a + (1 - a) 1{x > 0}.
        const double a = phi.parameter();
        return a + (1.0 - a) * (1.0 - a) * StepPair(c);
      }
      case ActivationKind::kErf: {
        // (4/pi) E[e^{-u1^2 - u2^2}] = (4/pi) / sqrt(det(I + 2 Sigma)).
        const double det = (1.0 + 2.0 * q1) * (1.0 + 2.0 * q2) - 4.0 * c * c * q1 * q2;
        return (4.0 / kPi) / std::sqrt(det);
      }
      default:
        if (method == Method::kClosedForm) {
          throw Error("no closed form for the " + phi.name() + " correlation slope");
        }
    }
  }
  return PairQuadrature(phi, q1, q2, c,
                        [](const Activation& a, double x) { return a.derivative(x); });
}

double saturation_probability(const Activation& phi, double q, double threshold) {
  CheckQ(q, "saturation_probability");
  if (!phi.saturating()) return std::nan("");
  if (phi.derivative(0.0) < threshold) return 1.0;
  // |phi'| decreases on [0, inf): bisection for phi'(x_t) = threshold.
  double lo = 0.0, hi = 1.0;
  while (phi.derivative(hi) >= threshold && hi < 1e3) hi *= 2.0;
  for (int i = 0; i < 200 && hi - lo > 1e-15 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (phi.derivative(mid) >= threshold ? lo : hi) = mid;
  }
  if (q == 0.0) return 0.0;
  return std::erfc(0.5 * (lo + hi) / std::sqrt(2.0 * q));
}

double erfcx(double x) {
  if (std::isnan(x)) return x;
  if (x < 0) {
    const double p = x * x, e = std::fma(x, x, -p);
    return 2.0 * std::exp(p) * (1.0 + e) - erfcx(-x);
  }
  if (x < 25.0) {
    // e^{x^2} with x^2 = p + e exactly (e from fma): e^p (1 + e).
    const double p = x * x, e = std::fma(x, x, -p);
    return std::exp(p) * (1.0 + e) * std::erfc(x);
  }
  // erfcx(x) ~ 1/(x sqrt(pi)) sum_k (-1)^k (2k - 1)!! / (2 x^2)^k; at x >= 25
  // the terms fall by (2k - 1)/1250 each, so 12 terms reach 1e-17.
  const double inv = 1.0 / (2.0 * x * x);
  double term = 1.0, sum = 1.0;
  for (int k = 1; k < 30; ++k) {
    term *= -(2.0 * k - 1.0) * inv;
    sum += term;
    if (std::fabs(term) < 1e-18) break;
  }
  return sum * kInvSqrtPi / x;
}

}  // namespace initcheck::propagation
