// plan_fill: lib's formulas, scheme + geometry -> distribution.
//
// Notation: fi = fan_in, fo = fan_out, g = gain.
//   xavier_uniform     U(-b, b), b = g sqrt(6 / (fi + fo))        Glorot 2010
//   xavier_normal      N(0, s^2), s = g sqrt(2 / (fi + fo))
//   kaiming_uniform    U(-b, b), b = sqrt(3) g / sqrt(fan_mode)   He 2015
//   kaiming_normal     N(0, s^2), s = g / sqrt(fan_mode)
//   variance_scaling   n = fi | fo | (fi + fo)/2 | sqrt(fi fo), v = scale / n
//                      (Keras divides by max(1, n));
//                      truncated_normal: parent s = sqrt(v) / 0.87962566103423978
//                      cut at +-2 s; untruncated_normal: s = sqrt(v);
//                      truncated_normal_uncorrected (TF.js 4.22, Keras <=
//                      2.2.2): s = sqrt(v) cut at +-2 s (variance 0.774 v);
//                      uniform: U(-l, l), l = sqrt(3 v)
//   glorot_*, he_*, lecun_*  = variance_scaling(1, fan_avg), (2, fan_in),
//                      (1, fan_in) with the matching distribution
//   truncated_normal   N(mean, stddev^2) cut at mean +- 2 stddev (Keras)
//   trunc_normal       N(mean, std^2) cut at [a, b] (absolute, PyTorch)
// The verify/ oracle derives the same targets independently.
#include <algorithm>
#include <cmath>
#include <string>

#include "initcheck/error.h"
#include "initcheck/fans.h"
#include "initcheck/fill.h"
#include "initcheck/gain.h"

