// The training studies: symmetry (zero / constant init) and He vs Xavier on
// deep relu MLPs (see study.h, train.h).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <string>
#include <vector>

#include "initcheck/propagation/train.h"
#include "study_internal.h"

namespace initcheck::propagation::study {
namespace {

Json RunJson(const TrainResult& r) {
  Json j;
  j["step"] = Ints(r.step);
  j["train_loss"] = Nums(r.train_loss);
  j["test_loss"] = Nums(r.test_loss);
  return j;
}

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? std::nan("") : s / double(v.size());
}

}  // namespace

// Zero and constant init never break symmetry: every hidden unit of a layer
// starts with the same incoming weights, so it computes the same value and
// receives the same gradient, and stays the same forever (exact_symmetry
// makes the arithmetic honour that bit for bit).
Json Symmetry(const StudyOptions& o) {
  TrainConfig base;
  base.task = TaskKind::kRegression;
  base.depth = 3;  // 2 hidden layers
  base.width = 64;
  base.input_dim = 8;
  base.teacher_width = 16;
  base.teacher_scale = 3.0;  // saturating teacher units: far from a linear function
  base.train_size = 512;
  base.test_size = 256;
  base.batch = 32;
  base.steps = 600;
  base.eval_every = 10;
  base.learning_rate = 0.05;
  base.momentum = 0.9;
  base.data_seed = 5;
  base.exact_symmetry = true;
  int seeds = 3;
  if (o.quick) {
    base.width = 8;
    base.steps = 30;
    base.train_size = 64;
    base.test_size = 32;
    seeds = 2;
  }
  struct Case {
    std::string activation, init, label;
  };
  const std::vector<Case> cases = {
      {"tanh", "zeros", "zeros"},
      {"tanh", "constant(value=0.05)", "constant 0.05"},
      {"tanh", "xavier_normal", "Xavier normal"},
      {"relu", "zeros", "zeros"},
      {"relu", "constant(value=0.05)", "constant 0.05"},
      {"relu", "kaiming_normal(nonlinearity=relu)", "He normal"},
  };
  const int n = static_cast<int>(cases.size()) * seeds;
  std::vector<TrainResult> results(static_cast<size_t>(n));
  std::vector<TrainConfig> configs(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const Case& c = cases[static_cast<size_t>(i / seeds)];
    TrainConfig t = base;
    t.activation = Activation::parse(c.activation);
    t.init = c.init;
    t.seed = static_cast<uint64_t>(i % seeds);
    configs[static_cast<size_t>(i)] = t;
  }
  std::atomic<int64_t> done{0};
  ParallelFor(n, o.threads, [&](int i) {
    results[static_cast<size_t>(i)] = train_mlp(configs[static_cast<size_t>(i)]);
    Progress(o, "symmetry", ++done, n);
  });

  Json j = Header("symmetry", o);
  Json s;
  s["task"] =
      "regression: y = T2 tanh(T1 x), x ~ N(0, I_8), T1 [16 x 8] ~ N(0, 9/8), T2 "
      "[1 x 16] ~ N(0, 1/16); loss = mean (f - y)^2 / 2";
  s["network"] = "8 -> 64 -> 64 -> 1, the same init in every layer, biases 0";
  s["width"] = base.width;
  s["hidden_layers"] = base.depth - 1;
  s["input_dim"] = base.input_dim;
  s["train_size"] = base.train_size;
  s["test_size"] = base.test_size;
  s["batch"] = base.batch;
  s["steps"] = base.steps;
  s["eval_every"] = base.eval_every;
  s["optimizer"] = {{"name", "SGD with momentum (PyTorch semantics)"},
                    {"learning_rate", base.learning_rate},
                    {"momentum", base.momentum}};
  s["arithmetic"] = "float32, plain loops: every unit computed by the same operations";
  s["spread"] =
      "sqrt((1/n) sum_i |w_i - mean_j w_j|^2) over the hidden units' incoming "
      "vectors w_i = (row i of W, b_i)";
  j["settings"] = std::move(s);
  j["seeds"] = {{"data", base.data_seed},
                {"runs", seeds},
                {"rule",
                 "run r: weights of layer l from stream l of seed r, minibatches "
                 "from stream 1000 of seed r"}};
  Json out = Json::array();
  for (size_t ci = 0; ci < cases.size(); ++ci) {
    Json c;
    c["activation"] = cases[ci].activation;
    c["init"] = cases[ci].init;
    c["label"] = cases[ci].label;
    Json runs = Json::array();
    double max_spread = 0, max_spread_last = 0;
    int64_t min_distinct = base.width;
    std::vector<double> final_test;
    for (int k = 0; k < seeds; ++k) {
      const TrainResult& r = results[ci * static_cast<size_t>(seeds) + static_cast<size_t>(k)];
      Json run = RunJson(r);
      run["seed"] = k;
      Json spread = Json::array(), distinct = Json::array();
      for (size_t l = 0; l < r.unit_spread.size(); ++l) {
        spread.push_back(Nums(r.unit_spread[l]));
        distinct.push_back(Ints(r.distinct_units[l]));
        for (double v : r.unit_spread[l]) max_spread = std::max(max_spread, v);
        max_spread_last = std::max(max_spread_last, r.unit_spread[l].back());
        for (int64_t d : r.distinct_units[l]) min_distinct = std::min(min_distinct, d);
      }
      run["spread"] = std::move(spread);
      run["distinct_units"] = std::move(distinct);
      final_test.push_back(r.test_loss.back());
      runs.push_back(std::move(run));
    }
    c["baseline_loss"] = Num(results[ci * static_cast<size_t>(seeds)].baseline_loss);
    c["summary"] = {
        {"max_spread", max_spread},
        {"max_spread_at_end", Num(max_spread_last)},
        {"min_distinct_units", min_distinct},
        {"final_test_loss_mean", Num(Mean(final_test))},
        {"final_test_loss_min", Num(*std::min_element(final_test.begin(), final_test.end()))},
        {"final_test_loss_max", Num(*std::max_element(final_test.begin(), final_test.end()))}};
    c["runs"] = std::move(runs);
    out.push_back(std::move(c));
  }
  j["cases"] = std::move(out);
  return j;
}

