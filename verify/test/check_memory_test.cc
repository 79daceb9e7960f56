// check_view / check_tensors (check.h): tensors in memory go through the same
// planning, battery, Holm decision and output as check_file on the same
// values written to a file -- the JSON of both is identical but for the
// "file" field -- and misuse is an Error with one line. MemoryCheckpoint
// (checkpoint.h) hands out the caller's bytes (no copy) and integer entries
// are checked exactly, as a file's (deterministic: no false alarm).
//
// False alarms: the accepting checks run at the default family-wise alpha
// 1e-6 on fixed seeds (deterministic); the rejected tensor is a zeroed
// uniform (values outside nothing but a point mass: KS p ~ 0).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "initcheck/checkpoint.h"
#include "initcheck/error.h"
#include "initcheck/fill.h"
#include "initcheck/io.h"
#include "initcheck/verify/check.h"
#include "initcheck/verify/format.h"

namespace initcheck::verify {
namespace {

namespace fs = std::filesystem;

fs::path TempDir() {
  fs::path d = fs::temp_directory_path() /
               ("initcheck_check_memory_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

// The JSON of a run with the "file" field blanked.
std::string JsonWithoutFile(CheckRun run) {
  run.file = "-";
  return format_json(run);
}

TEST(CheckView, SameReportAsCheckFileOnTheSameValues) {
  const Scheme s = Scheme::parse("kaiming_uniform(a=sqrt(5))");
  const Tensor t = fill(s, make_geometry({64, 32, 3, 3}), DType::kF32, {.seed = 3});
  const fs::path file = TempDir() / "w.npy";
  write_npy(file.string(), t);
  CheckOptions o;
  const CheckRun from_file = check_file(file.string(), s, "", o);
  const CheckRun in_memory = check_view(t.view(), s, o, "w");
  EXPECT_TRUE(in_memory.pass());
  EXPECT_EQ(in_memory.file, "w");
  EXPECT_EQ(JsonWithoutFile(in_memory), JsonWithoutFile(from_file));
  fs::remove_all(file.parent_path());
}

TEST(CheckView, LowPrecisionAndExplicitFans) {
  const Scheme s = Scheme::parse("he_normal");
  const Geometry g = make_geometry({3, 3, 32, 64}, Layout::kKeras);
  const Tensor t = fill(s, g, DType::kBF16, {.seed = 4});
  CheckOptions o;
  o.geometry.layout = Layout::kKeras;
  EXPECT_TRUE(check_view(t.view(), s, o).pass());
  // The same values read with fans 4x too large fail (variance 4x target).
  o.geometry.fan_in = 4 * 288;
  o.geometry.fan_out = 576;
  EXPECT_FALSE(check_view(t.view(), s, o).pass());
}

TEST(CheckView, ErrorsAreOneLineNamingTheLabel) {
  const Scheme s = Scheme::parse("kaiming_uniform");
  std::vector<float> none;
  const TensorView empty{DType::kF32, {0, 3}, nullptr};
  try {
    (void)check_view(empty, s, {}, "x");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "x: tensor has no elements (shape [0, 3])");
  }
  std::vector<float> five(5, 0.5f);
  const TensorView rank1{DType::kF32, {5}, reinterpret_cast<const std::byte*>(five.data())};
  try {
    (void)check_view(rank1, s, {}, "x");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("x: a fan-based scheme needs rank >= 2, got shape [5]"),
              std::string::npos)
        << e.what();
  }
  CheckOptions bad;
  bad.alpha = 2;
  EXPECT_THROW((void)check_view(rank1, Scheme::parse("zeros"), bad), Error);
}

TEST(CheckTensors, SameReportAsCheckFileOnASafetensorsFile) {
  const Scheme w = Scheme::parse("kaiming_uniform(a=sqrt(5))");
  const Scheme b = Scheme::parse("uniform(a=-0.125, b=0.125)");
  const Tensor weight = fill(w, make_geometry({48, 64}), DType::kF32, {.seed = 5});
  const Tensor bias = fill(b, make_geometry({48}), DType::kF32, {.seed = 6});
  Tensor zeros(DType::kF32, {48});
  for (int64_t i = 0; i < zeros.numel(); ++i) zeros.as<float>()[i] = 0;
  const fs::path file = TempDir() / "m.safetensors";
  write_safetensors(file.string(),
                    {{"fc.weight", &weight}, {"fc.bias", &bias}, {"bad.bias", &zeros}});
  const std::vector<Rule> rules = {parse_rule_arg("*.weight=kaiming_uniform(a=sqrt(5))", "r1"),
                                   parse_rule_arg("*.bias=uniform(a=-0.125, b=0.125)", "r2"),
                                   parse_rule_arg("unused.*=zeros", "r3")};
  CheckOptions o;
  const CheckRun from_file = check_file(file.string(), rules, o);
  const CheckRun in_memory =
      check_tensors({{"fc.weight", weight.view()}, {"fc.bias", bias.view()},
                     {"bad.bias", zeros.view()}},
                    rules, o, "model");
  EXPECT_FALSE(in_memory.pass());
  ASSERT_EQ(in_memory.checks.size(), 3u);
  EXPECT_TRUE(in_memory.checks[0].pass);
  EXPECT_TRUE(in_memory.checks[1].pass);
  EXPECT_FALSE(in_memory.checks[2].pass);
  EXPECT_EQ(in_memory.warnings, from_file.warnings);
  EXPECT_EQ(JsonWithoutFile(in_memory), JsonWithoutFile(from_file));
  fs::remove_all(file.parent_path());
}

TEST(CheckTensors, UnmatchedAndEmptyTensorsAreSkipped) {
  const Tensor t = fill(Scheme::parse("normal"), make_geometry({64, 64}), DType::kF32,
                        {.seed = 7});
  const TensorView empty{DType::kF32, {0}, nullptr};
  const CheckRun run = check_tensors({{"a.weight", t.view()}, {"b.scale", t.view()},
                                      {"c.weight", empty}},
                                     {parse_rule_arg("*.weight=normal", "r1")}, {});
  EXPECT_TRUE(run.pass());
  ASSERT_EQ(run.checks.size(), 1u);
  ASSERT_EQ(run.skipped.size(), 2u);
  EXPECT_EQ(run.skipped[0].tensor, "b.scale");
  EXPECT_EQ(run.skipped[0].reason, "no rule matches");
  EXPECT_EQ(run.skipped[1].tensor, "c.weight");
}

TEST(CheckTensors, BadNamesAreErrors) {
  const Tensor t = fill(Scheme::parse("normal"), make_geometry({8, 8}), DType::kF32, {});
  const std::vector<Rule> rules = {parse_rule_arg("*=normal", "r1")};
  try {
    (void)check_tensors({{"w", t.view()}, {"w", t.view()}}, rules, {}, "m");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "m: tensor 'w' appears twice");
  }
  EXPECT_THROW((void)check_tensors({{"", t.view()}}, rules, {}), Error);
  try {
    (void)check_tensors({{"w", t.view()}}, {parse_rule_arg("z*=normal", "r1")}, {}, "m");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "m: no tensor to check (1 unmatched)");
  }
}

