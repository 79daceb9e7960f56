// Theory vs simulation: bands, agreement and phenomena (see propagate.h).
#include "initcheck/propagation/propagate.h"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <chrono>
#include <cmath>
#include <limits>

#include "initcheck/error.h"

namespace initcheck::propagation {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kVanishRatio = 1e-30;
constexpr double kExplodeRatio = 1e30;

// Mean and sample sd of v, computed on v / max|v| so that figures near the
// ends of the double range (1e-165 squared underflows, 1e200 squared
// overflows) keep their precision.
struct MeanSd {
  double mean = kNaN, sd = kNaN;
};
MeanSd ScaledMeanSd(const std::vector<double>& v) {
  MeanSd r;
  if (v.empty()) return r;
  double scale = 0;
  for (double x : v) scale = std::max(scale, std::fabs(x));
  if (scale == 0) {
    r.mean = 0;
    r.sd = v.size() >= 2 ? 0.0 : kNaN;
    return r;
  }
  double s = 0;
  for (double x : v) s += x / scale;
  const double m = s / static_cast<double>(v.size());
  r.mean = m * scale;
  if (v.size() >= 2) {
    double ss = 0;
    for (double x : v) ss += (x / scale - m) * (x / scale - m);
    r.sd = std::sqrt(ss / static_cast<double>(v.size() - 1)) * scale;
  }
  return r;
}

// Seed-mean of the finite values (NaN if none).
double FiniteMean(const std::vector<double>& v) {
  std::vector<double> f;
  for (double x : v) {
    if (std::isfinite(x)) f.push_back(x);
  }
  return ScaledMeanSd(f).mean;
}

double FiniteMax(const std::vector<double>& v) {
  double m = kNaN;
  for (double x : v) {
    if (std::isfinite(x) && !(x <= m)) m = x;
  }
  return m;
}

}  // namespace

double quantile_sorted(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return kNaN;
  const double h = (static_cast<double>(sorted.size()) - 1.0) * std::clamp(p, 0.0, 1.0);
  const auto lo = static_cast<size_t>(std::floor(h));
  if (lo + 1 >= sorted.size()) return sorted.back();
  const double a = sorted[lo], b = sorted[lo + 1];
  if (a == b || h == static_cast<double>(lo)) return a;
  return a + (h - static_cast<double>(lo)) * (b - a);
}

std::string_view verdict_name(Verdict v) {
  switch (v) {
    case Verdict::kAgrees: return "agrees";
    case Verdict::kDisagrees: return "disagrees";
    case Verdict::kNotDecidable: break;
  }
  return "not decidable";
}

Verdict pair_verdict(int comparisons, int agreeing, int disagreeing) {
  if (disagreeing > 0) return Verdict::kDisagrees;
  if (comparisons > 0 && 2 * agreeing > comparisons) return Verdict::kAgrees;
  return Verdict::kNotDecidable;
}

double agreement_multiplier(int seeds, double false_alarm) {
  if (seeds < 2) return kNaN;
  const boost::math::students_t dist(static_cast<double>(seeds - 1));
  return boost::math::quantile(boost::math::complement(dist, false_alarm / 2.0));
}

