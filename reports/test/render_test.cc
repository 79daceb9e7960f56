// The renderers read only JSON: benchmarks.md's targets (f64 against the
// f64 memset, peers columns, "not installed"), the schema checks, and a
// conformance / frameworks table from hand-written products.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

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

}  // namespace
}  // namespace initcheck::report
