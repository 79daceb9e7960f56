// Calibration measured in the tail (see initcheck/verify/tail_calibration.h).
#include "initcheck/verify/tail_calibration.h"

#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/chi_squared.hpp>
#include <chrono>
#include <cmath>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "initcheck/dtype.h"
#include "initcheck/error.h"
#include "initcheck/fill.h"  // resolve_threads
#include "initcheck/internal/json.h"
#include "initcheck/random.h"
#include "initcheck/verify/anderson_darling.h"
#include "initcheck/verify/chi_square.h"
#include "initcheck/verify/distributions.h"
#include "initcheck/verify/gof.h"
#include "initcheck/verify/independence.h"
#include "initcheck/verify/ks.h"
#include "initcheck/verify/moments.h"
#include "initcheck/verify/sort.h"
#include "initcheck/verify/support.h"
#include "parallel.h"

namespace initcheck::verify {
namespace {

using nlohmann::ordered_json;

// Samples per unit of parallel work (and per seed).
constexpr int64_t kChunk = 4096;

// ---- random numbers ---------------------------------------------------------

// The random stream of one sample: xoshiro256++ (Blackman & Vigna,
// "Scrambled linear pseudorandom number generators", ACM TOMS 47(4), 2021),
// its state filled by SplitMix64 from (chunk seed, sample index). Not the
// fills' Philox4x32-10: at 10^10 draws per case the study needs the ~5x
// faster generator; its output depends on nothing but the two seeds.
class Stream {
 public:
  Stream(uint64_t seed, uint64_t index) {
    uint64_t x = seed ^ (index * 0xd1b54a32d192ed03ull);
    for (uint64_t& w : s_) {
      x += 0x9e3779b97f4a7c15ull;
      uint64_t z = x;
      z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
      z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
      w = z ^ (z >> 31);
    }
  }
  uint64_t bits() {
    const uint64_t result = Rotl(s_[0] + s_[3], 23) + s_[0];
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  double u01() { return uniform01(bits()); }  // [0, 1), 53 bits
  // (0, 1): the 53-bit grid shifted by half a step.
  double open01() { return (static_cast<double>(bits() >> 11) + 0.5) * 0x1p-53; }
  float u01_f32() { return uniform01(static_cast<uint32_t>(bits() >> 32)); }
  double exp1() { return -std::log(open01()); }
  // Marsaglia's polar method (exact in law; no trigonometry).
  double normal() {
    if (have_spare_) {
      have_spare_ = false;
      return spare_;
    }
    double a, b, r;
    do {
      a = 2 * u01() - 1;
      b = 2 * u01() - 1;
      r = a * a + b * b;
    } while (r >= 1 || r == 0);
    const double f = std::sqrt(-2 * std::log(r) / r);
    spare_ = b * f;
    have_spare_ = true;
    return a * f;
  }
  // N(0,1) restricted to [-2, 2], by rejection (acceptance 0.954).
  double truncated_normal2() {
    for (;;) {
      const double z = normal();
      if (std::abs(z) <= 2) return z;
    }
  }
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  // Gamma(a, 1), a >= 1: Marsaglia & Tsang (2000), ACM TOMS 26(3), 363-372.
  double gamma(double a) {
    const double d = a - 1.0 / 3, c = 1 / std::sqrt(9 * d);
    for (;;) {
      const double x = normal();
      double v = 1 + c * x;
      if (v <= 0) continue;
      v = v * v * v;
      const double u = open01();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) return d * v;
    }
  }

