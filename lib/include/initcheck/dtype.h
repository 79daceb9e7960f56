// File: initcheck/dtype.h
//
// Element types: f32, f64, f16 (IEEE binary16) and bf16 (bfloat16). f16 and
// bf16 tensors are generated in f32 and rounded to nearest, ties to even.
#ifndef INITCHECK_DTYPE_H_
#define INITCHECK_DTYPE_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace initcheck {

enum class DType { kF32, kF64, kF16, kBF16 };

// "f32", "f64", "f16", "bf16".
std::string_view dtype_name(DType t);
// Parses the names above (also "float32", "float64", "float16", "bfloat16");
// throws Error otherwise.
DType parse_dtype(std::string_view name);
// Bytes per element: 4, 8, 2, 2.
std::size_t dtype_size(DType t);

// Round-to-nearest-even conversions from f32. Overflow gives +-infinity (the
// fill reports it as an error); NaN stays NaN.
inline uint16_t f32_to_bf16(float x) {
  const uint32_t b = std::bit_cast<uint32_t>(x);
  if ((b & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((b >> 16) | 0x40u);
  return static_cast<uint16_t>((b + 0x7fffu + ((b >> 16) & 1u)) >> 16);
}

inline float bf16_to_f32(uint16_t h) {
  return std::bit_cast<float>(uint32_t{h} << 16);
}

uint16_t f32_to_f16(float x);
float f16_to_f32(uint16_t h);

// `v` as stored in `t` (round to nearest even; the 16-bit types through f32,
// as the fills store them).
double stored_value(double v, DType t);

}  // namespace initcheck

#endif  // INITCHECK_DTYPE_H_
