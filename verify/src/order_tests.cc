// The battery's storage-order tests (pipeline.h, step 4): serial correlation,
// runs, row correlations, and exact counts of equal rows and windows.
#include <algorithm>
#include <array>
#include <bit>
#include <boost/math/distributions/normal.hpp>
#include <boost/math/distributions/students_t.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <span>
#include <unordered_map>

#include "hwy/contrib/sort/vqsort.h"
#include "initcheck/error.h"
#include "initcheck/verify/moments.h"
#include "kernels.h"
#include "lag_kernel.h"
#include "parallel_blocks.h"
#include "pipeline.h"

namespace initcheck::verify::internal {
namespace {

// P(Poisson(lambda) >= k).
double PoissonUpper(double lambda, int64_t k) {
  if (k <= 0) return 1.0;
  if (lambda <= 0) return 0.0;
  return boost::math::gamma_p(static_cast<double>(k), lambda);
}

}  // namespace

// ------------------------------------------------------------------ runs

namespace {

// Runs of one stretch of values: signs (+1 above, -1 below) of the first
// and last values not equal to the threshold, and the runs in between.
struct RunsPart {
  int first = 0, last = 0;
  int64_t above = 0, below = 0, runs = 0;

  void Append(const RunsPart& b) {
    if (b.first == 0) return;
    if (first == 0) {
      *this = b;
      return;
    }
    runs += b.runs - (last == b.first ? 1 : 0);
    last = b.last;
    above += b.above;
    below += b.below;
  }
};

RunsPart RunsOfBlock(const double* x, size_t m, double c,
                     std::vector<uint64_t>& bits) {
  RunsPart p;
  const size_t words = (m + 63) / 64;
  size_t eq = 0;
  AboveBits(x, m, c, bits.data(), &eq);
  if (eq > 0) {
    for (size_t i = 0; i < m; ++i) {
      if (x[i] == c) continue;
      const int sgn = x[i] > c ? 1 : -1;
      (sgn > 0 ? p.above : p.below) += 1;
      if (p.first == 0) {
        p.first = sgn;
        p.runs = 1;
      } else if (sgn != p.last) {
        ++p.runs;
      }
      p.last = sgn;
    }
    return p;
  }
  int64_t up = 0, changes = 0;
  for (size_t w = 0; w < words; ++w) {
    const size_t len = std::min<size_t>(64, m - w * 64);
    const uint64_t valid = len == 64 ? ~uint64_t{0} : (uint64_t{1} << len) - 1;
    const uint64_t cur = bits[w] & valid;
    up += std::popcount(cur);
    // Bit i of (cur ^ next) for consecutive values i, i + 1 (the next
    // word's bit 0 for i = 63).
    uint64_t shifted = cur >> 1;
    if (w + 1 < words) shifted |= (bits[w + 1] & 1) << 63;
    const size_t pairs = (w + 1 < words) ? 64 : len - 1;
    const uint64_t pmask =
        pairs == 64 ? ~uint64_t{0} : (uint64_t{1} << pairs) - 1;
    changes += std::popcount((cur ^ shifted) & pmask);
  }
  p.above = up;
  p.below = static_cast<int64_t>(m) - up;
  p.first = (bits[0] & 1) ? 1 : -1;
  p.last = ((bits[(m - 1) / 64] >> ((m - 1) % 64)) & 1) ? 1 : -1;
  p.runs = 1 + changes;
  return p;
}

}  // namespace

RunsCount CountRuns(const Values& v, double threshold) {
  const size_t tasks = TaskCount(v.n);
  std::vector<RunsPart> parts(tasks);
  ParallelTasks(tasks, [&](size_t t) {
    std::vector<double>& x = Scratch<double, 0>(kBlock);
    std::vector<uint64_t>& bits = Scratch<uint64_t, 1>(kBlock / 64 + 1);
    const size_t end = std::min(v.n, (t + 1) * kTask);
    for (size_t b = t * kTask; b < end; b += kBlock) {
      const size_t m = std::min(kBlock, end - b);
      v.Read(b, m, x.data());
      parts[t].Append(RunsOfBlock(x.data(), m, threshold, bits));
    }
  });
  RunsPart all;
  for (const RunsPart& p : parts) all.Append(p);
  return {all.above, all.below, all.runs};
}

TestResult RunsResult(const RunsCount& c, size_t size, double median) {
  TestResult r;
  r.name = "runs";
  r.n = static_cast<int64_t>(size);
  if (size < 2) {
    r.reliable = false;
    r.note = "too few values";
    return r;
  }
  // Boost.Math 1.74 runs_above_and_below_threshold (statistics/
  // runs_test.hpp), same arithmetic: values equal to the threshold skipped.
  double z, p;
  if (c.above + c.below == 0) {
    z = kNaN;
    p = 0;
  } else {
    const size_t na = static_cast<size_t>(c.above), nb = static_cast<size_t>(c.below);
    const double n = static_cast<double>(na + nb);
    const double expected = 1.0 + static_cast<double>(2 * na * nb) / n;
    const double variance = static_cast<double>(2 * na * nb) *
                            (static_cast<double>(2 * na * nb) - n) /
                            (n * n * (n - 1));
    const double runs = static_cast<double>(c.runs);
    if (variance == 0) {
      z = runs == expected ? 0.0 : kNaN;
      p = runs == expected ? 1.0 : 0.0;
    } else {
      using NoPromote = boost::math::policies::policy<
          boost::math::policies::promote_float<false>,
          boost::math::policies::promote_double<false>>;
      z = (runs - expected) / std::sqrt(variance);
      p = 2 * boost::math::cdf(boost::math::normal_distribution<double, NoPromote>(0, 1),
                               -std::abs(z));
    }
  }
  r.statistic = z;
  r.p_value = p;
  r.reliable = size >= 1000;
  r.details = {{"median", median}};
  r.note = format("runs above/below the median: z=%.3g (%s runs than expected)",
                  z, z < 0 ? "fewer" : "more");
  return r;
}

// --------------------------------------------------- serial correlation

namespace {

TestResult SerialResult(long double num, long double den, int64_t n,
                        int64_t lag) {
  TestResult r;
  r.name = "serial_correlation";
  r.n = n;
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

// Block [b, b + m) of the lag products and squares (x holds the block and
// the `lag` values after it that exist).
void SerialBlock(const double* x, size_t b, size_t m, size_t lag, size_t n,
                 double mean, long double* num, long double* den) {
  const size_t have = std::min(m + lag, n - b);
  const size_t prod = have > lag ? std::min(m, have - lag) : 0;
  if (prod > 0) *num += LaggedProducts(x, prod, static_cast<int>(lag), mean);
  *den += CenteredSquares(x, mean, m);
}

}  // namespace

TestResult SerialCorrelation(const Values& v, int64_t lag, double mean,
                             double /*m2*/) {
  const int64_t n = static_cast<int64_t>(v.n);
  if (lag < 1) throw Error("serial_correlation_test: lag must be >= 1");
  if (n < lag + 3) {
    TestResult r;
    r.name = "serial_correlation";
    r.n = n;
    r.reliable = false;
    r.note = "too few values";
    return r;
  }
  const size_t k = static_cast<size_t>(lag);
  const size_t tasks = TaskCount(v.n);
  struct Part {
    long double num = 0, den = 0;
  };
  std::vector<Part> parts(tasks);
  ParallelTasks(tasks, [&](size_t t) {
    std::vector<double>& x = Scratch<double, 0>(kBlock + k);
    const size_t end = std::min(v.n, (t + 1) * kTask);
    for (size_t b = t * kTask; b < end; b += kBlock) {
      const size_t m = std::min(kBlock, end - b);
      v.Read(b, std::min(m + k, v.n - b), x.data());
      SerialBlock(x.data(), b, m, k, v.n, mean, &parts[t].num, &parts[t].den);
    }
  });
  long double num = 0, den = 0;
  for (const Part& p : parts) {
    num += p.num;
    den += p.den;
  }
  return SerialResult(num, den, n, lag);
}

// ------------------------------------------- multi-lag autocorrelation

namespace {

// Lags up to kMaxBuffered are products within one task's float32 buffer of
// centred values (the task's kTask values and the look-ahead after them);
// longer ones (axis strides and row lengths of large tensors, a few at most)
// read their partner values from the tensor.
constexpr int64_t kDenseLags = 64;
constexpr int64_t kMaxBuffered = 4096;

struct LagPlan {
  bool dense = false;
  std::vector<size_t> mid, far;  // indices into lags
  size_t look = 0;               // look-ahead values held after a task
};

LagPlan PlanLags(std::span<const int64_t> lags) {
  LagPlan p;
  int64_t max_mid = 0;
  for (size_t j = 0; j < lags.size(); ++j) {
    if (lags[j] < 1) throw Error("autocorrelations: lags must be >= 1");
    if (lags[j] <= kDenseLags) {
      p.dense = true;
    } else if (lags[j] <= kMaxBuffered) {
      p.mid.push_back(j);
      max_mid = std::max(max_mid, lags[j]);
    } else {
      p.far.push_back(j);
    }
  }
  p.look = static_cast<size_t>(std::max<int64_t>(max_mid, p.dense ? kDenseLags : 0));
  return p;
}

// One task's lag sums: in double within the task (each kernel call sums
// kBlock products in float32: error ~2^-24 kBlock relative to the block's
// scale, 1e-4 of the statistic's own sd), tasks added in index order in
// long double.
struct LagPart {
  std::array<double, kDenseLags> dense{};
  std::vector<double> mid, far;
};

// Values [b0, end) of v in blocks of kBlock: on_block(x, b, m) sees each
// block as doubles (for the pass's other statistics); the centred float32
// copy and the look-ahead feed the lag sums of `plan`.
template <class F>
void LagTask(const Values& v, size_t b0, size_t end, double mean,
             std::span<const int64_t> lags, const LagPlan& plan, LagPart* part,
             F&& on_block) {
  const size_t n = v.n;
  const bool lagged = plan.dense || !plan.mid.empty() || !plan.far.empty();
  std::vector<double>& x = Scratch<double, 0>(kBlock);
  std::vector<double>& y = Scratch<double, 2>(lagged ? kBlock : 0);
  std::vector<float>& w = Scratch<float, 4>(
      lagged ? kTask + plan.look + static_cast<size_t>(kDenseLags) : 0);
  part->mid.assign(plan.mid.size(), 0.0);
  part->far.assign(plan.far.size(), 0.0);
  for (size_t b = b0; b < end; b += kBlock) {
    const size_t m = std::min(kBlock, end - b);
    v.Read(b, m, x.data());
    on_block(x.data(), b, m);
    if (!lagged) continue;
    float* wb = w.data() + (b - b0);
    for (size_t j = 0; j < m; ++j) wb[j] = static_cast<float>(x[j] - mean);
    for (size_t q = 0; q < plan.far.size(); ++q) {
      const size_t k = static_cast<size_t>(lags[plan.far[q]]);
      if (b + k >= n) continue;
      const size_t mm = std::min(m, n - b - k);
      v.Read(b + k, mm, y.data());
      double acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
      size_t i = 0;
      for (; i + 8 <= mm; i += 8) {
        for (size_t t = 0; t < 8; ++t)
          acc[t] += (x[i + t] - mean) * (y[i + t] - mean);
      }
      for (size_t t = 0; i < mm; ++i, ++t) acc[t] += (x[i] - mean) * (y[i] - mean);
      part->far[q] += ((acc[0] + acc[1]) + (acc[2] + acc[3])) +
                      ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    }
  }
  if (!lagged || (!plan.dense && plan.mid.empty())) return;
  // The look-ahead (values after the task, zero beyond n: their products
  // vanish), then the buffered lags block by block.
  const size_t len = end - b0;
  const size_t have = std::min(plan.look, n - end);
  for (size_t j = 0; j < have; j += kBlock) {
    const size_t m = std::min(kBlock, have - j);
    v.Read(end + j, m, x.data());
    float* wb = w.data() + len + j;
    for (size_t i = 0; i < m; ++i) wb[i] = static_cast<float>(x[i] - mean);
  }
  std::fill(w.data() + len + have,
            w.data() + len + plan.look + static_cast<size_t>(kDenseLags), 0.0f);
  float acc[kDenseLags];
  for (size_t o = 0; o < len; o += kBlock) {
    const size_t m = std::min(kBlock, len - o);
    if (plan.dense) {
      std::fill(acc, acc + kDenseLags, 0.0f);
      AccumulateDenseLags(w.data() + o, m, acc);
      for (size_t k = 0; k < static_cast<size_t>(kDenseLags); ++k)
        part->dense[k] += acc[k];
    }
    for (size_t q = 0; q < plan.mid.size(); ++q) {
      const size_t k = static_cast<size_t>(lags[plan.mid[q]]);
      part->mid[q] += DotF32(w.data() + o, w.data() + o + k, m);
    }
  }
}

// r_k from the tasks' parts and the sum of squares `den`.
std::vector<double> LagRatios(const std::vector<LagPart>& parts,
                              std::span<const int64_t> lags,
                              const LagPlan& plan, long double den) {
  std::vector<double> r(lags.size(), kNaN);
  const double dd = static_cast<double>(den);
  if (!(dd > 0) || !std::isfinite(dd)) return r;
  std::array<long double, kDenseLags> dense{};
  std::vector<long double> mid(plan.mid.size(), 0.0L), far(plan.far.size(), 0.0L);
  for (const LagPart& p : parts) {
    for (size_t k = 0; k < dense.size(); ++k) dense[k] += p.dense[k];
    for (size_t q = 0; q < mid.size(); ++q) mid[q] += p.mid[q];
    for (size_t q = 0; q < far.size(); ++q) far[q] += p.far[q];
  }
  for (size_t j = 0; j < lags.size(); ++j) {
    if (lags[j] <= kDenseLags)
      r[j] = static_cast<double>(dense[static_cast<size_t>(lags[j] - 1)]) / dd;
  }
  for (size_t q = 0; q < mid.size(); ++q) r[plan.mid[q]] = static_cast<double>(mid[q]) / dd;
  for (size_t q = 0; q < far.size(); ++q) r[plan.far[q]] = static_cast<double>(far[q]) / dd;
  return r;
}

}  // namespace

std::vector<double> Autocorrelations(const Values& v,
                                     std::span<const int64_t> lags,
                                     double mean) {
  const LagPlan plan = PlanLags(lags);
  if (v.n < 2) return std::vector<double>(lags.size(), kNaN);
  const size_t tasks = TaskCount(v.n);
  std::vector<LagPart> parts(tasks);
  std::vector<long double> den(tasks, 0.0L);
  ParallelTasks(tasks, [&](size_t t) {
    const size_t end = std::min(v.n, (t + 1) * kTask);
    LagTask(v, t * kTask, end, mean, lags, plan, &parts[t],
            [&](const double* x, size_t, size_t m) {
              den[t] += CenteredSquares(x, mean, m);
            });
  });
  long double d = 0;
  for (long double p : den) d += p;
  return LagRatios(parts, lags, plan, d);
}

TestResult LagCorrelationResult(const std::vector<double>& rk,
                                std::span<const int64_t> lags, int64_t n) {
  TestResult r;
  r.name = "serial_correlation";
  r.n = n;
  if (lags.empty() || n < 4) {
    r.reliable = false;
    r.note = "too few values";
    return r;
  }
  if (std::isnan(rk.front())) {
    r.p_value = 0.0;
    r.note = "constant sequence";
    return r;
  }
  const double dn = static_cast<double>(n);
  double worst_z = 0, worst_r = 0;
  int64_t worst_lag = lags.front();
  for (size_t j = 0; j < lags.size(); ++j) {
    // z_k = (r_k - E r_k) / sd, E r_k = -(n-k)/(n(n-1)), sd = sqrt(n-k)/n
    // (independence.h).
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
  // Bonferroni over the L lags: p = min(1, L 2 Q(max |z_k|)).
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

OrderPass StorageOrderPass(const Values& v, double mean, double median,
                           const TieFilter* filter,
                           std::span<const int64_t> lags) {
  OrderPass out;
  const size_t n = v.n;
  const size_t tasks = TaskCount(n);
  struct Part {
    long double den = 0;
    RunsPart runs;
    LagPart lags;
  };
  std::vector<Part> parts(tasks);
  const bool bits = filter != nullptr && filter->k > 0;
  if (bits) out.tied.assign((n + 63) / 64, 0);
  const LagPlan plan = PlanLags(lags);
  ParallelTasks(tasks, [&](size_t t) {
    std::vector<uint64_t>& above = Scratch<uint64_t, 1>(kBlock / 64 + 1);
    Part& p = parts[t];
    const size_t end = std::min(n, (t + 1) * kTask);
    LagTask(v, t * kTask, end, mean, lags, plan, &p.lags,
            [&](const double* x, size_t b, size_t m) {
              p.den += CenteredSquares(x, mean, m);
              p.runs.Append(RunsOfBlock(x, m, median, above));
              if (bits)
                TieFilterBits(x, m, filter->bitmap.data(), filter->k,
                              out.tied.data() + b / 64);
            });
  });
  long double den = 0;
  RunsPart runs;
  std::vector<LagPart> lag_parts;
  lag_parts.reserve(tasks);
  for (Part& p : parts) {
    den += p.den;
    runs.Append(p.runs);
    lag_parts.push_back(std::move(p.lags));
  }
  out.serial = LagCorrelationResult(LagRatios(lag_parts, lags, plan, den), lags,
                                    static_cast<int64_t>(n));
  out.runs = {runs.above, runs.below, runs.runs};
  return out;
}

// ------------------------------------------------------ row correlations

RowCorrelation RowCorrelations(const Values& values, int64_t rows, int64_t cols,
                               const Distribution* marginal) {
  // Reads as Values::Read, on normal scores when a marginal is given.
  struct Reader {
    const Values& v;
    const Distribution* f;
    size_t n;
    void Read(size_t i, size_t m, double* out) const {
      v.Read(i, m, out);
      if (f) NormalScores(*f, out, m);
    }
  } v{values, marginal, values.n};
  RowCorrelation out;
  out.mean.name = "row_correlation_mean";
  out.max_abs.name = "row_correlation_max";
  out.mean.n = out.max_abs.n = static_cast<int64_t>(v.n);
  if (rows < 2 || cols < 3) {
    out.mean.reliable = out.max_abs.reliable = false;
    out.mean.note = out.max_abs.note = "need >= 2 rows of >= 3 values";
    return out;
  }
  const size_t c = static_cast<size_t>(cols);
  // Row r: mean, and its centered sum of squares; pair (r-1, r): the
  // centered dot product. Correlation dot / sqrt(ss_{r-1} ss_r).
  struct RowStat {
    double mean = 0, ss = 0;
    bool ok = false;
  };
  // Sums over a row in chunks of kBlock (8 partial sums each, chunks in
  // long double). Rows of up to kTask values are decoded once into a
  // buffer; longer ones are re-read chunk by chunk.
  const bool buffered = c <= kTask;
  auto row_mean = [&](const double* row) {
    long double s = 0;
    for (size_t j = 0; j < c; j += kBlock) s += BlockSum(row + j, std::min(kBlock, c - j));
    return static_cast<double>(s / static_cast<long double>(c));
  };
  auto row_ss = [&](const double* row, double mr) {
    long double s = 0;
    for (size_t j = 0; j < c; j += kBlock)
      s += CenteredSquares(row + j, mr, std::min(kBlock, c - j));
    return static_cast<double>(s);
  };
  auto dot_ss = [&](const double* a, double ma, const double* b, double mb,
                    double* dot, double* ss) {
    long double d = 0, q = 0;
    for (size_t j = 0; j < c; j += kBlock) {
      double pd, ps;
      CenteredDotAndSquares(a + j, ma, b + j, mb, std::min(kBlock, c - j), &pd, &ps);
      d += pd;
      q += ps;
    }
    *dot = static_cast<double>(d);
    *ss = static_cast<double>(q);
  };
  // Unbuffered (rows longer than kTask): the same sums, each chunk read
  // when needed.
  auto mean_at = [&](size_t row, std::vector<double>& x) {
    long double s = 0;
    for (size_t j = 0; j < c; j += kBlock) {
      const size_t m = std::min(kBlock, c - j);
      v.Read(row * c + j, m, x.data());
      s += BlockSum(x.data(), m);
    }
    return static_cast<double>(s / static_cast<long double>(c));
  };
  auto ss_at = [&](size_t row, double mr, std::vector<double>& x) {
    long double s = 0;
    for (size_t j = 0; j < c; j += kBlock) {
      const size_t m = std::min(kBlock, c - j);
      v.Read(row * c + j, m, x.data());
      s += CenteredSquares(x.data(), mr, m);
    }
    return static_cast<double>(s);
  };
  auto dot_ss_at = [&](size_t a, double ma, size_t b, double mb,
                       std::vector<double>& xa, std::vector<double>& xb,
                       double* dot, double* ss) {
    long double d = 0, q = 0;
    for (size_t j = 0; j < c; j += kBlock) {
      const size_t m = std::min(kBlock, c - j);
      v.Read(a * c + j, m, xa.data());
      v.Read(b * c + j, m, xb.data());
      double pd, ps;
      CenteredDotAndSquares(xa.data(), ma, xb.data(), mb, m, &pd, &ps);
      d += pd;
      q += ps;
    }
    *dot = static_cast<double>(d);
    *ss = static_cast<double>(q);
  };
  const size_t nrows = static_cast<size_t>(rows);
  const size_t per_task = std::max<size_t>(1, kTask / c);
  const size_t tasks = (nrows - 1 + per_task - 1) / per_task;  // pairs (r-1, r), r >= 1
  struct Part {
    long double sum_c = 0;
    int64_t pairs = 0, degenerate = 0, worst_row = -1;
    double worst = -1, worst_signed = 0;
  };
  std::vector<Part> parts(tasks);
  ParallelTasks(tasks, [&](size_t t) {
    std::vector<double>& xa = Scratch<double, 0>(buffered ? c : kBlock);
    std::vector<double>& xb = Scratch<double, 1>(buffered ? c : kBlock);
    double* pa = xa.data();
    double* pb = xb.data();
    Part& p = parts[t];
    const size_t r_begin = 1 + t * per_task;
    const size_t r_end = std::min(nrows, r_begin + per_task);
    RowStat prev;
    if (buffered) {
      v.Read((r_begin - 1) * c, c, pa);
      prev.mean = row_mean(pa);
      prev.ss = row_ss(pa, prev.mean);
    } else {
      prev.mean = mean_at(r_begin - 1, xa);
      prev.ss = ss_at(r_begin - 1, prev.mean, xa);
    }
    prev.ok = prev.ss > 0 && !std::isnan(prev.ss);
    for (size_t r = r_begin; r < r_end; ++r) {
      RowStat cur;
      double dot = 0;
      if (buffered) {
        v.Read(r * c, c, pb);
        cur.mean = row_mean(pb);
        dot_ss(pa, prev.mean, pb, cur.mean, &dot, &cur.ss);
        std::swap(pa, pb);
      } else {
        cur.mean = mean_at(r, xb);
        dot_ss_at(r - 1, prev.mean, r, cur.mean, xa, xb, &dot, &cur.ss);
      }
      cur.ok = cur.ss > 0 && !std::isnan(cur.ss);
      if (prev.ok && cur.ok) {
        const double inv = 1.0 / std::sqrt(prev.ss) / std::sqrt(cur.ss);
        const double cr = std::clamp(dot * inv, -1.0, 1.0);
        p.sum_c += cr;
        ++p.pairs;
        if (std::fabs(cr) > p.worst) {
          p.worst = std::fabs(cr);
          p.worst_signed = cr;
          p.worst_row = static_cast<int64_t>(r) - 1;
        }
      } else {
        ++p.degenerate;
      }
      prev = cur;
    }
  });
  long double sum_c = 0;
  int64_t pairs = 0, degenerate = 0, worst_row = -1;
  double worst = -1, worst_signed = 0;
  for (const Part& p : parts) {
    sum_c += p.sum_c;
    pairs += p.pairs;
    degenerate += p.degenerate;
    if (p.worst > worst) {
      worst = p.worst;
      worst_signed = p.worst_signed;
      worst_row = p.worst_row;
    }
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
  out.mean.statistic = mean_c * std::sqrt(static_cast<double>(pairs) * (dc - 1));
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
    const double tt = worst * std::sqrt(dof / (1 - worst * worst));
    p_pair = 2 * boost::math::cdf(boost::math::complement(
                     boost::math::students_t_distribution<double>(dof), tt));
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

// -------------------------------------------------------- equal items

namespace {

constexpr uint64_t kSeqMul = 0x9E3779B97F4A7C15ull;

uint64_t Pow64(uint64_t b, uint64_t e) {
  uint64_t r = 1;
  while (e) {
    if (e & 1) r *= b;
    b *= b;
    e >>= 1;
  }
  return r;
}

// Items: windows (stride 1, length w) or rows (stride = length = cols).
struct Items {
  const Values& v;
  size_t count = 0, stride = 1, length = 1;
  bool windows = true;

  // h[0, k) = hashes of items [first, first + k).
  void Hash(size_t first, size_t k, uint64_t* h) const {
    if (windows) {
      std::vector<double>& x = Scratch<double, 10>(kBlock + 64);
      std::vector<uint64_t>& g = Scratch<uint64_t, 10>(kBlock + 64);
      for (size_t i = 0; i < k; i += kBlock) {
        const size_t m = std::min(kBlock, k - i);
        v.Read(first + i, m + length - 1, x.data());
        ValueHashes(x.data(), m + length - 1, g.data());
        WindowHashes(g.data(), m, static_cast<int>(length), h + i);
      }
      return;
    }
    std::vector<double>& x = Scratch<double, 10>(kBlock);
    std::vector<uint64_t>& g = Scratch<uint64_t, 10>(kBlock);
    for (size_t i = 0; i < k; ++i) {
      const size_t base = (first + i) * stride;
      uint64_t hv = 0;
      for (size_t j = 0; j < length; j += kBlock) {
        const size_t m = std::min(kBlock, length - j);
        v.Read(base + j, m, x.data());
        ValueHashes(x.data(), m, g.data());
        hv = hv * Pow64(kSeqMul, m) + SequenceHash(g.data(), m);
      }
      // Final avalanche (SplitMix64) so the top bits mix every value.
      uint64_t z = hv + 0x9E3779B97F4A7C15ull;
      z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
      z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
      h[i] = z ^ (z >> 31);
    }
  }

  // h[c] = hash of item idx[c], c < k (the same hash as Hash()).
  void HashAt(const size_t* idx, size_t k, uint64_t* h) const {
    if (!windows) {
      for (size_t c = 0; c < k; ++c) Hash(idx[c], 1, h + c);
      return;
    }
    std::vector<double>& x = Scratch<double, 13>(64 * length);
    std::vector<uint64_t>& g = Scratch<uint64_t, 13>(64 * length);
    for (size_t c0 = 0; c0 < k; c0 += 64) {
      const size_t kk = std::min<size_t>(64, k - c0);
      v.Gather(idx + c0, kk, length, x.data());
      ValueHashes(x.data(), kk * length, g.data());
      for (size_t c = 0; c < kk; ++c)
        h[c0 + c] = WindowHashOf(g.data() + c * length, static_cast<int>(length));
    }
  }

  bool Equal(size_t a, size_t b) const {
    std::vector<double>& xa = Scratch<double, 11>(kBlock);
    std::vector<double>& xb = Scratch<double, 12>(kBlock);
    for (size_t j = 0; j < length; j += kBlock) {
      const size_t m = std::min(kBlock, length - j);
      v.Read(a * stride + j, m, xa.data());
      v.Read(b * stride + j, m, xb.data());
      for (size_t t = 0; t < m; ++t)
        if (!(xa[t] == xb[t])) return false;
    }
    return true;
  }
};

// One class of exactly equal items: its first two members and size.
struct Class {
  int64_t first = -1, second = -1, size = 0;
};

EqualItems CountEqual(const Items& it, RawBuffer* buffer) {
  EqualItems out;
  const size_t count = it.count;
  if (count < 2) return out;
  if (count >= (size_t{1} << 32)) {
    throw Error(format("duplicate counts: %zu items; at most 2^32 - 1 supported",
                       count));
  }
  // Buckets of ~2048 items: their tags sort in L1.
  int bbits = 0;
  while (bbits < 16 && (count >> bbits) > 2048) ++bbits;
  const size_t nb = size_t{1} << bbits;
  auto bucket_of = [&](uint64_t h) -> size_t {
    return bbits == 0 ? 0 : static_cast<size_t>(h >> (64 - bbits));
  };
  auto tag_of = [&](uint64_t h) -> uint32_t {
    return static_cast<uint32_t>(h >> (32 - bbits));
  };
  // Chunks of items: a function of count only (at most 64).
  size_t chunk = std::max<size_t>(kTask, (count + 63) / 64);
  chunk = (chunk + kBlock - 1) / kBlock * kBlock;
  const size_t nchunks = (count + chunk - 1) / chunk;
  std::vector<uint32_t> hist(nchunks * nb, 0);
  ParallelTasks(nchunks, [&](size_t c) {
    std::vector<uint64_t>& h = Scratch<uint64_t, 20>(kBlock);
    uint32_t* hc = &hist[c * nb];
    const size_t end = std::min(count, (c + 1) * chunk);
    for (size_t i = c * chunk; i < end; i += kBlock) {
      const size_t m = std::min(kBlock, end - i);
      it.Hash(i, m, h.data());
      for (size_t j = 0; j < m; ++j) ++hc[bucket_of(h[j])];
    }
  });
  // Offsets, in place of the counts: bucket b's region, within it chunk c
  // after chunks < c (count < 2^32 items: u32).
  std::vector<size_t> bucket_start(nb + 1, 0);
  for (size_t b = 0; b < nb; ++b) {
    size_t total = 0;
    for (size_t c = 0; c < nchunks; ++c) total += hist[c * nb + b];
    bucket_start[b + 1] = bucket_start[b] + total;
  }
  for (size_t b = 0; b < nb; ++b) {
    uint32_t o = static_cast<uint32_t>(bucket_start[b]);
    for (size_t c = 0; c < nchunks; ++c) {
      const uint32_t h = hist[c * nb + b];
      hist[c * nb + b] = o;
      o += h;
    }
  }
  std::vector<uint32_t>& offset = hist;
  RawBuffer own;
  if (buffer == nullptr || buffer->bytes() < count * sizeof(uint32_t)) {
    own = RawBuffer(count * sizeof(uint32_t));
  }
  uint32_t* tags = (own.bytes() ? own : *buffer).as<uint32_t>();
  ParallelTasks(nchunks, [&](size_t c) {
    std::vector<uint64_t>& h = Scratch<uint64_t, 20>(kBlock);
    uint32_t* oc = &offset[c * nb];
    const size_t end = std::min(count, (c + 1) * chunk);
    for (size_t i = c * chunk; i < end; i += kBlock) {
      const size_t m = std::min(kBlock, end - i);
      it.Hash(i, m, h.data());
      for (size_t j = 0; j < m; ++j) tags[oc[bucket_of(h[j])]++] = tag_of(h[j]);
    }
  });
  std::vector<uint32_t>().swap(offset);
  // Candidate keys (bucket, tag) that occur more than once, ascending.
  const size_t groups = std::min<size_t>(nb, 256);
  std::vector<std::vector<uint64_t>> cand_parts(groups);
  ParallelTasks(groups, [&](size_t gi) {
    const size_t b0 = gi * nb / groups, b1 = (gi + 1) * nb / groups;
    thread_local hwy::Sorter sorter;
    for (size_t b = b0; b < b1; ++b) {
      const size_t s0 = bucket_start[b], s1 = bucket_start[b + 1];
      if (s1 - s0 < 2) continue;
      uint32_t* p = tags + s0;
      if (s1 - s0 < 64) {
        std::sort(p, p + (s1 - s0));
      } else {
        sorter(p, s1 - s0, hwy::SortAscending());
      }
      for (size_t i = 1; i < s1 - s0; ++i) {
        if (p[i] == p[i - 1]) {
          const uint64_t key = (static_cast<uint64_t>(b) << 32) | p[i];
          if (cand_parts[gi].empty() || cand_parts[gi].back() != key)
            cand_parts[gi].push_back(key);
        }
      }
    }
  });
  std::vector<uint64_t> cand;
  for (auto& p : cand_parts) cand.insert(cand.end(), p.begin(), p.end());
  std::vector<std::vector<uint64_t>>().swap(cand_parts);
  own.reset();
  if (cand.empty()) return out;
  // Verification in rounds of candidate keys (bounded memory even when
  // most items repeat): each round re-hashes every item and keeps, per
  // candidate, the classes of exactly equal items.
  const size_t per_round = std::max<size_t>(size_t{1} << 16, count / 16);
  std::vector<Class> classes_out;
  for (size_t c0 = 0; c0 < cand.size(); c0 += per_round) {
    const size_t c1 = std::min(cand.size(), c0 + per_round);
    std::vector<uint64_t> flagged((nb + 63) / 64, 0);
    for (size_t k = c0; k < c1; ++k) {
      const size_t b = static_cast<size_t>(cand[k] >> 32);
      flagged[b / 64] |= uint64_t{1} << (b % 64);
    }
    // Per chunk: candidate index -> classes, in order of first member.
    struct Local {
      std::unordered_map<uint32_t, std::vector<Class>> by_cand;
      std::vector<uint32_t> order;  // candidates in order of first sight
    };
    std::vector<Local> locals(nchunks);
    ParallelTasks(nchunks, [&](size_t c) {
      std::vector<uint64_t>& h = Scratch<uint64_t, 20>(kBlock);
      Local& L = locals[c];
      const size_t end = std::min(count, (c + 1) * chunk);
      for (size_t i = c * chunk; i < end; i += kBlock) {
        const size_t m = std::min(kBlock, end - i);
        it.Hash(i, m, h.data());
        for (size_t j = 0; j < m; ++j) {
          const size_t b = bucket_of(h[j]);
          if (!((flagged[b / 64] >> (b % 64)) & 1)) continue;
          const uint64_t key = (static_cast<uint64_t>(b) << 32) | tag_of(h[j]);
          const auto pos = std::lower_bound(cand.begin() + static_cast<int64_t>(c0),
                                            cand.begin() + static_cast<int64_t>(c1), key);
          if (pos == cand.begin() + static_cast<int64_t>(c1) || *pos != key) continue;
          const uint32_t ci = static_cast<uint32_t>(pos - cand.begin());
          const int64_t item = static_cast<int64_t>(i + j);
          auto [slot, fresh] = L.by_cand.try_emplace(ci);
          if (fresh) L.order.push_back(ci);
          bool found = false;
          for (Class& cl : slot->second) {
            if (it.Equal(static_cast<size_t>(cl.first), static_cast<size_t>(item))) {
              if (cl.size == 1) cl.second = item;
              ++cl.size;
              found = true;
              break;
            }
          }
          if (!found) slot->second.push_back({item, -1, 1});
        }
      }
    });
    // Merge the chunks in order.
    std::unordered_map<uint32_t, std::vector<Class>> global;
    std::vector<uint32_t> order;
    for (Local& L : locals) {
      for (uint32_t ci : L.order) {
        auto [slot, fresh] = global.try_emplace(ci);
        if (fresh) order.push_back(ci);
        for (const Class& lc : L.by_cand[ci]) {
          bool merged = false;
          for (Class& gc : slot->second) {
            if (it.Equal(static_cast<size_t>(gc.first), static_cast<size_t>(lc.first))) {
              if (gc.size == 1) gc.second = lc.first;
              gc.size += lc.size;
              merged = true;
              break;
            }
          }
          if (!merged) slot->second.push_back(lc);
        }
      }
      L = Local();
    }
    for (uint32_t ci : order)
      for (const Class& cl : global[ci])
        if (cl.size > 1) classes_out.push_back(cl);
  }
  for (const Class& cl : classes_out) {
    out.pairs += cl.size * (cl.size - 1) / 2;
    out.duplicates += cl.size - 1;
    const int64_t gap = cl.second - cl.first;
    if (out.example_a < 0 || gap < out.example_b - out.example_a ||
        (gap == out.example_b - out.example_a && cl.first < out.example_a)) {
      out.example_a = cl.first;
      out.example_b = cl.second;
    }
  }
  return out;
}

// Exact classes among candidate items (ascending indices): hash, sort by
// (hash, index), and split each group of equal hashes into classes of
// exactly equal items.
// Sorts distinct u64 keys whose top bits are uniformly random: one
// partition by the top bit per level (2 levels with 2+ threads), the parts
// sorted in parallel. The sorted order is unique, so the result does not
// depend on the number of threads.
void SortRandomKeys(uint64_t* keys, size_t n, int levels) {
  const hwy::Sorter& sorter = [] () -> const hwy::Sorter& {
    thread_local hwy::Sorter s;
    return s;
  }();
  if (levels == 0 || n < (size_t{1} << 16)) {
    if (n > 1) sorter(keys, n, hwy::SortAscending());
    return;
  }
  const int bit = 63 - (2 - levels);
  // Branch-free Lomuto partition: the bit is a coin flip, so std::partition
  // mispredicts every other key (it was the serial part of this count:
  // 2/3 of its time on the calling thread with 2 threads).
  size_t left = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint64_t k = keys[i];
    keys[i] = keys[left];
    keys[left] = k;
    left += ((k >> bit) & 1) == 0;
  }
  uint64_t* mid = keys + left;
  ParallelTasks(2, [&](size_t t) {
    if (t == 0) {
      SortRandomKeys(keys, left, levels - 1);
    } else {
      SortRandomKeys(mid, n - left, levels - 1);
    }
  });
}

// Exact classes among candidate items cand[0, count) (ascending indices):
// hash, sort by (hash, index), and split each group of equal hashes into
// classes of exactly equal items. keys: room for count values.
template <class I>
EqualItems CountEqualAmong(const Items& it, const I* cand, size_t count,
                           uint64_t* keys_mem) {
  EqualItems out;
  if (count < 2) return out;
  // Keys: the top 40 bits of the item's hash above its candidate index (24
  // bits; the callers keep fewer than 2^24 candidates), sorted as u64: equal
  // hashes become adjacent, in index order.
  constexpr uint64_t kIndexMask = (uint64_t{1} << 24) - 1;
  const size_t chunk = 4096;
  ParallelTasks((count + chunk - 1) / chunk, [&](size_t c) {
    std::vector<uint64_t>& h = Scratch<uint64_t, 21>(chunk);
    std::vector<size_t>& idx = Scratch<size_t, 21>(chunk);
    const size_t b = c * chunk, e = std::min(count, b + chunk);
    for (size_t i = b; i < e; ++i) idx[i - b] = static_cast<size_t>(cand[i]);
    it.HashAt(idx.data(), e - b, h.data());
    for (size_t i = b; i < e; ++i) keys_mem[i] = (h[i - b] & ~kIndexMask) | i;
  });
  SortRandomKeys(keys_mem, count,
                 tbb::this_task_arena::max_concurrency() > 1 ? 2 : 0);
  const std::span<const uint64_t> keys(keys_mem, count);
  std::vector<Class> classes;
  for (size_t i = 0; i < keys.size();) {
    size_t j = i + 1;
    while (j < keys.size() && (keys[j] & ~kIndexMask) == (keys[i] & ~kIndexMask)) ++j;
    if (j - i > 1) {
      std::vector<Class> group;
      for (size_t t = i; t < j; ++t) {
        const size_t pos = static_cast<size_t>(cand[keys[t] & kIndexMask]);
        const int64_t item = static_cast<int64_t>(pos);
        bool found = false;
        for (Class& cl : group) {
          if (it.Equal(static_cast<size_t>(cl.first), pos)) {
            if (cl.size == 1) cl.second = item;
            ++cl.size;
            found = true;
            break;
          }
        }
        if (!found) group.push_back({item, -1, 1});
      }
      for (const Class& cl : group)
        if (cl.size > 1) classes.push_back(cl);
    }
    i = j;
  }
  for (const Class& cl : classes) {
    out.pairs += cl.size * (cl.size - 1) / 2;
    out.duplicates += cl.size - 1;
    const int64_t gap = cl.second - cl.first;
    if (out.example_a < 0 || gap < out.example_b - out.example_a ||
        (gap == out.example_b - out.example_a && cl.first < out.example_a)) {
      out.example_a = cl.first;
      out.example_b = cl.second;
    }
  }
  return out;
}

bool Bit(const std::vector<uint64_t>& b, size_t i) {
  return (b[i / 64] >> (i % 64)) & 1;
}

}  // namespace

EqualItems CountEqualWindows(const Values& v, int w, RawBuffer* buffer,
                             const std::vector<uint64_t>* tied) {
  if (w < 1 || v.n < static_cast<size_t>(w)) return {};
  // Windows up to 64 values use the SIMD window hash; longer ones (a
  // caller's explicit window) the sequence hash of rows.
  Items it{v, v.n - static_cast<size_t>(w) + 1, 1, static_cast<size_t>(w),
           w <= 64};
  if (tied != nullptr && w <= 64 && v.n < (size_t{1} << 32)) {
    // Candidates: windows whose w values all pass the tie filter, from the
    // bits: C = T & (T >> 1) & ... & (T >> (w-1)), word by word; counted
    // first, then written as u32 positions after their u64 keys in the
    // sorted copy's memory (12 bytes per candidate, at most a quarter of
    // the items: within its 4 bytes per value).
    const std::vector<uint64_t>& T = *tied;
    const size_t words = T.size();
    const size_t count = it.count;
    const size_t tasks = TaskCount(count);
    auto word_of = [&](size_t wd, size_t e) {
      uint64_t c = T[wd];
      for (int k = 1; k < w && c; ++k) {
        const uint64_t next = wd + 1 < words ? T[wd + 1] : 0;
        c &= (T[wd] >> k) | (next << (64 - k));
      }
      if (wd * 64 + 64 > e) c &= (uint64_t{1} << (e - wd * 64)) - 1;
      return c;
    };
    std::vector<size_t> start(tasks + 1, 0);
    ParallelTasks(tasks, [&](size_t t) {
      const size_t b = t * kTask, e = std::min(count, (t + 1) * kTask);
      size_t c = 0;
      for (size_t wd = b / 64; wd * 64 < e; ++wd)
        c += static_cast<size_t>(std::popcount(word_of(wd, e)));
      start[t + 1] = c;
    });
    for (size_t t = 0; t < tasks; ++t) start[t + 1] += start[t];
    const size_t total = start[tasks];
    if (total <= count / 4 + 1024 && total < (size_t{1} << 24)) {
      const size_t need = total * (sizeof(uint64_t) + sizeof(uint32_t));
      RawBuffer own;
      if (buffer == nullptr || buffer->bytes() < need) own = RawBuffer(need);
      uint64_t* keys = (own.bytes() ? own : *buffer).as<uint64_t>();
      uint32_t* pos = reinterpret_cast<uint32_t*>(keys + total);
      ParallelTasks(tasks, [&](size_t t) {
        const size_t b = t * kTask, e = std::min(count, (t + 1) * kTask);
        size_t o = start[t];
        for (size_t wd = b / 64; wd * 64 < e; ++wd)
          for (uint64_t c = word_of(wd, e); c; c &= c - 1)
            pos[o++] = static_cast<uint32_t>(wd * 64 + static_cast<size_t>(std::countr_zero(c)));
      });
      return CountEqualAmong(it, pos, total, keys);
    }
    // Too many pass (ties everywhere): the general count below.
  }
  return CountEqual(it, buffer);
}

EqualItems CountEqualRows(const Values& v, int64_t rows, int64_t cols,
                          RawBuffer* buffer,
                          const std::vector<uint64_t>* tied) {
  if (rows < 2 || cols < 1) return {};
  Items it{v, static_cast<size_t>(rows), static_cast<size_t>(cols),
           static_cast<size_t>(cols), false};
  if (tied != nullptr) {
    // Candidates: rows whose values all pass the tie filter.
    std::vector<size_t> cand;
    const size_t c = static_cast<size_t>(cols);
    for (size_t r = 0; r < it.count; ++r) {
      size_t i = r * c;
      const size_t e = i + c;
      bool all = true;
      while (i < e && all) {
        if (i % 64 == 0 && i + 64 <= e) {
          all = (*tied)[i / 64] == ~uint64_t{0};
          i += 64;
        } else {
          all = Bit(*tied, i);
          ++i;
        }
      }
      if (all) cand.push_back(r);
    }
    if (cand.size() <= it.count / 4 + 1024 && cand.size() < (size_t{1} << 24)) {
      std::vector<uint64_t> keys(cand.size());
      return CountEqualAmong(it, cand.data(), cand.size(), keys.data());
    }
  }
  return CountEqual(it, buffer);
}

double WindowsLambda(double n_windows, double tie_p, int w) {
  return n_windows * (n_windows - 1) / 2 * std::pow(tie_p, w) +
         n_windows * (w - 1) * std::pow(tie_p, 0.5 * (w + 1));
}

int ChooseWindow(size_t n, double tie_p, int window) {
  int w = window;
  if (w <= 0) {
    w = 2;
    while (w < 64 &&
           WindowsLambda(static_cast<double>(n) - w + 1, tie_p, w) > 1e-3) {
      ++w;
    }
  }
  return w;
}

TestResult WindowsResult(const EqualItems& e, size_t n, int w, double lambda) {
  TestResult r;
  r.name = "repeated_windows";
  r.n = static_cast<int64_t>(n);
  const int64_t pairs = e.pairs;
  r.statistic = static_cast<double>(pairs);
  r.p_value = pairs > 0 ? std::min(1.0, lambda / static_cast<double>(pairs)) : 1.0;
  r.reliable = true;
  r.details = {{"window", static_cast<double>(w)},
               {"pairs", static_cast<double>(pairs)},
               {"expected_bound_under_h0", lambda}};
  if (pairs > 0) {
    r.note = format(
        "%lld pairs of equal %d-value windows (e.g. at %lld and %lld, "
        "offset %lld); H0 bound %.3g",
        static_cast<long long>(pairs), w, static_cast<long long>(e.example_a),
        static_cast<long long>(e.example_b),
        static_cast<long long>(e.example_b - e.example_a), lambda);
  } else {
    r.note = format("no repeated %d-value windows", w);
  }
  return r;
}

TestResult DuplicateRowsResult(const EqualItems& e, int64_t rows, int64_t cols,
                               double tie_p) {
  TestResult r;
  r.name = "duplicate_rows";
  r.n = rows * cols;
  const double dr = static_cast<double>(rows);
  const double lambda =
      dr * (dr - 1) / 2 * std::pow(tie_p, static_cast<double>(cols));
  const int64_t duplicates = e.duplicates;
  r.statistic = static_cast<double>(duplicates);
  r.p_value = PoissonUpper(lambda, duplicates);
  r.reliable = rows >= 2;
  r.details = {{"duplicates", static_cast<double>(duplicates)},
               {"expected_under_h0", lambda}};
  if (duplicates > 0) {
    r.note = format(
        "%lld rows repeat an earlier row (e.g. rows %lld and %lld); "
        "expected %.3g under H0",
        static_cast<long long>(duplicates), static_cast<long long>(e.example_a),
        static_cast<long long>(e.example_b), lambda);
  } else {
    r.note = "no duplicate rows";
  }
  return r;
}

}  // namespace initcheck::verify::internal
