// Fan computation (see initcheck/fans.h).
#include "initcheck/fans.h"

#include <string>

#include "initcheck/error.h"

namespace initcheck {

namespace {

int NormAxis(int axis, size_t rank, const char* what) {
  const int r = static_cast<int>(rank);
  const int a = axis < 0 ? axis + r : axis;
  if (a < 0 || a >= r) {
    throw Error(std::string(what) + " " + std::to_string(axis) +
                " is out of range for rank " + std::to_string(rank));
  }
  return a;
}

}  // namespace

Fans compute_fans(const Geometry& g) {
  validate_geometry(g);
  Fans f;
  if (g.fan_in) {
    f.fan_in = *g.fan_in;
    f.fan_out = *g.fan_out;
    f.receptive_field = 1;
    return f;
  }
  const size_t rank = g.shape.size();
  if (rank < 2) {
    throw Error("fan-based schemes need a weight of rank >= 2, got shape " +
                shape_string(g.shape) +
                "; give the fans explicitly with --fan-in N --fan-out N");
  }
  if (g.in_axis) {
    const int ia = NormAxis(*g.in_axis, rank, "in_axis");
    const int oa = NormAxis(*g.out_axis, rank, "out_axis");
    if (ia == oa) throw Error("in_axis and out_axis must differ");
    int64_t rf = 1;
    for (size_t i = 0; i < rank; ++i) {
      if (static_cast<int>(i) != ia && static_cast<int>(i) != oa) rf *= g.shape[i];
    }
    f.receptive_field = rf;
    f.fan_in = g.shape[ia] * rf;
    f.fan_out = g.shape[oa] * rf;
    return f;
  }
  // Axis of dim "0" and dim "1" of the layout (torch [out, in]; keras [in, out]).
  const bool torch = g.layout == Layout::kTorch;
  const size_t first = torch ? 0 : rank - 2;   // torch out / keras in
  const size_t second = torch ? 1 : rank - 1;  // torch in / keras out
  int64_t rf = 1;
  for (size_t i = 0; i < rank; ++i) {
    if (i != first && i != second) rf *= g.shape[i];
  }
  f.receptive_field = rf;
  // Shape-based (framework) reading: torch (out=first, in=second),
  // keras (in=first, out=second).
  const int64_t in_dim = torch ? g.shape[second] : g.shape[first];
  const int64_t out_dim = torch ? g.shape[first] : g.shape[second];
  if (g.fans == FanConvention::kFramework) {
    f.fan_in = in_dim * rf;
    f.fan_out = out_dim * rf;
    return f;
  }
  // Layer-aware: which stored dim is the layer's input and which its output,
  // and which one stores channels per group.
  //   torch regular    [out, in/g, *k]    torch transposed [in, out/g, *k]
  //   keras regular    [*k, in/g, out]    keras transposed [*k, out/g, in]
  int64_t layer_in, layer_out;
  const int64_t full = torch ? g.shape[first] : g.shape[second];  // undivided dim
  const int64_t per_group = torch ? g.shape[second] : g.shape[first];
  if (full % g.groups != 0) {
    throw Error("groups=" + std::to_string(g.groups) + " does not divide the " +
                (g.transposed ? "input" : "output") + " channels (" +
                std::to_string(full) + ") of shape " + shape_string(g.shape));
  }
  if (!g.transposed) {
    layer_in = per_group;            // in / groups
    layer_out = full / g.groups;     // out / groups
  } else {
    layer_in = full / g.groups;      // in / groups
    layer_out = per_group;           // out / groups
  }
  f.fan_in = layer_in * rf;
  f.fan_out = layer_out * rf;
  return f;
}

}  // namespace initcheck
