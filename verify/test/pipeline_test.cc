// The battery's pipeline (verify/src/pipeline.h) and SIMD kernels
// (kernels.h) against independent references: Boost.Math and long double
// for the special functions, the array route (make_gof_input +
// summarize_gof) for the streamed PIT, brute force for the exact duplicate
// counts, Boost's runs test, and the battery's own output for 1, 2, 3 and 7
// threads (bit-identical by construction; this checks the construction).
#include <gtest/gtest.h>
#include <hwy/targets.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <boost/math/special_functions/erf.hpp>
#include <boost/math/statistics/runs_test.hpp>
#include <cmath>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "../src/kernels.h"
#include "../src/parallel_blocks.h"
#include "../src/pipeline.h"
#include "initcheck/fill.h"
#include "initcheck/verify/battery.h"
#include "initcheck/verify/distributions.h"
#include "initcheck/verify/gof.h"
#include "initcheck/verify/moments.h"
#include "test_util.h"

namespace initcheck::verify {
namespace {

// |a - b| in units of the spacing of doubles at b.
double Ulps(double a, long double b) {
  const double bd = static_cast<double>(b);
  if (a == bd) return 0;
  const double ulp = std::nextafter(std::fabs(bd), INFINITY) - std::fabs(bd);
  return static_cast<double>(std::fabs(static_cast<long double>(a) - b)) / ulp;
}

TEST(Kernels, ErfcWithinTwoUlpsOfLongDouble) {
  // Dense grid over the vector range plus the fdlibm region edges.
  std::vector<double> x;
  for (int i = 0; i < 400000; ++i) x.push_back(26.0 * i / 400000.0);
  for (double e : {0.25, 0.84375, 1.25, 1.0 / 0.35, 6.0, 25.99})
    for (int k = -3; k <= 3; ++k) x.push_back(e + k * 1e-15);
  std::vector<double> y(x.size());
  internal::ErfcArray(x.data(), x.size(), y.data());
  double worst = 0, at = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const long double ref = boost::math::erfc(static_cast<long double>(x[i]));
    const double u = Ulps(y[i], ref);
    if (u > worst) {
      worst = u;
      at = x[i];
    }
  }
  std::printf("[kernels] erfc: worst %.2f ulp at x = %.17g\n", worst, at);
  EXPECT_LE(worst, 2.0) << at;
}

TEST(Kernels, LogAndLogPairWithinOneUlp) {
  std::mt19937_64 g(11);
  std::vector<double> x;
  for (int i = 0; i < 200000; ++i) {
    // Log-uniform over the doubles in (0, 1], subnormals included.
    const double e = -1074.0 * std::uniform_real_distribution<double>(0, 1)(g);
    x.push_back(std::max(std::ldexp(1.0, static_cast<int>(e)) *
                             std::uniform_real_distribution<double>(1, 2)(g) / 2,
                         0x1p-1074));
  }
  for (double v : {1.0, 0.5, 0x1p-1022, 0x1p-1074, 0.9999999999999999, 1e-300})
    x.push_back(v);
  std::vector<double> y(x.size()), a(x.size()), b(x.size());
  internal::LogArray(x.data(), x.size(), y.data());
  std::vector<double> rev(x.rbegin(), x.rend());
  double worst = 0, worst_pair = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const long double ref = std::log(static_cast<long double>(x[i]));
    worst = std::max(worst, Ulps(y[i], ref));
  }
  // The pair form is exercised through AccumulateGof's A^2 sum: checked
  // against long double there (anderson_darling_test.cc) and here against
  // the single log on the same values.
  std::printf("[kernels] log: worst %.2f ulp\n", worst);
  EXPECT_LE(worst, 1.0);
  (void)worst_pair;
}

