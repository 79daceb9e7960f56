// File: initcheck/verify/check.h
//
// The one way to check a file. check_file() opens a .npy or .safetensors
// file as an initcheck::Checkpoint, gives each tensor its scheme (one scheme
// for a single tensor, or ordered rules for a checkpoint: the first rule whose
// glob matches the tensor's name wins), plans every check from the headers
// alone -- so a rule that cannot apply to a tensor (rank too low for a
// fan-based scheme, say) is an error before any data is read -- then runs
// the battery on the tensors in parallel (oneTBB) and decides with Holm over
// every test of every tensor (battery.h).
//
// The CLI (`initcheck check`), the reports and the Python bindings call it;
// the GoogleTest matcher checks in-memory values with check_one (battery.h).
// check_view() and check_tensors() are the same two entry points over
// tensors in the caller's memory (a NumPy array, a torch module's
// parameters): the same planning, battery, Holm decision, messages and
// output formats, reading the caller's elements in place (no copy, no file).
//
// Determinism: the result (and every output format of it) is the same for
// any thread count: each tensor's battery is deterministic and the results
// are kept in file order.
//
// Example:
//   using namespace initcheck;
//   std::vector<verify::Rule> rules = {
//       verify::parse_rule_arg("*.bias=zeros", "--rule 1"),
//       verify::parse_rule_arg("*.weight=kaiming_uniform(a=sqrt(5))", "--rule 2")};
//   verify::CheckRun run = verify::check_file("model.safetensors", rules, {});
//   std::cout << verify::format_text(run);   // format.h
#ifndef INITCHECK_VERIFY_CHECK_H_
#define INITCHECK_VERIFY_CHECK_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "initcheck/geometry.h"
#include "initcheck/io.h"
#include "initcheck/scheme.h"
#include "initcheck/verify/battery.h"
#include "initcheck/verify/multiple_testing.h"

namespace initcheck::verify {

// Tensors whose names match `glob` (glob.h) follow `scheme`.
struct Rule {
  std::string glob = "*";
  std::optional<Scheme> scheme;  // unset only with skip
  // How to read the matched tensors' shapes; CheckOptions::geometry where
  // unset.
  std::optional<Layout> layout;
  std::optional<int64_t> fan_in, fan_out;  // both or neither
  bool skip = false;    // list the matched tensors as skipped, with `reason`
  std::string reason;
  std::string origin;   // where the rule came from, for messages: "--rule 2"
};

// A --rule 'GLOB=SCHEME' (glob.h's parse_rule, then Scheme::parse). Throws
// Error naming `origin`.
Rule parse_rule_arg(std::string_view text, std::string origin);

struct Skipped {
  std::string tensor;
  std::string reason;
};

// Everything one check of a file found, decided.
struct CheckRun {
  std::string file;
  double alpha = kDefaultFamilyAlpha;
  std::vector<TensorCheck> checks;  // in file order
  std::vector<Skipped> skipped;     // in file order
  std::vector<std::string> warnings;  // e.g. a rule that matches no tensor
  bool pass() const;
};

struct CheckOptions {
  double alpha = kDefaultFamilyAlpha;
  BatteryOptions battery;
  // Layout, fan convention, groups, transposition, axes and explicit fans
  // for every tensor (the shape is the tensor's); a rule's fields override.
  Geometry geometry;
  ReadLimits limits;
  int threads = 0;  // 0: all cores; never changes the result
  // Called after each tensor is checked (serialized; from any thread).
  std::function<void(int64_t done, int64_t total)> progress;
};

// One scheme for the file's only tensor, or, when `tensor` is not empty, for
// the tensor of that name. Throws Error (a one-line message naming the file
// and the tensor) for unreadable files, a missing or non-float tensor, a
// multi-tensor file without `tensor`, or a scheme that cannot apply.
CheckRun check_file(const std::string& path, const Scheme& scheme,
                    const std::string& tensor, const CheckOptions& options);

// Ordered rules over every tensor of the file. Tensors no rule matches, rules
// with skip, and tensors that are empty or not floating point are listed in
// CheckRun::skipped; rules that match no tensor in CheckRun::warnings.
// Throws Error if nothing is left to check or a rule cannot apply to a
// tensor it matches (before the data is read).
CheckRun check_file(const std::string& path, const std::vector<Rule>& rules,
                    const CheckOptions& options);

// A named tensor in the caller's memory (check_tensors). The elements must
// stay valid and unchanged during the call.
struct NamedView {
  std::string name;
  TensorView view;
};

// check_file(path, scheme, "", options) for one tensor in memory: `label`
// stands for the path in CheckRun::file and in messages. Throws Error as
// check_file does (a scheme that cannot apply, an empty tensor, ...).
CheckRun check_view(const TensorView& tensor, const Scheme& scheme,
                    const CheckOptions& options, const std::string& label = "<array>");

// check_file(path, rules, options) over named tensors in memory, in the
// given order (names unique and not empty; `label` stands for the path).
CheckRun check_tensors(const std::vector<NamedView>& tensors, const std::vector<Rule>& rules,
                       const CheckOptions& options, const std::string& label = "<memory>");

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_CHECK_H_
