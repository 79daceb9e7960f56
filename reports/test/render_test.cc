// The renderers read only JSON: benchmarks.md's targets (f64 against the
// f64 memset, peers columns, "not installed"), the schema checks, a
// conformance / frameworks table from hand-written products, and
// tail_calibration.md from a hand-written tail_calibration.json (its table,
// headline, and one clear error for a missing, malformed or incomplete file).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "initcheck/error.h"
#include "initcheck/report/render.h"

namespace initcheck::report {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using J = nlohmann::json;

J Bench(const std::string& name, double items_per_second, double real_time = 1,
        const std::string& unit = "ns") {
  return {{"name", name}, {"run_type", "iteration"}, {"items_per_second", items_per_second},
          {"real_time", real_time}, {"time_unit", unit}};
}

std::string TempDir() {
  const auto d = std::filesystem::temp_directory_path() /
                 ("initcheck_render_test_" + std::to_string(::getpid()));
  std::filesystem::create_directories(d);
  return d.string();
}

TEST(BenchmarkRender, TargetsUseTheMemsetOfTheSameDtype) {
  const std::string n = "67108864";
  J bench = {{"context", {{"host_name", "test"}, {"num_cpus", 2}}},
             {"benchmarks",
              {Bench("BM_Memset/" + n, 8e9), Bench("BM_Memset/f64/" + n, 2e9),
               Bench("BM_FillUniform/" + n, 4.4e9), Bench("BM_FillNormal/" + n, 1.2e9),
               Bench("BM_FillTruncNormal/" + n, 1.0e9),
               Bench("BM_FillNormal/f64/" + n, 0.5e9),
               Bench("BM_FillNormal/" + n + "/threads:2/real_time", 3.8e9),
               Bench("BM_VerifyBattery/10000000/iterations:1", 5e7, 0.2, "s")}}};
  J peers = {{"benchmarks",
              {{{"name", "torch.Tensor.normal_/f32"}, {"items_per_second", 2e8}, {"status", "ok"}},
               {{"name", "scipy.stats.kstest+anderson+chisquare/norm"},
                {"items_per_second", nullptr},
                {"status", "not installed"}}}}};
  const std::string dir = TempDir();
  const auto files = render_benchmarks(bench, peers, dir);
  std::filesystem::remove_all(dir);
  ASSERT_GE(files.size(), 2u);
  EXPECT_EQ(files[0].path, "benchmarks.md");
  const std::string& md = files[0].content;
  // The targets table comes first.
  EXPECT_LT(md.find("## Targets"), md.find("## Against PyTorch"));
  EXPECT_THAT(md, HasSubstr("| uniform f32 / memset f32 | ≥ 0.5 | 0.550 | met |"));
  EXPECT_THAT(md, HasSubstr("| normal f32 / memset f32 | ≥ 0.2 | 0.150 | **not met** |"));
  // f64 against the f64 memset (0.5 / 2), never the f32 one (0.5 / 8).
  EXPECT_THAT(md, HasSubstr("| normal f64 / memset f64 | ≥ 0.2 | 0.250 | met |"));
  EXPECT_THAT(md, HasSubstr("| battery on 10⁷ f32 values | ≤ 0.25 s | 0.20 s | met |"));
  EXPECT_THAT(md, HasSubstr("| normal f32 / PyTorch `normal_` | ≥ 5× | 6.0× | met |"));
  EXPECT_THAT(md, HasSubstr("not installed"));
  EXPECT_EQ(files[1].path, "figures/benchmarks_fill.svg");
  EXPECT_THAT(files[1].content, HasSubstr("<svg"));
}

TEST(BenchmarkRender, BothCoresTableFromTheThreadsRuns) {
  J bench = {{"benchmarks",
              {Bench("BM_VerifyBattery/10000000/threads:1/min_time:1.000/real_time", 4e7, 240,
                     "ms"),
               Bench("BM_VerifyBattery/10000000/threads:2/min_time:1.000/real_time", 8e7, 120,
                     "ms"),
               Bench("BM_CheckFile/80000000/threads:2/real_time", 8e7, 1000, "ms"),
               Bench("BM_CheckFile/8000000/threads:1/real_time", 5e7, 160, "ms"),
               Bench("BM_CheckFile/80000000/threads:1/real_time", 4e7, 2000, "ms"),
               Bench("BM_FillNormal/67108864/threads:1/real_time", 1.1e9, 61, "ms"),
               Bench("BM_FillNormal/67108864/threads:2/real_time", 1.9e9, 35, "ms")}}};
  J peers = {{"benchmarks",
              {{{"name", "scipy.stats.kstest+anderson+chisquare/norm"},
                {"items_per_second", 5e6},
                {"status", "ok"}},
               {{"name", "torch.Tensor.normal_/f32/threads:2"},
                {"items_per_second", 2.5e8},
                {"status", "ok"}}}}};
  const std::string dir = TempDir();
  const auto files = render_benchmarks(bench, peers, dir);
  std::filesystem::remove_all(dir);
  const std::string& md = files[0].content;
  EXPECT_THAT(md, HasSubstr("| battery on 10⁷ f32 values | 240 ms | 120 ms | 2.00× |"));
  // Sorted by size; a missing run is a dash, never a made-up ratio.
  const auto small = md.find("safetensors of 8·10⁶ f32 values (8 weights, 8 biases) | 160 ms | "
                             "– | – |");
  const auto large = md.find("safetensors of 8·10⁷ f32 values (8 weights, 8 biases) | 2000 ms | "
                             "1000 ms | 2.00× |");
  EXPECT_NE(small, std::string::npos) << md;
  EXPECT_NE(large, std::string::npos) << md;
  EXPECT_LT(small, large);
  EXPECT_THAT(md, HasSubstr("| normal f32 fill, 64 Mi elements | 61 ms | 35 ms | 1.74× |"));
  // Both cores against PyTorch on two threads: 1.9e9 / 2.5e8.
  EXPECT_THAT(md, HasSubstr("on both cores initcheck's normal fill is 7.6× it"));
  // The 2-thread battery against SciPy's single-threaded tests: 8e7 / 5e6.
  EXPECT_THAT(md, HasSubstr("on both cores the battery is 16.0× their rate"));
}

TEST(BenchmarkRender, WithoutPeersJsonTheColumnsSaySo) {
  J bench = {{"benchmarks", {Bench("BM_Memset/67108864", 8e9),
                             Bench("BM_FillNormal/67108864", 2e9)}}};
  const std::string dir = TempDir();
  const auto files = render_benchmarks(bench, nullptr, dir);
  std::filesystem::remove_all(dir);
  EXPECT_THAT(files[0].content, HasSubstr("no peers.json"));
}

TEST(LoadProduct, WrongSchemaIsOneClearError) {
  const std::string dir = TempDir();
  const std::string path = dir + "/power.json";
  std::ofstream(path) << R"({"schema": "initcheck.calibration/1"})";
  try {
    (void)load_product(path, "initcheck.power/1");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("expected schema \"initcheck.power/1\""));
  }
  std::ofstream(path) << "{not json";
  EXPECT_THROW((void)load_product(path, "initcheck.power/1"), Error);
  std::filesystem::remove_all(dir);
  EXPECT_THROW((void)load_product(path, "initcheck.power/1"), Error);  // missing
}

