// The diagnosis of a failed check (see initcheck/verify/diagnose.h).
#include "initcheck/verify/diagnose.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <optional>

#include "initcheck/error.h"
#include "initcheck/verify/distributions.h"
#include "initcheck/verify/oracle.h"
#include "initcheck/verify/resolution.h"

namespace initcheck::verify {
namespace {

using Family = Target::Family;

// ---- shapes -----------------------------------------------------------------

// Excess kurtosis of a law and n Var(sample excess kurtosis).
struct ShapeStats {
  double kurtosis = 0;
  double v = 24;
};

// Central moments mu_0..mu_8 of an elementwise law.
std::optional<std::array<double, 9>> CentralMoments(const Target& t) {
  std::array<double, 9> mu{};
  mu[0] = 1;
  switch (t.family) {
    case Family::kUniform: {
      const double h = 0.5 * (t.high - t.low);
      for (int k = 2; k <= 8; k += 2) mu[k] = std::pow(h, k) / (k + 1);
      return mu;
    }
    case Family::kNormal:
    case Family::kSparse: {
      const double s2 = t.parent_std * t.parent_std;
      mu[2] = s2;
      mu[4] = 3 * s2 * s2;
      mu[6] = 15 * s2 * s2 * s2;
      mu[8] = 105 * s2 * s2 * s2 * s2;
      return mu;
    }
    case Family::kTruncatedNormal: {
      // Standardized parent on [a, b]: M_k = (k-1) M_{k-2} - m M_{k-1} +
      // ((a-m)^{k-1} phi(a) - (b-m)^{k-1} phi(b)) / Z (distributions.h).
      const double s = t.parent_std;
      const double a = (t.low - t.parent_mean) / s;
      const double b = (t.high - t.parent_mean) / s;
      const double z = b <= 0 ? normal_cdf(b) - normal_cdf(a)
                              : normal_sf(a) - normal_sf(b);
      auto phi = [](double x) {
        return std::isinf(x) ? 0.0
                             : std::exp(-0.5 * x * x) * 0.3989422804014327;
      };
      const double pa = phi(a), pb = phi(b);
      const double m = (pa - pb) / z;
      std::array<double, 9> mm{};
      mm[0] = 1;
      for (int k = 2; k <= 8; ++k) {
        const double ta = pa == 0 ? 0.0 : std::pow(a - m, k - 1) * pa;
        const double tb = pb == 0 ? 0.0 : std::pow(b - m, k - 1) * pb;
        mm[k] = (k - 1) * mm[k - 2] - m * mm[k - 1] + (ta - tb) / z;
      }
      for (int k = 2; k <= 8; ++k) mu[k] = mm[k] * std::pow(s, k);
      return mu;
    }
    default:
      return std::nullopt;
  }
}

// Delta method: the sample excess kurtosis m4/m2^2 - 3 has influence
// function IF(d) = (d^4 - mu4 - 4 mu3 d)/mu2^2 - 2 mu4 (d^2 - mu2)/mu2^3, so
// n Var -> E[IF^2] = sum_ij c_i c_j mu_{i+j} (normal: 24).
ShapeStats ShapeOf(const Target& t) {
  ShapeStats s;
  const auto mu = CentralMoments(t);
  if (!mu) return s;
  const auto& m = *mu;
  const double m2 = m[2], m4 = m[4];
  s.kurtosis = m4 / (m2 * m2) - 3;
  const double c[5] = {m4 / (m2 * m2), -4 * m[3] / (m2 * m2),
                       -2 * m4 / (m2 * m2 * m2), 0, 1 / (m2 * m2)};
  double v = 0;
  for (int i = 0; i <= 4; ++i) {
    for (int j = 0; j <= 4; ++j) v += c[i] * c[j] * m[i + j];
  }
  s.v = std::max(v, 1e-12);
  return s;
}

// ---- laws -------------------------------------------------------------------

Target UniformLaw(double mean, double var) {
  Target t;
  t.family = Family::kUniform;
  const double h = std::sqrt(3 * var);
  t.low = mean - h;
  t.high = mean + h;
  t.mean = mean;
  t.variance = var;
  return t;
}

Target NormalLaw(double mean, double var) {
  Target t;
  t.family = Family::kNormal;
  t.mean = t.parent_mean = mean;
  t.parent_std = std::sqrt(var);
  t.variance = var;
  t.low = -kInf;
  t.high = kInf;
  return t;
}

Target TruncLaw(double pm, double ps, double a, double b) {
  const TruncatedNormal d(pm, ps, a, b);
  Target t;
  t.family = Family::kTruncatedNormal;
  t.parent_mean = pm;
  t.parent_std = ps;
  t.low = a;
  t.high = b;
  t.mean = d.mean();
  t.variance = d.variance();
  return t;
}

// The law stretched about its mean so that its variance is multiplied by r.
Target Scaled(const Target& t, double r) {
  Target s = t;
  const double f = std::sqrt(r);
  s.variance = t.variance * r;
  switch (t.family) {
    case Family::kUniform:
      s.low = t.mean + (t.low - t.mean) * f;
      s.high = t.mean + (t.high - t.mean) * f;
      break;
    case Family::kNormal:
    case Family::kSparse:
      s.parent_std = t.parent_std * f;
      break;
    case Family::kTruncatedNormal:
      s.parent_std = t.parent_std * f;
      s.low = t.parent_mean + (t.low - t.parent_mean) * f;
      s.high = t.parent_mean + (t.high - t.parent_mean) * f;
      s.mean = t.parent_mean + (t.mean - t.parent_mean) * f;
      break;
    default:
      break;
  }
  return s;
}

bool Bounded(const Target& t) {
  return (t.family == Family::kUniform ||
          t.family == Family::kTruncatedNormal) &&
         std::isfinite(t.low) && std::isfinite(t.high);
}

// Keras' variance-corrected truncated normal of variance v: parent sd
// sqrt(v / 0.7737...) cut at +-2 parent sd (oracle.h).
Target KerasTruncLaw(double mean, double v) {
  const Target unit = TruncLaw(0, 1, -2, 2);
  const double ps = std::sqrt(v / unit.variance);
  return TruncLaw(mean, ps, mean - 2 * ps, mean + 2 * ps);
}

// ---- what was observed ------------------------------------------------------

struct Observed {
  int64_t n = 0;
  double ratio = kNaN;     // s^2 / target variance
  double kurtosis = kNaN;  // excess
  bool shape = false;      // kurtosis usable
  double min = kNaN, max = kNaN;
  double mean = kNaN;  // kNaN for sparse (the zeros are not the law's)
};

const TestResult* FindTest(const TensorCheck& c, const char* name) {
  for (const TestResult& r : c.tests) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

Observed Observe(const TensorCheck& c) {
  Observed o;
  const SampleSummary& s = c.sample;
  o.n = s.n - s.n_nan - s.n_inf;
  o.ratio = s.variance / c.target.variance;
  // The variance test's own numbers where it ran (the non-zeros of a sparse
  // tensor).
  if (const TestResult* v = FindTest(c, "variance")) {
    const double r = v->detail("ratio");
    if (std::isfinite(r) && v->n >= 3) {
      o.ratio = r;
      o.n = v->n;
    }
  }
  o.kurtosis = s.excess_kurtosis;
  o.shape = c.target.family != Family::kSparse && o.n >= kMinShapeN &&
            std::isfinite(o.kurtosis);
  o.min = s.min;
  o.max = s.max;
  if (c.target.family != Family::kSparse) o.mean = s.mean;
  return o;
}

// ---- candidates -------------------------------------------------------------

struct Candidate {
  std::string text;
  Target law;
  int order = 0;  // prior plausibility: smaller first among equal fits
};

// A fan-based elementwise scheme as variance_scaling(scale, mode, kind).
struct VsForm {
  double scale = 1;
  std::string mode = "fan_in";
  std::string kind;  // "uniform", "untruncated_normal", "truncated_normal"
  std::string family;  // "kaiming", "xavier", "keras"
};

std::optional<VsForm> AsVarianceScaling(const Scheme& s) {
  VsForm f;
  switch (s.id()) {
    case SchemeId::kKaimingUniform:
    case SchemeId::kKaimingNormal: {
      const double g = oracle_gain(s.word("nonlinearity"), s.number("a"));
      f.scale = g * g;
      f.mode = s.word("mode");
      f.kind = s.id() == SchemeId::kKaimingUniform ? "uniform"
                                                   : "untruncated_normal";
      f.family = "kaiming";
      return f;
    }
    case SchemeId::kXavierUniform:
    case SchemeId::kXavierNormal: {
      const double g = s.number("gain");
      f.scale = g * g;
      f.mode = "fan_avg";
      f.kind = s.id() == SchemeId::kXavierUniform ? "uniform"
                                                  : "untruncated_normal";
      f.family = "xavier";
      return f;
    }
    case SchemeId::kVarianceScaling:
      f.scale = s.number("scale");
      f.mode = s.word("mode");
      f.kind = s.word("distribution");
      f.family = "keras";
      return f;
    case SchemeId::kGlorotUniform:
    case SchemeId::kGlorotNormal:
    case SchemeId::kHeUniform:
    case SchemeId::kHeNormal:
    case SchemeId::kLecunUniform:
    case SchemeId::kLecunNormal: {
      const SchemeId id = s.id();
      f.scale = (id == SchemeId::kHeUniform || id == SchemeId::kHeNormal) ? 2 : 1;
      f.mode = (id == SchemeId::kGlorotUniform || id == SchemeId::kGlorotNormal)
                   ? "fan_avg"
                   : "fan_in";
      f.kind = (id == SchemeId::kGlorotUniform || id == SchemeId::kHeUniform ||
                id == SchemeId::kLecunUniform)
                   ? "uniform"
                   : "truncated_normal";
      f.family = "keras";
      return f;
    }
    default:
      return std::nullopt;
  }
}

// The oracle's target of variance_scaling(scale, mode, kind) on g.
std::optional<Target> VsTarget(double scale, const std::string& mode,
                               const std::string& kind, const Geometry& g) {
  try {
    const Scheme s = Scheme::parse("variance_scaling(scale=" +
                                   format_number(scale) + ", mode=" + mode +
                                   ", distribution=" + kind + ")");
    return derive_target(s, g);
  } catch (const Error&) {
    return std::nullopt;
  }
}

bool Same(double a, double b) { return std::abs(a - b) <= 1e-9 * std::abs(b); }

std::string ModeText(const std::string& mode) {
  if (mode == "fan_avg") return "fan_avg = (fan_in+fan_out)/2";
  if (mode == "fan_geo_avg") return "sqrt(fan_in fan_out)";
  return mode;
}

// "He (2/fan_in)" for the named combinations, else "Var = s/mode".
std::string VsName(double scale, const std::string& mode) {
  if (Same(scale, 2) && mode == "fan_in") return "He (2/fan_in)";
  if (Same(scale, 1) && mode == "fan_in") return "LeCun (1/fan_in)";
  if (Same(scale, 1) && mode == "fan_avg") return "Glorot (2/(fan_in+fan_out))";
  if (Same(scale, 1.0 / 3) && mode == "fan_in")
    return "PyTorch's layer default kaiming_uniform(a=sqrt(5)) (1/(3 fan_in))";
  return "Var " + format_number(scale) + "/" + mode;
}

// The gain table's values, for kaiming's nonlinearity and xavier's gain.
struct GainName {
  double gain2;
  const char* name;
};
const GainName kGains[] = {
    {1.0, "gain 1 (nonlinearity='linear')"},
    {2.0, "gain sqrt(2) (relu)"},
    {25.0 / 9, "gain 5/3 (tanh)"},
    {9.0 / 16, "PyTorch's SELU gain 3/4"},
    {1.0 / 3, "gain sqrt(1/3) (leaky_relu, a=sqrt(5): PyTorch's layer default)"},
};
std::string GainText(double g2) {
  for (const GainName& g : kGains) {
    if (Same(g2, g.gain2)) return g.name;
  }
  return "gain " + format_number(std::sqrt(g2));
}

std::string KindText(const std::string& kind) {
  if (kind == "uniform") return "a uniform";
  if (kind == "untruncated_normal") return "an untruncated normal";
  if (kind == "truncated_normal") return "Keras' truncated normal";
  return "a truncated normal (" + kind + ")";
}

void FanCandidates(const TensorCheck& c, const Scheme& s, const VsForm& f,
                   std::vector<Candidate>& out) {
  const Geometry& g = c.geometry;
  auto add = [&](std::string text, std::optional<Target> law, int order) {
    if (law) out.push_back({std::move(text), *law, order});
  };
  const std::string here = VsName(f.scale, f.mode);
  // Another fan mode.
  for (const char* mode : {"fan_in", "fan_out", "fan_avg"}) {
    if (mode == f.mode) continue;
    std::string text;
    if ((f.mode == "fan_in" && std::string(mode) == "fan_out") ||
        (f.mode == "fan_out" && std::string(mode) == "fan_in")) {
      text = std::string("mode=") + mode + " where " + f.mode +
             " was meant (fan_in and fan_out swapped)?";
    } else {
      text = ModeText(mode) + " where " + ModeText(f.mode) + " was meant?";
    }
    add(text, VsTarget(f.scale, mode, f.kind, g), 1);
  }
  // Another gain, or another named initializer.
  if (f.family == "kaiming" || f.family == "xavier") {
    for (const GainName& gn : kGains) {
      if (Same(gn.gain2, f.scale)) continue;
      if (f.family == "xavier" && Same(gn.gain2, 1.0 / 3)) continue;
      std::string text = std::string(gn.name) + " where " + GainText(f.scale) +
                         " was meant?";
      if (Same(gn.gain2, 9.0 / 16) && Same(f.scale, 1)) {
        text =
            "PyTorch's SELU gain 3/4 where gain 1 (nonlinearity='linear', as "
            "self-normalizing networks need) was meant (PyTorch #54055)?";
      }
      add(text, VsTarget(gn.gain2, f.mode, f.kind, g), 0);
    }
  } else {
    const std::pair<double, const char*> named[] = {
        {2, "fan_in"}, {1, "fan_in"}, {1, "fan_avg"}};
    for (const auto& [scale, mode] : named) {
      if (Same(scale, f.scale) && mode == f.mode) continue;
      add(VsName(scale, mode) + " where " + here + " was meant?",
          VsTarget(scale, mode, f.kind, g), 0);
    }
  }
  if (f.kind == "uniform" && !(Same(f.scale, 1.0 / 3) && f.mode == "fan_in")) {
    add(VsName(1.0 / 3, "fan_in") + " where " + here + " was meant?",
        VsTarget(1.0 / 3, "fan_in", "uniform", g), 0);
  }
  // The other layout, re-derived by the oracle.
  if (!g.fan_in && !g.in_axis && g.shape.size() >= 2) {
    Geometry o = g;
    o.layout = g.layout == Layout::kTorch ? Layout::kKeras : Layout::kTorch;
    try {
      const Target t = derive_target(s, o);
      if (t.fans) {
        const bool to_keras = o.layout == Layout::kKeras;
        std::string text =
            std::string(to_keras ? "a Keras/JAX-layout [*k, in, out] weight "
                                   "checked with --layout torch"
                                 : "a PyTorch-layout [out, in, *k] weight "
                                   "checked with --layout " +
                                       std::string(layout_name(g.layout))) +
            "? With --layout " + (to_keras ? "keras" : "torch") +
            " the fans are (" + std::to_string(t.fans->fan_in) + ", " +
            std::to_string(t.fans->fan_out) + ") and the variance fits";
        add(text, t, 0);
      }
    } catch (const Error&) {
    }
  }
  // The other fan convention (groups, transposed convolutions).
  if ((g.groups > 1 || g.transposed) && !g.fan_in && !g.in_axis) {
    Geometry o = g;
    o.fans = g.fans == FanConvention::kFramework ? FanConvention::kLayer
                                                 : FanConvention::kFramework;
    try {
      add(format("fans counted with --fans %s (groups=%lld%s) fit: the "
                 "framework's shape-only fans where the layer's were meant, "
                 "or vice versa (PyTorch #23854, #7865)?",
                 std::string(fan_convention_name(o.fans)).c_str(),
                 static_cast<long long>(g.groups),
                 g.transposed ? ", transposed" : ""),
          derive_target(s, o), 0);
    } catch (const Error&) {
    }
  }
  // Rank 1 with explicit fans: TF.js computeFans falls back to sqrt(size).
  if (g.shape.size() == 1 && g.fan_in && g.fan_out) {
    const double root = std::sqrt(static_cast<double>(shape_numel(g.shape)));
    if (const auto t = VsTarget(f.scale, f.mode, f.kind, g)) {
      double fan = static_cast<double>(*g.fan_in);
      if (f.mode == "fan_out") fan = static_cast<double>(*g.fan_out);
      if (f.mode == "fan_avg") fan = 0.5 * double(*g.fan_in + *g.fan_out);
      if (f.mode == "fan_geo_avg") fan = std::sqrt(double(*g.fan_in * *g.fan_out));
      add(format("fans = sqrt(size) = %.4g (TF.js computeFans for a rank-1 "
                 "shape) where fans (%lld, %lld) were meant?",
                 root, static_cast<long long>(*g.fan_in),
                 static_cast<long long>(*g.fan_out)),
          Scaled(*t, std::max(1.0, fan) / std::max(1.0, root)), 1);
    }
  }
  // Another distribution with the same variance formula.
  const Target& t = c.target;
  for (const char* kind : {"uniform", "untruncated_normal", "truncated_normal"}) {
    if (kind == f.kind) continue;
    std::string text = std::string(KindText(kind)) + " where " +
                       KindText(f.kind) + " was meant";
    if (std::string(kind) == "uniform" && f.kind == "truncated_normal")
      text += " (a *_uniform initializer; TF.js VarianceScaling sends "
              "'truncatedNormal' to the uniform branch)";
    add(text + "?", VsTarget(f.scale, f.mode, kind, g), 2);
  }
  // Keras' truncation without the 0.87962566 correction: parent sd =
  // sqrt(Var), cut at +-2 sqrt(Var).
  {
    const double sd = std::sqrt(t.variance);
    std::string text =
        f.kind == "truncated_normal"
            ? "missing truncation correction (divide the std by 0.87962566)?"
            : "a normal truncated at +-2 sd without the variance correction "
              "(0.774x; TF.js " +
                  std::string(f.family == "keras" ? "glorotNormal/heNormal"
                                                  : "truncatedNormal") +
                  ", tfjs #8594) where " + KindText(f.kind) + " was meant?";
    out.push_back({text, TruncLaw(t.mean, sd, t.mean - 2 * sd, t.mean + 2 * sd),
                   f.kind == "truncated_normal" ? 0 : 2});
  }
  if (f.kind == "truncated_normal") {
    const double ps = t.parent_std / std::sqrt(TruncLaw(0, 1, -2, 2).variance);
    out.push_back({"truncation correction applied twice?",
                   TruncLaw(t.parent_mean, ps, t.parent_mean - 2 * ps,
                            t.parent_mean + 2 * ps),
                   1});
    out.push_back({"the parent normal never truncated (N(0, parent sd^2))?",
                   NormalLaw(t.parent_mean, t.parent_std * t.parent_std), 1});
  }
  if (f.kind == "uniform") {
    out.push_back({"all values >= 0: U[0, b) where U(-b, b) was meant "
                   "(jax.nn.initializers.uniform(scale) is U[0, scale))?",
                   UniformLaw(t.mean + 0.5 * (t.high - t.mean), t.variance / 4),
                   0});
    out.push_back({"uniform bound missing sqrt(3) (bound = std)?",
                   Scaled(t, 1.0 / 3), 1});
    out.push_back({"bound multiplied by sqrt(3) twice?", Scaled(t, 3.0), 1});
  }
}

// Schemes whose parameters are the law itself.
void ParameterCandidates(const TensorCheck& c, const Scheme& s,
                         std::vector<Candidate>& out) {
  const Target& t = c.target;
  const bool normal = t.family == Family::kNormal || t.family == Family::kSparse;
  const char* what = t.family == Family::kUniform ? "bounds" : "std";
  out.push_back({format("%s 10x too large: a misplaced decimal point?", what),
                 Scaled(t, 100), 1});
  out.push_back({format("%s 10x too small: a misplaced decimal point?", what),
                 Scaled(t, 0.01), 1});
  if (t.family != Family::kUniform && t.variance < 0.25) {
    out.push_back({format("the variance passed as the std (std = %.3g)?",
                          t.variance),
                   Scaled(t, t.variance), 1});
  }
  if (normal) {
    const double sd = t.parent_std;
    out.push_back({"truncated at +-2 sd (a truncated normal where an "
                   "untruncated one was meant)?",
                   TruncLaw(t.parent_mean, sd, t.parent_mean - 2 * sd,
                            t.parent_mean + 2 * sd),
                   2});
    out.push_back({"a uniform where a normal was meant?",
                   UniformLaw(t.mean, t.variance), 2});
  }
  if (t.family == Family::kUniform) {
    out.push_back({"all values >= 0: U[0, b) where U(-b, b) was meant "
                   "(jax.nn.initializers.uniform(scale) is U[0, scale))?",
                   UniformLaw(t.mean + 0.5 * (t.high - t.mean), t.variance / 4),
                   0});
    out.push_back({"a normal where a uniform was meant?",
                   NormalLaw(t.mean, t.variance), 2});
  }
  if (t.family == Family::kTruncatedNormal) {
    out.push_back({"untruncated: the bounds not applied (or given in sd "
                   "units where PyTorch's trunc_normal_ takes absolute "
                   "ones)?",
                   NormalLaw(t.parent_mean, t.parent_std * t.parent_std), 1});
    out.push_back({"a uniform where a truncated normal was meant?",
                   UniformLaw(t.mean, t.variance), 2});
    if (s.id() == SchemeId::kTruncatedNormal) {
      // Keras' TruncatedNormal takes the parent's stddev; VarianceScaling
      // divides it by 0.87962566 first.
      const double ps =
          t.parent_std / std::sqrt(TruncLaw(0, 1, -2, 2).variance);
      out.push_back({"stddev treated as the std after truncation (divided by "
                     "0.87962566, as VarianceScaling does)?",
                     TruncLaw(t.parent_mean, ps, t.parent_mean - 2 * ps,
                              t.parent_mean + 2 * ps),
                     1});
    }
  }
}

// Two-sided normal tail at the hint threshold: the probability that the
// true explanation's statistic lands beyond k standard errors (6.3e-5 for
// k = 4); also the level at which a bounded candidate's extremes are
// judged.
double HintTail() { return 2 * normal_sf(kHintSigmas); }

// The fit of a candidate (see the header).
struct Fit {
  bool fits = false;
  double z = kInf;
};

std::unique_ptr<Distribution> LawDistribution(const Target& t) {
  if (t.family == Family::kUniform) return std::make_unique<Uniform>(t.low, t.high);
  if (t.family == Family::kTruncatedNormal)
    return std::make_unique<TruncatedNormal>(t.parent_mean, t.parent_std, t.low,
                                             t.high);
  return std::make_unique<Normal>(t.parent_mean, t.parent_std);
}

Fit Evaluate(const Candidate& cand, const Observed& o, const Target& t,
             const ShapeStats& ts, DType dtype) {
  Fit f;
  const double k = kHintSigmas;
  const double n = static_cast<double>(o.n);
  if (o.n < 3 || !(cand.law.variance > 0) || !(o.ratio > 0)) return f;
  const ShapeStats cs = ShapeOf(cand.law);
  const double rc = cand.law.variance / t.variance;
  // s^2 compared on the log scale (variance-stabilizing: Var(log s^2) ~=
  // Var(s^2) / sigma^4, and much closer to normal than s^2 at small n).
  const double se_r = std::sqrt(std::max(1e-300, 2 / (n - 1) + cs.kurtosis / n));
  const double se_k = std::sqrt(cs.v / n);
  // Distinguishable from the target itself?
  const bool differs =
      std::abs(std::log(rc)) > k * se_r ||
      (o.shape && std::abs(cs.kurtosis - ts.kurtosis) > k * se_k) ||
      std::abs(cand.law.mean - t.mean) > k * std::sqrt(cand.law.variance / n);
  if (!differs) return f;
  const double zr = std::abs(std::log(o.ratio / rc)) / se_r;
  const double zk = o.shape ? std::abs(o.kurtosis - cs.kurtosis) / se_k : 0.0;
  const double zm = std::isfinite(o.mean)
                        ? std::abs(o.mean - cand.law.mean) /
                              std::sqrt(cand.law.variance / n)
                        : 0.0;
  if (Bounded(cand.law)) {
    // Inside its support (up to rounding to the dtype), and not shrunk
    // inside it: the extremes test of support.h at the hint level,
    // P(min PIT >= u) = (1 - u)^n, both ends, Bonferroni.
    const double tol =
        2 * dtype_ulp(std::max(std::abs(cand.law.low), std::abs(cand.law.high)),
                      dtype);
    if (o.min < cand.law.low - tol || o.max > cand.law.high + tol) return f;
    const auto d = LawDistribution(cand.law);
    const double u = std::max(d->cdf(o.min - tol), d->sf(o.max + tol));
    if (4 * std::exp(n * std::log1p(-std::min(u, 1.0 - 1e-16))) < HintTail())
      return f;
  }
  f.z = std::max({zr, zk, zm});
  f.fits = f.z <= k;
  return f;
}

std::string Join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const std::string& s : v) {
    if (s.empty()) continue;
    out += (out.empty() ? "" : sep) + s;
  }
  return out;
}

bool Failed(const TensorCheck& c, std::string_view name) {
  for (size_t i = 0; i < c.tests.size(); ++i) {
    if (c.tests[i].name == name && i < c.rejected.size() && c.rejected[i])
      return true;
  }
  return false;
}

// Reference shapes for "looks X".
struct NamedShape {
  const char* name;
  Target law;
};
std::vector<NamedShape> ReferenceShapes() {
  return {{"normal", NormalLaw(0, 1)},
          {"uniform", UniformLaw(0, 1)},
          {"like a normal truncated at +-2 sd", TruncLaw(0, 1, -2, 2)}};
}

std::string FamilyText(const Target& t) {
  switch (t.family) {
    case Family::kUniform:
      return "a uniform";
    case Family::kTruncatedNormal:
      return "a truncated normal";
    default:
      return "a normal";
  }
}

// "the variance fits fan_in = 22.8 (expected 512)" for fan-based schemes.
std::string ImpliedFan(const TensorCheck& c, const VsForm& f, double ratio) {
  const Target& t = c.target;
  if (!t.fans || !(ratio > 0)) return "";
  const double fi = static_cast<double>(t.fans->fan_in),
               fo = static_cast<double>(t.fans->fan_out);
  double fan = fi;
  if (f.mode == "fan_out") fan = fo;
  if (f.mode == "fan_avg") fan = 0.5 * (fi + fo);
  if (f.mode == "fan_geo_avg") fan = std::sqrt(fi * fo);
  return format(" (the variance fits %s = %.4g; expected %.4g)", f.mode.c_str(),
                fan / ratio, fan);
}

}  // namespace

