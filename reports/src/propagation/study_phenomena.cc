// The phenomenon studies: sigmoid saturation, the relu dead zone, phases,
// residual networks, finite width, width checks of the grid's
// disagreements, Jacobian spectra (see study.h).
#include <Eigen/Core>
#include <Eigen/SVD>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "initcheck/error.h"
#include "initcheck/fill.h"
#include "initcheck/propagation/gaussian_expectation.h"
#include "initcheck/propagation/mean_field.h"
#include "initcheck/propagation/propagate.h"
#include "initcheck/propagation/simulate.h"
#include "study_internal.h"

namespace initcheck::propagation::study {
namespace {

using ColMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Geometry Shape2(int64_t a, int64_t b) {
  Geometry g;
  g.shape = {a, b};
  return g;
}

// Standard normal CDF.
double Phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

// Draws a square layer's weights ([n, n] torch layout) as a row-major matrix.
RowMat Weights(const Scheme& s, int64_t n, uint64_t seed, uint64_t stream) {
  const Tensor t = fill(s, Shape2(n, n), DType::kF64, {seed, stream, 1});
  return Eigen::Map<const RowMat>(t.as<double>(), n, n);
}

// Inputs x ~ N(0, I): the column-major n x B matrix (simulate.h's stream).
ColMat Inputs(int64_t n, int64_t B, uint64_t seed) {
  const Tensor t = fill(Scheme::parse("normal(mean=0, std=1)"), Shape2(B, n), DType::kF64,
                        {seed, kInputStream, 1});
  return Eigen::Map<const ColMat>(t.as<double>(), n, B);
}

double MeanSquare(const ColMat& m) { return m.squaredNorm() / double(m.size()); }

// Quantile of a copy (type 7).
double Quantile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return quantile_sorted(v, p);
}

double MeanOf(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? kNaN : s / double(v.size());
}

double SdOf(const std::vector<double>& v) {
  if (v.size() < 2) return kNaN;
  const double m = MeanOf(v);
  double ss = 0;
  for (double x : v) ss += (x - m) * (x - m);
  return std::sqrt(ss / double(v.size() - 1));
}

std::string Fmt(double x) { return format_number(x); }

}  // namespace

