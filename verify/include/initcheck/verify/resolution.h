// File: initcheck/verify/resolution.h
//
// What a pass proves. A pass on 16 values proves little; for every checked
// tensor the battery states the smallest errors it would have caught:
//
//   std_rel     the smallest relative error in the standard deviation,
//               |sd_true / sd_target - 1|, that the check detects with
//               probability >= `power` (0.99), in either direction
//               (max of std_rel_up and std_rel_down);
//   mean_sigma  the smallest shift of the mean, in target standard
//               deviations, detected with probability >= 0.99.
//
// Alternatives. Scale: X = mu + (1 + delta) (Y - mu), Y from the target
// (mu its mean): the whole law stretched about its mean, which is what a
// wrong gain, fan or std does to a zero-mean initializer (a uniform's bound
// and a Keras truncated normal's cut points scale with it). Shift: X = Y +
// d sd. The data keep the target's shape and independence.
//
// Level. Holm at family-wise alpha over m gating p-values rejects the test
// with the smallest p-value when p <= alpha / m; a test that reaches alpha /m
// on its own therefore makes the battery fail, whatever the other tests do.
// Each test's power is computed at level = alpha / m (m = every gating test
// of every tensor checked together: a tensor in a checkpoint of 200 faces a
// stricter level than one checked alone). The battery's detection
// probability is at least the largest single-test power, so each quantity is
// the minimum over the gating tests below of that test's resolution, and
// `std_test` / `mean_test` name the test that attains it ("the most powerful
// test the battery actually runs for that quantity"). Tests flagged
// unreliable or not run (NaN p-value) never count.
//
// Per test (z = upper standard normal quantile; c = z_{level/2}; z_b =
// z_{1-power} = 2.326):
//   variance  z-test with Var(s^2) = sigma^4 v^2, v^2 = 2/(n-1) + kappa/n
//             (moments.h). Under scale r = (1 + delta)^2 the ratio s^2 /
//             sigma^2 has mean r and sd r v (same kappa), so the power is
//             Phi((r - 1 - c v) / (r v)) + Phi((1 - c v - r) / (r v)); for a
//             normal target (n - 1) s^2 / (r sigma^2) is exactly chi-square
//             with n - 1 dof and the power is computed from that law.
//             Closed form of the normal approximation: r_up = (1 + c v) /
//             (1 - z_b v), r_down = (1 - c v) / (1 + z_b v). The exact
//             two-sided chi-square test of a normal target (any n; its
//             TestResult carries dof = n - 1) rejects q = (n-1) s^2 /
//             sigma^2 outside the chi2(n-1) quantiles at level/2 and
//             1 - level/2: power P(chi2 <= q_lo / r) + P(chi2 >= q_hi / r).
//   mean      z-test with the target sd: power Phi(d sqrt(n) - c) +
//             Phi(-d sqrt(n) - c), i.e. d = (c + z_b) / sqrt(n) (exact for a
//             normal target, CLT otherwise).
//   support, bounded target (uniform, truncated normal): a value outside
//             [low, high] fails at any level (p = 0), so a stretched or
//             shifted law is caught with probability 1 - (1 - q)^n, q the
//             alternative's mass beyond the bounds; a shrunk law by the
//             extremes test (support.h): it rejects when u = F(min) or
//             1 - F(max) reaches t* = 1 - (level/4)^(1/n) (p = 4 (1 - u)^n),
//             and with V, V' the PITs of the target sample's extremes
//             (Beta(1, n) each), P(neither reaches t*) = 1 - (1 - w1)^n -
//             (1 - w2)^n + (1 - w1 - w2)^n exactly (the joint law of the
//             minimum and maximum of n uniforms; David & Nagaraja, Order
//             Statistics, 2003, §2.2), w1 = F(mu + (F^-1(t*) - mu) / (1 +
//             delta)), w2 likewise at the top.
//             The joint version of the extremes test (support.h since
//             2026-12: range R = 1 - a - s ~ Beta(n-1, 2), one extreme
//             inside, extremes outside, Bonferroni x3; recognised by its
//             "p_range" detail) is modelled exactly too: P(no rejection) is
//             a one-dimensional integral over the minimum's PIT of the
//             closed-form inner integral of that joint density.
//             Values stored in a float format are rounded: a bound error
//             smaller than the spacing of the format at the bound cannot
//             show, so the bounds are widened (stretch/shift) or the
//             extremes moved inwards (shrink) by one ulp of the bound (f16,
//             bf16: 2^-10, 2^-7 relative; negligible in f32/f64).
//   support, normal target (max |x - mu|, support.h): rejects when R =
//             max|x - mu| >= r_far (2 (1 - (1 - q(R))^n) <= level) or R <=
//             r_near (2 (1 - q(R))^n <= level), q(R) = 2 Q(R / sigma); the
//             law of R under both alternatives is exact:
//             P(R < r) = (Phi((r - D) / s) - Phi((-r - D) / s))^n.
//   ks        a lower bound on the exact KS test's power: at the point x*
//             where |F1 - F0| is largest, D >= |F_n(x*) - F0(x*)| and
//             n F_n(x*) ~ Binomial(n, F1(x*)), so P(D >= d*) >=
//             P(|Bin/n - F0(x*)| >= d*), d* the exact critical value at the
//             level (ks.h). Conservative (the statistics note, §5.4).
//   chi_square  the noncentral chi-square approximation of X^2 under the
//             alternative (Patnaik 1949): chi2'_{k-1}(lambda), lambda = n
//             sum (p1_i - 1/k)^2 k over the test's k equiprobable bins.
//   ks and chi_square are evaluated only for a quantity no z-test gates
//             (scale below n = 10^4, mean below n = 10^3): where the z-tests
//             gate they are the more powerful ones (the omnibus tests'
//             Pitman efficiencies against them are < 1), and skipping the
//             bounds keeps decide() fast. Anderson-Darling has no power
//             formula here: at small n it is often the most powerful test for
//             a normal target's scale, so the reported numbers are
//             conservative there.
// Structured targets: constant, eye, dirac ("structure") catch any change of
// any value (std_rel = mean_sigma = 0, exact); orthogonal and
// delta_orthogonal ("orthogonality") catch a scale error once |(1 +
// delta)^2 - 1| gain^2 exceeds the test's tolerance (probability 1), and a
// shift of the entries by d sd once d^2 gain^2 exceeds it (the Gram diagonal
// moves by m mu^2 plus 2 mu times a column sum, which has mu's sign for some
// column unless all k column sums have the other one: probability 2^-k,
// so mean_sigma is given for k >= 7 only).
//
// Bounds, not estimates: each per-test number is sufficient for detection
// (the KS bound and the single-test view make them conservative; the normal
// approximations of the z-tests are the ones the tests themselves use; the
// chi-square power is an approximation).
// verify/test/resolution_test.cc checks them by simulation of the whole
// battery: at the reported delta it detects >= 99%, at delta / 2 clearly
// less.
#ifndef INITCHECK_VERIFY_RESOLUTION_H_
#define INITCHECK_VERIFY_RESOLUTION_H_

