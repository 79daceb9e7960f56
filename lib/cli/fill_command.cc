// `initcheck fill`: draws a tensor from a scheme and writes .npy/.safetensors.
#include <fmt/format.h>

#include <cstdio>
#include <string>

#include "command.h"
#include "initcheck/fill.h"
#include "initcheck/io.h"

namespace initcheck::cli {
namespace {

struct FillArgs {
  std::string scheme;
  GeometryOptions geo;
  std::string dtype = "f32";
  uint64_t seed = 0;
  uint64_t stream = 0;
  int threads = 0;
  std::string out;
  std::string name = "weight";
  bool quiet = false;
};

void Run(const FillArgs& a) {
  const Scheme scheme = Scheme::parse(a.scheme);
  const Geometry g = a.geo.geometry(parse_shape(a.geo.shape));
  const DType dtype = parse_dtype(a.dtype);
  const std::string kind = tensor_file_kind(a.out);
  const FillPlan plan = plan_fill(scheme, g);
  const Tensor t = fill(scheme, g, dtype, {a.seed, a.stream, a.threads});
  if (kind == "npy") {
    write_npy(a.out, t);
  } else {
    write_safetensors(a.out, {{a.name, &t}},
                      {{"initcheck_scheme", scheme.str()},
                       {"initcheck_seed", std::to_string(a.seed)},
                       {"initcheck_stream", std::to_string(a.stream)}});
  }
  if (!a.quiet) {
    std::string fans;
    if (plan.fans) {
      fans = fmt::format(", fan_in={} fan_out={}", plan.fans->fan_in, plan.fans->fan_out);
    }
    fmt::print("wrote {}: {} on {} {} {}{}, seed={} stream={}: {}\n", a.out,
               scheme.str(), layout_name(g.layout), shape_string(g.shape),
               dtype_name(dtype), fans, a.seed, a.stream, plan.describe());
  }
}

void Setup(CLI::App& app) {
  static FillArgs a;
  CLI::App* sub = app.add_subcommand(
      "fill",
      "Draw a weight tensor from an initialization scheme and write it.\n"
      "Examples:\n"
      "  initcheck fill kaiming_uniform --shape 256,128 -o w.npy\n"
      "  initcheck fill 'kaiming_uniform(a=sqrt(5))' --shape 64,32,3,3 --seed 7 -o w.npy\n"
      "  initcheck fill he_normal --shape 3,3,32,64 --layout keras --dtype bf16 -o w.npy\n"
      "  initcheck fill 'trunc_normal(std=0.02, a=-0.04, b=0.04)' --shape 768,768 "
      "-o w.safetensors --name encoder.weight\n"
      "The same scheme, shape, dtype, seed and stream give bit-identical output for "
      "any --threads.");
  sub->add_option("scheme", a.scheme,
                  "scheme in PyTorch call syntax, e.g. 'kaiming_normal(mode=fan_out, "
                  "nonlinearity=relu)'")
      ->required();
  add_geometry_options(sub, a.geo, /*with_shape=*/true);
  sub->add_option("--dtype", a.dtype, "f32, f64, f16 or bf16")->default_val("f32");
  sub->add_option("--seed", a.seed, "random seed (64-bit)")->default_val(0);
  sub->add_option("--stream", a.stream, "stream id, e.g. one per tensor (64-bit)")
      ->default_val(0);
  add_threads_option(sub, a.threads);
  sub->add_option("-o,--output", a.out, "output file, .npy or .safetensors")->required();
  sub->add_option("--name", a.name, "tensor name in a .safetensors file")
      ->default_val("weight");
  sub->add_flag("-q,--quiet", a.quiet, "print nothing on success");
  sub->callback([] { Run(a); });
}

const Registrar registrar(10, Setup);

}  // namespace
}  // namespace initcheck::cli
