// File: initcheck/propagation/propagate.h
//
// Theory against simulation for one (scheme, activation) pair: what
// `initcheck propagate` prints and what the reports plot.
//
//   PropagationConfig cfg;
//   cfg.weights = Scheme::parse("kaiming_normal");
//   cfg.activation = Activation::parse("relu");
//   PropagationReport r = propagate(cfg);
//   r.layers[l - 1].forward.theory / .mean / .low / .high / .agree
//
// Statistics per layer and direction (Band), over the K networks ("seeds"),
// which are the independent samples (inputs within a network share its
// weights and are correlated):
//   mean, se = sd / sqrt(K), median, [low, high] = the band_low / band_high
//   quantiles (linear interpolation between order statistics), and the mean
//   and sd of log q_hat over seeds.
// Agreement (research note section 6.5):
//   mean test   |mean - theory| <= k se + b theory,
//   log test    |mean(log q_hat) + s^2/2 - log theory| <= k se_log + log(1 + b),
//               se_log^2 = s^2/K + s^4 / (2 (K - 1)), s = sd of log q_hat
//               (the log-normal estimate of log E[q_hat]), used when the
//               predicted Var[log q_hat] (mean_field.h, delta method) exceeds
//               1, i.e. 5 l / n > 1 for ReLU: there the per-network figure is
//               log-normal with CV > 1, the median sits at exp(-Var/2) of
//               theory (Hanin & Nica 2019) and the plain mean is dominated by
//               rare networks.
//   k is the two-sided Student-t quantile with K - 1 degrees of freedom for a
//   per-comparison false-alarm rate `false_alarm` (1e-4 by default; k = 7.9
//   for K = 8, 4.2 for K = 64), so a run with 2 L comparisons has a
//   family-wise false-alarm rate <= 2 L false_alarm (1% at L = 50) when the
//   seed-mean is close to normal.
//   b, the finite-width bias allowance: 0 for positively homogeneous phi
//   (linear, relu, leaky_relu) with sigma_b = 0, whose seed-mean is unbiased
//   at every width (Hanin & Rolnick 2018); otherwise 0.5 l / n forward and
//   0.5 (2 L - l + 1) / n backward (the note's conservative 0.5 sum 1/n_k,
//   counting the layers the backward figure has passed through).
//   agree is empty when no test is possible: no theory, K < 2, or networks
//   that exploded / are missing at that layer.
//
// Verdict of one comparison (one layer, one direction), three-valued:
//   resolves   the test can tell theory from theory x 1.5 and theory / 1.5
//              (kResolveFactor): its acceptance half-width is at most
//              theory (1 - 1/1.5) = theory / 3 (mean test), or log 1.5 (log
//              test). A comparison that cannot resolve a factor 1.5 says
//              little: with 2 networks, k = 6366 standard errors accepts
//              anything.
//   agrees         the seed-mean is inside the acceptance region and the
//                  comparison resolves a factor 1.5;
//   disagrees      the seed-mean is outside the acceptance region (a
//                  rejection at the stated false-alarm rate, whatever the
//                  width of the region);
//   not decidable  no test is possible, or the seed-mean is inside a region
//                  too wide to resolve a factor 1.5.
// Verdict of a (scheme, activation) pair over its 2 L comparisons:
//   disagrees      at least one comparison disagrees;
//   agrees         none disagrees and a strict majority of the comparisons
//                  agree (resolve); the count of undecided ones is reported;
//   not decidable  otherwise (no comparison possible, or most undecided).
// The per-comparison false-alarm rate (1e-4 by default) bounds a pair's
// family-wise false "disagrees" rate by 2 L x 1e-4 (1% at L = 50).
#ifndef INITCHECK_PROPAGATION_PROPAGATE_H_
#define INITCHECK_PROPAGATION_PROPAGATE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "initcheck/propagation/activation.h"
#include "initcheck/propagation/mean_field.h"
#include "initcheck/propagation/simulate.h"
#include "initcheck/scheme.h"

