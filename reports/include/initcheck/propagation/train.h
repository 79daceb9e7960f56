// File: initcheck/propagation/train.h
//
// Training a small fully connected network with SGD on a synthetic task, to
// measure what initialization does to learning (the "training, measured"
// and "zero init never breaks symmetry" sections of variance_propagation.md).
//
// Network: depth L weight layers, input d -> n -> ... -> n -> outputs,
//   z^l = W^l h^{l-1} + b^l, h^l = phi(z^l) for l < L, output z^L (linear);
//   every W^l is drawn by lib's fill of `init` on the torch shape
//   [out, in] (so xavier_* sees fan_in != fan_out at the first and last
//   layer), biases start at 0 and are trained.
// Task (fixed by data_seed, drawn with lib's fills):
//   inputs x ~ N(0, I_d);
//   kClassification: C classes, label = argmax_c (T2 relu(T1 x))_c with a
//     random teacher T1 ~ N(0, s^2/d) [t x d] (s = teacher_scale), T2 ~
//     N(0, 1/t) [C x t];
//     loss = softmax cross-entropy (mean over the batch);
//   kRegression: one output, y = T2 tanh(T1 x), T2 [1 x t]; loss = mean of
//     (f(x) - y)^2 / 2.
// Optimizer: SGD with momentum as PyTorch's torch.optim.SGD (v = mu v + g,
//   theta -= lr v), minibatches drawn with replacement from the training set
//   by a Philox stream of `seed`.
// Arithmetic: float; every run is single-threaded with a fixed operation
// order, so a run is a pure function of its configuration. With
// exact_symmetry the products are plain loops that compute every hidden unit
// with the same operations in the same order (Eigen's GEMM treats the last
// rows of a panel differently, which breaks an exact tie between identical
// units at the rounding level); identical units then stay bitwise identical.
#ifndef INITCHECK_PROPAGATION_TRAIN_H_
#define INITCHECK_PROPAGATION_TRAIN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "initcheck/propagation/activation.h"

namespace initcheck::propagation {

enum class TaskKind { kClassification, kRegression };

struct TrainConfig {
  int depth = 3;       // weight layers (hidden layers = depth - 1)
  int64_t width = 64;  // hidden units per layer
  int64_t input_dim = 16;
  int64_t classes = 10;  // outputs of a classification task
  int64_t teacher_width = 32;
  double teacher_scale = 1.0;  // T1 ~ N(0, teacher_scale^2 / d)
  TaskKind task = TaskKind::kClassification;
  std::string init = "kaiming_normal(nonlinearity=relu)";  // every layer
  Activation activation = Activation::make(ActivationKind::kRelu);
  int64_t train_size = 4096, test_size = 1024;
  int64_t batch = 64;
  int steps = 300;
  double learning_rate = 0.01;
  double momentum = 0.9;
  int eval_every = 10;          // test loss / error and unit spread every this many steps
  uint64_t seed = 0;            // weights (streams 1..L) and minibatches (stream 1000)
  uint64_t data_seed = 0;       // task: teacher and data
  bool exact_symmetry = false;  // plain-loop products (see header)
};

struct TrainResult {
  // Evaluation points: step 0 (before training) and every eval_every steps,
  // and the last step.
  std::vector<int> step;
  std::vector<double> train_loss;  // mean minibatch loss since the previous point
                                   // (at step 0: the loss of the training set)
  std::vector<double> test_loss;   // on the test set
  std::vector<double> test_error;  // classification error on the test set (NaN for
                                   // regression)
  // unit_spread[l][t]: hidden layer l + 1 (1..L-1), evaluation t: the RMS
  // distance of the units' incoming weight vectors (row of W with its bias)
  // from their mean, sqrt((1/n) sum_i |w_i - w_bar|^2); exactly 0 when all
  // units are identical.
  std::vector<std::vector<double>> unit_spread;
  // distinct_units[l][t]: number of distinct incoming weight vectors (exact
  // equality) of hidden layer l + 1.
  std::vector<std::vector<int64_t>> distinct_units;
  // RMS of the entries of dL/dW^l on the first minibatch, l = 1..L (index
  // l - 1): how much gradient each layer gets at initialization.
  std::vector<double> initial_grad_rms;
  double baseline_loss = 0;  // loss of the best constant prediction (class
                             // frequencies / mean of y) on the test set
  bool diverged = false;     // a loss became NaN or infinite (training stopped)
};

// Throws Error for a bad configuration.
TrainResult train_mlp(const TrainConfig& config);

}  // namespace initcheck::propagation

#endif  // INITCHECK_PROPAGATION_TRAIN_H_
