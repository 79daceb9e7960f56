// Geometry syntax and validation (see initcheck/geometry.h).
#include "initcheck/geometry.h"

#include <cctype>
#include <charconv>
#include <string>

#include "initcheck/error.h"
#include "initcheck/internal/text.h"

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

namespace {

std::string Printable(std::string_view s) { return internal::printable(s, 120); }

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

Geometry make_geometry(Shape shape, Layout layout, int64_t groups, bool transposed,
                       FanConvention fans) {
  Geometry g;
  g.shape = std::move(shape);
  g.layout = layout;
  g.groups = groups;
  g.transposed = transposed;
  g.fans = fans;
  return g;
}

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

}  // namespace initcheck
