// Fan properties: compute_fans over every valid geometry (layouts, groups,
// transposed weights, both conventions, explicit axes and fans), checked
// against the layout algebra and the oracle's independent count.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <optional>

#include "generators.h"
#include "initcheck/error.h"
#include "initcheck/fans.h"
#include "initcheck/fill.h"
#include "initcheck/verify/oracle.h"
#include "prop_util.h"

namespace initcheck::props {
namespace {

// A torch-layout weight [A, B, *k] (groups dividing A) and the same weight
// in keras layout [*k, B, A].
struct TorchKerasPair {
  Geometry torch;
  Geometry keras;
};

rc::Gen<TorchKerasPair> GenTorchKerasPair() {
  return rc::gen::exec([] {
    TorchKerasPair p;
    p.torch = *rc::gen::suchThat(GenFanGeometry(), [](const Geometry& g) {
      return g.layout == Layout::kTorch && !g.in_axis && !g.fan_in;
    });
    p.keras = p.torch;
    p.keras.layout = *rc::gen::element(Layout::kKeras, Layout::kJax);
    const Shape& t = p.torch.shape;
    Shape k(t.begin() + 2, t.end());
    k.push_back(t[1]);
    k.push_back(t[0]);
    p.keras.shape = k;
    return p;
  });
}

int64_t Product(const Shape& s, std::size_t from, std::size_t to) {
  int64_t p = 1;
  for (std::size_t i = from; i < to; ++i) p *= s[i];
  return p;
}

// Layout-read geometries (no explicit axes or fans).
rc::Gen<Geometry> GenLayoutRead() {
  return rc::gen::suchThat(GenFanGeometry(), [](const Geometry& g) {
    return !g.in_axis && !g.fan_in;
  });
}

// The same weight read as torch [out, in, *k] and keras/jax [*k, in, out]
// has the same fans in both conventions, with groups and transposition.
// Catches a layout mix-up such as reading a Keras kernel's fan_in from dim 0
// (TF/Keras kernels are [*k, in, out], PyTorch weights [out, in, *k]).
RC_GTEST_PROP(FansProperties, TorchAndKerasLayoutsAgree, ()) {
  const TorchKerasPair p = *GenTorchKerasPair().as("torch/keras pair");
  RC_TAG(fan_convention_name(p.torch.fans), p.torch.transposed);
  const Fans a = compute_fans(p.torch);
  const Fans b = compute_fans(p.keras);
  RC_ASSERT(a.fan_in == b.fan_in);
  RC_ASSERT(a.fan_out == b.fan_out);
  RC_ASSERT(a.receptive_field == b.receptive_field);
}

// Framework convention: fan_in = in * rf, fan_out = out * rf, rf = product
// of the kernel dims. Catches a receptive field taken from one spatial dim
// only or including a channel dim (a 2-D conv counted as dense).
RC_GTEST_PROP(FansProperties, ReceptiveFieldIsKernelProduct, ()) {
  Geometry g = *GenLayoutRead().as("geometry");
  g.fans = FanConvention::kFramework;
  const Shape& s = g.shape;
  const std::size_t r = s.size();
  const bool torch = g.layout == Layout::kTorch;
  const int64_t rf = torch ? Product(s, 2, r) : Product(s, 0, r - 2);
  const int64_t in = torch ? s[1] : s[r - 2];
  const int64_t out = torch ? s[0] : s[r - 1];
  const Fans f = compute_fans(g);
  RC_ASSERT(f.receptive_field == rf);
  RC_ASSERT(f.fan_in == in * rf);
  RC_ASSERT(f.fan_out == out * rf);
}

// Layer convention on a regular (grouped) conv: fan_in is the framework's,
// fan_out is the framework's divided by groups. Catches PyTorch issue #23854:
// a depthwise Conv2d(4, 4, 3, groups=4) has fan_out 9, not 36.
RC_GTEST_PROP(FansProperties, LayerFanOutIsFrameworkOverGroups, ()) {
  Geometry g = *GenLayoutRead().as("geometry");
  g.transposed = false;
  RC_CLASSIFY(g.groups > 1, "grouped");
  Geometry framework = g;
  framework.fans = FanConvention::kFramework;
  g.fans = FanConvention::kLayer;
  const Fans fw = compute_fans(framework);
  const Fans layer = compute_fans(g);
  RC_ASSERT(layer.fan_in == fw.fan_in);
  RC_ASSERT(fw.fan_out % g.groups == 0);
  RC_ASSERT(layer.fan_out == fw.fan_out / g.groups);
}

// Layer convention: the weight of a transposed conv, same shape and groups,
// has the regular conv's fans swapped (its dim 0 holds the inputs). Catches
// PyTorch issue #7865 (ConvTranspose weights read as regular ones).
RC_GTEST_PROP(FansProperties, TransposedLayerSwapsRoles, ()) {
  Geometry g = *GenLayoutRead().as("geometry");
  g.fans = FanConvention::kLayer;
  Geometry regular = g, transposed = g;
  regular.transposed = false;
  transposed.transposed = true;
  const Fans a = compute_fans(regular);
  const Fans b = compute_fans(transposed);
  RC_ASSERT(b.fan_in == a.fan_out);
  RC_ASSERT(b.fan_out == a.fan_in);
  RC_ASSERT(b.receptive_field == a.receptive_field);
}

// Every valid geometry has fans >= 1 (no division by zero downstream).
// Catches a zero fan from an empty kernel product or an integer division by
// groups that rounds to 0.
RC_GTEST_PROP(FansProperties, FansAreAtLeastOne, (const Geometry& g)) {
  const Fans f = compute_fans(g);
  RC_ASSERT(f.fan_in >= 1);
  RC_ASSERT(f.fan_out >= 1);
  RC_ASSERT(f.receptive_field >= 1);
}

// Explicit axes naming the layout's own channel axes (also counted from the
// end) give the framework fans. Catches a negative-axis normalization bug.
RC_GTEST_PROP(FansProperties, LayoutAxesGiveFrameworkFans, ()) {
  Geometry g = *GenLayoutRead().as("geometry");
  g.fans = FanConvention::kFramework;
  g.groups = 1;
  g.transposed = false;
  const int r = static_cast<int>(g.shape.size());
  const bool torch = g.layout == Layout::kTorch;
  int in = torch ? 1 : r - 2;
  int out = torch ? 0 : r - 1;
  if (*rc::gen::arbitrary<bool>().as("negative axes")) {
    in -= r;
    out -= r;
  }
  Geometry axes = g;
  axes.in_axis = in;
  axes.out_axis = out;
  const Fans a = compute_fans(g);
  const Fans b = compute_fans(axes);
  RC_ASSERT(a.fan_in == b.fan_in);
  RC_ASSERT(a.fan_out == b.fan_out);
}

// lib's compute_fans equals the oracle's independent oracle_fans on every
// valid geometry. Catches any divergence between lib and the documented
// conventions (the GoF suites trust the oracle).
RC_GTEST_PROP(FansProperties, LibMatchesOracle, (const Geometry& g)) {
  const Fans f = compute_fans(g);
  const verify::OracleFans o = verify::oracle_fans(g);
  RC_ASSERT(f.fan_in == o.fan_in);
  RC_ASSERT(f.fan_out == o.fan_out);
}

// An invalid geometry (dimension < 1, groups < 1, groups not dividing the
// channels in the layer convention, bad or equal axes, one-sided or
// non-positive explicit fans, axes with groups, rank 1 without fans) makes
// compute_fans and plan_fill throw initcheck::Error with a one-line message:
// never a crash, another exception type, or fans computed from garbage.
RC_GTEST_PROP(FansProperties, InvalidGeometryIsAnError, ()) {
  Geometry g = *GenLayoutRead().as("valid geometry");
  const int r = static_cast<int>(g.shape.size());
  const int what = static_cast<int>(*GenInt(0, 8).as("defect"));
  switch (what) {
    case 0:
      g.shape[static_cast<std::size_t>(*GenInt(0, r - 1))] =
          *GenInt(-5, 0).as("bad dim");
      break;
    case 1:
      g.groups = *GenInt(-3, 0).as("bad groups");
      break;
    case 2: {  // groups that do not divide the undivided channel dim
      const int64_t full =
          g.layout == Layout::kTorch ? g.shape.front() : g.shape.back();
      g.fans = FanConvention::kLayer;
      g.groups = full + *GenInt(1, 5).as("extra");
      break;
    }
    case 3:
      g.groups = 1;
      g.transposed = false;
      g.in_axis = *GenInt(-3 * r, 3 * r).as("in_axis");
      g.out_axis = *g.in_axis;  // equal axes (or out of range)
      break;
    case 4:
      g.groups = 1;
      g.transposed = false;
      g.in_axis = r + static_cast<int>(*GenInt(0, 5).as("past end"));
      g.out_axis = 0;
      break;
    case 5:
      g.fan_in = *GenInt(1, 100).as("fan_in alone");
      break;
    case 6:
      g.fan_in = *GenInt(-5, 0).as("fan_in");
      g.fan_out = *GenInt(-5, 100).as("fan_out");
      break;
    case 7:
      g.in_axis = 0;
      g.out_axis = 1;
      g.groups = 2;
      break;
    default:
      g.shape = {*GenInt(1, 100).as("rank-1 dim")};
      break;
  }
  RC_TAG(what);
  const auto fans = Capture([&] { return compute_fans(g); });
  RC_ASSERT(fans.threw);
  RC_ASSERT(OneLine(fans.error));
  const Scheme s = Scheme::parse("kaiming_uniform");
  const auto plan = Capture([&] { return plan_fill(s, g); });
  RC_ASSERT(plan.threw);
  RC_ASSERT(OneLine(plan.error));
}

}  // namespace
}  // namespace initcheck::props
