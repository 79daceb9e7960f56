// initcheck-mpi: `initcheck check` over MPI ranks.
//   mpirun -q -np 64 initcheck-mpi check model.safetensors.index.json --preset hf --strict
//   srun -n 64 initcheck-mpi check ...
// The same options as `initcheck check` (check_options.h: one option setup,
// one printing path) plus --mpi-timeout; rank 0 prints exactly what
// `initcheck check` prints (JSON byte-identical for any number of ranks;
// JUnit's time attributes are measured, so they differ). Exit codes as the
// CLI's -- 0 conform, 1 not, 2 usage or input error (one line on rank 0's
// stderr, nothing on stdout) -- and 3 when a rank stopped answering
// (runner.h, link.h). This file parses and prints; the protocol is
// runner.cc's.
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "check_options.h"
#include "initcheck/error.h"
#include "initcheck/verify/check.h"
#include "link.h"
#include "runner.h"

int main(int argc, char** argv) {
  // As the initcheck tool (lib/cli/main.cc): each tensor's memory is
  // returned to the system when freed.
  (void)mallopt(M_MMAP_THRESHOLD, 1 << 20);
  namespace cli = initcheck::cli;
  namespace mpi = initcheck::mpi;
  mpi::Session session(&argc, &argv);
  const bool root = session.rank() == 0;

  CLI::App app(
      "initcheck-mpi: `initcheck check` over the ranks of an MPI job. Tensors go to ranks "
      "by size (longest first); each rank reads only its tensors; rank 0 applies Holm over "
      "every test of every tensor and prints what `initcheck check` prints.\n"
      "Examples:\n"
      "  mpirun -q -np 4 initcheck-mpi check model.safetensors.index.json --preset hf --strict\n"
      "  srun -n 64 initcheck-mpi check model.safetensors.index.json --preset hf "
      "--format json -o initcheck.json",
      "initcheck-mpi");
  app.require_subcommand(1);
  cli::CheckArgs a;
  double timeout = 300;
  std::string fault_text;
  CLI::App* sub = cli::add_check_subcommand(app, a);
  sub->add_option("--mpi-timeout", timeout,
                  "seconds a rank may stay silent (crashed, frozen, lost node) before the "
                  "job is aborted (exit 3); ranks busy checking keep answering, so this "
                  "does not depend on the checkpoint's size")
      ->default_val(300)
      ->check(CLI::PositiveNumber);
  // Hidden (no group): makes a rank fail on purpose, for the fault tests.
  sub->add_option("--mpi-test-fault", fault_text, "")->group("");
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return root ? app.exit(e) : 0;  // --help
  } catch (const CLI::ParseError& e) {
    if (root) {
      std::string where = "initcheck-mpi";
      for (const CLI::App* s : app.get_subcommands()) where += " " + s->get_name();
      std::cerr << where << ": error: " << e.what() << " (see " << where << " --help)\n";
    }
    return 2;
  }

  mpi::Fault fault;
  try {
    fault = mpi::parse_fault(fault_text);
  } catch (const initcheck::Error& e) {
    if (root) std::cerr << "initcheck: error: " << e.what() << "\n";
    return 2;
  }
  mpi::Link link(MPI_COMM_WORLD, timeout);
  // Every rank: the request, and for rules the checkpoint's headers and plan.
  const auto setup = [&]() -> mpi::Job {
    mpi::Job job;
    const cli::CheckRequest req = cli::make_check_request(a);
    if (a.print_rules) {
      job.alone = [&a, req] {
        cli::print_rules(a, req);
        return 0;
      };
    } else if (req.scheme) {
      job.alone = [&a, req] {
        return cli::emit_run(a, initcheck::verify::check_file(a.file, *req.scheme, a.tensor,
                                                              req.options));
      };
    } else {
      // check_file(path, rules)'s first steps (check.h).
      job.options = req.options;
      job.checkpoint = initcheck::Checkpoint::open(a.file, req.options.limits);
      job.plan = initcheck::verify::plan_checks(*job.checkpoint, req.rules, req.options);
      initcheck::verify::require_checks(*job.plan, req.options);
    }
    return job;
  };
  const auto report = [&](const initcheck::verify::CheckRun& run) {
    return cli::emit_run(a, run);
  };
  const mpi::Outcome out = mpi::run_check(link, setup, report, fault);
  if (root && !out.error.empty()) {
    std::cerr << (out.exit_code == 2 ? "initcheck: error: " : "initcheck: internal error: ")
              << out.error << "\n";
  }
  return out.exit_code;
}
