// File: initcheck/propagation/activation.h
//
// The pointwise activations phi of the variance-propagation module, with the
// first two derivatives (for the backward pass and the depth scale xi_q).
//
//   linear        x
//   relu          max(x, 0)
//   leaky_relu    x for x > 0, a x otherwise        (negative_slope a, 0.01)
//   tanh          tanh(x)
//   sigmoid       1 / (1 + e^-x)
//   selu          lambda x for x > 0, lambda alpha (e^x - 1) otherwise,
//                 lambda = 1.0507009873554804934, alpha = 1.6732632423543772848
//                 (Klambauer et al. 2017, "Self-Normalizing Neural Networks")
//   gelu          x Phi(x), the exact erf form (Hendrycks & Gimpel 2016)
//   silu          x sigmoid(x) (swish with beta = 1; Elfwing et al. 2018)
//   elu           x for x > 0, alpha (e^x - 1) otherwise (alpha, default 1;
//                 Clevert et al. 2016)
//   softplus      log(1 + e^x)
//   erf           erf(x)
//
// Every kink (relu, leaky_relu, elu, selu) is at x = 0; the quadrature of
// gaussian_expectation.h splits its integrals there. Derivatives at the kink
// follow PyTorch's autograd: relu'(0) = 0, leaky_relu'(0) = a, elu'(0) =
// alpha, selu'(0) = lambda alpha (a set of measure zero, but it is what a
// zero-initialized network sees).
//
// Text form (parse/name): `relu`, `leaky_relu(0.2)`,
// `leaky_relu(negative_slope=0.2)` (also `slope=`, `alpha=`), `elu(alpha=1)`,
// `elu(0.5)`. Aliases: identity -> linear, logistic -> sigmoid, swish -> silu.
// name() prints the canonical form with every parameter, e.g.
// "leaky_relu(negative_slope=0.2)", "elu(alpha=1)", "tanh"; it parses back to
// an equal Activation.
#ifndef INITCHECK_PROPAGATION_ACTIVATION_H_
#define INITCHECK_PROPAGATION_ACTIVATION_H_

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace initcheck::propagation {

enum class ActivationKind {
  kLinear,
  kRelu,
  kLeakyRelu,
  kTanh,
  kSigmoid,
  kSelu,
  kGelu,
  kSilu,
  kElu,
  kSoftplus,
  kErf,
};

// SELU constants (Klambauer et al. 2017, eq. 14 / PyTorch torch.nn.SELU).
inline constexpr double kSeluLambda = 1.0507009873554804934193349852946;
inline constexpr double kSeluAlpha = 1.6732632423543772848170429916717;

class Activation {
 public:
  Activation() = default;  // linear

  // Throws initcheck::Error with a one-line message listing the valid names.
  static Activation parse(std::string_view text);
  // kind with its parameter (negative_slope for leaky_relu, alpha for elu);
  // a NaN parameter means the default (0.01, 1). Throws Error for a
  // non-finite parameter.
  static Activation make(ActivationKind kind,
                         double parameter = std::numeric_limits<double>::quiet_NaN());

  ActivationKind kind() const { return kind_; }
  // negative_slope (leaky_relu) or alpha (elu); 0 for the others.
  double parameter() const { return param_; }
  // "relu", "leaky_relu", ... (no parameters).
  std::string_view base_name() const;
  // Canonical text with every parameter (see header comment).
  std::string name() const;

  // phi(x), phi'(x), phi''(x) (phi'' away from the kink at 0; 0 at the kink
  // of relu / leaky_relu, the one-sided left value for elu / selu).
  double value(double x) const;
  double derivative(double x) const;
  double second_derivative(double x) const;
  double operator()(double x) const { return value(x); }

  // Elementwise over x[0..n): out[i] = phi(x[i]) and dout[i] = phi'(x[i]);
  // either pointer may be null. out may alias x.
  void apply(const double* x, double* out, double* dout, std::size_t n) const;

  // phi(c x) = c phi(x) for c > 0 (linear, relu, leaky_relu): the length map
  // is linear in q, and the seed-mean of a finite network is unbiased.
  bool positively_homogeneous() const;
  // V, D and M have closed forms (gaussian_expectation.h); tanh, sigmoid,
  // silu and softplus need quadrature.
  bool has_closed_form() const;
  // Bounded activations whose derivative vanishes at +-infinity (tanh,
  // sigmoid, erf): the ones for which "saturated units" means something.
  bool saturating() const;
  // phi is odd (linear, tanh, erf): M(q) = 0.
  bool odd() const;

  // The canonical base names, in documentation order.
  static const std::vector<std::string_view>& names();

  friend bool operator==(const Activation&, const Activation&) = default;

 private:
  ActivationKind kind_ = ActivationKind::kLinear;
  double param_ = 0;
};

}  // namespace initcheck::propagation

#endif  // INITCHECK_PROPAGATION_ACTIVATION_H_