TEST(ConformanceRender, ResidualsBelowReproduciblePrecisionAreBounds) {
  J test = {{"name", "orthogonality"}, {"statistic", 1.33e-15}, {"p_value", 1.0},
            {"adjusted_p", 1.0}, {"reliable", true}, {"rejected", false}};
  J c = {{"index", 1}, {"scheme", "orthogonal(gain=1)"}, {"layer", "Linear(128, 256)"},
         {"layout", "torch"}, {"shape", {256, 128}}, {"dtype", "f32"}, {"seed", 1000},
         {"n", 32768}, {"target", {{"family", "orthogonal"}, {"derivation", "Haar"}}},
         {"variance_ratio", nullptr}, {"tests", {test}}, {"pass", true}, {"diagnosis", ""}};
  J conf = {{"schema", "initcheck.conformance/1"}, {"commit", "abc1234"},
            {"settings", {{"alpha", 1e-6}}}, {"cases", {c}}};
  J cal = {{"schema", "initcheck.calibration/1"}, {"seeds", 10}, {"base_seed", 1},
           {"n", 1024}, {"meta_alpha", 1e-6}, {"pass", true}, {"cases", J::array()}};
  const auto files = render_conformance(conf, cal);
  const std::string& md = files.at(0).content;
  EXPECT_THAT(md, HasSubstr("commit `abc1234`"));
  EXPECT_THAT(md, HasSubstr("| orthogonality | < 1e-12 |"));
  EXPECT_THAT(md, Not(HasSubstr("1.33e-15")));
  EXPECT_THAT(md, HasSubstr("**1 of 1 cases pass; the battery is calibrated.**"));
}

