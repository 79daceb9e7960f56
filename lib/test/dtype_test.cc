#include "initcheck/dtype.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "initcheck/error.h"

namespace initcheck {
namespace {

TEST(DTypeTest, NamesRoundTrip) {
  for (DType t : {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}) {
    EXPECT_EQ(parse_dtype(dtype_name(t)), t);
  }
  EXPECT_EQ(parse_dtype("bfloat16"), DType::kBF16);
  EXPECT_THROW(parse_dtype("int8"), Error);
  EXPECT_EQ(dtype_size(DType::kBF16), 2u);
}

TEST(DTypeTest, F16KnownValues) {
  EXPECT_EQ(f32_to_f16(1.0f), 0x3c00);
  EXPECT_EQ(f32_to_f16(-2.0f), 0xc000);
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7bff);
  EXPECT_EQ(f32_to_f16(65519.0f), 0x7bff);   // below the halfway point
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);   // halfway: ties to even = inf
  EXPECT_EQ(f32_to_f16(0x1p-24f), 0x0001);   // smallest subnormal
  EXPECT_EQ(f32_to_f16(0x1p-25f), 0x0000);   // halfway to 0: even
  EXPECT_EQ(f32_to_f16(0x1.8p-25f), 0x0001);
  EXPECT_EQ(f32_to_f16(0x1p-14f), 0x0400);   // smallest normal
  EXPECT_EQ(f32_to_f16(1.0f + 0x1p-11f), 0x3c00);           // tie -> even
  EXPECT_EQ(f32_to_f16(1.0f + 0x1.8p-10f), 0x3c02);         // tie -> even (up)
  EXPECT_EQ(f32_to_f16(1.0f + 0x1.8p-11f), 0x3c01);         // nearest
  EXPECT_TRUE(std::isnan(f16_to_f32(f32_to_f16(std::nanf("")))));
}

TEST(DTypeTest, F16RoundTripsEveryHalf) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) continue;  // NaN payloads
    EXPECT_EQ(f32_to_f16(f16_to_f32(static_cast<uint16_t>(h))), h) << std::hex << h;
  }
}

// RNE oracle: the nearest of the two neighbouring halves, ties to even.
TEST(DTypeTest, F16MatchesNearestEven) {
  for (uint32_t b = 0x33000000u; b < 0x47800000u; b += 4093) {
    const float x = std::bit_cast<float>(b);
    const uint16_t h = f32_to_f16(x);
    if (x >= 65520.0f) {
      EXPECT_EQ(h, 0x7c00) << x;  // at or past the halfway point to 2^16
      continue;
    }
    const double v = f16_to_f32(h);
    const double lo = h == 0 ? -INFINITY : f16_to_f32(static_cast<uint16_t>(h - 1));
    const double hi = (h & 0x7c00) == 0x7c00 ? INFINITY : f16_to_f32(static_cast<uint16_t>(h + 1));
    EXPECT_LE(std::abs(v - x), std::abs(lo - x)) << x;
    if (std::isfinite(hi)) {
      EXPECT_LE(std::abs(v - x), std::abs(hi - x)) << x;
    }
  }
}

TEST(DTypeTest, BF16) {
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(bf16_to_f32(0x3f80), 1.0f);
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3f808000u)), 0x3f80);  // tie -> even
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3f818000u)), 0x3f82);  // tie -> even
  EXPECT_EQ(f32_to_bf16(std::bit_cast<float>(0x3f808001u)), 0x3f81);
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(std::nanf("")))));
}

}  // namespace
}  // namespace initcheck