// Compares two test results field by field, bit for bit.
void ExpectSame(const TestResult& a, const TestResult& b, const std::string& what) {
  EXPECT_EQ(a.name, b.name) << what;
  EXPECT_EQ(std::memcmp(&a.statistic, &b.statistic, sizeof(double)), 0)
      << what << " " << a.name << " " << a.statistic << " " << b.statistic;
  EXPECT_EQ(std::memcmp(&a.p_value, &b.p_value, sizeof(double)), 0)
      << what << " " << a.name << " " << a.p_value << " " << b.p_value;
  EXPECT_EQ(a.note, b.note) << what << " " << a.name;
  ASSERT_EQ(a.details.size(), b.details.size()) << what << " " << a.name;
  for (size_t i = 0; i < a.details.size(); ++i) {
    EXPECT_EQ(std::memcmp(&a.details[i].value, &b.details[i].value, sizeof(double)), 0)
        << what << " " << a.name << " " << a.details[i].name;
  }
}

// The vector normal scores (AS 241) against Boost's erfc_inv through the
// scalar Distribution: uniform, truncated normal (vector PIT with scalar
// fallback lanes), values at and beyond the bounds (clamped to 2^-26), and
// every branch of AS 241 (|q| <= 0.425, r <= 5; r > 5 only below the clamp).
TEST(Kernels, NormalScoresMatchScalarQuantile) {
  const Uniform uni(-0.03, 0.05);
  const TruncatedNormal tn(0.0, 0.02, -0.04, 0.04);
  std::mt19937_64 g(11);
  for (const Distribution* f : {static_cast<const Distribution*>(&uni),
                                static_cast<const Distribution*>(&tn)}) {
    std::vector<double> x(5003);
    std::uniform_real_distribution<double> pick(f->low(), f->high());
    for (double& v : x) v = pick(g);
    x[0] = f->low();
    x[1] = f->high();
    x[2] = std::nextafter(f->low(), 1.0);
    x[3] = f->mean();
    x[4] = f->low() + 1e-9 * (f->high() - f->low());
    std::vector<double> z = x;
    internal::NormalScores(*f, z.data(), z.size());
    double worst = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double u = f->cdf(x[i]);
      const double want = u <= 0.5 ? normal_quantile(std::max(u, 0x1p-26))
                                   : normal_isf(std::max(f->sf(x[i]), 0x1p-26));
      worst = std::max(worst, std::fabs(z[i] - want) / std::max(1.0, std::fabs(want)));
    }
    EXPECT_LT(worst, 1e-14) << f->description();
    EXPECT_NEAR(z[0], normal_quantile(0x1p-26), 1e-14);
    EXPECT_NEAR(z[1], normal_isf(0x1p-26), 1e-14);
  }
  // The r > 5 branch directly (p < 1.4e-11, below the battery's clamp).
  std::vector<double> u = {1e-12, 1e-20, 1e-300, 0.3, 0.07, 0.5};
  std::vector<double> s(u.size()), z(u.size());
  for (size_t i = 0; i < u.size(); ++i) s[i] = 1 - u[i];
  internal::NormalScoresOfTails(u.data(), s.data(), u.size(), 0, z.data());
  for (size_t i = 0; i < u.size(); ++i)
    EXPECT_NEAR(z[i], normal_quantile(u[i]), 1e-15 * std::fabs(normal_quantile(u[i])) + 1e-16)
        << u[i];
}

struct IdentityCase {
  const char* scheme;
  DType dtype;
  Shape shape;
};

// Sizes above the parallel sort's threshold (2^18) and several tasks.
const std::vector<IdentityCase>& IdentityCases() {
  static const std::vector<IdentityCase> cases = {
      {"kaiming_uniform(a=sqrt(5))", DType::kF32, {1200, 1000}},
      {"normal(std=0.02)", DType::kF64, {700, 500}},
      {"trunc_normal(std=0.02, a=-0.04, b=0.04)", DType::kF32, {600, 600}},
      {"xavier_uniform", DType::kBF16, {512, 768}},
      {"xavier_normal", DType::kF16, {300, 1000}},
      {"sparse(0.1)", DType::kF32, {1000, 400}},
  };
  return cases;
}

