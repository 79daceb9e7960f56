// A framework author's test: their own initializer (here a plain
// std::mt19937 uniform, standing in for "my framework's kaiming_uniform")
// checked with the installed initcheck::testing::Follows matcher.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "initcheck/verify/matchers.h"

namespace {

using initcheck::testing::Follows;

std::vector<float> MyKaimingUniform(int out, int in, int k, double bound_factor) {
  std::mt19937_64 rng(12345);  // fixed seed: the matcher runs at alpha 1e-6
  const double bound = bound_factor / std::sqrt(static_cast<double>(in * k * k));
  std::uniform_real_distribution<float> u(static_cast<float>(-bound),
                                          static_cast<float>(bound));
  std::vector<float> w(static_cast<size_t>(out) * in * k * k);
  for (float& x : w) x = u(rng);
  return w;
}

TEST(Consumer, FollowsAcceptsPyTorchsConv2dDefault) {
  // nn.Conv2d(64, 128, 3): kaiming_uniform(a=sqrt(5)) = U(+-1/sqrt(fan_in)).
  EXPECT_THAT(MyKaimingUniform(128, 64, 3, 1.0),
              Follows("kaiming_uniform(a=sqrt(5))", {128, 64, 3, 3}));
}

TEST(Consumer, FollowsRejectsABoundTwiceTooWide) {
  EXPECT_THAT(MyKaimingUniform(128, 64, 3, 2.0),
              ::testing::Not(Follows("kaiming_uniform(a=sqrt(5))", {128, 64, 3, 3})));
}

}  // namespace
