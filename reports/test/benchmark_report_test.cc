// benchmarks.md from a Google Benchmark JSON: names parsed into kind, size
// and variant; ratios to the baselines of the same size and run; the
// targets table. Regression: the 2-thread / 1-thread row looked up the
// variant "threads:1/real_time" although the parser drops "real_time", so
// the whole targets table silently vanished from reports/benchmarks.md.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "initcheck/report/report.h"

namespace initcheck::report {
namespace {

using ::testing::HasSubstr;

std::string Bench(const std::string& name, double items_per_second) {
  return "{\"name\": \"" + name + "\", \"run_type\": \"iteration\", " +
         "\"items_per_second\": " + std::to_string(items_per_second) + "}";
}

TEST(BenchmarkReport, TargetsTableWithRatiosFromTheSameRun) {
  const std::string n = "67108864";
  const std::string json =
      "{\"context\": {\"host_name\": \"test\", \"num_cpus\": 2}, "
      "\"benchmarks\": [" +
      Bench("BM_Memset/" + n, 8e9) + ", " + Bench("BM_FillUniform/" + n, 4.4e9) +
      ", " + Bench("BM_FillNormal/" + n, 2.4e9) + ", " +
      Bench("BM_FillTruncNormal/" + n, 1.2e9) + ", " +
      Bench("BM_FillNormal/" + n + "/threads:1/real_time", 2.0e9) + ", " +
      Bench("BM_FillNormal/" + n + "/threads:2/real_time", 3.8e9) + ", " +
      Bench("BM_StdNormal/" + n, 0.1e9) + "]}";
  const auto path = std::filesystem::temp_directory_path() /
                    ("initcheck_bench_report_" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << json;
  ReportOptions o;
  o.bench_json = path.string();
  std::string summary;
  const std::vector<ReportFile> files = benchmark_report(o, &summary);
  std::filesystem::remove(path);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].path, "benchmarks.md");
  const std::string& md = files[0].content;
  EXPECT_THAT(md, HasSubstr("## Targets"));
  EXPECT_THAT(md, HasSubstr("| uniform / memset (1 thread) | ≥ 0.5 | 0.550 | met |"));
  EXPECT_THAT(md, HasSubstr("| normal / memset (1 thread) | ≥ 0.25 | 0.300 | met |"));
  EXPECT_THAT(md, HasSubstr(
                      "| truncated normal / memset (1 thread) | ≥ 0.2 | 0.150 | **not met** |"));
  EXPECT_THAT(md, HasSubstr("| normal / std::normal_distribution | ≥ 20 | 24.000 | met |"));
  EXPECT_THAT(md, HasSubstr(
                      "| normal, 2 threads / 1 thread (wall clock) | ≥ 1.8 | 1.900 | met |"));
  EXPECT_THAT(summary, HasSubstr("normal fill"));
}

}  // namespace
}  // namespace initcheck::report