TEST(Pipeline, BitIdenticalForAnyThreadCount) {
  for (const IdentityCase& c : IdentityCases()) {
    const Scheme s = Scheme::parse(c.scheme);
    Geometry g;
    g.shape = c.shape;
    const Tensor t = fill(s, g, c.dtype, {.seed = 3});
    std::vector<TensorCheck> runs;
    for (int threads : {1, 2, 3, 7}) {
      tbb::task_arena arena(threads);
      arena.execute([&] { runs.push_back(check_one(t, s, g)); });
    }
    for (size_t r = 1; r < runs.size(); ++r) {
      ASSERT_EQ(runs[0].tests.size(), runs[r].tests.size()) << c.scheme;
      for (size_t i = 0; i < runs[0].tests.size(); ++i)
        ExpectSame(runs[0].tests[i], runs[r].tests[i], c.scheme);
      EXPECT_EQ(runs[0].pass, runs[r].pass);
    }
    EXPECT_TRUE(runs[0].pass) << c.scheme;
  }
}

// Every SIMD target of kernels.cc that this CPU runs (Highway's dispatch
// restricted to one at a time) gives the default target's bits, on 1 and
// 2 threads (the 2-thread sort's partition kernels).
TEST(Pipeline, BitIdenticalForEverySimdTarget) {
  const std::vector<int64_t> targets = hwy::SupportedAndGeneratedTargets();
  ASSERT_FALSE(targets.empty());
  for (const IdentityCase& c : IdentityCases()) {
    const Scheme s = Scheme::parse(c.scheme);
    Geometry g;
    g.shape = c.shape;
    const Tensor t = fill(s, g, c.dtype, {.seed = 3});
    const TensorCheck want = check_one(t, s, g);
    for (int64_t target : targets) {
      hwy::SetSupportedTargetsForTest(target);
      for (int threads : {1, 2}) {
        tbb::task_arena arena(threads);
        TensorCheck got;
        arena.execute([&] { got = check_one(t, s, g); });
        const std::string what = std::string(c.scheme) + " on " +
                                 hwy::TargetName(target) + ", " +
                                 std::to_string(threads) + " threads";
        ASSERT_EQ(want.tests.size(), got.tests.size()) << what;
        for (size_t i = 0; i < want.tests.size(); ++i)
          ExpectSame(want.tests[i], got.tests[i], what);
        EXPECT_EQ(want.pass, got.pass) << what;
      }
      hwy::SetSupportedTargetsForTest(0);
    }
  }
}

// The streamed summary against the array route on the same data.
void ExpectSummaries(const GofSummary& a, const GofSummary& b, double tol,
                     const std::string& what) {
  EXPECT_EQ(a.n, b.n) << what;
  EXPECT_EQ(a.n_below, b.n_below) << what;
  EXPECT_EQ(a.n_above, b.n_above) << what;
  EXPECT_EQ(a.n_pit_zero, b.n_pit_zero) << what;
  EXPECT_EQ(a.n_pit_one, b.n_pit_one) << what;
  EXPECT_EQ(a.min, b.min) << what;
  EXPECT_EQ(a.max, b.max) << what;
  EXPECT_EQ(a.median, b.median) << what;
  EXPECT_EQ(a.tie_probability, b.tie_probability) << what;
  EXPECT_NEAR(a.u_min, b.u_min, tol * std::max(1e-300, std::fabs(b.u_min))) << what;
  EXPECT_NEAR(a.s_max, b.s_max, tol * std::max(1e-300, std::fabs(b.s_max))) << what;
  EXPECT_NEAR(a.u_max, b.u_max, tol * std::max(1e-300, std::fabs(b.u_max))) << what;
  EXPECT_NEAR(a.s_min, b.s_min, tol * std::max(1e-300, std::fabs(b.s_min))) << what;
  EXPECT_NEAR(a.ks_d_plus, b.ks_d_plus, tol) << what;
  EXPECT_NEAR(a.ks_d_minus, b.ks_d_minus, tol) << what;
  EXPECT_EQ(a.ad_n_edge, b.ad_n_edge) << what;
  if (std::isfinite(b.ad_a2)) {
    EXPECT_NEAR(a.ad_a2, b.ad_a2, 1e-11 * std::fabs(b.ad_a2) + 1e-12) << what;
  }
  EXPECT_EQ(a.chi_counts, b.chi_counts) << what;
  if (tol == 0) {
    EXPECT_EQ(a.ks_i_plus, b.ks_i_plus) << what;
    EXPECT_EQ(a.ks_i_minus, b.ks_i_minus) << what;
    EXPECT_EQ(a.ad_a2, b.ad_a2) << what;
  }
}