// ---- Sigmoid saturation ----------------------------------------------------
//
// z^l of a sigmoid network is N(0, q^l) per unit (mean field; exactly
// Gaussian given the previous layer), so the histograms have closed forms:
//   P(sigma(z) in [a, b]) = Phi(logit(b)/sqrt q) - Phi(logit(a)/sqrt q);
//   sigma'(z) = e^{-|z|} / (1 + e^{-|z|})^2 decreases in |z|, and sigma'(z) = s
//   at |z| = log(p / (1 - p)), p = (1 + sqrt(1 - 4 s)) / 2, 1 - p =
//   2 s / (1 + sqrt(1 - 4 s)); so P(sigma' in [s1, s2]) = P(|z| in [z(s2),
//   z(s1)]) = 2 (Phi(z(s1)/sqrt q) - Phi(z(s2)/sqrt q)).
Json Saturation(const StudyOptions& o) {
  int depth = 5, seeds = 4;
  int64_t n = 256, B = 64;
  if (o.quick) {
    n = 32;
    B = 8;
    seeds = 2;
    depth = 3;
  }
  const uint64_t seed0 = 8000;
  const Activation sig = Activation::parse("sigmoid");
  const std::vector<std::string> schemes = {"normal(std=1)", "xavier_uniform"};
  // Histogram bins.
  const int h_bins = 40;
  const double lg_lo = -14.0, lg_hi = -0.6, lg_step = 0.2;
  const int lg_bins = static_cast<int>(std::lround((lg_hi - lg_lo) / lg_step));
  auto z_of = [](double s) {  // |z| where sigma'(z) = s (s <= 1/4)
    if (s >= 0.25) return 0.0;
    const double r = std::sqrt(1.0 - 4.0 * s);
    const double p = 0.5 * (1.0 + r), q = 2.0 * s / (1.0 + r);
    return std::log(p) - std::log(q);
  };

  Json j = Header("saturation", o);
  Json st;
  st["activation"] = "sigmoid";
  st["depth"] = depth;
  st["width"] = n;
  st["batch"] = B;
  st["networks"] = seeds;
  st["schemes"] = schemes;
  st["activation_bins"] = {{"low", 0}, {"high", 1}, {"count", h_bins}};
  st["log10_derivative_bins"] = {
      {"low", lg_lo}, {"high", lg_hi}, {"width", lg_step}, {"count", lg_bins}};
  st["saturated_threshold"] = kSaturationThreshold;
  st["theory"] = "z^l ~ N(0, q^l) with the mean-field q^l; bin probabilities in closed form";
  j["settings"] = std::move(st);
  j["seeds"] = {{"first", seed0},
                {"rule",
                 "network k: seed first + k, layer l weights stream l, inputs stream "
                 "2^33 (as simulate.h)"}};
  Json out = Json::array();
  for (const std::string& sch : schemes) {
    const Scheme scheme = Scheme::parse(sch);
    const WeightStats w = weight_stats(scheme, n);
    MeanFieldConfig mf;
    mf.activation = sig;
    mf.sigma_w2 = w.sigma_w2;
    mf.depth = depth;
    const std::vector<MeanFieldLayer> theory = mean_field(mf);
    // Counts per network, reduced in network order.
    struct Counts {
      std::vector<std::vector<double>> h, lg;  // [layer][bin]
      std::vector<double> below, saturated, mean, meansq;
    };
    std::vector<Counts> per(static_cast<size_t>(seeds));
    ParallelFor(seeds, o.threads, [&](int k) {
      Counts& c = per[static_cast<size_t>(k)];
      c.h.assign(static_cast<size_t>(depth), std::vector<double>(h_bins, 0.0));
      c.lg.assign(static_cast<size_t>(depth), std::vector<double>(lg_bins, 0.0));
      c.below.assign(static_cast<size_t>(depth), 0.0);
      c.saturated.assign(static_cast<size_t>(depth), 0.0);
      c.mean.assign(static_cast<size_t>(depth), 0.0);
      c.meansq.assign(static_cast<size_t>(depth), 0.0);
      const uint64_t seed = seed0 + static_cast<uint64_t>(k);
      ColMat h = Inputs(n, B, seed), z(n, B);
      for (int l = 1; l <= depth; ++l) {
        z.noalias() = Weights(scheme, n, seed, static_cast<uint64_t>(l)) * h;
        const auto li = static_cast<size_t>(l - 1);
        for (int64_t i = 0; i < z.size(); ++i) {
          const double x = z.data()[i];
          const double a = std::fabs(x);
          const double v = sig.value(x);
          h.data()[i] = v;
          int hb = static_cast<int>(v * h_bins);
          hb = std::clamp(hb, 0, h_bins - 1);
          c.h[li][static_cast<size_t>(hb)] += 1;
          // log10 sigma'(z) without underflow.
          const double lg = (-a - 2.0 * std::log1p(std::exp(-a))) / std::log(10.0);
          if (lg < lg_lo) {
            c.below[li] += 1;
          } else {
            const int b = std::clamp(static_cast<int>((lg - lg_lo) / lg_step), 0, lg_bins - 1);
            c.lg[li][static_cast<size_t>(b)] += 1;
          }
          c.saturated[li] += sig.derivative(x) < kSaturationThreshold;
          c.mean[li] += v;
          c.meansq[li] += v * v;
        }
      }
    });
    const double N = double(n) * double(B) * double(seeds);
    Json sj;
    sj["scheme"] = sch;
    sj["sigma_w2"] = Num(w.sigma_w2);
    Json layers = Json::array();
    for (int l = 1; l <= depth; ++l) {
      const auto li = static_cast<size_t>(l - 1);
      const double q = theory[li].q, sq = std::sqrt(q);
      std::vector<double> hs(h_bins, 0.0), ht(h_bins), ls(static_cast<size_t>(lg_bins), 0.0),
          lt(static_cast<size_t>(lg_bins));
      double below = 0, sat = 0, mean = 0, meansq = 0;
      for (const Counts& c : per) {
        for (int b = 0; b < h_bins; ++b)
          hs[static_cast<size_t>(b)] += c.h[li][static_cast<size_t>(b)];
        for (int b = 0; b < lg_bins; ++b)
          ls[static_cast<size_t>(b)] += c.lg[li][static_cast<size_t>(b)];
        below += c.below[li];
        sat += c.saturated[li];
        mean += c.mean[li];
        meansq += c.meansq[li];
      }
      for (int b = 0; b < h_bins; ++b) {
        hs[static_cast<size_t>(b)] /= N;
        const double a = double(b) / h_bins, e = double(b + 1) / h_bins;
        const double za = b == 0 ? -INFINITY : std::log(a / (1 - a));
        const double ze = b == h_bins - 1 ? INFINITY : std::log(e / (1 - e));
        ht[static_cast<size_t>(b)] = Phi(ze / sq) - Phi(za / sq);
      }
      for (int b = 0; b < lg_bins; ++b) {
        ls[static_cast<size_t>(b)] /= N;
        const double s1 = std::pow(10.0, lg_lo + b * lg_step);
        const double s2 = std::pow(10.0, lg_lo + (b + 1) * lg_step);
        lt[static_cast<size_t>(b)] = 2.0 * (Phi(z_of(s1) / sq) - Phi(z_of(s2) / sq));
      }
      const double sat_theory = saturation_probability(sig, q, kSaturationThreshold);
      Json L;
      L["layer"] = l;
      L["q_theory"] = Num(q);
      L["activation_hist"] = {{"simulated", Nums(hs)}, {"theory", Nums(ht)}};
      L["log10_derivative_hist"] = {{"simulated", Nums(ls)}, {"theory", Nums(lt)}};
      L["below_range"] = {{"simulated", Num(below / N)},
                          {"theory", Num(2.0 * Phi(-z_of(std::pow(10.0, lg_lo)) / sq))}};
      L["saturated"] = {{"simulated", Num(sat / N)}, {"theory", Num(sat_theory)}};
      L["post_mean"] = {{"simulated", Num(mean / N)}, {"theory", Num(theory[li].post_mean)}};
      L["post_second"] = {{"simulated", Num(meansq / N)}, {"theory", Num(theory[li].post_second)}};
      layers.push_back(std::move(L));
    }
    sj["layers"] = std::move(layers);
    out.push_back(std::move(sj));
  }
  j["schemes"] = std::move(out);
  return j;
}

