// The producers of the reports' data products (reports/README.md), run by
// initcheck_verify_study: they fill with lib and check with the battery,
// and write versioned JSON that the report renderer reads (it links neither
// lib's fills nor the battery).
//
//   conformance_json  schema "initcheck.conformance/1": every scheme x layout
//                     x dtype of a fixed case list, filled by lib (case i:
//                     seed 1000 + i, stream 0) and checked by the battery at
//                     the default family-wise alpha (each case its own
//                     family, as `initcheck check` on one tensor).
//   frameworks_json   schema "initcheck.frameworks/1": every tensor with a
//                     scheme in the committed framework fixtures
//                     (verify/test/data/{torch,tfjs}/manifest.json, made by
//                     PyTorch 1.13 and TF.js 4.22), checked with
//                     verify::check_file against the framework's documented
//                     law; the manifest's expectation next to the verdict.
//
// Both are deterministic: the output does not depend on `threads`.
#ifndef INITCHECK_VERIFY_TOOLS_REPORT_DATA_H_
#define INITCHECK_VERIFY_TOOLS_REPORT_DATA_H_

#include <string>
#include <vector>

namespace initcheck::verify::tools {

std::string conformance_json(bool quick, int threads, const std::string& commit);

// data_dirs: fixture directories, each holding a manifest.json (their paths
// are recorded relative to `root`, the repository).
std::string frameworks_json(const std::string& root, const std::vector<std::string>& data_dirs,
                            int threads, const std::string& commit);

}  // namespace initcheck::verify::tools

#endif  // INITCHECK_VERIFY_TOOLS_REPORT_DATA_H_
