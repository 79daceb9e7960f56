// Gain properties: calculate_gain over every nonlinearity name and every
// finite parameter, against torch.nn.init.calculate_gain's table and the
// oracle.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <string>

#include "generators.h"
#include "initcheck/gain.h"
#include "initcheck/verify/oracle.h"
#include "prop_util.h"

namespace initcheck::props {
namespace {

rc::Gen<std::string> GenName() { return GenNonlinearity().as("nonlinearity"); }

// Slopes: moderate, extreme and exactly 0 / the default 0.01.
rc::Gen<double> GenSlope() {
  return rc::gen::weightedOneOf<double>(
             {{4, GenReal(Range::kModerate)},
              {2, GenReal(Range::kExtreme)},
              {1, rc::gen::element(0.0, 0.01, -0.01, 1.0, -1.0)}})
      .as("slope");
}

// The documented table (PyTorch calculate_gain): linear/conv*/sigmoid 1,
// tanh 5/3, relu sqrt(2), leaky_relu sqrt(2 / (1 + slope^2)), selu 3/4; the
// parameter matters only for leaky_relu. Catches a typo in the table (tanh
// 1.5, selu 1) or a slope applied to another name.
RC_GTEST_PROP(GainProperties, KnownValues, ()) {
  const std::string name = *GenName();
  const double slope = *GenSlope();
  double want = 1.0;
  if (name == "tanh") want = 5.0 / 3.0;
  if (name == "relu") want = std::sqrt(2.0);
  if (name == "selu") want = 0.75;
  if (name == "leaky_relu") want = std::sqrt(2.0 / (1.0 + slope * slope));
  RC_TAG(name);
  RC_ASSERT(RelClose(calculate_gain(name, slope), want, 1e-15));
  if (name == "leaky_relu") {
    RC_ASSERT(RelClose(calculate_gain(name), std::sqrt(2.0 / 1.0001), 1e-15));
  } else {
    RC_ASSERT(calculate_gain(name) == calculate_gain(name, slope));
  }
}

// leaky_relu's gain is even in the slope and never increases with |slope|;
// it strictly decreases where 1 + slope^2 is resolvable (|slope| in
// [1e-3, 1e6], ratio >= 1 + 1e-6). Catches sqrt(2 / (1 + slope)) (wrong for
// negative or large slopes) and a missing square.
RC_GTEST_PROP(GainProperties, LeakyReluGainDecreasesInSlope, ()) {
  const double s1 = *GenSlope();
  const double s2 = *GenSlope();
  const double lo = std::min(std::fabs(s1), std::fabs(s2));
  const double hi = std::max(std::fabs(s1), std::fabs(s2));
  const double g_lo = calculate_gain("leaky_relu", lo);
  const double g_hi = calculate_gain("leaky_relu", hi);
  RC_ASSERT(calculate_gain("leaky_relu", -lo) == g_lo);
  RC_ASSERT(g_hi <= g_lo);
  if (lo >= 1e-3 && hi <= 1e6 && hi >= lo * (1 + 1e-6)) {
    RC_ASSERT(g_hi < g_lo);
  }
}

// Every gain is finite and > 0 for |slope| <= 1e150 (beyond, slope^2
// overflows and the gain is 0, as in PyTorch). Catches a negative or NaN gain
// from a bad formula (e.g. sqrt(2 / (1 - slope^2))).
RC_GTEST_PROP(GainProperties, GainIsPositive, ()) {
  const std::string name = *GenName();
  const double slope = *GenSlope();
  RC_PRE(std::fabs(slope) <= 1e150);
  const double g = calculate_gain(name, slope);
  RC_ASSERT(std::isfinite(g));
  RC_ASSERT(g > 0);
}

// lib's calculate_gain equals the oracle's independently written table for
// every name and slope. Catches lib and the GoF oracle drifting apart.
RC_GTEST_PROP(GainProperties, LibMatchesOracle, ()) {
  const std::string name = *GenName();
  const double slope = *GenSlope();
  RC_ASSERT(RelClose(calculate_gain(name, slope),
                     verify::oracle_gain(name, slope), 1e-15));
}

}  // namespace
}  // namespace initcheck::props
