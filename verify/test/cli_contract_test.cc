// The JSON contract of `initcheck check --format json` (documented in
// initcheck/verify/format.h), checked on the real CLI binary with
// nlohmann_json: every field, its type, null for non-finite numbers and for
// the bounds of unbounded targets, "dof" only where defined, and the exit
// codes 0 / 1 / 2. Inputs: the NumPy-made fixtures (verify/test/data/numpy)
// and a safetensors file written here (tensor names, skipped entries).
//
// The verdicts asserted here are on fixed files: a correct fixture fails only
// if the battery falsely rejects it (probability <= 1e-6 when the fixture was
// made); the mutant fixtures have z-scores above 20.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "initcheck/fill.h"
#include "initcheck/io.h"

namespace initcheck::verify {
namespace {

using nlohmann::json;

struct CliResult {
  int exit_code = -1;
  std::string out;
};

// Runs the CLI through the shell (arguments single-quoted), stdout captured,
// stderr discarded.
CliResult RunCli(const std::vector<std::string>& args) {
  std::string cmd;
  for (const std::string& a : std::vector<std::string>{INITCHECK_CLI_PATH}) {
    cmd.append(1, '\'').append(a).append(1, '\'');
  }
  for (const std::string& a : args) cmd.append(" '").append(a).append(1, '\'');
  cmd.append(" 2>/dev/null");
  CliResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (p == nullptr) return r;
  std::array<char, 4096> buf{};
  size_t got;
  while ((got = fread(buf.data(), 1, buf.size(), p)) > 0)
    r.out.append(buf.data(), got);
  const int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string Fixture(const std::string& name) {
  return std::string(INITCHECK_NUMPY_FIXTURES) + "/" + name;
}


bool IsNumberOrNull(const json& j) { return j.is_number() || j.is_null(); }

// Every field of one entry of "results" (format.h).
void ExpectResultContract(const json& r) {
  for (const char* key :
       {"tensor", "scheme", "shape", "layout", "dtype", "fan_in", "fan_out",
        "n", "target", "sample", "tests", "verdict", "diagnosis"}) {
    ASSERT_TRUE(r.contains(key)) << key << " in " << r.dump();
  }
  EXPECT_TRUE(r["tensor"].is_string() || r["tensor"].is_null());
  EXPECT_TRUE(r["scheme"].is_string());
  EXPECT_TRUE(r["shape"].is_array());
  for (const auto& d : r["shape"]) EXPECT_TRUE(d.is_number_integer());
  EXPECT_TRUE(r["layout"] == "torch" || r["layout"] == "keras" ||
              r["layout"] == "jax");
  EXPECT_TRUE(r["dtype"] == "f32" || r["dtype"] == "f64" ||
              r["dtype"] == "f16" || r["dtype"] == "bf16");
  EXPECT_TRUE(r["fan_in"].is_number_integer() || r["fan_in"].is_null());
  EXPECT_TRUE(r["fan_out"].is_number_integer() || r["fan_out"].is_null());
  EXPECT_TRUE(r["n"].is_number_integer());
  const json& t = r["target"];
  for (const char* key :
       {"family", "mean", "variance", "low", "high", "derivation"}) {
    ASSERT_TRUE(t.contains(key)) << key;
  }
  EXPECT_TRUE(t["family"].is_string());
  EXPECT_TRUE(IsNumberOrNull(t["mean"]));
  EXPECT_TRUE(IsNumberOrNull(t["variance"]));
  EXPECT_TRUE(IsNumberOrNull(t["low"]));
  EXPECT_TRUE(IsNumberOrNull(t["high"]));
  EXPECT_TRUE(t["derivation"].is_string());
  const json& s = r["sample"];
  for (const char* key :
       {"mean", "variance", "min", "max", "excess_kurtosis"}) {
    ASSERT_TRUE(s.contains(key)) << key;
    EXPECT_TRUE(IsNumberOrNull(s[key])) << key;
  }
  ASSERT_TRUE(r["tests"].is_array());
  ASSERT_FALSE(r["tests"].empty());
  for (const json& x : r["tests"]) {
    for (const char* key : {"name", "statistic", "p_value", "adjusted_p_value",
                            "reject", "reliable", "note"}) {
      ASSERT_TRUE(x.contains(key)) << key << " in " << x.dump();
    }
    EXPECT_TRUE(x["name"].is_string());
    EXPECT_TRUE(IsNumberOrNull(x["statistic"]));
    EXPECT_TRUE(IsNumberOrNull(x["p_value"]));
    EXPECT_TRUE(IsNumberOrNull(x["adjusted_p_value"]));
    EXPECT_TRUE(x["reject"].is_boolean());
    EXPECT_TRUE(x["reliable"].is_boolean());
    EXPECT_TRUE(x["note"].is_string());
    // dof only where defined: the chi-square tests (goodness of fit, the
    // exact variance test of a normal target, the Haar entries).
    const bool has_dof = x["name"] == "chi_square" || x["name"] == "haar_entries" ||
                         (x["name"] == "variance" &&
                          x["note"].get<std::string>().find("chi^2") != std::string::npos);
    EXPECT_EQ(x.contains("dof"), has_dof) << x.dump();
    if (x.contains("dof")) {
      EXPECT_TRUE(x["dof"].is_number());
    }
  }
  EXPECT_TRUE(r["verdict"] == "pass" || r["verdict"] == "fail");
  EXPECT_TRUE(r["diagnosis"].is_string());
  EXPECT_EQ(r["verdict"] == "pass", r["diagnosis"] == "");
}

void ExpectTopLevelContract(const json& j) {
  for (const char* key : {"verdict", "alpha", "file", "results", "skipped"}) {
    ASSERT_TRUE(j.contains(key)) << key;
  }
  EXPECT_TRUE(j["verdict"] == "pass" || j["verdict"] == "fail");
  EXPECT_TRUE(j["alpha"].is_number());
  EXPECT_TRUE(j["file"].is_string());
  ASSERT_TRUE(j["results"].is_array());
  ASSERT_TRUE(j["skipped"].is_array());
  bool all = true;
  for (const json& r : j["results"]) {
    ExpectResultContract(r);
    all = all && r["verdict"] == "pass";
  }
  EXPECT_EQ(j["verdict"] == "pass", all);
  for (const json& s : j["skipped"]) {
    EXPECT_TRUE(s.contains("tensor") && s["tensor"].is_string());
    EXPECT_TRUE(s.contains("reason") && s["reason"].is_string());
  }
}

TEST(CheckJsonContract, PassingNpy) {
  const CliResult r =
      RunCli({"check", Fixture("kaiming_uniform_a_sqrt5_conv.npy"),
              "kaiming_uniform(a=sqrt(5))", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const json j = json::parse(r.out);
  ExpectTopLevelContract(j);
  EXPECT_EQ(j["verdict"], "pass");
  EXPECT_EQ(j["alpha"], 1e-6);
  ASSERT_EQ(j["results"].size(), 1u);
  const json& x = j["results"][0];
  EXPECT_TRUE(x["tensor"].is_null());  // a .npy holds one unnamed tensor
  EXPECT_EQ(x["scheme"],
            "kaiming_uniform(a=2.23606797749979, mode=fan_in, "
            "nonlinearity=leaky_relu)");
  EXPECT_EQ(x["shape"], json::array({64, 28, 3, 3}));
  EXPECT_EQ(x["fan_in"], 252);
  EXPECT_EQ(x["fan_out"], 576);
  EXPECT_EQ(x["n"], 64 * 28 * 9);
  EXPECT_EQ(x["target"]["family"], "uniform");
  EXPECT_DOUBLE_EQ(x["target"]["high"].get<double>(), 1 / std::sqrt(252.0));
}

TEST(CheckJsonContract, FailingNpyHasDiagnosis) {
  const CliResult r =
      RunCli({"check", Fixture("he_normal_keras_no_correction.npy"),
              "he_normal", "--layout", "keras", "--format", "json"});
  ASSERT_EQ(r.exit_code, 1) << r.out;
  const json j = json::parse(r.out);
  ExpectTopLevelContract(j);
  EXPECT_EQ(j["verdict"], "fail");
  const json& x = j["results"][0];
  EXPECT_EQ(x["layout"], "keras");
  EXPECT_EQ(x["target"]["family"], "truncated_normal");
  EXPECT_NE(x["diagnosis"].get<std::string>().find("truncation correction"),
            std::string::npos);
  bool variance_rejected = false;
  for (const json& t : x["tests"]) {
    if (t["name"] == "variance") variance_rejected = t["reject"];
  }
  EXPECT_TRUE(variance_rejected);
}

TEST(CheckJsonContract, SafetensorsWithNamesNullsAndSkipped) {
  const std::string path =
      (std::filesystem::temp_directory_path() /
       ("initcheck_contract_" + std::to_string(::getpid()) + ".safetensors"))
          .string();
  const Tensor w = fill(Scheme::parse("xavier_normal"), make_geometry({128, 64}),
                        DType::kF32, {.seed = 3});
  const Tensor q = fill(Scheme::parse("orthogonal"), make_geometry({64, 64}),
                        DType::kBF16, {.seed = 4});
  const Tensor b = fill(Scheme::parse("zeros"), make_geometry({64}), DType::kF16, {});
  write_safetensors(
      path, {{"layer.weight", &w}, {"layer.orth", &q}, {"layer.bias", &b}});
  const CliResult r =
      RunCli({"check", path, "--rule", "*.weight=xavier_normal", "--rule",
              "*.orth=orthogonal", "--format", "json"});
  std::filesystem::remove(path);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const json j = json::parse(r.out);
  ExpectTopLevelContract(j);
  ASSERT_EQ(j["results"].size(), 2u);
  EXPECT_EQ(j["results"][0]["tensor"], "layer.weight");
  EXPECT_EQ(j["results"][0]["target"]["low"], nullptr);  // unbounded normal
  EXPECT_EQ(j["results"][0]["target"]["high"], nullptr);
  EXPECT_EQ(j["results"][1]["tensor"], "layer.orth");
  EXPECT_EQ(j["results"][1]["dtype"], "bf16");
  EXPECT_EQ(j["results"][1]["fan_in"], nullptr);  // orthogonal uses no fans
  ASSERT_EQ(j["skipped"].size(), 1u);
  EXPECT_EQ(j["skipped"][0]["tensor"], "layer.bias");
}

TEST(CheckExitCodes, UsageErrorIsTwoWithNothingOnStdout) {
  const CliResult r =
      RunCli({"check", Fixture("kaiming_uniform_a_sqrt5_conv.npy"),
              "kaiming_unifrom", "--format", "json"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
}

}  // namespace
}  // namespace initcheck::verify
