// File: initcheck/propagation/mean_field.h
//
// Mean-field (infinite-width) theory of signal propagation through a deep
// fully connected network at initialization.
//
// Network and conventions (shared with simulate.h):
//   depth L, every layer square n x n (torch layout [out, in]), the same
//   weight scheme in every layer, activation phi, optional bias
//   b^l ~ N(0, sigma_b^2) in every layer (including the first);
//   input x ~ N(0, I_n);
//   z^1 = W^1 x + b^1,  z^l = W^l h^{l-1} + b^l,  h^l = phi(z^l).
//   Forward figure  q^l = E[(z^l_i)^2]            (pre-activation second moment)
//   Backward figure g^l = E[(dL/dz^l_i)^2] when dL/dh^L ~ N(0, I) is drawn
//                   independently of the network (a random read-out), so
//                   g^L = E[phi'(z^L)^2] and g^l = sigma_w^2 E[phi'(z^l)^2] g^{l+1}.
//   sigma_w^2 = fan_in E[W_ij^2] (= n Var(W) for zero-mean weights; for a
//   square layer fan_in = fan_out = n, so the same factor serves forward and
//   backward).
//
// Recursions (Poole et al. 2016, "Exponential expressivity in deep neural
// networks through transient chaos", NeurIPS; Schoenholz et al. 2017, "Deep
// information propagation", ICLR; Glorot & Bengio 2010 and He et al. 2015 for
// the linear and ReLU special cases):
//   q^1     = sigma_w^2 E[x^2] + sigma_b^2
//   q^{l+1} = sigma_w^2 V(q^l) + sigma_b^2,         V(q) = E[phi(sqrt(q) z)^2]
//   g^L     = D(q^L),  g^l = chi^l g^{l+1},  chi^l = sigma_w^2 D(q^l)
//   E[(dL/dW^l_ij)^2] = g^l E[(h^{l-1}_j)^2]  (h^0 = x; one input)
//   fixed point q* = sigma_w^2 V(q*) + sigma_b^2, chi_1 = sigma_w^2 D(q*);
//   slope of the length map at q*: sigma_w^2 (D(q*) + E[phi phi''](q*));
//   xi_q = -1 / log(slope);   ordered phase (chi_1 < 1, c* = 1):
//   xi_c = -1 / log(chi_1);  chaotic phase (chi_1 > 1): c* < 1 is the stable
//   fixed point of the correlation map and xi_c = -1 / log(sigma_w^2
//   E[phi'(u1) phi'(u2)]) there; the gradient depth scale is
//   xi_grad = 1 / |log chi_1| (Schoenholz et al. 2017, eqs. 7, 10, 16).
//
// Finite width (research note section 6): the per-network empirical figure
// q_hat^l = (1/n) sum_i (z^l_i)^2 = s^l chi^2_n / n with s^l a Markov chain
// whose conditional mean is the length map. The delta method gives
//   Var[log s^{l+1}] ~ gamma_l^2 Var[log s^l] + kappa_l / n,
//   gamma_l = d log F / d log q at q^l,  F(q) = sigma_w^2 V(q) + sigma_b^2,
//   kappa_l = sigma_w^4 Var_z[phi(sqrt(q^l) z)^2] / F(q^l)^2,
//   Var[log q_hat^l] ~ Var[log s^l] + 2/n,  Var[log s^1] = (sigma_w^2/q^1)^2 2/n
// (the last term because x ~ N(0, I) has a random norm). For ReLU with He
// init (gamma = 1, kappa = 5): Var[log q_hat^l] = (5 (l - 1) + 4) / n, the
// log-normal law of Hanin & Nica 2019 ("Products of many large random
// matrices and gradients in deep neural networks", CMP 2020) and Hanin &
// Rolnick 2018 ("How to start training", NeurIPS): the mean over networks is
// exactly the mean-field value, but a single network's figure spreads like
// exp(N(-Var/2, Var)) and its median falls to exp(-Var/2) of theory.
#ifndef INITCHECK_PROPAGATION_MEAN_FIELD_H_
#define INITCHECK_PROPAGATION_MEAN_FIELD_H_

#include <cstdint>
#include <string>
#include <vector>

