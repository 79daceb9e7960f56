// Philox4x32-10 against the Random123 known-answer vectors.
#include "initcheck/philox.h"

#include <gtest/gtest.h>

namespace initcheck {
namespace {

// Random123 v1.14.0, tests/kat_vectors (DEShawResearch/random123, identical on
// main at 9545ff6), the three "philox4x32 10" lines. Columns: CTR (4 words),
// KEY (2 words), EXPECTED (4 words).
struct Kat {
  PhiloxCounter ctr;
  PhiloxKey key;
  PhiloxCounter expected;
};
constexpr Kat kKat10[] = {
    {{0x00000000, 0x00000000, 0x00000000, 0x00000000},
     {0x00000000, 0x00000000},
     {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

// Same file, the "philox4x32 7" line with pi-digit inputs: checks the round
// count is a template parameter, not hard-wired.
constexpr Kat kKat7 = {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                       {0xa4093822, 0x299f31d0},
                       {0x4dfccaba, 0x190a87f0, 0xc47362ba, 0xb6b5242a}};

TEST(PhiloxTest, KnownAnswers10Rounds) {
  for (const Kat& k : kKat10) {
    EXPECT_EQ(philox4x32(k.ctr, k.key), k.expected);
  }
}

TEST(PhiloxTest, KnownAnswer7Rounds) {
  EXPECT_EQ(philox4x32<7>(kKat7.ctr, kKat7.key), kKat7.expected);
}

TEST(PhiloxTest, IsConstexpr) {
  constexpr PhiloxCounter out = philox4x32(kKat10[0].ctr, kKat10[0].key);
  static_assert(out[0] == 0x6627e8d5u);
  EXPECT_EQ(out[3], 0x9b00dbd8u);
}

}  // namespace
}  // namespace initcheck