namespace initcheck {
namespace {

// std of N(0, 1) truncated to [-2, 2], the constant Keras and JAX divide by.
constexpr double kTruncStd2 = 0.87962566103423978;

FillPlan Uniform(double bound) {
  FillPlan p;
  p.kind = FillPlan::Kind::kUniform;
  p.low = -bound;
  p.high = bound;
  return p;
}

FillPlan Normal(double mean, double std) {
  FillPlan p;
  p.kind = FillPlan::Kind::kNormal;
  p.mean = mean;
  p.std = std;
  return p;
}

FillPlan Truncated(double mean, double std, double low, double high) {
  FillPlan p = Normal(mean, std);
  p.truncated = true;
  p.low = low;
  p.high = high;
  p.alpha = (low - mean) / std;
  p.beta = (high - mean) / std;
  return p;
}

void RequireRank(const std::string& name, const Geometry& g,
                 std::initializer_list<size_t> ranks) {
  for (size_t r : ranks) {
    if (g.shape.size() == r) return;
  }
  std::string want;
  for (size_t r : ranks) want += (want.empty() ? "" : " or ") + std::to_string(r);
  throw Error(name + " needs a weight of rank " + want + ", got shape " +
              shape_string(g.shape));
}

// Keras/JAX variance_scaling: v = scale / max(1, n), n from `mode`.
FillPlan VarianceScaling(double scale, const std::string& mode,
                         const std::string& dist, double fi, double fo) {
  double fan = fi;
  if (mode == "fan_out") fan = fo;
  if (mode == "fan_avg") fan = (fi + fo) / 2.0;
  if (mode == "fan_geo_avg") fan = std::sqrt(fi * fo);
  const double v = scale / std::max(1.0, fan);
  if (dist == "uniform") return Uniform(std::sqrt(3.0 * v));
  if (dist == "untruncated_normal") return Normal(0, std::sqrt(v));
  if (dist == "truncated_normal_uncorrected") {
    // TF.js 4.22 / Keras <= 2.2.2: the parent std is sqrt(v) itself.
    const double sd = std::sqrt(v);
    return Truncated(0, sd, -2 * sd, 2 * sd);
  }
  const double sd = std::sqrt(v) / kTruncStd2;
  return Truncated(0, sd, -2 * sd, 2 * sd);
}

FillPlan Constant(double value) {
  FillPlan p;
  p.kind = FillPlan::Kind::kConstant;
  p.value = value;
  return p;
}

FillPlan Bounded(double low, double high) {
  FillPlan p;
  p.kind = FillPlan::Kind::kUniform;
  p.low = low;
  p.high = high;
  return p;
}

FillPlan Eye(const std::string& name, const Geometry& g, double value) {
  RequireRank(name, g, {2});
  FillPlan p;
  p.kind = FillPlan::Kind::kEye;
  p.value = value;
  p.rows = g.shape[0];
  p.cols = g.shape[1];
  return p;
}

FillPlan Orthogonal(const Geometry& g, double gain) {
  FillPlan p;
  p.kind = FillPlan::Kind::kOrthogonal;
  p.gain = gain;
  if (g.shape.size() < 2) {
    throw Error("orthogonal needs a weight of rank >= 2, got shape " +
                shape_string(g.shape));
  }
  const int64_t numel = shape_numel(g.shape);
  if (g.layout == Layout::kTorch) {
    p.rows = g.shape.front();
    p.cols = numel / p.rows;
  } else {
    p.cols = g.shape.back();
    p.rows = numel / p.cols;
  }
  return p;
}

FillPlan Dirac(const Geometry& g, double groups) {
  RequireRank("dirac", g, {3, 4, 5});
  if (g.layout != Layout::kTorch) {
    throw Error("dirac expects a torch-layout [out, in, *k] weight; use "
                "--layout torch");
  }
  FillPlan p;
  p.kind = FillPlan::Kind::kDirac;
  p.groups = static_cast<int64_t>(groups);
  if (g.shape[0] % p.groups != 0) {
    throw Error("dirac: groups=" + std::to_string(p.groups) +
                " does not divide the output channels " + std::to_string(g.shape[0]));
  }
  return p;
}

FillPlan Sparse(const Geometry& g, double sparsity, double std) {
  RequireRank("sparse", g, {2});
  FillPlan p;
  p.kind = FillPlan::Kind::kSparse;
  p.sparsity = sparsity;
  p.std = std;
  p.rows = g.shape[0];
  p.cols = g.shape[1];
  return p;
}

FillPlan DeltaOrthogonal(const Geometry& g, double scale) {
  RequireRank("delta_orthogonal", g, {3, 4, 5});
  if (g.layout == Layout::kTorch) {
    throw Error("delta_orthogonal expects a keras/jax-layout [*k, in, out] "
                "weight; use --layout jax");
  }
  FillPlan p;
  p.kind = FillPlan::Kind::kDeltaOrthogonal;
  p.gain = scale;
  p.rows = g.shape[g.shape.size() - 2];
  p.cols = g.shape.back();
  if (p.rows > p.cols) {
    throw Error("delta_orthogonal needs in <= out, got in=" + std::to_string(p.rows) +
                ", out=" + std::to_string(p.cols));
  }
  return p;
}

// The plan of one scheme: lib's formula for each SchemeId.
FillPlan PlanOf(const Scheme& s, const Geometry& g, double fi, double fo) {
  using Id = SchemeId;
  auto kaiming_std = [&] {
    const double gain = calculate_gain(s.word("nonlinearity"), s.number("a"));
    return gain / std::sqrt(s.word("mode") == "fan_in" ? fi : fo);
  };
  switch (s.id()) {
    case Id::kZeros: return Constant(0.0);
    case Id::kOnes: return Constant(1.0);
    case Id::kConstant: return Constant(s.number("value"));
    case Id::kUniform: return Bounded(s.number("a"), s.number("b"));
    case Id::kRandomUniform: return Bounded(s.number("minval"), s.number("maxval"));
    case Id::kNormal: return Normal(s.number("mean"), s.number("std"));
    case Id::kRandomNormal: return Normal(s.number("mean"), s.number("stddev"));
    case Id::kTruncNormal:
      return Truncated(s.number("mean"), s.number("std"), s.number("a"), s.number("b"));
    case Id::kTruncatedNormal: {
      const double m = s.number("mean"), sd = s.number("stddev");
      return Truncated(m, sd, m - 2 * sd, m + 2 * sd);
    }
    case Id::kXavierUniform:
      return Uniform(s.number("gain") * std::sqrt(6.0 / (fi + fo)));
    case Id::kXavierNormal: return Normal(0, s.number("gain") * std::sqrt(2.0 / (fi + fo)));
    case Id::kKaimingUniform: return Uniform(std::sqrt(3.0) * kaiming_std());
    case Id::kKaimingNormal: return Normal(0, kaiming_std());
    case Id::kVarianceScaling:
      return VarianceScaling(s.number("scale"), s.word("mode"), s.word("distribution"),
                             fi, fo);
    case Id::kGlorotUniform: return VarianceScaling(1, "fan_avg", "uniform", fi, fo);
    case Id::kGlorotNormal: return VarianceScaling(1, "fan_avg", "truncated_normal", fi, fo);
    case Id::kHeUniform: return VarianceScaling(2, "fan_in", "uniform", fi, fo);
    case Id::kHeNormal: return VarianceScaling(2, "fan_in", "truncated_normal", fi, fo);
    case Id::kLecunUniform: return VarianceScaling(1, "fan_in", "uniform", fi, fo);
    case Id::kLecunNormal: return VarianceScaling(1, "fan_in", "truncated_normal", fi, fo);
    case Id::kOrthogonal: return Orthogonal(g, s.number("gain"));
    case Id::kEye: return Eye("eye", g, 1.0);
    case Id::kIdentity: return Eye("identity", g, s.number("gain"));
    case Id::kDirac: return Dirac(g, s.number("groups"));
    case Id::kSparse: return Sparse(g, s.number("sparsity"), s.number("std"));
    case Id::kDeltaOrthogonal: return DeltaOrthogonal(g, s.number("scale"));
  }
  throw Error("plan_fill: scheme '" + s.name() + "' is not implemented");
}

}  // namespace

FillPlan plan_fill(const Scheme& s, const Geometry& g) {
  validate_geometry(g);
  std::optional<Fans> fans;
  if (s.spec().uses_fans) fans = compute_fans(g);
  const double fi = fans ? static_cast<double>(fans->fan_in) : 0;
  const double fo = fans ? static_cast<double>(fans->fan_out) : 0;
  FillPlan p = PlanOf(s, g, fi, fo);
  p.fans = fans;
  if (p.kind == FillPlan::Kind::kUniform &&
      !(std::isfinite(p.low) && std::isfinite(p.high) && p.low < p.high)) {
    throw Error(s.str() + " gives a degenerate uniform [" + format_number(p.low) +
                ", " + format_number(p.high) + ") on shape " + shape_string(g.shape));
  }
  if (p.kind == FillPlan::Kind::kNormal &&
      !(std::isfinite(p.std) && p.std > 0 && std::isfinite(p.mean))) {
    throw Error(s.str() + " gives a degenerate normal (std " +
                format_number(p.std) + ") on shape " + shape_string(g.shape));
  }
  return p;
}

std::string FillPlan::describe() const {
  switch (kind) {
    case Kind::kConstant:
      return "constant " + format_number(value);
    case Kind::kUniform:
      return "U[" + format_number(low) + ", " + format_number(high) + ")";
    case Kind::kNormal:
      if (!truncated) {
        return "N(" + format_number(mean) + ", " + format_number(std) + "^2)";
      }
      return "N(" + format_number(mean) + ", " + format_number(std) +
             "^2) truncated to [" + format_number(low) + ", " +
             format_number(high) + "]";
    case Kind::kEye:
      return format_number(value) + " x identity " + std::to_string(rows) + "x" +
             std::to_string(cols);
    case Kind::kDirac:
      return "dirac, groups=" + std::to_string(groups);
    case Kind::kOrthogonal:
      return format_number(gain) + " x Haar-orthogonal " + std::to_string(rows) +
             "x" + std::to_string(cols);
    case Kind::kSparse:
      return "N(0, " + format_number(std) + "^2) with ceil(" +
             format_number(sparsity) + " x " + std::to_string(rows) +
             ") zeros per column";
    case Kind::kDeltaOrthogonal:
      return "delta-orthogonal, centre tap " + format_number(gain) +
             " x orthogonal " + std::to_string(rows) + "x" + std::to_string(cols);
  }
  return "?";
}

}  // namespace initcheck
