// File: initcheck/propagation/simulate.h
//
// Monte-Carlo simulation of the network of mean_field.h (same conventions):
// K independent networks ("seeds"), each fed a batch of B inputs, forward and
// backward, in double precision with Eigen's GEMM.
//
// Randomness: everything is drawn by lib's fills (initcheck/fill.h), so a run
// is a pure function of its configuration. Network k uses seed base_seed + k
// and these streams:
//   weights of layer l (1..L)   scheme on [n, n] (torch [out, in]), stream l
//   biases of layer l           normal(std = bias_std) on [n], stream
//                               kBiasStreamBase + l  (only when bias_std > 0)
//   inputs x (B x n)            normal(std = 1) on [B, n], stream kInputStream
//   output gradient dL/dh^L     normal(std = 1) on [B, n], stream kOutputGradStream
//
// What is measured (research note section 1): per network and per input b,
// the second moment over units (1/n) sum_i (z^l_{ib})^2, averaged over the
// batch -- not the per-unit variance across the batch, which is q (1 - c) and
// goes to 0 as inputs become correlated. The backward figure is the same for
// delta^l = dL/dz^l, with delta^L = phi'(z^L) * r, r ~ N(0, I) independent of
// the network (a random read-out, so that the gradient-independence
// assumption of mean-field theory holds in the limit; Yang 2019).
//
// Determinism: networks are computed independently, each by one oneTBB task
// (a task_arena of `threads` workers, grain 1) with Eigen's own threading off
// and sums in a fixed order, and stored by seed index; so the result does not
// depend on `threads`.
//
// Overflow / underflow: when a network's figure passes 1e300 (or is not
// finite) the layer is marked kExploded and the pass stops (later layers
// kExploded; a stopped forward pass leaves the whole backward pass kMissing).
// When it falls below 1e-300 the layer is marked kVanished and the values are
// flushed to exact zeros, which propagate cheaply (phi(0) is still applied:
// a sigmoid layer recovers from a vanished input).
#ifndef INITCHECK_PROPAGATION_SIMULATE_H_
#define INITCHECK_PROPAGATION_SIMULATE_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "initcheck/propagation/activation.h"
#include "initcheck/scheme.h"

namespace initcheck::propagation {

inline constexpr uint64_t kBiasStreamBase = uint64_t{1} << 32;
inline constexpr uint64_t kInputStream = uint64_t{1} << 33;
inline constexpr uint64_t kOutputGradStream = (uint64_t{1} << 33) + 1;

// A unit counts as saturated when |phi'(z)| < this (saturating phi only).
inline constexpr double kSaturationThreshold = 1e-3;
// Overflow / underflow limits of a layer figure.
inline constexpr double kExplodeLimit = 1e300;
inline constexpr double kVanishLimit = 1e-300;

enum class LayerStatus : uint8_t { kOk, kVanished, kExploded, kMissing };

struct SimulationConfig {
  Scheme weights = Scheme::parse("lecun_normal");
  Activation activation;
  int depth = 50;
  int64_t width = 512;
  int64_t batch = 256;
  int seeds = 8;
  double bias_std = 0;
  uint64_t base_seed = 0;
  int threads = 0;  // 0: all cores; never changes the result
  // Keep every layer's weights for the backward pass when L n^2 8 bytes x
  // (parallel networks) fits in this budget; otherwise they are drawn again.
  int64_t weight_memory_budget = int64_t{768} << 20;
  // Called after each layer of each pass with (done, total) work units
  // (total = 2 L K); serialized, from worker threads.
  std::function<void(int64_t, int64_t)> progress;
};

// One network's figures at one layer. NaN where not applicable or missing.
struct SeedLayer {
  double forward = 0;          // mean_b (1/n) sum_i z_{ib}^2
  double forward_single = 0;   // the same for input 0 only
  double backward = 0;         // mean_b (1/n) sum_i delta_{ib}^2
  double backward_single = 0;  // input 0 only
  double unit_mean = 0;        // mean_{b,i} z_{ib}: 0 +- sqrt(q / n) (a large value
                               // flags nonzero-mean weights or biases)
  double post_mean = 0;        // mean_{b,i} h_{ib}
  double post_second = 0;      // mean_{b,i} h_{ib}^2
  double weight_grad = 0;      // mean_b (|delta_b|^2 / n)(|h^{l-1}_b|^2 / n): the
                               // second moment of dL_b/dW^l entries per input
  double saturated = 0;        // fraction of (unit, input) with |phi'| < 1e-3
                               // (NaN unless phi saturates)
  double dead = 0;             // fraction of units with phi(z) = 0 for every
                               // input in the batch (NaN unless relu)
  double inactive = 0;         // fraction of (unit, input) with z <= 0, the
                               // zero-derivative side of relu (NaN unless relu
                               // or leaky_relu)
  bool weight_grad_zero = false;  // dL_b/dW^l is exactly 0 for every input b
                                  // (delta^l = 0 or h^{l-1} = 0 exactly)
  int64_t distinct_units = 0;  // distinct rows of z^l over the batch
  int64_t distinct_gradients = 0;  // distinct rows of delta^l
  LayerStatus forward_status = LayerStatus::kMissing;
  LayerStatus backward_status = LayerStatus::kMissing;
};

struct SeedRun {
  uint64_t seed = 0;
  std::vector<SeedLayer> layers;  // index l - 1
};

struct SimulationResult {
  std::vector<SeedRun> runs;  // index k: seed base_seed + k
  double seconds = 0;         // wall time (not part of any output file)
};

// Throws Error for a bad configuration (depth, width, batch, seeds out of
// range, bias_std < 0, a scheme lib cannot use on [n, n], or a run that would
// need more than 8 GiB).
SimulationResult simulate(const SimulationConfig& config);

// Number of distinct rows of the column-major rows x cols matrix `m`, two
// rows being equal when they differ by at most tol in every column.
int64_t count_distinct_rows(const double* m, int64_t rows, int64_t cols, double tol);

}  // namespace initcheck::propagation

#endif  // INITCHECK_PROPAGATION_SIMULATE_H_