 private:
  uint64_t s_[4];
  bool have_spare_ = false;
  double spare_ = 0;
};

// The sorted PIT of n iid U(0,1): U_(i) = S_i / S_{n+1} (Renyi), and
// 1 - U_(i) from the suffix sums.
void SortedUniforms(Stream& s, int64_t n, GofInput& in) {
  thread_local std::vector<double> e;
  e.resize(static_cast<size_t>(n) + 1);
  for (double& v : e) v = s.exp1();
  in.sorted.resize(static_cast<size_t>(n));
  in.cdf.resize(static_cast<size_t>(n));
  in.sf.resize(static_cast<size_t>(n));
  double total = 0;
  for (double v : e) total += v;
  double prefix = 0, suffix = total;
  for (int64_t i = 0; i < n; ++i) {
    prefix += e[static_cast<size_t>(i)];
    suffix -= e[static_cast<size_t>(i)];
    in.cdf[static_cast<size_t>(i)] = prefix / total;
    in.sf[static_cast<size_t>(i)] = suffix / total;
  }
  in.sorted = in.cdf;
  in.n_nan = in.n_below = in.n_above = in.n_pit_zero = in.n_pit_one = 0;
  in.grid = ValueGrid::kExact;
}

// ---- p-value prescreens -----------------------------------------------------

// The A^2 with ad_pvalue(n, A^2) = alpha (bisection, cached per (n, alpha)).
double AdCritical(int64_t n, double alpha) {
  static std::mutex mu;
  static std::map<std::pair<int64_t, double>, double> cache;
  const std::lock_guard<std::mutex> lock(mu);
  const auto it = cache.find({n, alpha});
  if (it != cache.end()) return it->second;
  double lo = 0.1, hi = 60;
  for (int i = 0; i < 60; ++i) {
    const double mid = 0.5 * (lo + hi);
    (ad_pvalue(n, mid) <= alpha ? hi : lo) = mid;
  }
  cache[{n, alpha}] = hi;
  return hi;
}

// The real anderson_darling_test where A^2 could reach max_alpha, else 1.
double AdPValue(const GofInput& in, double max_alpha) {
  const AdStatistic a = ad_statistic(in.cdf, in.sf);
  if (a.a2 < 0.9 * AdCritical(in.size(), max_alpha)) return 1.0;
  return anderson_darling_test(in).p_value;
}

// ---- cases ------------------------------------------------------------------

TailCase UniformGof() {
  TailCase c;
  c.label = "uniform_n1000_gof";
  c.data = "U(0,1) sorted sample (the PIT of any continuous target), f64";
  c.method =
      "sorted PIT drawn directly by exponential spacings; real ks_test, "
      "anderson_darling_test (prescreened on A^2), chi_square_test "
      "(50 bins), support_test (extremes) and mean_test (uniform target)";
  c.n = 1000;
  c.samples = 4'000'000;
  c.tests = {"ks", "anderson_darling", "chi_square", "support", "mean"};
  c.simulate = [n = c.n](uint64_t seed, uint64_t index, double max_alpha,
                         std::span<double> p) {
    thread_local GofInput in;
    static const Uniform target(0, 1);
    Stream s(seed, index);
    SortedUniforms(s, n, in);
    p[0] = ks_test(in).p_value;
    p[1] = AdPValue(in, max_alpha);
    p[2] = chi_square_test(in).p_value;
    p[3] = support_test(in, target).p_value;
    p[4] = mean_test(compute_moments(in.sorted), target).p_value;
  };
  return c;
}

// The chi-square test alone, at the size where its bins hold the minimum
// expected count (20): it sees only the counts of its 50 equiprobable bins,
// so the sample is drawn as n bin indices and presented to the real
// chi_square_test as a sorted PIT at the bins' centres.
TailCase ChiSquareCounts(int64_t n, int64_t samples) {
  TailCase c;
  c.label = "uniform_n" + std::to_string(n) + "_chi_square";
  c.data = "U(0,1) binned (the PIT of any continuous target)";
  c.method =
      "n uniform bin indices per sample, presented as a sorted PIT at the "
      "bin centres to the real chi_square_test";
  c.n = n;
  c.samples = samples;
  c.tests = {"chi_square"};
  c.simulate = [n](uint64_t seed, uint64_t index, double,
                   std::span<double> p) {
    thread_local GofInput in;
    thread_local std::vector<int64_t> counts;
    const int k = chi_square_bins(n);
    counts.assign(static_cast<size_t>(k), 0);
    Stream s(seed, index);
    for (int64_t i = 0; i < n; ++i) {
      ++counts[static_cast<size_t>(s.u01() * k)];
    }
    in.cdf.clear();
    in.sf.clear();
    for (int j = 0; j < k; ++j) {
      const double centre = (j + 0.5) / k;
      for (int64_t m = 0; m < counts[static_cast<size_t>(j)]; ++m) {
        in.cdf.push_back(centre);
        in.sf.push_back(1 - centre);
      }
    }
    in.sorted = in.cdf;
    p[0] = chi_square_test(in).p_value;
  };
  return c;
}

TailCase Independence(bool normal) {
  TailCase c;
  c.label = normal ? "normal_n1000_independence" : "uniform_n1000_independence";
  c.data = normal ? "N(0,1), f64, 100 x 10" : "U(0,1), f64, 100 x 10";
  c.method =
      "real serial_correlation_test (lag 1), row_correlation_tests (100 rows "
      "of 10: the smallest gating width; the uniform target's values on "
      "normal scores, as the battery does)" +
      std::string(normal ? "" : ", runs_test");
  c.n = 1000;
  c.samples = normal ? 1'000'000 : 2'000'000;
  c.tests = {"serial_correlation", "row_correlation_mean", "row_correlation_max"};
  if (!normal) c.tests.push_back("runs");
  c.simulate = [n = c.n, normal](uint64_t seed, uint64_t index, double,
                                 std::span<double> p) {
    thread_local std::vector<double> x;
    x.resize(static_cast<size_t>(n));
    Stream s(seed, index);
    for (double& v : x) v = normal ? s.normal() : s.u01();
    p[0] = serial_correlation_test(x).p_value;
    // As the battery: non-normal targets are correlated on normal scores.
    static const Uniform target(0, 1);
    const RowCorrelationTests rc =
        row_correlation_tests(x, 100, 10, normal ? nullptr : &target);
    p[1] = rc.mean.p_value;
    p[2] = rc.max_abs.p_value;
    if (!normal) p[3] = runs_test(x).p_value;
  };
  return c;
}

TailCase NormalMarginal() {
  TailCase c;
  c.label = "normal_n1000";
  c.data = "N(0,1), f64";
  c.method = "real support_test (max |x - mu|) and mean_test (normal target)";
  c.n = 1000;
  c.samples = 1'000'000;
  c.tests = {"support", "mean"};
  c.simulate = [n = c.n](uint64_t seed, uint64_t index, double,
                         std::span<double> p) {
    thread_local std::vector<double> x;
    static const Normal target(0, 1);
    Stream s(seed, index);
    x.resize(static_cast<size_t>(n));
    for (double& v : x) v = s.normal();
    const Moments m = compute_moments(x);
    // The battery's own input (sorted values and their PITs): the trust
    // merge's support test reads the PITs (cdf, sf), which a hand-filled
    // `sorted` alone left empty (a segfault).
    const GofInput in = make_gof_input(x, target);
    p[0] = support_test(in, target).p_value;
    p[1] = mean_test(m, target).p_value;
  };
  // The mean of normal data is exactly normal: the z-test is exact.
  c.exact = [](size_t test, double) { return test == 1 ? 1.0 : kNaN; };
  return c;
}

// Variance and mean tests at n = 10^4 on the chi-square law directly.
TailCase VarianceNormal() {
  TailCase c;
  c.label = "normal_n10000_moments";
  c.data = "N(0,1), f64";
  c.method =
      "statistics drawn directly: (n-1) s^2 ~ chi2(n-1) = 2 Gamma((n-1)/2), "
      "mean ~ N(0, 1/n); real variance_test and mean_test";
  c.n = 10000;
  c.samples = 30'000'000;
  c.tests = {"variance", "mean"};
  c.simulate = [n = c.n](uint64_t seed, uint64_t index, double,
                         std::span<double> p) {
    static const Normal target(0, 1);
    Stream s(seed, index);
    const double nn = static_cast<double>(n);
    Moments m;
    m.n = n;
    m.variance = 2 * s.gamma(0.5 * (nn - 1)) / (nn - 1);
    m.mean = s.normal() / std::sqrt(nn);
    p[0] = variance_test(m, target).p_value;
    p[1] = mean_test(m, target).p_value;
  };
  // Exact: the test rejects when |s^2 - 1| >= z v, v = sqrt(2/(n-1)).
  c.exact = [n = c.n](size_t test, double alpha) {
    if (test == 1) return 1.0;
    const double nn = static_cast<double>(n);
    const double z = normal_isf(alpha / 2), v = std::sqrt(2 / (nn - 1));
    const boost::math::chi_squared chi(nn - 1);
    double rate = boost::math::cdf(
        boost::math::complement(chi, (nn - 1) * (1 + z * v)));
    if (1 - z * v > 0) rate += boost::math::cdf(chi, (nn - 1) * (1 - z * v));
    return rate / alpha;
  };
  return c;
}

TailCase MomentsOf(bool uniform, int64_t n, int64_t samples) {
  TailCase c;
  const std::string size = std::to_string(n);
  c.label = (uniform ? "uniform_n" : "truncated_normal_n") + size + "_moments";
  c.data = uniform ? "U(0,1), f64" : "N(0,1) truncated to [-2, 2], f64";
  c.n = n;
  c.samples = samples;
  c.tests = n >= kMinVarianceTestN ? std::vector<std::string>{"variance", "mean"}
                                   : std::vector<std::string>{"mean"};
  c.method = "n values per sample" +
             std::string(uniform ? "" : " (rejection from normals)") +
             "; real compute_moments, " +
             (n >= kMinVarianceTestN ? "variance_test, " : "") + "mean_test";
  c.simulate = [n, uniform](uint64_t seed, uint64_t index, double,
                            std::span<double> p) {
    static const Uniform u(0, 1);
    static const TruncatedNormal t(0, 1, -2, 2);
    const Distribution& target = uniform ? static_cast<const Distribution&>(u) : t;
    thread_local std::vector<double> x;
    x.resize(static_cast<size_t>(n));
    Stream s(seed, index);
    for (double& v : x) v = uniform ? s.u01() : s.truncated_normal2();
    const Moments m = compute_moments(x);
    size_t i = 0;
    if (n >= kMinVarianceTestN) p[i++] = variance_test(m, target).p_value;
    p[i] = mean_test(m, target).p_value;
  };
  return c;
}

// Low-precision data through the randomized PIT.
TailCase Grid(bool f16) {
  TailCase c;
  c.label = f16 ? "f16_uniform_n1000" : "bf16_normal_n1000";
  c.data = f16 ? "U(-1,1) drawn in f32, rounded to f16"
               : "N(0,1) rounded to f32, then to bf16";
  c.method =
      "real make_gof_input (randomized PIT over the rounding cells), ks_test, "
      "anderson_darling_test (prescreened), chi_square_test, support_test, "
      "duplicate_rows_test (100 x 10), repeated_windows_test, "
      "serial_correlation_test, runs_test";
  c.n = 1000;
  c.samples = 1'000'000;
  c.tests = {"ks",      "anderson_darling",   "chi_square",
             "support", "duplicate_rows",     "repeated_windows",
             "serial_correlation", "runs"};
  c.simulate = [n = c.n, f16](uint64_t seed, uint64_t index, double max_alpha,
                              std::span<double> p) {
    static const Uniform u(-1, 1);
    static const Normal g(0, 1);
    thread_local std::vector<double> x;
    x.resize(static_cast<size_t>(n));
    Stream s(seed, index);
    for (double& v : x) {
      if (f16) {
        const float f = 2.0f * s.u01_f32() - 1.0f;
        v = f16_to_f32(f32_to_f16(f));
      } else {
        v = bf16_to_f32(f32_to_bf16(static_cast<float>(s.normal())));
      }
    }
    const GofInput in = make_gof_input(
        x, f16 ? static_cast<const Distribution&>(u) : g,
        f16 ? ValueGrid::kFloat16 : ValueGrid::kBFloat16);
    const double ties = tie_probability(in.sorted);
    p[0] = ks_test(in).p_value;
    p[1] = AdPValue(in, max_alpha);
    p[2] = chi_square_test(in).p_value;
    p[3] = support_test(in, f16 ? static_cast<const Distribution&>(u) : g).p_value;
    p[4] = duplicate_rows_test(x, 100, 10, ties).p_value;
    p[5] = repeated_windows_test(x, ties).p_value;
    p[6] = serial_correlation_test(x).p_value;
    p[7] = runs_test(x).p_value;
  };
  return c;
}

// The battery's Haar sign tests: two-sided exact binomial(k, 1/2),
// p = min(1, 2 P(Bin <= min(pos, k - pos))) (battery.cc, SignTestP); the
// actual rate P(p <= alpha) by enumeration of the k + 1 outcomes.
TailCase HaarSigns() {
  TailCase c;
  c.label = "haar_signs";
  c.data = "k fair signs (a Haar matrix's diagonal, row or column)";
  c.method = "exact enumeration of Binomial(k, 1/2)";
  c.n = 0;
  c.samples = 0;
  const std::vector<int64_t> ks = {16, 64, 256, 1024};
  for (int64_t k : ks) c.tests.push_back("haar_signs_k" + std::to_string(k));
  c.exact = [ks](size_t test, double alpha) {
    const int64_t k = ks[test];
    const boost::math::binomial b(static_cast<double>(k), 0.5);
    double rate = 0;
    for (int64_t pos = 0; pos <= k; ++pos) {
      const double p = std::min(
          1.0, 2 * boost::math::cdf(b, static_cast<double>(std::min(pos, k - pos))));
      if (p <= alpha) rate += boost::math::pdf(b, static_cast<double>(pos));
    }
    return rate / alpha;
  };
  return c;
}

uint64_t Fnv(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char ch : s) {
    h ^= ch;
    h *= 0x100000001b3ull;
  }
  return h;
}

ordered_json Num(double x) { return ::initcheck::internal::json_number(x); }

}  // namespace