GofSummary Streamed(const internal::Values& v, const Distribution& d, ValueGrid g) {
  const internal::SortedValues s = internal::SortedValues::Make(v);
  return internal::SummarizeSorted(s, d, g);
}

TEST(Pipeline, StreamedSummaryMatchesTheArrayRoute) {
  const size_t n = 300000;
  // Uniform: the same u/s formulas on both routes: bit-identical, also with
  // values in the rounding cells at the bounds (randomized PIT).
  {
    std::vector<float> x;
    for (double v : testing::uniform_sample(n, 5, -1, 1)) x.push_back(static_cast<float>(v));
    x[10] = -1.0f;  // at the bound: a randomized cell
    x[11] = -1.0f;
    x[12] = std::nextafter(1.0f, 0.0f);
    const Uniform d(-1, 1);
    const internal::Values v{x.data(), DType::kF32, x.size()};
    ExpectSummaries(Streamed(v, d, ValueGrid::kFloat32),
                    summarize_gof(make_gof_input(std::span<const float>(x), d)),
                    0.0, "uniform f32");
  }
  // bf16 (histogram route): every value's cell randomized.
  {
    std::vector<uint16_t> b;
    std::vector<float> f;
    for (double v : testing::normal_sample(n, 6, 0, 0.02)) {
      b.push_back(f32_to_bf16(static_cast<float>(v)));
      f.push_back(bf16_to_f32(b.back()));
    }
    const Normal d(0, 0.02);
    const internal::Values v{b.data(), DType::kBF16, b.size()};
    ExpectSummaries(Streamed(v, d, ValueGrid::kBFloat16),
                    summarize_gof(make_gof_input(std::span<const float>(f), d,
                                                 ValueGrid::kBFloat16)),
                    2e-15, "normal bf16");
  }
  // bf16, parallel histogram route, on 1-3 threads: a run longer than a
  // task (0.01 repeated 50000 times: drawn once, before the tasks) and runs
  // across task boundaries against N(0, 0.02) (A^2 finite: it sees every
  // u); then cells outside a truncated target's support (|x| > 1.5 sd: the
  // runs that are not randomized).
  {
    std::vector<uint16_t> b;
    for (double v : testing::normal_sample(n, 9, 0, 0.02)) {
      b.push_back(f32_to_bf16(static_cast<float>(v)));
    }
    b.insert(b.begin() + 1000, 50000, f32_to_bf16(0.01f));
    std::vector<float> f;
    for (uint16_t x : b) f.push_back(bf16_to_f32(x));
    const internal::Values v{b.data(), DType::kBF16, b.size()};
    const Normal normal(0, 0.02);
    const TruncatedNormal trunc(0, 0.02, -0.03, 0.03);
    for (const Distribution* d : {static_cast<const Distribution*>(&normal),
                                  static_cast<const Distribution*>(&trunc)}) {
      const GofSummary want = summarize_gof(
          make_gof_input(std::span<const float>(f), *d, ValueGrid::kBFloat16));
      for (int threads : {1, 2, 3}) {
        tbb::task_arena arena(threads);
        arena.execute([&] {
          ExpectSummaries(Streamed(v, *d, ValueGrid::kBFloat16), want, 2e-15,
                          d->description() + " bf16 with a long run, " +
                              std::to_string(threads) + " threads");
        });
      }
      if (d == &normal) EXPECT_TRUE(std::isfinite(want.ad_a2));
    }
  }
  // Normal and truncated normal, f64: SIMD erfc against Boost's.
  {
    const std::vector<double> x = testing::normal_sample(n, 7, 0.1, 2);
    const Normal d(0.1, 2);
    const internal::Values v{x.data(), DType::kF64, x.size()};
    ExpectSummaries(Streamed(v, d, ValueGrid::kExact),
                    summarize_gof(make_gof_input(x, d)), 2e-15, "normal f64");
  }
  {
    std::vector<double> x;
    for (double v : testing::normal_sample(3 * n, 8)) {
      if (v > -1.5 && v < 2) x.push_back(v);
    }
    x.push_back(-1.5 + 1e-9);  // next to a bound: the midpoint-rule lanes
    const TruncatedNormal d(0, 1, -1.5, 2);
    const internal::Values v{x.data(), DType::kF64, x.size()};
    ExpectSummaries(Streamed(v, d, ValueGrid::kExact),
                    summarize_gof(make_gof_input(x, d)), 2e-15, "trunc f64");
  }
}

