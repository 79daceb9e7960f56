// File: initcheck/propagation/gaussian_expectation.h
//
// Gaussian expectations of an activation, z ~ N(0, 1):
//   M(q) = E[phi(sqrt(q) z)]        post-activation mean
//   V(q) = E[phi(sqrt(q) z)^2]      post-activation second moment (length map)
//   D(q) = E[phi'(sqrt(q) z)^2]     derivative second moment (chi)
// plus E[phi^4] (finite-width spread), E[phi phi''] (slope of the length map,
// dV/dq = D + E[phi phi'']) and the two-input expectations of the correlation
// map (Poole et al. 2016, "Exponential expressivity in deep neural networks
// through transient chaos"; Schoenholz et al. 2017, "Deep information
// propagation").
//
// Closed forms (research note propagation.md section 4.1; Cho & Saul 2009 for
// the arc-cosine kernel, Williams 1997 for erf), s = sqrt(q),
// f(a) = e^{a^2/2} Phi(-a) = erfcx(a / sqrt 2) / 2:
//   linear      V = q                    D = 1                M = 0
//   relu        V = q/2                  D = 1/2              M = s/sqrt(2 pi)
//   leaky(a)    V = q(1+a^2)/2           D = (1+a^2)/2        M = (1-a)s/sqrt(2 pi)
//   erf         V = (2/pi) asin(2q/(1+2q))   D = (4/pi)/sqrt(1+4q)   M = 0
//   gelu        V = q/4 + [q asin(q/(1+q)) + 2q^2/((1+q)sqrt(1+2q))]/(2 pi)
//               D = 1/4 + asin(q/(1+q))/(2 pi) + q/(pi(1+q)sqrt(1+2q))
//                   + q/(2 pi (1+2q)^{3/2})
//               M = q/sqrt(2 pi (1+q))
//   elu(alpha)  V = q/2 + alpha^2 [f(2s) - 2 f(s) + 1/2]
//               D = 1/2 + alpha^2 f(2s)
//               M = s/sqrt(2 pi) + alpha [f(s) - 1/2]
//   selu        lambda^2 x (elu V, D with alpha_selu), lambda x (elu M)
// asin(x/(1+x)) is evaluated as atan(x/sqrt(1+2x)) (no loss near 1), and the
// elu brackets, which cancel to O(q) for small q, by their Taylor series in s
// for q <= 1/4: f(a) = sum_k (-1)^k m_k a^k / (2 k!), m_k = E|z|^k.
//
// Quadrature (tanh, sigmoid, silu, softplus, and every E[phi^4], E[phi
// phi'']): plain Gauss-Hermite is not enough (research note section 4.3: 14%
// error for E[tanh'^2] at q = 25 with 128 nodes), so the z-integral is split
// at 0 (where every kink lies and where the complex singularities of
// tanh(s z), sigmoid(s z), ... sit, at distance ~1/s from the real axis),
// truncated to |z| <= 10 (Gaussian tail 7.6e-24), and integrated by composite
// 16-point Gauss-Legendre. The research note recommends uniform panels of
// width 0.5 min(1, 1/s); its cost grows like s, which is hopeless for the
// q ~ 1e100 of an exploding network. We grade the panels geometrically
// instead: the first panel next to 0 has width h0 = 0.5 min(1, 1/s), each
// further one is as wide as its distance from 0 (widths h0, h0, 2h0, 4h0, ...)
// until the width reaches 0.5, then uniform 0.5 panels. A panel [d, 2d] sees a
// singularity near 0 at >= 3 half-widths from its centre, Bernstein-ellipse
// parameter >= 3 + sqrt 8, so 16 points converge like 5.8^-32 ~ 1e-24. Cost:
// ~640 evaluations for q <= 1, ~1100 at q = 1e4, ~16000 at q = 1e300.
// uniform panels (the note's rule) remain available through
// QuadratureOptions::graded = false, for comparison.
//
// Gauss-Legendre nodes and weights are computed here by Newton's method on
// the three-term Legendre recurrence (the classical method, e.g. Davis &
// Rabinowitz, "Methods of Numerical Integration", 2nd ed. 1984, section 2.7);
// the tests compare them with Boost.Math's tabulated rules.
#ifndef INITCHECK_PROPAGATION_GAUSSIAN_EXPECTATION_H_
#define INITCHECK_PROPAGATION_GAUSSIAN_EXPECTATION_H_

#include <cmath>
#include <span>
#include <vector>

#include "initcheck/propagation/activation.h"