namespace initcheck::propagation {

// The simulated networks (SimulationConfig: weights, activation, depth,
// width, batch, seeds, bias_std, base_seed, threads, progress) and how
// theory and simulation are compared.
struct PropagationConfig : SimulationConfig {
  double band_low = 0.05;     // quantiles of the spread band
  double band_high = 0.95;
  double false_alarm = 1e-4;  // per comparison, two-sided
};

// The factor a comparison must resolve to decide (header comment).
inline constexpr double kResolveFactor = 1.5;

enum class Verdict { kAgrees, kDisagrees, kNotDecidable };
// "agrees", "disagrees", "not decidable".
std::string_view verdict_name(Verdict v);

// The verdict of a pair from its comparison counts (header comment).
Verdict pair_verdict(int comparisons, int agreeing, int disagreeing);

// One figure (forward q or backward g) at one layer.
struct Band {
  double theory = 0;       // NaN when mean-field does not apply; +inf if exploded
  double mean = 0;         // over seeds (vanished networks count as their tiny value)
  double se = 0;           // standard error of the mean over seeds
  double low = 0, high = 0;  // band_low / band_high quantiles over seeds
  double median = 0;
  double log_mean = 0;     // mean over seeds of log q_hat (NaN if any q_hat <= 0)
  double log_sd = 0;       // sd over seeds of log q_hat
  int ok = 0, vanished = 0, exploded = 0, missing = 0;  // networks by status
  std::optional<bool> agree;  // inside the acceptance region (empty: no test)
  bool decisive = false;   // the test resolves a factor kResolveFactor
  Verdict verdict = Verdict::kNotDecidable;
  bool log_test = false;   // which test decided `agree`
  double allowance = 0;    // b
  double z = 0;            // (mean - theory) / se, or its log-domain analogue
};

struct LayerReport {
  int layer = 0;
  Band forward, backward;
  // Post-activation h = phi(z): seed-mean of the network averages vs M(q), V(q).
  double post_mean = 0, post_mean_theory = 0;
  double post_second = 0, post_second_theory = 0;
  double unit_mean = 0;        // seed-mean of mean_{b,i} z (0 +- sqrt(q / (n K)))
  double weight_grad = 0, weight_grad_theory = 0;
  double saturated = 0, saturated_theory = 0;  // NaN unless phi saturates
  double dead = 0;                              // NaN unless relu
  double inactive = 0;                          // NaN unless relu / leaky_relu
  int64_t distinct_units = 0;      // minimum over seeds
  int64_t distinct_gradients = 0;  // minimum over seeds
  // Finite width: sd over seeds of log q_hat for input 0, and its delta-method
  // prediction (mean_field.h).
  double log_sd_single = 0, log_sd_single_predicted = 0;
};

// What the run shows, as numbers (empirical, then theory where it exists).
struct Phenomena {
  // Symmetry (constant or zero init): the fewest distinct hidden units (rows
  // of z^l over the batch; a vanished layer is all zeros, one unit) and
  // gradient rows (rows of delta^l; relu units dead for the whole batch share
  // the zero row) over all layers and networks; `width` means fully broken.
  int64_t min_distinct_units = 0;
  int64_t min_distinct_gradients = 0;
  bool symmetry_broken = true;  // min_distinct_units == width
  // Every layer below the output gets exactly zero weight gradients in every
  // network (zero init).
  bool weight_gradients_zero = false;
  // First layer l with q^l < 1e-30 q^1 (forward), and the last layer l (the
  // first seen going back from the output) with g^l < 1e-30 g^L (backward).
  std::optional<int> forward_vanish_layer, forward_vanish_layer_theory;
  std::optional<int> backward_vanish_layer, backward_vanish_layer_theory;
  // The same with ratios above 1e30, or networks that overflowed 1e300.
  std::optional<int> forward_explode_layer, forward_explode_layer_theory;
  std::optional<int> backward_explode_layer, backward_explode_layer_theory;
  double forward_ratio = 0, forward_ratio_theory = 0;    // q^L / q^1
  double backward_ratio = 0, backward_ratio_theory = 0;  // g^1 / g^L
  double max_saturated = 0, max_saturated_theory = 0;    // NaN unless saturating
  double max_dead = 0;                                   // NaN unless relu
  int vanished_networks = 0, exploded_networks = 0;      // any layer, either pass
  std::optional<bool> agree;  // every tested layer is inside its region (empty if none)
  int layers_checked = 0, layers_disagreeing = 0;  // tested, over both directions
  int layers_inconclusive = 0;  // inside the region, but not decisive
  // The three-valued verdicts (header comment): comparisons = 2 L (both
  // directions, every layer, including those where no test was possible).
  int comparisons = 0, comparisons_agreeing = 0, comparisons_disagreeing = 0;
  int comparisons_undecided = 0;
  Verdict verdict = Verdict::kNotDecidable;
};

struct PropagationReport {
  PropagationConfig config;  // progress cleared
  WeightStats weights;
  bool theory_available = false;
  MeanFieldConfig mean_field;             // valid when theory_available
  std::vector<MeanFieldLayer> theory;     // empty when not available
  FixedPoint fixed_point;                 // valid when theory_available
  SpreadPrediction spread;                // delta-method Var[log q_hat]
  double k = 0;                           // the agreement multiplier
  SimulationResult simulation;            // raw per-network data
  std::vector<LayerReport> layers;
  Phenomena phenomena;
  double theory_seconds = 0;
};

PropagationReport propagate(const PropagationConfig& config);

// The statistics of one figure over seeds (exposed for tests and reports).
// values[k] with status[k]; kMissing / kExploded values are not used in the
// moments. use_log selects the log-domain test.
Band summarize_band(const std::vector<double>& values,
                    const std::vector<LayerStatus>& status, double theory,
                    double allowance, bool use_log, double k, double band_low,
                    double band_high);

// Two-sided Student-t quantile with dof degrees of freedom for false-alarm
// rate alpha (the k of the header comment).
double agreement_multiplier(int seeds, double false_alarm);

// Quantile p of sorted values (linear interpolation, type 7).
double quantile_sorted(const std::vector<double>& sorted, double p);

}  // namespace initcheck::propagation

#endif  // INITCHECK_PROPAGATION_PROPAGATE_H_
