// Theory vs simulation: statistics, agreement of the good pairings, the
// phenomena, finite-width drift, and the output formats.
//
// Statistical assertions use fixed seeds, so they are deterministic; the
// comments give the false-alarm rate each would have if the seeds were
// changed.
#include "initcheck/propagation/propagate.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "initcheck/error.h"
#include "initcheck/propagation/format.h"

namespace initcheck::propagation {
namespace {

PropagationConfig Config(const char* scheme, const char* phi, int depth, int64_t width,
                         int64_t batch, int seeds) {
  PropagationConfig c;
  c.weights = Scheme::parse(scheme);
  c.activation = Activation::parse(phi);
  c.depth = depth;
  c.width = width;
  c.batch = batch;
  c.seeds = seeds;
  c.threads = 0;
  return c;
}

TEST(Statistics, QuantilesAndMultiplier) {
  const std::vector<double> v = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 0.05), 1.15);  // numpy's default (type 7)
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 0.5), 2.5);
  EXPECT_DOUBLE_EQ(quantile_sorted(v, 1.0), 4.0);
  // Student t, two-sided 1e-4.
  EXPECT_NEAR(agreement_multiplier(8, 1e-4), 7.885, 2e-3);
  EXPECT_NEAR(agreement_multiplier(64, 1e-4), 4.155, 0.01);
  EXPECT_TRUE(std::isnan(agreement_multiplier(1, 1e-4)));
}

TEST(Statistics, BandMeanAndLogTests) {
  const std::vector<LayerStatus> ok(4, LayerStatus::kOk);
  Band b = summarize_band({1, 2, 3, 4}, ok, 2.5, 0.0, false, 3.0, 0.05, 0.95);
  EXPECT_DOUBLE_EQ(b.mean, 2.5);
  EXPECT_DOUBLE_EQ(b.se, std::sqrt(5.0 / 3.0 / 4.0));
  EXPECT_DOUBLE_EQ(b.median, 2.5);
  ASSERT_TRUE(b.agree.has_value());
  EXPECT_TRUE(*b.agree);
  // 3 SE away fails at k = 2.9, passes with a 10% allowance at 3.6.
  const double se = b.se;
  b = summarize_band({1, 2, 3, 4}, ok, 2.5 + 3 * se, 0.0, false, 2.9, 0.05, 0.95);
  EXPECT_FALSE(*b.agree);
  b = summarize_band({1, 2, 3, 4}, ok, 2.5 + 3 * se, 0.1, false, 2.9, 0.05, 0.95);
  EXPECT_TRUE(*b.agree);
  // Log test: log-normal estimate mean(log) + s^2/2 of log E.
  b = summarize_band({1, 2, 3, 4}, ok, 2.5, 0.0, true, 3.0, 0.05, 0.95);
  EXPECT_TRUE(b.log_test);
  EXPECT_TRUE(*b.agree);
  // Exploded or missing networks: undecidable, mean +inf.
  std::vector<LayerStatus> st = ok;
  st[2] = LayerStatus::kExploded;
  b = summarize_band({1, 2, 3, 4}, st, 2.5, 0.0, false, 3.0, 0.05, 0.95);
  EXPECT_FALSE(b.agree.has_value());
  EXPECT_TRUE(std::isinf(b.mean));
  EXPECT_EQ(b.exploded, 1);
  EXPECT_TRUE(std::isinf(b.high));
  // No theory: undecidable.
  b = summarize_band({1, 2, 3, 4}, ok, std::nan(""), 0.0, false, 3.0, 0.05, 0.95);
  EXPECT_FALSE(b.agree.has_value());
  // Decisive: the acceptance half-width k se + b theory <= theory / 2.
  b = summarize_band({1, 2, 3, 4}, ok, 2.5, 0.0, false, 3.0, 0.05, 0.95);
  EXPECT_FALSE(b.decisive);  // 3 se = 1.94 > 2.5 / 2
  b = summarize_band({2.4, 2.5, 2.6, 2.5}, ok, 2.5, 0.0, false, 3.0, 0.05, 0.95);
  EXPECT_TRUE(b.decisive);
  b = summarize_band({2.4, 2.5, 2.6, 2.5}, ok, 2.5, 0.6, false, 3.0, 0.05, 0.95);
  EXPECT_FALSE(b.decisive);  // the allowance alone exceeds a factor 2
  // Zero theory: every network must vanish.
  b = summarize_band({0, 0, 0, 0}, ok, 0.0, 0.0, false, 3.0, 0.05, 0.95);
  EXPECT_TRUE(*b.agree);
  b = summarize_band({0, 0, 1e-3, 0}, ok, 0.0, 0.0, false, 3.0, 0.05, 0.95);
  EXPECT_FALSE(*b.agree);
}