// Brute force: pairs of equal windows / duplicate rows.
struct Naive {
  int64_t pairs = 0, duplicates = 0;
};
Naive NaiveEqual(const std::vector<float>& x, size_t stride, size_t len, size_t count) {
  std::map<std::vector<float>, int64_t> seen;
  for (size_t i = 0; i < count; ++i) {
    std::vector<float> k(x.begin() + static_cast<int64_t>(i * stride),
                         x.begin() + static_cast<int64_t>(i * stride + len));
    for (float& v : k) v = v == 0 ? 0.0f : v;
    ++seen[k];
  }
  Naive r;
  for (const auto& [k, m] : seen) {
    r.pairs += m * (m - 1) / 2;
    r.duplicates += m - 1;
  }
  return r;
}

TEST(Pipeline, ExactDuplicateCountsMatchBruteForce) {
  std::mt19937_64 g(21);
  for (int rep = 0; rep < 6; ++rep) {
    // Values on a coarse grid (many ties) with planted copies.
    const size_t rows = 300, cols = 40, n = rows * cols;
    std::vector<float> x(n);
    const int levels = rep < 3 ? 50000 : 64;
    for (float& v : x) v = static_cast<float>(static_cast<int>(g() % levels)) / levels - 0.5f;
    std::copy(x.begin() + 40, x.begin() + 80, x.begin() + 4000);      // row 1 -> row 100
    std::copy(x.begin() + 5000, x.begin() + 5007, x.begin() + 9000);  // a window
    x[7] = -0.0f;
    x[8] = 0.0f;
    const internal::Values v{x.data(), DType::kF32, n};
    const internal::SortedValues s = internal::SortedValues::Make(v);
    internal::TieFilter filter;
    const GofSummary gs = internal::SummarizeSorted(s, Uniform(-0.5, 0.5), ValueGrid::kFloat32, &filter);
    const internal::OrderPass pass = internal::StorageOrderPass(v, 0, gs.median, &filter, {});
    for (int w : {2, 3, 5}) {
      const Naive ref = NaiveEqual(x, 1, static_cast<size_t>(w), n - w + 1);
      EXPECT_EQ(internal::CountEqualWindows(v, w, nullptr, &pass.tied).pairs, ref.pairs) << w;
      EXPECT_EQ(internal::CountEqualWindows(v, w, nullptr, nullptr).pairs, ref.pairs) << w;
    }
    const Naive rref = NaiveEqual(x, cols, cols, rows);
    EXPECT_GE(rref.duplicates, 1);
    EXPECT_EQ(internal::CountEqualRows(v, rows, cols, nullptr, &pass.tied).duplicates, rref.duplicates);
    EXPECT_EQ(internal::CountEqualRows(v, rows, cols, nullptr, nullptr).duplicates, rref.duplicates);
  }
}

// The sorted copy against std::sort for 1..8 threads: the parallel path
// (>= 2^18 values) with its SIMD partition (<= 8 parts) and its scalar one
// (16 parts at 8 threads); signed zeros (canonical +0), heavy ties (equal
// splitters, empty parts), and a length that is no multiple of the vector.
TEST(Pipeline, SortedCopyMatchesStdSortForAnyThreadCount) {
  std::mt19937_64 g(31);
  for (int rep = 0; rep < 3; ++rep) {
    const size_t n = (size_t{1} << 18) + 12345;
    std::vector<float> f(n);
    std::vector<double> d(n);
    for (size_t i = 0; i < n; ++i) {
      const uint64_t r = g();
      const double v = rep == 0   ? std::ldexp(static_cast<double>(r >> 11), -53) - 0.5
                       : rep == 1 ? static_cast<double>(r % 5) - 2.0  // 5 values
                                  : (r % 3 == 0 ? -0.0 : std::ldexp(static_cast<double>(r >> 11), -60));
      f[i] = static_cast<float>(v);
      d[i] = v;
    }
    f[3] = -0.0f;
    d[3] = -0.0;
    std::vector<float> wf(f);
    std::vector<double> wd(d);
    for (float& v : wf) v = v == 0 ? 0.0f : v;
    for (double& v : wd) v = v == 0 ? 0.0 : v;
    std::sort(wf.begin(), wf.end());
    std::sort(wd.begin(), wd.end());
    for (int threads : {1, 2, 3, 4, 8}) {
      tbb::task_arena arena(threads);
      arena.execute([&] {
        const internal::SortedValues sf =
            internal::SortedValues::Make({f.data(), DType::kF32, n});
        const internal::SortedValues sd =
            internal::SortedValues::Make({d.data(), DType::kF64, n});
        ASSERT_EQ(std::memcmp(sf.f32(), wf.data(), n * sizeof(float)), 0)
            << rep << " " << threads;
        ASSERT_EQ(std::memcmp(sd.f64(), wd.data(), n * sizeof(double)), 0)
            << rep << " " << threads;
      });
    }
  }
}