// ---- The relu dead zone -----------------------------------------------------
//
// He et al. (2015): Var[y_l] = n_l Var[w_l] E[x_l^2] and, y_{l-1} being
// symmetric about 0, E[x_l^2] = E[relu(y_{l-1})^2] = Var[y_{l-1}] / 2: relu
// zeroes half of the units (those with y <= 0) and so half of the second
// moment. The per-layer gain of q is n Var[w] / 2: 1/2 for Xavier on square
// layers (n Var[w] = 1), 1 for He (n Var[w] = 2).
Json ReluDeadZone(const StudyOptions& o) {
  int depth = 30, seeds = 16;
  int64_t n = 256, B = 64;
  if (o.quick) {
    depth = 6;
    n = 32;
    B = 8;
    seeds = 4;
  }
  const uint64_t seed0 = 8100;
  const std::vector<std::pair<std::string, std::string>> schemes = {
      {"xavier_uniform", "Xavier uniform"}, {"kaiming_normal(nonlinearity=relu)", "He normal"}};
  Json j = Header("relu_dead_zone", o);
  j["settings"] = {{"activation", "relu"}, {"depth", depth},    {"width", n},
                   {"batch", B},           {"networks", seeds}, {"band", {0.05, 0.95}}};
  j["seeds"] = {{"first", seed0}, {"rule", "network k: seed first + k (simulate.h streams)"}};
  Json out = Json::array();
  for (const auto& [sch, label] : schemes) {
    PropagationConfig c;
    c.weights = Scheme::parse(sch);
    c.activation = Activation::parse("relu");
    c.depth = depth;
    c.width = n;
    c.batch = B;
    c.seeds = seeds;
    c.base_seed = seed0;
    c.threads = o.threads;
    const PropagationReport r = propagate(c);
    std::vector<double> q, qt, ql, qh, gain, gain_lo, gain_hi, gain_t, inactive, dead;
    for (int l = 1; l <= depth; ++l) {
      const LayerReport& L = r.layers[static_cast<size_t>(l - 1)];
      q.push_back(L.forward.mean);
      qt.push_back(L.forward.theory);
      ql.push_back(L.forward.low);
      qh.push_back(L.forward.high);
      inactive.push_back(L.inactive);
      dead.push_back(L.dead);
      // One-step gain per network q^l / q^{l-1} (l >= 2).
      if (l >= 2) {
        std::vector<double> g;
        for (const SeedRun& run : r.simulation.runs) {
          g.push_back(run.layers[static_cast<size_t>(l - 1)].forward /
                      run.layers[static_cast<size_t>(l - 2)].forward);
        }
        gain.push_back(MeanOf(g));
        gain_lo.push_back(Quantile(g, 0.05));
        gain_hi.push_back(Quantile(g, 0.95));
        gain_t.push_back(r.weights.sigma_w2 / 2.0);
      }
    }
    Json sj;
    sj["scheme"] = sch;
    sj["label"] = label;
    sj["sigma_w2"] = Num(r.weights.sigma_w2);
    sj["q"] = {{"simulated", Nums(q)}, {"theory", Nums(qt)}, {"low", Nums(ql)}, {"high", Nums(qh)}};
    sj["gain"] = {{"simulated", Nums(gain)},
                  {"low", Nums(gain_lo)},
                  {"high", Nums(gain_hi)},
                  {"theory", Nums(gain_t)}};
    sj["inactive"] = {{"simulated", Nums(inactive)}, {"theory", 0.5}};
    sj["dead_for_whole_batch"] = Nums(dead);
    sj["verdict"] = {{"pair", std::string(verdict_name(r.phenomena.verdict))},
                     {"comparisons", r.phenomena.comparisons},
                     {"agree", r.phenomena.comparisons_agreeing},
                     {"disagree", r.phenomena.comparisons_disagreeing},
                     {"not_decidable", r.phenomena.comparisons_undecided}};
    out.push_back(std::move(sj));
  }
  j["schemes"] = std::move(out);
  return j;
}

