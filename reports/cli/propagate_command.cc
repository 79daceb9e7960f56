// `initcheck propagate`: mean-field theory against Monte-Carlo simulation of
// forward/backward signal propagation through a deep fully connected network
// at initialization (reports/include/initcheck/propagation/).
#include <fmt/format.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "command.h"
#include "initcheck/error.h"
#include "initcheck/propagation/format.h"
#include "initcheck/io.h"
#include "initcheck/propagation/propagate.h"
#include "initcheck/propagation/study.h"
#include "initcheck/report/propagation_render.h"
#include "progress.h"

namespace initcheck::cli {
namespace {

namespace prop = initcheck::propagation;

struct PropagateArgs {
  std::string weights;
  std::string activation;
  int depth = 50;
  int64_t width = 512;
  int64_t batch = 256;
  int seeds = 8;
  double bias_std = 0;
  uint64_t seed = 0;
  int threads = 0;
  std::string format = "text";
  std::string out;
  bool quiet = false;
};

// The simulations allocate and free the same large buffers (a weight matrix
// per layer, 0.5 MiB at width 256) thousands of times. glibc's default
// returns the freed top of the heap to the kernel and then faults it back
// in page by page (8.7 million minor faults, 9% of the grid study's CPU time,
// 40% of finite_width's). Keeping freed memory (trim threshold 1 GiB, mmap
// only above 64 MiB) removes that; it changes no result. Only the propagate
// commands do this: `initcheck check` keeps glibc's defaults (its peak RSS
// is a tested target).
void KeepFreedMemory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

void WriteOutput(const std::string& path, const std::string& text) {
  if (path.empty() || path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return;
  }
  // Write a temporary file next to the target and rename it over the target,
  // so that a failed write never leaves a partial file.
  const std::filesystem::path target(path);
  const std::filesystem::path tmp = target.string() + ".tmp-initcheck";
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw Error("cannot write '" + path + "'");
    f.write(text.data(), static_cast<std::streamsize>(text.size()));
    f.close();
    if (!f) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw Error("cannot write '" + path + "'");
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, target, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error("cannot write '" + path + "'");
  }
}

// `initcheck propagate study`: the data products of variance_propagation.md.
struct StudyArgs {
  std::string out;
  std::vector<std::string> only;
  bool quick = false;
  int threads = 0;
  std::string commit;
  bool quiet = false;
};

void RunStudy(const StudyArgs& a) {
  std::vector<std::string> names = a.only.empty() ? prop::study_names() : a.only;
  for (const std::string& n : names) {
    const auto& valid = prop::study_names();
    if (std::find(valid.begin(), valid.end(), n) == valid.end()) {
      (void)prop::run_study(n, {});  // throws the one-line error listing the names
    }
  }
  KeepFreedMemory();
  prop::StudyOptions o;
  o.threads = a.threads;
  o.quick = a.quick;
  o.commit = a.commit;
  // Every product first, then the files (a failed study writes nothing).
  std::vector<std::pair<std::string, std::string>> files;
  for (const std::string& n : names) {
    std::unique_ptr<Progress> bar;
    if (!a.quiet) {
      o.progress = [&bar, &n](std::string_view, int64_t done, int64_t total) {
        if (!bar) bar = std::make_unique<Progress>("study " + n, total);
        bar->set(done);
      };
    }
    files.emplace_back(n + ".json", prop::dump_study(prop::run_study(n, o)));
    if (bar) bar->finish();
  }
  std::error_code ec;
  std::filesystem::create_directories(a.out, ec);
  if (ec) throw Error("cannot create " + a.out + ": " + ec.message());
  for (const auto& [name, text] : files) {
    write_file_atomically((std::filesystem::path(a.out) / name).string(),
                          std::as_bytes(std::span(text.data(), text.size())));
  }
}

// `initcheck propagate render`: markdown + figures from the data products.
struct RenderArgs {
  std::string data;
  std::string out;
  std::string keep;
};

void RunRender(const RenderArgs& a) {
  initcheck::report::PropagationRenderOptions o;
  o.keep_plot_files = a.keep;
  const auto data = initcheck::report::load_propagation_data(a.data);
  const auto files = initcheck::report::render_propagation(data, o);
  for (const auto& f : files) {
    const std::filesystem::path path = std::filesystem::path(a.out) / f.path;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) throw Error("cannot create " + path.parent_path().string() + ": " + ec.message());
    write_file_atomically(path.string(),
                          std::as_bytes(std::span(f.content.data(), f.content.size())));
  }
}