Band summarize_band(const std::vector<double>& values, const std::vector<LayerStatus>& status,
                    double theory, double allowance, bool use_log, double k, double band_low,
                    double band_high) {
  Band b;
  b.theory = theory;
  b.allowance = allowance;
  std::vector<double> usable, all;
  for (size_t i = 0; i < values.size(); ++i) {
    switch (status[i]) {
      case LayerStatus::kOk: ++b.ok; break;
      case LayerStatus::kVanished: ++b.vanished; break;
      case LayerStatus::kExploded: ++b.exploded; break;
      case LayerStatus::kMissing: ++b.missing; break;
    }
    if (status[i] == LayerStatus::kOk || status[i] == LayerStatus::kVanished) {
      usable.push_back(values[i]);
      all.push_back(values[i]);
    } else if (status[i] == LayerStatus::kExploded) {
      all.push_back(kInf);
    }
  }
  std::sort(all.begin(), all.end());
  b.low = quantile_sorted(all, band_low);
  b.high = quantile_sorted(all, band_high);
  b.median = quantile_sorted(all, 0.5);
  const auto K = static_cast<double>(usable.size());
  b.mean = b.se = b.log_mean = b.log_sd = b.z = kNaN;
  if (b.exploded > 0) b.mean = kInf;
  if (!usable.empty() && b.exploded == 0) {
    const MeanSd ms = ScaledMeanSd(usable);
    b.mean = ms.mean;
    b.se = ms.sd / std::sqrt(K);
  }
  const bool positive = !usable.empty() && b.exploded == 0 &&
                        std::all_of(usable.begin(), usable.end(), [](double x) { return x > 0; });
  if (positive) {
    double s = 0;
    for (double x : usable) s += std::log(x);
    b.log_mean = s / K;
    if (usable.size() >= 2) {
      double ss = 0;
      for (double x : usable) ss += (std::log(x) - b.log_mean) * (std::log(x) - b.log_mean);
      b.log_sd = std::sqrt(ss / (K - 1.0));
    }
  }
  // Agreement.
  if (std::isnan(theory) || std::isinf(theory) || usable.size() < 2 || b.exploded > 0 ||
      b.missing > 0 || std::isnan(k)) {
    return b;
  }
  const double slack = 1e-12 * std::fabs(theory) + 1e-300;
  if (theory < kVanishLimit) {
    // Vanishing theory (zero weights: exactly 0): every network must vanish too.
    b.agree = std::all_of(usable.begin(), usable.end(),
                          [](double x) { return x < kVanishLimit; });
    b.decisive = true;
    b.z = 0;
    b.verdict = *b.agree ? Verdict::kAgrees : Verdict::kDisagrees;
    return b;
  }
  if (use_log && positive) {
    const double s2 = b.log_sd * b.log_sd;
    const double est = b.log_mean + 0.5 * s2;
    const double se = std::sqrt(s2 / K + s2 * s2 / (2.0 * (K - 1.0)));
    const double diff = est - std::log(theory);
    b.log_test = true;
    b.z = se > 0 ? diff / se : (diff == 0 ? 0.0 : kInf);
    const double half = k * se + std::log1p(allowance);
    b.agree = std::fabs(diff) <= half + 1e-12;
    b.decisive = half <= std::log(kResolveFactor);
    b.verdict = !*b.agree ? Verdict::kDisagrees
                          : (b.decisive ? Verdict::kAgrees : Verdict::kNotDecidable);
    return b;
  }
  const double diff = b.mean - theory;
  b.z = b.se > 0 ? diff / b.se : (std::fabs(diff) <= slack ? 0.0 : kInf);
  const double half = k * b.se + allowance * theory;
  b.agree = std::fabs(diff) <= half + slack;
  // theory x f and theory / f both rejected: half < theory min(f - 1, 1 - 1/f).
  b.decisive = half <= (1.0 - 1.0 / kResolveFactor) * theory;
  b.verdict = !*b.agree ? Verdict::kDisagrees
                        : (b.decisive ? Verdict::kAgrees : Verdict::kNotDecidable);
  return b;
}

