// File: initcheck/geometry.h
//
// A weight tensor's shape and how to read it: the layout of its axes, conv
// groups, whether it is a transposed conv's weight, and which fan convention
// applies (see initcheck/fans.h for how fans are counted from a Geometry).
//
// Layouts:
//   torch       [out, in, *k]   Linear [out, in]; ConvNd [out, in/groups, *k];
//                               ConvTransposeNd [in, out/groups, *k]
//   keras, jax  [*k, in, out]   Dense (in, out); ConvND (*k, in/groups, out);
//                               ConvNDTranspose (*k, out, in)
// Part of initcheck::core: syntax and validation only, no formulas.
#ifndef INITCHECK_GEOMETRY_H_
#define INITCHECK_GEOMETRY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace initcheck {

using Shape = std::vector<int64_t>;

enum class Layout { kTorch, kKeras, kJax };
enum class FanConvention { kFramework, kLayer };

// "torch", "keras", "jax" / "framework", "layer".
std::string_view layout_name(Layout l);
Layout parse_layout(std::string_view name);  // throws Error
std::string_view fan_convention_name(FanConvention c);
FanConvention parse_fan_convention(std::string_view name);  // throws Error

// "[64, 32, 3, 3]".
std::string shape_string(const Shape& s);
// Parses "64,32,3,3" (also "64x32x3x3", brackets and spaces allowed); every
// dimension >= 1. Throws Error.
Shape parse_shape(std::string_view text);
// Product of the dims; throws Error on overflow past 2^62.
int64_t shape_numel(const Shape& s);

// A weight tensor's shape and how to read it.
struct Geometry {
  Shape shape;
  Layout layout = Layout::kTorch;
  int64_t groups = 1;       // conv groups (>= 1; divides the channel dim)
  bool transposed = false;  // the weight of a ConvTranspose layer
  FanConvention fans = FanConvention::kFramework;
  std::optional<int> in_axis;   // negative values count from the end
  std::optional<int> out_axis;
  std::optional<int64_t> fan_in;  // explicit fans (both or neither)
  std::optional<int64_t> fan_out;
};

// A geometry in one expression (tests, studies, examples); the axes and
// explicit fans stay unset.
Geometry make_geometry(Shape shape, Layout layout = Layout::kTorch, int64_t groups = 1,
                       bool transposed = false,
                       FanConvention fans = FanConvention::kFramework);

// Validates the geometry (dimensions >= 1, groups >= 1, both or neither of
// the explicit fans and of the axes, no conflicting options). Rank is not
// checked here: compute_fans (fill) and the oracle (verify) require rank >= 2
// only for fan-based schemes. Throws Error.
void validate_geometry(const Geometry& g);

}  // namespace initcheck

#endif  // INITCHECK_GEOMETRY_H_
