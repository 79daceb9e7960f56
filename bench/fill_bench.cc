// Google Benchmark suite of the fills. Names (other tools parse them; see
// bench/README.md):
//   BM_<Kind>/<n>                    f32, 1 thread, n elements
//   BM_<Kind>/f64/<n>                f64
//   BM_<Kind>/<n>/threads:<t>        f32 with FillOptions::threads = t
//   BM_<Kind>/f64/<n>/threads:<t>
//   BM_Orthogonal/<rows>             square rows x rows orthogonal, f32
// Kinds: Memset (memset of n elements: the write-bandwidth ceiling),
// FillUniform, FillNormal, FillTruncNormal (lib's fill_slice into a
// preallocated, pre-faulted buffer), StdUniform, StdNormal (std::mt19937 +
// std::uniform_real_distribution / std::normal_distribution: the baseline
// users know). Every benchmark reports items (elements) and bytes per second.
#include <benchmark/benchmark.h>
#include <hwy/targets.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "../lib/src/fill_simd.h"
#include "initcheck/dtype.h"
#include "initcheck/fill.h"
#include "initcheck/scheme.h"
#include "initcheck/verify/battery.h"

#ifndef INITCHECK_GIT_COMMIT
#define INITCHECK_GIT_COMMIT "unknown"
#endif

namespace {

using initcheck::DType;

// f32 sizes: 1 Ki .. 64 Mi elements = 4 KiB .. 256 MiB. f64: 1 Ki .. 64 Mi
// elements = 8 KiB .. 512 MiB (32 Mi = 256 MiB, the bytes of the largest f32
// fill; 64 Mi, the elements of the targets).
const std::vector<int64_t> kSizes32 = {1 << 10, 1 << 14, 1 << 18, 1 << 22,
                                       1 << 26};
const std::vector<int64_t> kSizes64 = {1 << 10, 1 << 14, 1 << 18, 1 << 22,
                                       1 << 25, 1 << 26};
// Sizes for the multi-threaded variants: where threads can pay off.
const std::vector<int64_t> kSizesMt32 = {1 << 18, 1 << 22, 1 << 26};
const std::vector<int64_t> kSizesMt64 = {1 << 18, 1 << 22, 1 << 25};

// A buffer of n elements, written once so that page faults are not timed.
template <class T>
std::vector<T> Buffer(int64_t n) {
  return std::vector<T>(static_cast<size_t>(n), T(1));
}

void SetCounters(benchmark::State& state, int64_t n, size_t elem_bytes) {
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * n *
                          static_cast<int64_t>(elem_bytes));
}

// "256 MiB" for the label of a benchmark (its name keeps element counts).
std::string Size(int64_t bytes) {
  if (bytes >= (int64_t{1} << 20)) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes >> 10) + " KiB";
}

template <class T>
void BM_Memset(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::vector<T> buf = Buffer<T>(n);
  int v = 0;
  for (auto _ : state) {
    std::memset(buf.data(), v++ & 0x3f, buf.size() * sizeof(T));
    benchmark::DoNotOptimize(buf.data());
    benchmark::ClobberMemory();
  }
  SetCounters(state, n, sizeof(T));
  state.SetLabel(std::string("memset ") + (sizeof(T) == 4 ? "f32 " : "f64 ") +
                 Size(n * static_cast<int64_t>(sizeof(T))));
}

// lib's fill_slice of `scheme` into a preallocated buffer. Args: n, and
// threads when `mt`.
template <class T>
void BM_Fill(benchmark::State& state, const char* scheme, bool mt) {
  const int64_t n = state.range(0);
  const int threads = mt ? static_cast<int>(state.range(1)) : 1;
  const DType dtype = sizeof(T) == 4 ? DType::kF32 : DType::kF64;
  const initcheck::Scheme s = initcheck::Scheme::parse(scheme);
  initcheck::Geometry g;
  g.shape = {n};
  const initcheck::FillOptions opt{.seed = 42, .stream = 0, .threads = threads};
  std::vector<T> buf = Buffer<T>(n);
  for (auto _ : state) {
    initcheck::fill_slice(s, g, dtype, opt, 0, n, buf.data());
    benchmark::DoNotOptimize(buf.data());
    benchmark::ClobberMemory();
  }
  SetCounters(state, n, sizeof(T));
  state.SetLabel(std::string(scheme) + (sizeof(T) == 4 ? " f32 " : " f64 ") +
                 Size(n * static_cast<int64_t>(sizeof(T))));
}

void BM_StdUniform(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::vector<float> buf = Buffer<float>(n);
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (auto _ : state) {
    for (float& x : buf) x = dist(rng);
    benchmark::DoNotOptimize(buf.data());
    benchmark::ClobberMemory();
  }
  SetCounters(state, n, sizeof(float));
}

void BM_StdNormal(benchmark::State& state) {
  const int64_t n = state.range(0);
  std::vector<float> buf = Buffer<float>(n);
  std::mt19937 rng(42);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (auto _ : state) {
    for (float& x : buf) x = dist(rng);
    benchmark::DoNotOptimize(buf.data());
    benchmark::ClobberMemory();
  }
  SetCounters(state, n, sizeof(float));
}

