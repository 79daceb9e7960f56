// Private to verify: the uniforms of the randomized probability integral
// transform of tied (grid) values, shared by gof.cc (the array route) and
// pipeline.cc (the fused battery), which must draw the same numbers.
#ifndef INITCHECK_VERIFY_SRC_PIT_UNIFORM_H_
#define INITCHECK_VERIFY_SRC_PIT_UNIFORM_H_

#include <cstdint>

namespace initcheck::verify::internal {

// SplitMix64 finalizer (Steele, Lea & Flood, "Fast splittable pseudorandom
// number generators", OOPSLA 2014): a fixed-seed hash of the rank gives the
// randomized-PIT uniforms reproducibly.
inline uint64_t splitmix64(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// In (0, 1): 53 random bits, offset by half a step. `key` is a hash of the
// sample (key_of_hash_sum): with a key of the rank alone, tied values at the
// extremes got the same uniforms in every sample of a given size, so the
// extremes p-value of f16/bf16 data was nearly constant per size instead of
// uniform (found by the calibration study).
inline double pit_uniform(uint64_t i, uint64_t key) {
  constexpr uint64_t kSeed = 0x1C0FFEE5EED5ull;
  return (static_cast<double>(splitmix64(i ^ kSeed ^ key) >> 11) + 0.5) * 0x1.0p-53;
}

// The sample's key from the sum of its values' 32-bit hashes (any order,
// any split of the sum) and its size.
inline uint64_t key_of_hash_sum(uint64_t hash_sum, uint64_t n) {
  return splitmix64(hash_sum ^ (n * 0x9E3779B97F4A7C15ull));
}

}  // namespace initcheck::verify::internal

#endif  // INITCHECK_VERIFY_SRC_PIT_UNIFORM_H_
