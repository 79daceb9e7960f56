// File: initcheck/verify/format.h
//
// Output of `initcheck check` (and of the matcher's explanations): a compact
// text table, the JSON contract other tools rely on, JUnit XML for CI
// systems, and markdown. Text and markdown end with a summary table of the
// tensors that failed or were not checked (skipped, unmatched, ambiguous,
// uncheckable; under --strict also unused rules) and the verdict line.
//
// JUnit: one <testcase> per tensor (name = tensor, classname = the file's
// stem, time = seconds reading and checking it), a failed check a
// <failure message="diagnosis"> with the test table in <system-out>;
// tensors not checked are <skipped> (under --strict, unmatched, ambiguous and
// uncheckable ones are failures, and each unused user rule is a failed
// testcase). tests/failures/skipped count the elements.
//
// JSON contract:
//   {"verdict": "pass"|"fail", "alpha": A, "file": path,
//    "results": [ {"tensor": name|null, "scheme": canonical, "shape": [...],
//      "layout": "torch"|"keras"|"jax", "dtype": "f32",
//      "source_dtype": "f32" (the grid tested: dtype, or the narrower format
//      every value belongs to, battery.h), "source_note": "" | "...",
//      "fan_in": N|null, "fan_out": N|null, "n": N,
//      "target": {"family", "mean", "variance", "low": l|null, "high": h|null,
//                 "derivation"},
//      "sample": {"mean", "variance", "min", "max", "excess_kurtosis"},
//      "tests": [ {"name", "statistic", "dof" (when defined), "p_value",
//                  "adjusted_p_value", "reject", "reliable", "note"} ...],
//      "verdict": "pass"|"fail", "diagnosis": "...",
//      "resolution": {"std_rel": x|null, "mean_sigma": y|null, "test": "...",
//                     "mean_test": "...", "std_rel_up": u|null,
//                     "std_rel_down": d|null, "power": 0.99, "level": L,
//                     "family_size": m, "exact": bool, "coarse": bool}
//     } ... ],
//    "skipped": [ {"tensor", "reason", "status": "skipped"|"unmatched"|
//                  "ambiguous"|"uncheckable", "rule" (when a rule decided),
//                  "candidates" (ambiguous: [{"module", "scheme", "target",
//                  "problem", "note"}])} ... ],
//    "strict": bool, "strict_issues": [str ...],
//    "rules": [ {"rule", "glob", "tensors"} ... ] (the user's rules)}
// Non-finite numbers (NaN, +-inf) are written as null.
//
// "resolution" (resolution.h; added in this version, additive): what the
// check proves. std_rel = the smallest relative std error (either
// direction) the battery detects with probability >= "power" at the per-test
// level "level" = alpha / "family_size" (Holm's first step); mean_sigma = the
// smallest mean shift in target sd; "test" / "mean_test" = the gating test
// that attains each ("variance", "mean", "support", "ks", "chi_square",
// "structure", "orthogonality"; "" when none); null = no error of any size
// is detected with that power (e.g. a std too small on 16 values); exact =
// a deterministic structure test; coarse = std_rel > 0.10 or null (the text
// format then says "too small to verify the scale to 10%").
#ifndef INITCHECK_VERIFY_FORMAT_H_
#define INITCHECK_VERIFY_FORMAT_H_

#include <string>
#include <vector>

#include "initcheck/verify/check.h"  // CheckRun

namespace initcheck::verify {

std::string format_text(const CheckRun& run);
std::string format_json(const CheckRun& run);
std::string format_junit(const CheckRun& run);
std::string format_markdown(const CheckRun& run);
// --print-rules: a rule file with one [[rule]] per tensor of the plan, in
// file order, each resolved (literal glob, evaluated fans and lengths) and
// commented with the tensor's shape, dtype, status, the rule it came from
// and its target. Read back with --rules, it resolves every tensor the same
// way (ambiguous tensors keep their candidates; unmatched tensors get none).
std::string format_rules(const CheckPlan& plan);

// One of the four by name ("text", "json", "junit", "markdown"); throws
// Error otherwise.
std::string format_run(const CheckRun& run, const std::string& format);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_FORMAT_H_
