// File: verify/mpi/runner.h
//
// initcheck-mpi's protocol: one `initcheck check` over the ranks of
// MPI_COMM_WORLD, with rank 0 printing exactly what one process prints.
//
//   1. Setup, on every rank: the arguments, the checkpoint's headers (every
//      shard's) and plan_checks -- cheap, and identical on every rank. Each
//      rank tells rank 0 how it went (an error, or the plan's fingerprint,
//      distribute.h); rank 0 stops the job with one error line if any rank
//      failed (its own error first, else the lowest failing rank's, naming
//      that rank and host) or planned differently, otherwise says GO.
//   2. Check: every rank takes its share of the checked tensors
//      (assign_by_size: longest processing time first, computed identically
//      everywhere), reads only those tensors and runs check_planned on them
//      (oneTBB inside, --threads per rank). The outcomes (checks, or the
//      error of a tensor that could not be read) go to rank 0 as exact
//      binary records (encode_outcomes).
//   3. Decide and print, on rank 0: finish_planned over the union -- Holm
//      over every test of every tensor, the first unreadable tensor in file
//      order as the error -- then the report callback prints. Rank 0 sends
//      every rank the exit code, which all ranks return.
// Work that is not a plan over tensors -- one SCHEME for one tensor,
// --print-rules -- runs on rank 0 alone (Job::alone); the other ranks wait.
//
// Faults: a rank that cannot read a file reports it in step 1 or 3 (exit 2,
// one line on rank 0's stderr); a rank that dies or stops answering for
// --mpi-timeout seconds ends the job through MPI_Abort (exit 3; link.h);
// a launcher such as mpirun may end it first with the dead rank's status.
#ifndef INITCHECK_VERIFY_MPI_RUNNER_H_
#define INITCHECK_VERIFY_MPI_RUNNER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "initcheck/checkpoint.h"
#include "initcheck/verify/check.h"
#include "link.h"

namespace initcheck::mpi {

// A failure on purpose, for the fault tests only (initcheck-mpi's hidden
// option --mpi-test-fault KIND@RANK), at the start of rank RANK's share:
//   crash   the process is killed (SIGKILL, as by the OOM killer)
//   freeze  the process stops (SIGSTOP, as a hung node): it answers nothing
//   slow    the share takes 2.5 x --mpi-timeout longer (its main thread keeps
//           answering: the job must not be aborted)
struct Fault {
  enum class Kind { kNone, kCrash, kFreeze, kSlow };
  Kind kind = Kind::kNone;
  int rank = -1;
};
// "crash@1", "freeze@0", "slow@2" or ""; throws Error.
Fault parse_fault(const std::string& text);

// What `setup` makes on every rank.
struct Job {
  // A check of `plan` distributed over the ranks (headers read; the plan
  // passed require_checks).
  std::unique_ptr<Checkpoint> checkpoint;
  std::optional<verify::CheckPlan> plan;
  verify::CheckOptions options;
  // Or work for rank 0 alone, returning the exit code (0 or 1).
  std::function<int()> alone;
};

struct Outcome {
  int exit_code = 0;
  // On rank 0, for exit codes >= 2: the line to print after
  // "initcheck: error: " (or "initcheck: internal error: " for 3).
  std::string error;
};

// Collective: every rank calls it with equivalent arguments. `setup` runs
// on every rank and may throw initcheck::Error; `report` runs on rank 0
// with the decided run, prints it and returns the exit code (0 or 1); it
// may throw Error (an unwritable -o). Returns the exit code every rank
// should end with (the same on every rank).
Outcome run_check(Link& link, const std::function<Job()>& setup,
                  const std::function<int(const verify::CheckRun&)>& report, const Fault& fault);

}  // namespace initcheck::mpi

#endif  // INITCHECK_VERIFY_MPI_RUNNER_H_
