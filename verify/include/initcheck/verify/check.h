// File: initcheck/verify/check.h
//
// The one way to check a file. check_file() opens a checkpoint
// (initcheck::Checkpoint: .npy, .safetensors, a sharded index, .npz), gives
// each tensor its scheme, and checks them.
//
// Two steps, both public so that other runners (the Python bindings, an MPI
// runner) can split the work:
//   1. plan_checks(): from the headers alone, every tensor is assigned by
//      the first rule (rules.h) that matches it -- a scheme with its
//      resolved geometry and target, or skipped, unmatched, ambiguous (with
//      its candidates resolved), or uncheckable (the rule cannot apply: a
//      fan-based scheme on a rank-1 tensor without fans, an integer tensor
//      under a random scheme, a fans_from tensor that does not exist, ...).
//      Problems are data, per tensor, collected before any data is read;
//      they never abort the plan.
//   2. check_assignment() reads one tensor (memory-mapped where the format
//      allows) and runs the battery (battery.h), or the exact comparison for
//      integer/bool tensors and segments; decide() (battery.h) then applies
//      Holm over every test of every tensor.
// check_file() does both, tensors in parallel (oneTBB) under a memory budget
// (at most the largest tensor's elements in flight, so peak memory is about
// that of checking the largest tensor alone), results in file order.
//
// Strict mode (CheckOptions::strict, `initcheck check --strict`): a tensor
// no rule matches, a user rule that matches no tensor, an ambiguous tensor or
// an uncheckable one fails the run (CheckRun::pass()), listed by
// strict_issues(). Without it they are listed and the verdict is that of the
// checked tensors.
//
// In memory: check_view() and check_tensors() are check_file's two entry
// points over tensors in the caller's memory (a NumPy array, a torch
// module's parameters, through the Python bindings): a MemoryCheckpoint
// (checkpoint.h) whose entries point into the caller's buffers (zero copy),
// then exactly what check_file does with a file -- the same planning,
// battery, Holm decision, messages and output formats.
//
// Determinism: the result (and every output format of it except timings)
// is the same for any thread count and memory budget.
//
// Example:
//   using namespace initcheck;
//   std::vector<verify::Rule> rules = verify::preset_rules("pytorch");
//   verify::CheckOptions o;
//   o.strict = true;
//   verify::CheckRun run = verify::check_file("model.safetensors", rules, o);
//   std::cout << verify::format_text(run);   // format.h
#ifndef INITCHECK_VERIFY_CHECK_H_
#define INITCHECK_VERIFY_CHECK_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "initcheck/checkpoint.h"
#include "initcheck/geometry.h"
#include "initcheck/io.h"
#include "initcheck/scheme.h"
#include "initcheck/verify/battery.h"
#include "initcheck/verify/multiple_testing.h"
#include "initcheck/verify/rules.h"