// ---- Phases (theory only) -----------------------------------------------------
Json Phases(const StudyOptions& o) {
  std::vector<std::string> activations = {
      "linear", "relu", "leaky_relu(0.01)", "leaky_relu(0.2)", "tanh", "sigmoid", "selu", "gelu",
      "silu",   "elu"};
  const std::vector<std::pair<double, std::string>> sw2s = {
      {1.0 / 3.0, "1/3 (PyTorch default)"},
      {1.0, "1 (LeCun; Xavier on square layers)"},
      {2.0, "2 (He)"}};
  int depth = 50;
  // Finer near 0, where the line rises steeply from (1, 0).
  std::vector<double> sb2s = {0,    1e-4, 5e-4, 0.001, 0.002, 0.005, 0.01, 0.015,
                              0.02, 0.03, 0.04, 0.05,  0.06,  0.08,  0.1,  0.12,
                              0.15, 0.2,  0.25, 0.3,   0.35,  0.4,   0.45, 0.5};
  if (o.quick) {
    activations = {"relu", "tanh"};
    sb2s = {0.0, 0.1, 0.5};
    depth = 10;
  }
  Json j = Header("phases", o);
  j["settings"] = {{"depth", depth},
                   {"q1", "sigma_w^2 (input x ~ N(0, I))"},
                   {"critical_tolerance", kCriticalTolerance},
                   {"labels",
                    {{"ordered", "chi_1 < 1 - tol at the fixed point q*"},
                     {"critical", "|chi_1 - 1| <= tol"},
                     {"chaotic", "chi_1 > 1 + tol"},
                     {"unbounded", "no finite fixed point: q grows without limit"}}},
                   {"chi_eff",
                    "(g^1 / g^L)^(1/(L-1)) of the mean-field recursion: the average gradient "
                    "factor per layer over the depth"}};
  j["seeds"] = Json::object();
  Json rows = Json::array();
  for (const std::string& act : activations) {
    const Activation phi = Activation::parse(act);
    for (const auto& [sw2, label] : sw2s) {
      const FixedPoint f = fixed_point(phi, sw2, 0.0, sw2, true);
      MeanFieldConfig mf;
      mf.activation = phi;
      mf.sigma_w2 = sw2;
      mf.depth = depth;
      const std::vector<MeanFieldLayer> t = mean_field(mf);
      const double ratio = t.front().g / t.back().g;
      Json r;
      r["activation"] = act;
      r["sigma_w2"] = Num(sw2);
      r["init"] = label;
      r["label"] = std::string(phase_name(f.phase));
      r["chi1"] = Num(f.chi1);
      r["q_star"] = Num(f.q_star);
      r["marginal"] = f.marginal;
      r["xi_grad"] = Num(f.xi_grad);
      r["gradient_ratio"] = Num(ratio);
      r["chi_eff"] = Num(std::pow(ratio, 1.0 / (depth - 1)));
      r["q_ratio"] = Num(t.back().q / t.front().q);
      rows.push_back(std::move(r));
    }
  }
  j["rows"] = std::move(rows);
  // The tanh critical line and the chi_1 of common inits on it.
  const Activation tanh_ = Activation::parse("tanh");
  std::vector<double> line;
  for (double sb2 : sb2s) line.push_back(critical_sigma_w2(tanh_, sb2));
  Json points = Json::array();
  for (const auto& [sw2, name] :
       std::vector<std::pair<double, std::string>>{{1.0 / 3.0, "PyTorch default, σ_w² = 1/3"},
                                                   {1.0, "Xavier / LeCun, σ_w² = 1"},
                                                   {2.0, "He, σ_w² = 2"},
                                                   {25.0 / 9.0, "gain 5/3, σ_w² = 25/9"}}) {
    const FixedPoint f = fixed_point(tanh_, sw2, 0.0, 1.0, false);
    points.push_back({{"name", name},
                      {"sigma_w2", Num(sw2)},
                      {"sigma_b2", 0},
                      {"chi1", Num(f.chi1)},
                      {"label", std::string(phase_name(f.phase))}});
  }
  j["tanh_critical_line"] = {
      {"sigma_b2", Nums(sb2s)}, {"sigma_w2", Nums(line)}, {"points", std::move(points)}};
  return j;
}

