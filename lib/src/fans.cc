// Fan computation (see initcheck/fans.h).
#include "initcheck/fans.h"

#include <cctype>
#include <charconv>
#include <string>

#include "initcheck/error.h"

namespace initcheck {

std::string_view layout_name(Layout l) {
  switch (l) {
    case Layout::kTorch: return "torch";
    case Layout::kKeras: return "keras";
    case Layout::kJax: return "jax";
  }
  return "?";
}

Layout parse_layout(std::string_view n) {
  if (n == "torch" || n == "pytorch") return Layout::kTorch;
  if (n == "keras" || n == "tf" || n == "tensorflow") return Layout::kKeras;
  if (n == "jax" || n == "flax") return Layout::kJax;
  throw Error("unknown layout '" + std::string(n) +
              "'; valid: torch ([out, in, *k]), keras or jax ([*k, in, out])");
}

std::string_view fan_convention_name(FanConvention c) {
  return c == FanConvention::kFramework ? "framework" : "layer";
}

FanConvention parse_fan_convention(std::string_view n) {
  if (n == "framework") return FanConvention::kFramework;
  if (n == "layer") return FanConvention::kLayer;
  throw Error("unknown fan convention '" + std::string(n) +
              "'; valid: framework (what PyTorch/Keras compute from the shape), "
              "layer (true connections: groups and transposed convs counted)");
}

std::string shape_string(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(s[i]);
  }
  return out + "]";
}

namespace detail {
// Defined in lib/src/io_util.cc: `s` for a one-line message, control and
// non-ASCII bytes escaped as \xNN, at most about max_chars characters.
std::string printable(std::string_view s, std::size_t max_chars);
}  // namespace detail

namespace {

std::string Printable(std::string_view s) { return detail::printable(s, 120); }

}  // namespace

Shape parse_shape(std::string_view text) {
  Shape out;
  size_t i = 0;
  auto skip = [&] {
    while (i < text.size() && (std::isspace(static_cast<unsigned char>(text[i])) ||
                               text[i] == '[' || text[i] == ']' || text[i] == '(' ||
                               text[i] == ')'))
      ++i;
  };
  skip();
  if (i == text.size()) {
    throw Error("empty shape; write e.g. --shape 64,32,3,3");
  }
  while (i < text.size()) {
    int64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data() + i, text.data() + text.size(), v);
    if (ec != std::errc() || ptr == text.data() + i) {
      throw Error(
          "bad shape '" + Printable(text) +
          "': expected comma-separated positive integers, e.g. 64,32,3,3");
    }
    if (v < 1) {
      throw Error("bad shape '" + Printable(text) + "': dimension " +
                  std::to_string(v) + " must be >= 1");
    }
    out.push_back(v);
    i = static_cast<size_t>(ptr - text.data());
    skip();
    if (i < text.size()) {
      if (text[i] != ',' && text[i] != 'x') {
        throw Error("bad shape '" + Printable(text) + "': unexpected '" +
                    Printable(text.substr(i, 1)) + "'");
      }
      ++i;
      skip();
      if (i == text.size()) {
        throw Error("bad shape '" + Printable(text) + "': trailing separator");
      }
    }
  }
  if (out.size() > 8) {
    throw Error("bad shape '" + Printable(text) + "': rank " +
                std::to_string(out.size()) + " > 8 is not supported");
  }
  (void)shape_numel(out);
  return out;
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) {
    if (d < 0) throw Error("negative dimension in shape " + shape_string(s));
    if (d != 0 && n > (int64_t{1} << 62) / d) {
      throw Error("shape " + shape_string(s) + " has more than 2^62 elements");
    }
    n *= d;
  }
  return n;
}

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

void validate_geometry(const Geometry& g) {
  if (g.shape.empty()) throw Error("empty shape");
  for (int64_t d : g.shape) {
    if (d < 1) {
      throw Error("shape " + shape_string(g.shape) + " has a dimension < 1");
    }
  }
  (void)shape_numel(g.shape);
  if (g.groups < 1) {
    throw Error("groups must be >= 1, got " + std::to_string(g.groups));
  }
  if (g.fan_in.has_value() != g.fan_out.has_value()) {
    throw Error("give both --fan-in and --fan-out, or neither");
  }
  if (g.fan_in && (*g.fan_in < 1 || *g.fan_out < 1)) {
    throw Error("explicit fans must be >= 1, got fan_in=" +
                std::to_string(*g.fan_in) + ", fan_out=" + std::to_string(*g.fan_out));
  }
  if (g.in_axis.has_value() != g.out_axis.has_value()) {
    throw Error("give both --in-axis and --out-axis, or neither");
  }
  if (g.in_axis && g.fan_in) {
    throw Error("explicit fans and explicit axes conflict; give one of them");
  }
  if (g.in_axis && (g.groups != 1 || g.transposed)) {
    throw Error("--groups and --transposed apply to the layout's axes; they "
                "cannot be combined with --in-axis/--out-axis");
  }
}

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
