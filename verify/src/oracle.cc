// The oracle (see initcheck/verify/oracle.h). Written from the published
// formulas; it deliberately shares no code with lib/src/plan.cc or
// lib/src/fans.cc.
#include "initcheck/verify/oracle.h"

#include <boost/math/constants/constants.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "initcheck/error.h"

namespace initcheck::verify {
namespace {

using std::string;

constexpr double kInfinity = std::numeric_limits<double>::infinity();

string Num(double x) { return format_number(x); }

// Standard normal pdf and cdf (Boost).
double Pdf(double x) {
  return std::isinf(x) ? 0.0 : boost::math::pdf(boost::math::normal(), x);
}
double Cdf(double x) {
  if (x == -kInfinity) return 0.0;
  if (x == kInfinity) return 1.0;
  return boost::math::cdf(boost::math::normal(), x);
}

// Moments of N(mu, s^2) restricted to [a, b]: with alpha = (a - mu)/s,
// beta = (b - mu)/s, Z = Phi(beta) - Phi(alpha),
//   mean = mu + s (phi(alpha) - phi(beta)) / Z,
//   var  = s^2 [1 + (alpha phi(alpha) - beta phi(beta)) / Z
//               - ((phi(alpha) - phi(beta)) / Z)^2]
// (Johnson, Kotz & Balakrishnan, Continuous Univariate Distributions, vol. 1,
// ch. 13.10).
void TruncatedMoments(double mu, double s, double a, double b, double& mean,
                      double& var) {
  const double al = (a - mu) / s, be = (b - mu) / s;
  const double z = Cdf(be) - Cdf(al);
  const double pa = Pdf(al), pb = Pdf(be);
  const double ta = std::isinf(al) ? 0.0 : al * pa;
  const double tb = std::isinf(be) ? 0.0 : be * pb;
  const double d = (pa - pb) / z;
  mean = mu + s * d;
  var = s * s * (1.0 + (ta - tb) / z - d * d);
}

// Variance of N(0, 1) restricted to [-2, 2]: 1 - 4 phi(2) / (2 Phi(2) - 1).
double TruncVarFactor2() {
  double m, v;
  TruncatedMoments(0.0, 1.0, -2.0, 2.0, m, v);
  return v;
}

Target Uniform(double low, double high, string how) {
  Target t;
  t.family = Target::Family::kUniform;
  t.low = low;
  t.high = high;
  t.mean = 0.5 * (low + high);
  t.variance = (high - low) * (high - low) / 12.0;  // U[a, b): (b - a)^2 / 12
  t.derivation = std::move(how);
  return t;
}

Target Normal(double mean, double std, string how) {
  Target t;
  t.family = Target::Family::kNormal;
  t.mean = mean;
  t.parent_mean = mean;
  t.parent_std = std;
  t.variance = std * std;
  t.low = -kInfinity;
  t.high = kInfinity;
  t.derivation = std::move(how);
  return t;
}

Target Truncated(double mu, double std, double a, double b, string how) {
  Target t;
  t.family = Target::Family::kTruncatedNormal;
  t.parent_mean = mu;
  t.parent_std = std;
  t.low = a;
  t.high = b;
  TruncatedMoments(mu, std, a, b, t.mean, t.variance);
  t.derivation = std::move(how);
  return t;
}

void NeedRank(const Scheme& s, const Geometry& g, size_t lo, size_t hi) {
  const size_t r = g.shape.size();
  if (r < lo || r > hi) {
    throw Error(s.name() + " expects a weight of rank " +
                (lo == hi ? std::to_string(lo)
                          : std::to_string(lo) + " to " + std::to_string(hi)) +
                ", got shape " + shape_string(g.shape));
  }
}

}  // namespace

// Fans. Each layout names the axes holding the layer's input and output
// channels, and which of the two stores channels per group:
//   torch [out, in/g, *k]; transposed [in, out/g, *k]
//   keras/jax [*k, in/g, out]; transposed [*k, out/g, in]
// framework convention: the shape-only reading (torch: dim 1 in, dim 0 out;
// keras/jax: dim -2 in, dim -1 out), groups and transposition ignored.
OracleFans oracle_fans(const Geometry& g) {
  OracleFans f;
  if (g.fan_in || g.fan_out) {
    if (!g.fan_in || !g.fan_out || *g.fan_in < 1 || *g.fan_out < 1) {
      throw Error("explicit fans need both fan_in >= 1 and fan_out >= 1");
    }
    f.fan_in = *g.fan_in;
    f.fan_out = *g.fan_out;
    return f;
  }
  const int rank = static_cast<int>(g.shape.size());
  if (rank < 2) {
    throw Error("a fan-based scheme needs rank >= 2, got shape " +
                shape_string(g.shape) + "; pass --fan-in and --fan-out");
  }
  int in_ax, out_ax;
  if (g.in_axis || g.out_axis) {
    if (!g.in_axis || !g.out_axis) throw Error("give both in and out axes");
    in_ax = *g.in_axis < 0 ? *g.in_axis + rank : *g.in_axis;
    out_ax = *g.out_axis < 0 ? *g.out_axis + rank : *g.out_axis;
    if (in_ax < 0 || in_ax >= rank || out_ax < 0 || out_ax >= rank ||
        in_ax == out_ax) {
      throw Error("bad in/out axes for shape " + shape_string(g.shape));
    }
  } else if (g.layout == Layout::kTorch) {
    in_ax = 1;
    out_ax = 0;
  } else {
    in_ax = rank - 2;
    out_ax = rank - 1;
  }
  int64_t kernel = 1;
  for (int i = 0; i < rank; ++i) {
    if (i != in_ax && i != out_ax) kernel *= g.shape[static_cast<size_t>(i)];
  }
  const int64_t a_in = g.shape[static_cast<size_t>(in_ax)];
  const int64_t a_out = g.shape[static_cast<size_t>(out_ax)];
  if (g.fans == FanConvention::kFramework || g.in_axis) {
    f.fan_in = a_in * kernel;
    f.fan_out = a_out * kernel;
    return f;
  }
  // Layer convention. Regular: the "in" axis stores in/g, the "out" axis the
  // full out. Transposed: the axes swap roles: torch dim 0 is the full input,
  // dim 1 is out/g; keras dim -1 the full input, dim -2 out/g.
  const int64_t groups = g.groups;
  if (!g.transposed) {
    if (a_out % groups) throw Error("groups do not divide the output channels");
    f.fan_in = a_in * kernel;
    f.fan_out = a_out / groups * kernel;
  } else {
    // a_out is the axis holding the full input channels here.
    if (a_out % groups) throw Error("groups do not divide the input channels");
    f.fan_in = a_out / groups * kernel;
    f.fan_out = a_in * kernel;
  }
  return f;
}

double oracle_gain(const std::string& nl, double param) {
  // torch.nn.init.calculate_gain documentation table.
  if (nl == "linear" || nl == "sigmoid" || nl.rfind("conv", 0) == 0) return 1.0;
  if (nl == "tanh") return 5.0 / 3.0;
  if (nl == "relu") return std::sqrt(2.0);
  if (nl == "leaky_relu") return std::sqrt(2.0 / (1.0 + param * param));
  if (nl == "selu") return 0.75;
  throw Error("oracle: unknown nonlinearity '" + nl + "'");
}

std::string Target::family_name() const {
  switch (family) {
    case Family::kConstant:
      return "constant";
    case Family::kUniform:
      return "uniform";
    case Family::kNormal:
      return "normal";
    case Family::kTruncatedNormal:
      return "truncated_normal";
    case Family::kEye:
      return "eye";
    case Family::kDirac:
      return "dirac";
    case Family::kOrthogonal:
      return "orthogonal";
    case Family::kSparse:
      return "sparse";
    case Family::kDeltaOrthogonal:
      return "delta_orthogonal";
  }
  return "?";
}

namespace {

// Keras VarianceScaling (and the glorot_/he_/lecun_ shorthands):
// Var = scale / max(1, n), n = fan_in | fan_out | (fan_in + fan_out)/2 |
// sqrt(fan_in fan_out).
Target VarianceScalingTarget(double scale, const string& mode, const string& dist,
                             const string& who, double fi, double fo,
                             const string& fan_text) {
  double nm = fi;
  if (mode == "fan_out") nm = fo;
  if (mode == "fan_avg") nm = 0.5 * (fi + fo);
  if (mode == "fan_geo_avg") nm = std::sqrt(fi * fo);
  const double v = scale / std::max(1.0, nm);
  const string how =
      "Var = " + Num(scale) + "/" + mode + " = " + Num(v) + fan_text + " (" + who + ")";
  if (dist == "uniform") {
    const double l = std::sqrt(3.0 * v);
    return Uniform(-l, l, "U(-l, l), l = sqrt(3 Var); " + how);
  }
  if (dist == "untruncated_normal") return Normal(0, std::sqrt(v), "N(0, Var); " + how);
  if (dist == "truncated_normal_uncorrected") {
    // TensorFlow.js 4.22 (tfjs-layers VarianceScaling, distribution 'normal':
    // tf.truncatedNormal(0, sqrt(Var))) and Keras <= 2.2.2: the parent sigma
    // is sqrt(Var) itself, so the variance after truncation is
    // Var (1 - 4 phi(2) / (2 Phi(2) - 1)) = 0.774 Var.
    const double sp = std::sqrt(v);
    return Truncated(0, sp, -2 * sp, 2 * sp,
                     "truncated at +-2 sigma = sqrt(Var) WITHOUT the variance "
                     "correction (TF.js, Keras <= 2.2.2); " + how);
  }
  // Post-truncation variance v: parent sigma^2 = v / Var(N(0,1) | +-2).
  const double sp = std::sqrt(v / TruncVarFactor2());
  return Truncated(0, sp, -2 * sp, 2 * sp,
                   "truncated at +-2 parent sigma, variance after truncation; " + how);
}

Target ConstantTarget(double value) {
  Target t;
  t.family = Target::Family::kConstant;
  t.value = value;
  t.mean = value;
  t.derivation = "every element = " + Num(value);
  return t;
}

Target OrthogonalTarget(const Scheme& s, const Geometry& g) {
  NeedRank(s, g, 2, 8);
  int64_t numel = 1;
  for (int64_t d : g.shape) numel *= d;
  Target t;
  t.family = Target::Family::kOrthogonal;
  t.gain = s.number("gain");
  if (g.layout == Layout::kTorch) {  // torch: rows = dim 0
    t.rows = g.shape.front();
    t.cols = numel / t.rows;
  } else {  // keras/jax: columns = last dim
    t.cols = g.shape.back();
    t.rows = numel / t.cols;
  }
  // Entries of a Haar m x k (m >= k) orthonormal frame have mean 0 and
  // variance 1/m; scaled by gain.
  const double m = static_cast<double>(std::max(t.rows, t.cols));
  t.variance = t.gain * t.gain / m;
  t.derivation = "gain Q, Q Haar-orthogonal " + std::to_string(t.rows) + "x" +
                 std::to_string(t.cols) + " (Saxe et al. 2014; Mezzadri 2007)";
  return t;
}

Target EyeTarget(const Scheme& s, const Geometry& g, double value) {
  NeedRank(s, g, 2, 2);
  Target t;
  t.family = Target::Family::kEye;
  t.value = value;
  t.rows = g.shape[0];
  t.cols = g.shape[1];
  t.derivation = Num(t.value) + " on the diagonal, 0 elsewhere";
  return t;
}

Target DiracTarget(const Scheme& s, const Geometry& g) {
  NeedRank(s, g, 3, 5);
  if (g.layout != Layout::kTorch) throw Error("dirac is defined for torch layout");
  Target t;
  t.family = Target::Family::kDirac;
  t.groups = static_cast<int64_t>(s.number("groups"));
  if (g.shape[0] % t.groups) throw Error("dirac: groups do not divide out channels");
  t.derivation = "w[g*out/groups + d, d, centre] = 1 (torch.nn.init.dirac_)";
  return t;
}

Target SparseTarget(const Scheme& s, const Geometry& g) {
  NeedRank(s, g, 2, 2);
  Target t;
  t.family = Target::Family::kSparse;
  t.rows = g.shape[0];
  t.cols = g.shape[1];
  t.parent_std = s.number("std");
  // torch.nn.init.sparse_: num_zeros = ceil(sparsity * rows) per column.
  t.zeros_per_column = static_cast<int64_t>(
      std::ceil(s.number("sparsity") * static_cast<double>(t.rows)));
  t.variance = t.parent_std * t.parent_std;
  t.low = -kInfinity;
  t.high = kInfinity;
  t.derivation = std::to_string(t.zeros_per_column) +
                 " zeros per column, others N(0, std^2) (torch.nn.init.sparse_)";
  return t;
}

Target DeltaOrthogonalTarget(const Scheme& s, const Geometry& g) {
  NeedRank(s, g, 3, 5);
  if (g.layout == Layout::kTorch) {
    throw Error("delta_orthogonal is defined for keras/jax layout [*k, in, out]");
  }
  Target t;
  t.family = Target::Family::kDeltaOrthogonal;
  t.gain = s.number("scale");
  t.rows = g.shape[g.shape.size() - 2];
  t.cols = g.shape.back();
  if (t.rows > t.cols) throw Error("delta_orthogonal needs in <= out");
  t.derivation = "centre tap scale Q(in, out), zeros elsewhere (Xiao et al. 2018)";
  return t;
}

}  // namespace

Target derive_target(const Scheme& s, const Geometry& g) {
  using Id = SchemeId;
  std::optional<OracleFans> fans;
  if (s.spec().uses_fans) fans = oracle_fans(g);
  const double fi = fans ? static_cast<double>(fans->fan_in) : 0.0;
  const double fo = fans ? static_cast<double>(fans->fan_out) : 0.0;
  const string fan_text = fans ? " (fan_in=" + std::to_string(fans->fan_in) +
                                     ", fan_out=" + std::to_string(fans->fan_out) + ")"
                               : "";
  // PyTorch kaiming_*: std = gain / sqrt(fan_mode); uniform bound = gain
  // sqrt(3 / fan_mode).
  auto kaiming = [&](bool uniform) {
    const double gain = oracle_gain(s.word("nonlinearity"), s.number("a"));
    const double fan = s.word("mode") == "fan_in" ? fi : fo;
    const string how = "gain=" + Num(gain) + " (" + s.word("nonlinearity") +
                       "), fan=" + s.word("mode") + fan_text + " (He et al. 2015)";
    if (uniform) {
      const double b = gain * std::sqrt(3.0 / fan);
      return Uniform(-b, b, "U(-b, b), b = gain sqrt(3/fan); " + how);
    }
    return Normal(0, gain / std::sqrt(fan), "std = gain/sqrt(fan); " + how);
  };
  auto vs = [&](double scale, const char* mode, const char* dist, const char* who) {
    return VarianceScalingTarget(scale, mode, dist, who, fi, fo, fan_text);
  };
  Target t;
  switch (s.id()) {
    case Id::kZeros: t = ConstantTarget(0.0); break;
    case Id::kOnes: t = ConstantTarget(1.0); break;
    case Id::kConstant: t = ConstantTarget(s.number("value")); break;
    case Id::kUniform: t = Uniform(s.number("a"), s.number("b"), "U[a, b)"); break;
    case Id::kRandomUniform:
      t = Uniform(s.number("minval"), s.number("maxval"), "U[minval, maxval)");
      break;
    case Id::kNormal: t = Normal(s.number("mean"), s.number("std"), "N(mean, std^2)"); break;
    case Id::kRandomNormal:
      t = Normal(s.number("mean"), s.number("stddev"), "N(mean, stddev^2)");
      break;
    case Id::kTruncNormal:
      t = Truncated(s.number("mean"), s.number("std"), s.number("a"), s.number("b"),
                    "N(mean, std^2) on [a, b] (PyTorch trunc_normal_: a, b absolute)");
      break;
    case Id::kTruncatedNormal: {
      const double m = s.number("mean"), sd = s.number("stddev");
      t = Truncated(m, sd, m - 2 * sd, m + 2 * sd,
                    "N(mean, stddev^2) on mean +- 2 stddev (Keras TruncatedNormal)");
      break;
    }
    case Id::kXavierUniform: {
      // PyTorch: a = gain sqrt(6 / (fan_in + fan_out)).
      const double a = s.number("gain") * std::sqrt(6.0 / (fi + fo));
      t = Uniform(-a, a,
                  "U(-a, a), a = gain sqrt(6/(fan_in+fan_out)) (Glorot & Bengio 2010)" +
                      fan_text);
      break;
    }
    case Id::kXavierNormal:
      t = Normal(0, s.number("gain") * std::sqrt(2.0 / (fi + fo)),
                 "std = gain sqrt(2/(fan_in+fan_out)) (Glorot & Bengio 2010)" + fan_text);
      break;
    case Id::kKaimingUniform: t = kaiming(true); break;
    case Id::kKaimingNormal: t = kaiming(false); break;
    case Id::kVarianceScaling:
      t = VarianceScalingTarget(s.number("scale"), s.word("mode"), s.word("distribution"),
                                "Keras VarianceScaling", fi, fo, fan_text);
      break;
    // 2 / (fan_in + fan_out), 2 / fan_in, 1 / fan_in.
    case Id::kGlorotUniform: t = vs(1, "fan_avg", "uniform", "Glorot & Bengio 2010"); break;
    case Id::kGlorotNormal:
      t = vs(1, "fan_avg", "truncated_normal", "Glorot & Bengio 2010");
      break;
    case Id::kHeUniform: t = vs(2, "fan_in", "uniform", "He et al. 2015"); break;
    case Id::kHeNormal: t = vs(2, "fan_in", "truncated_normal", "He et al. 2015"); break;
    case Id::kLecunUniform: t = vs(1, "fan_in", "uniform", "LeCun et al. 1998"); break;
    case Id::kLecunNormal:
      t = vs(1, "fan_in", "truncated_normal", "LeCun et al. 1998");
      break;
    case Id::kOrthogonal: t = OrthogonalTarget(s, g); break;
    case Id::kEye: t = EyeTarget(s, g, 1.0); break;
    case Id::kIdentity: t = EyeTarget(s, g, s.number("gain")); break;
    case Id::kDirac: t = DiracTarget(s, g); break;
    case Id::kSparse: t = SparseTarget(s, g); break;
    case Id::kDeltaOrthogonal: t = DeltaOrthogonalTarget(s, g); break;
  }
  t.fans = fans;
  return t;
}

}  // namespace initcheck::verify
