// `initcheck report`: regenerate every report under reports/.
#include <fmt/format.h>

#include "command.h"
#include "initcheck/report/report.h"

namespace initcheck::cli {
namespace {

struct ReportArgs {
  report::ReportOptions o;
  bool quiet = false;
};

void Setup(CLI::App& app) {
  static ReportArgs a;
  CLI::App* sub = app.add_subcommand(
      "report",
      "Regenerate the reports (markdown + SVG): conformance of every scheme, power of the "
      "battery against a catalogue of initializer bugs, calibration, variance propagation "
      "theory vs simulation, benchmarks.\n"
      "Examples:\n"
      "  initcheck report --out reports\n"
      "  initcheck report --out /tmp/r --quick          (a reduced grid, ~seconds)\n"
      "  initcheck report --out reports --bench-json build/bench.json --commit $(git "
      "rev-parse --short HEAD)\n"
      "Output does not depend on --threads; apart from benchmarks.md it is byte-identical "
      "from run to run.");
  sub->add_option("--out", a.o.out_dir, "output directory")->default_val("reports");
  add_threads_option(sub, a.o.threads);
  sub->add_flag("--quick", a.o.quick, "a reduced grid (smoke tests)");
  sub->add_option("--bench-json", a.o.bench_json,
                  "Google Benchmark JSON to turn into benchmarks.md (else it is kept)");
  sub->add_option("--commit", a.o.commit, "commit id recorded in README.md");
  sub->add_flag("-q,--quiet", a.quiet, "no progress output");
  sub->callback([] {
    a.o.progress = !a.quiet;
    a.o.command = "initcheck report --out " + a.o.out_dir + (a.o.quick ? " --quick" : "");
    report::write_reports(a.o);
    if (!a.quiet) fmt::print(stderr, "wrote reports to {}\n", a.o.out_dir);
  });
}

const Registrar registrar(40, Setup);

}  // namespace
}  // namespace initcheck::cli
