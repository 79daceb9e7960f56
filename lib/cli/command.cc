#include "command.h"

#include "initcheck/error.h"

namespace initcheck::cli {

std::vector<CommandInfo>& commands() {
  static std::vector<CommandInfo> list;
  return list;
}

Registrar::Registrar(int order, SetupFn setup) { commands().push_back({order, setup}); }

int& exit_code() {
  static int code = 0;
  return code;
}

void add_threads_option(CLI::App* sub, int& threads) {
  sub->add_option("--threads", threads,
                  "worker threads (0 = all cores); the output never depends on it")
      ->default_val(0)
      ->check(CLI::NonNegativeNumber);
}

void add_geometry_options(CLI::App* sub, GeometryOptions& g, bool with_shape) {
  if (with_shape) {
    sub->add_option("--shape", g.shape,
                    "weight shape, e.g. 64,32,3,3 (torch Conv2d(32, 64, 3))")
        ->required();
  }
  sub->add_option("--layout", g.layout,
                  "torch: [out, in, *k]; keras or jax: [*k, in, out]")
      ->default_val("torch");
  sub->add_option("--groups", g.groups, "conv groups (with --fans layer)")
      ->default_val(1);
  sub->add_flag("--transposed", g.transposed,
                "the weight of a ConvTranspose layer (with --fans layer)");
  sub->add_option("--fans", g.fans,
                  "framework: fans as PyTorch/Keras compute them from the shape "
                  "(ignores groups, transposition); layer: the layer's true "
                  "connections")
      ->default_val("framework");
  sub->add_option("--fan-in", g.fan_in, "explicit fan_in (with --fan-out)");
  sub->add_option("--fan-out", g.fan_out, "explicit fan_out (with --fan-in)");
  sub->add_option("--in-axis", g.in_axis, "explicit input axis (JAX in_axis)");
  sub->add_option("--out-axis", g.out_axis, "explicit output axis (JAX out_axis)");
}

Geometry GeometryOptions::geometry(const Shape& shape) const {
  Geometry g;
  g.shape = shape;
  g.layout = parse_layout(layout);
  g.groups = groups;
  g.transposed = transposed;
  g.fans = parse_fan_convention(fans);
  g.fan_in = fan_in;
  g.fan_out = fan_out;
  g.in_axis = in_axis;
  g.out_axis = out_axis;
  validate_geometry(g);
  return g;
}

}  // namespace initcheck::cli