namespace initcheck::verify {

struct CheckOptions {
  double alpha = kDefaultFamilyAlpha;
  BatteryOptions battery;
  // Layout, fan convention, groups, transposition, axes and explicit fans
  // for every tensor (the shape is the tensor's); a rule's fields override.
  Geometry geometry;
  ReadLimits limits;
  int threads = 0;  // 0: all cores; never changes the result
  bool strict = false;
  // Elements of the tensors being checked at once, at most (a tensor larger
  // than the budget runs alone; tensors of at least 2^18 values always run
  // one at a time, each on all threads). 0: the largest tensor's element
  // count.
  int64_t memory_budget_elements = 0;
  // Called after each tensor is checked (serialized; from any thread).
  std::function<void(int64_t done, int64_t total)> progress;
};

enum class TensorStatus { kChecked, kSkipped, kUnmatched, kAmbiguous, kUncheckable };
// "checked", "skipped", "unmatched", "ambiguous", "uncheckable".
std::string_view status_name(TensorStatus s);

// One rule (or candidate) resolved for one tensor.
struct ResolvedRule {
  std::string module;  // the rule's module label ("Linear", ...)
  std::string origin;  // the rule's origin ("--rule 2", "rules.toml:12", ...)
  std::string note;
  std::optional<Scheme> scheme;
  // Segments: (length, exact scheme), lengths evaluated.
  std::vector<std::pair<int64_t, Scheme>> segments;
  Geometry geometry;       // shape, layout and, when resolved, explicit fans
  std::string fans_from;   // the tensor the fans came from, if any
  bool padding = false;    // a padding row is checked (index: nullopt = auto)
  std::optional<int64_t> padding_index;
  std::string target;      // the oracle's target in words
  std::string problem;     // why it cannot be checked; "" if it can
  // A rule file's [[rule]] for exactly this tensor (what --print-rules shows).
  std::string rule_toml;
};

struct TensorAssignment {
  std::string tensor;      // "" for a .npy file's array
  std::string dtype_name;  // as stored
  Shape shape;
  std::string file;        // the file holding it (a shard, the archive)
  std::size_t entry = 0;   // index into Checkpoint::entries()
  TensorStatus status = TensorStatus::kUnmatched;
  ResolvedRule resolution;   // the matching rule's (empty when unmatched)
  std::vector<ResolvedRule> candidates;  // kAmbiguous
  std::string reason;      // one line: why skipped/unmatched/ambiguous/uncheckable
  std::optional<std::size_t> check;    // index into CheckRun::checks
  double seconds = 0;      // reading + checking (check_file fills it)
};

struct RuleUse {
  std::string origin;
  std::string globs;
  bool from_user = true;
  int64_t tensors = 0;  // tensors this rule decided (or chose for)
};

struct CheckPlan {
  std::string file;
  std::string kind;  // Checkpoint::kind()
  std::vector<TensorAssignment> tensors;  // every entry, in file order
  std::vector<RuleUse> rules;             // every rule, in order
};

// Step 1 (headers only). Throws Error only for invalid rules or options.
CheckPlan plan_checks(const Checkpoint& ck, const std::vector<Rule>& rules,
                      const CheckOptions& options);
// Step 2 for one kChecked tensor (no decision). Throws Error if the data
// cannot be read.
TensorCheck check_assignment(const Checkpoint& ck, const TensorAssignment& a,
                             const BatteryOptions& options = {});

struct Skipped {
  std::string tensor;
  std::string reason;
  TensorStatus status = TensorStatus::kSkipped;
};

// Everything one check of a file found, decided.
struct CheckRun {
  std::string file;
  std::string kind;
  double alpha = kDefaultFamilyAlpha;
  bool strict = false;
  std::vector<TensorCheck> checks;    // the checked tensors, in file order
  std::vector<Skipped> skipped;       // the others, in file order
  std::vector<std::string> warnings;  // e.g. a user rule that matches no tensor
  std::vector<TensorAssignment> tensors;  // every tensor, in file order
  std::vector<RuleUse> rules;
  double seconds = 0;  // wall time of the whole check