#include <cstdint>
#include <span>
#include <string>

#include "initcheck/dtype.h"
#include "initcheck/verify/oracle.h"
#include "initcheck/verify/result.h"

namespace initcheck::verify {

// The detection probability every resolution is stated at.
inline constexpr double kResolutionPower = 0.99;
// The text summary flags tensors whose std resolution is coarser than this
// ("too small to verify the scale to 10%").
inline constexpr double kResolutionFlag = 0.10;

struct Resolution {
  bool computed = false;  // false: no gating test (nothing is proven)
  double power = kResolutionPower;
  double level = kNaN;  // per-test level alpha / m used
  int64_t family_size = 0;  // m
  // +inf when no gating test detects that direction with the power at all.
  double std_rel = kInf;  // max(std_rel_up, std_rel_down)
  double std_rel_up = kInf;
  double std_rel_down = kInf;
  std::string std_test;   // the test attaining std_rel ("" if none)
  double mean_sigma = kInf;
  std::string mean_test;  // "" if none
  bool exact = false;     // a deterministic structure test (probability 1)
  int64_t n = 0;          // values the tests used

  // std_rel > kResolutionFlag (or unknown).
  bool coarse() const { return !(std_rel <= kResolutionFlag); }
};

// The resolution of one tensor's battery. `tests` are its results (name,
// reliable, p-value not NaN = gating; n and details are read), `level` the
// per-test level alpha / m, `family_size` m (reported only).
Resolution compute_resolution(const Target& target, DType dtype,
                              std::span<const TestResult> tests, double level,
                              int64_t family_size,
                              double power = kResolutionPower);

// The per-test pieces, for tests and for the power study. Each returns the
// smallest delta > 0 (relative std error; or shift in sd for the *_shift
// functions) whose detection probability at `level` is >= power, +inf if
// none is (up to delta = 1000 upward; below 1 downward).
struct ScaleResolution {
  double up = kInf;    // sd too large by a factor (1 + up)
  double down = kInf;  // sd too small by a factor (1 - down)
};
// The variance z-test on n values of a target with excess kurtosis kappa
// (normal = true: the exact chi-square law of s^2). chi_square_test: the
// exact two-sided chi-square test of a normal target instead (moments.h;
// recognised in a TestResult by its dof).
ScaleResolution variance_test_resolution(int64_t n, double kappa, bool normal,
                                         double level, double power,
                                         bool chi_square_test = false);
// The mean z-test (shift in sd).
double mean_test_resolution(int64_t n, double level, double power);

// Detection probability of the battery's single tests under the scale
// alternative sd x c (c = 1 + delta or 1 - delta) or the shift d sd; NaN if
// the test does not apply to the target. For the simulation tests.
double variance_test_power(int64_t n, double kappa, bool normal, double c,
                           double level, bool chi_square_test = false);
// joint_extremes: the extremes judged jointly (range, one inside, outside;
// support.h since 2026-12, recognised by its "p_range" detail) instead of
// separately.
double support_test_power_scale(const Target& t, DType dtype, int64_t n,
                                double c, double level,
                                bool joint_extremes = false);
double support_test_power_shift(const Target& t, DType dtype, int64_t n,
                                double d, double level);
double ks_test_power_bound_scale(const Target& t, int64_t n, double c,
                                 double level);
double ks_test_power_bound_shift(const Target& t, int64_t n, double d,
                                 double level);

// One unit in the last place of |x| stored in `dtype` (the spacing of the
// format's numbers at x; the subnormal spacing near 0).
double dtype_ulp(double x, DType dtype);

// "std errors >= 1.9% (variance), mean shifts >= 0.021 sd (mean)" for the
// text formats.
std::string resolution_text(const Resolution& r);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_RESOLUTION_H_