// ---- Residual networks ------------------------------------------------------
//
// Block l: x_{l+1} = x_l + W2 phi(W1 x_l), W1, W2 square n x n with
// sigma_1^2 = n E[W1^2], sigma_2^2 = n E[W2^2]. Given x_l, u = W1 x_l has
// entries N(0, sigma_1^2 |x_l|^2 / n); f = W2 phi(u) has E[f_i^2] = sigma_2^2
// E[phi(u)^2] and E[x_l . f] = 0 (W2 independent, mean 0), so with q_l =
// E[(x_l)_i^2]:
//   q_{l+1} = q_l + sigma_2^2 V(sigma_1^2 q_l),   relu: q_l (1 + sigma_1^2 sigma_2^2 / 2).
// Backward (gradient independence): dL/dx_l = dL/dx_{l+1} + W1^T (phi'(u) *
// W2^T dL/dx_{l+1}), so g_l = g_{l+1} (1 + sigma_1^2 sigma_2^2 D(sigma_1^2
// q_l)), relu: the same factor 1 + sigma_1^2 sigma_2^2 / 2.
Json Residual(const StudyOptions& o) {
  int depth = 50, seeds = 16, sweep_seeds = 8;
  int64_t n = 256, B = 32, sweep_B = 16;
  std::vector<int> sweep = {1, 3, 10, 30, 100};
  if (o.quick) {
    depth = 6;
    n = 32;
    B = 8;
    seeds = 4;
    sweep_seeds = 2;
    sweep_B = 4;
    sweep = {1, 3};
  }
  const uint64_t seed0 = 8200;
  const Activation relu = Activation::parse("relu");
  struct Variant {
    std::string name, label;
    // W1 and W2 schemes for a net of L blocks, width n.
    std::string w1;
    std::function<std::string(int L, int64_t n)> w2;
  };
  const std::vector<Variant> variants = {
      {"unscaled", "He in both layers of every block", "kaiming_normal(nonlinearity=relu)",
       [](int, int64_t) { return std::string("kaiming_normal(nonlinearity=relu)"); }},
      {"gpt2", "output projection W₂ scaled by 1/√(2L) (GPT-2)",
       "kaiming_normal(nonlinearity=relu)",
       [](int L, int64_t nn) {
         return "normal(mean=0, std=" + Fmt(std::sqrt(2.0 / double(nn)) / std::sqrt(2.0 * L)) + ")";
       }},
      {"zero_last", "W₂ = 0 (Fixup, SkipInit)", "kaiming_normal(nonlinearity=relu)",
       [](int, int64_t) { return std::string("zeros"); }},
  };
  // One network: per-block forward and backward mean squares (x_0 .. x_L).
  struct Net {
    std::vector<double> fwd, bwd;
  };
  auto run = [&](const Variant& v, int L, int64_t width, int64_t batch, uint64_t seed,
                 bool backward) {
    const Scheme s1 = Scheme::parse(v.w1), s2 = Scheme::parse(v.w2(L, width));
    Net out;
    ColMat x = Inputs(width, batch, seed);
    std::vector<RowMat> W1, W2;
    std::vector<ColMat> dphi;
    out.fwd.push_back(MeanSquare(x));
    for (int l = 1; l <= L; ++l) {
      W1.push_back(Weights(s1, width, seed, static_cast<uint64_t>(2 * l - 1)));
      W2.push_back(Weights(s2, width, seed, static_cast<uint64_t>(2 * l)));
      ColMat u = W1.back() * x;
      ColMat d(width, batch);
      relu.apply(u.data(), u.data(), d.data(), static_cast<size_t>(u.size()));
      x.noalias() += W2.back() * u;
      if (backward) dphi.push_back(std::move(d));
      out.fwd.push_back(MeanSquare(x));
    }
    if (backward) {
      const Tensor r = fill(Scheme::parse("normal(mean=0, std=1)"), Shape2(batch, width),
                            DType::kF64, {seed, kOutputGradStream, 1});
      ColMat g = Eigen::Map<const ColMat>(r.as<double>(), width, batch);
      out.bwd.assign(static_cast<size_t>(L + 1), 0.0);
      out.bwd[static_cast<size_t>(L)] = MeanSquare(g);
      for (int l = L; l >= 1; --l) {
        const auto li = static_cast<size_t>(l - 1);
        ColMat t = (W2[li].transpose() * g).cwiseProduct(dphi[li]);
        g.noalias() += W1[li].transpose() * t;
        out.bwd[static_cast<size_t>(l - 1)] = MeanSquare(g);
      }
    }
    return out;
  };
  auto factor = [&](const Variant& v, int L, int64_t width) {
    const double s1 = weight_stats(Scheme::parse(v.w1), width).sigma_w2;
    const double s2 = weight_stats(Scheme::parse(v.w2(L, width)), width).sigma_w2;
    return 1.0 + s1 * s2 / 2.0;
  };

  Json j = Header("residual", o);
  j["settings"] = {
      {"block", "x_{l+1} = x_l + W2 relu(W1 x_l), W1, W2 square n x n, no biases"},
      {"depth", depth},
      {"width", n},
      {"batch", B},
      {"networks", seeds},
      {"depth_sweep", sweep},
      {"sweep_networks", sweep_seeds},
      {"sweep_batch", sweep_B},
      {"band", {0.05, 0.95}},
      {"figures",
       "q_l = mean square of x_l (x_0 = input, q_0 = 1), g_l = mean square of "
       "dL/dx_l with dL/dx_L ~ N(0, I)"},
      {"theory",
       "q_{l+1} = q_l + sigma_2^2 V(sigma_1^2 q_l) = q_l (1 + sigma_1^2 sigma_2^2 / 2) "
       "for relu; g_l = g_{l+1} (1 + sigma_1^2 sigma_2^2 / 2)"}};
  j["seeds"] = {{"first", seed0},
                {"rule",
                 "network k: seed first + k; block l: W1 stream 2l - 1, W2 stream 2l, "
                 "inputs stream 2^33, output gradient stream 2^33 + 1"}};
  Json out = Json::array();
  for (const Variant& v : variants) {
    std::vector<Net> nets(static_cast<size_t>(seeds));
    ParallelFor(seeds, o.threads, [&](int k) {
      nets[static_cast<size_t>(k)] = run(v, depth, n, B, seed0 + static_cast<uint64_t>(k), true);
    });
    const double f = factor(v, depth, n);
    Json vj;
    vj["name"] = v.name;
    vj["label"] = v.label;
    vj["w1"] = Scheme::parse(v.w1).str();
    vj["w2"] = Scheme::parse(v.w2(depth, n)).str();
    vj["factor"] = Num(f);
    for (int dir = 0; dir < 2; ++dir) {
      std::vector<double> mean, lo, hi, th;
      for (int l = 0; l <= depth; ++l) {
        std::vector<double> vals;
        for (const Net& net : nets) {
          vals.push_back((dir == 0 ? net.fwd : net.bwd)[static_cast<size_t>(l)]);
        }
        mean.push_back(MeanOf(vals));
        lo.push_back(Quantile(vals, 0.05));
        hi.push_back(Quantile(vals, 0.95));
        th.push_back(dir == 0 ? std::pow(f, l) : std::pow(f, depth - l));
      }
      vj[dir == 0 ? "forward" : "backward"] = {
          {"simulated", Nums(mean)}, {"low", Nums(lo)}, {"high", Nums(hi)}, {"theory", Nums(th)}};
    }
    // Depth sweep: q_L / q_0 at the end of nets of L blocks.
    std::vector<double> sm, slo, shi, st;
    for (int L : sweep) {
      std::vector<Net> sn(static_cast<size_t>(sweep_seeds));
      ParallelFor(sweep_seeds, o.threads, [&](int k) {
        sn[static_cast<size_t>(k)] =
            run(v, L, n, sweep_B, seed0 + 1000 + static_cast<uint64_t>(k), false);
      });
      std::vector<double> vals;
      for (const Net& net : sn) vals.push_back(net.fwd.back() / net.fwd.front());
      sm.push_back(MeanOf(vals));
      slo.push_back(Quantile(vals, 0.05));
      shi.push_back(Quantile(vals, 0.95));
      st.push_back(std::pow(factor(v, L, n), L));
    }
    vj["sweep"] = {{"depth", sweep},
                   {"simulated", Nums(sm)},
                   {"low", Nums(slo)},
                   {"high", Nums(shi)},
                   {"theory", Nums(st)}};
    out.push_back(std::move(vj));
    Progress(o, "residual", static_cast<int64_t>(out.size()),
             static_cast<int64_t>(variants.size()));
  }
  j["variants"] = std::move(out);
  return j;
}

