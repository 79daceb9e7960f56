// `initcheck check`: verify tensors made by any framework (.npy,
// .safetensors, .npz, sharded checkpoints) against initialization schemes.
//   exit 0  every checked tensor conforms
//   exit 1  some tensor does not
//   exit 2  usage or input error (one line on stderr, nothing on stdout)
// The options, their validation and the printing are check_options.h's
// (shared with initcheck-mpi); the checking is verify::check_file.
#include <memory>

#include "check_options.h"
#include "command.h"
#include "initcheck/verify/check.h"
#include "progress.h"

namespace initcheck::cli {
namespace {

// Argument parsing and printing only: the checking is verify::check_file.
void Run(const CheckArgs& a) {
  CheckRequest req = make_check_request(a);
  if (a.print_rules) {
    print_rules(a, req);
    return;
  }
  std::unique_ptr<Progress> progress;
  req.options.progress = [&](int64_t done, int64_t total) {
    if (!progress) {
      progress = std::make_unique<Progress>("check " + a.file, total, !a.quiet && total > 1);
    }
    progress->set(done);
  };
  const verify::CheckRun run = req.scheme
                                   ? verify::check_file(a.file, *req.scheme, a.tensor, req.options)
                                   : verify::check_file(a.file, req.rules, req.options);
  if (progress) progress->finish();
  exit_code() = emit_run(a, run);
}

void Setup(CLI::App& app) {
  static CheckArgs a;
  add_check_subcommand(app, a)->callback([] { Run(a); });
}

const Registrar registrar(20, Setup);

}  // namespace
}  // namespace initcheck::cli
