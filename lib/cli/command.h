// File: lib/cli/command.h
//
// The initcheck tool is one binary with subcommands (fill, check, propagate,
// report); each part of the project contributes its subcommand by defining a
// static Registrar in its own source file. This header also holds the options
// the subcommands share.
#ifndef INITCHECK_CLI_COMMAND_H_
#define INITCHECK_CLI_COMMAND_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "initcheck/geometry.h"

namespace initcheck::cli {

using SetupFn = void (*)(CLI::App& app);

// Registers a subcommand; `order` sorts them in --help.
struct Registrar {
  Registrar(int order, SetupFn setup);
};

struct CommandInfo {
  int order;
  SetupFn setup;
};
std::vector<CommandInfo>& commands();

// The process exit code a subcommand's callback sets (0 by default).
int& exit_code();

// --threads N (default 0 = all cores).
void add_threads_option(CLI::App* sub, int& threads);

// Options that describe how to read a weight's shape.
struct GeometryOptions {
  std::string shape;  // "64,32,3,3" (fill only; check reads it from the file)
  std::string layout = "torch";
  int64_t groups = 1;
  bool transposed = false;
  std::string fans = "framework";
  std::optional<int64_t> fan_in, fan_out;
  std::optional<int> in_axis, out_axis;

  // A Geometry for `shape` (validated). Throws Error.
  Geometry geometry(const Shape& shape) const;
};

// --layout, --groups, --transposed, --fans, --fan-in, --fan-out, --in-axis,
// --out-axis; and --shape when `with_shape`.
void add_geometry_options(CLI::App* sub, GeometryOptions& g, bool with_shape);

}  // namespace initcheck::cli

#endif  // INITCHECK_CLI_COMMAND_H_
