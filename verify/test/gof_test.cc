// Sorting, GofInput preparation, value grids and the tie probability.
#include "initcheck/verify/gof.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "initcheck/verify/anderson_darling.h"
#include "initcheck/verify/chi_square.h"
#include "initcheck/verify/ks.h"
#include "initcheck/verify/sort.h"
#include "initcheck/verify/support.h"
#include "test_util.h"

namespace initcheck::verify {
namespace {

TEST(Sort, MatchesStdSortAndMovesNaNsToTheEnd) {
  std::vector<double> x = testing::normal_sample(100003, 1);
  x[5] = std::nan("");
  x[700] = -kInf;
  x[9000] = kInf;
  x[9001] = kInf;
  x[9002] = -kInf;
  x[12] = std::nan("");
  std::vector<double> ref;
  for (double v : x) {
    if (!std::isnan(v)) ref.push_back(v);
  }
  std::sort(ref.begin(), ref.end());
  const size_t count = sort_ascending(std::span<double>(x));
  ASSERT_EQ(count, ref.size());
  for (size_t i = 0; i < count; ++i) ASSERT_EQ(x[i], ref[i]) << i;
  EXPECT_TRUE(std::isnan(x[count]) && std::isnan(x[count + 1]));

  std::vector<float> f(50001);
  std::mt19937 g(3);
  std::normal_distribution<float> nd;
  for (float& v : f) v = nd(g);
  std::vector<float> fref = f;
  std::sort(fref.begin(), fref.end());
  ASSERT_EQ(sort_ascending(std::span<float>(f)), f.size());
  EXPECT_EQ(f, fref);
  const std::vector<double> small = {3, 1, 2};
  EXPECT_EQ(sorted_copy(small), (std::vector<double>{1, 2, 3}));
}

TEST(GofInput, SortsDropsNaNsAndEvaluatesBothTails) {
  const Normal target(0, 1);
  std::vector<double> x = {0.3, std::nan(""), -1.0, 9.0, -kInf, 2.0};
  const GofInput in = make_gof_input(x, target);
  ASSERT_EQ(in.size(), 5);
  EXPECT_EQ(in.n_nan, 1);
  EXPECT_EQ(in.sorted, (std::vector<double>{-kInf, -1.0, 0.3, 2.0, 9.0}));
  for (int64_t i = 0; i < in.size(); ++i) {
    EXPECT_NEAR(in.cdf[i] + in.sf[i], 1.0, 1e-15);
    EXPECT_DOUBLE_EQ(in.cdf[i], target.cdf(in.sorted[i]));
  }
  // The upper tail keeps its digits: Q(9) = 1.1286e-19 although cdf = 1.
  EXPECT_EQ(in.cdf[4], 1.0);
  EXPECT_NEAR(in.sf[4] / 1.1285884059538407e-19, 1.0, 1e-13);
  EXPECT_EQ(in.n_pit_zero, 1);  // -inf
  EXPECT_EQ(in.n_pit_one, 0);
  EXPECT_EQ(in.n_outside(), 0);  // -inf is in the (closed) support of a normal
  EXPECT_EQ(in.target, target.description());
}

TEST(GofInput, CountsValuesOutsideABoundedSupport) {
  const Uniform target(-1, 1);
  const std::vector<double> x = {-1.5, -1.0, 0.0, 0.5, 1.0, 1.0000001};
  const GofInput in = make_gof_input(x, target);
  EXPECT_EQ(in.n_below, 1);
  EXPECT_EQ(in.n_above, 1);
  EXPECT_EQ(in.n_pit_zero, 2);  // -1.5 and the bound itself
  EXPECT_EQ(in.n_pit_one, 2);
}

TEST(ValueCell, GridSpacings) {
  double lo, hi;
  value_cell(1.0f, ValueGrid::kFloat32, &lo, &hi);
  EXPECT_DOUBLE_EQ(lo, 1.0 - 0x1.0p-25);  // half the gap below 1 (2^-24)
  EXPECT_DOUBLE_EQ(hi, 1.0 + 0x1.0p-24);  // half the gap above (2^-23)
  value_cell(-3.0, ValueGrid::kBFloat16, &lo, &hi);  // bf16 gap at 2..4 is 2^-6
  EXPECT_DOUBLE_EQ(lo, -3.0 - 0x1.0p-7);
  EXPECT_DOUBLE_EQ(hi, -3.0 + 0x1.0p-7);
  value_cell(0.0, ValueGrid::kFloat16, &lo,
             &hi);  // smallest f16 subnormal 2^-24
  EXPECT_DOUBLE_EQ(hi, 0x1.0p-25);
  value_cell(0.3, ValueGrid::kExact, &lo, &hi);
  EXPECT_EQ(lo, 0.3);
  EXPECT_EQ(hi, 0.3);
}

// A float uniform on [a, b) hits a exactly with probability ~2^-24 per
// value; a bound that is not a float has its nearest float just outside.
// Neither may raise an alarm for float data; a value a whole cell outside
// must.
TEST(GofInput, FloatDataAtTheBoundIsNotAnAlarm) {
  const Uniform target(-0.3, 0.3);            // 0.3 is not a float
  ASSERT_GT(static_cast<double>(0.3f), 0.3);  // its nearest float is outside
  ASSERT_LT(static_cast<double>(-0.3f), -0.3);
  const std::vector<float> x = {-0.3f, 0.0f, 0.25f, 0.3f};
  const GofInput in = make_gof_input(std::span<const float>(x), target);
  EXPECT_EQ(in.grid, ValueGrid::kFloat32);
  EXPECT_EQ(in.n_outside(), 0);
  EXPECT_EQ(in.n_pit_zero, 0);
  EXPECT_EQ(in.n_pit_one, 0);
  EXPECT_EQ(anderson_darling_test(in).detail("n_at_edge"), 0.0);
  // Treated as exact reals the same values are outside.
  const GofInput exact =
      make_gof_input(std::span<const float>(x), target, ValueGrid::kExact);
  EXPECT_EQ(exact.n_outside(), 2);
  // The next float up is a whole cell outside: an alarm either way.
  const std::vector<float> out = {0.0f, std::nextafter(0.3f, 1.0f)};
  EXPECT_EQ(make_gof_input(std::span<const float>(out), target).n_above, 1);
  // Exact bound values as float: randomized within their half cell.
  const std::vector<float> at = {-1.0f, 0.0f, 1.0f};
  const GofInput in2 =
      make_gof_input(std::span<const float>(at), Uniform(-1, 1));
  EXPECT_GT(in2.cdf.front(), 0.0);
  EXPECT_LT(in2.cdf.front(), 0x1.0p-25);
  EXPECT_GT(in2.sf.back(), 0.0);
  // The same values as exact doubles are impossible under H0.
  const std::vector<double> atd = {-1.0, 0.0, 1.0};
  EXPECT_EQ(make_gof_input(atd, Uniform(-1, 1)).n_pit_zero, 1);
}

float to_bfloat16(float f) {
  // Round to nearest even on the upper 16 bits.
  uint32_t b;
  std::memcpy(&b, &f, 4);
  b += 0x7FFF + ((b >> 16) & 1);
  b &= 0xFFFF0000u;
  std::memcpy(&f, &b, 4);
  return f;
}

// bfloat16 keeps 8 significant bits: N(0,1) data rounded to it looks like a
// misfit to chi-square at n = 10^6 if treated as exact (KS too at ~10^7),
// and fits with the randomized PIT over the rounding cells (gof.h).
// Negative control for the grid: the same treatment still rejects a 2% scale
// error.
TEST(GofInput, BFloat16GridRestoresCalibration) {
  const Normal target(0, 1);
  const std::vector<double> v = testing::normal_sample(1000000, 11);
  std::vector<float> b(v.size()), b_wide(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    b[i] = to_bfloat16(static_cast<float>(v[i]));
    b_wide[i] = to_bfloat16(static_cast<float>(1.02 * v[i]));
  }
  const GofInput exact =
      make_gof_input(std::span<const float>(b), target, ValueGrid::kExact);
  const GofInput grid =
      make_gof_input(std::span<const float>(b), target, ValueGrid::kBFloat16);
  // Treated as exact the rounding is caught (alpha = 1e-6).
  EXPECT_LT(chi_square_test(exact).p_value, 1e-6)
      << to_string(chi_square_test(exact));
  // With the grid, no alarm (false-alarm rate 1e-6 each).
  EXPECT_GT(ks_test(grid).p_value, 1e-6) << to_string(ks_test(grid));
  EXPECT_GT(chi_square_test(grid).p_value, 1e-6)
      << to_string(chi_square_test(grid));
  EXPECT_GT(anderson_darling_test(grid).p_value, 1e-6);
  // PIT stays sorted and consistent.
  EXPECT_TRUE(std::is_sorted(grid.cdf.begin(), grid.cdf.end()));
  for (size_t i = 0; i < grid.cdf.size(); i += 997) {
    EXPECT_NEAR(grid.cdf[i] + grid.sf[i], 1.0, 1e-12);
  }
  const GofInput wide = make_gof_input(std::span<const float>(b_wide), target,
                                       ValueGrid::kBFloat16);
  EXPECT_LT(anderson_darling_test(wide).p_value, 1e-6);
}

TEST(TieProbability, CountsEqualPairs) {
  EXPECT_EQ(tie_probability(std::vector<double>{1, 2, 3}), 0.0);
  // {1,1,2,2,2}: 1 + 3 equal pairs out of 10.
  EXPECT_DOUBLE_EQ(tie_probability(std::vector<double>{1, 1, 2, 2, 2}), 0.4);
  // float32 N(0,1) data: sum_v p_v^2 = 1.37e-8 (numerical integral of
  // phi(x)^2 times the float spacing at x); loose band for 2e6 values.
  const std::vector<double> v = testing::normal_sample(2000000, 5);
  std::vector<double> f(v.size());
  for (size_t i = 0; i < v.size(); ++i) f[i] = static_cast<float>(v[i]);
  std::sort(f.begin(), f.end());
  const double t = tie_probability(f);
  EXPECT_GT(t, 3e-9);
  EXPECT_LT(t, 3e-7);
}

}  // namespace
}  // namespace initcheck::verify
