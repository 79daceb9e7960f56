// The verification battery (see initcheck/verify/battery.h).
#include "initcheck/verify/battery.h"

#include <Eigen/Dense>
#include <algorithm>
#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <span>

#include "initcheck/error.h"
#include "initcheck/verify/anderson_darling.h"
#include "initcheck/verify/chi_square.h"
#include "initcheck/verify/diagnose.h"
#include "initcheck/verify/distributions.h"
#include "initcheck/verify/gof.h"
#include "initcheck/verify/haar.h"
#include "initcheck/verify/independence.h"
#include "initcheck/verify/ks.h"
#include "initcheck/verify/moments.h"
#include "initcheck/verify/rounding.h"
#include "initcheck/verify/support.h"
#include "parallel_blocks.h"
#include "pipeline.h"

namespace initcheck::verify {
namespace {

using Family = Target::Family;

// Machine epsilon of the storage type.
double Eps(DType t) {
  switch (t) {
    case DType::kF64:
      return 0x1p-52;
    case DType::kF32:
      return 0x1p-23;
    case DType::kF16:
      return 0x1p-10;
    case DType::kBF16:
      return 0x1p-7;
  }
  return 0;
}

ValueGrid Grid(DType t) { return grid_of(t); }

// "[2, 0, 1]": the multi-index of flat index i in `shape`.
std::string Index(int64_t i, const Shape& shape) {
  std::vector<int64_t> idx(shape.size());
  for (size_t k = shape.size(); k-- > 0;) {
    idx[k] = i % shape[k];
    i /= shape[k];
  }
  return shape_string(idx);
}

SampleSummary Summarize(const internal::ValueScan& scan, int64_t n) {
  SampleSummary s;
  s.n = n;
  s.n_nan = scan.n_nan;
  s.n_inf = scan.n_inf;
  const Moments& m = scan.moments;
  s.mean = m.mean;
  s.variance = m.variance;
  s.min = m.min;
  s.max = m.max;
  s.excess_kurtosis = m.excess_kurtosis;
  return s;
}

TestResult FiniteTest(const internal::ValueScan& scan, int64_t n,
                      const Shape& shape) {
  const int64_t bad = scan.n_nan + scan.n_inf, nan = scan.n_nan;
  std::string note;
  if (bad > 0) {
    note =
        format("%lld non-finite values (%lld NaN, %lld Inf), first at %s",
               static_cast<long long>(bad), static_cast<long long>(nan),
               static_cast<long long>(bad - nan),
               Index(scan.first_nonfinite, shape).c_str());
  }
  return deterministic_result("finite", n, bad, note);
}

// Upper bound on the probability that one draw of `t`, rounded to `dtype`,
// equals any single representable value. A value v's rounding cell is at
// most ulp(v) <= 2^(1-p)|v| wide (p = significand bits) away from the
// subnormals, and denorm_min wide among them, so
//   P(cell) <= 2^(1-p)(1 + 2^(1-p)) sup|x| f(x) + denorm_min sup f.
// sup|x| f(x): uniform max(|a|,|b|)/(b-a); normal (|mu|/sigma) phi(0) +
// phi(1) (the maximum over t of (|mu|/sigma + t) phi(t) is below the sum);
// truncated normal the same over Z = Phi(beta) - Phi(alpha), or
// max(|a|,|b|) sup f if smaller.
double MaxCellProbability(const Target& t, DType dtype) {
  int bits = 53;
  double denorm = 0x1p-1074;
  switch (dtype) {
    case DType::kF64:
      break;
    case DType::kF32:
      bits = 24;
      denorm = 0x1p-149;
      break;
    case DType::kF16:
      bits = 11;
      denorm = 0x1p-24;
      break;
    case DType::kBF16:
      bits = 8;
      denorm = 0x1p-133;
      break;
  }
  const double rel =
      std::ldexp(1.0, 1 - bits) * (1 + std::ldexp(1.0, 1 - bits));
  constexpr double kPhi0 = 0.3989422804014327;   // 1/sqrt(2 pi)
  constexpr double kPhi1 = 0.24197072451914337;  // phi(1)
  double sup_xf = 0, sup_f = 0;
  switch (t.family) {
    case Family::kUniform:
      sup_f = 1 / (t.high - t.low);
      sup_xf = std::max(std::abs(t.low), std::abs(t.high)) * sup_f;
      break;
    case Family::kNormal:
    case Family::kSparse:
    case Family::kTruncatedNormal: {
      const double s = t.parent_std;
      double z = 1;
      if (t.family == Family::kTruncatedNormal) {
        const boost::math::normal n01;
        const double a = (t.low - t.parent_mean) / s,
                     b = (t.high - t.parent_mean) / s;
        z = b <= 0 ? boost::math::cdf(n01, b) - boost::math::cdf(n01, a)
                   : boost::math::cdf(complement(n01, a)) -
                         boost::math::cdf(complement(n01, b));
      }
      sup_f = kPhi0 / (s * z);
      sup_xf = (std::abs(t.parent_mean) / s * kPhi0 + kPhi1) / z;
      if (t.family == Family::kTruncatedNormal)
        sup_xf = std::min(sup_xf,
                          std::max(std::abs(t.low), std::abs(t.high)) * sup_f);
      break;
    }
    default:
      return 1;
  }
  const double p = rel * sup_xf + denorm * sup_f;
  return std::isfinite(p) ? std::min(1.0, p) : 1.0;
}

// All n >= 2 values equal, from a continuous target: at most
// P(all equal) = sum_v p_v^n <= p_max^(n-1) (p_max: MaxCellProbability).
// Only reported when it happens. With 2 or 3 values this is the one test
// that sees a constant tensor (found by the edge-case suite: a constant
// [2, 1] tensor passed `normal`); from 4 on the variance, runs and
// repeated-window tests see it too.
void AllEqualTest(const GofSummary& g, const Target& t, DType dtype,
                  std::vector<TestResult>& out) {
  const int64_t n = g.n;
  if (n < 2 || g.min != g.max) return;
  const double pmax = MaxCellProbability(t, dtype);
  TestResult r;
  r.name = "all_equal";
  r.n = n;
  r.statistic = 1;
  r.p_value = std::pow(pmax, static_cast<double>(n - 1));
  r.note = format(
      "all %lld values equal %.9g (probability <= %.3g under the target)",
      static_cast<long long>(n), g.min, r.p_value);
  out.push_back(std::move(r));
}

// The marginal and independence tests of an elementwise target on the
// values `x` (all finite; `m` their moments), through the pipeline of
// pipeline.h: one sorted copy streamed through the PIT, then the storage-
// order tests in the sorted copy's memory. rows x cols is the storage-order
// matrix view for the row tests (rows = 0: skip them); `strides` the storage
// strides of the axes (for the lag set). `dtype` is the grid the values were
// made on (the storage dtype, or a narrower one they all lie on:
// rounding.h).
//
// The mean and variance tests compare with the moments of the target
// ROUNDED to that grid (rounding.h: an exact sum over cells), not the
// continuous ones: a correct bf16 N(1, 0.02^2) tensor has variance 1.00794
// std^2, which the continuous target rejected at n = 2^20 (z ~ 6), and a
// bf16 N(1000, 1) one 0.728 std^2 (z = -46). For a normal target whose
// rounded law is still normal (skewness and excess kurtosis within 1e-3),
// the mean test is exact at any n and the variance test is the exact
// chi-square (moments.h), so both gate small tensors too. Both use the
// pipeline's single-pass moments.
void ElementwiseTests(const internal::Values& x, const Moments& m,
                      const Target& target, const Distribution& dist,
                      DType dtype, int64_t rows, int64_t cols,
                      std::span<const int64_t> strides,
                      const BatteryOptions& opt, std::vector<TestResult>& out) {
  internal::SortedValues sorted = internal::SortedValues::Make(x);
  internal::TieFilter filter;
  const GofSummary g = internal::SummarizeSorted(
      sorted, dist, Grid(dtype), opt.independence ? &filter : nullptr);
  AllEqualTest(g, target, dtype, out);
  out.push_back(ks_test(g));
  out.push_back(anderson_darling_test(g));
  out.push_back(chi_square_test(g));
  const RoundedMoments rm = rounded_moments(dist, Grid(dtype));
  const bool normal_like = target.family == Target::Family::kNormal &&
                           std::abs(rm.skewness) <= 1e-3 &&
                           std::abs(rm.excess_kurtosis) <= 1e-3;
  TestResult mt = mean_test(m, rm.mean, std::sqrt(rm.variance), rm.skewness,
                            /*exact_normal=*/normal_like);
  TestResult vt = normal_like ? variance_chi_square_test(m, rm.variance)
                              : variance_test(m, rm.variance, rm.excess_kurtosis);
  const double shift = std::abs(rm.variance / dist.variance() - 1);
  if (rm.exact && dtype != DType::kF64 && shift > 1e-6) {
    const std::string how =
        format(" (target rounded to %s: mean %.9g, variance %.6gx the "
               "continuous; exact sum over %lld cells)",
               std::string(dtype_name(dtype)).c_str(), rm.mean,
               rm.variance / dist.variance(), static_cast<long long>(rm.cells));
    mt.note += how;
    vt.note += how;
  }
  vt.details.push_back({"continuous_target_variance", dist.variance()});
  out.push_back(std::move(mt));
  out.push_back(std::move(vt));
  out.push_back(support_test(g, dist));
  if (!opt.independence) return;
  // The sorted copy's memory is reused for the window tags.
  internal::RawBuffer buffer = sorted.Release();
  const size_t n = x.n;
  const double ties = g.tie_probability;
  std::vector<int64_t> extra(strides.begin(), strides.end());
  if (cols > 0) extra.push_back(cols);
  const std::vector<int64_t> lags =
      correlation_lags(static_cast<int64_t>(n), extra);
  // The correlation tests' normal (and Student t) approximations rest on a
  // CLT over m products x_i x_j, whose first-order (Edgeworth) error is
  // proportional to the products' excess kurtosis K4 = (3 + kappa)^2 - 3
  // (kappa: the rounded target's excess kurtosis; 6 for normal data, 0.24
  // for uniform). They are documented reliable from m = 1000 products for
  // normal data, so the same accuracy needs m >= 1000 max(1, K4 / 6). This
  // matters only for few-point laws: bf16 N(1000, 1) (spacing 4 sd, 95% of
  // the values equal) has kappa = 18.8, K4 = 472, m >= 78,700; the
  // calibration study rejected half of its correct tensors at 1e-6 through
  // row_correlation_max (64 values per row) before this rule.
  const double k4 = (3 + rm.excess_kurtosis) * (3 + rm.excess_kurtosis) - 3;
  const double min_products = 1000 * std::max(1.0, k4 / 6);
  const double nx = static_cast<double>(n);
  // The multi-lag serial correlation (lag_correlation_test), runs and the
  // tie-filter bits in one pass; the filter only when ties are not
  // everywhere (16-bit formats, f32 beyond ~10^8 values: there the
  // duplicate counts hash every item).
  const bool use_filter = filter.k > 0 && filter.tied_fraction < 0.8;
  internal::OrderPass pass = internal::StorageOrderPass(
      x, m.mean, g.median, use_filter ? &filter : nullptr, lags);
  const std::vector<uint64_t>* tied = use_filter ? &pass.tied : nullptr;
  pass.serial.reliable = pass.serial.reliable && nx >= min_products;
  out.push_back(std::move(pass.serial));
  if (rows >= 3 && cols >= 3) {
    // Non-normal targets: on normal scores, where the t law is exact
    // (independence.h).
    internal::RowCorrelation rc = internal::RowCorrelations(
        x, rows, cols, dist.name() == "normal" ? nullptr : &dist);
    rc.mean.reliable = rc.mean.reliable && nx >= min_products;
    rc.max_abs.reliable =
        rc.max_abs.reliable && static_cast<double>(cols) >= min_products / 100;
    out.push_back(std::move(rc.mean));
    out.push_back(std::move(rc.max_abs));
  }
  if (rows >= 2 && cols >= 1) {
    const internal::EqualItems e =
        internal::CountEqualRows(x, rows, cols, &buffer, tied);
    out.push_back(internal::DuplicateRowsResult(e, rows, cols, ties));
  }
  const int w = internal::ChooseWindow(n, ties, 0);
  if (n < static_cast<size_t>(w) + 1) {
    TestResult r;
    r.name = "repeated_windows";
    r.n = static_cast<int64_t>(n);
    r.reliable = false;
    r.note = "too few values";
    out.push_back(std::move(r));
  } else {
    const size_t nw = n - static_cast<size_t>(w) + 1;
    const double lambda =
        internal::WindowsLambda(static_cast<double>(nw), ties, w);
    const internal::EqualItems e =
        internal::CountEqualWindows(x, w, &buffer, tied);
    out.push_back(internal::WindowsResult(e, n, w, lambda));
  }
  buffer.reset();
  out.push_back(internal::RunsResult(pass.runs, n, g.median));
}

// Two-sided exact binomial(k, 1/2) p-value for `pos` successes.
double SignTestP(int64_t pos, int64_t k) {
  if (k == 0) return 1.0;
  const boost::math::binomial b(static_cast<double>(k), 0.5);
  const double lo =
      boost::math::cdf(b, static_cast<double>(std::min(pos, k - pos)));
  return std::min(1.0, 2.0 * lo);
}

TestResult SignTest(std::string name, std::span<const double> v,
                    std::string what) {
  int64_t pos = 0, k = 0;
  for (double x : v) {
    if (x == 0) continue;
    ++k;
    pos += x > 0;
  }
  TestResult r;
  r.name = std::move(name);
  r.n = k;
  r.statistic = static_cast<double>(pos);
  r.p_value = SignTestP(pos, k);
  r.reliable = k >= 20;
  r.note =
      format("%lld of %lld %s entries positive", static_cast<long long>(pos),
             static_cast<long long>(k), what.c_str());
  r.details = {{"positive", static_cast<double>(pos)},
               {"count", static_cast<double>(k)}};
  return r;
}

// Probability that a value drawn from N(0, sd^2) is stored as exactly 0 in
// `t`: round to nearest even sends |x| <= half the smallest subnormal to 0
// (f16: 2^-25, about 2.4e-6 per value for sd = 0.01; bf16 2^-134, f32 2^-150,
// f64 2^-1075: negligible). The f16 case is real: sparse(std=0.01) in f16
// has about one such extra zero per 4 10^5 non-zeros.
double ProbabilityStoredAsZero(double sd, DType t) {
  double half_min = 0;
  switch (t) {
    case DType::kF64:
      half_min = 0x1p-1074 / 2;
      break;
    case DType::kF32:
      half_min = 0x1p-150;
      break;
    case DType::kF16:
      half_min = 0x1p-25;
      break;
    case DType::kBF16:
      half_min = 0x1p-134;
      break;
  }
  return std::erf(half_min / (sd * std::sqrt(2.0)));
}

// sparse: every column holds exactly zeros_per_column zeros from the mask,
// plus non-zero draws that round to 0 in the dtype (each independently with
// probability p0 = ProbabilityStoredAsZero). A column with FEWER zeros is
// impossible under H0 (p = 0); otherwise the extra zeros E over all columns
// are Binomial(non-zero slots, p0) and p = P(Bin >= E) (1 when E = 0; 0 for
// E > 0 when p0 underflows, as in f32 and f64).
TestResult ZerosPerColumnTest(const internal::Values& x, const Target& tg,
                              DType dtype) {
  // Zeros per column, counted in one pass in storage order (row-major
  // rows x cols).
  std::vector<int64_t> zeros_in(static_cast<size_t>(tg.cols), 0);
  {
    std::vector<double> buf(internal::kBlock);
    const size_t n = x.n;
    const size_t cols = static_cast<size_t>(tg.cols);
    for (size_t b = 0; b < n; b += internal::kBlock) {
      const size_t m = std::min(internal::kBlock, n - b);
      x.Read(b, m, buf.data());
      size_t col = b % cols;
      for (size_t i = 0; i < m; ++i) {
        zeros_in[col] += buf[i] == 0;
        if (++col == cols) col = 0;
      }
    }
  }
  int64_t short_cols = 0, long_cols = 0, extra = 0, first_bad = -1,
          first_count = 0;
  for (int64_t col = 0; col < tg.cols; ++col) {
    const int64_t zeros = zeros_in[static_cast<size_t>(col)];
    if (zeros != tg.zeros_per_column && first_bad < 0) {
      first_bad = col;
      first_count = zeros;
    }
    if (zeros < tg.zeros_per_column) ++short_cols;
    if (zeros > tg.zeros_per_column) {
      ++long_cols;
      extra += zeros - tg.zeros_per_column;
    }
  }
  const int64_t slots =
      std::max<int64_t>(0, tg.rows - tg.zeros_per_column) * tg.cols;
  const double p0 = ProbabilityStoredAsZero(tg.parent_std, dtype);
  TestResult r;
  r.name = "zeros_per_column";
  r.n = static_cast<int64_t>(x.n);
  r.statistic = static_cast<double>(short_cols + long_cols);
  r.details = {{"columns_with_fewer", static_cast<double>(short_cols)},
               {"columns_with_more", static_cast<double>(long_cols)},
               {"extra_zeros", static_cast<double>(extra)},
               {"expected_extra_zeros", p0 * static_cast<double>(slots)}};
  if (short_cols > 0) {
    r.p_value = 0.0;
  } else if (extra == 0) {
    r.p_value = 1.0;
  } else if (p0 <= 0) {
    r.p_value = 0.0;
  } else {
    const boost::math::binomial b(static_cast<double>(slots), p0);
    r.p_value = boost::math::cdf(
        boost::math::complement(b, static_cast<double>(extra - 1)));
  }
  if (short_cols + long_cols > 0) {
    r.note = format(
        "%lld of %lld columns do not have exactly %lld zeros (column %lld has "
        "%lld)",
        static_cast<long long>(short_cols + long_cols),
        static_cast<long long>(tg.cols),
        static_cast<long long>(tg.zeros_per_column),
        static_cast<long long>(first_bad), static_cast<long long>(first_count));
    if (short_cols == 0) {
      r.note +=
          format("; %lld extra zeros, %.3g expected from rounding to %s",
                 static_cast<long long>(extra), p0 * static_cast<double>(slots),
                 std::string(dtype_name(dtype)).c_str());
    }
  }
  return r;
}

// Orthogonality and Haar tests of a rows x cols row-major matrix `a`.
void OrthogonalTests(std::span<const double> a, int64_t rows, int64_t cols,
                     double gain, DType dtype, std::vector<TestResult>& out) {
  using Mat =
      Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<const Mat> m0(a.data(), rows, cols);
  // The tall view: m x k, m >= k, orthonormal columns expected.
  const Mat q = rows >= cols ? Mat(m0) : Mat(m0.transpose());
  const int64_t m = q.rows(), k = q.cols();
  const Eigen::MatrixXd gram = q.transpose() * q;
  const double err = (gram - gain * gain * Eigen::MatrixXd::Identity(k, k))
                         .cwiseAbs()
                         .maxCoeff();
  // Tolerance: rounding each entry to the dtype moves a Gram entry by at most
  // ~2 eps gain^2 (Cauchy-Schwarz), and a Householder QR computed in the
  // dtype's working precision (f64 for f64, f32 otherwise) is orthogonal to
  // about sqrt(m) eps_work (Higham, Accuracy and Stability of Numerical
  // Algorithms, 2nd ed., §19.3); 8x margin on the latter.
  const double work = dtype == DType::kF64 ? 0x1p-52 : 0x1p-23;
  const double tol =
      gain * gain *
      (2 * Eps(dtype) + 8 * std::sqrt(static_cast<double>(m)) * work);
  TestResult o;
  o.name = "orthogonality";
  o.n = static_cast<int64_t>(a.size());
  o.statistic = err;
  o.p_value = err <= tol ? 1.0 : 0.0;
  o.note = format("max |Q^T Q - gain^2 I| = %.3g (tolerance %.3g)", err, tol);
  o.details = {{"max_error", err}, {"tolerance", tol}};
  out.push_back(o);
  std::vector<double> diag(static_cast<size_t>(k)), row(static_cast<size_t>(k)),
      col(static_cast<size_t>(m));
  for (int64_t i = 0; i < k; ++i) {
    diag[static_cast<size_t>(i)] = q(i, i);
    row[static_cast<size_t>(i)] = q(0, i);
  }
  for (int64_t i = 0; i < m; ++i) col[static_cast<size_t>(i)] = q(i, 0);
  out.push_back(SignTest("haar_diagonal_signs", diag, "diagonal"));
  out.push_back(SignTest("haar_row_signs", row, "first-row"));
  out.push_back(SignTest("haar_column_signs", col, "first-column"));
  // The entries' law (haar.h): exactly orthogonal impostors (signed
  // permutations, randomized Hadamard matrices, block-diagonal Haar) have
  // fair signs but the wrong marginal.
  const std::span<const double> tall(q.data(), static_cast<size_t>(m * k));
  out.push_back(haar_entries_test(tall, m, k, gain, Grid(dtype)));
  out.push_back(haar_projection_test(tall, m, k, gain));
  if (m == k) out.push_back(haar_trace_test(tall, m, k, gain));
}

// The exact values of a constant / eye / dirac target: `fill` everywhere
// except at the listed (index, value) positions, ascending.
struct ExactPattern {
  double fill = 0;
  std::vector<std::pair<int64_t, double>> special;
};
ExactPattern ExactValues(const Target& t, const Geometry& g) {
  ExactPattern p;
  if (t.family == Family::kConstant) {
    p.fill = t.value;
  } else if (t.family == Family::kEye) {
    for (int64_t i = 0; i < std::min(t.rows, t.cols); ++i) {
      p.special.emplace_back(i * t.cols + i, t.value);
    }
  } else if (t.family == Family::kDirac) {
    // torch.nn.init.dirac_: for each group g and d < min(out/groups, in):
    // w[g * out/groups + d, d, k0 // 2, k1 // 2, ...] = 1.
    const int64_t out = g.shape[0], in = g.shape[1];
    const int64_t per = out / t.groups;
    int64_t spatial = 1;
    for (size_t a = 2; a < g.shape.size(); ++a) spatial *= g.shape[a];
    int64_t centre = 0;
    for (size_t a = 2; a < g.shape.size(); ++a)
      centre = centre * g.shape[a] + g.shape[a] / 2;
    for (int64_t grp = 0; grp < t.groups; ++grp) {
      for (int64_t d = 0; d < std::min(per, in); ++d) {
        p.special.emplace_back(((grp * per + d) * in + d) * spatial + centre,
                               1.0);
      }
    }
    std::sort(p.special.begin(), p.special.end());
  }
  return p;
}

}  // namespace

std::unique_ptr<Distribution> target_distribution(const Target& t) {
  switch (t.family) {
    case Family::kUniform:
      return std::make_unique<Uniform>(t.low, t.high);
    case Family::kNormal:
    case Family::kSparse:
      return std::make_unique<Normal>(t.parent_mean, t.parent_std);
    case Family::kTruncatedNormal:
      return std::make_unique<TruncatedNormal>(t.parent_mean, t.parent_std,
                                               t.low, t.high);
    default:
      return nullptr;
  }
}

TensorCheck check_tensor(const TensorView& t, const Scheme& scheme,
                         const Geometry& geometry, const BatteryOptions& opt) {
  if (t.shape != geometry.shape) {
    throw Error("tensor shape " + shape_string(t.shape) +
                " differs from the geometry " + shape_string(geometry.shape));
  }
  TensorCheck c;
  c.scheme = scheme.str();
  c.geometry = geometry;
  c.dtype = t.dtype;
  c.target = derive_target(scheme, geometry);
  const Shape& shape = geometry.shape;
  const int64_t numel = t.numel();
  if (numel == 0)
    throw Error("tensor has no elements (shape " + shape_string(shape) + ")");
  // The values are read where they are (no widened copy): the finite check
  // and the moments in one pass (pipeline.h).
  const internal::Values x{t.data, t.dtype, static_cast<size_t>(numel)};
  const internal::ValueScan scan = internal::ScanValues(x);
  c.sample = Summarize(scan, numel);
  c.tests.push_back(FiniteTest(scan, numel, shape));
  const bool finite = c.tests.back().p_value > 0;
  const Target& tg = c.target;
  // Storage-order matrix view: rows = the first dim (torch) or all but the
  // last (keras/jax).
  int64_t rows = shape.size() >= 2 ? (geometry.layout == Layout::kTorch
                                          ? shape.front()
                                          : numel / shape.back())
                                   : 0;
  int64_t cols = rows > 0 ? numel / rows : 0;

  if (!finite)
    return c;  // the finite test already fails; nothing else is meaningful
  // The grid the values were made on (rounding.h): the storage dtype, a
  // narrower format holding every value (detected), or the one forced by
  // options.source_dtype (values off that grid then fail "source_grid").
  DType src = c.dtype;
  const auto wider = [](DType a, DType b) {  // a strictly wider than b
    auto rank = [](DType t) {
      return t == DType::kF64 ? 3 : t == DType::kF32 ? 2 : 1;
    };
    return rank(a) > rank(b);
  };
  if (opt.source_dtype && !wider(*opt.source_dtype, c.dtype)) {
    src = *opt.source_dtype;
    if (src != c.dtype) {
      const int64_t off = internal::CountOffGrid(x, Grid(src));
      c.tests.push_back(deterministic_result(
          "source_grid", numel, off,
          off ? format("%lld of %lld values are not %s numbers (--source-dtype "
                       "%s)",
                       static_cast<long long>(off), static_cast<long long>(numel),
                       std::string(dtype_name(src)).c_str(),
                       std::string(dtype_name(src)).c_str())
              : ""));
      c.source_note = format(
          "values made in %s (given), stored as %s: tested against the law "
          "rounded to %s",
          std::string(dtype_name(src)).c_str(),
          std::string(dtype_name(c.dtype)).c_str(),
          std::string(dtype_name(src)).c_str());
    }
  } else if (opt.detect_source_dtype && !opt.source_dtype) {
    if (const std::optional<DType> narrow =
            internal::NarrowerSourceDtype(x, c.dtype)) {
      src = *narrow;
      c.source_note = format(
          "every value is a %s number (stored as %s): tested against the law "
          "rounded to %s (detected; --source-dtype to force)",
          std::string(dtype_name(src)).c_str(),
          std::string(dtype_name(c.dtype)).c_str(),
          std::string(dtype_name(src)).c_str());
    }
  }
  c.source_dtype = src;
  // Storage strides of the axes (products of the trailing dims), for the lag
  // set of the serial-correlation test.
  std::vector<int64_t> strides;
  {
    int64_t st = 1;
    for (size_t a = shape.size(); a-- > 1;) {
      st *= shape[a];
      strides.push_back(st);
    }
  }
  switch (tg.family) {
    case Family::kUniform:
    case Family::kNormal:
    case Family::kTruncatedNormal: {
      const auto dist = target_distribution(tg);
      ElementwiseTests(x, scan.moments, tg, *dist, src, rows, cols, strides,
                       opt, c.tests);
      break;
    }
    case Family::kConstant:
    case Family::kEye:
    case Family::kDirac: {
      const ExactPattern want = ExactValues(tg, geometry);
      const double fill = stored_value(want.fill, src);
      int64_t bad = 0, first = -1;
      double first_value = 0, first_want = 0;
      std::vector<double> buf(internal::kBlock);
      size_t sp = 0;  // next special position
      for (int64_t b = 0; b < numel; b += static_cast<int64_t>(internal::kBlock)) {
        const size_t m = std::min<size_t>(internal::kBlock, static_cast<size_t>(numel - b));
        x.Read(static_cast<size_t>(b), m, buf.data());
        for (size_t j = 0; j < m; ++j) {
          const int64_t i = b + static_cast<int64_t>(j);
          double w = want.fill, sw = fill;
          while (sp < want.special.size() && want.special[sp].first < i) ++sp;
          if (sp < want.special.size() && want.special[sp].first == i) {
            w = want.special[sp].second;
            sw = stored_value(w, src);
          }
          if (buf[j] != sw) {
            if (first < 0) {
              first = i;
              first_value = buf[j];
              first_want = w;
            }
            ++bad;
          }
        }
      }
      std::string note;
      if (bad) {
        note = format(
            "%lld of %lld elements differ from %s, first at %s: %.6g (want "
            "%.6g)",
            static_cast<long long>(bad), static_cast<long long>(numel),
            tg.family_name().c_str(), Index(first, shape).c_str(), first_value,
            first_want);
      }
      c.tests.push_back(deterministic_result("structure", numel, bad, note));
      break;
    }
    case Family::kSparse: {
      c.tests.push_back(ZerosPerColumnTest(x, tg, src));
      // The non-zeros, in storage order and storage format.
      const size_t es = dtype_size(c.dtype);
      internal::RawBuffer nz(static_cast<size_t>(numel) * es);
      size_t count = 0;
      {
        std::vector<double> buf(internal::kBlock);
        const std::byte* src = t.data;
        for (size_t b = 0; b < static_cast<size_t>(numel); b += internal::kBlock) {
          const size_t m = std::min(internal::kBlock, static_cast<size_t>(numel) - b);
          x.Read(b, m, buf.data());
          for (size_t j = 0; j < m; ++j) {
            if (buf[j] == 0) continue;
            std::memcpy(nz.as<std::byte>() + count * es, src + (b + j) * es, es);
            ++count;
          }
        }
      }
      if (count >= 2) {
        const auto dist = target_distribution(tg);
        const internal::Values nonzero{nz.as<std::byte>(), c.dtype, count};
        const internal::ValueScan nscan = internal::ScanValues(nonzero);
        // The non-zeros lose the matrix structure: no row tests.
        ElementwiseTests(nonzero, nscan.moments, tg, *dist, src, 0, 0, {}, opt,
                         c.tests);
      }
      break;
    }
    case Family::kOrthogonal: {
      const std::vector<double> a = t.to_double();
      OrthogonalTests(a, tg.rows, tg.cols, tg.gain, src, c.tests);
      break;
    }
    case Family::kDeltaOrthogonal: {
      int64_t centre = 0;
      for (size_t a = 0; a + 2 < shape.size(); ++a)
        centre = centre * shape[a] + (shape[a] - 1) / 2;
      const int64_t tap = tg.rows * tg.cols;
      int64_t bad = 0, first = -1;
      std::vector<double> buf(internal::kBlock);
      for (int64_t b = 0; b < numel; b += static_cast<int64_t>(internal::kBlock)) {
        const size_t m = std::min<size_t>(internal::kBlock, static_cast<size_t>(numel - b));
        x.Read(static_cast<size_t>(b), m, buf.data());
        for (size_t j = 0; j < m; ++j) {
          const int64_t i = b + static_cast<int64_t>(j);
          const bool in_tap = i >= centre * tap && i < (centre + 1) * tap;
          if (!in_tap && buf[j] != 0) {
            if (first < 0) first = i;
            ++bad;
          }
        }
      }
      c.tests.push_back(deterministic_result(
          "structure", numel, bad,
          bad ? format("%lld non-zero values off the centre tap, first at %s",
                       static_cast<long long>(bad), Index(first, shape).c_str())
              : ""));
      std::vector<double> a(static_cast<size_t>(tap));
      x.Read(static_cast<size_t>(centre * tap), static_cast<size_t>(tap), a.data());
      OrthogonalTests(a, tg.rows, tg.cols, tg.gain, src, c.tests);
      break;
    }
  }
  return c;
}

bool decide(std::vector<TensorCheck>& checks, double alpha) {
  if (!(alpha > 0 && alpha < 1)) throw Error("alpha must be in (0, 1)");
  // One family: every gating p-value of every tensor. Unreliable or
  // not-run tests are reported but excluded.
  std::vector<double> p;
  std::vector<std::pair<size_t, size_t>> where;
  for (size_t c = 0; c < checks.size(); ++c) {
    checks[c].adjusted_p.assign(checks[c].tests.size(), kNaN);
    checks[c].rejected.assign(checks[c].tests.size(), false);
    for (size_t i = 0; i < checks[c].tests.size(); ++i) {
      const TestResult& r = checks[c].tests[i];
      if (std::isnan(r.p_value) || !r.reliable) continue;
      p.push_back(r.p_value);
      where.emplace_back(c, i);
    }
  }
  const std::vector<double> adj = holm_adjust(p);
  for (size_t j = 0; j < p.size(); ++j) {
    auto [c, i] = where[j];
    checks[c].adjusted_p[i] = adj[j];
    checks[c].rejected[i] = adj[j] <= alpha;
  }
  bool all = true;
  // Holm's first step: alpha / m, the level a single test must reach.
  const int64_t m = static_cast<int64_t>(p.size());
  const double level = alpha / static_cast<double>(std::max<int64_t>(1, m));
  for (TensorCheck& c : checks) {
    c.resolution = compute_resolution(c.target, c.dtype, c.tests, level, m);
    c.pass = std::none_of(c.rejected.begin(), c.rejected.end(),
                          [](bool b) { return b; });
    c.diagnosis = c.pass ? "" : diagnose(c);  // diagnose.h
    all = all && c.pass;
  }
  return all;
}

TensorCheck check_one(const TensorView& t, const Scheme& scheme,
                      const Geometry& geometry, double alpha,
                      const BatteryOptions& options) {
  std::vector<TensorCheck> v{check_tensor(t, scheme, geometry, options)};
  decide(v, alpha);
  return std::move(v.front());
}

}  // namespace initcheck::verify
