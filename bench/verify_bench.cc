// Google Benchmark suite of the verification battery (bench/README.md,
// section "Verification"). Names (other tools parse them):
//   BM_VerifyBattery/<n>                    check_one on n f32 values, 1 thread
//   BM_VerifyBattery/<n>/threads:<t>/real_time   the same in a oneTBB arena
//                                           of t threads (wall-clock time)
//   BM_VerifyStage/<stage>/<n>              one step of the pipeline, 1 thread
//   BM_VerifyStage/<stage>/<n>/threads:<t>/real_time   the same in an arena
//                                           of t threads (where the 2-thread
//                                           speed-up is lost)
//   BM_Resolution/<scheme>/<n>              compute_resolution for one new
//                                           tensor of n f32 values (the
//                                           power solves; uncached: each
//                                           iteration asks at a new level)
//   BM_CheckFile/<n>/threads:<t>/real_time  check_file on a safetensors
//                                           checkpoint of n f32 values in
//                                           8 weight tensors + 8 biases
// Data: lib's kaiming_uniform(a=sqrt(5)) (f32), torch layout [n/1000, 1000]
// (1000 x 1000 per tensor in BM_CheckFile), seed 42. Items = values checked.
#include <benchmark/benchmark.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "../verify/src/pipeline.h"
#include "initcheck/fill.h"
#include "initcheck/io.h"
#include "initcheck/scheme.h"
#include "initcheck/verify/battery.h"
#include "initcheck/verify/independence.h"
#include "initcheck/verify/check.h"
#include "initcheck/verify/distributions.h"
#include "initcheck/verify/oracle.h"
#include "initcheck/verify/resolution.h"