// The three-valued verdict (propagate.h): one case that must be "not
// decidable", one that must disagree, one that must agree. Fixed values, no
// randomness.
TEST(Verdict, TwoNetworksCannotDecide) {
  // K = 2: k = t_1 quantile for 1e-4 = 6366 standard errors, so even values
  // 5% apart accept theory x 100: inside the region, but it cannot resolve 1.5.
  const double k = agreement_multiplier(2, 1e-4);
  EXPECT_NEAR(k, 6366.2, 0.5);
  const Band b = summarize_band({1.0, 1.05}, std::vector<LayerStatus>(2, LayerStatus::kOk),
                                1.02, 0.0, false, k, 0.05, 0.95);
  ASSERT_TRUE(b.agree.has_value());
  EXPECT_TRUE(*b.agree);
  EXPECT_FALSE(b.decisive);
  EXPECT_EQ(b.verdict, Verdict::kNotDecidable);
  EXPECT_EQ(verdict_name(b.verdict), "not decidable");
}

TEST(Verdict, TightValuesAwayFromTheoryDisagree) {
  // 8 networks at 2.0 +- 0.02 (se 0.0079): theory 1.0 is 127 SE away, far
  // beyond k = 7.9 (t_7, 1e-4).
  const std::vector<double> v = {1.98, 2.0, 2.02, 1.99, 2.01, 2.0, 1.98, 2.02};
  const double k = agreement_multiplier(8, 1e-4);
  const Band b = summarize_band(v, std::vector<LayerStatus>(8, LayerStatus::kOk), 1.0, 0.0,
                                false, k, 0.05, 0.95);
  EXPECT_EQ(b.verdict, Verdict::kDisagrees);
  // A rejection is a rejection even where the region is wide: the same
  // values in the log test.
  const Band l = summarize_band(v, std::vector<LayerStatus>(8, LayerStatus::kOk), 1.0, 0.0,
                                true, k, 0.05, 0.95);
  EXPECT_EQ(l.verdict, Verdict::kDisagrees);
}

TEST(Verdict, TightValuesAtTheoryAgree) {
  // The same spread around theory: half-width 7.9 x 0.0079 = 0.062 <= 2/3:
  // resolves a factor 1.5, and theory is inside.
  const std::vector<double> v = {1.98, 2.0, 2.02, 1.99, 2.01, 2.0, 1.98, 2.02};
  const Band b = summarize_band(v, std::vector<LayerStatus>(8, LayerStatus::kOk), 2.0, 0.0,
                                false, agreement_multiplier(8, 1e-4), 0.05, 0.95);
  EXPECT_TRUE(b.decisive);
  EXPECT_EQ(b.verdict, Verdict::kAgrees);
  // Just too wide to resolve 1.5: half-width theory/3 + a little.
  const Band w = summarize_band(v, std::vector<LayerStatus>(8, LayerStatus::kOk), 2.0,
                                1.0 / 3.0 + 0.01, false, agreement_multiplier(8, 1e-4), 0.05,
                                0.95);
  EXPECT_EQ(w.verdict, Verdict::kNotDecidable);
}