namespace initcheck::propagation {

// n-point Gauss-Legendre rule on [-1, 1], nodes ascending. n in [1, 200].
struct GaussLegendreRule {
  std::vector<double> nodes;
  std::vector<double> weights;
};
const GaussLegendreRule& gauss_legendre(int n);  // cached per n

struct QuadratureOptions {
  int points = 16;         // Gauss-Legendre points per panel
  double z_max = 10.0;     // integrate z over [-z_max, z_max]
  double max_panel = 0.5;  // widest panel, in z
  bool graded = true;      // false: uniform panels of width h0 (the note's rule)
};

// A rule for E_{z ~ N(0,1)}[g(z)] ~ sum_i w_i g(z_i): the weights include the
// Gaussian density. `scale` is the factor that multiplies z inside g (sqrt q),
// `centers` the points (in z) where g has kinks or near-singularities; panels
// start there (width h0 = max_panel min(1, 1/scale)) and grow away from them.
// Centers outside (-z_max, z_max) are ignored.
struct GaussianRule {
  std::vector<double> z;
  std::vector<double> w;

  // sum_i w_i g(z_i), compensated (Neumaier) summation.
  template <class G>
  double expect(G&& g) const {
    double sum = 0, comp = 0;
    for (std::size_t i = 0; i < z.size(); ++i) {
      const double t = w[i] * g(z[i]);
      const double s = sum + t;
      comp += std::fabs(sum) >= std::fabs(t) ? (sum - s) + t : (t - s) + sum;
      sum = s;
    }
    return sum + comp;
  }
};
GaussianRule gaussian_rule(double scale, std::span<const double> centers,
                           const QuadratureOptions& options = {});
// The rule with a single center at 0 (the one-input expectations).
GaussianRule gaussian_rule(double scale, const QuadratureOptions& options = {});

// How an expectation is computed. kAuto: the closed form when there is one,
// quadrature otherwise; kClosedForm throws Error when there is none.
enum class Method { kAuto, kClosedForm, kQuadrature };

struct GaussianMoments {
  double m = 0;  // M(q) = E[phi]
  double v = 0;  // V(q) = E[phi^2]
  double d = 0;  // D(q) = E[phi'^2]
};

// q >= 0 (q = 0 gives phi(0), phi(0)^2, phi'(0)^2). Throws Error for q < 0
// or q not finite.
GaussianMoments gaussian_moments(const Activation& phi, double q,
                                 Method method = Method::kAuto,
                                 const QuadratureOptions& options = {});
double expected_phi(const Activation& phi, double q, Method method = Method::kAuto);
double expected_phi2(const Activation& phi, double q, Method method = Method::kAuto);
double expected_dphi2(const Activation& phi, double q, Method method = Method::kAuto);
// E[phi^4]: closed form for linear (3 q^2), relu (3 q^2/2), leaky_relu
// (3 q^2 (1 + a^4)/2); quadrature otherwise.
double expected_phi4(const Activation& phi, double q);
// E[phi^4] / E[phi^2]^2, computed on phi / sqrt(V) so that it neither
// underflows nor overflows for q anywhere in the double range (6 for relu,
// 3 for linear, 6 (1 + a^4) / (1 + a^2)^2 for leaky_relu). NaN if V(q) = 0.
double phi2_kurtosis(const Activation& phi, double q);
// E[phi phi'']: 0 for linear, relu, leaky_relu (their kinks sit where phi = 0);
// quadrature otherwise. dV/dq = D(q) + E[phi phi''] (Stein's lemma twice).
double expected_phi_ddphi(const Activation& phi, double q);

// Two inputs with second moments q1, q2 and correlation c in [-1, 1]:
// u1 = sqrt(q1) z1, u2 = sqrt(q2) (c z1 + sqrt(1 - c^2) z2).
//   E[phi(u1) phi(u2)]     (correlation map numerator)
//   E[phi'(u1) phi'(u2)]   (its slope in c, divided by sqrt(q1 q2))
// Closed forms for linear, relu, leaky_relu (arc-cosine kernel, Cho & Saul
// 2009) and erf (Williams 1997); nested quadrature (inner rule centred on the
// kink z2 = -c z1 / sqrt(1 - c^2)) otherwise.
double expected_phi_pair(const Activation& phi, double q1, double q2, double c,
                         Method method = Method::kAuto);
double expected_dphi_pair(const Activation& phi, double q1, double q2, double c,
                          Method method = Method::kAuto);

// P(|phi'(sqrt(q) z)| < threshold) for saturating activations (tanh,
// sigmoid, erf, whose |phi'| decreases in |x|): erfc(x_t / sqrt(2 q)) with
// phi'(x_t) = threshold. NaN for the other activations.
double saturation_probability(const Activation& phi, double q, double threshold);

// erfcx(x) = e^{x^2} erfc(x), accurate to a few ulp for all x (exp of the
// exact square x^2 = p + e via fma for x < 25, the asymptotic series beyond,
// the reflection 2 e^{x^2} - erfcx(-x) for x < 0).
double erfcx(double x);

}  // namespace initcheck::propagation

#endif  // INITCHECK_PROPAGATION_GAUSSIAN_EXPECTATION_H_
