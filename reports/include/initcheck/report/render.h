// File: initcheck/report/render.h
//
// The report renderer (`initcheck report`): reads the versioned JSON data
// products that the producers wrote and writes the markdown reports and
// their gnuplot SVG figures. It runs no experiment: target
// initcheck_report_render links only nlohmann_json and fmt (no fill, no
// battery, no propagation code; ctest architecture.report_render_* checks it
// as a link fact) and runs the gnuplot program.
//
//   data product                      producer                          report
//   DATA/conformance.json             initcheck_verify_study --conformance  conformance.md
//   DATA/calibration.json             initcheck_verify_study --calibration  conformance.md
//   DATA/power.json                   initcheck_verify_study --power        power.md
//   DATA/frameworks.json              initcheck_verify_study --frameworks   frameworks.md
//   DATA/tail_calibration.json        initcheck_verify_study --tail-calibration
//                                     (`make tail-calibration`)             tail_calibration.md
//   DATA/propagation/<name>.json      initcheck propagate study             variance_propagation.md
//   bench.json (Google Benchmark)     initcheck_bench --benchmark_out=...   benchmarks.md
//   peers.json (optional)             bench/peers.py                        benchmarks.md
//
// Output is a pure function of the data (and the gnuplot version).
#ifndef INITCHECK_REPORT_RENDER_H_
#define INITCHECK_REPORT_RENDER_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "initcheck/report/propagation_render.h"

namespace initcheck::report {

// The reports, in index order: "conformance", "tail_calibration", "power",
// "frameworks", "propagation", "benchmarks".
const std::vector<std::string>& report_names();

struct RenderOptions {
  std::string data_dir = "reports/data";
  std::string bench_json;  // "" = benchmarks.md is not rendered
  std::string peers_json;  // "" or missing file = peers "not installed"
  std::vector<std::string> only;  // report names; empty = all (and README.md)
  std::string keep_plot_files;    // keep gnuplot scripts/data here ("" = temporary)
};

// Reads one JSON file and checks its "schema" (exact match). Throws
// initcheck::Error with one line naming the file.
nlohmann::json load_product(const std::string& path, const std::string& schema);

std::vector<RenderedFile> render_conformance(const nlohmann::json& conformance,
                                             const nlohmann::json& calibration);
std::vector<RenderedFile> render_power(const nlohmann::json& power, const std::string& plot_dir);
std::vector<RenderedFile> render_frameworks(const nlohmann::json& frameworks);
// tail_calibration.md. Throws Error (one line, "tail_calibration.json:
// malformed: ...") when the JSON lacks a key the table reads.
std::vector<RenderedFile> render_tail_calibration(const nlohmann::json& tail);
// peers: null when there is no peers.json.
std::vector<RenderedFile> render_benchmarks(const nlohmann::json& bench,
                                            const nlohmann::json& peers,
                                            const std::string& plot_dir);

// Every report of `options.only` (README.md too when only is empty), read
// from the data products. Nothing is returned unless all succeeded.
std::vector<RenderedFile> render_reports(const RenderOptions& options);

}  // namespace initcheck::report

#endif  // INITCHECK_REPORT_RENDER_H_
