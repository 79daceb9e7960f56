// The training code behind the symmetry and training studies, and the data
// products' format. Small configurations: every test runs in well under a
// second.
#include "initcheck/propagation/study.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "initcheck/error.h"
#include "initcheck/propagation/train.h"

namespace initcheck::propagation {
namespace {

TrainConfig Tiny(const std::string& init, const char* phi) {
  TrainConfig c;
  c.task = TaskKind::kRegression;
  c.depth = 3;
  c.width = 12;
  c.input_dim = 5;
  c.teacher_width = 6;
  c.teacher_scale = 3;
  c.train_size = 64;
  c.test_size = 32;
  c.batch = 16;
  c.steps = 40;
  c.eval_every = 10;
  c.learning_rate = 0.05;
  c.init = init;
  c.activation = Activation::parse(phi);
  c.exact_symmetry = true;
  return c;
}

// Identical units get identical gradients: with a constant init the spread of
// the units' incoming weights is exactly 0 after every step, and every unit
// of a layer stays the same (1 distinct row) while the loss still changes.
TEST(Train, ConstantInitNeverBreaksSymmetry) {
  for (const char* phi : {"tanh", "relu"}) {
    const TrainResult r = train_mlp(Tiny("constant(value=0.05)", phi));
    ASSERT_EQ(r.unit_spread.size(), 2u);
    for (size_t l = 0; l < 2; ++l) {
      for (double s : r.unit_spread[l]) EXPECT_EQ(s, 0.0) << phi;
      for (int64_t d : r.distinct_units[l]) EXPECT_EQ(d, 1) << phi;
    }
    EXPECT_NE(r.train_loss.front(), r.train_loss.back()) << phi;  // it did train
  }
}

// Zero init: no signal reaches the hidden layers' weights at all.
TEST(Train, ZeroInitLearnsOnlyTheOutputBias) {
  const TrainResult r = train_mlp(Tiny("zeros", "tanh"));
  for (const auto& layer : r.unit_spread) {
    for (double s : layer) EXPECT_EQ(s, 0.0);
  }
  for (double g : {r.initial_grad_rms[0], r.initial_grad_rms[1], r.initial_grad_rms[2]}) {
    EXPECT_EQ(g, 0.0);  // dL/dW = delta h^T with h = 0 and delta = W^T ... = 0
  }
  // The test loss ends near the best constant prediction (the output bias is
  // the mean of y on the training set): within 25% (32 test examples).
  EXPECT_NEAR(r.test_loss.back() / r.baseline_loss, 1.0, 0.25);
}

TEST(Train, RandomInitBreaksSymmetryAndIsDeterministic) {
  const TrainConfig c = Tiny("xavier_normal", "tanh");
  const TrainResult a = train_mlp(c), b = train_mlp(c);
  EXPECT_GT(a.unit_spread[0].front(), 0.1);
  EXPECT_EQ(a.distinct_units[0].front(), c.width);
  EXPECT_EQ(a.test_loss, b.test_loss);  // bit-identical reruns
  EXPECT_EQ(a.step, (std::vector<int>{0, 10, 20, 30, 40}));
  TrainConfig e = c;
  e.exact_symmetry = false;  // Eigen GEMM path: same math, other rounding
  const TrainResult d = train_mlp(e);
  EXPECT_NEAR(d.test_loss.back(), a.test_loss.back(), 1e-3 * a.test_loss.front());
}

// Classification: Xavier's initial gradient at layer 1 of a deep relu net is
// 2^{-(L-1)/2} of He's (each relu layer halves the forward and the backward
// second moment): L = 12 gives 1/45; the ratio of one minibatch's RMS
// gradients is within a factor 3 of that (fluctuations of one small net).
TEST(Train, XavierGradientsShrinkWithDepthInReluNets) {
  TrainConfig c;
  c.depth = 12;
  c.width = 64;
  c.input_dim = 16;
  c.teacher_width = 16;
  c.train_size = 256;
  c.test_size = 64;
  c.batch = 64;
  c.steps = 1;
  c.eval_every = 1;
  c.init = "kaiming_normal(nonlinearity=relu)";
  const TrainResult he = train_mlp(c);
  c.init = "xavier_normal";
  const TrainResult xa = train_mlp(c);
  const double ratio = xa.initial_grad_rms[0] / he.initial_grad_rms[0];
  const double expected = std::pow(2.0, -(12 - 1) / 2.0);
  EXPECT_GT(ratio, expected / 3) << ratio;
  EXPECT_LT(ratio, expected * 3) << ratio;
}

TEST(Train, BadConfigThrows) {
  TrainConfig c = Tiny("zeros", "tanh");
  c.learning_rate = 0;
  EXPECT_THROW(train_mlp(c), Error);
  c = Tiny("zeros", "tanh");
  c.momentum = 1;
  EXPECT_THROW(train_mlp(c), Error);
  c = Tiny("frobnicate", "tanh");
  EXPECT_THROW(train_mlp(c), Error);
}

TEST(Study, DumpKeepsScalarArraysOnOneLine) {
  nlohmann::ordered_json j;
  j["schema"] = study_schema("grid");
  j["a"] = {1, 2.5, nullptr};
  j["b"] = {{"c", {1, 2}}};
  EXPECT_EQ(dump_study(j),
            "{\n \"schema\": \"initcheck.propagation.grid/1\",\n \"a\": [1, 2.5, null],\n"
            " \"b\": {\n  \"c\": [1, 2]\n }\n}\n");
  EXPECT_EQ(nlohmann::ordered_json::parse(dump_study(j)), j);
}

TEST(Study, UnknownNameListsTheValidOnes) {
  try {
    (void)run_study("grdi", {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("valid: grid, symmetry"), std::string::npos) << e.what();
  }
}

// A quick study is a pure function of its settings: the same bytes for any
// thread count.
TEST(Study, QuickProductsDoNotDependOnThreads) {
  StudyOptions o;
  o.quick = true;
  for (const char* name : {"symmetry", "residual", "saturation"}) {
    o.threads = 1;
    const std::string a = dump_study(run_study(name, o));
    o.threads = 3;
    const std::string b = dump_study(run_study(name, o));
    EXPECT_EQ(a, b) << name;
    EXPECT_NE(a.find(study_schema(name)), std::string::npos);
  }
}

}  // namespace
}  // namespace initcheck::propagation
