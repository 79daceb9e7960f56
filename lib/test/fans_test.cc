// Exact fans against hand counts, per layer type.
#include "initcheck/fans.h"

#include <gtest/gtest.h>

#include "initcheck/error.h"

namespace initcheck {
namespace {

Fans F(Shape s, Layout l = Layout::kTorch, FanConvention c = FanConvention::kFramework,
       int64_t groups = 1, bool transposed = false) {
  Geometry g;
  g.shape = std::move(s);
  g.layout = l;
  g.fans = c;
  g.groups = groups;
  g.transposed = transposed;
  return compute_fans(g);
}

void ExpectFans(const Fans& f, int64_t in, int64_t out) {
  EXPECT_EQ(f.fan_in, in);
  EXPECT_EQ(f.fan_out, out);
}

TEST(FansTest, TorchLinearAndConv) {
  ExpectFans(F({256, 128}), 128, 256);                  // nn.Linear(128, 256)
  ExpectFans(F({64, 32, 5}), 32 * 5, 64 * 5);           // Conv1d(32, 64, 5)
  ExpectFans(F({64, 32, 3, 3}), 32 * 9, 64 * 9);        // Conv2d(32, 64, 3)
  ExpectFans(F({16, 8, 3, 3, 3}), 8 * 27, 16 * 27);     // Conv3d(8, 16, 3)
  EXPECT_EQ(F({64, 32, 3, 5}).receptive_field, 15);
}

TEST(FansTest, GroupedAndDepthwise) {
  // Depthwise Conv2d(4, 4, 3, groups=4): weight [4, 1, 3, 3]. PyTorch computes
  // (9, 36) (issue #23854); the layer has 9 connections each way.
  ExpectFans(F({4, 1, 3, 3}), 9, 36);
  ExpectFans(F({4, 1, 3, 3}, Layout::kTorch, FanConvention::kLayer, 4), 9, 9);
  // Conv2d(32, 64, 3, groups=4): weight [64, 8, 3, 3].
  ExpectFans(F({64, 8, 3, 3}, Layout::kTorch, FanConvention::kLayer, 4), 72, 144);
  ExpectFans(F({64, 8, 3, 3}), 72, 576);
  EXPECT_THROW(F({6, 8, 3, 3}, Layout::kTorch, FanConvention::kLayer, 4), Error);
}

TEST(FansTest, Transposed) {
  // ConvTranspose2d(32, 64, 3): weight [32, 64, 3, 3] = [in, out, k, k].
  // PyTorch reads dim 1 as fan_in (issue #7865): (576, 288).
  ExpectFans(F({32, 64, 3, 3}), 576, 288);
  ExpectFans(F({32, 64, 3, 3}, Layout::kTorch, FanConvention::kLayer, 1, true), 288, 576);
  // ConvTranspose2d(32, 64, 3, groups=2): weight [32, 32, 3, 3].
  ExpectFans(F({32, 32, 3, 3}, Layout::kTorch, FanConvention::kLayer, 2, true), 144, 288);
}

TEST(FansTest, KerasAndJax) {
  ExpectFans(F({128, 256}, Layout::kKeras), 128, 256);          // Dense(256) on 128
  ExpectFans(F({3, 3, 32, 64}, Layout::kKeras), 288, 576);      // Conv2D(64, 3)
  ExpectFans(F({3, 3, 32, 64}, Layout::kJax), 288, 576);
  ExpectFans(F({5, 32, 64}, Layout::kJax), 160, 320);           // Conv1D
  // Conv2DTranspose kernel (3, 3, out=64, in=32): Keras reads it as (576, 288)
  // (TF issue #31192); the layer's true fans are (288, 576).
  ExpectFans(F({3, 3, 64, 32}, Layout::kKeras), 576, 288);
  ExpectFans(F({3, 3, 64, 32}, Layout::kKeras, FanConvention::kLayer, 1, true), 288, 576);
  // Grouped Conv2D(64, 3, groups=4): kernel (3, 3, 8, 64).
  ExpectFans(F({3, 3, 8, 64}, Layout::kKeras, FanConvention::kLayer, 4), 72, 144);
}

TEST(FansTest, SameKernelSameFansAcrossLayouts) {
  // torch [out, in, kh, kw] and keras [kh, kw, in, out] of one Conv2d.
  const Fans t = F({64, 32, 3, 5});
  const Fans k = F({3, 5, 32, 64}, Layout::kKeras);
  EXPECT_EQ(t.fan_in, k.fan_in);
  EXPECT_EQ(t.fan_out, k.fan_out);
}

TEST(FansTest, ExplicitAxesAndFans) {
  Geometry g;
  g.shape = {32, 8, 16};  // MHA query kernel (dim, heads, key_dim)
  g.in_axis = 0;
  g.out_axis = -1;
  const Fans f = compute_fans(g);
  EXPECT_EQ(f.fan_in, 32 * 8);
  EXPECT_EQ(f.fan_out, 16 * 8);
  Geometry h;
  h.shape = {10};
  h.fan_in = 7;
  h.fan_out = 3;
  ExpectFans(compute_fans(h), 7, 3);
}

TEST(FansTest, Errors) {
  Geometry g;
  g.shape = {10};
  EXPECT_THROW(compute_fans(g), Error);  // rank 1: a bias
  g.fan_in = 3;
  EXPECT_THROW(compute_fans(g), Error);  // fan_out missing
  Geometry a;
  a.shape = {4, 4};
  a.in_axis = 0;
  a.out_axis = 0;
  EXPECT_THROW(compute_fans(a), Error);
  a.out_axis = 5;
  EXPECT_THROW(compute_fans(a), Error);
  EXPECT_THROW(parse_shape("3,0"), Error);
  EXPECT_THROW(parse_shape("3,,4"), Error);
  EXPECT_THROW(parse_shape(""), Error);
  EXPECT_THROW(parse_shape("4294967296,4294967296,4"), Error);
  EXPECT_EQ(parse_shape("[64, 32, 3, 3]"), (Shape{64, 32, 3, 3}));
  EXPECT_EQ(parse_shape("64x32"), (Shape{64, 32}));
  EXPECT_THROW(parse_layout("nchw"), Error);
}

}  // namespace
}  // namespace initcheck