TEST(FrameworksRender, DeviationsShowTheirEvidence) {
  J t = {{"file", "initializers.safetensors"}, {"name", "he_normal"}, {"scheme", "he_normal"},
         {"made_by", "tf.initializers.heNormal({seed: 121})"}, {"documented", "Keras"},
         {"expect", "fail"}, {"bug", "no 0.8796 correction"}, {"verdict", "fail"},
         {"agrees", true}, {"variance_ratio", 0.7737},
         {"target", {{"family", "truncated_normal"}, {"low", -0.1}, {"high", 0.1}}},
         {"sample", {{"min", -0.09}, {"max", 0.09}}},
         {"tests", {{{"name", "variance"}, {"rejected", true}}}},
         {"diagnosis", "variance 0.774x target"}};
  J fw = {{"schema", "initcheck.frameworks/1"}, {"commit", "abc"},
          {"settings", {{"alpha", 1e-6}}},
          {"frameworks", {{{"framework", "tfjs 4.22.0"}, {"generator", "g"}, {"data_dir", "d"},
                           {"skipped_files", J::array()}, {"tensors", {t}}}}}};
  const std::string md = render_frameworks(fw).at(0).content;
  EXPECT_THAT(md, HasSubstr("| `he_normal` | `he_normal` | **fail** | fail | var × 0.774"));
  EXPECT_THAT(md, HasSubstr("Known deviation: no 0.8796 correction"));
}


// A small tail_calibration.json: a simulated case whose first test exceeds
// at 1e-3 and is suspect at 1e-5, and an exact (enumerated) case.
J TailRate(double alpha, J count, double ratio, double lo, double hi, bool exceeds,
           bool suspect, J exact = nullptr) {
  return {{"alpha", alpha}, {"count", count}, {"expected", 0}, {"ratio", ratio},
          {"ci_low", lo}, {"ci_high", hi}, {"exact_ratio", exact}, {"p_exceed", 0.5},
          {"exceeds", exceeds}, {"suspect", suspect}};
}

J TailFixture() {
  J sim = {{"label", "uniform_n1000_gof"}, {"data", "U(0,1)"}, {"n", 1000},
           {"samples", 4000000}, {"method", "spacings"},
           {"tests",
            {{{"name", "ks"},
              {"rates",
               {TailRate(1e-3, 8400, 2.1, 2.06, 2.15, true, false),
                TailRate(1e-4, 410, 1.025, 0.93, 1.13, false, false),
                TailRate(1e-5, 80, 2.0, 1.59, 2.49, false, true)}}},
             {{"name", "mean"},
              {"rates",
               {TailRate(1e-3, 4000, 1.0, 0.97, 1.03, false, false),
                TailRate(1e-4, 396, 0.99, 0.89, 1.09, false, false),
                TailRate(1e-5, 38, 0.95, 0.67, 1.30, false, false)}}}}}};
  J exact = {{"label", "haar_signs"}, {"data", "signs"}, {"n", 0}, {"samples", 0},
             {"method", "enumeration"},
             {"tests",
              {{{"name", "haar_signs_k16"},
                {"rates",
                 {TailRate(1e-3, nullptr, 0.518798828125, 0.518798828125, 0.518798828125, false,
                           false, 0.518798828125),
                  TailRate(1e-4, nullptr, 0.30517578125, 0.30517578125, 0.30517578125, false,
                           false, 0.30517578125),
                  TailRate(1e-5, nullptr, 0.0, 0.0, 0.0, false, false, 0.0)}}}}}};
  return {{"schema", "initcheck.tail_calibration/1"}, {"base_seed", 20261203}, {"scale", 1},
          {"alphas", {1e-3, 1e-4, 1e-5}}, {"max_ratio", 1.5}, {"meta_alpha", 1e-6},
          {"confidence", 0.95}, {"pass", false}, {"cases", {sim, exact}},
          {"commit", "abc1234"}};
}