std::vector<TailCase> default_tail_cases() {
  return {UniformGof(),
          ChiSquareCounts(1000, 20'000'000),
          Independence(false),
          Independence(true),
          NormalMarginal(),
          VarianceNormal(),
          MomentsOf(true, 10000, 1'000'000),
          MomentsOf(false, 10000, 1'000'000),
          MomentsOf(false, 1000, 1'000'000),
          Grid(true),
          Grid(false),
          HaarSigns()};
}

TailCalibrationResults run_tail_calibration(const TailCalibrationOptions& o,
                                            const std::vector<TailCase>& cases) {
  const auto t0 = std::chrono::steady_clock::now();
  if (o.alphas.empty() || !(o.scale > 0)) {
    throw Error("run_tail_calibration: invalid options");
  }
  const double max_alpha = *std::max_element(o.alphas.begin(), o.alphas.end());
  const int threads = resolve_threads(o.threads);
  TailCalibrationResults res;
  res.options = o;
  for (const TailCase& c : cases) {
    if (!o.cases.empty() &&
        std::find(o.cases.begin(), o.cases.end(), c.label) == o.cases.end()) {
      continue;
    }
    const auto tc = std::chrono::steady_clock::now();
    TailCaseResult cr;
    cr.label = c.label;
    cr.data = c.data;
    cr.method = c.method;
    cr.n = c.n;
    const size_t nt = c.tests.size(), na = o.alphas.size();
    std::vector<int64_t> counts(nt * na, 0);
    if (c.samples > 0 && c.simulate) {
      const int64_t k = std::max<int64_t>(
          1, std::llround(static_cast<double>(c.samples) * o.scale));
      cr.samples = k;
      const int64_t chunks = (k + kChunk - 1) / kChunk;
      std::vector<std::vector<int64_t>> per(static_cast<size_t>(chunks));
      const uint64_t stream = Fnv(c.label);
      internal::ParallelIndex(0, chunks, threads, [&](int64_t ch) {
        std::vector<int64_t>& cnt = per[static_cast<size_t>(ch)];
        cnt.assign(nt * na, 0);
        const uint64_t seed =
            study_seed(o.base_seed, stream, static_cast<uint64_t>(ch));
        std::vector<double> p(nt);
        const int64_t end = std::min(k, (ch + 1) * kChunk) - ch * kChunk;
        for (int64_t i = 0; i < end; ++i) {
          std::fill(p.begin(), p.end(), kNaN);
          c.simulate(seed, static_cast<uint64_t>(i), max_alpha, p);
          for (size_t t = 0; t < nt; ++t) {
            for (size_t a = 0; a < na; ++a) cnt[t * na + a] += p[t] <= o.alphas[a];
          }
        }
      });
      for (const auto& cnt : per) {
        for (size_t j = 0; j < counts.size(); ++j) counts[j] += cnt[j];
      }
    }
    for (size_t t = 0; t < nt; ++t) {
      TailTestResult tr;
      tr.name = c.tests[t];
      for (size_t a = 0; a < na; ++a) {
        TailRate r;
        r.alpha = o.alphas[a];
        if (c.exact) r.exact_ratio = c.exact(t, r.alpha);
        if (cr.samples > 0) {
          r.count = counts[t * na + a];
          r.expected = static_cast<double>(cr.samples) * r.alpha;
          r.ratio = static_cast<double>(r.count) / r.expected;
          const Interval ci = clopper_pearson(r.count, cr.samples, o.confidence);
          r.ratio_ci = {ci.low / r.alpha, ci.high / r.alpha};
          r.p_exceed = binomial_tail_ge(r.count, cr.samples,
                                        std::min(1.0, o.max_ratio * r.alpha));
          r.exceeds = r.p_exceed < o.meta_alpha;
          r.suspect = !r.exceeds && r.ratio > o.max_ratio;
        } else {
          r.ratio = r.exact_ratio;
          r.ratio_ci = {r.exact_ratio, r.exact_ratio};
          r.exceeds = r.exact_ratio > o.max_ratio;
        }
        res.pass = res.pass && !r.exceeds;
        tr.rates.push_back(r);
      }
      cr.tests.push_back(std::move(tr));
    }
    if (o.progress) {
      o.progress(format(
          "%s: %lld samples in %.1f s", c.label.c_str(),
          static_cast<long long>(cr.samples),
          std::chrono::duration<double>(std::chrono::steady_clock::now() - tc)
              .count()));
    }
    res.cases.push_back(std::move(cr));
  }
  res.elapsed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  return res;
}

