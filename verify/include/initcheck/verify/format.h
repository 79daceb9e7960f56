// File: initcheck/verify/format.h
//
// Output of `initcheck check` (and of the matcher's explanations): a compact
// text table, the JSON contract other tools rely on, JUnit XML for CI
// systems, and markdown.
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
//      "verdict": "pass"|"fail", "diagnosis": "..."} ... ],
//    "skipped": [ {"tensor", "reason"} ... ]}
// Non-finite numbers (NaN, +-inf) are written as null.
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
// One of the four by name ("text", "json", "junit", "markdown"); throws
// Error otherwise.
std::string format_run(const CheckRun& run, const std::string& format);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_FORMAT_H_
