// The `check` subcommand's options, validation and printing (see
// check_options.h), shared by `initcheck check` and `initcheck-mpi check`.
#include "check_options.h"

#include <cstdio>
#include <iostream>
#include <memory>
#include <span>

#include "initcheck/checkpoint.h"
#include "initcheck/error.h"
#include "initcheck/io.h"
#include "initcheck/verify/format.h"
#include "initcheck/verify/presets.h"

namespace initcheck::cli {
namespace {

void Emit(const CheckArgs& a, const std::string& text) {
  if (a.out.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
  } else {
    write_file_atomically(a.out, std::as_bytes(std::span(text.data(), text.size())));
  }
}

}  // namespace

CLI::App* add_check_subcommand(CLI::App& app, CheckArgs& a) {
  CLI::App* sub = app.add_subcommand(
      "check",
      "Check that tensors follow an initialization scheme (exit 0: conform, 1: do not, "
      "2: usage or input error).\n"
      "Examples:\n"
      "  initcheck check w.npy 'kaiming_uniform(a=sqrt(5))'\n"
      "  initcheck check w.npy he_normal --layout keras --format json\n"
      "  initcheck check model.safetensors xavier_uniform --tensor encoder.weight\n"
      "  initcheck check model.safetensors --preset pytorch --strict --format junit -o report.xml\n"
      "  initcheck check model.safetensors.index.json --preset hf --init-range 0.02 --strict\n"
      "  initcheck check model.npz --rules initcheck.toml --rule 'emb.weight=@Embedding'\n"
      "  initcheck check model.safetensors --preset pytorch --print-rules > initcheck.toml\n"
      "Every applicable test runs (KS, Anderson-Darling, chi-square, mean, variance, "
      "support, independence; exact structure for eye/dirac/constant; orthogonality and "
      "Haar tests for orthogonal); Holm's method keeps the family-wise false-alarm rate "
      "over all tests of all tensors at --alpha.");
  sub->add_option("file", a.file,
                  ".npy, .safetensors, .npz or a sharded *.safetensors.index.json");
  sub->add_option("scheme", a.scheme,
                  "the scheme the tensor should follow, e.g. 'trunc_normal(std=0.02)'");
  sub->add_option("--tensor", a.tensor, "the tensor to check in a .safetensors file");
  sub->add_option("--rule", a.rules,
                  "GLOB=SCHEME: check the tensors whose names match GLOB (fnmatch: * ? "
                  "[...]); the first matching rule wins; unmatched tensors are listed "
                  "as skipped; SCHEME may be @Module (choose a preset's candidate) or skip "
                  "(repeatable; tried before --rules and --preset)");
  sub->add_option("--rules", a.rule_files,
                  "a TOML rule file ([[rule]] tables: glob, when, scheme, layout, fans_from, "
                  "fan_in, fan_out, padding_idx, segments, skip, reason, candidate, choose; "
                  "see README); repeatable, tried in order before --preset");
  sub->add_option("--preset", a.preset,
                  "framework defaults as rules, tried after yours: pytorch, hf, keras, flax");
  sub->add_option("--init-range", a.init_range,
                  "--preset hf: config.initializer_range (default 0.02)");
  sub->add_flag("--strict", a.strict,
                "CI mode: a tensor no rule matches, a rule (yours) that matches no tensor, an "
                "ambiguous tensor or one that cannot be checked fails the run (exit 1)");
  sub->add_flag("--print-rules", a.print_rules,
                "print the rules resolved for each tensor of FILE as a rule file (without "
                "FILE: the rules in order) and exit");
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
  return sub;
}

CheckRequest make_check_request(const CheckArgs& a) {
  const bool any_rules = !a.rules.empty() || !a.rule_files.empty() || !a.preset.empty();
  if (any_rules && (!a.scheme.empty() || !a.tensor.empty())) {
    throw Error(
        "give either SCHEME (with --tensor for a checkpoint) or rules (--rule, --rules, "
        "--preset), not both");
  }
  if (a.init_range && a.preset != "hf") {
    throw Error("--init-range goes with --preset hf (Hugging Face's initializer_range)");
  }
  if (a.file.empty() && !(a.print_rules && any_rules)) {
    throw Error("missing FILE; e.g. initcheck check model.safetensors --preset pytorch");
  }
  if (a.print_rules && !any_rules) {
    throw Error("--print-rules shows rules: give --preset, --rules or --rule");
  }
  if (!any_rules && a.scheme.empty()) {
    throw Error("missing SCHEME; e.g. initcheck check " + a.file +
                " 'kaiming_uniform(a=sqrt(5))', or --rule 'GLOB=SCHEME' / --preset pytorch "
                "for a checkpoint");
  }
  if (!(a.alpha > 0 && a.alpha < 1)) {
    throw Error("--alpha must be in (0, 1), got " + format_number(a.alpha));
  }
  if ((any_rules || !a.tensor.empty()) && !a.file.empty() && checkpoint_kind(a.file) == "npy") {
    throw Error("a .npy file holds one tensor: give SCHEME only (no --tensor/--rule)");
  }
  CheckRequest req;
  verify::CheckOptions& o = req.options;
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
  o.strict = a.strict;
  // Parse everything that can be wrong before reading data. Order: --rule,
  // then --rules files, then the preset (first match wins).
  for (std::size_t i = 0; i < a.rules.size(); ++i) {
    req.rules.push_back(verify::parse_rule_arg(a.rules[i], "--rule " + std::to_string(i + 1)));
  }
  for (const std::string& f : a.rule_files) {
    for (verify::Rule& r : verify::load_rules_file(f)) req.rules.push_back(std::move(r));
  }
  if (!a.preset.empty()) {
    verify::PresetOptions po;
    po.init_range = a.init_range;
    for (verify::Rule& r : verify::preset_rules(a.preset, po)) req.rules.push_back(std::move(r));
  }
  if (!a.scheme.empty()) req.scheme = Scheme::parse(a.scheme);
  return req;
}

void print_rules(const CheckArgs& a, const CheckRequest& req) {
  if (a.file.empty()) {
    // The rules themselves, in the order they are tried.
    std::string text = "# initcheck --print-rules: the rules in the order they are tried\n";
    text += "# (first match wins). Copy and edit into a rule file (--rules FILE).\n\n";
    text += verify::rules_to_toml(req.rules);
    Emit(a, text);
    return;
  }
  const std::unique_ptr<Checkpoint> ck = Checkpoint::open(a.file, req.options.limits);
  Emit(a, verify::format_rules(verify::plan_checks(*ck, req.rules, req.options)));
}

int emit_run(const CheckArgs& a, const verify::CheckRun& run) {
  for (const std::string& w : run.warnings) {
    std::cerr << "initcheck check: warning: " << w << "\n";
  }
  Emit(a, verify::format_run(run, a.format));
  return run.pass() ? 0 : 1;
}

}  // namespace initcheck::cli