  // What --strict fails on, one line each: unmatched, ambiguous and
  // uncheckable tensors, user rules that match no tensor.
  std::vector<std::string> strict_issues() const;
  // Every checked tensor conforms (and, in strict mode, no strict issue).
  bool pass() const;
};

// Step 3, for runners that check the tensors elsewhere (an MPI runner, the
// Python bindings): the CheckRun of a plan and the checks of its kChecked
// tensors (index into plan.tensors, any order), decided with Holm over all
// of them -- what check_file does after running them. `seconds` per tensor
// may be set in the plan. Throws Error if a kChecked tensor has no check or
// an index is not a kChecked tensor.
CheckRun finish_run(CheckPlan plan, std::vector<std::pair<std::size_t, TensorCheck>> checks,
                    const CheckOptions& options);

// ---- Runners that split the work (an MPI runner: verify/mpi/) --------------
// check_file(path, rules) is exactly
//   plan = plan_checks(ck, rules, o);  require_checks(plan, o);
//   finish_planned(plan, check_planned(ck, plan, planned_checks(plan), o), o)
// and a runner that checks the tensors in several places calls
// check_planned on each part and finish_planned on the union: the same
// CheckRun, the same messages.

// Throws the error check_file gives before reading anything when the plan
// checks no tensor and nothing fails ("model.safetensors: no tensor to check
// (3 skipped, 1 ambiguous); first: ..."). Returns when there is something to
// check or a strict-mode failure to report.
void require_checks(const CheckPlan& plan, const CheckOptions& options);

// The indices of plan.tensors that are kChecked, in file order.
std::vector<std::size_t> planned_checks(const CheckPlan& plan);

// One tensor checked by check_planned: its check, or why it could not be
// read.
struct PlannedCheck {
  std::size_t index = 0;  // into CheckPlan::tensors
  TensorCheck check;      // no decision yet (finish_* decides)
  std::string error;      // "" or one line naming the file and the tensor
  double seconds = 0;     // reading + checking
};

// Step 2 for the tensors plan.tensors[i], i in `indices` (each kChecked; any
// subset), in parallel (oneTBB, options.threads): tensors of at least 2^18
// values one at a time, each on all threads, then the smaller ones
// concurrently under the memory budget (options.memory_budget_elements; 0:
// the largest of these tensors); outcomes in the order of `indices`. A tensor that cannot be read is an
// outcome with an error, never an exception (which tensor failed "first" is
// decided by finish_planned, in file order). options.progress is called
// after each tensor. Throws Error only for an index that is not a kChecked
// tensor of the plan.
std::vector<PlannedCheck> check_planned(const Checkpoint& ck, const CheckPlan& plan,
                                        const std::vector<std::size_t>& indices,
                                        const CheckOptions& options);

// Step 3 over check_planned's outcomes for every kChecked tensor (from one
// call or many, in any order): throws the error of the first tensor in file
// order that could not be read (the message check_file gives); otherwise
// sets each tensor's seconds and returns finish_run's CheckRun.
CheckRun finish_planned(CheckPlan plan, std::vector<PlannedCheck> outcomes,
                        const CheckOptions& options);

// One scheme for the file's only tensor, or, when `tensor` is not empty, for
// the tensor of that name. Throws Error (a one-line message naming the file
// and the tensor) for unreadable files, a missing tensor, a multi-tensor
// file without `tensor`, or a scheme that cannot apply.
CheckRun check_file(const std::string& path, const Scheme& scheme,
                    const std::string& tensor, const CheckOptions& options);

// Ordered rules over every tensor of the file: plan, check, decide. Throws
// Error for invalid rules, an unreadable file, or when nothing is checked
// and nothing fails (every tensor skipped).
CheckRun check_file(const std::string& path, const std::vector<Rule>& rules,
                    const CheckOptions& options);

// ---- Tensors in the caller's memory ------------------------------------------

// A named tensor in the caller's memory (check_tensors). The elements must
// stay valid and unchanged during the call.
struct NamedView {
  std::string name;
  TensorView view;
};

// check_file(path, scheme, "", options) for one tensor in memory: `label`
// stands for the path in CheckRun::file and in messages (CheckRun::kind is
// "memory"). Throws Error as check_file does (a scheme that cannot apply,
// an empty tensor, ...).
CheckRun check_view(const TensorView& tensor, const Scheme& scheme,
                    const CheckOptions& options, const std::string& label = "<array>");

// check_file(path, rules, options) over named tensors in memory, in the
// given order (names unique and not empty; `label` stands for the path).
CheckRun check_tensors(const std::vector<NamedView>& tensors, const std::vector<Rule>& rules,
                       const CheckOptions& options, const std::string& label = "<memory>");

// The same over any checkpoint already open (a file's, a MemoryCheckpoint
// with integer or bool entries): check_file is Checkpoint::open, then these.
CheckRun check_checkpoint(const Checkpoint& ck, const Scheme& scheme, const std::string& tensor,
                          const CheckOptions& options);
CheckRun check_checkpoint(const Checkpoint& ck, const std::vector<Rule>& rules,
                          const CheckOptions& options);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_CHECK_H_
