// Independence tests on synthetic broken streams (fixed seeds).
#include "initcheck/verify/independence.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "initcheck/verify/gof.h"
#include "test_util.h"

namespace initcheck::verify {
namespace {

constexpr double kAlpha = 1e-6;  // per-assertion false-alarm rate for H0 data

// AR(1): x_i = rho x_{i-1} + sqrt(1 - rho^2) e_i, stationary N(0, 1).
std::vector<double> ar1(size_t n, double rho, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> e;
  std::vector<double> x(n);
  double prev = e(g);
  const double s = std::sqrt(1 - rho * rho);
  for (double& v : x) {
    prev = rho * prev + s * e(g);
    v = prev;
  }
  return x;
}

// Requirement (ii): lag-1 correlation 0.1 at n = 2^18 with overwhelming power
// at alpha = 1e-6: z ~ 0.1 sqrt(2^18) = 51 (p ~ 1e-570, reported as 0),
// against 4.9 needed; we require z > 30, a margin of ~20 null sd. The iid
// control is accepted (false-alarm rate 1e-6).
TEST(SerialCorrelation, Ar1PointOneAtTwoToTheEighteen) {
  const size_t n = size_t{1} << 18;
  const TestResult bad = serial_correlation_test(ar1(n, 0.1, 1));
  EXPECT_GT(bad.statistic, 30) << to_string(bad);
  EXPECT_LT(bad.p_value, kAlpha);
  EXPECT_NEAR(bad.detail("r"), 0.1, 0.01);
  EXPECT_EQ(bad.name, "serial_correlation");
  const TestResult good = serial_correlation_test(ar1(n, 0.0, 1));
  EXPECT_GT(good.p_value, kAlpha) << to_string(good);
  EXPECT_TRUE(good.reliable);
  // Runs test on the same data: P(sign change) = 1/2 - asin(0.1)/pi, a deficit
  // of 0.032 n runs over an sd of sqrt(n)/2: z ~ -32.
  const TestResult runs = runs_test(ar1(n, 0.1, 1));
  EXPECT_LT(runs.statistic, -20) << to_string(runs);
  EXPECT_LT(runs.p_value, kAlpha);
  EXPECT_GT(runs_test(ar1(n, 0.0, 1)).p_value, kAlpha);
}

TEST(SerialCorrelation, FloatOverloadAndLag) {
  const auto x = ar1(100000, 0.0, 2);
  std::vector<float> f(x.begin(), x.end());
  const TestResult a = serial_correlation_test(x, 3);
  const TestResult b = serial_correlation_test(std::span<const float>(f), 3);
  EXPECT_NEAR(a.statistic, b.statistic, 1e-3);
  EXPECT_EQ(a.detail("lag"), 3.0);
}

// MA at one lag: x_i = (e_{i+k} + c e_i) / sqrt(1 + c^2) has N(0, 1)
// marginals and lag-k correlation c / (1 + c^2) exactly (0 at every other
// lag); c = 0.0501256289 gives 0.05 (as the NumPy fixture does).
std::vector<double> ma_at_lag(size_t n, int64_t k, double c, uint64_t seed) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> e;
  std::vector<double> z(n + static_cast<size_t>(k));
  for (double& v : z) v = e(g);
  std::vector<double> x(n);
  const double s = 1 / std::sqrt(1 + c * c);
  for (size_t i = 0; i < n; ++i) x[i] = (z[i + static_cast<size_t>(k)] + c * z[i]) * s;
  return x;
}

TEST(LagCorrelation, LagSet) {
  const std::vector<int64_t> extra = {512, 4608, 9, 1 << 20};
  const std::vector<int64_t> lags = correlation_lags(int64_t{1} << 18, extra);
  // 1..64, 128..4096 (6), 512 (already there), 4608; 2^20 > n/2 dropped.
  EXPECT_EQ(lags.size(), 64u + 6u + 1u);
  EXPECT_EQ(lags.front(), 1);
  EXPECT_EQ(lags.back(), 4608);
  EXPECT_TRUE(std::is_sorted(lags.begin(), lags.end()));
  EXPECT_EQ(correlation_lags(100).size(), 50u);  // k <= n/2
}

// Against a direct long-double computation (float32 arithmetic inside the
// kernel: agreement to ~1e-6, 1/500 of the statistic's sd at this n), for
// dense, buffered and long lags, a mean far from 0 and a length that is not
// a multiple of the block.
TEST(LagCorrelation, MatchesDirectComputation) {
  const auto x = testing::normal_sample(100003, 5, 1000.0, 1.0);
  const std::vector<int64_t> lags = {1, 2, 7, 63, 64, 65, 128, 1000, 4096, 4097, 30000};
  const std::vector<double> r = autocorrelations(x, lags);
  long double mean = 0;
  for (double v : x) mean += v;
  mean /= x.size();
  long double den = 0;
  for (double v : x) den += (v - mean) * (v - mean);
  for (size_t j = 0; j < lags.size(); ++j) {
    long double num = 0;
    const size_t k = static_cast<size_t>(lags[j]);
    for (size_t i = 0; i + k < x.size(); ++i) num += (x[i] - mean) * (x[i + k] - mean);
    EXPECT_NEAR(r[j], static_cast<double>(num / den), 2e-6) << "lag " << lags[j];
  }
}

// The requirement: lag-k correlation 0.05 at n = 2^18, k in {1, 2,
// 4, 8, 16, 32, row length 512}: z ~ 0.05 sqrt(2^18) = 25.6 (sd 1), against
// 5.6 for 77 lags at 1e-6; a miss needs a 20-sd deviation (probability
// < 1e-80). The iid control passes (false-alarm rate <= 1e-6).
TEST(LagCorrelation, DetectsPointZeroFiveAtEachLag) {
  const size_t n = size_t{1} << 18;
  const std::vector<int64_t> extra = {512};
  const std::vector<int64_t> lags = correlation_lags(static_cast<int64_t>(n), extra);
  for (int64_t k : {1, 2, 4, 8, 16, 32, 512}) {
    const auto x = ma_at_lag(n, k, 0.0501256289, 100 + static_cast<uint64_t>(k));
    const TestResult t = lag_correlation_test(x, lags);
    EXPECT_LT(t.p_value, kAlpha) << "lag " << k << ": " << to_string(t);
    EXPECT_EQ(t.detail("worst_lag"), static_cast<double>(k));
    EXPECT_NEAR(t.detail("r"), 0.05, 0.01);
  }
  const TestResult ok = lag_correlation_test(ma_at_lag(n, 8, 0.0, 7), lags);
  EXPECT_GT(ok.p_value, kAlpha) << to_string(ok);
  EXPECT_TRUE(ok.reliable);
}

// Calibration (conservative Bonferroni): 2000 iid samples of n = 4096 with
// its 69 lags (1..64, 128..2048). Rejections at 0.05 are at most
// Binomial(2000, 0.05) (mean 100): we require <= 140 (false-alarm rate
// < 1e-6 for any test whose level is <= 0.043). The lags being nearly
// independent, the level should also be close to Sidak's 1 - (1 - 0.05/69)^69
// = 0.0488: we require >= 50 (P < 1e-6 at 0.0488): a far more conservative
// test would waste power.
TEST(LagCorrelation, CalibratedBonferroni) {
  const int kReps = 2000;
  ASSERT_LT(testing::binomial_sf_ge(141, kReps, 0.043), 1e-6);
  ASSERT_LT(testing::binomial_cdf(49, kReps, 0.0488), 1e-6);
  const std::vector<int64_t> lags = correlation_lags(4096);
  ASSERT_EQ(lags.size(), 69u);
  int rej_n = 0, rej_u = 0;
  for (int rep = 0; rep < kReps; ++rep) {
    rej_n += lag_correlation_test(testing::normal_sample(4096, 3000 + rep), lags)
                 .p_value < 0.05;
    rej_u += lag_correlation_test(testing::uniform_sample(4096, 9000 + rep), lags)
                 .p_value < 0.05;
  }
  std::printf("[lag calibration] rejections at 0.05 of 2000: normal %d, uniform %d\n",
              rej_n, rej_u);
  EXPECT_LE(rej_n, 140);
  EXPECT_LE(rej_u, 140);
  EXPECT_GE(rej_n, 50);
  EXPECT_GE(rej_u, 50);
}

// Matrix layouts: rows x cols, row-major.
constexpr int64_t kRows = 256, kCols = 1024;

// Requirement (i): every row drawn from the same stream (identical rows).
// Marginals are perfect. The lag-1 serial correlation only sees it by luck
// (the total equals one row's own lag-1 correlation, z ~ N(0, 16^2) here:
// missed 24% of the time), while rows correlate perfectly, are duplicates
// and repeat windows: p = 0 for all three, whatever the seed.
TEST(RowTests, IdenticalRowsAreCaught) {
  const auto one_row = testing::normal_sample(kCols, 3);
  std::vector<double> x;
  for (int64_t r = 0; r < kRows; ++r)
    x.insert(x.end(), one_row.begin(), one_row.end());
  const RowCorrelationTests rc = row_correlation_tests(x, kRows, kCols);
  EXPECT_EQ(rc.max_abs.p_value, 0.0);
  EXPECT_NEAR(rc.max_abs.statistic, 1.0, 1e-12);
  EXPECT_LT(rc.mean.p_value, kAlpha);
  const TestResult dup = duplicate_rows_test(x, kRows, kCols);
  EXPECT_EQ(dup.p_value, 0.0);
  EXPECT_EQ(dup.statistic, kRows - 1);
  const TestResult win = repeated_windows_test(x);
  EXPECT_EQ(win.p_value, 0.0);
  EXPECT_EQ(win.detail("window"), 2.0);
}

// A "reused stream per row" bug with offsets: row r = stream[7 r, 7 r + cols)
// (overlapping counter ranges). Rows are shifted copies: adjacent rows do not
// correlate and no row is a duplicate, but windows repeat.
TEST(RowTests, ShiftedCopiesAreCaughtByRepeatedWindows) {
  const auto stream = testing::normal_sample(kCols + 7 * kRows, 4);
  std::vector<double> x;
  for (int64_t r = 0; r < kRows; ++r) {
    x.insert(x.end(), stream.begin() + 7 * r, stream.begin() + 7 * r + kCols);
  }
  const RowCorrelationTests rc = row_correlation_tests(x, kRows, kCols);
  EXPECT_GT(rc.max_abs.p_value, kAlpha);                         // blind
  EXPECT_EQ(duplicate_rows_test(x, kRows, kCols).p_value, 1.0);  // blind
  const TestResult win = repeated_windows_test(x);
  EXPECT_EQ(win.p_value, 0.0);
  EXPECT_GT(win.statistic, 1000);
  EXPECT_NE(win.note.find("offset"), std::string::npos) << win.note;
}

// Every row reuses the stream with a small row-dependent perturbation, so
// rows are near-copies (correlation 0.99): caught by the row correlation.
TEST(RowTests, CorrelatedRowsAreCaught) {
  const auto base = testing::normal_sample(kCols, 5);
  const auto noise = testing::normal_sample(kRows * kCols, 6);
  std::vector<double> x(kRows * kCols);
  for (int64_t r = 0; r < kRows; ++r) {
    for (int64_t c = 0; c < kCols; ++c) {
      x[r * kCols + c] = base[c] + 0.1 * noise[r * kCols + c];
    }
  }
  const RowCorrelationTests rc = row_correlation_tests(x, kRows, kCols);
  EXPECT_LT(rc.max_abs.p_value, kAlpha);
  EXPECT_LT(rc.mean.p_value, kAlpha);
  EXPECT_EQ(duplicate_rows_test(x, kRows, kCols).p_value, 1.0);
}

// H0 controls: an iid matrix passes everything (false-alarm rate 1e-6 per
// assertion), in double and as float32 data (ties exist in float data;
// the tie probability calibrates the duplicate and window tests; w = 2 at
// n = 2^20, 3 at 10^7).
TEST(RowTests, IidMatrixPasses) {
  const auto x = testing::normal_sample(kRows * kCols, 7);
  const RowCorrelationTests rc = row_correlation_tests(x, kRows, kCols);
  EXPECT_GT(rc.mean.p_value, kAlpha) << to_string(rc.mean);
  EXPECT_GT(rc.max_abs.p_value, kAlpha) << to_string(rc.max_abs);
  EXPECT_TRUE(rc.max_abs.reliable);
  EXPECT_EQ(duplicate_rows_test(x, kRows, kCols).p_value, 1.0);
  EXPECT_EQ(repeated_windows_test(x).p_value, 1.0);
  EXPECT_GT(runs_test(x).p_value, kAlpha);

  // float32, 10^6 values.
  const auto big = testing::normal_sample(1 << 20, 8);
  std::vector<float> f(big.begin(), big.end());
  std::vector<double> fd(f.begin(), f.end());
  std::sort(fd.begin(), fd.end());
  const double t = tie_probability(fd);
  EXPECT_GT(t, 0.0);
  const TestResult win = repeated_windows_test(std::span<const float>(f), t);
  EXPECT_GT(win.p_value, kAlpha) << to_string(win);
  EXPECT_GE(win.detail("window"), 2.0);
  EXPECT_GT(duplicate_rows_test(std::span<const float>(f), 1 << 10, 1 << 10, t)
                .p_value,
            kAlpha);
  EXPECT_GT(row_correlation_tests(std::span<const float>(f), 1 << 10, 1 << 10)
                .max_abs.p_value,
            kAlpha);
}

TEST(RunsTest, SmallCasesAndAlternation) {
  // 1..6, median 3.5: two runs (below, above); too few for n = 6.
  const std::vector<double> up = {1, 2, 3, 4, 5, 6};
  const TestResult r = runs_test(up);
  EXPECT_LT(r.statistic, 0);
  // Strict alternation has too many runs.
  std::vector<double> alt(2000);
  for (size_t i = 0; i < alt.size(); ++i)
    alt[i] = (i % 2) ? 1.0 + i * 1e-6 : -1.0 - i * 1e-6;
  const TestResult a = runs_test(alt);
  EXPECT_GT(a.statistic, 40);
  EXPECT_LT(a.p_value, kAlpha);
  EXPECT_EQ(a.name, "runs");
}

}  // namespace
}  // namespace initcheck::verify
