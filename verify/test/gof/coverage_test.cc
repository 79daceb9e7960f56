// The GoF suites cover every scheme lib knows: the list in gof_util.h must
// equal scheme_specs() (a scheme added to lib without a GoF suite fails here).
#include <set>
#include <string>

#include "gof_util.h"
#include "initcheck/scheme.h"

namespace initcheck::verify::gof {
namespace {

TEST(GofCoverage, EverySchemeHasASuite) {
  std::set<std::string> covered, specs;
  for (const auto& [name, file] : CoveredSchemes()) covered.emplace(name);
  for (const SchemeSpec& s : scheme_specs()) specs.emplace(s.name);
  EXPECT_EQ(covered, specs);
  EXPECT_EQ(specs.size(), 26u);
}

}  // namespace
}  // namespace initcheck::verify::gof