void Run(const PropagateArgs& a) {
  if (a.weights.empty() || a.activation.empty()) {
    throw Error(std::string(a.weights.empty() ? "--weights" : "--activation") +
                " is required (e.g. initcheck propagate --weights kaiming_normal "
                "--activation relu), or use 'initcheck propagate study' / 'render'");
  }
  if (a.format != "text" && a.format != "json" && a.format != "markdown") {
    throw Error("--format must be text, json or markdown, got '" + a.format + "'");
  }
  KeepFreedMemory();
  prop::PropagationConfig cfg;
  cfg.weights = Scheme::parse(a.weights);
  cfg.activation = prop::Activation::parse(a.activation);
  cfg.depth = a.depth;
  cfg.width = a.width;
  cfg.batch = a.batch;
  cfg.seeds = a.seeds;
  cfg.bias_std = a.bias_std;
  cfg.base_seed = a.seed;
  cfg.threads = a.threads;
  // A progress bar when the run is long enough to want one (about 1e9 weight
  // multiply-adds and up, ~0.1 s).
  const double work = static_cast<double>(a.depth) * a.seeds * static_cast<double>(a.width) *
                      static_cast<double>(a.width) * static_cast<double>(a.batch);
  // The bar is created on the first report of progress, i.e. once the
  // configuration has been validated and the simulation runs.
  std::unique_ptr<Progress> bar;
  if (!a.quiet && work >= 1e9) {
    cfg.progress = [&bar](int64_t done, int64_t total) {
      if (!bar) bar = std::make_unique<Progress>("propagate", total);
      bar->set(done);
    };
  }
  const prop::PropagationReport report = prop::propagate(cfg);
  if (bar) bar->finish();
  std::string text;
  if (a.format == "json") {
    text = prop::format_json(report);
  } else if (a.format == "markdown") {
    text = prop::format_markdown(report);
  } else {
    text = prop::format_text(report);
  }
  WriteOutput(a.out, text);
}