PropagationReport propagate(const PropagationConfig& cfg) {
  if (!(cfg.band_low >= 0 && cfg.band_low < cfg.band_high && cfg.band_high <= 1)) {
    throw Error("the spread band needs 0 <= low < high <= 1");
  }
  if (!(cfg.false_alarm > 0 && cfg.false_alarm < 1)) {
    throw Error("false_alarm must be in (0, 1)");
  }
  if (!(cfg.bias_std >= 0) || !std::isfinite(cfg.bias_std)) {
    throw Error("bias std must be finite and >= 0");
  }
  if (cfg.depth < 1) throw Error("depth must be >= 1");
  PropagationReport r;
  r.config = cfg;
  r.config.progress = nullptr;
  r.weights = weight_stats(cfg.weights, cfg.width);
  const int L = cfg.depth;
  const double n = static_cast<double>(cfg.width);
  const double sb2 = cfg.bias_std * cfg.bias_std;

  const auto t0 = std::chrono::steady_clock::now();
  r.theory_available = r.weights.supported;
  if (r.theory_available) {
    r.mean_field.activation = cfg.activation;
    r.mean_field.sigma_w2 = r.weights.sigma_w2;
    r.mean_field.sigma_b2 = sb2;
    r.mean_field.depth = L;
    r.mean_field.input_second_moment = 1.0;
    r.theory = mean_field(r.mean_field);
    r.fixed_point = fixed_point(cfg.activation, r.weights.sigma_w2, sb2, r.theory[0].q, true);
    r.spread = predict_log_spread(r.mean_field, r.theory, cfg.width);
  }
  r.theory_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  SimulationConfig sc = cfg;  // the networks part of the config
  sc.depth = L;
  r.simulation = simulate(sc);
  r.k = agreement_multiplier(cfg.seeds, cfg.false_alarm);

  const bool unbiased = cfg.activation.positively_homogeneous() && sb2 == 0;
  const auto K = static_cast<size_t>(cfg.seeds);
  r.layers.resize(static_cast<size_t>(L));
  Phenomena& ph = r.phenomena;
  ph.min_distinct_units = ph.min_distinct_gradients = cfg.width;
  std::vector<double> fv(K), bv(K), tmp(K);
  std::vector<LayerStatus> fs(K), bs(K);
  const double last_var = r.theory_available ? r.spread.log_var.back() : kNaN;
  for (int l = 1; l <= L; ++l) {
    const auto li = static_cast<size_t>(l - 1);
    LayerReport& R = r.layers[li];
    R.layer = l;
    for (size_t k = 0; k < K; ++k) {
      const SeedLayer& S = r.simulation.runs[k].layers[li];
      fv[k] = S.forward;
      fs[k] = S.forward_status;
      bv[k] = S.backward;
      bs[k] = S.backward_status;
    }
    const MeanFieldLayer* T = r.theory_available ? &r.theory[li] : nullptr;
    const double fvar = T ? r.spread.log_var[li] : kNaN;
    // Backward spread: the forward spread at the output plus what the
    // backward pass adds on its way down (the same per-layer law).
    const double bvar = T ? last_var + (last_var - fvar) : kNaN;
    R.forward = summarize_band(fv, fs, T ? T->q : kNaN, unbiased ? 0.0 : 0.5 * l / n,
                               fvar > 1.0, r.k, cfg.band_low, cfg.band_high);
    R.backward = summarize_band(bv, bs, T ? T->g : kNaN,
                                unbiased ? 0.0 : 0.5 * (2.0 * L - l + 1.0) / n, bvar > 1.0, r.k,
                                cfg.band_low, cfg.band_high);
    auto seed_mean = [&](auto field) {
      for (size_t k = 0; k < K; ++k) tmp[k] = r.simulation.runs[k].layers[li].*field;
      return FiniteMean(tmp);
    };
    R.post_mean = seed_mean(&SeedLayer::post_mean);
    R.post_second = seed_mean(&SeedLayer::post_second);
    R.unit_mean = seed_mean(&SeedLayer::unit_mean);
    R.weight_grad = seed_mean(&SeedLayer::weight_grad);
    R.saturated = seed_mean(&SeedLayer::saturated);
    R.dead = seed_mean(&SeedLayer::dead);
    R.inactive = seed_mean(&SeedLayer::inactive);
    R.post_mean_theory = T ? T->post_mean : kNaN;
    R.post_second_theory = T ? T->post_second : kNaN;
    R.weight_grad_theory = T ? T->weight_grad : kNaN;
    R.saturated_theory =
        T && std::isfinite(T->q)
            ? saturation_probability(cfg.activation, T->q, kSaturationThreshold)
            : kNaN;
    R.distinct_units = R.distinct_gradients = -1;
    for (size_t k = 0; k < K; ++k) {
      const SeedLayer& S = r.simulation.runs[k].layers[li];
      if (S.distinct_units >= 0) {
        R.distinct_units = R.distinct_units < 0 ? S.distinct_units
                                                : std::min(R.distinct_units, S.distinct_units);
      }
      if (S.distinct_gradients >= 0) {
        R.distinct_gradients = R.distinct_gradients < 0
                                   ? S.distinct_gradients
                                   : std::min(R.distinct_gradients, S.distinct_gradients);
      }
    }
    if (R.distinct_units >= 0) ph.min_distinct_units = std::min(ph.min_distinct_units, R.distinct_units);
    if (R.distinct_gradients >= 0) {
      ph.min_distinct_gradients = std::min(ph.min_distinct_gradients, R.distinct_gradients);
    }
    // Single-input log spread.
    {
      bool okk = K >= 2;
      double s = 0;
      for (size_t k = 0; k < K && okk; ++k) {
        const double x = r.simulation.runs[k].layers[li].forward_single;
        okk = fs[k] == LayerStatus::kOk && x > 0 && std::isfinite(x);
        tmp[k] = okk ? std::log(x) : 0.0;
        s += tmp[k];
      }
      R.log_sd_single = kNaN;
      if (okk) {
        const double m = s / static_cast<double>(K);
        double ss = 0;
        for (size_t k = 0; k < K; ++k) ss += (tmp[k] - m) * (tmp[k] - m);
        R.log_sd_single = std::sqrt(ss / static_cast<double>(K - 1));
      }
      R.log_sd_single_predicted = T ? std::sqrt(fvar) : kNaN;
    }
  }

  // Phenomena.
  ph.symmetry_broken = ph.min_distinct_units == cfg.width;
  ph.weight_gradients_zero = L > 1;
  for (const SeedRun& run : r.simulation.runs) {
    bool vanished = false, exploded = false;
    for (int l = 1; l <= L; ++l) {
      const SeedLayer& S = run.layers[static_cast<size_t>(l - 1)];
      vanished |= S.forward_status == LayerStatus::kVanished ||
                  S.backward_status == LayerStatus::kVanished;
      exploded |= S.forward_status == LayerStatus::kExploded ||
                  S.backward_status == LayerStatus::kExploded;
      if (l < L && !S.weight_grad_zero) ph.weight_gradients_zero = false;
    }
    ph.vanished_networks += vanished;
    ph.exploded_networks += exploded;
  }
  auto fmean = [&](int l) { return r.layers[static_cast<size_t>(l - 1)].forward.mean; };
  auto bmean = [&](int l) { return r.layers[static_cast<size_t>(l - 1)].backward.mean; };
  auto fth = [&](int l) { return r.theory_available ? r.theory[static_cast<size_t>(l - 1)].q : kNaN; };
  auto bth = [&](int l) { return r.theory_available ? r.theory[static_cast<size_t>(l - 1)].g : kNaN; };
  // Forward: first l with ratio to layer 1 beyond the limits.
  auto forward_scan = [&](auto get, std::optional<int>& vanish, std::optional<int>& explode) {
    const double ref = get(1);
    for (int l = 1; l <= L; ++l) {
      const double v = get(l);
      if (!explode && (std::isinf(v) || (ref > 0 && v / ref > kExplodeRatio))) explode = l;
      if (!vanish && ref > 0 && std::isfinite(v) && v / ref < kVanishRatio) vanish = l;
    }
  };
  auto backward_scan = [&](auto get, std::optional<int>& vanish, std::optional<int>& explode) {
    const double ref = get(L);
    for (int l = L; l >= 1; --l) {
      const double v = get(l);
      if (!explode && (std::isinf(v) || (ref > 0 && v / ref > kExplodeRatio))) explode = l;
      if (!vanish && ref > 0 && std::isfinite(v) && v / ref < kVanishRatio) vanish = l;
    }
  };
  forward_scan(fmean, ph.forward_vanish_layer, ph.forward_explode_layer);
  backward_scan(bmean, ph.backward_vanish_layer, ph.backward_explode_layer);
  if (r.theory_available) {
    forward_scan(fth, ph.forward_vanish_layer_theory, ph.forward_explode_layer_theory);
    backward_scan(bth, ph.backward_vanish_layer_theory, ph.backward_explode_layer_theory);
  }
  ph.forward_ratio = fmean(L) / fmean(1);
  ph.backward_ratio = bmean(1) / bmean(L);
  ph.forward_ratio_theory = fth(L) / fth(1);
  ph.backward_ratio_theory = bth(1) / bth(L);
  std::vector<double> col;
  for (const auto& R : r.layers) col.push_back(R.saturated);
  ph.max_saturated = FiniteMax(col);
  col.clear();
  for (const auto& R : r.layers) col.push_back(R.saturated_theory);
  ph.max_saturated_theory = FiniteMax(col);
  col.clear();
  for (const auto& R : r.layers) col.push_back(R.dead);
  ph.max_dead = FiniteMax(col);
  for (const auto& R : r.layers) {
    for (const Band* b : {&R.forward, &R.backward}) {
      if (!b->agree) continue;
      ++ph.layers_checked;
      if (!*b->agree) ++ph.layers_disagreeing;
      if (*b->agree && !b->decisive) ++ph.layers_inconclusive;
    }
  }
  if (ph.layers_checked > 0) ph.agree = ph.layers_disagreeing == 0;
  for (const auto& R : r.layers) {
    for (const Band* b : {&R.forward, &R.backward}) {
      ++ph.comparisons;
      switch (b->verdict) {
        case Verdict::kAgrees: ++ph.comparisons_agreeing; break;
        case Verdict::kDisagrees: ++ph.comparisons_disagreeing; break;
        case Verdict::kNotDecidable: ++ph.comparisons_undecided; break;
      }
    }
  }
  ph.verdict = pair_verdict(ph.comparisons, ph.comparisons_agreeing, ph.comparisons_disagreeing);
  return r;
}

}  // namespace initcheck::propagation