std::vector<Hint> explain_scale(const TensorCheck& c) {
  std::vector<Hint> hints;
  const Target& t = c.target;
  if (!(t.elementwise() || t.family == Family::kSparse) || !(t.variance > 0))
    return hints;
  const Observed o = Observe(c);
  if (o.n < 3 || !std::isfinite(o.ratio)) return hints;
  const ShapeStats ts = ShapeOf(t);
  const double n = static_cast<double>(o.n);
  const double se0 = std::sqrt(std::max(1e-300, 2 / (n - 1) + ts.kurtosis / n));
  const bool scale_off =
      !(o.ratio > 0) || std::abs(std::log(o.ratio)) > kHintSigmas * se0;
  const bool shape_off =
      o.shape && std::abs(o.kurtosis - ts.kurtosis) > kHintSigmas * std::sqrt(ts.v / n);
  if ((!scale_off && !shape_off) || !(o.ratio > 0)) return hints;
  std::vector<Candidate> cands;
  std::optional<Scheme> s;
  try {
    s = Scheme::parse(c.scheme);
  } catch (const Error&) {
    return hints;
  }
  if (const auto f = AsVarianceScaling(*s); f && s->spec().uses_fans) {
    FanCandidates(c, *s, *f, cands);
    // The variance passed as the std (mlpack PR #3651): std = Var.
    if (t.variance < 0.25) {
      cands.push_back({format("the variance passed as the std (std = %.3g)?",
                              t.variance),
                       Scaled(t, t.variance), 1});
    }
  } else {
    ParameterCandidates(c, *s, cands);
  }
  struct Scored {
    Hint h;
    int order;
  };
  std::vector<Scored> fits;
  for (const Candidate& cand : cands) {
    const Fit f = Evaluate(cand, o, t, ts, c.dtype);
    if (!f.fits) continue;
    const ShapeStats cs = ShapeOf(cand.law);
    const double rc = cand.law.variance / t.variance;
    // Merge candidates that predict the same law.
    bool merged = false;
    for (Scored& x : fits) {
      if (std::abs(x.h.predicted_ratio - rc) <= 1e-9 * rc &&
          std::abs(x.h.predicted_kurtosis - cs.kurtosis) <= 1e-9) {
        if (x.h.text.find(cand.text) == std::string::npos) {
          std::string t2 = cand.text;
          if (!x.h.text.empty() && x.h.text.back() == '?') x.h.text.pop_back();
          x.h.text += ", or " + t2;
        }
        x.order = std::min(x.order, cand.order);
        merged = true;
        break;
      }
    }
    if (!merged) fits.push_back({{cand.text, rc, cs.kurtosis, f.z}, cand.order});
  }
  std::stable_sort(fits.begin(), fits.end(), [](const Scored& a, const Scored& b) {
    // Fits within one standard error of each other are equally good: then
    // the more common mistake first.
    if (std::abs(a.h.z - b.h.z) > 1) return a.h.z < b.h.z;
    return a.order < b.order;
  });
  for (size_t i = 0; i < fits.size() && i < 3; ++i) hints.push_back(fits[i].h);
  return hints;
}