TEST(Pipeline, TiesAcrossWordsAndTasks) {
  // Runs of equal values of lengths 1..200 crossing 64-bit words and
  // kTask boundaries.
  std::mt19937_64 g(4);
  std::vector<float> x;
  float v = 0;
  while (x.size() < 3 * internal::kTask + 77) {
    const size_t len = 1 + g() % (g() % 4 == 0 ? 200 : 3);
    for (size_t i = 0; i < len; ++i) x.push_back(v);
    v += 1;
  }
  uint64_t naive = 0;
  for (size_t i = 0; i < x.size();) {
    size_t k = i + 1;
    while (k < x.size() && x[k] == x[i]) ++k;
    naive += (k - i) * (k - i - 1) / 2;
    i = k;
  }
  EXPECT_EQ(internal::TiedPairsF32(x.data(), x.size()), naive);
  const internal::Values vals{x.data(), DType::kF32, x.size()};
  const internal::SortedValues s = internal::SortedValues::Make(vals);
  const GofSummary gs = internal::SummarizeSorted(s, Uniform(-1, 1e6), ValueGrid::kExact);
  const long double total = static_cast<long double>(x.size()) * (x.size() - 1) / 2;
  EXPECT_EQ(gs.tie_probability, static_cast<double>(naive / total));
}

TEST(Pipeline, RunsMatchBoost) {
  for (int rep = 0; rep < 4; ++rep) {
    std::vector<double> x = testing::normal_sample(100003, 30 + rep);
    for (size_t i = 0; i < x.size(); i += 97) x[i] = 0.0;  // ties at the threshold
    const internal::RunsCount c = internal::CountRuns({x.data(), DType::kF64, x.size()}, 0.0);
    const TestResult r = internal::RunsResult(c, x.size(), 0.0);
    const auto [z, p] = boost::math::statistics::runs_above_and_below_threshold(x, 0.0);
    EXPECT_EQ(r.statistic, z);
    EXPECT_EQ(r.p_value, p);
  }
}

TEST(Pipeline, ScanMatchesComputeMoments) {
  std::vector<double> x = testing::normal_sample(1000003, 9, 1e3, 0.5);
  const Moments ref = compute_moments(x);
  const internal::ValueScan scan = internal::ScanValues({x.data(), DType::kF64, x.size()});
  EXPECT_NEAR(scan.moments.mean / ref.mean, 1, 1e-15);
  EXPECT_NEAR(scan.moments.variance / ref.variance, 1, 1e-12);
  EXPECT_NEAR(scan.moments.skewness, ref.skewness, 1e-9);
  EXPECT_NEAR(scan.moments.excess_kurtosis, ref.excess_kurtosis, 1e-9);
  x[5] = NAN;
  x[77777] = -INFINITY;
  const internal::ValueScan bad = internal::ScanValues({x.data(), DType::kF64, x.size()});
  EXPECT_EQ(bad.n_nan, 1);
  EXPECT_EQ(bad.n_inf, 1);
  EXPECT_EQ(bad.first_nonfinite, 5);
  EXPECT_EQ(bad.moments.n, static_cast<int64_t>(x.size()) - 2);
}

}  // namespace
}  // namespace initcheck::verify
