// Holm and Bonferroni adjustments.
#include "initcheck/verify/multiple_testing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

namespace initcheck::verify {
namespace {

TEST(Holm, HandComputed) {
  // Sorted: 0.005 x4 = 0.02; 0.01 x3 = 0.03; 0.03 x2 = 0.06; 0.04 x1 = 0.04
  // -> running max 0.06.
  const std::vector<double> p = {0.01, 0.04, 0.03, 0.005};
  const std::vector<double> adj = holm_adjust(p);
  EXPECT_DOUBLE_EQ(adj[0], 0.03);
  EXPECT_DOUBLE_EQ(adj[1], 0.06);
  EXPECT_DOUBLE_EQ(adj[2], 0.06);
  EXPECT_DOUBLE_EQ(adj[3], 0.02);
  EXPECT_EQ(holm_reject(p, 0.05),
            (std::vector<bool>{true, false, false, true}));
  EXPECT_EQ(bonferroni_reject(p, 0.05),
            (std::vector<bool>{true, false, false, true}));
  EXPECT_EQ(bonferroni_adjust(p),
            (std::vector<double>{0.04, 0.16, 0.12, 0.02}));
}

TEST(Holm, PropertiesOnRandomFamilies) {
  std::mt19937_64 g(31);
  std::uniform_real_distribution<double> u;
  for (int rep = 0; rep < 2000; ++rep) {
    const int m = 1 + static_cast<int>(u(g) * 12);
    std::vector<double> p(m);
    for (double& v : p) v = std::pow(u(g), 6);  // many small values
    if (rep % 7 == 0) p[0] = std::nan("");
    const auto h = holm_adjust(p);
    const auto b = bonferroni_adjust(p);
    std::vector<size_t> order(m);
    for (int i = 0; i < m; ++i) order[i] = i;
    auto clean = [&](size_t i) { return std::isnan(p[i]) ? 1.0 : p[i]; };
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t c) { return clean(a) < clean(c); });
    for (int i = 0; i < m; ++i) {
      EXPECT_GE(h[i], clean(i));  // >= raw
      EXPECT_LE(h[i], 1.0);
      EXPECT_LE(h[i],
                b[i] + 1e-15);  // Holm never less powerful than Bonferroni
    }
    for (int i = 1; i < m; ++i)
      EXPECT_LE(h[order[i - 1]], h[order[i]]);  // monotone
  }
}

TEST(Holm, DefaultFamilyAlphaAndHelpers) {
  EXPECT_EQ(kDefaultFamilyAlpha, 1e-6);
  const std::vector<double> p = {1e-9, 0.5, 4e-7};
  // m = 3: 1e-9 x 3 = 3e-9 rejected; 4e-7 x 2 = 8e-7 rejected; 0.5 not.
  EXPECT_EQ(holm_reject(p), (std::vector<bool>{true, false, true}));
  // Bonferroni: 4e-7 x 3 = 1.2e-6 > 1e-6: Holm's extra power.
  EXPECT_EQ(bonferroni_reject(p), (std::vector<bool>{true, false, false}));
  std::vector<TestResult> rs(2);
  rs[0].p_value = 0.1;
  rs[1].p_value = 0.2;
  EXPECT_EQ(p_values(rs), (std::vector<double>{0.1, 0.2}));
  EXPECT_TRUE(holm_adjust(std::vector<double>{}).empty());
}

}  // namespace
}  // namespace initcheck::verify
