// File: initcheck/verify/diagnose.h
//
// The one-line diagnosis of a failed check ("variance 0.774x target: missing
// truncation correction (divide the std by 0.87962566)?"): what the failed
// tests saw, and the common mistakes that explain it -- only those that the
// scheme can make and that fit the data within the sampling error.
//
// Candidate explanations. Each is an alternative law, derived with the
// oracle (oracle.h) from a changed scheme or geometry, never from lib's
// formulas:
//   * fan-based schemes, rewritten as variance_scaling(scale, mode,
//     distribution) (kaiming: scale = gain^2, xavier: gain^2 and fan_avg):
//     another fan mode (fan_in/fan_out swapped, fan_avg); another gain
//     (kaiming's nonlinearity, xavier's gain: 1, sqrt(2), 5/3, 3/4) or
//     another named initializer (He 2/fan_in, LeCun 1/fan_in, Glorot
//     2/(fan_in+fan_out), PyTorch's layer default kaiming_uniform(a=sqrt(5))
//     1/(3 fan_in)); the other layout (torch [out, in, *k] <-> keras/jax [*k,
//     in, out], re-derived by derive_target); the other fan convention when
//     groups > 1 or transposed; sqrt(size) fans for a rank-1 shape (TF.js);
//   * the distribution: uniform, untruncated normal, Keras' variance-
//     corrected truncated normal, the uncorrected one (truncated at +-2
//     sqrt(Var): variance 0.7737x), the correction applied twice; a uniform
//     bound missing sqrt(3) or with it twice;
//   * parameter schemes (normal, uniform, trunc_normal, ...): a misplaced
//     decimal point (std 10x), the variance passed as the std, the
//     distribution changes above; never "gain or fan".
//
// Fit. With n values, observed variance ratio R (s^2 / target variance) and
// excess kurtosis K, a candidate with variance ratio Rc and kurtosis Kc fits
// when
//   |R - Rc| <= k Rc sqrt(2/(n-1) + Kc/n)     (the sd of s^2 under it,
//                                             moments.h)
//   |K - Kc| <= k sqrt(V(Kc) / n)             (n >= 200; V = n Var(K), the
//                                             delta-method variance of the
//                                             sample kurtosis from the
//                                             candidate's central moments up
//                                             to the 8th: 24 for a normal,
//                                             1.32 for a uniform)
//   and the data lie inside its support (a bounded candidate),
// with k = kHintSigmas = 4: when the candidate is the truth, R and K are
// asymptotically normal about Rc and Kc, so the right explanation is
// withheld with probability about 2 P(|N(0,1)| > 4) = 1.3e-4, while a
// candidate 9 standard errors away (the "fan_avg" offered at ratio 0.75 for
// he_normal) is never offered. A candidate is also dropped when it is not
// distinguishable from the target itself (|Rc - 1| and |Kc - Kt| both
// within k standard errors). Candidates that predict the same law are
// merged ("or"); at most 3 are listed, best fit first; when none fits, the
// diagnosis says what was seen ("std off by +12.1%") and, for fan-based
// schemes, the fan that would explain the variance.
//
// Shape. When K is more than k standard errors from the target's kurtosis,
// the reference shapes within k standard errors of K are named ("looks
// uniform (excess kurtosis -1.19), expected a truncated normal (-0.63)").
#ifndef INITCHECK_VERIFY_DIAGNOSE_H_
#define INITCHECK_VERIFY_DIAGNOSE_H_

#include <string>
#include <vector>

#include "initcheck/verify/battery.h"

namespace initcheck::verify {

// Standard errors within which a candidate explanation is offered (see
// above: the true explanation is missed with probability ~1.3e-4).
inline constexpr double kHintSigmas = 4.0;
// Below this many values the sample kurtosis is too skewed for its normal
// approximation; shape is then not used.
inline constexpr int64_t kMinShapeN = 200;

struct Hint {
  std::string text;
  double predicted_ratio = kNaN;  // candidate variance / target variance
  double predicted_kurtosis = kNaN;
  double z = kNaN;  // the worse of the variance and kurtosis z-scores
};

// The candidate explanations of the tensor's scale and shape that fit, best
// first (empty when the variance and the shape agree with the target).
std::vector<Hint> explain_scale(const TensorCheck& c);

// The one-line diagnosis ("" for a passing check). decide() calls it.
std::string diagnose(const TensorCheck& c);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_DIAGNOSE_H_
