// Power (mutation) tests, the fast CI subset (label "power"):
//   * every mutant of the catalogue (mutants.h) is rejected by the battery at
//     the default family-wise alpha 1e-6, for 3 fixed seeds, at the size the
//     mutant declares (2^18 elements for all but the two documented
//     exceptions; mutants that are documented limits are skipped with their
//     note);
//   * the correct tensors of the same reference schemes and geometries are
//     not rejected;
//   * run_power_study and its JSON work on a tiny configuration.
// The full study (50 seeds per mutant at 2^18, min n for 99% power) runs from
// initcheck_verify_study / `initcheck report`; INITCHECK_FULL=1 makes this
// test use 20 seeds per mutant.
//
// False alarms. A detection assertion fails only if a mutant escapes at its
// asserted size. The full power study (verify/README.md, "Power table")
// finds min n for 99% power <= 2^17 (half the asserted 2^18) for every
// asserted mutant but two: mean_shift_0p02sd (185,330: at 2^18 the mean
// test's z is 0.02 sqrt(2^18) = 10.2 against Holm's first threshold of
// about 5.4 for 13 tests, escape probability Phi(-4.8) = 6e-7 per seed) and
// keras_torch_backend_truncation_leak (asserted at 2^22, where a leak, which
// the support test always rejects, is missing with probability e^-18). For
// the z-type tests that decide the others, doubling n multiplies the
// effect's z-score by sqrt(2) (by 2^(1/4) for the Haar sign tests, whose
// count is sqrt(n); orthogonal_without_sign_fix has min n = 2^18 / 8, so its
// z still grows 1.68x), which takes the escape probability from 0.01 at min n
// to below 1e-6 at 2^18; the support-type detections (values outside the
// support, identical rows, a wrong zero count) are certain. The
// reference assertions fail a correct scheme with probability <= 1e-6 each
// (one battery at alpha 1e-6).
#include "initcheck/verify/power.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "initcheck/verify/format.h"
#include "initcheck/verify/mutants.h"
#include "seed_util.h"

