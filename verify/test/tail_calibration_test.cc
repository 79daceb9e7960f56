// The tail-calibration study (tail_calibration.h), quick version (label
// "calibration"): the default cases at 1/500 of the full sample counts (a
// few seconds; catches only gross miscalibration, e.g. a ratio of 4 at
// alpha = 1e-3), the machinery's negative and positive controls, exact
// cases against independent derivations, determinism across thread counts
// and the JSON (the table is rendered from it by `initcheck report`,
// reports/src/report/tail_render.cc). The full study: `make
// tail-calibration` (reports/data/tail_calibration.json).
//
// False alarms: run_tail_calibration flags a cell only when its count has
// binomial probability < meta_alpha = 1e-6 at 1.5x the nominal rate; ~100
// cells, so a correctly calibrated battery fails the quick run with
// probability < 1e-4. The controls are stated where they are made.
#include "initcheck/verify/tail_calibration.h"

#include <gtest/gtest.h>

#include <boost/math/distributions/binomial.hpp>
#include <cmath>
#include <nlohmann/json.hpp>

#include "initcheck/error.h"
#include "seed_util.h"

namespace initcheck::verify {
namespace {

constexpr uint64_t kTailSeed = 20261204;

TailCalibrationOptions Quick() {
  TailCalibrationOptions o;
  o.base_seed = testing::base_seed(kTailSeed);
  o.scale = testing::full_mode() ? 0.05 : 0.002;
  o.threads = 2;
  return o;
}

TEST(TailCalibration, QuickRunHasNoExceedance) {
  const TailCalibrationResults r = run_tail_calibration(Quick());
  EXPECT_TRUE(r.pass) << tail_failures(r)
                      << testing::seed_note(r.options.base_seed);
  EXPECT_EQ(r.cases.size(), default_tail_cases().size());
  for (const TailCaseResult& c : r.cases) {
    EXPECT_FALSE(c.tests.empty()) << c.label;
    for (const TailTestResult& t : c.tests) {
      ASSERT_EQ(t.rates.size(), 3u) << c.label << " " << t.name;
    }
  }
}

// A synthetic "test" with p = U / 4 rejects at 4x the nominal rate. With K
// = 40000 at alpha = 1e-3 it expects 160 counts; the study flags counts of
// about 100 or more (P(Bin(40000, 1.5e-3) >= 100) < 1e-6), which 160 misses
// with probability ~1e-6 (normal approximation, z = -4.8). A calibrated one
// (p = U) is flagged with probability <= 1e-6 per alpha.
TEST(TailCalibration, NegativeAndPositiveControls) {
  auto synthetic = [](double factor) {
    TailCase c;
    c.label = factor == 1 ? "calibrated" : "miscalibrated";
    c.data = "U(0,1) p-values";
    c.method = "p = U * factor";
    c.n = 1;
    c.samples = 40000;
    c.tests = {"p"};
    c.simulate = [factor](uint64_t seed, uint64_t index, double,
                          std::span<double> p) {
      // SplitMix64 of (seed, index): a uniform in (0, 1).
      uint64_t z = seed + 0x9e3779b97f4a7c15ull * (index + 1);
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      z ^= z >> 31;
      p[0] = factor * (static_cast<double>(z >> 11) + 0.5) * 0x1p-53;
    };
    return c;
  };
  TailCalibrationOptions o;
  o.base_seed = testing::base_seed(kTailSeed);
  o.threads = 2;
  const TailCalibrationResults r =
      run_tail_calibration(o, {synthetic(1.0), synthetic(0.25)});
  ASSERT_EQ(r.cases.size(), 2u);
  const TailRate& good = r.cases[0].tests[0].rates[0];
  const TailRate& bad = r.cases[1].tests[0].rates[0];
  EXPECT_FALSE(good.exceeds) << good.ratio;
  EXPECT_TRUE(bad.exceeds) << bad.ratio;
  EXPECT_FALSE(r.pass);
  EXPECT_NE(tail_failures(r).find("miscalibrated p at alpha 0.001"),
            std::string::npos)
      << tail_failures(r);
  // The JSON the reports read says so too.
  const nlohmann::json j = nlohmann::json::parse(to_json(r));
  EXPECT_FALSE(j["pass"].get<bool>());
  EXPECT_FALSE(j["cases"][0]["tests"][0]["rates"][0]["exceeds"].get<bool>());
  EXPECT_TRUE(j["cases"][1]["tests"][0]["rates"][0]["exceeds"].get<bool>());
}

// The exact cases against independent derivations: the sign test with k =
// 16 rejects at alpha = 1e-3 exactly when pos is 0, 1, 15 or 16 (2 P(Bin
// <= 1) = 34/65536 = 5.2e-4 <= 1e-3 < 2 P(Bin <= 2) = 274/65536), rate
// 34/65536. The variance test on normal data: its simulated rate agrees
// with the chi-square computation (99.9999% Clopper-Pearson interval).
TEST(TailCalibration, ExactCases) {
  TailCalibrationOptions o = Quick();
  o.cases = {"haar_signs", "normal_n10000_moments"};
  o.scale = 0.01;  // 3 10^5 draws of the chi-square statistic
  const TailCalibrationResults r = run_tail_calibration(o);
  ASSERT_EQ(r.cases.size(), 2u);
  const TailRate& k16 = r.cases[1].tests[0].rates[0];
  ASSERT_EQ(r.cases[1].tests[0].name, "haar_signs_k16");
  EXPECT_NEAR(k16.exact_ratio, 34.0 / 65536 / 1e-3, 1e-12);
  for (const TailTestResult& t : r.cases[1].tests) {
    for (const TailRate& a : t.rates) {
      EXPECT_LE(a.exact_ratio, 1.0) << t.name << " " << a.alpha;
    }
  }
  const TailTestResult& var = r.cases[0].tests[0];
  ASSERT_EQ(var.name, "variance");
  const TailRate& a = var.rates[0];  // alpha 1e-3: ~300 expected
  const Interval ci =
      clopper_pearson(a.count, r.cases[0].samples, 1 - 1e-6);
  EXPECT_GE(a.exact_ratio * a.alpha, ci.low);
  EXPECT_LE(a.exact_ratio * a.alpha, ci.high);
}

TEST(TailCalibration, DeterministicAcrossThreads) {
  TailCalibrationOptions o = Quick();
  o.cases = {"uniform_n1000_independence", "f16_uniform_n1000"};
  o.scale = 0.001;
  o.threads = 1;
  const std::string one = to_json(run_tail_calibration(o));
  o.threads = 3;
  EXPECT_EQ(one, to_json(run_tail_calibration(o)));
}

TEST(TailCalibration, Json) {
  TailCalibrationOptions o = Quick();
  o.cases = {"haar_signs"};
  const std::string text = to_json(run_tail_calibration(o));
  const nlohmann::json j = nlohmann::json::parse(text);
  EXPECT_EQ(j["schema"], "initcheck.tail_calibration/1");
  for (const char* key : {"base_seed", "scale", "alphas", "max_ratio",
                          "meta_alpha", "confidence", "pass", "cases"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  const auto& rate = j["cases"][0]["tests"][0]["rates"][0];
  for (const char* key : {"alpha", "count", "expected", "ratio", "ci_low",
                          "ci_high", "exact_ratio", "p_exceed", "exceeds",
                          "suspect"}) {
    EXPECT_TRUE(rate.contains(key)) << key;
  }
  // An exact case: no count, the ratio is the exact one.
  EXPECT_EQ(j["cases"][0]["samples"], 0);
  EXPECT_TRUE(rate["count"].is_null());
  EXPECT_EQ(rate["ratio"], rate["exact_ratio"]);
}

}  // namespace
}  // namespace initcheck::verify