TEST(Verdict, PairNeedsAMajorityOfDecidedComparisons) {
  EXPECT_EQ(pair_verdict(100, 100, 0), Verdict::kAgrees);
  EXPECT_EQ(pair_verdict(100, 51, 0), Verdict::kAgrees);
  EXPECT_EQ(pair_verdict(100, 50, 0), Verdict::kNotDecidable);  // half undecided
  EXPECT_EQ(pair_verdict(100, 25, 0), Verdict::kNotDecidable);
  EXPECT_EQ(pair_verdict(100, 99, 1), Verdict::kDisagrees);
  EXPECT_EQ(pair_verdict(0, 0, 0), Verdict::kNotDecidable);
}

// `initcheck propagate --seeds 2`: no comparison can resolve a factor 1.5, so
// the run is "not decidable", never "agrees".
TEST(Verdict, TwoSeedRunIsNotDecidable) {
  const PropagationReport r = propagate(Config("kaiming_normal", "relu", 10, 64, 8, 2));
  EXPECT_EQ(r.phenomena.verdict, Verdict::kNotDecidable);
  EXPECT_EQ(r.phenomena.comparisons, 20);
  EXPECT_EQ(r.phenomena.comparisons_agreeing, 0);
  const std::string t = format_text(r);
  EXPECT_NE(t.find("agreement   not decidable:"), std::string::npos) << t;
  EXPECT_NE(t.find("symmetry broken: yes"), std::string::npos) << t;
  const PropagationReport z = propagate(Config("zeros", "tanh", 4, 32, 4, 2));
  EXPECT_NE(format_text(z).find("symmetry broken: no"), std::string::npos);
}

// The pairings where mean-field theory holds at width 512: the seed-mean
// agrees with theory at every layer, and the 5-95% band over the 32 networks
// contains theory at every layer.
// False alarms (if the seeds were changed): the agreement uses k for a
// per-comparison rate of 1e-4, at most 2 L 1e-4 = 1% per pairing at L = 50
// (normal approximation of the seed-mean); theory falls outside the type-7
// 5-95% band of 32 values only if at most 2 of them lie on one side of it,
// probability 2 x 1.2e-7 per layer when theory is near the median.
void ExpectGoodPairing(const char* scheme, const char* phi, int depth) {
  PropagationConfig c = Config(scheme, phi, depth, 512, 16, 32);
  const PropagationReport r = propagate(c);
  ASSERT_TRUE(r.theory_available) << scheme;
  ASSERT_TRUE(r.phenomena.agree.has_value());
  EXPECT_TRUE(*r.phenomena.agree) << scheme << " + " << phi << ": "
                                  << r.phenomena.layers_disagreeing << " layers disagree";
  EXPECT_EQ(r.phenomena.layers_checked, 2 * depth);
  for (const LayerReport& L : r.layers) {
    for (const Band* b : {&L.forward, &L.backward}) {
      EXPECT_LE(b->low, b->theory) << scheme << " + " << phi << " layer " << L.layer;
      EXPECT_GE(b->high, b->theory) << scheme << " + " << phi << " layer " << L.layer;
    }
    // Pre-activations average to 0 +- sqrt(q / n) per network (inputs become
    // correlated with depth, so the batch does not shrink it), 0 +- sqrt(q /
    // (n K)) over the 32 networks: 5 SE here.
    EXPECT_LE(std::fabs(L.unit_mean), 5 * std::sqrt(L.forward.theory / (512.0 * 32)))
        << scheme << " layer " << L.layer;
  }
  EXPECT_TRUE(r.phenomena.symmetry_broken);
  // Shallow layers are tight enough to exclude a factor-2 error.
  for (int l = 0; l < 10; ++l) EXPECT_TRUE(r.layers[l].forward.decisive) << scheme << " " << l + 1;
}

TEST(Agreement, HeRelu) { ExpectGoodPairing("kaiming_normal", "relu", 50); }
TEST(Agreement, XavierTanh) { ExpectGoodPairing("xavier_uniform", "tanh", 30); }
TEST(Agreement, LecunLinear) { ExpectGoodPairing("lecun_normal", "linear", 50); }

