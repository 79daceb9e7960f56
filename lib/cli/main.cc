// initcheck: the command-line tool. Subcommands register themselves (see
// command.h); this file only parses, dispatches and maps errors to exit codes:
//   0 success, 1 a checked tensor does not conform (check), 2 usage or input
//   error (one line on stderr, nothing on stdout, no output file).
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <new>

#include "command.h"
#include "initcheck/error.h"

#ifndef INITCHECK_VERSION
#define INITCHECK_VERSION "0.1.0"
#endif

int main(int argc, char** argv) {
  // A fixed mmap threshold of 1 MiB (glibc). By default glibc raises the
  // threshold to the size of each large block freed (up to 32 MiB), after
  // which tensors and the battery's work arrays come from the heap, which
  // fragments and does not shrink: checking a checkpoint's tensors one after
  // the other then grows the peak RSS with the number of tensors (12 tensors
  // of 8 MiB: 200 MiB against 113 MiB for one; cli.resources tests).
  // With a fixed threshold each tensor's memory is returned when it is freed.
  (void)mallopt(M_MMAP_THRESHOLD, 1 << 20);
  using initcheck::cli::commands;
  CLI::App app(
      "initcheck: know, not hope, that neural-network weights are initialized "
      "correctly.\n"
      "Examples:\n"
      "  initcheck fill 'kaiming_uniform(a=sqrt(5))' --shape 64,32,3,3 -o w.npy\n"
      "  initcheck check w.npy 'kaiming_uniform(a=sqrt(5))'\n"
      "  initcheck check model.safetensors --rule '*.weight=xavier_uniform'\n"
      "  initcheck propagate --weights kaiming_normal --activation relu\n"
      "  initcheck report --data reports/data --out reports/",
      "initcheck");
  app.require_subcommand(1);
  app.set_version_flag("--version", INITCHECK_VERSION);
  auto& list = commands();
  std::sort(list.begin(), list.end(),
            [](const auto& a, const auto& b) { return a.order < b.order; });
  for (const auto& c : list) c.setup(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    std::string where = "initcheck";
    for (const CLI::App* sub : app.get_subcommands()) where += " " + sub->get_name();
    std::cerr << where << ": error: " << e.what() << " (see " << where
              << " --help)\n";
    return 2;
  } catch (const initcheck::Error& e) {
    std::cerr << "initcheck: error: " << e.what() << "\n";
    return 2;
  } catch (const std::bad_alloc&) {
    std::cerr << "initcheck: error: out of memory\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "initcheck: internal error: " << e.what() << "\n";
    return 3;
  }
  return initcheck::cli::exit_code();
}
