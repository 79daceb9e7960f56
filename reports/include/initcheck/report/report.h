// File: initcheck/report/report.h
//
// `initcheck report`: regenerates every report under reports/ from scratch:
//   README.md               index: how they were made, headline findings
//   conformance.md          every scheme x layout x dtype through the battery,
//                           and the calibration of the battery
//   power.md                the mutation catalogue: detection rates and the
//                           smallest n detected with probability 0.99
//   variance_propagation.md theory vs simulation through deep networks
//   benchmarks.md           from Google Benchmark JSON (kept separate: timings
//                           change from run to run)
// plus the SVG plots they reference. Apart from benchmarks.md the output is
// byte-identical across runs and thread counts (fixed seeds; results are
// assembled in a fixed order).
#ifndef INITCHECK_REPORT_REPORT_H_
#define INITCHECK_REPORT_REPORT_H_

#include <functional>
#include <string>
#include <vector>

namespace initcheck::report {

struct ReportOptions {
  std::string out_dir = "reports";
  int threads = 0;           // 0: all cores; never changes the output
  bool quick = false;        // a reduced grid (tests, smoke runs)
  std::string bench_json;    // Google Benchmark JSON; "" = keep benchmarks.md
  std::string commit;        // recorded in README.md ("" = unknown)
  std::string command;       // the command line, recorded in README.md
  bool progress = true;      // progress lines on stderr
};

// A file to write: path relative to out_dir, and its content.
struct ReportFile {
  std::string path;
  std::string content;
};

// Each part returns its files; write_reports() writes them all atomically
// after every part succeeded (a failed run leaves the old reports intact).
std::vector<ReportFile> conformance_report(const ReportOptions& o,
                                           std::string* summary);
std::vector<ReportFile> power_report(const ReportOptions& o, std::string* summary);
std::vector<ReportFile> propagation_report(const ReportOptions& o,
                                           std::string* summary);
std::vector<ReportFile> benchmark_report(const ReportOptions& o,
                                         std::string* summary);

// The calibration section of conformance.md (and calibration.json).
std::string calibration_markdown(const ReportOptions& o, std::string* json, bool* pass);

void write_reports(const ReportOptions& o);

}  // namespace initcheck::report

#endif  // INITCHECK_REPORT_REPORT_H_
