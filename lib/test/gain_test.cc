#include "initcheck/gain.h"

#include <gtest/gtest.h>

#include <cmath>

#include "initcheck/error.h"

namespace initcheck {
namespace {

// The exact floats PyTorch's test_init.py asserts, plus SELU (never asserted
// there: its branch is unreachable, see the research note, T-1).
TEST(GainTest, PyTorchTable) {
  for (const char* unit : {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                           "conv_transpose2d", "conv_transpose3d", "sigmoid"}) {
    EXPECT_EQ(calculate_gain(unit), 1.0) << unit;
  }
  EXPECT_EQ(calculate_gain("tanh"), 1.6666666666666667);
  EXPECT_EQ(calculate_gain("relu"), 1.4142135623730951);
  EXPECT_EQ(calculate_gain("leaky_relu"), 1.4141428569978354);
  EXPECT_EQ(calculate_gain("leaky_relu", 10.0), 0.14071950894605836);
  EXPECT_EQ(calculate_gain("leaky_relu", 0.0), std::sqrt(2.0));
  EXPECT_EQ(calculate_gain("leaky_relu", std::sqrt(5.0)), 0.5773502691896257);
  EXPECT_EQ(calculate_gain("selu"), 0.75);
}

TEST(GainTest, Errors) {
  EXPECT_THROW(calculate_gain("swish"), Error);
  EXPECT_THROW(calculate_gain("leaky_relu", NAN), Error);
  try {
    calculate_gain("Relu");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("valid: linear"), std::string::npos);
  }
}

}  // namespace
}  // namespace initcheck
