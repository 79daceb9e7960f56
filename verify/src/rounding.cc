// Moments of a law rounded to a float grid, and the narrowest grid of a
// sample (see initcheck/verify/rounding.h).
#include "initcheck/verify/rounding.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "initcheck/verify/result.h"

namespace initcheck::verify {
namespace {

// A binary floating-point format: p significand bits (with the implicit
// one), smallest normal exponent emin, largest exponent emax.
struct Format {
  int p;
  int emin;
  int emax;
};

Format FormatOf(ValueGrid g) {
  switch (g) {
    case ValueGrid::kFloat32:
      return {24, -126, 127};
    case ValueGrid::kFloat16:
      return {11, -14, 15};
    case ValueGrid::kBFloat16:
      return {8, -126, 127};
    case ValueGrid::kExact:
      break;
  }
  return {53, -1022, 1023};
}

// The grid's non-negative numbers in increasing order are 0, 1, 2, ...
// (ordinals, as IEEE bit patterns): subnormals k 2^(emin-p+1) for k <
// 2^(p-1), then 2^(p-1) numbers per binade. Negative numbers have negative
// ordinals.
int64_t MaxOrdinal(Format f) {
  return (static_cast<int64_t>(f.emax - f.emin) + 2) * (int64_t{1} << (f.p - 1)) - 1;
}

double FromOrdinal(int64_t k, Format f) {
  if (k < 0) return -FromOrdinal(-k, f);
  const int64_t per = int64_t{1} << (f.p - 1);
  if (k < per) return std::ldexp(static_cast<double>(k), f.emin - f.p + 1);
  const int64_t binade = k / per - 1;  // 0 for [2^emin, 2^(emin+1))
  const int64_t m = per + k % per;     // significand as an integer
  return std::ldexp(static_cast<double>(m),
                    f.emin + static_cast<int>(binade) - f.p + 1);
}

// The ordinal of the largest grid number <= |x| (x finite), with x's sign.
int64_t FloorOrdinal(double x, Format f) {
  if (x < 0) return -FloorOrdinal(-x, f);
  const int64_t per = int64_t{1} << (f.p - 1);
  if (x < std::ldexp(1.0, f.emin)) {
    return static_cast<int64_t>(std::floor(std::ldexp(x, f.p - 1 - f.emin)));
  }
  const int e = std::min(std::ilogb(x), f.emax);
  const double m = std::min(std::floor(std::ldexp(x, f.p - 1 - e)),
                            static_cast<double>(2 * per - 1));
  return (static_cast<int64_t>(e - f.emin) + 1) * per +
         static_cast<int64_t>(m) - per;
}

// Spacing of the grid at |x| (the gap above it).
double GapAt(double x, Format f) {
  x = std::fabs(x);
  int e = x == 0 ? f.emin : std::max(std::ilogb(x), f.emin);
  e = std::min(e, f.emax);
  return std::ldexp(1.0, e - f.p + 1);
}

}  // namespace

ValueGrid grid_of(DType t) {
  switch (t) {
    case DType::kF64:
      return ValueGrid::kExact;
    case DType::kF32:
      return ValueGrid::kFloat32;
    case DType::kF16:
      return ValueGrid::kFloat16;
    case DType::kBF16:
      return ValueGrid::kBFloat16;
  }
  return ValueGrid::kExact;
}

DType dtype_of(ValueGrid g) {
  switch (g) {
    case ValueGrid::kExact:
      return DType::kF64;
    case ValueGrid::kFloat32:
      return DType::kF32;
    case ValueGrid::kFloat16:
      return DType::kF16;
    case ValueGrid::kBFloat16:
      return DType::kBF16;
  }
  return DType::kF64;
}

bool on_grid(double v, ValueGrid grid) {
  if (!std::isfinite(v)) return false;
  if (grid == ValueGrid::kExact) return true;
  const float f = static_cast<float>(v);
  if (static_cast<double>(f) != v) return false;  // not a float32 (or overflow)
  switch (grid) {
    case ValueGrid::kFloat32:
      return true;
    case ValueGrid::kFloat16:
      return static_cast<double>(f16_to_f32(f32_to_f16(f))) == v;
    case ValueGrid::kBFloat16:
      return static_cast<double>(bf16_to_f32(f32_to_bf16(f))) == v;
    case ValueGrid::kExact:
      break;
  }
  return true;
}

int64_t count_off_grid(std::span<const double> x, ValueGrid grid) {
  int64_t off = 0;
  for (double v : x) off += std::isfinite(v) && !on_grid(v, grid);
  return off;
}

std::optional<DType> narrower_source_dtype(std::span<const double> x,
                                           DType storage) {
  std::vector<ValueGrid> candidates;
  if (storage == DType::kF64) {
    candidates = {ValueGrid::kBFloat16, ValueGrid::kFloat16,
                  ValueGrid::kFloat32};
  } else if (storage == DType::kF32) {
    candidates = {ValueGrid::kBFloat16, ValueGrid::kFloat16};
  } else {
    return std::nullopt;
  }
  // At least kMinDistinctForDetection distinct finite values: a few values
  // such as 0.25 lie on every grid, and a constant [2, 1] tensor "made in
  // bf16" would have two equal values with probability 0.004 under U(-1, 1)
  // (1e-7 in f32), hiding the constancy.
  {
    std::vector<double> distinct;
    for (double v : x) {
      if (!std::isfinite(v)) continue;
      if (std::find(distinct.begin(), distinct.end(), v) == distinct.end()) {
        distinct.push_back(v);
        if (static_cast<int64_t>(distinct.size()) >= kMinDistinctForDetection) break;
      }
    }
    if (static_cast<int64_t>(distinct.size()) < kMinDistinctForDetection)
      return std::nullopt;
  }
  // Coarsest first; one pass per candidate, stopping at the first value off
  // the grid (a continuous sample leaves bf16/f16 within a few values).
  for (ValueGrid g : candidates) {
    bool all = true;
    for (double v : x) {
      if (std::isfinite(v) && !on_grid(v, g)) {
        all = false;
        break;
      }
    }
    if (all) return dtype_of(g);
  }
  return std::nullopt;
}

RoundedMoments rounded_moments(const Distribution& d, ValueGrid grid) {
  RoundedMoments r;
  const double sd = d.sd();
  auto continuous = [&] {
    r.mean = d.mean();
    r.variance = d.variance();
    r.skewness = d.skewness();
    r.excess_kurtosis = d.excess_kurtosis();
  };
  if (grid == ValueGrid::kExact) {
    continuous();
    return r;
  }
  const Format f = FormatOf(grid);
  // The law's range: mass < 1e-19 on either side is left out.
  constexpr double kTail = 1e-19;
  const double lo = std::max(d.low(), d.quantile(kTail));
  const double hi = std::min(d.high(), d.isf(kTail));
  r.max_gap = std::max(GapAt(lo, f), GapAt(hi, f));
  const int64_t max_ord = MaxOrdinal(f);
  const int64_t k0 = std::max(-max_ord, FloorOrdinal(lo, f) - 1);
  const int64_t k1 = std::min(max_ord, FloorOrdinal(hi, f) + 1);
  const int64_t count = k1 - k0 + 1;
  const bool coarse = r.max_gap > std::ldexp(sd, -16);
  // float32 only: 2^25 cells (~1 s) is the hard cap even for a coarse grid.
  if (!(count <= kMaxRoundedCells || (coarse && count <= (int64_t{1} << 25)))) {
    continuous();
    r.exact = false;
    return r;
  }
  r.cells = count;
  // Cell of ordinal k: [mid(k-1, k), mid(k, k+1)], clipped to the support;
  // the outermost cells reach to infinity (values beyond round to the end
  // of the range enumerated, whose mass is < 1e-19 anyway).
  const double c = d.mean();
  long double s[5] = {0, 0, 0, 0, 0};
  constexpr int64_t kChunk = 4096;
  std::vector<double> bounds, cdf, sf, vals;
  for (int64_t a = k0; a <= k1; a += kChunk) {
    const int64_t b = std::min(k1, a + kChunk - 1);
    const size_t m = static_cast<size_t>(b - a + 1);
    vals.resize(m);
    bounds.resize(m + 1);
    for (int64_t k = a; k <= b; ++k) vals[static_cast<size_t>(k - a)] = FromOrdinal(k, f);
    for (int64_t k = a; k <= b + 1; ++k) {
      double x;
      if (k == k0) {
        x = -kInf;
      } else if (k == k1 + 1) {
        x = kInf;
      } else {
        x = 0.5 * (FromOrdinal(k - 1, f) + FromOrdinal(k, f));  // exact
      }
      bounds[static_cast<size_t>(k - a)] = std::clamp(x, d.low(), d.high());
    }
    cdf.resize(m + 1);
    sf.resize(m + 1);
    d.cdf_sf(bounds, cdf, sf);
    for (size_t j = 0; j < m; ++j) {
      // Mass from the smaller tail (relative accuracy in both tails).
      const double p = cdf[j] < 0.5 ? cdf[j + 1] - cdf[j] : sf[j] - sf[j + 1];
      if (!(p > 0)) continue;
      const long double dv = static_cast<long double>(vals[j]) - c;
      long double t = p;
      for (int q = 0; q < 5; ++q) {
        s[q] += t;
        t *= dv;
      }
    }
  }
  const long double m1 = s[1] / s[0];
  const long double e2 = s[2] / s[0], e3 = s[3] / s[0], e4 = s[4] / s[0];
  const long double mu2 = e2 - m1 * m1;
  const long double mu3 = e3 - 3 * m1 * e2 + 2 * m1 * m1 * m1;
  const long double mu4 =
      e4 - 4 * m1 * e3 + 6 * m1 * m1 * e2 - 3 * m1 * m1 * m1 * m1;
  r.mean = static_cast<double>(c + m1);
  r.variance = static_cast<double>(mu2);
  r.skewness = mu2 > 0 ? static_cast<double>(mu3 / std::pow(mu2, 1.5L)) : 0.0;
  r.excess_kurtosis =
      mu2 > 0 ? static_cast<double>(mu4 / (mu2 * mu2) - 3) : 0.0;
  return r;
}

}  // namespace initcheck::verify
