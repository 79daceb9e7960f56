// File: initcheck/verify/distribute.h
//
// What a runner that checks one plan in several processes needs besides
// check.h's steps (plan_checks, check_planned, finish_planned), with no
// transport attached: the MPI runner (verify/mpi/) uses it, and so could any
// other.
//
//   assign_by_size()   the plan's checked tensors to N workers, longest
//                      processing time first (Graham 1969);
//   encode_outcomes()  check_planned's outcomes as bytes and back, exact:
//   decode_outcomes()  every double travels as its 64 bits (NaN payloads,
//                      -0, subnormals included), so the process that decides
//                      (Holm over every test of every tensor) and prints sees
//                      the very numbers the worker computed, and the output
//                      is byte-identical to a single-process run;
//   plan_fingerprint() a hash of a plan, to check that every worker planned
//                      the same checkpoint the same way before any data is
//                      read.
//
// Example (what verify/mpi/runner.cc does, transport aside):
//   const CheckPlan plan = plan_checks(*ck, rules, o);       // every worker
//   const auto parts = assign_by_size(plan, workers);
//   std::string bytes = encode_outcomes(check_planned(*ck, plan, parts[me], o));
//   ... send bytes to the deciding worker, which appends decode_outcomes(bytes)
//   CheckRun run = finish_planned(plan, std::move(all), o);  // then format_*
#ifndef INITCHECK_VERIFY_DISTRIBUTE_H_
#define INITCHECK_VERIFY_DISTRIBUTE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "initcheck/verify/check.h"

namespace initcheck::verify {

// The cost of checking a tensor, for assign_by_size: its element count (the
// battery's passes -- conversion, sorts, moments, bins, independence -- are
// linear or n log n in it; reading is linear too).
int64_t check_cost(const TensorAssignment& a);

// The kChecked tensors of `plan` given to `workers` (>= 1) workers by the
// longest-processing-time rule (Graham 1969, "Bounds on multiprocessing
// timing anomalies"): in decreasing cost (ties: file order), each tensor to
// the worker with the least total cost so far (ties: the lowest worker).
// Its makespan is at most 4/3 - 1/(3 workers) times the optimum; a single
// tensor larger than the average share still sets the makespan alone.
// Deterministic: every worker computes the same assignment from the same
// plan. Returns per worker the indices into plan.tensors, in file order
// (empty for workers beyond the number of tensors). Throws Error if
// workers < 1.
std::vector<std::vector<std::size_t>> assign_by_size(const CheckPlan& plan, int workers);

// check_planned's outcomes as bytes: a versioned, byte-order-marked binary
// record of every field of PlannedCheck and TensorCheck (decided fields
// included), doubles as their IEEE-754 bits.
std::string encode_outcomes(const std::vector<PlannedCheck>& outcomes);
// The inverse; throws Error ("result message: ...") for bytes that are not a
// complete record of this version and byte order.
std::vector<PlannedCheck> decode_outcomes(std::string_view bytes);

// A 64-bit FNV-1a hash of everything the plan decided per tensor (name,
// dtype, shape, status, rule, resolved scheme, fans and target: the text of
// format_rules) and of the rule use counts. Equal plans hash equal; workers
// that read different headers (another file under the same name on another
// host) differ with probability ~1 - 2^-64.
uint64_t plan_fingerprint(const CheckPlan& plan);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_DISTRIBUTE_H_