namespace {

using initcheck::DType;
namespace verify = initcheck::verify;
namespace internal = initcheck::verify::internal;

constexpr const char* kScheme = "kaiming_uniform(a=sqrt(5))";

int HardwareThreads() {
  return static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
}

// n f32 values of kScheme as [n/1000, 1000] (cached across benchmarks).
struct Data {
  initcheck::Scheme scheme = initcheck::Scheme::parse(kScheme);
  initcheck::Geometry geometry;
  initcheck::Tensor tensor;
};
const Data& DataOf(int64_t n) {
  static std::map<int64_t, std::unique_ptr<Data>> cache;
  auto& slot = cache[n];
  if (!slot) {
    slot = std::make_unique<Data>();
    slot->geometry.shape = {n / 1000, 1000};
    slot->tensor = initcheck::fill(slot->scheme, slot->geometry, DType::kF32,
                                   {.seed = 42});
  }
  return *slot;
}

// Whole battery. Args: n, and threads when `mt` (else one thread, CPU
// time).
void BM_VerifyBattery(benchmark::State& state, bool mt) {
  const int64_t n = state.range(0);
  const int threads = mt ? static_cast<int>(state.range(1)) : 1;
  const Data& d = DataOf(n);
  tbb::task_arena arena(threads);
  for (auto _ : state) {
    verify::TensorCheck c;
    arena.execute([&] { c = verify::check_one(d.tensor, d.scheme, d.geometry); });
    benchmark::DoNotOptimize(c.pass);
    if (!c.pass) state.SkipWithError("the battery rejected a correct tensor");
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * 4);
}

// One pipeline step on one thread (or `threads`: range(1)).
enum Stage { kScan, kSort, kPitGof, kOrder, kRows, kDupRows, kWindows };
void BM_VerifyStage(benchmark::State& state, Stage stage, bool mt) {
  const int64_t n = state.range(0);
  const int threads = mt ? static_cast<int>(state.range(1)) : 1;
  const Data& d = DataOf(n);
  tbb::task_arena arena(threads);
  const internal::Values x{d.tensor.data(), DType::kF32, static_cast<size_t>(n)};
  const verify::Target target = verify::derive_target(d.scheme, d.geometry);
  const verify::Uniform dist(target.low, target.high);
  arena.execute([&] {
    const internal::ValueScan scan = internal::ScanValues(x);
    internal::SortedValues sorted = internal::SortedValues::Make(x);
    internal::TieFilter filter;
    const verify::GofSummary g = internal::SummarizeSorted(
        sorted, dist, verify::ValueGrid::kFloat32, &filter);
    const int64_t rows = n / 1000, cols = 1000;
    const int w = internal::ChooseWindow(x.n, g.tie_probability, 0);
    // The battery's lag set for [n/1000, 1000]: 1..64, 128..4096, 1000.
    const std::vector<int64_t> extra = {cols, cols};
    const std::vector<int64_t> lags = verify::correlation_lags(n, extra);
    const internal::OrderPass pass =
        internal::StorageOrderPass(x, scan.moments.mean, g.median, &filter, lags);
    for (auto _ : state) {
      switch (stage) {
        case kScan:
          benchmark::DoNotOptimize(internal::ScanValues(x));
          break;
        case kSort: {
          internal::SortedValues s = internal::SortedValues::Make(x);
          benchmark::DoNotOptimize(s.At(0));
          break;
        }
        case kPitGof: {
          internal::TieFilter f;
          benchmark::DoNotOptimize(internal::SummarizeSorted(
              sorted, dist, verify::ValueGrid::kFloat32, &f));
          break;
        }
        case kOrder:
          benchmark::DoNotOptimize(
              internal::StorageOrderPass(x, scan.moments.mean, g.median, &filter, lags));
          break;
        case kRows:
          // A uniform target: on normal scores, as in the battery.
          benchmark::DoNotOptimize(internal::RowCorrelations(x, rows, cols, &dist));
          break;
        case kDupRows:
          benchmark::DoNotOptimize(
              internal::CountEqualRows(x, rows, cols, nullptr, &pass.tied));
          break;
        case kWindows:
          benchmark::DoNotOptimize(
              internal::CountEqualWindows(x, w, nullptr, &pass.tied));
          break;
      }
    }
  });
  state.SetItemsProcessed(state.iterations() * n);
}

// The resolution of a distinct tensor (resolution.h): what `decide` adds per
// tensor whose (law, n, tests) no earlier tensor had. Its cache keys on the
// level, so each iteration nudges it by a relative 1e-12 (same work).
void BM_Resolution(benchmark::State& state, const char* scheme) {
  const int64_t n = state.range(0);
  initcheck::Geometry g;
  g.shape = {n / 1000, 1000};
  const initcheck::Scheme s = initcheck::Scheme::parse(scheme);
  const initcheck::Tensor t = initcheck::fill(s, g, DType::kF32, {.seed = 42});
  const verify::TensorCheck c = verify::check_one(t, s, g);
  // decide()'s level: alpha / m, m = the gating (reliable) p-values.
  int64_t m = 0;
  for (const auto& r : c.tests) m += r.reliable && !std::isnan(r.p_value);
  const double level = verify::kDefaultFamilyAlpha / static_cast<double>(m);
  int64_t i = 0;
  verify::Resolution r;
  for (auto _ : state) {
    const double l = level * (1 + 1e-12 * static_cast<double>(++i));
    r = verify::compute_resolution(c.target, DType::kF32, c.tests, l, m);
    benchmark::DoNotOptimize(r.std_rel);
  }
  state.counters["std_rel_up"] = r.std_rel_up;
  state.counters["std_rel_down"] = r.std_rel_down;
  state.counters["mean_sigma"] = r.mean_sigma;
}

// A checkpoint of n f32 values: 8 weights [n/8000, 1000] and 8 biases [1000]
// of zeros, written once to the temporary directory.
struct TempFiles {
  std::map<int64_t, std::string> paths;
  ~TempFiles() {
    for (const auto& [n, p] : paths) std::filesystem::remove(p);
  }
};
std::string Checkpoint(int64_t n) {
  static TempFiles files;
  auto& path = files.paths[n];
  if (!path.empty()) return path;
  path = (std::filesystem::temp_directory_path() /
          ("initcheck_bench_" + std::to_string(::getpid()) + "_" +
           std::to_string(n) + ".safetensors"))
             .string();
  const initcheck::Scheme s = initcheck::Scheme::parse(kScheme);
  const initcheck::Scheme zeros = initcheck::Scheme::parse("zeros");
  std::vector<initcheck::Tensor> ts;
  std::vector<std::string> names;
  for (int i = 0; i < 8; ++i) {
    initcheck::Geometry g;
    g.shape = {n / 8000, 1000};
    ts.push_back(initcheck::fill(s, g, DType::kF32,
                                 {.seed = 42, .stream = static_cast<uint64_t>(i)}));
    names.push_back("layer" + std::to_string(i) + ".weight");
    initcheck::Geometry gb;
    gb.shape = {1000};
    ts.push_back(initcheck::fill(zeros, gb, DType::kF32, {.seed = 42}));
    names.push_back("layer" + std::to_string(i) + ".bias");
  }
  std::vector<std::pair<std::string, const initcheck::Tensor*>> named;
  for (size_t i = 0; i < ts.size(); ++i) named.emplace_back(names[i], &ts[i]);
  initcheck::write_safetensors(path, named);
  return path;
}

void BM_CheckFile(benchmark::State& state) {
  const int64_t n = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const std::string path = Checkpoint(n);
  const std::vector<verify::Rule> rules = {
      verify::parse_rule_arg("*.bias=zeros", "--rule 1"),
      verify::parse_rule_arg(std::string("*.weight=") + kScheme, "--rule 2")};
  verify::CheckOptions o;
  o.threads = threads;
  for (auto _ : state) {
    const verify::CheckRun run = verify::check_file(path, rules, o);
    benchmark::DoNotOptimize(run.checks.size());
    if (!run.pass()) state.SkipWithError("check_file rejected a correct file");
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n * 4);
}

struct Registrar {
  Registrar() {
    const int hw = HardwareThreads();
    auto* b1 = benchmark::RegisterBenchmark("BM_VerifyBattery", BM_VerifyBattery, false);
    // At 10^7 a short run (make report's --benchmark_min_time=0.1) would time
    // one cold call (fresh pages, the uncached resolution: ~+30 ms); at
    // least 1 s gives the steady state the targets are stated for.
    for (int64_t n : {100000, 1000000}) b1->Arg(n);
    b1->Unit(benchmark::kMillisecond);
    benchmark::RegisterBenchmark("BM_VerifyBattery", BM_VerifyBattery, false)
        ->Arg(10000000)
        ->MinTime(1.0)
        ->Unit(benchmark::kMillisecond);
    for (int64_t n : {1000000, 10000000}) {
      auto* bt = benchmark::RegisterBenchmark("BM_VerifyBattery", BM_VerifyBattery, true);
      for (int t = 1; t <= hw; t *= 2) bt->Args({n, t});
      bt->ArgNames({"", "threads"})->UseRealTime()->Unit(benchmark::kMillisecond);
      if (n == 10000000) bt->MinTime(1.0);
    }
    const std::pair<const char*, Stage> stages[] = {
        {"scan", kScan},         {"sort", kSort},  {"pit_gof", kPitGof},
        {"order_pass", kOrder},  {"rows", kRows},  {"dup_rows", kDupRows},
        {"windows", kWindows}};
    for (const auto& [name, stage] : stages) {
      benchmark::RegisterBenchmark((std::string("BM_VerifyStage/") + name).c_str(),
                                   BM_VerifyStage, stage, false)
          ->Arg(1000000)
          ->Arg(10000000)
          ->Unit(benchmark::kMillisecond);
      auto* bs = benchmark::RegisterBenchmark(
          (std::string("BM_VerifyStage/") + name).c_str(), BM_VerifyStage, stage, true);
      for (int t = 1; t <= hw; t *= 2) bs->Args({10000000, t});
      bs->ArgNames({"", "threads"})->UseRealTime()->Unit(benchmark::kMillisecond);
    }
    for (const char* scheme : {"kaiming_uniform(a=sqrt(5))", "kaiming_normal",
                               "trunc_normal(std=0.02)"}) {
      benchmark::RegisterBenchmark((std::string("BM_Resolution/") + scheme).c_str(),
                                   BM_Resolution, scheme)
          ->Arg(1000000)
          ->Arg(10000000)
          ->Unit(benchmark::kMillisecond);
    }
    auto* bf = benchmark::RegisterBenchmark("BM_CheckFile", BM_CheckFile);
    for (int t = 1; t <= hw; t *= 2)
      for (int64_t n : {8000000, 80000000}) bf->Args({n, t});
    bf->ArgNames({"", "threads"})->UseRealTime()->Unit(benchmark::kMillisecond);
  }
};
const Registrar registrar;

}  // namespace
