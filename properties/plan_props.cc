// Formula properties: lib's plan_fill (the distribution a scheme draws from)
// against the oracle's independent derive_target, for every scheme, geometry
// and parameter value; no sampling.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "generators.h"
#include "initcheck/fill.h"
#include "initcheck/verify/distributions.h"
#include "initcheck/verify/oracle.h"
#include "prop_util.h"

namespace initcheck::props {
namespace {

using Family = verify::Target::Family;

constexpr double kRel = 1e-12;

Family ExpectedFamily(const FillPlan& p) {
  switch (p.kind) {
    case FillPlan::Kind::kConstant:
      return Family::kConstant;
    case FillPlan::Kind::kUniform:
      return Family::kUniform;
    case FillPlan::Kind::kNormal:
      return p.truncated ? Family::kTruncatedNormal : Family::kNormal;
    case FillPlan::Kind::kEye:
      return Family::kEye;
    case FillPlan::Kind::kDirac:
      return Family::kDirac;
    case FillPlan::Kind::kOrthogonal:
      return Family::kOrthogonal;
    case FillPlan::Kind::kSparse:
      return Family::kSparse;
    case FillPlan::Kind::kDeltaOrthogonal:
      return Family::kDeltaOrthogonal;
  }
  return Family::kConstant;
}

// Moments of lib's truncated normal are compared only where both moment
// formulas are well conditioned (their cancellation grows as the interval
// narrows or moves into a tail) and nothing overflows.
bool WellConditioned(const FillPlan& p) {
  // Bounds that overflowed (mean - 2 sd past -DBL_MAX) leave no moments to
  // compare.
  if (!(std::fabs(p.mean) + 10 * p.std < 1e300)) return false;
  const double a = (p.low - p.mean) / p.std, b = (p.high - p.mean) / p.std;
  const double mass = verify::normal_cdf(b) - verify::normal_cdf(a);
  return b - a >= 0.5 && mass >= 1e-2;
}

rc::Gen<FillCase> GenAnyRangeCase() {
  return rc::gen::weightedOneOf<FillCase>(
      {{1, GenFillCase(Range::kModerate)}, {1, GenFillCase(Range::kExtreme)}});
}

// For every scheme with a distribution (and every structured one), lib's
// plan equals the oracle's target: family, fans, bounds, mean and variance
// (parent std for normals), gain, rows/cols, groups, zeros per column, to
// 1e-12 relative. Catches any formula slip in plan.cc: sqrt(6) for sqrt(3),
// a missing gain, fan_in for fan_out, the Keras 0.8796 correction missing,
// fan_avg taken as fan_in + fan_out, Keras' max(1, n) missing.
RC_GTEST_PROP(FormulaProperties, PlanMatchesOracle, ()) {
  const FillCase c = *GenAnyRangeCase().as("case");
  const auto plan = Capture([&] { return plan_fill(c.scheme, c.geometry); });
  RC_CLASSIFY(!plan.ok(), "lib refuses (degenerate extreme parameters)");
  if (!plan.ok()) return;
  const FillPlan& p = *plan.value;
  const verify::Target t = verify::derive_target(c.scheme, c.geometry);
  RC_TAG(t.family_name());
  RC_ASSERT(t.family == ExpectedFamily(p));
  RC_ASSERT(p.fans.has_value() == t.fans.has_value());
  if (p.fans) {
    RC_ASSERT(p.fans->fan_in == t.fans->fan_in);
    RC_ASSERT(p.fans->fan_out == t.fans->fan_out);
  }
  // A subnormal variance (e.g. scale = DBL_MIN divided by a fan) carries an
  // absolute error of a few 2^-1074 in lib and oracle alike: widen the
  // tolerance by that much, relative to the variance.
  const double rel = std::max(kRel, 8 * std::ldexp(1.0, -1074) / t.variance);
  RC_CLASSIFY(rel != kRel, "subnormal variance");
  switch (t.family) {
    case Family::kConstant:
      RC_ASSERT(p.value == t.value);
      break;
    case Family::kUniform:
      RC_ASSERT(RelClose(p.low, t.low, rel));
      RC_ASSERT(RelClose(p.high, t.high, rel));
      RC_ASSERT(RelClose((p.high - p.low) * (p.high - p.low) / 12.0, t.variance,
                         4 * rel));
      break;
    case Family::kNormal:
      RC_ASSERT(RelClose(p.mean, t.mean, rel));
      RC_ASSERT(RelClose(p.std * p.std, t.variance, 4 * rel));
      break;
    case Family::kTruncatedNormal: {
      RC_ASSERT(RelClose(p.std, t.parent_std, rel));
      RC_ASSERT(RelClose(p.low, t.low, rel));
      RC_ASSERT(RelClose(p.high, t.high, rel));
      RC_CLASSIFY(!WellConditioned(p), "truncated moments not compared");
      if (WellConditioned(p)) {
        const verify::TruncatedNormal d(p.mean, p.std, p.low, p.high);
        RC_ASSERT(RelClose(d.variance(), t.variance, std::max(1e-10, rel)));
        RC_ASSERT(std::fabs(d.mean() - t.mean) <= 1e-10 * p.std);
      }
      break;
    }
    case Family::kEye:
      RC_ASSERT(p.value == t.value);
      RC_ASSERT(p.rows == t.rows);
      RC_ASSERT(p.cols == t.cols);
      break;
    case Family::kDirac:
      RC_ASSERT(p.groups == t.groups);
      break;
    case Family::kOrthogonal:
    case Family::kDeltaOrthogonal:
      RC_ASSERT(p.gain == t.gain);
      RC_ASSERT(p.rows == t.rows);
      RC_ASSERT(p.cols == t.cols);
      break;
    case Family::kSparse:
      RC_ASSERT(p.std == t.parent_std);
      RC_ASSERT(static_cast<int64_t>(
                    std::ceil(p.sparsity * static_cast<double>(p.rows))) ==
                t.zeros_per_column);
      break;
  }
}

// A uniform scheme and its normal counterpart with the same parameters have
// bound = sqrt(3) std (equal variance) and a symmetric interval: kaiming,
// xavier, variance_scaling, and he/glorot/lecun_uniform against
// variance_scaling(untruncated_normal). Catches gain sqrt(6 / fan) used for
// kaiming (variance doubled) or a Keras uniform limit sqrt(scale / n).
RC_GTEST_PROP(FormulaProperties, UniformBoundIsSqrt3Std, ()) {
  const Geometry g = *GenFanGeometry().as("geometry");
  const int kind = static_cast<int>(*GenInt(0, 5).as("pair"));
  std::string uniform, normal;
  auto tail = [](const Scheme& s, std::size_t skip) {
    return s.str().substr(skip);
  };
  if (kind == 0) {
    const Scheme s = *GenSchemeNamed("kaiming_uniform", Range::kModerate);
    uniform = s.str();
    normal = "kaiming_normal" + tail(s, std::string("kaiming_uniform").size());
  } else if (kind == 1) {
    const Scheme s = *GenSchemeNamed("xavier_uniform", Range::kModerate);
    uniform = s.str();
    normal = "xavier_normal" + tail(s, std::string("xavier_uniform").size());
  } else if (kind == 2) {
    const Scheme s = *GenSchemeNamed("variance_scaling", Range::kModerate);
    const std::string args =
        "variance_scaling(scale=" + format_number(s.number("scale")) +
        ", mode=" + s.word("mode") + ", distribution=";
    uniform = args + "uniform)";
    normal = args + "untruncated_normal)";
  } else {
    static const char* const kKeras[3][2] = {
        {"he_uniform", "variance_scaling(2, fan_in, untruncated_normal)"},
        {"glorot_uniform", "variance_scaling(1, fan_avg, untruncated_normal)"},
        {"lecun_uniform", "variance_scaling(1, fan_in, untruncated_normal)"}};
    uniform = kKeras[kind - 3][0];
    normal = kKeras[kind - 3][1];
  }
  RC_LOG() << uniform << " vs " << normal << "\n";
  const FillPlan u = plan_fill(Scheme::parse(uniform), g);
  const FillPlan n = plan_fill(Scheme::parse(normal), g);
  RC_ASSERT(u.kind == FillPlan::Kind::kUniform);
  RC_ASSERT(n.kind == FillPlan::Kind::kNormal && !n.truncated);
  RC_ASSERT(u.low == -u.high);
  RC_ASSERT(RelClose(u.high, std::sqrt(3.0) * n.std, kRel));
}

// Keras' truncated schemes (variance_scaling(truncated_normal), he_normal,
// glorot_normal, lecun_normal and their JAX names) cut a normal at +-2
// parent sd whose parent sd makes the variance AFTER truncation exactly
// scale / max(1, n), with n from the fans and the mode. Checked with
// verify::TruncatedNormal's closed-form moments, not with the oracle.
// Catches the missing 0.87962566103423978 correction (variance 0.774x the
// target) and a cut at +-2 of the wrong sd.
RC_GTEST_PROP(FormulaProperties, KerasTruncatedVarianceIsTarget, ()) {
  const Geometry g = *GenFanGeometry().as("geometry");
  const int kind = static_cast<int>(*GenInt(0, 4).as("scheme"));
  double scale = 1;
  std::string mode = "fan_in", text;
  if (kind == 0) {
    const Scheme s = *GenSchemeNamed("variance_scaling", Range::kModerate);
    scale = s.number("scale");
    mode = s.word("mode");
    text = "variance_scaling(" + format_number(scale) + ", " + mode +
           ", truncated_normal)";
  } else if (kind == 1) {
    scale = 2;
    text = *rc::gen::element<std::string>("he_normal",
                                          "jax.nn.initializers.kaiming_normal");
  } else if (kind == 2) {
    mode = "fan_avg";
    text = *rc::gen::element<std::string>("glorot_normal", "GlorotNormal");
  } else {
    text = *rc::gen::element<std::string>("lecun_normal",
                                          "keras.initializers.LecunNormal");
  }
  RC_LOG() << text << "\n";
  const Fans f = compute_fans(g);
  const double fi = static_cast<double>(f.fan_in);
  const double fo = static_cast<double>(f.fan_out);
  double n = fi;
  if (mode == "fan_out") n = fo;
  if (mode == "fan_avg") n = (fi + fo) / 2;
  if (mode == "fan_geo_avg") n = std::sqrt(fi * fo);
  const double want = scale / std::max(1.0, n);

  const FillPlan p = plan_fill(Scheme::parse(text), g);
  RC_ASSERT(p.kind == FillPlan::Kind::kNormal && p.truncated);
  RC_ASSERT(p.mean == 0.0);
  RC_ASSERT(RelClose(p.low, -2 * p.std, kRel));
  RC_ASSERT(RelClose(p.high, 2 * p.std, kRel));
  const verify::TruncatedNormal d(p.mean, p.std, p.low, p.high);
  RC_ASSERT(RelClose(d.variance(), want, kRel));
}

}  // namespace
}  // namespace initcheck::props