TEST(TailCalibrationRender, TableHeadlineAndProvenance) {
  const auto files = render_tail_calibration(TailFixture());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].path, "tail_calibration.md");
  const std::string& md = files[0].content;
  EXPECT_THAT(md, HasSubstr("commit `abc1234`"));
  EXPECT_THAT(md, HasSubstr("base seed 20261203"));
  EXPECT_THAT(md, HasSubstr("--scale 1`"));
  EXPECT_THAT(md, HasSubstr("| case | test | α = 10⁻³ | α = 10⁻⁴ | α = 10⁻⁵ | verdict |"));
  // The exceeding test: bold cell, EXCEEDS (the suspect cell does not hide it).
  EXPECT_THAT(md, HasSubstr("| uniform_n1000_gof | ks | **2.10 (2.06–2.15)** | 1.02 (0.93–1.13) "
                            "| 2.00 (1.59–2.49) | **EXCEEDS** |"));
  // The case label only on its first row.
  EXPECT_THAT(md, HasSubstr("|  | mean | 1.00 (0.97–1.03) | 0.99 (0.89–1.09) | 0.95 (0.67–1.30) "
                            "| ok |"));
  EXPECT_THAT(md, HasSubstr("| haar_signs | haar_signs_k16 | 0.52 exact | 0.31 exact | 0.00 exact "
                            "| ok (exact) |"));
  // Headline: the verdict and the largest ratio per alpha, with where.
  EXPECT_THAT(md, HasSubstr("**Verdict: FAIL. 9 cells (3 case × test rows × 3 levels): 1 exceed, "
                            "1 suspect.**"));
  EXPECT_THAT(md, HasSubstr("- α = 10⁻³: 2.10 (uniform_n1000_gof `ks`)"));
  EXPECT_THAT(md, HasSubstr("- α = 10⁻⁴: 1.02 (uniform_n1000_gof `ks`)"));
  EXPECT_THAT(md, HasSubstr("- α = 10⁻⁵: 2.00 (uniform_n1000_gof `ks`)"));
  EXPECT_THAT(md, HasSubstr("K = 4 000 000 samples (40 expected rejections at α = 10⁻⁵)"));
  EXPECT_THAT(md, HasSubstr("no simulation (exact law)"));
  // At most 6 columns (GitHub width): the header row has 7 pipes.
  const size_t head = md.find("| case | test |");
  const std::string header = md.substr(head, md.find('\n', head) - head);
  EXPECT_EQ(std::count(header.begin(), header.end(), '|'), 7) << header;
}

TEST(TailCalibrationRender, IncompleteJsonIsOneClearError) {
  J t = TailFixture();
  t["cases"][0]["tests"][0]["rates"].erase(2);  // one rate short of the alphas
  try {
    (void)render_tail_calibration(t);
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_THAT(what, HasSubstr("tail_calibration.json: malformed:"));
    EXPECT_THAT(what, HasSubstr("uniform_n1000_gof"));
    EXPECT_EQ(what.find('\n'), std::string::npos);
  }
  J u = TailFixture();
  u.erase("alphas");
  EXPECT_THROW((void)render_tail_calibration(u), Error);
  J v = TailFixture();
  v["cases"][1]["tests"][0]["rates"][0]["exceeds"] = "no";
  EXPECT_THROW((void)render_tail_calibration(v), Error);
}