#include "initcheck/propagation/activation.h"
#include "initcheck/propagation/gaussian_expectation.h"
#include "initcheck/scheme.h"

namespace initcheck::propagation {

// ---- Weight statistics ---------------------------------------------------

// The distribution lib draws for `scheme` on a square [width, width] torch
// weight (plan_fill), and what mean-field theory makes of it.
//   uniform U[a, b):   mean (a+b)/2, Var (b-a)^2/12
//   normal N(m, s^2):  mean m, Var s^2
//   truncated normal on standardized bounds [alpha, beta] (clamped to +-10 as
//     lib's kernel does), Z = Phi(beta) - Phi(alpha):
//     mean m + s (phi(alpha) - phi(beta))/Z,
//     Var s^2 [1 + (alpha phi(alpha) - beta phi(beta))/Z - ((phi(alpha) - phi(beta))/Z)^2]
//   orthogonal (gain):  every row has norm gain, so E[W^2] = gain^2/n exactly
//   sparse (sparsity, std): std^2 (n - ceil(sparsity n))/n
//   zeros:  0 (theory: q^l = sigma_b^2, gradients vanish below the output)
//   constants c != 0, eye/identity, nonzero-mean random weights: not
//     described by mean-field theory (supported = false, `note` says why).
struct WeightStats {
  std::string scheme;        // Scheme::str()
  std::string distribution;  // FillPlan::describe()
  double mean = 0;           // E[W_ij]
  double variance = 0;       // Var[W_ij]
  double second_moment = 0;  // E[W_ij^2]
  double sigma_w2 = 0;       // n E[W_ij^2]
  bool random = true;        // false for constants and eye
  bool supported = true;     // mean-field theory applies
  std::string note;          // one line: why not supported, or a remark
};
// Throws Error if lib cannot use the scheme on [width, width].
WeightStats weight_stats(const Scheme& scheme, int64_t width);

// Mean and variance of N(mean, std^2) truncated to [mean + alpha std, mean +
// beta std] (alpha < beta, standardized bounds).
struct Moments2 {
  double mean = 0, variance = 0;
};
Moments2 truncated_normal_moments(double mean, double std, double alpha, double beta);

// ---- Recursions ------------------------------------------------------------

struct MeanFieldConfig {
  Activation activation;
  double sigma_w2 = 1;              // fan_in E[W^2], every layer
  double sigma_b2 = 0;              // bias variance, every layer
  int depth = 1;                    // L >= 1
  double input_second_moment = 1;   // E[x_i^2]
  Method method = Method::kAuto;    // how V, D, M are computed
};

struct MeanFieldLayer {
  int layer = 0;             // 1..L
  double q = 0;              // forward E[(z^l)^2]; +inf once it passes 1e300
  double g = 0;              // backward E[(dL/dz^l)^2]
  double chi = 0;            // sigma_w^2 D(q^l)
  double post_mean = 0;      // M(q^l) = E[h^l]
  double post_second = 0;    // V(q^l) = E[(h^l)^2]
  double weight_grad = 0;    // g^l E[(h^{l-1})^2]
};

// The recursions above; q past 1e300 is +inf from there on (D is then
// evaluated at 1e300, where every supported activation has reached its
// limit). Throws Error for depth < 1 or negative variances.
std::vector<MeanFieldLayer> mean_field(const MeanFieldConfig& config);

// ---- Fixed points, chi_1, depth scales --------------------------------------

// The phase of a (phi, sigma_w^2, sigma_b^2) network, from chi_1 =
// sigma_w^2 E[phi'(sqrt(q*) z)^2] at the fixed point q* the length map reaches
// from q^1 (Poole et al. 2016; Schoenholz et al. 2017):
//   ordered    chi_1 < 1 - tol: nearby inputs converge (c -> 1) and
//              gradients shrink by chi_1 per layer;
//   critical   |chi_1 - 1| <= tol: the edge of chaos, chi_1 = 1 (the critical
//              line in the (sigma_w^2, sigma_b^2) plane); gradients keep
//              their size over ~1/tol layers;
//   chaotic    chi_1 > 1 + tol: nearby inputs decorrelate (c* < 1) and
//              gradients grow by chi_1 per layer;
//   unbounded  the length map has no finite fixed point: q grows without
//              limit (linear or leaky networks with chi_1 > 1 + tol,
//              sigma_w^2 > 2 for elu and selu, N(0, 1) weights), so there is
//              no chi_1 at a fixed point; the gradient factor per layer is
//              chi^l = sigma_w^2 E[phi'(sqrt(q^l) z)^2] instead.
// tol = kCriticalTolerance = 0.01: a gradient depth scale xi_grad = 1/|log
// chi_1| of at least 100 layers, twice the deepest network of the reports, so
// that "critical" means "gradients change by less than e^0.5 over 50
// layers". It makes leaky_relu(0.01) + He (chi_1 = 1.0001) critical like
// relu + He (chi_1 = 1).
inline constexpr double kCriticalTolerance = 0.01;
enum class Phase {
  kOrdered,
  kCritical,
  kChaotic,
  kUnbounded,
};
std::string_view phase_name(Phase p);  // "ordered", "critical", ...

struct FixedPoint {
  double q_star = 0;   // the fixed point reached from q_start (0 allowed);
                       // +inf when kUnbounded
  bool marginal = false;  // every q is a fixed point (homogeneous phi, slope 1)
  double slope = 0;    // d q^{l+1} / d q^l at q*
  double chi1 = 0;     // sigma_w^2 D(q*) (as q -> inf when unbounded; at
                       // q -> 0+ when q* = 0)
  double c_star = 1;   // stable fixed point of the correlation map
  double xi_q = 0;     // -1/log(slope); +inf when slope >= 1
  double xi_c = 0;     // see header; +inf at criticality; NaN if not computed
  double xi_grad = 0;  // 1/|log chi_1|; +inf at chi_1 = 1
  Phase phase = Phase::kOrdered;
};
// Iterates the length map from q_start (then Newton); with_correlation false
// skips the correlation fixed point of the chaotic phase (xi_c = NaN there),
// which needs two-dimensional quadrature for non-closed-form activations.
FixedPoint fixed_point(const Activation& phi, double sigma_w2, double sigma_b2,
                       double q_start = 1.0, bool with_correlation = true);

// The correlation map at a common length q: c^{l+1} = (sigma_w^2 E[phi(u1)
// phi(u2)] + sigma_b^2) / (sigma_w^2 V(q) + sigma_b^2), u's at q, c^l.
double correlation_map(const Activation& phi, double sigma_w2, double sigma_b2,
                       double q, double c);

// sigma_w^2 such that chi_1(q*) = 1 for this sigma_b^2 (the critical line /
// edge of chaos); bisection on [1e-3, 1e3] in log sigma_w^2. Throws Error if
// chi_1 - 1 has no sign change there.
double critical_sigma_w2(const Activation& phi, double sigma_b2);

// ---- Finite-width spread -----------------------------------------------------

struct SpreadPrediction {
  std::vector<double> log_var_s;  // Var[log s^l], l = 1..L (index l - 1)
  std::vector<double> log_var;    // Var[log q_hat^l] for one input
};
// Delta-method prediction (header comment) for i.i.d. weights of width n.
// Orthogonal weights fluctuate less (their linear part preserves norms), so
// for them it is an upper bound.
SpreadPrediction predict_log_spread(const MeanFieldConfig& config,
                                    const std::vector<MeanFieldLayer>& theory,
                                    int64_t width);

// ReLU with He init (sigma_w^2 = 2, sigma_b = 0), Gaussian input: the
// predicted sd of log q_hat^l for one input, sqrt((5 (l - 1) + 4) / n).
double relu_he_log_sd(int layer, int64_t width);
// Where the mean-field value stops describing a single ReLU/He network: the
// largest depth (resp. smallest width) at which the predicted sd of log q_hat
// stays <= max_sd. The default max_sd = 1 is the note's "5 l / n ~ 1" switch
// to log-domain tests: beyond it the per-network CV exceeds 1.3, the median
// network is below exp(-1/2) = 0.61 of theory, and the seed-mean is dominated
// by rare networks.
int relu_he_max_depth(int64_t width, double max_sd = 1.0);
int64_t relu_he_min_width(int depth, double max_sd = 1.0);

}  // namespace initcheck::propagation

#endif  // INITCHECK_PROPAGATION_MEAN_FIELD_H_