TEST(MemoryCheckpoint, ReadsTheCallersBytesInPlace) {
  std::vector<float> w(64 * 32, 0.25f);
  std::vector<int64_t> counter(1, 0);
  CheckpointEntry ce;
  ce.name = "bn.num_batches_tracked";
  ce.dtype_name = "<i8";
  ce.kind = ElementKind::kSignedInt;
  ce.element_bytes = 8;
  ce.shape = {1};
  const auto* wp = reinterpret_cast<const std::byte*>(w.data());
  const MemoryCheckpoint ck(
      "m", {{float_entry("fc.weight", DType::kF32, {64, 32}), wp},
            {ce, reinterpret_cast<const std::byte*>(counter.data())}});
  EXPECT_EQ(ck.kind(), "memory");
  ASSERT_EQ(ck.entries().size(), 2u);
  EXPECT_EQ(ck.entries()[0].file, "m");
  const TensorData d = ck.read(0);
  EXPECT_EQ(d.data(), wp);  // no copy
  EXPECT_FALSE(d.mapped());
  // Integer entries are checked exactly, as a file's: zeros passes, ones fails.
  const CheckRun ok = check_checkpoint(ck, {parse_rule_arg("*.num_batches_tracked=zeros", "r1")},
                                       CheckOptions{});
  ASSERT_EQ(ok.checks.size(), 1u);
  EXPECT_TRUE(ok.pass());
  const CheckRun bad = check_checkpoint(ck, {parse_rule_arg("*.num_batches_tracked=ones", "r1")},
                                        CheckOptions{});
  EXPECT_FALSE(bad.pass());
  try {
    const MemoryCheckpoint none("m", {{float_entry("w", DType::kF32, {2}), nullptr}});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "m: tensor 'w': tensor has no data pointer");
  }
}

}  // namespace
}  // namespace initcheck::verify
