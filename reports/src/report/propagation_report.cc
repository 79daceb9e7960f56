// reports/variance_propagation.md for `initcheck report`: the producers
// (initcheck/propagation/study.h) write the JSON data products, the renderer
// (initcheck/report/propagation_render.h) reads them back and writes the
// markdown and the gnuplot figures. The same two steps are
// `initcheck propagate study --out DIR` and `initcheck propagate render --data
// DIR --out reports`.
#include <fmt/format.h>

#include <map>
#include <memory>

#include "initcheck/propagation/study.h"
#include "initcheck/report/propagation_render.h"
#include "initcheck/report/report.h"
#include "progress.h"

namespace initcheck::report {

std::vector<ReportFile> propagation_report(const ReportOptions& o, std::string* summary) {
  namespace prop = initcheck::propagation;
  std::vector<ReportFile> files;
  std::map<std::string, nlohmann::json> data;
  prop::StudyOptions so;
  so.threads = o.threads;
  so.quick = o.quick;
  so.commit = o.commit;
  for (const std::string& name : prop::study_names()) {
    std::unique_ptr<cli::Progress> bar;
    if (o.progress) {
      so.progress = [&bar, &name](std::string_view, int64_t done, int64_t total) {
        if (!bar) bar = std::make_unique<cli::Progress>("propagation: " + name, total);
        bar->set(done);
      };
    }
    const std::string text = prop::dump_study(prop::run_study(name, so));
    if (bar) bar->finish();
    files.push_back({"data/propagation/" + name + ".json", text});
    data[name] = parse_propagation_product(name, text);
  }
  for (RenderedFile& f : render_propagation(data, {})) {
    files.push_back({std::move(f.path), std::move(f.content)});
  }
  if (summary) {
    int agree = 0, disagree = 0, undecided = 0;
    for (const auto& p : data.at("grid")["pairs"]) {
      const std::string v = p["verdict"]["pair"];
      (v == "agrees" ? agree : v == "disagrees" ? disagree : undecided)++;
    }
    const auto& s = data.at("grid")["settings"];
    *summary = fmt::format(
        "variance propagation: {} activation × scheme pairs (depth {}, width {}); theory and "
        "simulation agree for {}, disagree for {} (finite-width effects, explained), not "
        "decidable for {}",
        agree + disagree + undecided, s["depth"].get<int>(), s["width"].get<int>(), agree, disagree,
        undecided);
  }
  return files;
}

}  // namespace initcheck::report
