#include "initcheck/verify/chi_square.h"

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>

#include "initcheck/error.h"

namespace initcheck::verify {

int chi_square_bins(int64_t n) {
  if (n < 2 * kChiSquareMinExpected) return 0;
  const int64_t k = n / kChiSquareMinExpected;
  return static_cast<int>(std::clamp<int64_t>(k, 2, kChiSquareMaxBins));
}

double chi_square_pvalue(double x2, double dof) {
  if (std::isnan(x2) || !(dof > 0)) return kNaN;
  if (x2 <= 0) return 1.0;
  if (std::isinf(x2)) return 0.0;
  return boost::math::cdf(boost::math::complement(
      boost::math::chi_squared_distribution<double>(dof), x2));
}

std::vector<int64_t> equiprobable_counts(const GofInput& in, int bins) {
  if (bins < 1) throw Error("equiprobable_counts: bins must be >= 1");
  std::vector<int64_t> counts(static_cast<size_t>(bins), 0);
  const auto& u = in.cdf;
  const auto& s = in.sf;
  const size_t n = u.size();
  // Bin j = [j/k, (j+1)/k). Cut c_j at j/k: the first index with u >= j/k,
  // found on cdf for j/k <= 1/2 and on sf (1 - u <= 1 - j/k) above.
  std::vector<size_t> cut(static_cast<size_t>(bins) + 1);
  cut[0] = 0;
  cut[static_cast<size_t>(bins)] = n;
  for (int j = 1; j < bins; ++j) {
    const double p = static_cast<double>(j) / bins;
    size_t idx;
    if (2 * j <= bins) {
      idx = static_cast<size_t>(std::lower_bound(u.begin(), u.end(), p) -
                                u.begin());
    } else {
      // sf is nonincreasing: first index with sf <= q, q = 1 - p = (k-j)/k.
      const double q = static_cast<double>(bins - j) / bins;
      idx = static_cast<size_t>(
          std::lower_bound(s.begin(), s.end(), q, std::greater<double>()) -
          s.begin());
      // u >= p  <=>  sf <= q; lower_bound with greater finds the first
      // element not greater than q, i.e. sf <= q.
    }
    cut[static_cast<size_t>(j)] = idx;
  }
  for (int j = 0; j < bins; ++j) {
    const size_t a = cut[static_cast<size_t>(j)];
    const size_t b = std::max(a, cut[static_cast<size_t>(j) + 1]);
    counts[static_cast<size_t>(j)] = static_cast<int64_t>(b - a);
  }
  return counts;
}

namespace {

TestResult EquiprobableResult(int64_t n, int k,
                              const std::vector<int64_t>& counts) {
  TestResult r;
  r.name = "chi_square";
  r.n = n;
  if (k < 2) {
    r.reliable = false;
    r.note = format("too few values (%lld) for %d bins of >= %d",
                    static_cast<long long>(r.n), 2, kChiSquareMinExpected);
    return r;
  }
  const double e = static_cast<double>(r.n) / k;
  long double x2 = 0;
  int worst = 0;
  double worst_z = -1;
  for (int j = 0; j < k; ++j) {
    const double d = static_cast<double>(counts[static_cast<size_t>(j)]) - e;
    x2 += static_cast<long double>(d) * d / e;
    const double z = std::fabs(d) / std::sqrt(e);
    if (z > worst_z) {
      worst_z = z;
      worst = j;
    }
  }
  r.statistic = static_cast<double>(x2);
  r.dof = k - 1;
  r.p_value = chi_square_pvalue(r.statistic, r.dof);
  r.reliable = e >= 5;
  const double ratio =
      static_cast<double>(counts[static_cast<size_t>(worst)]) / e;
  r.details = {{"bins", static_cast<double>(k)},
               {"worst_bin", static_cast<double>(worst)},
               {"worst_ratio", ratio}};
  r.note = format(
      "%d equiprobable bins; worst bin %d/%d (quantiles %.3g-%.3g) "
      "has %.4gx its expected count",
      k, worst, k, static_cast<double>(worst) / k,
      static_cast<double>(worst + 1) / k, ratio);
  return r;
}

}  // namespace

TestResult chi_square_test(const GofInput& in, int bins) {
  const int k = bins > 0 ? bins : chi_square_bins(in.size());
  if (k < 2) return EquiprobableResult(in.size(), k, {});
  return EquiprobableResult(in.size(), k, equiprobable_counts(in, k));
}

TestResult chi_square_test(const GofSummary& in) {
  const int k = chi_square_bins(in.size());
  return EquiprobableResult(in.size(), k, in.chi_counts);
}

TestResult chi_square_test(std::span<const double> observed,
                           std::span<const double> expected_probabilities,
                           int estimated_parameters) {
  if (observed.size() != expected_probabilities.size() || observed.size() < 2) {
    throw Error("chi_square_test: need >= 2 cells and equal-length spans");
  }
  TestResult r;
  r.name = "chi_square";
  long double total = 0, psum = 0;
  for (size_t i = 0; i < observed.size(); ++i) {
    if (!(observed[i] >= 0) || !(expected_probabilities[i] >= 0)) {
      throw Error("chi_square_test: counts and probabilities must be >= 0");
    }
    total += observed[i];
    psum += expected_probabilities[i];
  }
  if (std::fabs(static_cast<double>(psum) - 1.0) > 1e-9) {
    throw Error(format("chi_square_test: expected probabilities sum to %.17g",
                       static_cast<double>(psum)));
  }
  const double n = static_cast<double>(total);
  r.n = static_cast<int64_t>(std::llround(n));
  r.dof = static_cast<double>(observed.size()) - 1 - estimated_parameters;
  if (!(r.dof > 0)) throw Error("chi_square_test: no degrees of freedom left");
  long double x2 = 0;
  double min_expected = kInf;
  int64_t impossible = 0;
  size_t worst = 0;
  double worst_z = -1;
  for (size_t i = 0; i < observed.size(); ++i) {
    const double e = n * expected_probabilities[i];
    if (e == 0) {
      if (observed[i] > 0) ++impossible;
      continue;
    }
    min_expected = std::min(min_expected, e);
    const double d = observed[i] - e;
    x2 += static_cast<long double>(d) * d / e;
    const double z = std::fabs(d) / std::sqrt(e);
    if (z > worst_z) {
      worst_z = z;
      worst = i;
    }
  }
  r.reliable = min_expected >= 5;
  if (impossible > 0) {
    r.statistic = kInf;
    r.p_value = 0;
    r.note = format("%lld cells with expected probability 0 have counts",
                    static_cast<long long>(impossible));
    return r;
  }
  r.statistic = static_cast<double>(x2);
  r.p_value = chi_square_pvalue(r.statistic, r.dof);
  const double ratio = observed[worst] / (n * expected_probabilities[worst]);
  r.details = {{"bins", static_cast<double>(observed.size())},
               {"worst_bin", static_cast<double>(worst)},
               {"worst_ratio", ratio},
               {"min_expected", min_expected}};
  r.note = format("%zu cells; worst cell %zu has %.4gx its expected count",
                  observed.size(), worst, ratio);
  return r;
}

}  // namespace initcheck::verify
