// File: initcheck/verify/oracle.h
//
// The oracle: what a scheme's weights should look like, derived from the
// published formulas, independently of lib/ (lib's plan_fill and
// compute_fans are never called here, so a formula bug in lib makes the GoF
// suites fail). Only the parsed Scheme (names and parameter values) and the
// Geometry (shape and how to read it) are shared.
//
// Sources of the formulas:
//   PyTorch torch.nn.init documentation (uniform_, normal_, trunc_normal_,
//     xavier_*, kaiming_*, orthogonal_, sparse_, eye_, dirac_,
//     calculate_gain, _calculate_fan_in_and_fan_out);
//   Glorot & Bengio (2010), AISTATS: Var = 2 / (fan_in + fan_out);
//   He et al. (2015), ICCV: Var = 2 / fan_in (gain^2 / fan in general);
//   LeCun et al. (1998), Efficient BackProp: Var = 1 / fan_in;
//   Keras VarianceScaling documentation: variance scale / n after
//     truncation at +-2 parent sigma; uniform limit sqrt(3 scale / n);
//   JAX jax.nn.initializers (fan_geo_avg, delta_orthogonal);
//   Saxe et al. (2014) and Mezzadri (2007) for Haar orthogonal matrices.
#ifndef INITCHECK_VERIFY_ORACLE_H_
#define INITCHECK_VERIFY_ORACLE_H_

#include <cstdint>
#include <optional>
#include <string>

#include "initcheck/geometry.h"
#include "initcheck/scheme.h"

namespace initcheck::verify {

// Fans counted by the oracle's own rules (same conventions as documented in
// initcheck/fans.h, written independently).
struct OracleFans {
  int64_t fan_in = 0;
  int64_t fan_out = 0;
};
OracleFans oracle_fans(const Geometry& g);

// The gain table of torch.nn.init.calculate_gain, written independently.
double oracle_gain(const std::string& nonlinearity, double param);

struct Target {
  enum class Family {
    kConstant,         // every element == value
    kUniform,          // U[low, high)
    kNormal,           // N(mean, parent_std^2)
    kTruncatedNormal,  // N(mean, parent_std^2) restricted to [low, high]
    kEye,              // value on the diagonal of rows x cols, 0 elsewhere
    kDirac,            // torch dirac_(groups)
    kOrthogonal,       // gain Q, Q Haar with orthonormal rows or columns
    kSparse,           // zeros_per_column zeros per column, others N(0, std^2)
    kDeltaOrthogonal,  // zeros but the centre tap = gain Q(rows, cols)
  };
  Family family = Family::kConstant;
  // Moments of one element (for structured families: of the random part).
  double mean = 0;
  double variance = 0;
  // Support: [low, high) for uniform, [low, high] for truncated normal,
  // (-inf, inf) for normal.
  double low = 0, high = 0;
  double parent_mean = 0;  // normal / truncated normal: the parent's mean
  double parent_std = 0;   // normal / truncated normal / sparse non-zeros
  double value = 0;        // constant, eye
  double gain = 1;         // orthogonal, delta_orthogonal
  int64_t rows = 0, cols = 0;
  int64_t groups = 1;
  int64_t zeros_per_column = 0;
  std::optional<OracleFans> fans;
  // How the target was derived, e.g. "Var = gain^2 / fan_in = 2 / 288
  // (He et al. 2015)".
  std::string derivation;

  // "normal", "uniform", "truncated_normal", "constant", "eye", "dirac",
  // "orthogonal", "sparse", "delta_orthogonal".
  std::string family_name() const;
  bool elementwise() const {
    return family == Family::kUniform || family == Family::kNormal ||
           family == Family::kTruncatedNormal;
  }
};

// Throws initcheck::Error if the scheme cannot apply to the geometry.
Target derive_target(const Scheme& scheme, const Geometry& geometry);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_ORACLE_H_
