// File: verify/cli/check_options.h
//
// The `check` subcommand's options, their validation and its printing, in
// one place for the two programs that check: `initcheck check` (one process,
// check_command.cc) and `initcheck-mpi check` (many, verify/mpi/). Both
// parse the same options into CheckArgs, turn them into a CheckRequest the
// same way (the same one-line errors), and print a CheckRun the same way, so
// their outputs cannot drift apart.
#ifndef INITCHECK_VERIFY_CLI_CHECK_OPTIONS_H_
#define INITCHECK_VERIFY_CLI_CHECK_OPTIONS_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "command.h"
#include "initcheck/scheme.h"
#include "initcheck/verify/check.h"
#include "initcheck/verify/rules.h"

namespace initcheck::cli {

struct CheckArgs {
  std::string file;
  std::string scheme;
  std::string tensor;
  std::vector<std::string> rules;
  std::vector<std::string> rule_files;
  std::string preset;
  std::optional<double> init_range;
  bool strict = false;
  bool print_rules = false;
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

// Adds the `check` subcommand, every option bound to `a`, and returns it;
// the caller sets the callback (and may add options of its own).
CLI::App* add_check_subcommand(CLI::App& app, CheckArgs& a);

// What the arguments ask for, validated and parsed before any data is read:
// options, rules in the order they are tried (--rule, then --rules files,
// then the preset), or one scheme. Throws Error (one line) for bad
// combinations, values, rules, rule files and presets.
struct CheckRequest {
  verify::CheckOptions options;
  std::vector<verify::Rule> rules;
  std::optional<Scheme> scheme;
};
CheckRequest make_check_request(const CheckArgs& a);

// --print-rules: the rules in order (no FILE) or the plan of FILE as a rule
// file, written to stdout or -o.
void print_rules(const CheckArgs& a, const CheckRequest& request);

// The run's report: warnings on stderr, the --format output on stdout or
// atomically to -o. Returns the exit code: 0 every tensor conforms (and,
// under --strict, no issue), 1 otherwise.
int emit_run(const CheckArgs& a, const verify::CheckRun& run);

}  // namespace initcheck::cli

#endif  // INITCHECK_VERIFY_CLI_CHECK_OPTIONS_H_
