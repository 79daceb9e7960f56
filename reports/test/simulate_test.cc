// Monte-Carlo simulation: determinism, exact cases (orthogonal linear
// networks, zero and constant init), overflow / underflow handling.
#include "initcheck/propagation/simulate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>

#include "initcheck/error.h"

namespace initcheck::propagation {
namespace {

SimulationConfig Small(const char* scheme, const char* phi) {
  SimulationConfig c;
  c.weights = Scheme::parse(scheme);
  c.activation = Activation::parse(phi);
  c.depth = 6;
  c.width = 48;
  c.batch = 16;
  c.seeds = 5;
  c.threads = 1;
  return c;
}

bool SameDouble(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

TEST(Simulate, ResultDoesNotDependOnThreadCount) {
  SimulationConfig c = Small("xavier_normal", "tanh");
  c.bias_std = 0.1;
  const SimulationResult a = simulate(c);
  c.threads = 3;
  const SimulationResult b = simulate(c);
  c.threads = 2;
  c.weight_memory_budget = 0;  // weights drawn again in the backward pass
  const SimulationResult d = simulate(c);
  ASSERT_EQ(a.runs.size(), b.runs.size());
  for (const SimulationResult* o : {&b, &d}) {
    for (size_t k = 0; k < a.runs.size(); ++k) {
      EXPECT_EQ(a.runs[k].seed, o->runs[k].seed);
      for (size_t l = 0; l < a.runs[k].layers.size(); ++l) {
        const SeedLayer &x = a.runs[k].layers[l], &y = o->runs[k].layers[l];
        for (auto f : {&SeedLayer::forward, &SeedLayer::forward_single, &SeedLayer::backward,
                       &SeedLayer::backward_single, &SeedLayer::unit_mean, &SeedLayer::post_mean,
                       &SeedLayer::post_second, &SeedLayer::weight_grad, &SeedLayer::saturated}) {
          EXPECT_TRUE(SameDouble(x.*f, y.*f)) << k << " " << l;
        }
        EXPECT_EQ(x.distinct_units, y.distinct_units);
        EXPECT_EQ(x.distinct_gradients, y.distinct_gradients);
      }
    }
  }
  EXPECT_EQ(a.runs[3].seed, 3u);
}

TEST(Simulate, SeedsAreIndependentNetworks) {
  SimulationConfig c = Small("kaiming_normal", "relu");
  c.base_seed = 100;
  const SimulationResult r = simulate(c);
  EXPECT_EQ(r.runs[0].seed, 100u);
  EXPECT_NE(r.runs[0].layers[0].forward, r.runs[1].layers[0].forward);
  // base_seed shifts which networks are drawn: seed 101 is run 1 here and run
  // 0 with base_seed 101.
  c.base_seed = 101;
  const SimulationResult s = simulate(c);
  EXPECT_EQ(s.runs[0].layers[3].forward, r.runs[1].layers[3].forward);
}

// Orthogonal weights preserve norms exactly: a linear network's figure is the
// input's (1/n)|x|^2 at every layer, and the backward figure is |r|^2/n
// (research note 6.5, test T1).
TEST(Simulate, OrthogonalLinearNetworkPreservesNormsExactly) {
  SimulationConfig c = Small("orthogonal", "linear");
  c.depth = 30;
  c.width = 64;
  c.batch = 8;
  c.seeds = 3;
  const SimulationResult r = simulate(c);
  for (const SeedRun& run : r.runs) {
    const double f0 = run.layers[0].forward, b0 = run.layers.back().backward;
    for (const SeedLayer& s : run.layers) {
      EXPECT_NEAR(s.forward / f0, 1.0, 1e-12);
      EXPECT_NEAR(s.backward / b0, 1.0, 1e-12);
      EXPECT_EQ(s.forward_status, LayerStatus::kOk);
    }
  }
}

TEST(Simulate, ZeroInitNeverBreaksSymmetryAndKillsGradients) {
  SimulationConfig c = Small("zeros", "tanh");
  const SimulationResult r = simulate(c);
  for (const SeedRun& run : r.runs) {
    for (int l = 1; l <= c.depth; ++l) {
      const SeedLayer& s = run.layers[static_cast<size_t>(l - 1)];
      EXPECT_EQ(s.forward, 0.0);
      EXPECT_EQ(s.forward_status, LayerStatus::kVanished);
      EXPECT_EQ(s.distinct_units, 1);
      EXPECT_EQ(s.weight_grad, 0.0);  // h^{l-1} = 0 or delta^l = 0
      if (l < c.depth) {
        EXPECT_EQ(s.backward, 0.0);
        EXPECT_EQ(s.backward_status, LayerStatus::kVanished);
      } else {
        // tanh'(0) = 1: delta^L = r.
        EXPECT_GT(s.backward, 0.5);
        EXPECT_EQ(s.backward_status, LayerStatus::kOk);
      }
    }
  }
  // relu: every unit is dead (z = 0 everywhere).
  const SimulationResult d = simulate(Small("zeros", "relu"));
  EXPECT_EQ(d.runs[0].layers[2].dead, 1.0);
}

TEST(Simulate, ConstantInitKeepsUnitsAndGradientsIdentical) {
  SimulationConfig c = Small("constant(value=0.02)", "tanh");
  const SimulationResult r = simulate(c);
  for (const SeedRun& run : r.runs) {
    for (int l = 1; l <= c.depth; ++l) {
      const SeedLayer& s = run.layers[static_cast<size_t>(l - 1)];
      EXPECT_EQ(s.distinct_units, 1) << l;
      EXPECT_GT(s.forward, 0.0);
      // Below the output every unit receives the same gradient; at the output
      // the random read-out differs per unit.
      EXPECT_EQ(s.distinct_gradients, l < c.depth ? 1 : c.width) << l;
    }
  }
  // Random init: every unit distinct.
  const SimulationResult g = simulate(Small("xavier_uniform", "tanh"));
  EXPECT_EQ(g.runs[0].layers[5].distinct_units, 48);
}

TEST(Simulate, BiasOnlyNetwork) {
  SimulationConfig c = Small("zeros", "linear");
  c.bias_std = 0.5;
  c.width = 256;
  const SimulationResult r = simulate(c);
  // z^l = b^l exactly: (1/n) sum b_i^2 ~ 0.25 (chi^2_n / n, sd 0.25 sqrt(2/n)).
  for (const SeedRun& run : r.runs) {
    for (const SeedLayer& s : run.layers) {
      EXPECT_NEAR(s.forward, 0.25, 5 * 0.25 * std::sqrt(2.0 / 256));
      EXPECT_NEAR(s.forward, s.forward_single, 1e-14);  // the same for every input
      EXPECT_EQ(s.distinct_units, 256);
    }
  }
}

// Linear network with N(0, 1) weights at width 64: q grows 64x per layer and
// passes 1e300 near layer 167; the run must mark it exploded, not produce NaN.
TEST(Simulate, OverflowIsMarkedExploded) {
  SimulationConfig c = Small("normal(std=1)", "linear");
  c.width = 64;
  c.depth = 200;
  c.batch = 4;
  c.seeds = 2;
  const SimulationResult r = simulate(c);
  for (const SeedRun& run : r.runs) {
    int first = 0;
    for (int l = 1; l <= c.depth; ++l) {
      const SeedLayer& s = run.layers[static_cast<size_t>(l - 1)];
      EXPECT_FALSE(std::isnan(s.forward)) << l;
      if (s.forward_status == LayerStatus::kExploded && !first) first = l;
      if (first) {
        EXPECT_EQ(s.forward_status, LayerStatus::kExploded);
        EXPECT_TRUE(std::isinf(s.forward));
      } else {
        EXPECT_EQ(s.forward_status, LayerStatus::kOk);
        EXPECT_LE(s.forward, kExplodeLimit);
      }
      EXPECT_EQ(s.backward_status, LayerStatus::kMissing);
    }
    EXPECT_GE(first, 160);
    EXPECT_LE(first, 172);
  }
}

// N(0, 1e-6) weights, linear, width 64: q shrinks 6.4e-5x per layer, below
// 1e-300 near layer 72; later layers are exact zeros, marked vanished; the
// backward pass shrinks the same way from the output.
TEST(Simulate, UnderflowIsMarkedVanished) {
  SimulationConfig c = Small("normal(std=0.001)", "linear");
  c.width = 64;
  c.depth = 120;
  c.batch = 4;
  c.seeds = 2;
  const SimulationResult r = simulate(c);
  for (const SeedRun& run : r.runs) {
    int first = 0, last_b = 0;
    for (int l = 1; l <= c.depth; ++l) {
      const SeedLayer& s = run.layers[static_cast<size_t>(l - 1)];
      EXPECT_FALSE(std::isnan(s.forward));
      EXPECT_FALSE(std::isnan(s.backward));
      if (s.forward_status == LayerStatus::kVanished && !first) first = l;
      if (first) {
        EXPECT_EQ(s.forward_status, LayerStatus::kVanished) << l;
      }
      if (first && l > first) {
        EXPECT_EQ(s.forward, 0.0);
      }
      if (s.backward_status == LayerStatus::kVanished) last_b = l;
    }
    EXPECT_GE(first, 68);
    EXPECT_LE(first, 76);
    EXPECT_GE(last_b, c.depth - 76);
    EXPECT_LE(last_b, c.depth - 68);
  }
}

TEST(Simulate, CountDistinctRows) {
  // 4 x 3 column-major: rows 0 and 2 equal, row 3 within tolerance of row 1.
  const double m[] = {1, 2, 1, 2 + 1e-12, 5, 6, 5, 6, 7, 8, 7, 8};
  EXPECT_EQ(count_distinct_rows(m, 4, 3, 1e-9), 2);
  EXPECT_EQ(count_distinct_rows(m, 4, 3, 0.0), 3);
  EXPECT_EQ(count_distinct_rows(m, 0, 3, 0.0), 0);
}

TEST(Simulate, BadConfigurationsThrow) {
  SimulationConfig c = Small("kaiming_normal", "relu");
  c.depth = 0;
  EXPECT_THROW(simulate(c), Error);
  c = Small("kaiming_normal", "relu");
  c.bias_std = -1;
  EXPECT_THROW(simulate(c), Error);
  c = Small("dirac", "relu");
  EXPECT_THROW(simulate(c), Error);
  c = Small("kaiming_normal", "relu");
  c.width = 4096;
  c.batch = 1 << 20;
  EXPECT_THROW(simulate(c), Error);  // far more than 8 GiB
}

}  // namespace
}  // namespace initcheck::propagation