void Setup(CLI::App& app) {
  static PropagateArgs a;
  CLI::App* sub = app.add_subcommand(
      "propagate",
      "Mean-field theory vs simulation of signal propagation at initialization.\n"
      "A deep fully connected network (depth L, every layer n x n, the same weight\n"
      "scheme in every layer, activation phi, optional N(0, bias_std^2) biases) is fed\n"
      "x ~ N(0, I). Forward figure q^l = E[(z^l)^2] (pre-activations), backward figure\n"
      "g^l = E[(dL/dz^l)^2] for dL/dh^L ~ N(0, I). Theory: the mean-field recursions\n"
      "(Poole et al. 2016, Schoenholz et al. 2017). Simulation: --seeds independent\n"
      "networks drawn with initcheck's fills, --batch inputs each, double precision;\n"
      "per layer the mean over networks, its standard error, a 5-95% band over\n"
      "networks, and whether the mean agrees with theory.\n"
      "Activations: linear, relu, leaky_relu(negative_slope=0.01), tanh, sigmoid,\n"
      "selu, gelu (exact erf form), silu, elu(alpha=1), softplus, erf.\n"
      "Examples:\n"
      "  initcheck propagate --weights kaiming_normal --activation relu\n"
      "  initcheck propagate --weights xavier_uniform --activation tanh --depth 20\n"
      "  initcheck propagate --weights lecun_normal --activation selu --format json -o selu.json\n"
      "  initcheck propagate --weights 'normal(std=0.001)' --activation relu --format markdown\n"
      "  initcheck propagate --weights kaiming_normal --activation 'leaky_relu(0.2)' "
      "--width 64 --seeds 64\n"
      "Same arguments give byte-identical output for any --threads.");
  sub->add_option("--weights", a.weights,
                  "weight scheme in PyTorch call syntax, e.g. kaiming_normal, "
                  "'kaiming_uniform(a=sqrt(5))', 'orthogonal(gain=1)' (required)");
  sub->add_option("--activation", a.activation,
                  "activation: linear, relu, leaky_relu(0.2), tanh, sigmoid, selu, gelu, "
                  "silu, elu(alpha=1), softplus, erf (required)");
  sub->add_option("--depth", a.depth, "number of layers L")
      ->default_val(50)
      ->check(CLI::Range(1, 100000));
  sub->add_option("--width", a.width, "units per layer n (input size too)")
      ->default_val(512)
      ->check(CLI::Range(int64_t{1}, int64_t{65536}));
  sub->add_option("--batch", a.batch, "inputs per network")
      ->default_val(256)
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 24));
  sub->add_option("--seeds", a.seeds, "independent networks (seeds --seed .. --seed + K - 1)")
      ->default_val(8)
      ->check(CLI::Range(1, 1000000));
  sub->add_option("--bias-std", a.bias_std, "standard deviation of the biases (0: no bias)")
      ->default_val(0.0)
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--seed", a.seed, "first network's seed (64-bit)")->default_val(0);
  add_threads_option(sub, a.threads);
  sub->add_option("--format", a.format, "text, json or markdown")
      ->default_val("text")
      ->check(CLI::IsMember({"text", "json", "markdown"}));
  sub->add_option("-o,--output", a.out, "write to this file instead of stdout");
  sub->add_flag("-q,--quiet", a.quiet, "no progress bar on stderr");

  static StudyArgs sa;
  CLI::App* study = sub->add_subcommand(
      "study",
      "Run the experiments of reports/variance_propagation.md and write one JSON data\n"
      "product per experiment (DIR/<name>.json, schema initcheck.propagation.<name>/1):\n"
      "grid, symmetry, saturation, relu_dead_zone, phases, training, residual,\n"
      "finite_width, width_checks, jacobian. Fixed seeds; byte-identical for any --threads.\n"
      "Examples:\n"
      "  initcheck propagate study --out reports/data/propagation\n"
      "  initcheck propagate study --out /tmp/d --only training,residual\n"
      "  initcheck propagate study --out /tmp/d --quick        (reduced sizes, seconds)");
  study->add_option("--out", sa.out, "output directory")->required();
  study->add_option("--only", sa.only, "studies to run (comma-separated; default all)")
      ->delimiter(',');
  study->add_flag("--quick", sa.quick, "reduced sizes (smoke tests); same schemas");
  add_threads_option(study, sa.threads);
  study->add_option("--commit", sa.commit, "commit id recorded in every product");
  study->add_flag("-q,--quiet", sa.quiet, "no progress on stderr");
  study->callback([] { RunStudy(sa); });

  static RenderArgs ra;
  CLI::App* render = sub->add_subcommand(
      "render",
      "Write variance_propagation.md and its figures (gnuplot, SVG) from the data\n"
      "products of 'initcheck propagate study'. Reads only DATA/*.json; needs gnuplot.\n"
      "Example:\n"
      "  initcheck propagate render --data reports/data/propagation --out reports");
  render->add_option("--data", ra.data, "directory of the data products")->required();
  render->add_option("--out", ra.out, "output directory (markdown; figures/ below it)")
      ->required();
  render->add_option("--keep-plot-files", ra.keep,
                     "keep the gnuplot scripts and data files in this directory");
  render->callback([] { RunRender(ra); });

  sub->callback([sub] {
    if (!sub->get_subcommands().empty()) return;  // study / render ran
    Run(a);
  });
}

const Registrar registrar(30, Setup);

}  // namespace
}  // namespace initcheck::cli