namespace initcheck::verify {
namespace {

constexpr uint64_t kPowerBaseSeed = 0x90e5eedull;

int SeedsPerMutant() { return testing::full_mode() ? 20 : 3; }

std::string Report(const TensorCheck& c) {
  CheckRun run;
  run.file = "mutant";
  run.checks.push_back(c);
  return format_text(run);
}

class MutantDetection : public ::testing::TestWithParam<std::string> {};

TEST_P(MutantDetection, RejectedAtDefaultAlpha) {
  const Mutant& m = find_mutant(GetParam());
  if (m.assert_detected_at == 0) {
    GTEST_SKIP() << m.name
                 << " is a documented limit of the battery: " << m.limit_note;
  }
  const uint64_t base = testing::base_seed(kPowerBaseSeed);
  for (int i = 0; i < SeedsPerMutant(); ++i) {
    const uint64_t seed = testing::case_seed(base, static_cast<uint64_t>(i));
    const MutantCase c = make_mutant_case(m, m.assert_detected_at, seed);
    const TensorCheck r = check_one(c.tensor, c.scheme, c.geometry);
    EXPECT_FALSE(r.pass) << m.name << " (" << m.bug_reference
                         << ") escaped at n = " << c.tensor.numel() << ", seed "
                         << seed << ", " << testing::seed_note(base) << ":\n"
                         << Report(r);
    EXPECT_FALSE(r.diagnosis.empty()) << m.name;
  }
}

TEST_P(MutantDetection, ReferenceNotRejected) {
  const Mutant& m = find_mutant(GetParam());
  const uint64_t base = testing::base_seed(kPowerBaseSeed);
  const uint64_t seed = testing::case_seed(base, 1000);
  const MutantCase c = make_reference_case(m, int64_t{1} << 18, seed);
  const TensorCheck r = check_one(c.tensor, c.scheme, c.geometry);
  EXPECT_TRUE(r.pass) << "correct " << m.reference_scheme << " rejected, seed "
                      << seed << ", " << testing::seed_note(base) << ":\n"
                      << Report(r);
}

std::vector<std::string> MutantNames() {
  std::vector<std::string> v;
  for (const Mutant& m : mutant_catalogue()) v.push_back(m.name);
  return v;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, MutantDetection,
                         ::testing::ValuesIn(MutantNames()),
                         [](const ::testing::TestParamInfo<std::string>& i) {
                           return i.param;
                         });

TEST(PowerStudy, TinyRunAndJsonSchema) {
  PowerOptions o;
  o.n = 1 << 12;
  o.seeds = 4;
  o.min_n_seeds = 10;
  o.min_n_low = 1 << 8;
  o.min_n_high = 1 << 11;
  o.threads = 1;
  o.mutants = {"variance_passed_as_std", "gain_off_0p01pct"};
  const PowerResults r = run_power_study(o);
  ASSERT_EQ(r.mutants.size(), 2u);
  const MutantPower& a = r.mutants[0];
  // std = 2/(fan_in+fan_out) instead of its square root: detected always.
  EXPECT_EQ(a.at_n.detections, 4);
  EXPECT_EQ(a.reference_rejections, 0);
  ASSERT_TRUE(a.min_n_99.has_value());
  EXPECT_LE(*a.min_n_99, 1 << 11);
  // (At 2^12 the variance test is below its reliable size 10^4 and does not
  // gate; KS sees a 0.015x variance at once.)
  ASSERT_TRUE(a.tests_fired.count("ks"));
  EXPECT_EQ(a.tests_fired.at("ks"), 4);
  // 0.01% off: never at these sizes; no min n.
  const MutantPower& b = r.mutants[1];
  EXPECT_FALSE(b.min_n_99.has_value());
  EXPECT_EQ(b.min_n_trace.size(), 4u);  // 2^8 .. 2^11, each stopped early

  const auto j = nlohmann::json::parse(to_json(r));
  EXPECT_EQ(j.at("schema"), "initcheck.power/1");
  for (const char* key :
       {"alpha", "n", "seeds", "base_seed", "confidence", "min_n", "mutants"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  for (const auto& m : j.at("mutants")) {
    for (const char* key : {"name",
                            "description",
                            "bug_reference",
                            "reference_scheme",
                            "dtype",
                            "mutant_effect",
                            "shape",
                            "layout",
                            "n",
                            "seeds",
                            "detections",
                            "rate",
                            "ci_low",
                            "ci_high",
                            "tests_that_fired",
                            "example_diagnosis",
                            "reference_seeds",
                            "reference_rejections",
                            "min_n_99",
                            "min_n_99_point",
                            "min_n_trace",
                            "assert_detected_at",
                            "limit_note"}) {
      EXPECT_TRUE(m.contains(key)) << key;
    }
    EXPECT_TRUE(m.at("mutant_effect").contains("variance_ratio"));
  }
  EXPECT_TRUE(j["mutants"][1]["min_n_99"].is_null());
  EXPECT_TRUE(j["mutants"][1]["assert_detected_at"].is_null());
}

TEST(PowerStudy, ClopperPearson) {
  // 50 of 50: the two-sided 95% interval is [0.025^(1/50), 1] = [0.9289, 1].
  const Interval a = clopper_pearson(50, 50);
  EXPECT_NEAR(a.low, std::pow(0.025, 1.0 / 50), 1e-12);
  EXPECT_EQ(a.high, 1.0);
  // 0 of 200: [0, 1 - 0.025^(1/200)].
  const Interval b = clopper_pearson(0, 200);
  EXPECT_EQ(b.low, 0.0);
  EXPECT_NEAR(b.high, 1 - std::pow(0.025, 1.0 / 200), 1e-12);
  // 5 of 10: SciPy 1.10 scipy.stats.beta.ppf(0.025, 5, 6) =
  // 0.18708602844739855 and beta.ppf(0.975, 6, 5) = 0.8129139715526015.
  const Interval c = clopper_pearson(5, 10);
  EXPECT_NEAR(c.low, 0.18708602844739855, 1e-12);
  EXPECT_NEAR(c.high, 0.8129139715526015, 1e-12);
  EXPECT_NEAR(binomial_tail_ge(1, 10, 0.1), 1 - std::pow(0.9, 10), 1e-14);
}

}  // namespace
}  // namespace initcheck::verify
