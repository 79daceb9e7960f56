// The renderer of variance_propagation.md: it reads only the data products,
// refuses bad ones with one line, and its output is a pure function of them.
#include "initcheck/report/propagation_render.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "initcheck/error.h"
#include "initcheck/propagation/study.h"

namespace initcheck::report {
namespace {

TEST(PropagationRender, MissingOrWrongProductsAreRefused) {
  try {
    (void)load_propagation_data("/nonexistent-initcheck-dir");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("grid.json: cannot open"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_propagation_product("grid", "{\"schema\": \"initcheck.propagation.grid/2\"}"),
               Error);
  EXPECT_THROW(parse_propagation_product("grid", "not json"), Error);
  EXPECT_THROW(render_propagation({}, {}), Error);  // products missing
}

// Quick products through the whole renderer (needs gnuplot).
TEST(PropagationRender, QuickProductsRenderDeterministically) {
  if (std::system("gnuplot --version > /dev/null 2>&1") != 0) {
    GTEST_SKIP() << "gnuplot not installed (Debian: gnuplot-nox)";
  }
  namespace prop = initcheck::propagation;
  prop::StudyOptions o;
  o.quick = true;
  o.commit = "test";
  std::map<std::string, nlohmann::json> data;
  for (const std::string& name : prop::study_names()) {
    data[name] = parse_propagation_product(name, prop::dump_study(prop::run_study(name, o)));
  }
  const std::vector<RenderedFile> a = render_propagation(data, {});
  const std::vector<RenderedFile> b = render_propagation(data, {});
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].path, b[i].path);
    EXPECT_EQ(a[i].content, b[i].content) << a[i].path;
  }
  ASSERT_EQ(a.front().path, "variance_propagation.md");
  const std::string& md = a.front().content;
  for (const char* heading : {"## Zero and constant init never break symmetry",
                              "## Training, measured", "## Residual networks",
                              "## Theory against simulation, stated honestly", "(commit `test`"}) {
    EXPECT_NE(md.find(heading), std::string::npos) << heading;
  }
  // Every figure the markdown links is among the files, and is an SVG.
  size_t figures = 0;
  for (const RenderedFile& f : a) {
    if (f.path.rfind("figures/propagation/", 0) != 0) continue;
    ++figures;
    EXPECT_NE(md.find("(" + f.path + ")"), std::string::npos) << f.path;
    EXPECT_NE(f.content.find("<svg"), std::string::npos) << f.path;
  }
  EXPECT_GE(figures, 10u);
  // The propagation report does not use the hand-written SVG writer.
  EXPECT_EQ(md.find("svg.h"), std::string::npos);
}

}  // namespace
}  // namespace initcheck::report
