// `initcheck report`: render the reports under reports/ from the data
// products the producers wrote (initcheck/report/render.h). Runs no
// experiment.
#include <fmt/format.h>

#include <filesystem>
#include <span>

#include "command.h"
#include "initcheck/error.h"
#include "initcheck/io.h"
#include "initcheck/report/render.h"

namespace initcheck::cli {
namespace {

struct ReportArgs {
  report::RenderOptions o;
  std::string out = "reports";
  bool quiet = false;
};

void Run(const ReportArgs& a) {
  // Every file is rendered before any is written: a failure leaves the old
  // reports intact.
  const auto files = report::render_reports(a.o);
  namespace fs = std::filesystem;
  for (const report::RenderedFile& f : files) {
    const fs::path path = fs::path(a.out) / f.path;
    std::error_code ec;
    fs::create_directories(path.parent_path(), ec);
    if (ec) throw Error("cannot create " + path.parent_path().string() + ": " + ec.message());
    write_file_atomically(path.string(),
                          std::as_bytes(std::span(f.content.data(), f.content.size())));
  }
  if (!a.quiet) fmt::print(stderr, "wrote {} files to {}\n", files.size(), a.out);
}

void Setup(CLI::App& app) {
  static ReportArgs a;
  CLI::App* sub = app.add_subcommand(
      "report",
      "Render the reports (markdown + gnuplot SVG) from the data products: conformance, "
      "calibration, tail calibration, power and frameworks JSON (initcheck_verify_study), the "
      "propagation studies (initcheck propagate study), Google Benchmark and peers JSON. Runs no "
      "experiment; `make report` runs the producers first.\n"
      "Examples:\n"
      "  initcheck report --data reports/data --out reports --bench-json build/bench.json "
      "--peers-json build/peers.json\n"
      "  initcheck report --data reports/data --out reports --only power\n"
      "Output is a pure function of the data: byte-identical from run to run.");
  sub->add_option("--data", a.o.data_dir, "directory of the data products")
      ->default_val("reports/data");
  sub->add_option("--out", a.out, "output directory")->default_val("reports");
  sub->add_option("--bench-json", a.o.bench_json,
                  "Google Benchmark JSON for benchmarks.md (else benchmarks.md is kept)");
  sub->add_option("--peers-json", a.o.peers_json,
                  "bench/peers.py JSON (missing: the peer columns say so)");
  sub->add_option("--only", a.o.only,
                  "reports to render (comma-separated: conformance, tail_calibration, power, "
                  "frameworks, propagation, benchmarks; default all, plus README.md)")
      ->delimiter(',');
  sub->add_option("--keep-plot-files", a.o.keep_plot_files,
                  "keep the gnuplot scripts and data files in this directory");
  sub->add_flag("-q,--quiet", a.quiet, "no summary line");
  sub->callback([] { Run(a); });
}

const Registrar registrar(40, Setup);

}  // namespace
}  // namespace initcheck::cli