std::string to_json(const TailCalibrationResults& r) {
  const TailCalibrationOptions& o = r.options;
  ordered_json j;
  j["schema"] = "initcheck.tail_calibration/1";
  j["base_seed"] = o.base_seed;
  j["scale"] = o.scale;
  j["alphas"] = o.alphas;
  j["max_ratio"] = o.max_ratio;
  j["meta_alpha"] = o.meta_alpha;
  j["confidence"] = o.confidence;
  j["pass"] = r.pass;
  j["cases"] = ordered_json::array();
  for (const TailCaseResult& c : r.cases) {
    ordered_json x;
    x["label"] = c.label;
    x["data"] = c.data;
    x["n"] = c.n;
    x["samples"] = c.samples;
    x["method"] = c.method;
    x["tests"] = ordered_json::array();
    for (const TailTestResult& t : c.tests) {
      ordered_json y;
      y["name"] = t.name;
      y["rates"] = ordered_json::array();
      for (const TailRate& a : t.rates) {
        y["rates"].push_back(
            {{"alpha", a.alpha},
             {"count", a.count >= 0 ? ordered_json(a.count) : ordered_json(nullptr)},
             {"expected", a.expected},
             {"ratio", Num(a.ratio)},
             {"ci_low", Num(a.ratio_ci.low)},
             {"ci_high", Num(a.ratio_ci.high)},
             {"exact_ratio", Num(a.exact_ratio)},
             {"p_exceed", Num(a.p_exceed)},
             {"exceeds", a.exceeds},
             {"suspect", a.suspect}});
      }
      x["tests"].push_back(y);
    }
    j["cases"].push_back(x);
  }
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string tail_failures(const TailCalibrationResults& r) {
  std::string out;
  for (const TailCaseResult& c : r.cases) {
    for (const TailTestResult& t : c.tests) {
      for (const TailRate& a : t.rates) {
        if (!a.exceeds && !a.suspect) continue;
        out += format("%s %s at alpha %g: ratio %.3g [%.3g, %.3g] (%s)\n",
                      c.label.c_str(), t.name.c_str(), a.alpha, a.ratio,
                      a.ratio_ci.low, a.ratio_ci.high,
                      a.exceeds ? "EXCEEDS" : "suspect");
      }
    }
  }
  return out;
}

}  // namespace initcheck::verify
