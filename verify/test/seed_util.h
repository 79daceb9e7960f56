// Seeds and run modes of the statistical suites (gof, calibration, power).
//
// CI runs every suite with FIXED seeds, so a run is deterministic; the
// thresholds are nevertheless chosen as if the seeds were random (statistics
// note §5.2), and these environment variables run the same suites with fresh
// seeds or at full size:
//
//   INITCHECK_SEED=random   a fresh base seed from std::random_device
//   INITCHECK_SEED=12345    that base seed (to reproduce a fresh-seed failure)
//   (unset)                 the suite's fixed default
//   INITCHECK_FULL=1        the long versions (calibration K = 2000 seeds at
//                           n = 2^16, more mutant seeds); otherwise the fast
//                           CI subset
//
// Every failure message of these suites prints the base seed and how to
// reproduce it (seed_note()).
#ifndef INITCHECK_VERIFY_TEST_SEED_UTIL_H_
#define INITCHECK_VERIFY_TEST_SEED_UTIL_H_

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>

namespace initcheck::verify::testing {

// The base seed: INITCHECK_SEED if set ("random" or a number), else
// `fixed_default`. Read once per process, so every test in it agrees.
inline uint64_t base_seed(uint64_t fixed_default) {
  const char* env = std::getenv("INITCHECK_SEED");
  if (env == nullptr || *env == '\0') return fixed_default;
  static const uint64_t fresh = [] {
    std::random_device rd;
    return (uint64_t{rd()} << 32) ^ rd();
  }();
  if (std::string(env) == "random") return fresh;
  return std::strtoull(env, nullptr, 0);
}

// True when INITCHECK_FULL is set to anything but "" or "0".
inline bool full_mode() {
  const char* env = std::getenv("INITCHECK_FULL");
  return env != nullptr && *env != '\0' && std::string(env) != "0";
}

// A seed for case `index` of a suite, from the base seed (SplitMix64, so
// neighbouring cases get unrelated streams).
inline uint64_t case_seed(uint64_t base, uint64_t index) {
  uint64_t x = base + 0x9e3779b97f4a7c15ull * (index + 1);
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// "base seed 12345 (rerun with INITCHECK_SEED=12345)".
inline std::string seed_note(uint64_t base) {
  return "base seed " + std::to_string(base) +
         " (rerun with INITCHECK_SEED=" + std::to_string(base) + ")";
}

}  // namespace initcheck::verify::testing

#endif  // INITCHECK_VERIFY_TEST_SEED_UTIL_H_