// ---- Finite width (Hanin & Nica 2019) ------------------------------------------
//
// One input per network (batch 1), so that the per-network figure is the
// quantity whose log the delta method of mean_field.h describes.
Json FiniteWidth(const StudyOptions& o) {
  std::vector<int64_t> widths = {32, 64, 128, 256, 512};
  int depth = 50, seeds = 128;
  if (o.quick) {
    widths = {16, 32};
    depth = 8;
    seeds = 16;
  }
  const uint64_t seed0 = 9000;
  Json j = Header("finite_width", o);
  j["settings"] = {{"activation", "relu"},
                   {"weights", "kaiming_normal(nonlinearity=relu)"},
                   {"depth", depth},
                   {"widths", widths},
                   {"batch", 1},
                   {"networks", seeds},
                   {"prediction",
                    "Var[log q_hat^l] = (5 (l - 1) + 4) / n (delta method; Hanin & Nica "
                    "2019): log-normal, median exp(-Var/2) of theory, mean = theory"}};
  j["seeds"] = {{"first", seed0}, {"rule", "network k: seed first + k (simulate.h streams)"}};
  Json out = Json::array();
  for (int64_t n : widths) {
    PropagationConfig c;
    c.weights = Scheme::parse("kaiming_normal(nonlinearity=relu)");
    c.activation = Activation::parse("relu");
    c.depth = depth;
    c.width = n;
    c.batch = 1;
    c.seeds = seeds;
    c.base_seed = seed0;
    c.threads = o.threads;
    const PropagationReport r = propagate(c);
    std::vector<double> sd, sd_pred, med, med_pred, mean, mean_se;
    for (int l = 1; l <= depth; ++l) {
      const LayerReport& L = r.layers[static_cast<size_t>(l - 1)];
      std::vector<double> v;
      for (const SeedRun& run : r.simulation.runs) {
        v.push_back(run.layers[static_cast<size_t>(l - 1)].forward_single);
      }
      const double t = L.forward.theory;
      sd.push_back(L.log_sd_single);
      sd_pred.push_back(L.log_sd_single_predicted);
      med.push_back(Quantile(v, 0.5) / t);
      med_pred.push_back(std::exp(-0.5 * L.log_sd_single_predicted * L.log_sd_single_predicted));
      mean.push_back(MeanOf(v) / t);
      mean_se.push_back(SdOf(v) / std::sqrt(double(v.size())) / t);
    }
    Json w;
    w["width"] = n;
    w["log_sd"] = {{"simulated", Nums(sd)}, {"predicted", Nums(sd_pred)}};
    w["median_over_theory"] = {{"simulated", Nums(med)}, {"predicted", Nums(med_pred)}};
    w["mean_over_theory"] = {{"simulated", Nums(mean)}, {"se", Nums(mean_se)}};
    w["depth_sd_1"] = relu_he_max_depth(n, 1.0);
    out.push_back(std::move(w));
    Progress(o, "finite_width", static_cast<int64_t>(out.size()),
             static_cast<int64_t>(widths.size()));
  }
  j["widths"] = std::move(out);
  return j;
}

