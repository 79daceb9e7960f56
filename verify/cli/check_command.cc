// `initcheck check`: verify tensors made by any framework (.npy,
// .safetensors) against initialization schemes.
//   exit 0  every checked tensor conforms
//   exit 1  some tensor does not
//   exit 2  usage or input error (one line on stderr, nothing on stdout)
#include <fmt/format.h>

#include <cstdio>
#include <iostream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "command.h"
#include "initcheck/error.h"
#include "initcheck/fill.h"
#include "initcheck/io.h"
#include "initcheck/verify/battery.h"
#include "initcheck/verify/format.h"
#include "initcheck/verify/glob.h"
#include "progress.h"

namespace initcheck::cli {
namespace {

using verify::CheckRun;
using verify::TensorCheck;

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
};

struct Job {
  std::string name;  // "" for .npy
  Scheme scheme;
  size_t entry = 0;  // safetensors entry index
};

void Run(const CheckArgs& a) {
  if (!(a.alpha > 0 && a.alpha < 1)) {
    throw Error("--alpha must be in (0, 1), got " + format_number(a.alpha));
  }
  const std::string kind = tensor_file_kind(a.file);
  ReadLimits limits;
  limits.max_elements = a.max_elements;
  std::vector<std::pair<std::string, Scheme>> rules;
  for (const std::string& r : a.rules) {
    auto [glob, text] = verify::parse_rule(r);
    rules.emplace_back(glob, Scheme::parse(text));
  }
  if (!rules.empty() && (!a.scheme.empty() || !a.tensor.empty())) {
    throw Error("give either SCHEME (with --tensor for a checkpoint) or --rule, not both");
  }
  if (rules.empty() && a.scheme.empty()) {
    throw Error("missing SCHEME; e.g. initcheck check " + a.file +
                " 'kaiming_uniform(a=sqrt(5))', or --rule 'GLOB=SCHEME' for a checkpoint");
  }
  // Parse everything that can be wrong before reading data.
  std::optional<Scheme> scheme;
  if (!a.scheme.empty()) scheme = Scheme::parse(a.scheme);
  (void)a.geo.geometry({1, 1});  // validates --layout, --fans, axes combos

  CheckRun run;
  run.file = a.file;
  run.alpha = a.alpha;
  verify::BatteryOptions opt;
  opt.independence = !a.no_independence;
  const int threads = resolve_threads(a.threads);

  if (kind == "npy") {
    if (!rules.empty() || !a.tensor.empty()) {
      throw Error("a .npy file holds one tensor: give SCHEME only (no --tensor/--rule)");
    }
    const Tensor t = read_npy(a.file, limits);
    if (t.numel() == 0) throw Error(a.file + ": tensor has no elements (shape " +
                                    shape_string(t.shape()) + ")");
    run.checks.push_back(verify::check_tensor(t, *scheme, a.geo.geometry(t.shape()), opt));
  } else {
    SafetensorsReader reader(a.file, limits);
    const auto& entries = reader.header().entries;
    std::vector<Job> jobs;
    std::vector<bool> rule_used(rules.size(), false);
    for (size_t i = 0; i < entries.size(); ++i) {
      const SafetensorsEntry& e = entries[i];
      std::optional<Scheme> s;
      if (!rules.empty()) {
        for (size_t r = 0; r < rules.size(); ++r) {
          if (verify::glob_match(rules[r].first, e.name)) {
            s = rules[r].second;
            rule_used[r] = true;
            break;  // the first matching rule wins
          }
        }
        if (!s) {
          run.skipped.push_back({e.name, "no --rule matches"});
          continue;
        }
      } else if (!a.tensor.empty()) {
        if (e.name != a.tensor) continue;
        s = scheme;
      } else {
        if (entries.size() != 1) {
          throw Error(a.file + " holds " + std::to_string(entries.size()) +
                      " tensors; choose one with --tensor NAME or map names with "
                      "--rule 'GLOB=SCHEME'");
        }
        s = scheme;
      }
      if (!e.dtype) {
        run.skipped.push_back({e.name, "dtype " + e.dtype_name + " is not a float type"});
        continue;
      }
      if (shape_numel(e.shape) == 0) {
        run.skipped.push_back({e.name, "tensor has no elements"});
        continue;
      }
      jobs.push_back({e.name, *s, i});
    }
    if (!a.tensor.empty() && jobs.empty()) {
      bool exists = false;
      for (const auto& e : entries) exists = exists || e.name == a.tensor;
      throw Error(a.file + ": " + (exists ? "tensor '" + a.tensor + "' is not a float tensor"
                                          : "no tensor named '" + a.tensor + "'"));
    }
    for (size_t r = 0; r < rules.size(); ++r) {
      if (!rule_used[r]) {
        std::cerr << "initcheck check: warning: rule '" << a.rules[r]
                  << "' matches no tensor\n";
      }
    }
    // Check tensors in parallel; each check is deterministic, results are
    // kept in file order, so the output never depends on --threads.
    run.checks.resize(jobs.size());
    std::vector<std::string> errors(jobs.size());
    std::mutex mu;
    size_t next = 0, done = 0;
    Progress progress("check " + a.file, static_cast<int64_t>(jobs.size()),
                      !a.quiet && jobs.size() > 1);
    auto worker = [&] {
      for (;;) {
        size_t j;
        {
          std::lock_guard<std::mutex> lock(mu);
          if (next == jobs.size()) return;
          j = next++;
        }
        try {
          const Tensor t = reader.read(entries[jobs[j].entry]);
          TensorCheck c = verify::check_tensor(t, jobs[j].scheme, a.geo.geometry(t.shape()), opt);
          c.tensor = jobs[j].name;
          run.checks[j] = std::move(c);
        } catch (const Error& e) {
          // The readers already name the tensor; the battery does not.
          const std::string what = e.what();
          const std::string name = "tensor '" + jobs[j].name + "'";
          errors[j] = what.find(name) != std::string::npos ? what : name + ": " + what;
        }
        std::lock_guard<std::mutex> lock(mu);
        progress.set(static_cast<int64_t>(++done));
      }
    };
    std::vector<std::thread> pool;
    const int n = std::max(1, std::min<int>(threads, static_cast<int>(jobs.size())));
    for (int i = 1; i < n; ++i) pool.emplace_back(worker);
    worker();
    for (auto& t : pool) t.join();
    progress.finish();
    for (const std::string& e : errors) {
      if (!e.empty()) throw Error(e);
    }
    if (run.checks.empty()) {
      throw Error(a.file + ": no tensor to check (" + std::to_string(run.skipped.size()) +
                  " skipped)");
    }
  }
  verify::decide(run.checks, a.alpha);
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
  sub->add_flag("-q,--quiet", a.quiet, "no progress output");
  sub->callback([] { Run(a); });
}

const Registrar registrar(20, Setup);

}  // namespace
}  // namespace initcheck::cli
