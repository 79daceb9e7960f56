// `initcheck check`: verify tensors made by any framework (.npy,
// .safetensors) against initialization schemes.
//   exit 0  every checked tensor conforms
//   exit 1  some tensor does not
//   exit 2  usage or input error (one line on stderr, nothing on stdout)
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "command.h"
#include "initcheck/error.h"
#include "initcheck/io.h"
#include "initcheck/verify/check.h"
#include "initcheck/verify/format.h"
#include "progress.h"

namespace initcheck::cli {
namespace {

struct CheckArgs {
  std::string file;
  std::string scheme;
  std::string tensor;
  std::vector<std::string> rules;
  GeometryOptions geo;
  double alpha = verify::kDefaultFamilyAlpha;
  std::string format = "text";
  std::string out;
  int64_t max_elements = int64_t{1} << 32;
  int threads = 0;
  bool no_independence = false;
  bool quiet = false;
  std::string source_dtype = "auto";
};

// Argument parsing and printing only: the checking is verify::check_file.
void Run(const CheckArgs& a) {
  if (!a.rules.empty() && (!a.scheme.empty() || !a.tensor.empty())) {
    throw Error("give either SCHEME (with --tensor for a checkpoint) or --rule, not both");
  }
  if (a.rules.empty() && a.scheme.empty()) {
    throw Error("missing SCHEME; e.g. initcheck check " + a.file +
                " 'kaiming_uniform(a=sqrt(5))', or --rule 'GLOB=SCHEME' for a checkpoint");
  }
  if (!(a.alpha > 0 && a.alpha < 1)) {
    throw Error("--alpha must be in (0, 1), got " + format_number(a.alpha));
  }
  if ((!a.rules.empty() || !a.tensor.empty()) && tensor_file_kind(a.file) == "npy") {
    throw Error("a .npy file holds one tensor: give SCHEME only (no --tensor/--rule)");
  }
  verify::CheckOptions o;
  o.alpha = a.alpha;
  o.battery.independence = !a.no_independence;
  if (a.source_dtype != "auto") {
    try {
      o.battery.source_dtype = parse_dtype(a.source_dtype);
    } catch (const Error&) {
      throw Error("unknown --source-dtype '" + a.source_dtype +
                  "'; valid: auto, f32, f64, f16, bf16");
    }
  }
  o.geometry = a.geo.geometry({1, 1});  // validates --layout, --fans, axes combos
  o.limits.max_elements = a.max_elements;
  o.threads = a.threads;
  // Parse everything that can be wrong before reading data.
  std::vector<verify::Rule> rules;
  for (std::size_t i = 0; i < a.rules.size(); ++i) {
    rules.push_back(verify::parse_rule_arg(a.rules[i], "--rule " + std::to_string(i + 1)));
  }
  std::optional<Scheme> scheme;
  if (!a.scheme.empty()) scheme = Scheme::parse(a.scheme);

  std::unique_ptr<Progress> progress;
  o.progress = [&](int64_t done, int64_t total) {
    if (!progress) progress = std::make_unique<Progress>("check " + a.file, total, !a.quiet && total > 1);
    progress->set(done);
  };
  verify::CheckRun run = scheme ? verify::check_file(a.file, *scheme, a.tensor, o)
                                : verify::check_file(a.file, rules, o);
  if (progress) progress->finish();
  for (const std::string& w : run.warnings) {
    std::cerr << "initcheck check: warning: " << w << "\n";
  }
  const std::string text = verify::format_run(run, a.format);
  if (a.out.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    write_file_atomically(a.out, std::as_bytes(std::span(text.data(), text.size())));
  }
  exit_code() = run.pass() ? 0 : 1;
}

void Setup(CLI::App& app) {
  static CheckArgs a;
  CLI::App* sub = app.add_subcommand(
      "check",
      "Check that tensors follow an initialization scheme (exit 0: conform, 1: do not, "
      "2: usage or input error).\n"
      "Examples:\n"
      "  initcheck check w.npy 'kaiming_uniform(a=sqrt(5))'\n"
      "  initcheck check w.npy he_normal --layout keras --format json\n"
      "  initcheck check model.safetensors xavier_uniform --tensor encoder.weight\n"
      "  initcheck check model.safetensors --rule '*.bias=zeros' \\\n"
      "      --rule '*.weight=kaiming_uniform(a=sqrt(5))' --format junit -o report.xml\n"
      "Every applicable test runs (KS, Anderson-Darling, chi-square, mean, variance, "
      "support, independence; exact structure for eye/dirac/constant; orthogonality and "
      "Haar tests for orthogonal); Holm's method keeps the family-wise false-alarm rate "
      "over all tests of all tensors at --alpha.");
  sub->add_option("file", a.file, ".npy or .safetensors file")->required();
  sub->add_option("scheme", a.scheme,
                  "the scheme the tensor should follow, e.g. 'trunc_normal(std=0.02)'");
  sub->add_option("--tensor", a.tensor, "the tensor to check in a .safetensors file");
  sub->add_option("--rule", a.rules,
                  "GLOB=SCHEME: check the tensors whose names match GLOB (fnmatch: * ? "
                  "[...]); the first matching rule wins; unmatched tensors are listed "
                  "as skipped (repeatable)");
  add_geometry_options(sub, a.geo, /*with_shape=*/false);
  sub->add_option("--alpha", a.alpha,
                  "family-wise false-alarm rate over all tests of all tensors")
      ->default_val(verify::kDefaultFamilyAlpha);
  sub->add_option("--format", a.format, "text, json, junit or markdown")->default_val("text");
  sub->add_option("-o,--output", a.out, "write the report here instead of stdout");
  sub->add_option("--max-elements", a.max_elements,
                  "refuse tensors with more elements than this (before reading them)")
      ->default_val(int64_t{1} << 32);
  add_threads_option(sub, a.threads);
  sub->add_flag("--no-independence", a.no_independence,
                "skip the independence tests (serial/row correlation, duplicates, runs)");
  sub->add_option("--source-dtype", a.source_dtype,
                  "the format the values were made in, when stored wider (a float32 "
                  "tensor saved as float64): test against the law rounded to its grid. "
                  "auto (default): the coarsest of bf16, f16, f32 narrower than the "
                  "storage that holds every value (>= 8 distinct values); the storage "
                  "dtype or wider: no narrowing")
      ->default_val("auto");
  sub->add_flag("-q,--quiet", a.quiet, "no progress output");
  sub->callback([] { Run(a); });
}

const Registrar registrar(20, Setup);

}  // namespace
}  // namespace initcheck::cli