// Square orthogonal matrix through lib's fill (f64 normals, Householder QR),
// stored as f32. Arg: rows.
void BM_Orthogonal(benchmark::State& state) {
  const int64_t rows = state.range(0);
  const initcheck::Scheme s = initcheck::Scheme::parse("orthogonal");
  initcheck::Geometry g;
  g.shape = {rows, rows};
  for (auto _ : state) {
    initcheck::Tensor t =
        initcheck::fill(s, g, DType::kF32, {.seed = 42, .threads = 1});
    benchmark::DoNotOptimize(t.data());
  }
  SetCounters(state, rows * rows, sizeof(float));
}

// BM_VerifyBattery/<n>: the whole verification battery (verify/battery.h:
// KS, Anderson-Darling, chi-square, moments, support, independence, Holm) on
// n f32 values of kaiming_uniform, one thread. Items = elements checked. The
// budget is 3 s at n = 10^7 (the target).
void BM_VerifyBattery(benchmark::State& state) {
  const int64_t n = state.range(0);
  const initcheck::Scheme s = initcheck::Scheme::parse("kaiming_uniform(a=sqrt(5))");
  initcheck::Geometry g;
  g.shape = {n / 1000, 1000};
  const initcheck::Tensor t = initcheck::fill(s, g, DType::kF32, {.seed = 42});
  for (auto _ : state) {
    initcheck::verify::TensorCheck c = initcheck::verify::check_one(t, s, g);
    benchmark::DoNotOptimize(c.pass);
  }
  SetCounters(state, n, sizeof(float));
}

constexpr const char* kUniform = "uniform(-1, 1)";
constexpr const char* kNormal = "normal(0, 1)";
constexpr const char* kTrunc = "trunc_normal(mean=0, std=1, a=-2, b=2)";

// Registers BM_<kind>[/f64]/<n> and BM_<kind>[/f64]/<n>/threads:<t>.
template <class T>
void RegisterFill(const std::string& kind, const char* scheme) {
  const bool f64 = sizeof(T) == 8;
  const std::string base = "BM_" + kind + (f64 ? "/f64" : "");
  auto* b =
      benchmark::RegisterBenchmark(base.c_str(), BM_Fill<T>, scheme, false);
  for (int64_t n : f64 ? kSizes64 : kSizes32) b->Arg(n);
  // Multi-threaded: lib's own threads (FillOptions::threads), named by an
  // argument so the suffix reads like Google Benchmark's "/threads:<t>";
  // wall-clock time (Google Benchmark appends "/real_time"). threads:1 is
  // the single-thread run on the same time base.
  const int hw =
      static_cast<int>(std::max(2u, std::thread::hardware_concurrency()));
  auto* mt =
      benchmark::RegisterBenchmark(base.c_str(), BM_Fill<T>, scheme, true);
  for (int t = 1; t <= hw; t *= 2) {
    for (int64_t n : f64 ? kSizesMt64 : kSizesMt32) mt->Args({n, t});
  }
  mt->ArgNames({"", "threads"});
  mt->UseRealTime();
}

void RegisterAll() {
  benchmark::RegisterBenchmark("BM_Memset", BM_Memset<float>)
      ->Apply([](benchmark::internal::Benchmark* b) {
        for (int64_t n : kSizes32) b->Arg(n);
      });
  benchmark::RegisterBenchmark("BM_Memset/f64", BM_Memset<double>)
      ->Apply([](benchmark::internal::Benchmark* b) {
        for (int64_t n : kSizes64) b->Arg(n);
      });
  RegisterFill<float>("FillUniform", kUniform);
  RegisterFill<float>("FillNormal", kNormal);
  RegisterFill<float>("FillTruncNormal", kTrunc);
  RegisterFill<double>("FillUniform", kUniform);
  RegisterFill<double>("FillNormal", kNormal);
  RegisterFill<double>("FillTruncNormal", kTrunc);
  // Compute-bound; 64 Mi elements take ~1.5 s per iteration.
  for (auto* b : {benchmark::RegisterBenchmark("BM_StdUniform", BM_StdUniform),
                  benchmark::RegisterBenchmark("BM_StdNormal", BM_StdNormal)}) {
    for (int64_t n : kSizes32) b->Arg(n);
  }
  benchmark::RegisterBenchmark("BM_VerifyBattery", BM_VerifyBattery)
      ->Arg(1000000)
      ->Arg(10000000)
      ->Unit(benchmark::kSecond)
      ->Iterations(1);
  benchmark::RegisterBenchmark("BM_Orthogonal", BM_Orthogonal)
      ->Arg(64)
      ->Arg(256)
      ->Arg(512)
      ->Unit(benchmark::kMillisecond);
}

std::string Compiler() {
#if defined(__clang__)
  return "clang " __clang_version__;
#elif defined(__GNUC__)
  return "gcc " __VERSION__;
#else
  return "unknown";
#endif
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext(
      "simd_target", hwy::TargetName(initcheck::simd::dispatched_target()));
  benchmark::AddCustomContext("compiler", Compiler());
  benchmark::AddCustomContext("git_commit", INITCHECK_GIT_COMMIT);
  benchmark::AddCustomContext(
      "stream_threshold_bytes",
      std::to_string(initcheck::simd::stream_threshold()));
  benchmark::AddCustomContext(
      "hardware_threads", std::to_string(std::thread::hardware_concurrency()));
  RegisterAll();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