// --only tail_calibration on a data directory whose tail_calibration.json
// is missing, not JSON, or of another schema: one line naming the file, and
// nothing rendered.
TEST(TailCalibrationRender, MissingOrMalformedFileFailsBeforeRendering) {
  const std::string dir = TempDir();
  RenderOptions o;
  o.data_dir = dir;
  o.only = {"tail_calibration"};
  auto error_of = [&] {
    try {
      (void)render_reports(o);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(error_of(), HasSubstr(dir + "/tail_calibration.json: cannot open"));
  std::ofstream(dir + "/tail_calibration.json") << R"({"schema": "initcheck.tail_calibration/1", )";
  EXPECT_THAT(error_of(), HasSubstr("tail_calibration.json: not valid JSON"));
  std::ofstream(dir + "/tail_calibration.json") << R"({"schema": "initcheck.power/1"})";
  EXPECT_THAT(error_of(), HasSubstr("expected schema \"initcheck.tail_calibration/1\""));
  std::ofstream(dir + "/tail_calibration.json") << TailFixture().dump();
  const auto files = render_reports(o);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].path, "tail_calibration.md");
  std::filesystem::remove_all(dir);
}

// A bug already caught at the first size the search tried has no curve (a
// flat line at 1): power.md names it in a sentence and draws only the others,
// on an x axis that reaches the smallest size tried.
TEST(PowerRender, BugsCaughtAtTheFirstSizeAreListedNotDrawn) {
  auto point = [](int64_t n, int seeds, int det, bool passed) {
    return J{{"n", n}, {"seeds", seeds}, {"detections", det},
             {"rate", double(det) / seeds}, {"ci_low", 0.0}, {"ci_high", 1.0},
             {"passed", passed}};
  };
  auto bug = [&](const std::string& name, J min_n, J trace) {
    return J{{"name", name}, {"description", "d"}, {"bug_reference", "r"},
             {"reference_scheme", "he_normal"}, {"mutant_effect", {{"text", "e"}}},
             {"n", 262144}, {"seeds", 50}, {"detections", 50}, {"rate", 1.0},
             {"ci_low", 0.93}, {"ci_high", 1.0}, {"tests_that_fired", {{"variance", 50}}},
             {"example_diagnosis", ""}, {"limit_note", ""}, {"reference_seeds", 50},
             {"reference_rejections", 0}, {"min_n_99", min_n}, {"min_n_trace", trace}};
  };
  J pw = {{"schema", "initcheck.power/1"}, {"commit", "abc"}, {"alpha", 1e-6},
          {"n", 262144}, {"seeds", 50}, {"base_seed", 1},
          {"min_n", {{"target_power", 0.99}, {"seeds_per_point", 100}, {"max_misses", 1},
                     {"n_low", 256}, {"n_high", 2097152}}},
          {"mutants",
           {bug("flat_bug", 256, {point(256, 100, 100, true)}),
            bug("curved_bug", 16,
                {point(4, 2, 0, false), point(8, 2, 0, false), point(16, 100, 100, true)})}}};
  const std::string dir = TempDir() + "/power_plots";
  std::filesystem::create_directories(dir);
  const auto files = render_power(pw, dir);
  const std::string& md = files.at(0).content;
  EXPECT_THAT(md, HasSubstr("1 of the 2 bugs are already detected"));
  EXPECT_THAT(md, HasSubstr("`flat_bug` (n = 256)"));
  EXPECT_THAT(md, HasSubstr("The panels show the other 1 bugs"));
  ASSERT_EQ(files.size(), 2u);  // power.md and one figure
  const std::string& svg = files.at(1).content;
  EXPECT_THAT(svg, HasSubstr("curved_bug"));
  EXPECT_THAT(svg, Not(HasSubstr("flat_bug")));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace initcheck::report