// SELU with LeCun init keeps (mean, second moment) of the activations near
// its fixed point (0, 1) (Klambauer et al. 2017) while gradients grow like
// chi_1^l = 1.0716^l (research note 2.4).
TEST(Agreement, LecunSeluNearItsFixedPoint) {
  ExpectGoodPairing("lecun_normal", "selu", 30);
  const PropagationReport r = propagate(Config("lecun_normal", "selu", 30, 512, 16, 8));
  for (const LayerReport& L : r.layers) {
    // Seed-means of 8 networks x 16 inputs x 512 units; the per-network
    // spread of these is ~0.15 (research note 6.3), so 0.1 is > 5 SE.
    EXPECT_NEAR(L.post_mean, 0.0, 0.1) << L.layer;
    EXPECT_NEAR(L.post_second, 1.0, 0.1) << L.layer;
  }
  EXPECT_NEAR(r.fixed_point.chi1, 1.071575, 1e-6);
  EXPECT_NEAR(r.phenomena.backward_ratio_theory, std::pow(1.071575, 29), 1e-3 * std::pow(1.071575, 29));
}

// Finite width (Hanin & Nica 2019; research note 6.2): at width 64, depth 20,
// a single ReLU/He network's log q_hat^L has sd sqrt((5 x 19 + 4)/64) = 1.24,
// so the typical network sits far below mean-field theory although the mean
// over networks does not. One input per network (batch 1), 400 networks.
TEST(FiniteWidth, ReluDriftsBelowTheoryAtSmallWidth) {
  PropagationConfig c = Config("kaiming_normal", "relu", 20, 64, 1, 400);
  const PropagationReport r = propagate(c);
  const LayerReport& last = r.layers.back();
  const double predicted_sd = relu_he_log_sd(20, 64);
  EXPECT_NEAR(last.log_sd_single_predicted, predicted_sd, 1e-12);
  // T5 of the note: observed sd within 25% (the sd of 400 values has a
  // relative SE of ~4%, so 25% is > 6 SE).
  EXPECT_NEAR(last.log_sd_single / predicted_sd, 1.0, 0.25);
  // The median network is at exp(-Var[log s]/2 - 1/n) = 0.46 of theory (log
  // SE of the median ~0.08: [0.35, 0.6] is > 3 SE either side).
  const double median_ratio = last.forward.median / last.forward.theory;
  EXPECT_GT(median_ratio, 0.35);
  EXPECT_LT(median_ratio, 0.60);
  // 5 l / n > 1: the comparison switched to the log domain and still agrees.
  EXPECT_TRUE(last.forward.log_test);
  ASSERT_TRUE(last.forward.agree.has_value());
  EXPECT_TRUE(*last.forward.agree);
  // At width 512 the same depth drifts far less: median at exp(-0.097) = 0.91
  // of theory (128 networks: log SE 0.04, so 0.78 is > 3 SE below).
  const PropagationReport w = propagate(Config("kaiming_normal", "relu", 20, 512, 1, 128));
  EXPECT_GT(w.layers.back().forward.median / w.layers.back().forward.theory, 0.78);
  EXPECT_FALSE(w.layers.back().forward.log_test);
  // Where theory stops describing a single network (sd of log q_hat = 1).
  EXPECT_LT(relu_he_max_depth(64), 20);
  EXPECT_GT(relu_he_max_depth(512), 20);
}

// Non-homogeneous phi has a real O(l/n) bias at small width: tanh at the
// critical point (1, 0), width 64, layer 50: -21% +- 2.6% in the note's exact
// scalar-chain simulation (section 6.3). 200 networks, one input each; the
// bands below are > 4 SE wide.
TEST(FiniteWidth, TanhCriticalBiasIsOrderDepthOverWidth) {
  const PropagationReport r = propagate(Config("xavier_normal", "tanh", 50, 64, 1, 200));
  const LayerReport& last = r.layers.back();
  const double rel = last.forward.mean / last.forward.theory - 1.0;
  EXPECT_LT(rel, -0.08);
  EXPECT_GT(rel, -0.34);
  // The allowance 0.5 l / n covers it: theory still "agrees".
  EXPECT_TRUE(last.forward.agree.value_or(false));
}

