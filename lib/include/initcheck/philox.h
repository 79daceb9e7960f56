// File: initcheck/philox.h
//
// Philox4x32-10, the counter-based random bijection of
//   J. K. Salmon, M. A. Moraes, R. O. Dror, D. E. Shaw,
//   "Parallel Random Numbers: As Easy as 1, 2, 3", SC'11 (2011).
//
// philox4x32(ctr, key) is a pure function: 4 x 32-bit counter words and a
// 2 x 32-bit key give 4 x 32-bit output words. Checked against the Random123
// known-answer vectors (tests/kat_vectors) in lib/test/philox_test.cc.
//
// Round r (r = 0..9), with key words k0, k1 bumped by the Weyl constants
// before every round but the first:
//   (hi0, lo0) = 0xD2511F53 * x0      (32 x 32 -> 64-bit product)
//   (hi1, lo1) = 0xCD9E8D57 * x2
//   x = (hi1 ^ x1 ^ k0, lo1, hi0 ^ x3 ^ k1, lo0)
#ifndef INITCHECK_PHILOX_H_
#define INITCHECK_PHILOX_H_

#include <array>
#include <cstdint>

namespace initcheck {

using PhiloxCounter = std::array<uint32_t, 4>;
using PhiloxKey = std::array<uint32_t, 2>;

inline constexpr uint32_t kPhiloxM0 = 0xD2511F53u;  // multiplier, word 0
inline constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;  // multiplier, word 2
inline constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;  // golden ratio
inline constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;  // sqrt(3) - 1
inline constexpr int kPhiloxRounds = 10;

// Philox4x32 with R rounds; R = 10 is the standard (Philox4x32-10).
template <int R = kPhiloxRounds>
constexpr PhiloxCounter philox4x32(PhiloxCounter x, PhiloxKey k) {
  for (int r = 0; r < R; ++r) {
    if (r > 0) {
      k[0] += kPhiloxW0;
      k[1] += kPhiloxW1;
    }
    const uint64_t p0 = uint64_t{kPhiloxM0} * x[0];
    const uint64_t p1 = uint64_t{kPhiloxM1} * x[2];
    x = {static_cast<uint32_t>(p1 >> 32) ^ x[1] ^ k[0],
         static_cast<uint32_t>(p1),
         static_cast<uint32_t>(p0 >> 32) ^ x[3] ^ k[1],
         static_cast<uint32_t>(p0)};
  }
  return x;
}

}  // namespace initcheck

#endif  // INITCHECK_PHILOX_H_