// ---- Width checks of the grid's disagreements -----------------------------------
//
// GELU / SiLU + He: the exact finite-width scalar chain (research note 6.1). For
// Gaussian weights and one input, given layer l the pre-activations of layer
// l + 1 are i.i.d. N(0, s^{l+1}), s^{l+1} = sigma_w^2 (1/n) sum_j phi(z^l_j)^2,
// so one network costs O(n L) instead of O(n^2 L): z^l_j = sqrt(s^l) g_j with
// fresh g ~ N(0, I_n), q_hat^l = s^l (1/n) sum g_j^2, s^1 = sigma_w^2 |x|^2 / n.
// As n grows the chain concentrates on the mean-field recursion.
Json WidthChecks(const StudyOptions& o) {
  std::vector<std::pair<int64_t, int>> chain_widths = {{256, 2000}, {1024, 1000}, {4096, 250}};
  int depth = 50;
  std::vector<int64_t> full_widths = {256, 512, 1024};
  int full_seeds = 8;
  if (o.quick) {
    chain_widths = {{32, 64}, {128, 16}};
    depth = 8;
    full_widths = {32, 64};
    full_seeds = 3;
  }
  const uint64_t seed0 = 9500;
  Json j = Header("width_checks", o);
  j["settings"] = {{"depth", depth},
                   {"chain",
                    {{"activations", {"gelu", "silu"}},
                     {"weights", "N(0, 2/n) (He normal)"},
                     {"widths", Json::array()},
                     {"networks", Json::array()},
                     {"method", "exact scalar chain for Gaussian weights and one input"}}},
                   {"chaotic_tanh",
                    {{"activation", "tanh"},
                     {"weights",
                      "normal(std = 16/sqrt(n)): sigma_w^2 = 256 at every width "
                      "(normal(std=1) at n = 256)"},
                     {"widths", full_widths},
                     {"networks", full_seeds},
                     {"batch", 8}}}};
  for (const auto& [w, N] : chain_widths) {
    j["settings"]["chain"]["widths"].push_back(w);
    j["settings"]["chain"]["networks"].push_back(N);
  }
  j["seeds"] = {{"first", seed0},
                {"rule",
                 "chain network k of width n: normals from fill(normal, [L + 1, n]) "
                 "with seed first + k, stream n; full simulation: seed first + k "
                 "(simulate.h streams)"}};
  // GELU and SiLU chains.
  Json chains = Json::object();
  int64_t done = 0;
  const int64_t total =
      2 * static_cast<int64_t>(chain_widths.size()) + static_cast<int64_t>(full_widths.size());
  for (const std::string act : {"gelu", "silu"}) {
    const Activation phi = Activation::parse(act);
    MeanFieldConfig mf;
    mf.activation = phi;
    mf.sigma_w2 = 2.0;
    mf.depth = depth;
    const std::vector<MeanFieldLayer> theory = mean_field(mf);
    Json chain = Json::array();
    for (const auto& [n, N] : chain_widths) {
      std::vector<std::vector<double>> q(static_cast<size_t>(N));  // [network][layer]
      const Scheme normal = Scheme::parse("normal(mean=0, std=1)");
      ParallelFor(N, o.threads, [&](int k) {
        const Tensor g = fill(normal, Shape2(depth + 1, n), DType::kF64,
                              {seed0 + static_cast<uint64_t>(k), static_cast<uint64_t>(n), 1});
        const double* p = g.as<double>();
        std::vector<double>& out = q[static_cast<size_t>(k)];
        out.resize(static_cast<size_t>(depth));
        double s = 0;
        for (int64_t i = 0; i < n; ++i) s += p[i] * p[i];
        s = 2.0 * s / double(n);  // s^1 = sigma_w^2 |x|^2 / n
        for (int l = 1; l <= depth; ++l) {
          const double* gl = p + static_cast<int64_t>(l) * n;
          const double rs = std::sqrt(s);
          double g2 = 0, h2 = 0;
          for (int64_t i = 0; i < n; ++i) {
            g2 += gl[i] * gl[i];
            const double h = phi.value(rs * gl[i]);
            h2 += h * h;
          }
          out[static_cast<size_t>(l - 1)] = s * g2 / double(n);
          s = 2.0 * h2 / double(n);
        }
      });
      std::vector<double> mean, se, med, above;
      for (int l = 1; l <= depth; ++l) {
        std::vector<double> v;
        for (const auto& net : q) v.push_back(net[static_cast<size_t>(l - 1)]);
        const double t = theory[static_cast<size_t>(l - 1)].q;
        mean.push_back(MeanOf(v) / t);
        se.push_back(SdOf(v) / std::sqrt(double(v.size())) / t);
        med.push_back(Quantile(v, 0.5) / t);
        double a = 0;
        for (double x : v) a += x > t;
        above.push_back(a / double(v.size()));
      }
      // Share of the mean carried by the largest 1% of networks at layer L.
      std::vector<double> last;
      for (const auto& net : q) last.push_back(net.back());
      std::sort(last.begin(), last.end());
      double sum = 0, top = 0;
      for (double x : last) sum += x;
      const size_t k1 = std::max<size_t>(1, last.size() / 100);
      for (size_t i = last.size() - k1; i < last.size(); ++i) top += last[i];
      chain.push_back({{"width", n},
                       {"networks", N},
                       {"mean_over_theory", Nums(mean)},
                       {"se_over_theory", Nums(se)},
                       {"median_over_theory", Nums(med)},
                       {"fraction_above_theory", Nums(above)},
                       {"top_1_percent_share_at_L", Num(top / sum)}});
      Progress(o, "width_checks", ++done, total);
    }
    std::vector<double> tq;
    for (const auto& L : theory) tq.push_back(L.q);
    chains[act] = {{"theory_q", Nums(tq)}, {"widths", std::move(chain)}};
  }
  j["he_chains"] = std::move(chains);
  // Chaotic tanh: sigma_w^2 = 256 at growing width, full simulation.
  Json full = Json::array();
  for (int64_t n : full_widths) {
    PropagationConfig c;
    c.weights = Scheme::parse("normal(mean=0, std=" + Fmt(16.0 / std::sqrt(double(n))) + ")");
    c.activation = Activation::parse("tanh");
    c.depth = depth;
    c.width = n;
    c.batch = 8;
    c.seeds = full_seeds;
    c.base_seed = seed0;
    c.threads = o.threads;
    const PropagationReport r = propagate(c);
    std::vector<double> fr, br, bse;
    for (const LayerReport& L : r.layers) {
      fr.push_back(L.forward.mean / L.forward.theory);
      br.push_back(L.backward.mean / L.backward.theory);
      bse.push_back(L.backward.se / L.backward.theory);
    }
    full.push_back({{"width", n},
                    {"weights", c.weights.str()},
                    {"forward_mean_over_theory", Nums(fr)},
                    {"backward_mean_over_theory", Nums(br)},
                    {"backward_se_over_theory", Nums(bse)},
                    {"verdict", std::string(verdict_name(r.phenomena.verdict))},
                    {"disagree", r.phenomena.comparisons_disagreeing},
                    {"comparisons", r.phenomena.comparisons}});
    Progress(o, "width_checks", ++done, total);
  }
  j["chaotic_tanh"] = std::move(full);
  return j;
}