// GELU after He init at width 512: the length map's log-slope exceeds 1 while
// q passes from ~1 to ~0.01 (V(q)/q rises from 1/4 to 1/2), so per-network
// fluctuations are amplified (delta method: sd of log q_hat ~2 by layer 20),
// and the mean over networks leaves mean-field theory: 64 networks reject it
// in the log domain (|z| ~ 7 against k = 4.15), while the spread is predicted.
TEST(FiniteWidth, GeluHeLeavesMeanFieldAtWidth512) {
  const PropagationReport r = propagate(Config("kaiming_normal", "gelu", 30, 512, 4, 64));
  const LayerReport& last = r.layers.back();
  EXPECT_TRUE(last.forward.log_test);
  ASSERT_TRUE(last.forward.agree.has_value());
  EXPECT_FALSE(*last.forward.agree);
  EXPECT_GT(last.forward.median, last.forward.theory);
  EXPECT_NEAR(last.log_sd_single / last.log_sd_single_predicted, 1.0, 0.25);
  EXPECT_GT(last.log_sd_single_predicted, 1.5);
  // The first layers still agree decisively.
  EXPECT_TRUE(r.layers[0].forward.agree.value_or(false));
  EXPECT_TRUE(r.layers[0].forward.decisive);
}

// normal(std=0.001): sigma_w^2 = 0.001^2 x 256, relu halves it: q shrinks by
// 1.28e-4 per layer, below 1e-30 of layer 1 at layer 9 (and the gradient at
// layer L - 8). The empirical layers are the theoretical ones (the ratio
// changes 7800x between layers, far more than the networks fluctuate).
TEST(Phenomena, TinyWeightsVanish) {
  const PropagationReport r = propagate(Config("normal(std=0.001)", "relu", 20, 256, 8, 4));
  const Phenomena& p = r.phenomena;
  ASSERT_TRUE(p.forward_vanish_layer_theory.has_value());
  EXPECT_EQ(*p.forward_vanish_layer_theory, 9);
  EXPECT_EQ(p.forward_vanish_layer, p.forward_vanish_layer_theory);
  ASSERT_TRUE(p.backward_vanish_layer_theory.has_value());
  EXPECT_EQ(*p.backward_vanish_layer_theory, 20 - 8);
  EXPECT_EQ(p.backward_vanish_layer, p.backward_vanish_layer_theory);
  EXPECT_FALSE(p.forward_explode_layer.has_value());
  EXPECT_TRUE(p.symmetry_broken);
  EXPECT_TRUE(p.agree.value_or(false));
}

// A homogeneous network is the same network at any weight scale: std 0.001
// and std 1 draw the same standard normals, so every relative figure, and
// every verdict, must match although q spans 1e-165 .. 1e135 (the statistics
// are computed on rescaled values: squaring 1e-165 underflows).
TEST(Phenomena, VerdictsDoNotDependOnTheWeightScale) {
  const PropagationReport a = propagate(Config("normal(std=0.001)", "relu", 50, 128, 4, 6));
  const PropagationReport b = propagate(Config("normal(std=1)", "relu", 50, 128, 4, 6));
  for (size_t l = 0; l < a.layers.size(); ++l) {
    for (auto dir : {&LayerReport::forward, &LayerReport::backward}) {
      const Band &x = a.layers[l].*dir, &y = b.layers[l].*dir;
      EXPECT_NEAR(x.mean / x.theory, y.mean / y.theory, 1e-9) << l;
      EXPECT_NEAR(x.se / x.theory, y.se / y.theory, 1e-9) << l;
      EXPECT_GT(x.se, 0) << l;
      EXPECT_EQ(x.agree, y.agree) << l;
      EXPECT_EQ(x.decisive, y.decisive) << l;
    }
  }
  EXPECT_LT(a.layers.back().forward.theory, 1e-150);
  EXPECT_FALSE(a.phenomena.weight_gradients_zero);
}

