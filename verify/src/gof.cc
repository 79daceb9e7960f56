#include "initcheck/verify/gof.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "initcheck/verify/chi_square.h"
#include "initcheck/verify/sort.h"
#include "kernels.h"
#include "parallel_blocks.h"
#include "pipeline.h"
#include "pit_uniform.h"

namespace initcheck::verify {
namespace {

using internal::pit_uniform;

struct GridFormat {
  int precision;  // significand bits including the implicit one
  int emin;       // exponent of the smallest normal number
};

GridFormat grid_format(ValueGrid g) {
  switch (g) {
    case ValueGrid::kFloat32:
      return {24, -126};
    case ValueGrid::kFloat16:
      return {11, -14};
    case ValueGrid::kBFloat16:
      return {8, -126};
    case ValueGrid::kExact:
      break;
  }
  return {53, -1022};
}

// Spacing of the grid above and below |v| (v >= 0 finite).
void grid_gaps(double a, GridFormat f, double* gap_up, double* gap_down) {
  if (a == 0.0) {
    *gap_up = *gap_down = std::ldexp(1.0, f.emin - f.precision + 1);
    return;
  }
  int e = std::ilogb(a);
  if (e < f.emin) e = f.emin;
  const double ulp = std::ldexp(1.0, e - f.precision + 1);
  *gap_up = ulp;
  // Just below a power of two (that is not in the subnormal range) the grid
  // is twice as fine.
  const bool power_of_two = std::ldexp(1.0, std::ilogb(a)) == a;
  *gap_down = (power_of_two && std::ilogb(a) > f.emin) ? 0.5 * ulp : ulp;
}

template <typename T>
GofInput make_impl(std::span<const T> x, const Distribution& target,
                   ValueGrid grid) {
  GofInput in;
  in.grid = grid;
  in.target = target.description();
  in.sorted = sorted_copy(x);
  in.n_nan = static_cast<int64_t>(x.size()) - in.size();
  const size_t n = in.sorted.size();
  in.cdf.resize(n);
  in.sf.resize(n);
  const double low = target.low();
  const double high = target.high();

  if (grid == ValueGrid::kExact) {
    target.cdf_sf(in.sorted, in.cdf, in.sf);
    for (size_t i = 0; i < n && in.sorted[i] < low; ++i) ++in.n_below;
    for (size_t i = n; i > 0 && in.sorted[i - 1] > high; --i) ++in.n_above;
  } else {
    const bool all_cells = grid != ValueGrid::kFloat32;
    // Exact PIT first; then redo the values that need the cell treatment.
    target.cdf_sf(in.sorted, in.cdf, in.sf);
    std::vector<size_t> idx;
    std::vector<double> lo, hi;
    for (size_t i = 0; i < n; ++i) {
      const double v = in.sorted[i];
      double a, b;
      value_cell(v, grid, &a, &b);
      if (b < low) {
        ++in.n_below;
        in.cdf[i] = 0.0;
        in.sf[i] = 1.0;
        continue;
      }
      if (a > high) {
        ++in.n_above;
        in.cdf[i] = 1.0;
        in.sf[i] = 0.0;
        continue;
      }
      if (all_cells || a <= low || b >= high) {
        idx.push_back(i);
        lo.push_back(std::max(a, low));
        hi.push_back(std::min(b, high));
      }
    }
    const size_t m = idx.size();
    std::vector<double> c_lo(m), s_lo(m), c_hi(m), s_hi(m);
    target.cdf_sf(lo, c_lo, s_lo);
    target.cdf_sf(hi, c_hi, s_hi);
    const uint64_t key = m > 0 ? sample_key(in.sorted) : 0;
    for (size_t j = 0; j < m; ++j) {
      const double w = pit_uniform(idx[j], key);
      // Cell mass from the smaller tail, then u and 1 - u each from its own
      // side so both stay relative-accurate.
      const double mass = c_lo[j] < 0.5 ? c_hi[j] - c_lo[j] : s_lo[j] - s_hi[j];
      in.cdf[idx[j]] = std::clamp(c_lo[j] + w * mass, 0.0, 1.0);
      in.sf[idx[j]] = std::clamp(s_hi[j] + (1.0 - w) * mass, 0.0, 1.0);
    }
    // Equal values share a cell; their randomized u are iid within it, so
    // sorting them within each run of ties restores the global order (cells
    // of different values do not overlap).
    for (size_t i = 0; i < n;) {
      size_t k = i + 1;
      while (k < n && in.sorted[k] == in.sorted[i]) ++k;
      if (k - i > 1) {
        std::sort(in.cdf.begin() + i, in.cdf.begin() + k);
        std::sort(in.sf.begin() + i, in.sf.begin() + k, std::greater<double>());
      }
      i = k;
    }
  }
  for (size_t i = 0; i < n && in.cdf[i] <= 0.0; ++i) ++in.n_pit_zero;
  for (size_t i = n; i > 0 && in.sf[i - 1] <= 0.0; --i) ++in.n_pit_one;
  return in;
}

}  // namespace

void value_cell(double v, ValueGrid grid, double* lo, double* hi) {
  if (grid == ValueGrid::kExact || !std::isfinite(v)) {
    *lo = *hi = v;
    return;
  }
  double up, down;
  grid_gaps(std::fabs(v), grid_format(grid), &up, &down);
  if (v > 0) {
    *lo = v - 0.5 * down;
    *hi = v + 0.5 * up;
  } else if (v < 0) {
    *lo = v - 0.5 * up;
    *hi = v + 0.5 * down;
  } else {
    *lo = -0.5 * up;
    *hi = 0.5 * up;
  }
}

GofInput make_gof_input(std::span<const double> x, const Distribution& target,
                        ValueGrid grid) {
  return make_impl(x, target, grid);
}

GofInput make_gof_input(std::span<const float> x, const Distribution& target,
                        ValueGrid grid) {
  return make_impl(x, target, grid);
}

uint64_t sample_key(std::span<const double> values) {
  // A multiset hash: the sum of the values' 32-bit hashes (kernels.h), so
  // any order and any split of the sum give the same key; mixed with n.
  // (Before 2026-12: a SplitMix64 chain over the sorted values, serial.)
  uint64_t sum = 0;
  std::vector<uint64_t> g(internal::kBlock);
  for (size_t b = 0; b < values.size(); b += internal::kBlock) {
    const size_t m = std::min(internal::kBlock, values.size() - b);
    internal::ValueHashes(values.data() + b, m, g.data());
    for (size_t i = 0; i < m; ++i) sum += g[i];
  }
  return internal::key_of_hash_sum(sum, static_cast<uint64_t>(values.size()));
}

GofSummary summarize_gof(const GofInput& in) {
  GofSummary g;
  const size_t n = in.sorted.size();
  g.n = static_cast<int64_t>(n);
  g.n_nan = in.n_nan;
  g.n_below = in.n_below;
  g.n_above = in.n_above;
  g.grid = in.grid;
  g.target = in.target;
  if (n == 0) return g;
  g.min = in.sorted.front();
  g.max = in.sorted.back();
  g.u_min = in.cdf.front();
  g.s_max = in.sf.back();
  g.u_max = in.cdf.back();
  g.s_min = in.sf.front();
  const size_t mid = n / 2;
  g.median = n % 2 ? in.sorted[mid] : 0.5 * (in.sorted[mid] + in.sorted[mid - 1]);
  g.tie_probability = tie_probability(in.sorted);
  const int bins = chi_square_bins(g.n);
  const size_t tasks = internal::TaskCount(n);
  std::vector<internal::GofPartial> parts(tasks);
  internal::ParallelTasks(tasks, [&](size_t t) {
    const size_t end = std::min(n, (t + 1) * internal::kTask);
    for (size_t b = t * internal::kTask; b < end; b += internal::kBlock) {
      const size_t m = std::min(internal::kBlock, end - b);
      internal::GofBlockInto(in.cdf.data() + b, in.sf.data() + b, m,
                             static_cast<int64_t>(b), g.n, bins, &parts[t]);
    }
  });
  internal::FinishGof(parts, bins, &g);
  if (g.ks_i_plus >= 0) g.ks_x_plus = in.sorted[static_cast<size_t>(g.ks_i_plus)];
  if (g.ks_i_minus >= 0) g.ks_x_minus = in.sorted[static_cast<size_t>(g.ks_i_minus)];
  return g;
}

double tie_probability(std::span<const double> sorted) {
  const size_t n = sorted.size();
  if (n < 2) return 0.0;
  long double pairs = 0;
  for (size_t i = 0; i < n;) {
    size_t k = i + 1;
    while (k < n && sorted[k] == sorted[i]) ++k;
    const long double m = static_cast<long double>(k - i);
    pairs += m * (m - 1) / 2;
    i = k;
  }
  const long double total = static_cast<long double>(n) * (n - 1) / 2;
  return static_cast<double>(pairs / total);
}

}  // namespace initcheck::verify
