// Distribution tests of orthogonal matrices against the Haar measure (see
// initcheck/verify/haar.h).
#include "initcheck/verify/haar.h"

#include <algorithm>
#include <bit>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <unordered_map>
#include <vector>

#include "initcheck/error.h"
#include "initcheck/verify/chi_square.h"
#include "initcheck/verify/moments.h"

namespace initcheck::verify {
namespace {

uint64_t Mix(uint64_t z) {  // SplitMix64 finalizer (Steele et al. 2014)
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void CheckShape(std::span<const double> q, int64_t m, int64_t k) {
  if (m < 1 || k < 1 || k > m ||
      static_cast<uint64_t>(m) * static_cast<uint64_t>(k) != q.size()) {
    throw Error(format("haar tests: need an m x k tall view (m >= k), got m = "
                       "%lld, k = %lld for %zu values",
                       static_cast<long long>(m), static_cast<long long>(k),
                       q.size()));
  }
}

}  // namespace

double haar_entry_cdf(int64_t m, double x) {
  if (std::isnan(x)) return x;
  if (x <= 0) return 0.0;
  if (x >= 1) return 1.0;
  return boost::math::ibeta(0.5, 0.5 * static_cast<double>(m - 1), x);
}

double haar_entry_sf(int64_t m, double x) {
  if (std::isnan(x)) return x;
  if (x <= 0) return 1.0;
  if (x >= 1) return 0.0;
  // P(B >= x) = I_(1-x)((m-1)/2, 1/2): keeps relative accuracy in the tail.
  return boost::math::ibeta(0.5 * static_cast<double>(m - 1), 0.5, 1.0 - x);
}

TestResult haar_entries_test(std::span<const double> q, int64_t m, int64_t k,
                             double gain, ValueGrid grid) {
  CheckShape(q, m, k);
  TestResult r;
  r.name = "haar_entries";
  r.n = static_cast<int64_t>(q.size());
  const int bins = chi_square_bins(r.n);
  if (m < 2 || bins < 2) {
    r.reliable = false;
    r.note = "too few entries for the Beta(1/2, (m-1)/2) chi-square";
    return r;
  }
  // Cut points: the Beta quantiles j / bins, j = 1..bins-1.
  const double b = 0.5 * static_cast<double>(m - 1);
  std::vector<double> cuts(static_cast<size_t>(bins - 1));
  for (int j = 1; j < bins; ++j) {
    cuts[static_cast<size_t>(j - 1)] =
        boost::math::ibeta_inv(0.5, b, static_cast<double>(j) / bins);
  }
  std::vector<double> counts(static_cast<size_t>(bins), 0.0);
  const double g2 = gain * gain;
  // float16 / bfloat16 entries: a stored value stands for its rounding cell
  // (gof.h), whose image under x = (v / gain)^2 may straddle a cut; such a
  // value goes to the bin holding B(xa) + U (B(xb) - B(xa)), U ~ U(0,1) from
  // a fixed-seed hash of its index and of the sample (the randomized PIT:
  // exact for the rounded law). Only straddling cells need the Beta CDF,
  // cached per cell end. float32 cells are 2^-24 relative: left as points.
  const bool cells = grid == ValueGrid::kFloat16 || grid == ValueGrid::kBFloat16;
  uint64_t key = 0x6A09E667F3BCC909ull;
  if (cells) {
    for (double v : q) key = Mix(key ^ std::bit_cast<uint64_t>(v));
  }
  std::unordered_map<double, double> cdf_at;
  auto beta_cdf = [&](double x) {
    auto it = cdf_at.find(x);
    if (it != cdf_at.end()) return it->second;
    const double c = haar_entry_cdf(m, x);
    cdf_at.emplace(x, c);
    return c;
  };
  for (size_t i = 0; i < q.size(); ++i) {
    const double v = q[i];
    const double x = std::clamp(v * v / g2, 0.0, 1.0);
    size_t bin = static_cast<size_t>(
        std::upper_bound(cuts.begin(), cuts.end(), x) - cuts.begin());
    if (cells) {
      double lo, hi;
      value_cell(v, grid, &lo, &hi);
      double xa, xb;
      if (lo <= 0 && hi >= 0) {
        xa = 0;
        xb = std::max(lo * lo, hi * hi) / g2;
      } else {
        xa = std::min(lo * lo, hi * hi) / g2;
        xb = std::max(lo * lo, hi * hi) / g2;
      }
      xa = std::clamp(xa, 0.0, 1.0);
      xb = std::clamp(xb, 0.0, 1.0);
      const size_t ba = static_cast<size_t>(
          std::upper_bound(cuts.begin(), cuts.end(), xa) - cuts.begin());
      const size_t bb = static_cast<size_t>(
          std::upper_bound(cuts.begin(), cuts.end(), xb) - cuts.begin());
      if (ba != bb) {
        const double u =
            (static_cast<double>(Mix(key ^ (i * 0x9E3779B97F4A7C15ull)) >> 11) +
             0.5) * 0x1.0p-53;
        const double pa = beta_cdf(xa), pb = beta_cdf(xb);
        const double p = pa + u * (pb - pa);
        bin = std::min(static_cast<size_t>(bins - 1),
                       static_cast<size_t>(p * bins));
        bin = std::clamp(bin, ba, bb);
      }
    }
    counts[bin] += 1;
  }
  const std::vector<double> probs(static_cast<size_t>(bins), 1.0 / bins);
  TestResult c = chi_square_test(counts, probs);
  r.statistic = c.statistic;
  r.dof = c.dof;
  r.p_value = c.p_value;
  const double expected = static_cast<double>(r.n) / bins;
  size_t worst = 0;
  for (size_t j = 0; j < counts.size(); ++j) {
    if (std::fabs(counts[j] - expected) > std::fabs(counts[worst] - expected))
      worst = j;
  }
  r.details = {{"bins", static_cast<double>(bins)},
               {"worst_bin", static_cast<double>(worst)},
               {"worst_ratio", counts[worst] / expected},
               {"beta_b", b}};
  r.note = format(
      "squared entries vs Beta(1/2, %.6g) (Haar marginal): X^2 = %.4g on %d "
      "dof; bin %zu of %d holds %.3gx its share",
      b, r.statistic, bins - 1, worst, bins, counts[worst] / expected);
  return r;
}

TestResult haar_projection_test(std::span<const double> q, int64_t m,
                                int64_t k, double gain) {
  CheckShape(q, m, k);
  TestResult r;
  r.name = "haar_projection";
  r.n = static_cast<int64_t>(q.size());
  if (m < 2) {
    r.reliable = false;
    r.note = "m < 2";
    return r;
  }
  long double sum = 0;
  for (double v : q) sum += v;
  const double s = static_cast<double>(sum) /
                   (gain * std::sqrt(static_cast<double>(m) *
                                     static_cast<double>(k)));
  const double x = std::min(1.0, s * s);
  const double lo = haar_entry_cdf(m, x), hi = haar_entry_sf(m, x);
  r.statistic = s * std::sqrt(static_cast<double>(m));  // ~ N(0, 1) for large m
  r.p_value = std::min(1.0, 2.0 * std::min(lo, hi));
  r.details = {{"projection", s}, {"p_low", lo}, {"p_high", hi}};
  r.note = format(
      "1^T Q 1 / (gain sqrt(m k)) = %.4g (sqrt(m) times it = %.3g; Haar: "
      "its square ~ Beta(1/2, %.6g))",
      s, r.statistic, 0.5 * static_cast<double>(m - 1));
  return r;
}

TestResult haar_trace_test(std::span<const double> q, int64_t m, int64_t k,
                           double gain) {
  CheckShape(q, m, k);
  TestResult r;
  r.name = "haar_trace";
  r.n = static_cast<int64_t>(q.size());
  if (m != k) {
    r.reliable = false;
    r.note = "not square";
    return r;
  }
  long double t = 0;
  for (int64_t i = 0; i < m; ++i) t += q[static_cast<size_t>(i * k + i)];
  r.statistic = static_cast<double>(t) / gain;
  r.p_value = two_sided_normal_pvalue(r.statistic);
  r.reliable = m >= 32;
  r.details = {{"trace", r.statistic}};
  r.note = format("tr(Q) / gain = %.4g (Haar: mean 0, variance 1)",
                  r.statistic);
  return r;
}

}  // namespace initcheck::verify
