#include "initcheck/verify/independence.h"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <boost/math/statistics/runs_test.hpp>
#include <cmath>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "hwy/contrib/sort/vqsort.h"
#include "initcheck/error.h"
#include "initcheck/verify/distributions.h"
#include "initcheck/verify/moments.h"
#include "lag_kernel.h"

namespace initcheck::verify {
namespace {

void check_shape(size_t size, int64_t rows, int64_t cols, const char* what) {
  if (rows < 1 || cols < 1 ||
      static_cast<uint64_t>(rows) * static_cast<uint64_t>(cols) != size) {
    throw Error(format("%s: rows (%lld) x cols (%lld) != size (%zu)", what,
                       static_cast<long long>(rows),
                       static_cast<long long>(cols), size));
  }
}

uint64_t mix64(uint64_t z) {
  // SplitMix64 finalizer (Steele, Lea & Flood 2014).
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Bits of a value for hashing; +0.0 and -0.0 (which compare equal) hash alike.
template <typename T>
uint64_t value_bits(T v) {
  const double d = (v == 0) ? 0.0 : static_cast<double>(v);
  uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return mix64(b + 0x9E3779B97F4A7C15ull);
}

// P(Poisson(lambda) >= k).
double poisson_upper(double lambda, int64_t k) {
  if (k <= 0) return 1.0;
  if (lambda <= 0) return 0.0;
  return boost::math::gamma_p(static_cast<double>(k), lambda);
}

template <typename T>
TestResult serial_impl(std::span<const T> x, int64_t lag) {
  TestResult r;
  r.name = "serial_correlation";
  const int64_t n = static_cast<int64_t>(x.size());
  r.n = n;
  if (lag < 1) throw Error("serial_correlation_test: lag must be >= 1");
  if (n < lag + 3) {
    r.reliable = false;
    r.note = "too few values";
    return r;
  }
  const Moments m = compute_moments(x);
  if (m.n_nan > 0) {
    r.p_value = 0.0;
    r.note = format("%lld NaN values", static_cast<long long>(m.n_nan));
    return r;
  }
  const double mean = m.mean;
  long double num = 0, den = 0;
  constexpr size_t kBlock = 1024;
  const size_t nn = x.size();
  const size_t k = static_cast<size_t>(lag);
  for (size_t b = 0; b < nn; b += kBlock) {
    const size_t e = std::min(nn, b + kBlock);
    double an = 0, ad = 0;
    for (size_t i = b; i < e; ++i) {
      const double d = static_cast<double>(x[i]) - mean;
      ad += d * d;
      if (i + k < nn) an += d * (static_cast<double>(x[i + k]) - mean);
    }
    num += an;
    den += ad;
  }
  if (!(den > 0)) {
    r.p_value = 0.0;
    r.note = "constant sequence";
    return r;
  }
  const double dn = static_cast<double>(n);
  const double rk = static_cast<double>(num / den);
  const double expected = -(dn - lag) / (dn * (dn - 1));
  const double se = std::sqrt(dn - lag) / dn;
  r.statistic = (rk - expected) / se;
  r.p_value = two_sided_normal_pvalue(r.statistic);
  r.reliable = n >= 1000;
  r.details = {{"lag", static_cast<double>(lag)}, {"r", rk}, {"se", se}};
  r.note = format("lag-%lld autocorrelation %.3g (null sd %.3g, z=%.3g)",
                  static_cast<long long>(lag), rk, se, r.statistic);
  return r;
}

// The normal score Phi^-1(F(x)) of a value under the marginal law F, F
// clamped to [2^-26, 1 - 2^-26] (|z| <= 5.45: a value exactly at a bound, as
// a float uniform hits with probability 2^-24 per value, stays a plausible
// normal value instead of an infinite one).
double NormalScore(const Distribution& f, double x) {
  constexpr double kEps = 0x1p-26;
  const double u = f.cdf(x);
  if (u <= 0.5) return normal_quantile(std::max(u, kEps));
  return normal_isf(std::max(f.sf(x), kEps));
}

template <typename T>
RowCorrelationTests rows_impl(std::span<const T> x, int64_t rows,
                              int64_t cols, const Distribution* marginal) {
  check_shape(x.size(), rows, cols, "row_correlation_tests");
  RowCorrelationTests out;
  out.mean.name = "row_correlation_mean";
  out.max_abs.name = "row_correlation_max";
  out.mean.n = out.max_abs.n = static_cast<int64_t>(x.size());
  if (rows < 2 || cols < 3) {
    out.mean.reliable = out.max_abs.reliable = false;
    out.mean.note = out.max_abs.note = "need >= 2 rows of >= 3 values";
    return out;
  }
  const size_t c = static_cast<size_t>(cols);
  // Center and normalize each row once.
  std::vector<double> prev(c), cur(c);
  auto load = [&](int64_t row, std::vector<double>& dst) -> bool {
    const T* p = x.data() + static_cast<size_t>(row) * c;
    for (size_t j = 0; j < c; ++j) {
      dst[j] = marginal ? NormalScore(*marginal, static_cast<double>(p[j]))
                        : static_cast<double>(p[j]);
    }
    long double s = 0;
    for (size_t j = 0; j < c; ++j) s += dst[j];
    const double mean = static_cast<double>(s / c);
    long double ss = 0;
    for (size_t j = 0; j < c; ++j) {
      dst[j] -= mean;
      ss += static_cast<long double>(dst[j]) * dst[j];
    }
    if (!(ss > 0) || std::isnan(static_cast<double>(ss))) return false;
    const double inv = 1.0 / std::sqrt(static_cast<double>(ss));
    for (size_t j = 0; j < c; ++j) dst[j] *= inv;
    return true;
  };
  bool prev_ok = load(0, prev);
  long double sum_c = 0;
  int64_t pairs = 0, degenerate = 0, worst_row = -1;
  double worst = -1, worst_signed = 0;
  for (int64_t row = 1; row < rows; ++row) {
    const bool cur_ok = load(row, cur);
    if (prev_ok && cur_ok) {
      long double dot = 0;
      for (size_t j = 0; j < c; ++j)
        dot += static_cast<long double>(prev[j]) * cur[j];
      const double cr = std::clamp(static_cast<double>(dot), -1.0, 1.0);
      sum_c += cr;
      ++pairs;
      if (std::fabs(cr) > worst) {
        worst = std::fabs(cr);
        worst_signed = cr;
        worst_row = row - 1;
      }
    } else {
      ++degenerate;
    }
    std::swap(prev, cur);
    prev_ok = cur_ok;
  }
  const bool reliable = cols >= 10;
  out.mean.reliable = out.max_abs.reliable = reliable;
  const std::vector<Detail> common = {
      {"pairs", static_cast<double>(pairs)},
      {"degenerate_pairs", static_cast<double>(degenerate)}};
  if (pairs == 0) {
    out.mean.note = out.max_abs.note = "no row pair with nonzero variance";
    out.mean.details = out.max_abs.details = common;
    return out;
  }
  const double dc = static_cast<double>(cols);
  const double mean_c = static_cast<double>(sum_c / pairs);
  out.mean.statistic =
      mean_c * std::sqrt(static_cast<double>(pairs) * (dc - 1));
  out.mean.p_value = two_sided_normal_pvalue(out.mean.statistic);
  out.mean.details = common;
  out.mean.details.push_back({"mean_correlation", mean_c});
  out.mean.note =
      format("mean correlation of adjacent rows %.3g (null sd %.3g)", mean_c,
             1.0 / std::sqrt(static_cast<double>(pairs) * (dc - 1)));

  double p_pair;
  if (worst >= 1.0) {
    p_pair = 0.0;
  } else {
    const double dof = dc - 2;
    const double t = worst * std::sqrt(dof / (1 - worst * worst));
    p_pair = 2 * boost::math::cdf(boost::math::complement(
                     boost::math::students_t_distribution<double>(dof), t));
  }
  out.max_abs.statistic = worst;
  out.max_abs.p_value = std::min(1.0, p_pair * static_cast<double>(pairs));
  out.max_abs.details = common;
  out.max_abs.details.push_back({"worst_row", static_cast<double>(worst_row)});
  out.max_abs.details.push_back({"worst_correlation", worst_signed});
  out.max_abs.note = format(
      "largest |correlation| %.3g between rows %lld and %lld "
      "(null sd %.3g; Bonferroni over %lld pairs)",
      worst_signed, static_cast<long long>(worst_row),
      static_cast<long long>(worst_row + 1), 1.0 / std::sqrt(dc - 1),
      static_cast<long long>(pairs));
  return out;
}

template <typename T>
bool rows_equal(const T* a, const T* b, size_t c) {
  for (size_t j = 0; j < c; ++j) {
    if (!(a[j] == b[j])) return false;
  }
  return true;
}

template <typename T>
TestResult duplicate_impl(std::span<const T> x, int64_t rows, int64_t cols,
                          double tie_p) {
  check_shape(x.size(), rows, cols, "duplicate_rows_test");
  TestResult r;
  r.name = "duplicate_rows";
  r.n = static_cast<int64_t>(x.size());
  const size_t c = static_cast<size_t>(cols);
  std::vector<std::pair<uint64_t, int64_t>> keys(static_cast<size_t>(rows));
  for (int64_t row = 0; row < rows; ++row) {
    const T* p = x.data() + static_cast<size_t>(row) * c;
    uint64_t h = 0x51ED270B27A3C1F5ull;
    for (size_t j = 0; j < c; ++j) h = mix64(h ^ value_bits(p[j])) + j;
    keys[static_cast<size_t>(row)] = {h, row};
  }
  std::sort(keys.begin(), keys.end());
  int64_t duplicates = 0, first_a = -1, first_b = -1;
  for (size_t i = 0; i < keys.size();) {
    size_t k = i + 1;
    while (k < keys.size() && keys[k].first == keys[i].first) ++k;
    // Within a hash group, count rows equal to an earlier member.
    for (size_t a = i + 1; a < k; ++a) {
      for (size_t b = i; b < a; ++b) {
        const T* pa = x.data() + static_cast<size_t>(keys[a].second) * c;
        const T* pb = x.data() + static_cast<size_t>(keys[b].second) * c;
        if (rows_equal(pa, pb, c)) {
          ++duplicates;
          if (first_a < 0) {
            first_a = std::min(keys[a].second, keys[b].second);
            first_b = std::max(keys[a].second, keys[b].second);
          }
          break;
        }
        if (a - i > 64) break;  // giant groups are all-equal in practice
      }
    }
    i = k;
  }
  const double dr = static_cast<double>(rows);
  const double lambda =
      dr * (dr - 1) / 2 * std::pow(tie_p, static_cast<double>(cols));
  r.statistic = static_cast<double>(duplicates);
  r.p_value = poisson_upper(lambda, duplicates);
  r.reliable = rows >= 2;
  r.details = {{"duplicates", static_cast<double>(duplicates)},
               {"expected_under_h0", lambda}};
  if (duplicates > 0) {
    r.note = format(
        "%lld rows repeat an earlier row (e.g. rows %lld and %lld); "
        "expected %.3g under H0",
        static_cast<long long>(duplicates), static_cast<long long>(first_a),
        static_cast<long long>(first_b), lambda);
  } else {
    r.note = "no duplicate rows";
  }
  return r;
}

double windows_lambda(double n_windows, double tie_p, int w) {
  return n_windows * (n_windows - 1) / 2 * std::pow(tie_p, w) +
         n_windows * (w - 1) * std::pow(tie_p, 0.5 * (w + 1));
}

template <typename T>
TestResult windows_impl(std::span<const T> x, double tie_p, int window) {
  TestResult r;
  r.name = "repeated_windows";
  const size_t n = x.size();
  r.n = static_cast<int64_t>(n);
  int w = window;
  if (w <= 0) {
    w = 2;
    while (w < 64 &&
           windows_lambda(static_cast<double>(n) - w + 1, tie_p, w) > 1e-3) {
      ++w;
    }
  }
  if (n < static_cast<size_t>(w) + 1) {
    r.reliable = false;
    r.note = "too few values";
    return r;
  }
  const size_t nw = n - static_cast<size_t>(w) + 1;
  const double lambda = windows_lambda(static_cast<double>(nw), tie_p, w);
  // Polynomial rolling hash of mixed value bits (mod 2^64).
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull | 1;
  uint64_t top = 1;  // kMul^(w-1)
  for (int j = 1; j < w; ++j) top *= kMul;
  // Window i's hash; the same rolling recurrence in both passes below, so
  // the hashes are not kept twice (8 bytes per element fewer at the peak of
  // the battery).
  auto for_each_hash = [&](auto&& f) {
    uint64_t h = 0;
    for (int j = 0; j < w; ++j)
      h = h * kMul + value_bits(x[static_cast<size_t>(j)]);
    f(size_t{0}, h);
    for (size_t i = 1; i < nw; ++i) {
      h = (h - value_bits(x[i - 1]) * top) * kMul +
          value_bits(x[i + static_cast<size_t>(w) - 1]);
      f(i, h);
    }
  };
  std::vector<uint64_t> sorted(nw);
  for_each_hash([&](size_t i, uint64_t h) { sorted[i] = h; });
  {
    thread_local hwy::Sorter sorter;
    sorter(sorted.data(), sorted.size(), hwy::SortAscending());
  }
  // Hash values that occur more than once.
  std::unordered_map<uint64_t, std::vector<size_t>> groups;
  for (size_t i = 1; i < nw; ++i) {
    if (sorted[i] == sorted[i - 1])
      groups.emplace(sorted[i], std::vector<size_t>{});
  }
  std::vector<uint64_t>().swap(sorted);
  int64_t pairs = 0;
  int64_t ex_a = -1, ex_b = -1;
  if (!groups.empty()) {
    for_each_hash([&](size_t i, uint64_t h) {
      auto it = groups.find(h);
      if (it != groups.end()) it->second.push_back(i);
    });
    for (auto& [key, pos] : groups) {
      // Members equal to the group's first window (true collisions of the
      // 64-bit hash between different windows are ~1e-6 likely at n = 1e7).
      int64_t equal = 1;
      const T* first = x.data() + pos[0];
      for (size_t m = 1; m < pos.size(); ++m) {
        if (rows_equal(first, x.data() + pos[m], static_cast<size_t>(w))) {
          ++equal;
          if (ex_a < 0 || static_cast<int64_t>(pos[m] - pos[0]) < ex_b - ex_a) {
            ex_a = static_cast<int64_t>(pos[0]);
            ex_b = static_cast<int64_t>(pos[m]);
          }
        }
      }
      pairs += equal * (equal - 1) / 2;
    }
  }
  r.statistic = static_cast<double>(pairs);
  r.p_value =
      pairs > 0 ? std::min(1.0, lambda / static_cast<double>(pairs)) : 1.0;
  r.reliable = true;
  r.details = {{"window", static_cast<double>(w)},
               {"pairs", static_cast<double>(pairs)},
               {"expected_bound_under_h0", lambda}};
  if (pairs > 0) {
    r.note = format(
        "%lld pairs of equal %d-value windows (e.g. at %lld and %lld, "
        "offset %lld); H0 bound %.3g",
        static_cast<long long>(pairs), w, static_cast<long long>(ex_a),
        static_cast<long long>(ex_b), static_cast<long long>(ex_b - ex_a),
        lambda);
  } else {
    r.note = format("no repeated %d-value windows", w);
  }
  return r;
}

TestResult runs_from_boost(std::span<const double> x, double median) {
  TestResult r;
  r.name = "runs";
  r.n = static_cast<int64_t>(x.size());
  if (x.size() < 2) {
    r.reliable = false;
    r.note = "too few values";
    return r;
  }
  const auto [z, p] =
      boost::math::statistics::runs_above_and_below_threshold(x, median);
  r.statistic = z;
  r.p_value = p;
  r.reliable = x.size() >= 1000;
  r.details = {{"median", median}};
  r.note = format("runs above/below the median: z=%.3g (%s runs than expected)",
                  z, z < 0 ? "fewer" : "more");
  return r;
}

double median_of(std::vector<double> v) {
  if (v.empty()) return kNaN;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + mid, v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) {
    const double lower = *std::max_element(v.begin(), v.begin() + mid);
    m = 0.5 * (m + lower);
  }
  return m;
}

}  // namespace

std::vector<int64_t> correlation_lags(int64_t n,
                                      std::span<const int64_t> extra) {
  std::vector<int64_t> lags;
  for (int64_t k = 1; k <= 64; ++k) lags.push_back(k);
  for (int64_t k = 128; k <= 4096; k *= 2) lags.push_back(k);
  for (int64_t k : extra) lags.push_back(k);
  std::sort(lags.begin(), lags.end());
  lags.erase(std::unique(lags.begin(), lags.end()), lags.end());
  std::vector<int64_t> out;
  for (int64_t k : lags) {
    if (k >= 1 && 2 * k <= n) out.push_back(k);
  }
  return out;
}

std::vector<double> autocorrelations(std::span<const double> x,
                                     std::span<const int64_t> lags) {
  const size_t n = x.size();
  std::vector<double> r(lags.size(), kNaN);
  if (n < 2) return r;
  for (int64_t k : lags) {
    if (k < 1) throw Error("autocorrelations: lags must be >= 1");
  }
  // Pass 1: the mean (4 partial sums per block of 1024, long double across
  // blocks), and whether every value is finite.
  constexpr size_t kSumBlock = 1024;
  long double total = 0;
  bool finite = true;
  for (size_t b = 0; b < n; b += kSumBlock) {
    const size_t e = std::min(n, b + kSumBlock);
    double a[4] = {0, 0, 0, 0};
    size_t i = b;
    for (; i + 4 <= e; i += 4) {
      for (size_t t = 0; t < 4; ++t) a[t] += x[i + t];
    }
    for (; i < e; ++i) a[0] += x[i];
    const double blk = (a[0] + a[1]) + (a[2] + a[3]);
    finite = finite && std::isfinite(blk);
    total += blk;
  }
  if (!finite) return r;
  const double mean = static_cast<double>(total / static_cast<long double>(n));
  // Pass 2, by blocks of kBlock values held in float32 (centred) with the
  // kMaxBuffered values after them: D = sum (x - mean)^2 in double, lags
  // 1..64 in one kernel (vectorized over the lag), lags up to kMaxBuffered
  // as dot products on the same cache-resident buffer. Longer lags (axis
  // strides and row lengths of large tensors, a few at most): one pass each.
  constexpr int64_t kMaxBuffered = 4096;
  constexpr size_t kBlock = 16384;
  bool any_dense = false;
  int64_t max_mid = 0;
  std::vector<size_t> mid, far;
  for (size_t j = 0; j < lags.size(); ++j) {
    if (lags[j] <= 64) {
      any_dense = true;
    } else if (lags[j] <= kMaxBuffered) {
      mid.push_back(j);
      max_mid = std::max(max_mid, lags[j]);
    } else {
      far.push_back(j);
    }
  }
  std::vector<long double> dense(64, 0.0L), mid_sum(mid.size(), 0.0L);
  long double den = 0;
  const size_t extent = kBlock + static_cast<size_t>(std::max<int64_t>(max_mid, 64));
  std::vector<float> w(extent);
  float acc[64];
  for (size_t i0 = 0; i0 < n; i0 += kBlock) {
    const size_t len = std::min(kBlock, n - i0);
    const size_t have = std::min(extent, n - i0);
    double d2[4] = {0, 0, 0, 0};
    size_t j = 0;
    for (; j + 4 <= len; j += 4) {
      for (size_t t = 0; t < 4; ++t) {
        const double d = x[i0 + j + t] - mean;
        d2[t] += d * d;
        w[j + t] = static_cast<float>(d);
      }
    }
    for (; j < len; ++j) {
      const double d = x[i0 + j] - mean;
      d2[0] += d * d;
      w[j] = static_cast<float>(d);
    }
    den += (d2[0] + d2[1]) + (d2[2] + d2[3]);
    for (; j < have; ++j) w[j] = static_cast<float>(x[i0 + j] - mean);
    std::fill(w.begin() + static_cast<std::ptrdiff_t>(have), w.end(), 0.0f);
    if (any_dense) {
      std::fill(acc, acc + 64, 0.0f);
      internal::AccumulateDenseLags(w.data(), len, acc);
      for (size_t k = 0; k < 64; ++k) dense[k] += acc[k];
    }
    for (size_t q = 0; q < mid.size(); ++q) {
      const size_t k = static_cast<size_t>(lags[mid[q]]);
      mid_sum[q] += internal::DotF32(w.data(), w.data() + k, len);
    }
  }
  const double dd = static_cast<double>(den);
  if (!(dd > 0)) return r;
  for (size_t j = 0; j < lags.size(); ++j) {
    if (lags[j] <= 64)
      r[j] = static_cast<double>(dense[static_cast<size_t>(lags[j] - 1)]) / dd;
  }
  for (size_t q = 0; q < mid.size(); ++q)
    r[mid[q]] = static_cast<double>(mid_sum[q]) / dd;
  for (size_t j : far) {
    const size_t k = static_cast<size_t>(lags[j]);
    long double s = 0;
    for (size_t b = 0; b + k < n; b += kSumBlock) {
      const size_t e = std::min(n - k, b + kSumBlock);
      double part[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      size_t i = b;
      for (; i + 8 <= e; i += 8) {
        for (size_t t = 0; t < 8; ++t)
          part[t] += (x[i + t] - mean) * (x[i + t + k] - mean);
      }
      for (size_t t = 0; i < e; ++i, ++t)
        part[t] += (x[i] - mean) * (x[i + k] - mean);
      for (double v : part) s += v;
    }
    r[j] = static_cast<double>(s) / dd;
  }
  return r;
}

TestResult lag_correlation_test(std::span<const double> x,
                                std::span<const int64_t> lags) {
  TestResult r;
  r.name = "serial_correlation";
  const int64_t n = static_cast<int64_t>(x.size());
  r.n = n;
  if (lags.empty() || n < 4) {
    r.reliable = false;
    r.note = "too few values";
    return r;
  }
  const std::vector<double> rk = autocorrelations(x, lags);
  if (std::isnan(rk.front())) {
    const Moments m = compute_moments(x);
    r.p_value = 0.0;
    r.note = m.n_nan > 0 ? format("%lld NaN values", static_cast<long long>(m.n_nan))
             : std::isfinite(m.mean) ? "constant sequence"
                                     : "non-finite values";
    return r;
  }
  const double dn = static_cast<double>(n);
  double worst_z = 0, worst_r = 0;
  int64_t worst_lag = lags.front();
  for (size_t j = 0; j < lags.size(); ++j) {
    const double k = static_cast<double>(lags[j]);
    const double expected = -(dn - k) / (dn * (dn - 1));
    const double se = std::sqrt(dn - k) / dn;
    const double z = (rk[j] - expected) / se;
    if (std::fabs(z) > std::fabs(worst_z)) {
      worst_z = z;
      worst_r = rk[j];
      worst_lag = lags[j];
    }
  }
  const double count = static_cast<double>(lags.size());
  r.statistic = worst_z;
  r.p_value = std::min(1.0, count * two_sided_normal_pvalue(worst_z));
  r.reliable = n >= 1000;
  r.details = {{"lags", count},
               {"worst_lag", static_cast<double>(worst_lag)},
               {"r", worst_r},
               {"se", std::sqrt(dn - static_cast<double>(worst_lag)) / dn},
               {"lag1_r", lags.front() == 1 ? rk.front() : kNaN}};
  r.note = format(
      "largest autocorrelation at lag %lld: %.3g (z=%.3g; %lld lags, "
      "Bonferroni)",
      static_cast<long long>(worst_lag), worst_r, worst_z,
      static_cast<long long>(lags.size()));
  return r;
}

TestResult serial_correlation_test(std::span<const double> x, int64_t lag) {
  return serial_impl(x, lag);
}
TestResult serial_correlation_test(std::span<const float> x, int64_t lag) {
  return serial_impl(x, lag);
}

RowCorrelationTests row_correlation_tests(std::span<const double> x,
                                          int64_t rows, int64_t cols,
                                          const Distribution* marginal) {
  return rows_impl(x, rows, cols, marginal);
}
RowCorrelationTests row_correlation_tests(std::span<const float> x,
                                          int64_t rows, int64_t cols,
                                          const Distribution* marginal) {
  return rows_impl(x, rows, cols, marginal);
}

TestResult duplicate_rows_test(std::span<const double> x, int64_t rows,
                               int64_t cols, double tie_probability) {
  return duplicate_impl(x, rows, cols, tie_probability);
}
TestResult duplicate_rows_test(std::span<const float> x, int64_t rows,
                               int64_t cols, double tie_probability) {
  return duplicate_impl(x, rows, cols, tie_probability);
}

TestResult repeated_windows_test(std::span<const double> x,
                                 double tie_probability, int window) {
  return windows_impl(x, tie_probability, window);
}
TestResult repeated_windows_test(std::span<const float> x,
                                 double tie_probability, int window) {
  return windows_impl(x, tie_probability, window);
}

TestResult runs_test(std::span<const double> x, double median) {
  return runs_from_boost(x, median);
}

TestResult runs_test(std::span<const double> x) {
  return runs_from_boost(x, median_of(std::vector<double>(x.begin(), x.end())));
}

TestResult runs_test(std::span<const float> x) {
  std::vector<double> d(x.begin(), x.end());
  return runs_from_boost(d, median_of(d));
}

}  // namespace initcheck::verify
