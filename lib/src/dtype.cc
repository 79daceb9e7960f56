// dtype names and f16 conversions (see initcheck/dtype.h).
#include "initcheck/dtype.h"

#include <string>

#include "initcheck/error.h"

namespace initcheck {

std::string_view dtype_name(DType t) {
  switch (t) {
    case DType::kF32: return "f32";
    case DType::kF64: return "f64";
    case DType::kF16: return "f16";
    case DType::kBF16: return "bf16";
  }
  return "?";
}

DType parse_dtype(std::string_view n) {
  if (n == "f32" || n == "float32" || n == "float") return DType::kF32;
  if (n == "f64" || n == "float64" || n == "double") return DType::kF64;
  if (n == "f16" || n == "float16" || n == "half") return DType::kF16;
  if (n == "bf16" || n == "bfloat16") return DType::kBF16;
  throw Error("unknown dtype '" + std::string(n) + "'; valid: f32, f64, f16, bf16");
}

std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::kF32: return 4;
    case DType::kF64: return 8;
    case DType::kF16:
    case DType::kBF16: return 2;
  }
  return 0;
}

// IEEE binary32 -> binary16, round to nearest even, with subnormals; values
// beyond 65504 (after rounding) become infinity.
uint16_t f32_to_f16(float x) {
  const uint32_t b = std::bit_cast<uint32_t>(x);
  const uint16_t sign = static_cast<uint16_t>((b >> 16) & 0x8000u);
  const uint32_t a = b & 0x7fffffffu;
  if (a > 0x7f800000u) return sign | 0x7e00u;  // NaN
  if (a >= 0x477ff000u) return sign | 0x7c00u;  // >= 65520: rounds to inf
  if (a >= 0x38800000u) {                      // normal f16 (>= 2^-14)
    const uint32_t m = a - 0x38000000u;        // rebias exponent 127 -> 15
    const uint32_t r = m + 0x0fffu + ((m >> 13) & 1u);
    return sign | static_cast<uint16_t>(r >> 13);
  }
  if (a < 0x33000000u) return sign;  // < 2^-25: rounds to 0
  // Subnormal f16: value = a_real / 2^-24, round to nearest even.
  const uint32_t e = a >> 23;                      // biased exponent
  const uint32_t mant = (a & 0x7fffffu) | 0x800000u;
  const uint32_t shift = 126u - e;                 // 14..24 bits to drop + 13
  const uint32_t q = mant >> shift;
  const uint32_t rem = mant & ((1u << shift) - 1u);
  const uint32_t half = 1u << (shift - 1);
  uint32_t r = q + ((rem > half || (rem == half && (q & 1u))) ? 1u : 0u);
  return sign | static_cast<uint16_t>(r);
}

float f16_to_f32(uint16_t h) {
  const uint32_t sign = uint32_t{h & 0x8000u} << 16;
  const uint32_t e = (h >> 10) & 0x1fu;
  const uint32_t m = h & 0x3ffu;
  if (e == 0x1f) return std::bit_cast<float>(sign | 0x7f800000u | (m << 13));
  if (e == 0) {
    // subnormal: m * 2^-24
    const float v = static_cast<float>(m) * 0x1p-24f;
    return sign ? -v : v;
  }
  return std::bit_cast<float>(sign | ((e + 112u) << 23) | (m << 13));
}

double stored_value(double v, DType t) {
  switch (t) {
    case DType::kF64:
      return v;
    case DType::kF32:
      return static_cast<float>(v);
    case DType::kF16:
      return f16_to_f32(f32_to_f16(static_cast<float>(v)));
    case DType::kBF16:
      return bf16_to_f32(f32_to_bf16(static_cast<float>(v)));
  }
  return v;
}

}  // namespace initcheck
