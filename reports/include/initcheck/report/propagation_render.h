// File: initcheck/report/propagation_render.h
//
// The renderer of reports/variance_propagation.md: reads the JSON data
// products of `initcheck propagate study` (schemas
// initcheck.propagation.<name>/1, initcheck/propagation/study.h) and writes
// the markdown and its figures (gnuplot, SVG). It reads nothing else: no
// simulation, no theory code (target initcheck_report_render links only
// nlohmann_json and fmt, and runs the gnuplot program).
//
//   auto data = load_propagation_data("reports/data/propagation");
//   for (const RenderedFile& f : render_propagation(data, {})) ...write f...
//
// Output is a pure function of the data (and of the gnuplot version):
// byte-identical across runs.
#ifndef INITCHECK_REPORT_PROPAGATION_RENDER_H_
#define INITCHECK_REPORT_PROPAGATION_RENDER_H_

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace initcheck::report {

struct RenderedFile {
  std::string path;  // relative to the output directory
  std::string content;
};

struct PropagationRenderOptions {
  // Keep the gnuplot scripts and data files here ("" = a temporary directory,
  // removed afterwards).
  std::string keep_plot_files;
  // How the markdown names the data directory (relative to the report).
  std::string data_link = "data/propagation";
};

// The study names the renderer reads, in report order.
const std::vector<std::string>& propagation_products();

// Reads <dir>/<name>.json for every product. Throws initcheck::Error naming a
// missing or unreadable file, bad JSON, or a wrong schema.
std::map<std::string, nlohmann::json> load_propagation_data(const std::string& dir);

// Parses one product's text and checks its schema (for in-memory use).
nlohmann::json parse_propagation_product(const std::string& name, const std::string& text);

// variance_propagation.md and figures/propagation/*.svg.
std::vector<RenderedFile> render_propagation(const std::map<std::string, nlohmann::json>& data,
                                             const PropagationRenderOptions& options);

}  // namespace initcheck::report

#endif  // INITCHECK_REPORT_PROPAGATION_RENDER_H_