// sigmoid with N(0, 1) weights (sigma_w^2 = 256): most units saturate
// (|sigmoid'| < 1e-3). The saturated fraction over 256 units x 16 inputs x 4
// networks matches the Gaussian prediction erfc(x_t / sqrt(2 q)) to 0.03 (its
// sampling SE is ~0.01). The few unsaturated units still pass gradients:
// chi = 256 D(q) ~ 1.5 at q ~ 130, so the gradient grows (theory 36x over 10
// layers); the simulation agrees within a factor e^0.5 (4 networks).
TEST(Phenomena, SigmoidWithLargeWeightsSaturates) {
  const PropagationReport r = propagate(Config("normal(std=1)", "sigmoid", 10, 256, 16, 4));
  for (const LayerReport& L : r.layers) {
    EXPECT_NEAR(L.saturated, L.saturated_theory, 0.03) << L.layer;
    EXPECT_GT(L.saturated, 0.5) << L.layer;
  }
  EXPECT_GT(r.phenomena.max_saturated, 0.6);
  EXPECT_NEAR(std::log(r.phenomena.backward_ratio), std::log(r.phenomena.backward_ratio_theory),
              0.5);
  EXPECT_GT(r.phenomena.backward_ratio_theory, 10);
}

TEST(Phenomena, ZeroAndConstantInit) {
  PropagationReport r = propagate(Config("zeros", "tanh", 6, 64, 8, 3));
  EXPECT_TRUE(r.theory_available);
  EXPECT_FALSE(r.phenomena.symmetry_broken);
  EXPECT_EQ(r.phenomena.min_distinct_units, 1);
  EXPECT_TRUE(r.phenomena.weight_gradients_zero);
  EXPECT_TRUE(r.phenomena.agree.value_or(false));  // q = 0, g^l = 0 below L, g^L = 1
  r = propagate(Config("ones", "relu", 6, 64, 8, 3));
  EXPECT_FALSE(r.theory_available);
  EXPECT_FALSE(r.phenomena.agree.has_value());
  EXPECT_FALSE(r.phenomena.symmetry_broken);
  EXPECT_EQ(r.phenomena.min_distinct_gradients, 1);
  EXPECT_TRUE(std::isnan(r.layers[0].forward.theory));
}

// ReLU units that are 0 for a whole batch: none in layer 1 (independent
// inputs: 2^-64), many deep in a He network whose inputs have become
// correlated (the arc-cosine correlation map drives c to 1).
TEST(Phenomena, DeadReluUnits) {
  const PropagationReport r = propagate(Config("kaiming_normal", "relu", 40, 256, 64, 2));
  EXPECT_EQ(r.layers[0].dead, 0.0);
  EXPECT_GT(r.layers.back().dead, 0.05);
  EXPECT_LT(r.layers.back().dead, 0.6);
  EXPECT_TRUE(std::isnan(propagate(Config("kaiming_normal", "tanh", 2, 32, 4, 2)).layers[0].dead));
}

TEST(Phenomena, ExplodingLinearNetwork) {
  const PropagationReport r = propagate(Config("normal(std=1)", "linear", 200, 64, 4, 2));
  const Phenomena& p = r.phenomena;
  // q^l / q^1 = 64^(l-1) > 1e30 first at l = 18.
  EXPECT_EQ(p.forward_explode_layer_theory, 18);
  EXPECT_EQ(p.forward_explode_layer, 18);
  EXPECT_EQ(p.exploded_networks, 2);
  EXPECT_FALSE(r.layers.back().forward.agree.has_value());
  const auto j = to_json(r);
  EXPECT_TRUE(j["layers"][199]["forward"]["empirical"].is_null());
  EXPECT_TRUE(j["layers"][199]["forward"]["theory"].is_null());
  EXPECT_TRUE(j["layers"][0]["forward"]["empirical"].is_number());
}