// He et al. (2015, Fig. 3) in miniature: deep relu MLPs trained with SGD from
// He (sigma_w^2 = 2) and Xavier (sigma_w^2 = 2 fan_in / (fan_in + fan_out) =
// 1 on the square layers) init. With Xavier the forward signal halves at
// every relu layer and so does the backward one: at init every weight
// gradient is ~2^{-(L-1)/2} of He's, and SGD has to grow the weights out of a
// plateau at the loss of the best constant predictor.
Json Training(const StudyOptions& o) {
  TrainConfig base;
  base.task = TaskKind::kClassification;
  base.width = 64;
  base.input_dim = 32;
  base.classes = 10;
  base.teacher_width = 64;
  base.train_size = 4096;
  base.test_size = 1024;
  base.batch = 64;
  base.steps = 3000;
  base.eval_every = 100;
  base.learning_rate = 0.01;
  base.momentum = 0.9;
  base.data_seed = 1;
  base.activation = Activation::parse("relu");
  std::vector<int> depths = {30, 22};
  int seeds = 5;
  const uint64_t seed0 = 100;
  if (o.quick) {
    base.width = 16;
    base.input_dim = 8;
    base.teacher_width = 16;
    base.train_size = 256;
    base.test_size = 128;
    base.steps = 60;
    base.eval_every = 10;
    depths = {6, 4};
    seeds = 2;
  }
  const std::vector<std::pair<std::string, std::string>> inits = {
      {"kaiming_normal(nonlinearity=relu)", "He"}, {"xavier_normal", "Xavier"}};
  const int per_depth = static_cast<int>(inits.size()) * seeds;
  const int n = static_cast<int>(depths.size()) * per_depth;
  std::vector<TrainConfig> configs(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    TrainConfig t = base;
    t.depth = depths[static_cast<size_t>(i / per_depth)];
    t.init = inits[static_cast<size_t>((i % per_depth) / seeds)].first;
    t.seed = seed0 + static_cast<uint64_t>(i % seeds);
    configs[static_cast<size_t>(i)] = t;
  }
  std::vector<TrainResult> results(static_cast<size_t>(n));
  std::atomic<int64_t> done{0};
  ParallelFor(n, o.threads, [&](int i) {
    results[static_cast<size_t>(i)] = train_mlp(configs[static_cast<size_t>(i)]);
    Progress(o, "training", ++done, n);
  });

  Json j = Header("training", o);
  Json s;
  s["task"] =
      "10-class classification: label = argmax(T2 relu(T1 x)), x ~ N(0, I_32), "
      "teacher T1 [64 x 32] ~ N(0, 1/32), T2 [10 x 64] ~ N(0, 1/64); loss = softmax "
      "cross-entropy";
  s["network"] = "32 -> 64 -> ... -> 64 -> 10, relu, depth = weight layers, biases 0";
  s["depths"] = depths;
  s["width"] = base.width;
  s["input_dim"] = base.input_dim;
  s["classes"] = base.classes;
  s["train_size"] = base.train_size;
  s["test_size"] = base.test_size;
  s["batch"] = base.batch;
  s["steps"] = base.steps;
  s["eval_every"] = base.eval_every;
  s["optimizer"] = {{"name", "SGD with momentum (PyTorch semantics), constant learning rate"},
                    {"learning_rate", base.learning_rate},
                    {"momentum", base.momentum}};
  s["arithmetic"] = "float32, Eigen GEMM, one thread per run";
  s["train_loss"] =
      "mean minibatch loss over the steps since the previous evaluation "
      "(step 0: loss of the whole training set)";
  s["escape"] =
      "first evaluation step whose train_loss is below 0.95 x baseline_loss "
      "(the loss of predicting the training-set class frequencies)";
  j["settings"] = std::move(s);
  std::vector<uint64_t> run_seeds;
  for (int k = 0; k < seeds; ++k) run_seeds.push_back(seed0 + static_cast<uint64_t>(k));
  j["seeds"] = {{"data", base.data_seed},
                {"runs", Ints(run_seeds)},
                {"rule",
                 "run seed r: weights of layer l from stream l, minibatches from "
                 "stream 1000"}};
  Json groups = Json::array();
  for (size_t di = 0; di < depths.size(); ++di) {
    for (size_t ii = 0; ii < inits.size(); ++ii) {
      Json g;
      g["depth"] = depths[di];
      g["init"] = inits[ii].first;
      g["label"] = inits[ii].second;
      Json runs = Json::array();
      std::vector<double> final_err, final_loss;
      int escaped = 0;
      Json escapes = Json::array();
      double baseline = 0;
      for (int k = 0; k < seeds; ++k) {
        const size_t idx = di * static_cast<size_t>(per_depth) + ii * static_cast<size_t>(seeds) +
                           static_cast<size_t>(k);
        const TrainResult& r = results[idx];
        baseline = r.baseline_loss;
        Json run = RunJson(r);
        run["seed"] = configs[idx].seed;
        run["test_error"] = Nums(r.test_error);
        run["initial_grad_rms"] = Nums(r.initial_grad_rms);
        run["diverged"] = r.diverged;
        Json esc = nullptr;
        for (size_t t = 1; t < r.step.size(); ++t) {
          if (r.train_loss[t] < 0.95 * r.baseline_loss) {
            esc = r.step[t];
            break;
          }
        }
        if (!esc.is_null()) ++escaped;
        escapes.push_back(esc);
        run["escape_step"] = esc;
        final_err.push_back(r.test_error.back());
        final_loss.push_back(r.train_loss.back());
        runs.push_back(std::move(run));
      }
      g["baseline_loss"] = Num(baseline);
      g["summary"] = {
          {"escaped", escaped},
          {"runs", seeds},
          {"escape_steps", escapes},
          {"final_test_error", Nums(final_err)},
          {"final_train_loss", Nums(final_loss)},
      };
      g["runs"] = std::move(runs);
      groups.push_back(std::move(g));
    }
  }
  j["groups"] = std::move(groups);
  return j;
}

}  // namespace initcheck::propagation::study
