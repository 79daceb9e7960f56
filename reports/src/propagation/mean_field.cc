// Mean-field recursions, fixed points, depth scales and finite-width spread
// (formulas and references in mean_field.h).
#include "initcheck/propagation/mean_field.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "initcheck/error.h"
#include "initcheck/fill.h"

namespace initcheck::propagation {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kHuge = 1e300;  // beyond: exploded
constexpr double kTiny = 1e-300; // below: vanished (0+ for limits)
constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

double Phi(double x) { return 0.5 * std::erfc(-x * kInvSqrt2); }
double Pdf(double x) { return kInvSqrt2Pi * std::exp(-0.5 * x * x); }

std::string Num(double x) { return format_number(x); }

// The length map F(q) = sigma_w^2 V(q) + sigma_b^2 and its derivative.
struct LengthMap {
  const Activation& phi;
  double sw2, sb2;
  Method method = Method::kAuto;
  double F(double q) const { return sw2 * gaussian_moments(phi, q, method).v + sb2; }
  double Slope(double q) const {
    const double qe = std::clamp(q, kTiny, kHuge);
    return sw2 * (gaussian_moments(phi, qe, method).d + expected_phi_ddphi(phi, qe));
  }
  double Chi(double q) const {
    return sw2 * gaussian_moments(phi, std::clamp(q, kTiny, kHuge), method).d;
  }
};

// Root of G(q) = F(q) - q in [lo, hi] with G(lo) > 0 > G(hi): bisection
// (in log q when the bracket spans decades), ~100 map evaluations.
double BracketRoot(const LengthMap& m, double lo, double hi) {
  for (int i = 0; i < 200; ++i) {
    const double mid = (lo > 0 && hi / lo > 4.0) ? std::sqrt(lo * hi) : 0.5 * (lo + hi);
    if (!(mid > lo && mid < hi)) break;
    (m.F(mid) - mid > 0 ? lo : hi) = mid;
    if (hi - lo <= 1e-15 * hi) break;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

Moments2 truncated_normal_moments(double mean, double std, double alpha, double beta) {
  if (!(alpha < beta) || !(std > 0)) {
    throw Error("truncated normal needs std > 0 and alpha < beta");
  }
  // Z = Phi(beta) - Phi(alpha), from the tail that avoids cancellation.
  const double z = alpha > 0 ? Phi(-alpha) - Phi(-beta) : Phi(beta) - Phi(alpha);
  const double pa = std::isfinite(alpha) ? Pdf(alpha) : 0.0;
  const double pb = std::isfinite(beta) ? Pdf(beta) : 0.0;
  const double apa = std::isfinite(alpha) ? alpha * pa : 0.0;
  const double bpb = std::isfinite(beta) ? beta * pb : 0.0;
  const double shift = (pa - pb) / z;
  Moments2 m;
  m.mean = mean + std * shift;
  m.variance = std * std * (1.0 + (apa - bpb) / z - shift * shift);
  return m;
}

WeightStats weight_stats(const Scheme& scheme, int64_t width) {
  if (width < 1) throw Error("width must be >= 1");
  Geometry g;
  g.shape = {width, width};
  const FillPlan p = plan_fill(scheme, g);
  const double n = static_cast<double>(width);
  WeightStats w;
  w.scheme = scheme.str();
  w.distribution = p.describe();
  switch (p.kind) {
    case FillPlan::Kind::kConstant:
      w.mean = p.value;
      w.variance = 0;
      w.random = false;
      if (p.value == 0) {
        w.note = "zero weights: every pre-activation equals its bias (q = sigma_b^2) and no "
                 "gradient reaches the layers below the output";
      } else {
        w.supported = false;
        w.note = "constant weights (" + Num(p.value) +
                 ") have a nonzero mean: every unit of a layer computes the same value, "
                 "which mean-field theory (i.i.d. zero-mean weights) does not describe";
      }
      break;
    case FillPlan::Kind::kUniform:
      w.mean = 0.5 * (p.low + p.high);
      w.variance = (p.high - p.low) * (p.high - p.low) / 12.0;
      break;
    case FillPlan::Kind::kNormal:
      if (p.truncated) {
        // lib's kernel clamps the standardized bounds to +-10.
        const Moments2 m = truncated_normal_moments(p.mean, p.std, std::max(p.alpha, -10.0),
                                                    std::min(p.beta, 10.0));
        w.mean = m.mean;
        w.variance = m.variance;
      } else {
        w.mean = p.mean;
        w.variance = p.std * p.std;
      }
      break;
    case FillPlan::Kind::kOrthogonal: {
      // gain Q with min(rows, cols) orthonormal rows or columns: the squares
      // sum to gain^2 min(rows, cols) over rows * cols entries.
      const double r = static_cast<double>(p.rows), c = static_cast<double>(p.cols);
      w.mean = 0;
      w.variance = p.gain * p.gain * std::min(r, c) / (r * c);
      w.note = "orthogonal: norms are preserved exactly by the linear part, so the "
               "per-network spread is smaller than for i.i.d. weights";
      break;
    }
    case FillPlan::Kind::kSparse: {
      const double zeros = std::min(std::ceil(p.sparsity * static_cast<double>(p.rows)),
                                    static_cast<double>(p.rows));
      w.mean = 0;
      w.variance = p.std * p.std * (static_cast<double>(p.rows) - zeros) /
                   static_cast<double>(p.rows);
      break;
    }
    case FillPlan::Kind::kEye:
      w.mean = p.value / n;
      w.variance = p.value * p.value / n - w.mean * w.mean;
      w.random = false;
      w.supported = false;
      w.note = "identity weights are deterministic (unit i copies input i): mean-field "
               "theory of i.i.d. zero-mean weights does not apply";
      break;
    default:
      w.supported = false;
      w.random = false;
      w.note = "structured weights (" + w.distribution + ") are outside mean-field theory";
      break;
  }
  w.second_moment = w.variance + w.mean * w.mean;
  w.sigma_w2 = n * w.second_moment;
  if (w.supported && w.random && w.mean != 0 &&
      n * w.mean * w.mean > 1e-6 * w.variance) {
    // The common mode n E[W] mean(h) would add n^2 E[W]^2 E[h]^2 to q.
    w.supported = false;
    w.note = "weights have mean " + Num(w.mean) +
             " (n mean^2 / Var = " + Num(n * w.mean * w.mean / w.variance) +
             "): mean-field theory assumes zero-mean weights";
  }
  return w;
}

std::vector<MeanFieldLayer> mean_field(const MeanFieldConfig& c) {
  if (c.depth < 1) throw Error("mean_field: depth must be >= 1");
  if (!(c.sigma_w2 >= 0) || !(c.sigma_b2 >= 0) || !(c.input_second_moment >= 0) ||
      !std::isfinite(c.sigma_w2) || !std::isfinite(c.sigma_b2)) {
    throw Error("mean_field: variances must be finite and >= 0");
  }
  std::vector<MeanFieldLayer> out(static_cast<size_t>(c.depth));
  std::vector<double> dvals(out.size());
  double q = c.sigma_w2 * c.input_second_moment + c.sigma_b2;
  double prev_second = c.input_second_moment;  // E[(h^0)^2] = E[x^2]
  for (int l = 1; l <= c.depth; ++l) {
    MeanFieldLayer& L = out[static_cast<size_t>(l - 1)];
    L.layer = l;
    L.q = (std::isfinite(q) && q <= kHuge) ? q : kInf;
    const GaussianMoments mo =
        gaussian_moments(c.activation, std::min(L.q, kHuge), c.method);
    L.post_mean = std::isfinite(L.q) ? mo.m : kNaN;
    L.post_second = std::isfinite(L.q) ? mo.v : kInf;
    L.chi = c.sigma_w2 * mo.d;
    dvals[static_cast<size_t>(l - 1)] = mo.d;
    L.weight_grad = prev_second;  // multiplied by g^l below
    prev_second = L.post_second;
    q = std::isfinite(L.q) ? c.sigma_w2 * mo.v + c.sigma_b2 : kInf;
  }
  // Backward: E[(dL/dz^l)^2] = D(q^l) E[(dL/dh^l)^2], with E[(dL/dh^L)^2] = 1
  // and E[(dL/dh^l)^2] = sigma_w^2 g^{l+1} below the output.
  double next = 1.0;
  for (int l = c.depth; l >= 1; --l) {
    MeanFieldLayer& L = out[static_cast<size_t>(l - 1)];
    L.g = dvals[static_cast<size_t>(l - 1)] * next;
    next = c.sigma_w2 * L.g;
    L.weight_grad = L.g * L.weight_grad;
  }
  return out;
}

std::string_view phase_name(Phase p) {
  switch (p) {
    case Phase::kOrdered: return "ordered";
    case Phase::kCritical: return "critical";
    case Phase::kChaotic: return "chaotic";
    case Phase::kUnbounded: return "unbounded";
  }
  return "?";
}

double correlation_map(const Activation& phi, double sw2, double sb2, double q, double c) {
  const double denom = sw2 * expected_phi2(phi, q) + sb2;
  if (!(denom > 0)) return 1.0;
  return (sw2 * expected_phi_pair(phi, q, q, c) + sb2) / denom;
}

FixedPoint fixed_point(const Activation& phi, double sw2, double sb2, double q_start,
                       bool with_correlation) {
  if (!(sw2 >= 0) || !(sb2 >= 0) || !std::isfinite(sw2) || !std::isfinite(sb2) ||
      !(q_start >= 0) || !std::isfinite(q_start)) {
    throw Error("fixed_point: variances must be finite and >= 0");
  }
  const LengthMap m{phi, sw2, sb2};
  FixedPoint fp;
  bool unbounded = false;
  if (phi.positively_homogeneous()) {
    const double r = sw2 * gaussian_moments(phi, 1.0).v;  // F(q) = r q + sb2
    if (std::fabs(r - 1.0) <= 1e-12 && sb2 == 0) {
      fp.q_star = q_start;
      fp.marginal = true;
    } else if (r < 1.0) {
      fp.q_star = sb2 / (1.0 - r);
    } else {
      unbounded = true;
    }
  } else {
    // Iterate the (monotone increasing) map; if it has not settled, bracket
    // the fixed point it is heading to and bisect.
    double q = q_start;
    bool done = false;
    for (int it = 0; it < 300 && !done; ++it) {
      const double qn = m.F(q);
      if (!std::isfinite(qn) || qn > kHuge) {
        unbounded = true;
        done = true;
      } else if (qn < kTiny) {
        fp.q_star = 0;
        done = true;
      } else if (std::fabs(qn - q) <= 1e-14 * std::max(q, qn)) {
        fp.q_star = qn;
        done = true;
      } else {
        q = qn;
      }
    }
    if (!done) {
      const double g = m.F(q) - q;
      if (g < 0) {
        // Decreasing towards the largest fixed point below q.
        if (sb2 == 0 && phi.value(0.0) == 0.0) {
          // 0 is a fixed point; a positive one exists iff G > 0 near 0.
          double lo = q;
          bool found = false;
          for (int k = 0; k < 60 && lo > kTiny; ++k) {
            lo *= 1e-5;
            // A significant sign change only: near 0, F(q) - q is O(q^2)
            // for tanh-like phi and drowns in the rounding of F (~1e-16 q).
            if (m.F(lo) - lo > 1e-10 * lo) {
              found = true;
              break;
            }
          }
          fp.q_star = found ? BracketRoot(m, lo, q) : 0.0;
        } else {
          fp.q_star = BracketRoot(m, 0.0, q);
        }
      } else {
        // Increasing: the smallest fixed point above q, if F(hi) - hi turns
        // significantly negative somewhere. Far out F(q) - q can be o(q)
        // (softplus at sigma_w^2 = 2 grows like l^{2/3}), below the rounding
        // of F, so a sign change must exceed 1e-9 hi to count.
        double hi = q;
        while (hi < kHuge && m.F(hi) - hi > -1e-9 * hi) hi *= 4.0;
        if (hi >= kHuge) {
          unbounded = true;
        } else {
          fp.q_star = BracketRoot(m, q, hi);
        }
      }
    }
  }
  if (unbounded) {
    fp.q_star = kInf;
    fp.chi1 = m.Chi(kHuge);
    // Homogeneous phi without bias: q^{l+1} = chi_1 q^l, so chi_1 within the
    // tolerance of 1 is the same (near-)marginal case as relu + He
    // (leaky_relu(0.01) + He: chi_1 = 1.0001).
    fp.phase = phi.positively_homogeneous() && sb2 == 0 &&
                       std::fabs(fp.chi1 - 1.0) <= kCriticalTolerance
                   ? Phase::kCritical
                   : Phase::kUnbounded;
    fp.slope = kNaN;
    fp.xi_q = kNaN;
    fp.xi_c = kNaN;
    fp.c_star = kNaN;
    fp.xi_grad = std::fabs(fp.chi1 - 1.0) <= 1e-9 ? kInf : 1.0 / std::fabs(std::log(fp.chi1));
    return fp;
  }
  fp.chi1 = m.Chi(fp.q_star);
  fp.slope = fp.marginal ? 1.0 : m.Slope(fp.q_star);
  fp.xi_q = fp.slope >= 1.0 ? kInf : (fp.slope <= 0 ? 0.0 : -1.0 / std::log(fp.slope));
  fp.xi_grad = std::fabs(fp.chi1 - 1.0) <= 1e-9 ? kInf : 1.0 / std::fabs(std::log(fp.chi1));
  if (std::fabs(fp.chi1 - 1.0) <= 1e-9) {
    fp.phase = Phase::kCritical;
    fp.c_star = 1.0;
    fp.xi_c = kInf;
  } else if (fp.chi1 < 1.0) {
    fp.phase = Phase::kOrdered;
    fp.c_star = 1.0;
    fp.xi_c = -1.0 / std::log(fp.chi1);
  } else {
    fp.phase = Phase::kChaotic;
    fp.c_star = kNaN;
    fp.xi_c = kNaN;
    if (with_correlation && fp.q_star > 0) {
      // Stable c* < 1 of the correlation map: Newton on C(c) - c from c = 0,
      // C'(c) = sigma_w^2 E[phi'(u1) phi'(u2)] (at the fixed point q*),
      // safeguarded by bisection on [-1, 1).
      const double qs = fp.q_star;
      const double denom = m.F(qs);
      auto C = [&](double c) { return (sw2 * expected_phi_pair(phi, qs, qs, c) + sb2) / denom; };
      auto dC = [&](double c) { return sw2 * qs * expected_dphi_pair(phi, qs, qs, c) / denom; };
      double lo = -1.0, hi = 1.0 - 1e-9;  // C - c > 0 at lo, < 0 just below 1 (chaotic)
      double c = 0.0;
      for (int it = 0; it < 60; ++it) {
        const double h = C(c) - c;
        if (std::fabs(h) <= 1e-14) break;
        (h > 0 ? lo : hi) = c;
        const double step = h / (1.0 - dC(c));
        double cn = c + step;
        if (!(cn > lo && cn < hi)) cn = 0.5 * (lo + hi);
        if (std::fabs(cn - c) <= 1e-15) {
          c = cn;
          break;
        }
        c = cn;
      }
      fp.c_star = c;
      const double slope_c = dC(c);
      fp.xi_c = slope_c >= 1.0 ? kInf : -1.0 / std::log(slope_c);
    }
  }
  // The label: critical within the tolerance (the depth scales above keep
  // the exact chi_1).
  if (std::fabs(fp.chi1 - 1.0) <= kCriticalTolerance) fp.phase = Phase::kCritical;
  return fp;
}

double critical_sigma_w2(const Activation& phi, double sb2) {
  auto h = [&](double log_sw2) {
    return fixed_point(phi, std::exp(log_sw2), sb2, 1.0, false).chi1 - 1.0;
  };
  double lo = std::log(1e-3), hi = std::log(1e3);
  const double hlo = h(lo), hhi = h(hi);
  if (!(hlo < 0 && hhi > 0)) {
    throw Error("critical_sigma_w2: chi_1 - 1 does not change sign for sigma_w^2 in "
                "[1e-3, 1e3] with " + phi.name());
  }
  for (int i = 0; i < 100 && hi - lo > 1e-13; ++i) {
    const double mid = 0.5 * (lo + hi);
    (h(mid) < 0 ? lo : hi) = mid;
  }
  return std::exp(0.5 * (lo + hi));
}

SpreadPrediction predict_log_spread(const MeanFieldConfig& c,
                                    const std::vector<MeanFieldLayer>& theory,
                                    int64_t width) {
  if (width < 1) throw Error("predict_log_spread: width must be >= 1");
  const double n = static_cast<double>(width);
  SpreadPrediction out;
  out.log_var_s.assign(theory.size(), kNaN);
  out.log_var.assign(theory.size(), kNaN);
  if (theory.empty()) return out;
  const double q1 = theory[0].q;
  double v = q1 > 0 ? std::pow(c.sigma_w2 * c.input_second_moment / q1, 2) * 2.0 / n : kNaN;
  for (size_t i = 0; i < theory.size(); ++i) {
    out.log_var_s[i] = v;
    out.log_var[i] = v + 2.0 / n;
    const double q = theory[i].q;
    if (!(q > 0) || !std::isfinite(q) || !std::isfinite(v)) {
      v = kNaN;
      continue;
    }
    const GaussianMoments mo = gaussian_moments(c.activation, q, c.method);
    const double F = c.sigma_w2 * mo.v + c.sigma_b2;
    if (!(F > 0)) {
      v = kNaN;
      continue;
    }
    const double slope = c.sigma_w2 * (mo.d + expected_phi_ddphi(c.activation, q));
    const double gamma = q * slope / F;
    // kappa = sigma_w^4 Var[phi^2] / F^2 = (sigma_w^2 V / F)^2 (E[phi^4]/V^2 - 1),
    // in this order so that q near the ends of the double range is fine.
    const double share = c.sigma_w2 * mo.v / F;
    const double kappa =
        share * share * std::max(0.0, phi2_kurtosis(c.activation, q) - 1.0);
    v = gamma * gamma * v + kappa / n;
  }
  return out;
}

double relu_he_log_sd(int layer, int64_t width) {
  return std::sqrt((5.0 * (layer - 1) + 4.0) / static_cast<double>(width));
}

int relu_he_max_depth(int64_t width, double max_sd) {
  const double budget = max_sd * max_sd * static_cast<double>(width) - 4.0;
  if (budget < 0) return 0;
  return 1 + static_cast<int>(std::floor(budget / 5.0 + 1e-12));
}

int64_t relu_he_min_width(int depth, double max_sd) {
  return static_cast<int64_t>(std::ceil((5.0 * (depth - 1) + 4.0) / (max_sd * max_sd) - 1e-9));
}

}  // namespace initcheck::propagation
