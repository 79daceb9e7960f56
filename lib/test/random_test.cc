// The reference transforms of random.h: counter layout, uniform ends, our
// log, and the accuracy of the inverse normal CDF.
#include "initcheck/random.h"

#include <gtest/gtest.h>

#include <boost/math/special_functions/erf.hpp>
#include <cmath>
#include <limits>

#include "initcheck/kernel.h"

namespace initcheck {
namespace {

TEST(RandomTest, CounterLayout) {
  const RngKey key{0x0123456789abcdefull, 0xfedcba9876543210ull};
  const PhiloxCounter b = philox4x32(
      PhiloxCounter{5, 0, 0x76543210u, 0xfedcba98u}, PhiloxKey{0x89abcdefu, 0x01234567u});
  for (uint64_t j = 0; j < 4; ++j) EXPECT_EQ(random_bits32(key, 20 + j), b[j]);
  const PhiloxCounter b2 = philox_block(key, 10);
  EXPECT_EQ(random_bits64(key, 21), uint64_t{b2[2]} | (uint64_t{b2[3]} << 32));
  EXPECT_EQ(random_bits64(key, 20), uint64_t{b2[0]} | (uint64_t{b2[1]} << 32));
}

TEST(RandomTest, UniformEnds) {
  EXPECT_EQ(uniform01(uint32_t{0}), 0.0f);
  EXPECT_EQ(uniform01(~uint32_t{0}), 1.0f - 0x1p-24f);
  EXPECT_EQ(uniform01(uint64_t{0}), 0.0);
  EXPECT_EQ(uniform01(~uint64_t{0}), 1.0 - 0x1p-53);
  // uniform(a, b) never returns b, even where a + span * u rounds up to b.
  const auto k = make_uniform_kernel_f32(-1.0, 1.0);
  EXPECT_LT(uniform_value(k, 1.0f - 0x1p-24f), 1.0f);
  EXPECT_EQ(uniform_value(k, 0.0f), -1.0f);
  const auto k2 = make_uniform_kernel_f32(0.1, 0.3);
  EXPECT_GE(static_cast<double>(uniform_value(k2, 0.0f)), 0.1);
  EXPECT_LT(static_cast<double>(uniform_value(k2, 1.0f - 0x1p-24f)), 0.3);
}

TEST(RandomTest, NormalSidesAreExactMidpoints) {
  float u, v;
  normal_sides(uint32_t{0}, u, v);
  EXPECT_EQ(u, 0x1p-25f);
  EXPECT_EQ(v, 1.0f - 0x1p-25f);
  normal_sides(0x80000000u, u, v);
  EXPECT_EQ(v, 0x1p-25f);
  double ud, vd;
  normal_sides(uint64_t{0x000fffffffffffffull}, ud, vd);
  EXPECT_EQ(ud, 0.5 - 0x1p-54);
}

TEST(RandomTest, LogF32WithinTwoUlp) {
  // Every 97th float from 1e-37 to 1e37 and every float in [0.5, 2).
  auto check = [](float x) {
    const double want = std::log(static_cast<double>(x));
    const float got = internal::log_f32(x);
    const double ulp = std::abs(std::nextafter(static_cast<float>(want), 0.0f) -
                                static_cast<float>(want));
    ASSERT_LE(std::abs(got - want), 2 * std::max(ulp, 1e-45)) << "x=" << x;
  };
  for (uint32_t b = std::bit_cast<uint32_t>(1e-37f); b < std::bit_cast<uint32_t>(1e37f);
       b += 97) {
    check(std::bit_cast<float>(b));
  }
  for (uint32_t b = std::bit_cast<uint32_t>(0.5f); b < std::bit_cast<uint32_t>(2.0f); ++b) {
    check(std::bit_cast<float>(b));
  }
}

TEST(RandomTest, LogF64WithinTwoUlp) {
  uint64_t s = 1;
  for (int i = 0; i < 2000000; ++i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    // log-uniform in [1e-300, 1e300] and uniform near 1
    const double x = (i & 1) ? std::exp((static_cast<double>(s >> 11) * 0x1p-53 - 0.5) * 1380)
                             : 0.5 + static_cast<double>(s >> 11) * 0x1p-53 * 1.5;
    const long double want = std::log(static_cast<long double>(x));
    const double got = internal::log_f64(x);
    const double ulp = std::abs(std::nextafter(static_cast<double>(want), 0.0) -
                                static_cast<double>(want));
    ASSERT_LE(std::abs(static_cast<long double>(got) - want), 2 * ulp) << "x=" << x;
  }
}

// Phi^-1 from Boost (an independent implementation) for the accuracy checks.
double Quantile(double p) { return -std::sqrt(2.0) * boost::math::erfc_inv(2 * p); }

TEST(RandomTest, NormalF64MatchesQuantileTo1e15) {
  const NormalKernel<double> k = make_normal_kernel_f64(0, 1);
  uint64_t s = 7;
  for (int i = 0; i < 1000000; ++i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    const uint64_t w = (i % 3 == 0) ? (s & 0x8000000000000fffull) : s;  // tails too
    double u, v;
    normal_sides(w, u, v);
    // From the smaller side: 2 * (1 - small) would lose the tail's digits.
    const double want = u < v ? Quantile(u) : -Quantile(v);
    ASSERT_NEAR(normal_value(k, w), want, 2e-15 * std::max(1.0, std::abs(want)))
        << std::hex << w;
  }
}

TEST(RandomTest, NormalF32MatchesQuantileTo1e6) {
  const NormalKernel<float> k = make_normal_kernel_f32(0, 1);
  for (uint64_t w = 0; w < (uint64_t{1} << 32); w += 4099) {
    float u, v;
    normal_sides(static_cast<uint32_t>(w), u, v);
    const double small = static_cast<double>(((w & 0x7fffff) << 1) | 1) * 0x1p-25;
    const double want = (w >> 31) ? -Quantile(small) : Quantile(small);
    ASSERT_NEAR(normal_value(k, static_cast<uint32_t>(w)), want,
                1e-6 * std::max(1.0, std::abs(want)))
        << std::hex << w;
  }
}

TEST(RandomTest, NormalIsExactlySymmetric) {
  const NormalKernel<float> k32 = make_normal_kernel_f32(0, 1);
  const NormalKernel<double> k64 = make_normal_kernel_f64(0, 1);
  for (uint32_t m = 0; m < (1u << 23); m += 37) {
    EXPECT_EQ(normal_value(k32, m), -normal_value(k32, m | 0x80000000u));
  }
  for (uint64_t m = 1; m < (uint64_t{1} << 52); m = m * 3 + 1) {
    EXPECT_EQ(normal_value(k64, m), -normal_value(k64, m | (uint64_t{1} << 63)));
  }
}

TEST(RandomTest, TruncatedNormalStaysInBoundsAndIsAccurate) {
  // [2, 3] standard units, and a far tail [6, 8].
  for (auto [lo, hi] : {std::pair{2.0, 3.0}, std::pair{6.0, 8.0}, std::pair{-0.3, 0.3}}) {
    const NormalKernel<float> k32 = make_normal_kernel_f32(0, 1, true, lo, hi);
    const NormalKernel<double> k64 = make_normal_kernel_f64(0, 1, true, lo, hi);
    const double A = 0.5 * boost::math::erfc(-lo / std::sqrt(2.0));
    const double B = 0.5 * boost::math::erfc(-hi / std::sqrt(2.0)) - A;
    for (uint64_t w = 0; w < (uint64_t{1} << 32); w += 65537) {
      const float x = normal_value(k32, static_cast<uint32_t>(w));
      ASSERT_GE(x, lo);
      ASSERT_LE(x, hi);
      const uint64_t w64 = w * 0x9e3779b97f4a7c15ull;
      const double y = normal_value(k64, w64);
      ASSERT_GE(y, lo);
      ASSERT_LE(y, hi);
      double u, v;
      normal_sides(w64, u, v);
      // Upper tails lose precision in A + B u near 1; compare loosely there.
      const double want = -std::sqrt(2.0) * boost::math::erfc_inv(2 * (A + B * u));
      if (hi < 5) {
        ASSERT_NEAR(y, want, 1e-12) << lo << " " << hi;
      }
    }
  }
}

}  // namespace
}  // namespace initcheck