TEST(Format, JsonContract) {
  PropagationConfig c = Config("kaiming_uniform(a=sqrt(5))", "leaky_relu(0.2)", 4, 32, 8, 3);
  const PropagationReport r = propagate(c);
  const auto j = to_json(r);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
  const std::vector<std::string> head = {"weights", "activation", "depth", "width",
                                         "batch", "seeds", "layers"};
  ASSERT_GE(keys.size(), head.size());
  EXPECT_EQ(std::vector<std::string>(keys.begin(), keys.begin() + 7), head);
  EXPECT_EQ(j["weights"], Scheme::parse("kaiming_uniform(a=sqrt(5))").str());
  EXPECT_EQ(j["activation"], "leaky_relu(negative_slope=0.2)");
  EXPECT_EQ(j["depth"], 4);
  EXPECT_EQ(j["width"], 32);
  EXPECT_EQ(j["batch"], 8);
  EXPECT_EQ(j["seeds"], 3);
  ASSERT_EQ(j["layers"].size(), 4u);
  for (int l = 0; l < 4; ++l) {
    const auto& e = j["layers"][l];
    EXPECT_EQ(e["layer"], l + 1);
    for (const char* dir : {"forward", "backward"}) {
      std::vector<std::string> k;
      for (auto it = e[dir].begin(); it != e[dir].end(); ++it) k.push_back(it.key());
      EXPECT_EQ(std::vector<std::string>(k.begin(), k.begin() + 4),
                (std::vector<std::string>{"theory", "empirical", "low", "high"}));
      EXPECT_TRUE(e[dir]["theory"].is_number());
      EXPECT_TRUE(e[dir]["empirical"].is_number());
      EXPECT_LE(e[dir]["low"].get<double>(), e[dir]["high"].get<double>());
    }
  }
  // sigma_w^2 = 1/3, leaky(0.2) keeps (1 + 0.04)/2: q^l = (1/3) (0.52/3)^(l-1).
  EXPECT_NEAR(j["layers"][3]["forward"]["theory"].get<double>(),
              (1.0 / 3) * std::pow(0.52 / 3, 3), 1e-15);
  // Round trip through text.
  EXPECT_EQ(nlohmann::ordered_json::parse(format_json(r)), j);
}

TEST(Format, OutputDoesNotDependOnThreads) {
  PropagationConfig c = Config("xavier_normal", "gelu", 5, 40, 6, 5);
  c.bias_std = 0.2;
  c.threads = 1;
  const PropagationReport a = propagate(c);
  c.threads = 3;
  const PropagationReport b = propagate(c);
  EXPECT_EQ(format_json(a), format_json(b));
  EXPECT_EQ(format_text(a), format_text(b));
  EXPECT_EQ(format_markdown(a), format_markdown(b));
}

TEST(Format, TextAndMarkdownShowTheTable) {
  const PropagationReport r = propagate(Config("kaiming_normal", "relu", 3, 32, 4, 2));
  const std::string t = format_text(r);
  EXPECT_NE(t.find("forward q = E[z^2]"), std::string::npos);
  EXPECT_NE(t.find("phenomena"), std::string::npos);
  EXPECT_NE(t.find("2.000e+00"), std::string::npos);  // q = 2 at He
  const std::string m = format_markdown(r);
  EXPECT_NE(m.find("| layer | q theory |"), std::string::npos);
  EXPECT_NE(m.find("|---:|"), std::string::npos);
  EXPECT_EQ(std::count(m.begin(), m.end(), '\n') > 8, true);
}

TEST(Propagate, BadInputThrows) {
  PropagationConfig c = Config("kaiming_normal", "relu", 3, 32, 4, 2);
  c.band_low = 0.9;
  c.band_high = 0.1;
  EXPECT_THROW(propagate(c), Error);
  c = Config("kaiming_normal", "relu", 0, 32, 4, 2);
  EXPECT_THROW(propagate(c), Error);
  c = Config("dirac", "relu", 3, 32, 4, 2);
  EXPECT_THROW(propagate(c), Error);
}

}  // namespace
}  // namespace initcheck::propagation
