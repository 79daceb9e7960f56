// Statistics-library properties: algebraic facts about the KS, AD and
// chi-square statistics and p-values and about Holm/Bonferroni, which hold
// for every input. No property here makes a sampling claim (RapidCheck runs
// each property max_success times, so a claim that
// holds with probability 1 - alpha would fail about max_success alpha of the
// runs); randomness only chooses the inputs.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>
#include <vector>

#include "generators.h"
#include "initcheck/verify/anderson_darling.h"
#include "initcheck/verify/chi_square.h"
#include "initcheck/verify/distributions.h"
#include "initcheck/verify/gof.h"
#include "initcheck/verify/ks.h"
#include "initcheck/verify/multiple_testing.h"
#include "prop_util.h"

namespace initcheck::props {
namespace {

// A target distribution: normal, uniform or truncated normal with moderate
// parameters.
struct Target {
  int kind = 0;
  double a = 0, b = 1, lo = 0, hi = 0;
  std::unique_ptr<verify::Distribution> make() const {
    if (kind == 0) return std::make_unique<verify::Normal>(a, b);
    if (kind == 1) return std::make_unique<verify::Uniform>(a, b);
    return std::make_unique<verify::TruncatedNormal>(a, b, lo, hi);
  }
};

void showValue(const Target& t, std::ostream& os) {
  os << t.make()->description();
}

rc::Gen<Target> GenTarget() {
  return rc::gen::exec([] {
    Target t;
    t.kind = static_cast<int>(*GenInt(0, 2));
    if (t.kind == 1) {
      const Scheme s = *GenSchemeNamed("uniform", Range::kModerate);
      t.a = s.number("a");
      t.b = s.number("b");
    } else {
      const Scheme s = *GenSchemeNamed("trunc_normal", Range::kModerate);
      t.a = s.number("mean");
      t.b = s.number("std");
      t.lo = s.number("a");
      // At least 0.5 sd wide: over narrower cuts the cdf is a difference of
      // nearly equal normal probabilities and the quantile/cdf round trip
      // loses digits (an accuracy limit, not a property of the target).
      t.hi = std::max(s.number("b"), t.lo + 0.5 * t.b);
    }
    return t;
  });
}

// Sorted PIT values in [0, 1], with ties and the ends 0 and 1 possible.
rc::Gen<std::vector<double>> GenSortedPit() {
  return rc::gen::exec([] {
    const auto n = static_cast<std::size_t>(*GenInt(1, 400));
    std::vector<double> u = *rc::gen::container<std::vector<double>>(
        n,
        rc::gen::weightedOneOf<double>(
            {{8, GenUniformReal(0, 1)}, {1, rc::gen::element(0.0, 0.5, 1.0)}}));
    std::sort(u.begin(), u.end());
    return u;
  });
}

// KS: 1/(2n) <= D <= 1 and D = max(D+, D-) for any sorted PIT sample.
// Catches an off-by-one in the ECDF steps (i/n vs (i+1)/n), D+ and D-
// swapped or one of them dropped.
RC_GTEST_PROP(StatsProperties, KsStatisticIsWithinBounds, ()) {
  const std::vector<double> u = *GenSortedPit().as("sorted PIT");
  const verify::KsStatistic s = verify::ks_statistic(u);
  const double n = static_cast<double>(u.size());
  RC_ASSERT(s.d >= 1 / (2 * n) * (1 - 1e-12));
  RC_ASSERT(s.d <= 1.0);
  RC_ASSERT(s.d == std::max(s.d_plus, s.d_minus));
}

// KS through make_gof_input does not depend on the order of the sample.
// Catches a statistic computed on unsorted data, or a sort that loses
// values.
RC_GTEST_PROP(StatsProperties, KsIsPermutationInvariant, ()) {
  const Target target = *GenTarget().as("target");
  const auto d = target.make();
  const auto n = static_cast<std::size_t>(*GenInt(1, 300).as("n"));
  std::vector<double> x(n);
  for (double& v : x) v = d->quantile(*GenUniformReal(0, 1));
  std::vector<double> y = x;
  for (std::size_t i = y.size(); i > 1; --i) {
    std::swap(y[i - 1],
              y[static_cast<std::size_t>(*GenInt(0, int64_t(i) - 1))]);
  }
  const auto a = verify::ks_test(verify::make_gof_input(x, *d));
  const auto b = verify::ks_test(verify::make_gof_input(y, *d));
  RC_ASSERT(a.statistic == b.statistic);
  RC_ASSERT(a.p_value == b.p_value ||
            (std::isnan(a.p_value) && std::isnan(b.p_value)));
}

// The target's own quantiles at (i - 1/2)/n are the best possible sample:
// D = 1/(2n) (to 1e-9 absolute: quantile then cdf round trip). Catches a
// cdf/quantile pair that disagree (wrong tail, truncation mass), a PIT
// computed from the wrong tail.
RC_GTEST_PROP(StatsProperties, KsOfExactQuantilesIsHalfOverN, ()) {
  const Target target = *GenTarget().as("target");
  const auto d = target.make();
  const auto n = static_cast<std::size_t>(*GenInt(1, 500).as("n"));
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    x[i] = d->quantile((static_cast<double>(i) + 0.5) / static_cast<double>(n));
  }
  const auto r = verify::ks_test(verify::make_gof_input(x, *d));
  RC_ASSERT(std::fabs(r.statistic - 0.5 / static_cast<double>(n)) <= 1e-9);
}

// ks_pvalue(n, .) is in [0, 1] and non-increasing in D, across the switches
// between its methods (Ruben-Gambino, Durbin, Pomeranz, Smirnov,
// Pelz-Good). Catches a method boundary where two approximations disagree
// enough to make the p-value rise with D.
RC_GTEST_PROP(StatsProperties, KsPValueIsMonotone, ()) {
  const int64_t n =
      *rc::gen::weightedOneOf<int64_t>({{3, GenInt(1, 200)},
                                        {2, GenInt(201, 100000)},
                                        {1, GenInt(100001, 10000000)}})
           .as("n");
  double d1 = *GenUniformReal(0, 1).as("d1");
  double d2 =
      *rc::gen::weightedOneOf<double>(
           {{2, GenUniformReal(0, 1)},
            {1, rc::gen::map(GenInt(1, 1000),
                             [d1](int64_t k) {
                               return std::min(
                                   1.0,
                                   d1 * (1 + static_cast<double>(k) * 1e-4));
                             })}})
           .as("d2");
  if (d1 > d2) std::swap(d1, d2);
  // n > 5000 with D >= 1/2 once overflowed the Smirnov integral (p = 1;
  // Regression.KsPValueOfGrossMisfitAtLargeN).
  RC_CLASSIFY(n > 5000 && d2 >= 0.5, "n > 5000, D >= 1/2");
  const double p1 = verify::ks_pvalue(n, d1), p2 = verify::ks_pvalue(n, d2);
  RC_LOG() << verify::ks_method_name(verify::ks_pvalue_method(n, d1)) << " -> "
           << verify::ks_method_name(verify::ks_pvalue_method(n, d2)) << "\n";
  RC_ASSERT(p1 >= 0 && p1 <= 1 && p2 >= 0 && p2 <= 1);
  RC_ASSERT(p2 <= p1);
}

// ad_pvalue(n, .) is in [0, 1] and non-increasing in A^2, across the
// series / asymptote switch at 20 and the finite-n correction's regions.
// Catches a jump in the errfix branches or the tail asymptote mis-matched.
RC_GTEST_PROP(StatsProperties, AdPValueIsMonotone, ()) {
  const int64_t n = *GenInt(8, 100000).as("n");
  double z1 = *rc::gen::map(GenUniformReal(-3, 2), [](double e) {
                 return std::pow(10.0, e);
               }).as("z1");
  double z2 =
      *rc::gen::weightedOneOf<double>(
           {{2, rc::gen::map(GenUniformReal(-3, 2),
                             [](double e) { return std::pow(10.0, e); })},
            {1, rc::gen::map(GenInt(1, 1000),
                             [z1](int64_t k) {
                               return z1 * (1 + static_cast<double>(k) * 1e-4);
                             })}})
           .as("z2");
  if (z1 > z2) std::swap(z1, z2);
  const double p1 = verify::ad_pvalue(n, z1), p2 = verify::ad_pvalue(n, z2);
  RC_ASSERT(p1 >= 0 && p1 <= 1 && p2 >= 0 && p2 <= 1);
  RC_ASSERT(p2 <= p1);
}

// chi_square_pvalue(., dof) is in [0, 1] and non-increasing in X^2.
RC_GTEST_PROP(StatsProperties, ChiSquarePValueIsMonotone, ()) {
  const double dof = static_cast<double>(*GenInt(1, 200).as("dof"));
  double x1 = *GenUniformReal(0, 1000).as("x1");
  double x2 = *GenUniformReal(0, 1000).as("x2");
  if (x1 > x2) std::swap(x1, x2);
  const double p1 = verify::chi_square_pvalue(x1, dof);
  const double p2 = verify::chi_square_pvalue(x2, dof);
  RC_ASSERT(p1 >= 0 && p1 <= 1 && p2 >= 0 && p2 <= 1);
  RC_ASSERT(p2 <= p1);
}

// Observed counts equal to the expected counts give X^2 = 0 and p = 1
// (probabilities c_i / 2^k and n a multiple of 2^k, so n p_i is exact).
// Catches a statistic with a bias term or the dof applied to the statistic.
RC_GTEST_PROP(StatsProperties, ChiSquareIsZeroWhenObservedIsExpected, ()) {
  const auto cells = static_cast<std::size_t>(*GenInt(2, 50).as("cells"));
  std::vector<int64_t> c =
      *rc::gen::container<std::vector<int64_t>>(cells, GenInt(1, 1000))
           .as("weights");
  const int64_t total = std::accumulate(c.begin(), c.end(), int64_t{0});
  int64_t pow2 = 1;
  while (pow2 < total) pow2 *= 2;
  c.back() += pow2 - total;  // weights sum to 2^k
  const int64_t m = *GenInt(1, 1000).as("n / 2^k");
  std::vector<double> observed(cells), expected(cells);
  for (std::size_t i = 0; i < cells; ++i) {
    expected[i] = static_cast<double>(c[i]) / static_cast<double>(pow2);
    observed[i] = static_cast<double>(c[i] * m);
  }
  const verify::TestResult r = verify::chi_square_test(observed, expected);
  RC_ASSERT(r.statistic == 0.0);
  RC_ASSERT(r.p_value == 1.0);
}

// A family of p-values: in [0, 1] with ties, exact 0 and 1, NaN (a test
// that could not run).
rc::Gen<std::vector<double>> GenPValues() {
  return rc::gen::exec([] {
    const auto m = static_cast<std::size_t>(*GenInt(1, 30));
    return *rc::gen::container<std::vector<double>>(
        m, rc::gen::weightedOneOf<double>(
               {{6, rc::gen::map(GenUniformReal(-12, 0),
                                 [](double e) { return std::pow(10.0, e); })},
                {1, rc::gen::element(0.0, 1.0, 1e-7, 0.05, verify::kNaN)}}));
  });
}

// Holm adjusted p-values: monotone in the raw order, >= the raw ones, <= 1,
// <= Bonferroni's; Holm rejects every hypothesis Bonferroni rejects, at any
// alpha. Catches the step-down maximum missing (non-monotone adjusted
// values), factors m - i + 1 off by one, NaN sorted first.
RC_GTEST_PROP(StatsProperties, HolmIsMonotoneAndDominatesBonferroni, ()) {
  const std::vector<double> p = *GenPValues().as("p-values");
  const double alpha =
      *rc::gen::element(1e-6, 1e-3, 0.01, 0.05, 0.5).as("alpha");
  const std::vector<double> holm = verify::holm_adjust(p);
  const std::vector<double> bonf = verify::bonferroni_adjust(p);
  auto raw = [&](std::size_t i) { return std::isnan(p[i]) ? 1.0 : p[i]; };
  for (std::size_t i = 0; i < p.size(); ++i) {
    RC_ASSERT(holm[i] >= raw(i));
    RC_ASSERT(holm[i] <= 1.0);
    RC_ASSERT(holm[i] <= bonf[i]);
    for (std::size_t j = 0; j < p.size(); ++j) {
      if (raw(i) <= raw(j)) RC_ASSERT(holm[i] <= holm[j]);
    }
  }
  const std::vector<bool> h = verify::holm_reject(p, alpha);
  const std::vector<bool> b = verify::bonferroni_reject(p, alpha);
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (b[i]) RC_ASSERT(h[i]);
  }
}

}  // namespace
}  // namespace initcheck::props
