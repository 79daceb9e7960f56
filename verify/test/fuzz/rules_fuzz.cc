// Fuzz target: rule files (parse_rules_toml: toml++, the rule model, the
// expressions and templates), and the planning of rules over a checkpoint's
// headers with --print-rules' round trip.
//
// Invariants checked for every input:
//   - only initcheck::Error escapes parsing, with a one-line message;
//   - accepted rules print (rules_to_toml) to a rule file that parses back
//     to the same rules (rule_to_toml of each equal);
//   - plan_checks of accepted rules over a fixed model never throws (problems
//     are per-tensor data) and gives every tensor a status; a checked
//     tensor has a scheme or segments and no problem;
//   - --print-rules round trip: format_rules(plan) parses as a rule file, and
//     planning with it gives every tensor the same status and target.
#include <string>
#include <vector>

#include "fake_checkpoint.h"
#include "fuzz_util.h"
#include "initcheck/error.h"
#include "initcheck/verify/check.h"
#include "initcheck/verify/format.h"
#include "initcheck/verify/rules.h"

namespace verify = initcheck::verify;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const initcheck::fuzz::FakeCheckpoint ck;
  const std::string_view text = initcheck::fuzz::AsText(data, size);
  std::vector<verify::Rule> rules;
  try {
    rules = verify::parse_rules_toml(text, "fuzz.toml");
  } catch (const initcheck::Error& e) {
    initcheck::fuzz::CheckMessage(e.what());
    return 0;
  }
  // The rules' TOML form reads back to the same rules.
  const std::string printed = verify::rules_to_toml(rules);
  std::vector<verify::Rule> again;
  try {
    again = verify::parse_rules_toml(printed, "printed.toml");
  } catch (const initcheck::Error& e) {
    INITCHECK_FUZZ_CHECK(false, std::string("printed rules refused: ") + e.what() + "\n" + printed);
  }
  INITCHECK_FUZZ_CHECK(again.size() == rules.size(), printed);
  for (std::size_t i = 0; i < rules.size(); ++i) {
    INITCHECK_FUZZ_CHECK(verify::rule_to_toml(again[i]) == verify::rule_to_toml(rules[i]),
                         verify::rule_to_toml(rules[i]));
  }
  // Planning never throws for valid rules.
  verify::CheckPlan plan;
  try {
    plan = verify::plan_checks(ck, rules, {});
  } catch (const initcheck::Error& e) {
    INITCHECK_FUZZ_CHECK(false, std::string("plan_checks threw: ") + e.what());
  }
  INITCHECK_FUZZ_CHECK(plan.tensors.size() == ck.entries().size(), "tensor count");
  for (const verify::TensorAssignment& a : plan.tensors) {
    if (a.status == verify::TensorStatus::kChecked) {
      INITCHECK_FUZZ_CHECK(a.resolution.problem.empty(), a.tensor);
      INITCHECK_FUZZ_CHECK(a.resolution.scheme || !a.resolution.segments.empty(), a.tensor);
    } else {
      INITCHECK_FUZZ_CHECK(!a.reason.empty(), a.tensor);
      initcheck::fuzz::CheckMessage(a.reason);
    }
  }
  // --print-rules round trip.
  const std::string resolved = verify::format_rules(plan);
  std::vector<verify::Rule> back;
  try {
    back = verify::parse_rules_toml(resolved, "resolved.toml");
  } catch (const initcheck::Error& e) {
    INITCHECK_FUZZ_CHECK(false, std::string("--print-rules output refused: ") + e.what() + "\n" +
                                    resolved);
  }
  const verify::CheckPlan replan = verify::plan_checks(ck, back, {});
  for (std::size_t i = 0; i < plan.tensors.size(); ++i) {
    const auto& a = plan.tensors[i];
    const auto& b = replan.tensors[i];
    INITCHECK_FUZZ_CHECK(a.status == b.status, a.tensor + ": " + a.reason + " | " + b.reason);
    INITCHECK_FUZZ_CHECK(a.resolution.target == b.resolution.target,
                         a.tensor + ": " + a.resolution.target + " | " + b.resolution.target);
  }
  return 0;
}