std::string diagnose(const TensorCheck& c) {
  if (c.pass) return "";
  std::vector<std::string> why;
  for (size_t i = 0; i < c.tests.size(); ++i) {
    const TestResult& r = c.tests[i];
    if (i < c.rejected.size() && c.rejected[i] &&
        (r.name == "finite" || r.name == "structure" ||
         r.name == "zeros_per_column" || r.name == "orthogonality" ||
         r.name == "all_equal")) {
      why.push_back(r.note);
    }
  }
  const Target& t = c.target;
  const SampleSummary& s = c.sample;
  if (Failed(c, "all_equal") && s.min == 0 && s.max == 0) {
    why.push_back("all values are zero: zero-initialized where " +
                  FamilyText(t) + " was expected?");
  }
  // An orthogonal matrix uniformly scaled: Q^T Q = c^2 gain^2 I.
  if (t.family == Family::kOrthogonal && Failed(c, "orthogonality") &&
      t.variance > 0 && s.n > 1) {
    const TestResult* o = FindTest(c, "orthogonality");
    const double nn = static_cast<double>(s.n);
    // Sum of squares = c^2 k gain^2 for n = m k entries.
    const double c2 = (s.variance + s.mean * s.mean) * (nn - 1) / nn / t.variance;
    const double err = o ? o->detail("max_error") : kNaN;
    const double expect = std::abs(c2 - 1) * t.gain * t.gain;
    if (std::isfinite(err) && expect > 0 && err < 2 * expect && err > 0.5 * expect) {
      why.push_back(format(
          "orthogonal up to a scale: entries %.4gx (Q^T Q = %.4g gain^2 I): "
          "gain %.4g where %.4g was meant (a stray gain)?",
          std::sqrt(c2), c2, t.gain * std::sqrt(c2), t.gain));
    }
  }
  // All values equal: the all_equal / structure notes say it; the moments
  // and shapes of a constant say nothing more.
  const bool constant = s.n > 1 && s.min == s.max;
  if ((t.elementwise() || t.family == Family::kSparse) && !constant) {
    const Observed o = Observe(c);
    const ShapeStats ts = ShapeOf(t);
    const double n = static_cast<double>(std::max<int64_t>(o.n, 3));
    const double se0 =
        std::sqrt(std::max(1e-300, 2 / (n - 1) + ts.kurtosis / n));
    const bool marginal = Failed(c, "variance") || Failed(c, "ks") ||
                          Failed(c, "anderson_darling") ||
                          Failed(c, "chi_square") || Failed(c, "support");
    const bool scale_off =
        o.ratio > 0 && std::abs(std::log(o.ratio)) > kHintSigmas * se0;
    const bool shape_off =
        o.shape &&
        std::abs(o.kurtosis - ts.kurtosis) > kHintSigmas * std::sqrt(ts.v / n);
    std::vector<Hint> hints;
    if (marginal && (scale_off || shape_off)) {
      hints = explain_scale(c);
      std::vector<std::string> texts;
      for (const Hint& h : hints) texts.push_back(h.text);
      std::string hint = Join(texts, " Or ");
      if (hint.empty() && scale_off) {
        std::optional<Scheme> sc;
        try {
          sc = Scheme::parse(c.scheme);
        } catch (const Error&) {
        }
        const double pct = 100 * (std::sqrt(o.ratio) - 1);
        const auto f = sc ? AsVarianceScaling(*sc) : std::nullopt;
        if (f && sc->spec().uses_fans) {
          hint = format("std off by %+.1f%%: wrong gain or fan?", pct) +
                 ImpliedFan(c, *f, o.ratio);
        } else if (t.family == Family::kUniform && t.low < 0 &&
                   Same(-t.low, t.high)) {
          // Explicit symmetric bounds U(-b, b): b is usually computed, as
          // gain sqrt(3 / fan) or 1 / sqrt(fan) (PyTorch's bias bound), so
          // a scale error of b is a fan or gain error in that formula (the
          // fixtures' conv bias: fan from in_channels alone, 3x too wide).
          hint = format("std off by %+.1f%%: wrong bounds (a fan or gain in "
                        "the bound's formula?)",
                        pct);
        } else if (t.family == Family::kUniform) {
          hint = format("std off by %+.1f%%: wrong bounds?", pct);
        } else {
          hint = format("std off by %+.1f%%: wrong std?", pct);
        }
      }
      if (scale_off) {
        why.push_back(format("variance %.3gx target", o.ratio) +
                      (hint.empty() ? "" : ": " + hint));
      } else if (!hint.empty()) {
        why.push_back(hint);
      }
      if (shape_off) {
        const double se = std::sqrt(ts.v / n);
        std::vector<std::string> looks;
        for (const NamedShape& ns : ReferenceShapes()) {
          const ShapeStats r = ShapeOf(ns.law);
          if (std::abs(r.kurtosis - ts.kurtosis) <= kHintSigmas * se) continue;
          if (std::abs(o.kurtosis - r.kurtosis) <= kHintSigmas * std::sqrt(r.v / n))
            looks.push_back(format("%s (%.2f)", ns.name, r.kurtosis));
        }
        if (!looks.empty()) {
          why.push_back(format("looks %s: excess kurtosis %.2f, expected %s "
                               "(%.2f)",
                               Join(looks, " or ").c_str(), o.kurtosis,
                               FamilyText(t).c_str(), ts.kurtosis));
        } else {
          why.push_back(format("shape differs from the target: excess "
                               "kurtosis %.2f, expected %.2f (+-%.2f)",
                               o.kurtosis, ts.kurtosis, se));
        }
      }
    }
    // A fitting explanation also accounts for the mean and the extremes:
    // those are then reported as facts, without a second guess.
    const bool explained = !hints.empty();
    bool half_range = false;
    for (const Hint& h : hints) half_range |= h.text.find("U[0, b)") != std::string::npos;
    const double sd = std::sqrt(t.variance);
    // The mean test measures the shift in target sd: when the data's own
    // spread is larger (a scale error), the shift can be significant in
    // target units and not in the data's own (z with the sample sd <= k):
    // the scale explains it.
    const bool mean_real =
        !(s.variance > t.variance) ||
        std::abs(s.mean - t.mean) * std::sqrt(static_cast<double>(o.n)) >
            kHintSigmas * std::sqrt(s.variance);
    if (Failed(c, "mean") && !half_range && (mean_real || !explained)) {
      if (t.family == Family::kUniform && s.min >= 0 && t.low < 0) {
        why.push_back("all values >= 0: U[0, b) instead of U(-b, b)?");
      } else {
        why.push_back(format("mean off by %+.3g sd", (s.mean - t.mean) / sd));
      }
    }
    if (Failed(c, "support")) {
      const bool bounded = std::isfinite(t.low) && std::isfinite(t.high);
      const double span = t.high - t.low;
      if (bounded && s.min > t.low + 1e-3 * span &&
          s.max < t.high - 1e-3 * span) {
        why.push_back(format(
            "values stay within [%.6g, %.6g], well inside the target's "
            "[%.6g, %.6g]%s",
            s.min, s.max, t.low, t.high,
            explained ? "" : ": bound or truncation too narrow?"));
      } else if (bounded && (s.min < t.low || s.max > t.high)) {
        const double centre = 0.5 * (t.low + t.high);
        const double reach =
            std::max(centre - s.min, s.max - centre) / (0.5 * span);
        const TestResult* r = FindTest(c, "support");
        why.push_back(format(
            "%s; values reach %.3gx the target's half-width%s",
            r ? r->note.c_str() : "values outside the support", reach,
            explained ? ""
            : t.family == Family::kUniform
                ? ": bound too wide?"
                : ": untruncated, or truncated too wide?"));
      } else {
        for (const TestResult& r : c.tests) {
          if (r.name == "support") why.push_back(r.note);
        }
      }
    }
    if ((Failed(c, "ks") || Failed(c, "anderson_darling") ||
         Failed(c, "chi_square")) &&
        why.empty()) {
      why.push_back(
          "distribution shape differs from the target (KS/AD/chi-square)");
    }
    // The most specific independence failure first: copies, then
    // correlations.
    for (const char* name :
         {"duplicate_rows", "repeated_windows", "row_correlation_max",
          "row_correlation_mean", "serial_correlation", "runs"}) {
      if (Failed(c, name)) {
        const TestResult* r = FindTest(c, name);
        const std::string nm = name;
        why.push_back(nm + ": " + (r ? r->note : "") +
                      (nm == "duplicate_rows" || nm == "repeated_windows"
                           ? " (a random stream reused?)"
                           : ""));
        break;
      }
    }
  }
  if (Failed(c, "haar_diagonal_signs") || Failed(c, "haar_row_signs") ||
      Failed(c, "haar_column_signs")) {
    why.push_back(
        "not Haar-distributed: QR without the sign(diag R) fix, or a "
        "non-centred matrix?");
  } else {
    // The entry-law tests of an exactly orthogonal matrix (haar.h on the
    // trust branch: haar_entries, haar_projection, haar_trace).
    for (size_t i = 0; i < c.tests.size(); ++i) {
      if (i < c.rejected.size() && c.rejected[i] &&
          c.tests[i].name.rfind("haar_", 0) == 0) {
        why.push_back(
            "orthogonal but not Haar-distributed (" + c.tests[i].name +
            "): a structured matrix (signed permutation, Hadamard) instead "
            "of a random rotation?");
        break;
      }
    }
  }
  if (why.empty()) {
    for (size_t i = 0; i < c.tests.size(); ++i) {
      if (i < c.rejected.size() && c.rejected[i]) {
        why.push_back(c.tests[i].name + " rejects" +
                      (c.tests[i].note.empty() ? "" : ": " + c.tests[i].note));
        break;
      }
    }
  }
  std::string out;
  for (const std::string& w : why) {
    if (w.empty() || out.find(w) != std::string::npos) continue;
    out += (out.empty() ? "" : "; ") + w;
  }
  return out;
}

}  // namespace initcheck::verify