// ---- Jacobian spectra (Pennington, Schoenholz & Ganguli 2017) --------------------
//
// tanh on the critical line at sigma_b^2 = 1e-4 (sigma_w^2 slightly above 1):
// the input-output Jacobian J = dz^L/dx = W^L D^{L-1} W^{L-1} ... D^1 W^1,
// D^l = diag(tanh'(z^l)), for one input. Its mean squared singular value is
// chi_1^{L-1} ~ 1 at criticality for both weight ensembles; the spread is
// not: orthogonal weights keep the singular values near 1 (dynamical
// isometry), Gaussian ones spread them out with depth.
Json Jacobian(const StudyOptions& o) {
  int64_t n = 128;
  std::vector<int> depths = {2, 8, 32, 128};
  int seeds = 4;
  if (o.quick) {
    n = 16;
    depths = {2, 4};
    seeds = 2;
  }
  const uint64_t seed0 = 9700;
  constexpr double kResolution = 1e-13;
  const Activation tanh_ = Activation::parse("tanh");
  // A point of the critical line near (1, 0), where q* is small and tanh
  // nearly linear around it (Pennington et al. 2017 use such points).
  const double sb2 = 1e-4;
  const double sw2 = critical_sigma_w2(tanh_, sb2);
  const FixedPoint fp = fixed_point(tanh_, sw2, sb2, 1.0, false);
  const std::vector<std::pair<std::string, std::string>> ensembles = {
      {"orthogonal(gain=" + Fmt(std::sqrt(sw2)) + ")", "orthogonal"},
      {"normal(mean=0, std=" + Fmt(std::sqrt(sw2 / double(n))) + ")", "Gaussian"}};
  Json j = Header("jacobian", o);
  j["settings"] = {{"activation", "tanh"},
                   {"width", n},
                   {"depths", depths},
                   {"networks", seeds},
                   {"sigma_w2", Num(sw2)},
                   {"sigma_b2", Num(sb2)},
                   {"q_star", Num(fp.q_star)},
                   {"chi1", Num(fp.chi1)},
                   {"input", "one input x ~ N(0, I) scaled to mean square q*"},
                   {"jacobian",
                    "J = dz^L/dx = W^L D^{L-1} ... D^1 W^1; singular values by "
                    "Eigen's BDCSVD"},
                   {"resolution_relative", kResolution},
                   {"quantiles",
                    "over all networks' singular values; null where below the "
                    "resolution (1e-13 x the largest)"}};
  j["seeds"] = {{"first", seed0},
                {"rule",
                 "network k: seed first + k; layer l weights stream l, biases stream "
                 "2^32 + l, input stream 2^33"}};
  Json out = Json::array();
  for (const auto& [sch, label] : ensembles) {
    const Scheme scheme = Scheme::parse(sch);
    const Scheme bias = Scheme::parse("normal(mean=0, std=" + Fmt(std::sqrt(sb2)) + ")");
    for (int L : depths) {
      std::vector<std::vector<double>> sv(static_cast<size_t>(seeds));
      ParallelFor(seeds, o.threads, [&](int k) {
        const uint64_t seed = seed0 + static_cast<uint64_t>(k);
        Eigen::VectorXd h = Inputs(n, 1, seed).col(0);
        h *= std::sqrt(fp.q_star / (h.squaredNorm() / double(n)));  // start at q*
        RowMat J = RowMat::Identity(n, n);
        for (int l = 1; l <= L; ++l) {
          const RowMat W = Weights(scheme, n, seed, static_cast<uint64_t>(l));
          Geometry g1;
          g1.shape = {n};
          const Tensor b =
              fill(bias, g1, DType::kF64, {seed, kBiasStreamBase + static_cast<uint64_t>(l), 1});
          Eigen::VectorXd z = W * h + Eigen::Map<const Eigen::VectorXd>(b.as<double>(), n);
          J = W * J;
          if (l < L) {
            for (int64_t i = 0; i < n; ++i) {
              J.row(i) *= tanh_.derivative(z(i));
              h(i) = tanh_.value(z(i));
            }
          }
        }
        Eigen::BDCSVD<RowMat> svd(J);
        const Eigen::VectorXd s = svd.singularValues();
        sv[static_cast<size_t>(k)].assign(s.data(), s.data() + s.size());
      });
      // Resolution of an SVD of the explicit product: singular values below
      // ~1e-13 of the largest are rounding noise (double, n = 128).
      std::vector<double> all;
      double ms = 0, largest = 0;
      for (const auto& v : sv) {
        for (double x : v) {
          all.push_back(x);
          ms += x * x;
          largest = std::max(largest, x);
        }
      }
      std::sort(all.begin(), all.end());
      const double resolution = kResolution * largest;
      int unresolved = 0;
      for (double x : all) unresolved += x < resolution;
      auto q = [&](double p) {
        const double v = quantile_sorted(all, p);
        return v < resolution ? Json(nullptr) : Num(v);
      };
      Json e;
      e["ensemble"] = label;
      e["scheme"] = scheme.str();
      e["depth"] = L;
      e["mean_squared_singular_value"] = Num(ms / double(all.size()));
      e["chi1_power"] = Num(std::pow(fp.chi1, L - 1));
      e["quantiles"] = {
          {"p01", q(0.01)}, {"p10", q(0.10)}, {"p50", q(0.50)}, {"p90", q(0.90)}, {"p99", q(0.99)}};
      e["resolution"] = Num(resolution);
      e["unresolved"] = unresolved;
      e["singular_values"] = Nums(all);
      out.push_back(std::move(e));
    }
  }
  j["spectra"] = std::move(out);
  return j;
}

}  // namespace initcheck::propagation::study
