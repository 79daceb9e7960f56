// Generators and printers of the property suites (see generators.h).
#include "generators.h"

#include <algorithm>
#include <cctype>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <utility>

#include "initcheck/error.h"
#include "initcheck/gain.h"

namespace initcheck {

void showValue(Layout l, std::ostream& os) { os << layout_name(l); }

void showValue(FanConvention c, std::ostream& os) {
  os << fan_convention_name(c);
}

void showValue(DType t, std::ostream& os) { os << dtype_name(t); }

void showValue(const Geometry& g, std::ostream& os) {
  os << layout_name(g.layout) << shape_string(g.shape);
  if (g.groups != 1) os << " groups=" << g.groups;
  if (g.fans == FanConvention::kLayer) os << " layer";
  if (g.transposed) os << " transposed";
  if (g.in_axis) os << " in_axis=" << *g.in_axis;
  if (g.out_axis) os << " out_axis=" << *g.out_axis;
  if (g.fan_in) os << " fan_in=" << *g.fan_in;
  if (g.fan_out) os << " fan_out=" << *g.fan_out;
}

void showValue(const Scheme& s, std::ostream& os) { os << s.str(); }

void showValue(const RngKey& k, std::ostream& os) {
  os << "seed=" << k.seed << " stream=" << k.stream;
}

namespace props {

void showValue(const FillCase& c, std::ostream& os) {
  os << c.scheme.str() << " on ";
  initcheck::showValue(c.geometry, os);
  os << " as " << dtype_name(c.dtype) << ", ";
  initcheck::showValue(c.key, os);
}

namespace {

// Control characters escaped so that a counterexample stays on one line.
std::string Escaped(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (u < 0x20 || u >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

void showValue(const SchemeText& t, std::ostream& os) {
  os << '"' << Escaped(t.text) << "\" (meaning " << t.canonical << ")";
}

void showValue(const BadSchemeText& t, std::ostream& os) {
  os << '"' << Escaped(t.text) << "\" (" << t.why << ")";
}

// ---- scalars --------------------------------------------------------------

rc::Gen<int64_t> GenInt(int64_t lo, int64_t hi) {
  // Size 100 (kNominalSize) makes inRange use its whole range.
  return rc::gen::resize(100, rc::gen::inRange<int64_t>(lo, hi + 1));
}

rc::Gen<double> GenUniformReal(double lo, double hi) {
  constexpr int64_t kSteps = int64_t{1} << 20;
  return rc::gen::map(GenInt(0, kSteps), [lo, hi](int64_t k) {
    return lo + (hi - lo) * (static_cast<double>(k) / kSteps);
  });
}

namespace {

// Decimal d.ddd * 10^e from integers, so values print as short decimals.
double Decimal(int64_t mantissa, int64_t exponent) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "%llde%lld", static_cast<long long>(mantissa),
                static_cast<long long>(exponent));
  return std::strtod(buf, nullptr);
}

// 0, -1, 1, -2, 2, ...: shrinks towards 0.
int64_t ZigZag(int64_t k) { return k % 2 == 0 ? k / 2 : -(k + 1) / 2; }

rc::Gen<double> GenModeratePositive() {
  // (1000 + k) / 1000 * 10^e, e in [-3, 2]: 1e-3 .. 999.9, shrinking to 1.
  return rc::gen::map(rc::gen::tuple(GenInt(0, 8999), GenInt(0, 5)),
                      [](const std::tuple<int64_t, int64_t>& t) {
                        const int64_t e = ZigZag(std::get<1>(t));
                        return Decimal(1000 + std::get<0>(t), e - 3);
                      });
}

rc::Gen<double> GenWidePositive() {
  return rc::gen::map(rc::gen::tuple(GenInt(0, 8999), GenInt(0, 600)),
                      [](const std::tuple<int64_t, int64_t>& t) {
                        const int64_t e = ZigZag(std::get<1>(t));
                        return Decimal(1000 + std::get<0>(t), e - 3);
                      });
}

}  // namespace

rc::Gen<double> GenPositive(Range r) {
  if (r == Range::kModerate) return GenModeratePositive();
  return rc::gen::weightedOneOf<double>(
      {{4, GenModeratePositive()},
       {2, GenWidePositive()},
       {1, rc::gen::element(5e-324, 1e-310, DBL_MIN, 1e-300, 1e-30, 1e30, 1e300,
                            DBL_MAX)}});
}

rc::Gen<double> GenReal(Range r) {
  const rc::Gen<double> negative =
      rc::gen::map(GenPositive(r), [](double x) { return -x; });
  if (r == Range::kModerate) {
    return rc::gen::weightedOneOf<double>(
        {{5, GenPositive(r)}, {5, negative}, {1, rc::gen::just(0.0)}});
  }
  return rc::gen::weightedOneOf<double>({{5, GenPositive(r)},
                                         {5, negative},
                                         {1, rc::gen::just(0.0)},
                                         {1, rc::gen::just(-0.0)}});
}

rc::Gen<uint64_t> GenWord64() {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  const rc::Gen<uint64_t> any =
      rc::gen::map(rc::gen::tuple(GenInt(0, 0xffffffff), GenInt(0, 0xffffffff)),
                   [](const std::tuple<int64_t, int64_t>& t) {
                     return (static_cast<uint64_t>(std::get<0>(t)) << 32) |
                            static_cast<uint64_t>(std::get<1>(t));
                   });
  return rc::gen::weightedOneOf<uint64_t>(
      {{1, rc::gen::element<uint64_t>(uint64_t{0}, uint64_t{1},
                                      uint64_t{0xffffffff}, uint64_t{1} << 32,
                                      uint64_t{1} << 63, kMax)},
       {3, any}});
}

rc::Gen<RngKey> GenKey() {
  return rc::gen::map(rc::gen::tuple(GenWord64(), GenWord64()),
                      [](const std::tuple<uint64_t, uint64_t>& t) {
                        return RngKey{std::get<0>(t), std::get<1>(t)};
                      });
}

// ---- shapes and geometries -------------------------------------------------

rc::Gen<int64_t> GenDim() {
  return rc::gen::weightedOneOf<int64_t>(
      {{4, rc::gen::element<int64_t>(1, 2, 3, 5, 7, 11, 13)},
       {3, GenInt(1, 16)},
       {1, GenInt(17, 300)}});
}

rc::Gen<Shape> GenShape(int min_rank, int max_rank, int64_t max_numel) {
  return rc::gen::exec([=] {
    const auto rank = static_cast<std::size_t>(*GenInt(min_rank, max_rank));
    Shape s = *rc::gen::container<Shape>(rank, GenDim());
    int64_t numel = 1;
    for (int64_t& d : s) {
      d = std::min(d, max_numel / numel);
      numel *= d;
    }
    return s;
  });
}

namespace {

std::vector<int64_t> Divisors(int64_t n) {
  std::vector<int64_t> out;
  for (int64_t d = 1; d <= n; ++d) {
    if (n % d == 0) out.push_back(d);
  }
  return out;
}

// Rank in [min_rank, max_rank] read through one of `layouts`, with every
// layout option valid: groups divide the undivided channel dim (torch dim 0,
// keras/jax dim -1), transposed and the convention free.
rc::Gen<Geometry> GenLayoutGeometry(int min_rank, int max_rank,
                                    std::vector<Layout> layouts,
                                    int64_t max_numel) {
  return rc::gen::exec([=] {
    Geometry g;
    g.shape = *GenShape(min_rank, max_rank, max_numel);
    g.layout = *rc::gen::elementOf(layouts);
    g.fans = *rc::gen::arbitrary<FanConvention>();
    g.transposed = *rc::gen::arbitrary<bool>();
    const int64_t full =
        g.layout == Layout::kTorch ? g.shape.front() : g.shape.back();
    g.groups = *rc::gen::elementOf(Divisors(full));
    return g;
  });
}

std::vector<Layout> AllLayouts() {
  return {Layout::kTorch, Layout::kKeras, Layout::kJax};
}

}  // namespace

rc::Gen<Geometry> GenFanGeometry(int64_t max_numel) {
  const rc::Gen<Geometry> axes = rc::gen::exec([=] {
    Geometry g;
    g.shape = *GenShape(2, 5, max_numel);
    g.layout = *rc::gen::elementOf(AllLayouts());
    g.fans = *rc::gen::arbitrary<FanConvention>();
    const int rank = static_cast<int>(g.shape.size());
    const int in = static_cast<int>(*GenInt(0, rank - 1));
    int out = static_cast<int>(*GenInt(0, rank - 2));
    if (out >= in) ++out;
    // JAX style negative axes half of the time.
    g.in_axis = *rc::gen::arbitrary<bool>() ? in - rank : in;
    g.out_axis = *rc::gen::arbitrary<bool>() ? out - rank : out;
    return g;
  });
  const rc::Gen<Geometry> explicit_fans = rc::gen::exec([=] {
    Geometry g;
    g.shape = *GenShape(1, 5, max_numel);
    g.layout = *rc::gen::elementOf(AllLayouts());
    g.fan_in = *rc::gen::weightedOneOf<int64_t>(
        {{3, GenInt(1, 4096)}, {1, GenInt(1, int64_t{1} << 40)}});
    g.fan_out = *rc::gen::weightedOneOf<int64_t>(
        {{3, GenInt(1, 4096)}, {1, GenInt(1, int64_t{1} << 40)}});
    return g;
  });
  return rc::gen::weightedOneOf<Geometry>(
      {{6, GenLayoutGeometry(2, 5, AllLayouts(), max_numel)},
       {1, axes},
       {1, explicit_fans}});
}

namespace {

// Geometry refinements for structured schemes whose rank/layout rules the
// generic generator would mostly miss. Optional: a scheme without an entry
// gets any geometry on which plan_fill accepts its default parameters.
using GeometryGen = rc::Gen<Geometry> (*)(int64_t max_numel);
const std::map<SchemeId, GeometryGen>& GeometryRefinements() {
  static const std::map<SchemeId, GeometryGen> table = {
      {SchemeId::kOrthogonal,
       [](int64_t m) { return GenLayoutGeometry(2, 5, AllLayouts(), m); }},
      {SchemeId::kEye, [](int64_t m) { return GenLayoutGeometry(2, 2, AllLayouts(), m); }},
      {SchemeId::kIdentity,
       [](int64_t m) { return GenLayoutGeometry(2, 2, AllLayouts(), m); }},
      {SchemeId::kSparse,
       [](int64_t m) { return GenLayoutGeometry(2, 2, AllLayouts(), m); }},
      {SchemeId::kDirac,
       [](int64_t m) { return GenLayoutGeometry(3, 5, {Layout::kTorch}, m); }},
      {SchemeId::kDeltaOrthogonal,
       [](int64_t m) {
         return rc::gen::map(
             GenLayoutGeometry(3, 5, {Layout::kKeras, Layout::kJax}, m), [](Geometry g) {
               const std::size_t r = g.shape.size();
               if (g.shape[r - 2] > g.shape[r - 1]) std::swap(g.shape[r - 2], g.shape[r - 1]);
               // Groups must still divide the (new) last dim.
               if (g.shape[r - 1] % g.groups != 0) g.groups = 1;
               return g;
             });
       }},
  };
  return table;
}

}  // namespace

rc::Gen<Geometry> GenGeometryFor(std::string_view name, int64_t max_numel) {
  const SchemeSpec& spec = *find_scheme_spec(name);
  if (spec.uses_fans) return GenFanGeometry(max_numel);
  const auto& refinements = GeometryRefinements();
  if (auto it = refinements.find(spec.id); it != refinements.end()) {
    return it->second(max_numel);
  }
  const rc::Gen<Geometry> any = GenLayoutGeometry(1, 5, AllLayouts(), max_numel);
  std::optional<Scheme> defaults;
  try {
    defaults = Scheme::parse(spec.name);
  } catch (const Error&) {
    return any;  // required parameters: no default scheme to plan with
  }
  return rc::gen::suchThat(any, [defaults](const Geometry& g) {
    try {
      (void)plan_fill(*defaults, g);
      return true;
    } catch (const Error&) {
      return false;
    }
  });
}

// ---- schemes ---------------------------------------------------------------

const std::vector<std::string>& SchemeNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const SchemeSpec& s : scheme_specs()) v.emplace_back(s.name);
    return v;
  }();
  return names;
}

// The schemes whose default-parameter plan on a [64, 32] weight is uniform or
// (truncated) normal.
const std::vector<std::string>& ElementwiseSchemeNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    Geometry g;
    g.shape = {64, 32};
    for (const SchemeSpec& s : scheme_specs()) {
      try {
        const FillPlan p = plan_fill(Scheme::parse(s.name), g);
        if (p.kind == FillPlan::Kind::kUniform || p.kind == FillPlan::Kind::kNormal) {
          v.emplace_back(s.name);
        }
      } catch (const Error&) {
        // required parameters or a structured scheme
      }
    }
    return v;
  }();
  return names;
}

rc::Gen<std::string> GenNonlinearity() {
  std::vector<std::string> names;
  for (std::string_view n : nonlinearity_names()) names.emplace_back(n);
  return rc::gen::elementOf(names);
}

rc::Gen<std::string> GenFanMode(bool keras) {
  if (!keras) return rc::gen::element<std::string>("fan_in", "fan_out");
  return rc::gen::element<std::string>("fan_in", "fan_out", "fan_avg",
                                       "fan_geo_avg");
}

namespace {

using Values = std::vector<Scheme::Value>;

// [a, b) with a < b.
rc::Gen<std::pair<double, double>> GenInterval(Range r) {
  const rc::Gen<std::pair<double, double>> ordinary = rc::gen::exec([r] {
    const double a = *GenReal(r);
    double b = a + *GenPositive(r);
    if (!(b > a)) b = std::nextafter(a, INFINITY);
    double lo = a;
    if (!std::isfinite(b)) {
      b = DBL_MAX;
      if (lo >= b) lo = std::nextafter(b, -INFINITY);
    }
    return std::make_pair(lo, b);
  });
  if (r == Range::kModerate) return ordinary;
  // A few ulp wide: may hold no value of the output dtype at all.
  const rc::Gen<std::pair<double, double>> narrow = rc::gen::exec([] {
    double a = *GenReal(Range::kExtreme);
    if (a == DBL_MAX) a = std::nextafter(a, 0.0);
    double b = a;
    const int64_t steps = *GenInt(1, 4);
    for (int64_t i = 0; i < steps && b < DBL_MAX; ++i) {
      b = std::nextafter(b, INFINITY);
    }
    return std::make_pair(a, b);
  });
  return rc::gen::weightedOneOf<std::pair<double, double>>(
      {{3, ordinary}, {1, narrow}});
}

rc::Gen<Values> GenIntervalValues(Range r) {
  return rc::gen::map(GenInterval(r), [](std::pair<double, double> p) {
    return Values{p.first, p.second};
  });
}

// trunc_normal (mean, std, a, b): standardized bounds alpha < 10 and
// beta > -10 (the parser's rule), alpha possibly far below -10.
rc::Gen<Values> GenTruncNormalValues(Range r) {
  return rc::gen::exec([r] {
    double std = *GenPositive(r);
    double mean;
    if (r == Range::kExtreme) {
      // mean within 1e3 sd, so that a and b stay distinct after rounding.
      std = std::clamp(std, 1e-290, 1e290);
      mean = std * *GenReal(Range::kModerate);
    } else {
      // mean within 20 sd and cuts >= 0.05 sd apart: [a, b] spans >= 1e-3
      // of its magnitude, so every dtype holds values inside it.
      mean = std * *GenUniformReal(-20, 20);
    }
    const double alpha = *rc::gen::weightedOneOf<double>(
        {{4, GenUniformReal(-12.0, 9.5)},
         {1, rc::gen::element(-1e6, -20.0, -10.5, -10.0, -2.0, 0.0)}});
    const double width =
        r == Range::kExtreme
            ? *rc::gen::weightedOneOf<double>(
                  {{4, GenUniformReal(0.05, 25.0)},
                   {1, rc::gen::element(1e-9, 1e-3, 0.5, 4.0, 1e6)}})
            : *rc::gen::weightedOneOf<double>(
                  {{4, GenUniformReal(0.05, 25.0)},
                   {1, rc::gen::element(0.05, 0.5, 4.0, 1e6)}});
    const double beta = std::max(alpha, -9.5) + width;
    return Values{mean, std, mean + alpha * std, mean + beta * std};
  });
}

std::string CanonicalText(const SchemeSpec& spec, const Values& values) {
  std::string out = std::string(spec.name) + "(";
  for (std::size_t i = 0; i < spec.params.size(); ++i) {
    if (i) out += ", ";
    out += spec.params[i].key;
    out += '=';
    if (const auto* w = std::get_if<std::string>(&values[i])) {
      out += *w;
    } else {
      out += format_number(std::get<double>(values[i]));
    }
  }
  return out + ")";
}


// One parameter from its domain alone (scheme.h ParamDomain). Open word lists
// (no choices) are the nonlinearity names, the only such parameter.
rc::Gen<Scheme::Value> GenParam(const ParamSpec& p, Range r) {
  using V = Scheme::Value;
  switch (p.domain) {
    case ParamDomain::kReal:
      return rc::gen::map(GenReal(r), [](double v) { return V(v); });
    case ParamDomain::kPositive:
      return rc::gen::map(GenPositive(r), [](double v) { return V(v); });
    case ParamDomain::kUnitInterval:
      return rc::gen::map(
          rc::gen::weightedOneOf<double>({{3, GenUniformReal(0.0, 1.0)},
                                          {1, rc::gen::element(0.0, 0.1, 0.5, 0.9, 1.0)}}),
          [](double v) { return V(v); });
    case ParamDomain::kPositiveInteger: {
      const int64_t max = r == Range::kModerate ? 64 : 1000000000;
      return rc::gen::map(GenInt(1, max), [](int64_t v) { return V(double(v)); });
    }
    case ParamDomain::kWord: {
      std::vector<std::string> words;
      for (std::string_view w : p.choices) words.emplace_back(w);
      if (words.empty()) {
        return rc::gen::map(GenNonlinearity(), [](std::string w) { return V(w); });
      }
      return rc::gen::map(rc::gen::elementOf(words), [](std::string w) { return V(w); });
    }
  }
  return rc::gen::just(V(0.0));
}

// Valid parameter values from the spec alone: each parameter from its
// domain, then the scheme's own validate (cross-parameter rules) as a filter.
rc::Gen<Values> GenGenericValues(const SchemeSpec& spec, Range r) {
  const rc::Gen<Values> raw = rc::gen::exec([&spec, r] {
    Values v;
    for (const ParamSpec& p : spec.params) v.push_back(*GenParam(p, r));
    return v;
  });
  return rc::gen::suchThat(raw, [&spec](const Values& v) {
    try {
      (void)Scheme::parse(CanonicalText(spec, v));
      return true;
    } catch (const Error&) {
      return false;
    }
  });
}

// Value refinements for parameters whose interesting cases the generic
// generator rarely reaches (narrow intervals, truncation bounds, groups that
// divide the geometry). Optional per scheme.
using ValuesGen = rc::Gen<Values> (*)(Range r, const Geometry* geometry);
const std::map<SchemeId, ValuesGen>& ValueRefinements() {
  static const std::map<SchemeId, ValuesGen> table = {
      {SchemeId::kUniform, [](Range r, const Geometry*) { return GenIntervalValues(r); }},
      {SchemeId::kRandomUniform,
       [](Range r, const Geometry*) { return GenIntervalValues(r); }},
      {SchemeId::kTruncNormal,
       [](Range r, const Geometry*) { return GenTruncNormalValues(r); }},
      {SchemeId::kDirac,
       [](Range r, const Geometry* geometry) -> rc::Gen<Values> {
         if (geometry != nullptr) {
           return rc::gen::map(rc::gen::elementOf(Divisors(geometry->shape[0])),
                               [](int64_t g) { return Values{double(g)}; });
         }
         const int64_t max = r == Range::kModerate ? 64 : 1000000000;
         return rc::gen::map(GenInt(1, max), [](int64_t g) { return Values{double(g)}; });
       }},
  };
  return table;
}

rc::Gen<Values> GenValues(const SchemeSpec& spec, Range r, const Geometry* geometry) {
  const auto& refinements = ValueRefinements();
  if (auto it = refinements.find(spec.id); it != refinements.end()) {
    return it->second(r, geometry);
  }
  return GenGenericValues(spec, r);
}

}  // namespace

rc::Gen<Scheme> GenSchemeNamed(std::string_view name, Range r,
                               const Geometry* geometry) {
  const SchemeSpec* spec = find_scheme_spec(name);
  return rc::gen::map(GenValues(*spec, r, geometry), [spec](const Values& v) {
    return Scheme::parse(CanonicalText(*spec, v));
  });
}

rc::Gen<Scheme> GenScheme(Range r) {
  return rc::gen::mapcat(
      rc::gen::elementOf(SchemeNames()),
      [r](const std::string& name) { return GenSchemeNamed(name, r); });
}

rc::Gen<FillCase> GenFillCaseOf(const std::vector<std::string>& names, Range r,
                                int64_t max_numel) {
  return rc::gen::exec([=] {
    FillCase c;
    const std::string name = *rc::gen::elementOf(names);
    c.geometry = *GenGeometryFor(name, max_numel);
    c.scheme = *GenSchemeNamed(name, r, &c.geometry);
    c.dtype = *rc::gen::arbitrary<DType>();
    c.key = *GenKey();
    return c;
  });
}

rc::Gen<FillCase> GenFillCase(Range r, int64_t max_numel) {
  return GenFillCaseOf(SchemeNames(), r, max_numel);
}

// ---- scheme text -----------------------------------------------------------

namespace {

std::string Camel(std::string_view snake) {
  std::string out;
  bool up = true;
  for (char c : snake) {
    if (c == '_') {
      up = true;
    } else {
      out += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                : c;
      up = false;
    }
  }
  return out;
}

// Every spelling of `canonical` the parser accepts (scheme.h).
std::vector<std::string> NameSpellings(const std::string& canonical) {
  const SchemeSpec& spec = *find_scheme_spec(canonical);
  std::vector<std::string> v = {canonical, canonical + "_",
                                "torch.nn.init." + canonical + "_",
                                "nn.init." + canonical, Camel(canonical)};
  if (spec.convention == Convention::kKeras) {
    v.push_back("keras.initializers." + Camel(canonical));
    v.push_back("tf.keras.initializers." + Camel(canonical));
    v.push_back("keras.initializers." + canonical);
  }
  // JAX maps kaiming_* / xavier_* to the Keras schemes and refuses its own
  // normal/uniform/truncated_normal.
  const bool jax_renamed =
      canonical.rfind("kaiming_", 0) == 0 || canonical.rfind("xavier_", 0) == 0;
  const bool jax_refused = canonical == "normal" || canonical == "uniform" ||
                           canonical == "truncated_normal";
  if (!jax_renamed && !jax_refused) {
    v.push_back("jax.nn.initializers." + canonical);
  }
  if (canonical == "he_normal")
    v.push_back("jax.nn.initializers.kaiming_normal");
  if (canonical == "he_uniform")
    v.push_back("jax.nn.initializers.kaiming_uniform");
  if (canonical == "glorot_normal")
    v.push_back("jax.nn.initializers.xavier_normal");
  if (canonical == "glorot_uniform")
    v.push_back("jax.nn.initializers.xavier_uniform");
  return v;
}

rc::Gen<std::string> GenSpace() {
  return rc::gen::weightedElement<std::string>(
      {{8, ""}, {4, " "}, {1, "  "}, {1, "\t"}, {1, "\n"}});
}

// Text denoting exactly v (checked: each form is used only when the
// parser's double arithmetic gives v back).
rc::Gen<std::string> GenNumberText(double v) {
  return rc::gen::exec([v] {
    const int form = static_cast<int>(*GenInt(0, 6));
    char buf[64];
    switch (form) {
      case 1:
        std::snprintf(buf, sizeof buf, "%.17g", v);
        return std::string(buf);
      case 2:
        if (v < 0) return "-(" + format_number(-v) + ")";
        return "+" + format_number(v);
      case 3:
      case 4: {
        const double sq = v * v;
        if (std::isfinite(sq) && sq >= DBL_MIN &&
            std::sqrt(sq) == std::fabs(v)) {
          const std::string fn = form == 3 ? "sqrt(" : "math.sqrt(";
          return (v < 0 ? "-" : "") + fn + format_number(sq) + ")";
        }
        break;
      }
      case 5: {
        const double q = v * 4;
        if (std::isfinite(q) && q / 4 == v) return format_number(q) + " / 4";
        break;
      }
      case 6: {
        const double h = v / 2;
        if (h * 2 == v && std::fabs(h) >= DBL_MIN) {
          return "2*(" + format_number(h) + ")";
        }
        break;
      }
      default:
        break;
    }
    return format_number(v);
  });
}

rc::Gen<std::string> GenWordText(const std::string& w) {
  return rc::gen::element(w, "'" + w + "'", "\"" + w + "\"");
}

}  // namespace

rc::Gen<SchemeText> GenSchemeText(Range r) {
  return rc::gen::exec([r] {
    const std::string name = *rc::gen::elementOf(SchemeNames());
    const SchemeSpec& spec = *find_scheme_spec(name);
    const Values intended = *GenValues(spec, r, nullptr);
    const std::size_t np = spec.params.size();

    // Which parameters are written: the first `positional` by position,
    // others by keyword (in shuffled order) or left to their defaults.
    const auto positional = static_cast<std::size_t>(*GenInt(0, int64_t(np)));
    Values values = intended;
    std::vector<std::size_t> keyword;
    for (std::size_t i = positional; i < np; ++i) {
      const ParamSpec& p = spec.params[i];
      const bool required = !p.is_word && !p.default_number;
      if (required || *rc::gen::arbitrary<bool>()) {
        keyword.push_back(i);
      } else if (p.is_word) {
        values[i] = std::string(p.default_word);
      } else {
        values[i] = *p.default_number;
      }
    }
    // A default may conflict with the written values (random_uniform(1e30)
    // leaves maxval at 0.05): then write every parameter.
    try {
      (void)Scheme::parse(CanonicalText(spec, values));
    } catch (const Error&) {
      values = intended;
      keyword.clear();
      for (std::size_t i = positional; i < np; ++i) keyword.push_back(i);
    }
    for (std::size_t i = keyword.size(); i > 1; --i) {
      std::swap(keyword[i - 1],
                keyword[static_cast<std::size_t>(*GenInt(0, int64_t(i) - 1))]);
    }

    auto value_text = [&](std::size_t i) {
      if (const auto* w = std::get_if<std::string>(&values[i])) {
        return *GenWordText(*w);
      }
      return *GenNumberText(std::get<double>(values[i]));
    };
    std::vector<std::string> args;
    for (std::size_t i = 0; i < positional; ++i) args.push_back(value_text(i));
    for (std::size_t i : keyword) {
      const ParamSpec& p = spec.params[i];
      std::string key(p.key);
      if (!p.aliases.empty() && *rc::gen::arbitrary<bool>()) {
        key = std::string(*rc::gen::elementOf(p.aliases));
      }
      args.push_back(key + *GenSpace() + "=" + *GenSpace() + value_text(i));
    }

    std::string text = *GenSpace() + *rc::gen::elementOf(NameSpellings(name));
    const int parens = static_cast<int>(*GenInt(0, 2));
    if (!args.empty() || parens > 0) {
      text += *GenSpace() + "(" + *GenSpace();
      for (std::size_t i = 0; i < args.size(); ++i) {
        if (i) text += *GenSpace() + "," + *GenSpace();
        text += args[i];
      }
      text += *GenSpace() + ")";
    }
    text += *GenSpace();
    return SchemeText{text, CanonicalText(spec, values)};
  });
}

// ---- invalid scheme text ---------------------------------------------------

namespace {

rc::Gen<std::string> GenLetters(int min_len, int max_len) {
  return rc::gen::exec([=] {
    const auto n = static_cast<std::size_t>(*GenInt(min_len, max_len));
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
      s += static_cast<char>('a' + *GenInt(0, 25));
    }
    return s;
  });
}

// A numeric parameter of some scheme, for value errors.
struct NumericSlot {
  std::string scheme;
  std::string key;
};

std::vector<NumericSlot> NumericSlots() {
  std::vector<NumericSlot> v;
  for (const SchemeSpec& s : scheme_specs()) {
    for (const ParamSpec& p : s.params) {
      if (!p.is_word) v.push_back({std::string(s.name), std::string(p.key)});
    }
  }
  return v;
}

// Bytes no scheme text may contain outside quotes (the lexer refuses them).
rc::Gen<char> GenForbiddenByte() {
  return rc::gen::element<char>('\0', '#', '@', '!', ';', '[', '{', '%', '&',
                                '$', '?', '~', '`', '|', '<', '\\', '\x01',
                                '\x7f', '\x80', '\xc3', '\xff');
}

}  // namespace

rc::Gen<BadSchemeText> GenBadSchemeText() {
  using rc::gen::element;
  using rc::gen::exec;
  // A name that is no scheme and no alias of one: schemes never start with q.
  const rc::Gen<BadSchemeText> unknown_name = exec([] {
    const std::string n = "q" + *GenLetters(0, 10);
    const std::string args = *element<std::string>("", "()", "(1)", "(a=1)");
    return BadSchemeText{n + args, "unknown scheme name"};
  });
  const rc::Gen<BadSchemeText> unknown_key = exec([] {
    const std::string name = *rc::gen::elementOf(SchemeNames());
    const std::string key = *rc::gen::weightedOneOf<std::string>(
        {{3, rc::gen::map(GenLetters(0, 6),
                          [](const std::string& s) { return "zz" + s; })},
         {1, element<std::string>("seed", "generator", "dtype")}});
    return BadSchemeText{name + "(" + key + "=1)", "unknown parameter"};
  });
  // A numeric parameter given a value outside its domain or not finite.
  const rc::Gen<BadSchemeText> bad_number = exec([] {
    const NumericSlot slot = *rc::gen::elementOf(NumericSlots());
    const std::string value = *element<std::string>(
        "1e999", "-1e999", "0/0", "1/0", "-1/0", "sqrt(-1)", "1e308*10", "nan",
        "inf", "", "()", "-", "1e", "1.2.3", "sqrt", "sqrt(2", "'1'", "fan_in",
        "2**3", "1,,2");
    std::string text = slot.scheme + "(" + slot.key + "=" + value + ")";
    // sparse also needs its required sparsity to reach the value check.
    return BadSchemeText{text, "non-finite or malformed number"};
  });
  const rc::Gen<BadSchemeText> out_of_domain = exec([] {
    const double x = *GenReal(Range::kModerate);
    const double below = x - *GenPositive(Range::kModerate);
    const double neg = -*GenPositive(Range::kModerate);
    auto f = [](double v) { return format_number(v); };
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"uniform(a=" + f(x) + ", b=" + f(x) + ")", "a == b"},
        {"uniform(" + f(x) + ", " + f(below) + ")", "a > b"},
        {"random_uniform(minval=" + f(x) + ", maxval=" + f(below) + ")",
         "minval > maxval"},
        {"normal(std=" + f(neg) + ")", "std < 0"},
        {"normal(0, 0)", "std == 0"},
        {"random_normal(stddev=" + f(neg) + ")", "stddev < 0"},
        {"truncated_normal(stddev=0)", "stddev == 0"},
        {"trunc_normal(std=" + f(neg) + ")", "std < 0"},
        {"trunc_normal(a=" + f(x) + ", b=" + f(below) + ")", "a > b"},
        {"trunc_normal(mean=0, std=1, a=10, b=12)", "alpha >= 10"},
        {"trunc_normal(mean=0, std=1, a=-12, b=-10)", "beta <= -10"},
        {"xavier_uniform(gain=" + f(neg) + ")", "gain < 0"},
        {"xavier_normal(gain=0)", "gain == 0"},
        {"orthogonal(gain=" + f(neg) + ")", "gain < 0"},
        {"identity(gain=0)", "gain == 0"},
        {"delta_orthogonal(scale=" + f(neg) + ")", "scale < 0"},
        {"variance_scaling(scale=0)", "scale == 0"},
        {"variance_scaling(distribution=normal)", "ambiguous distribution"},
        {"variance_scaling(mode=fan_sum)", "unknown mode"},
        {"variance_scaling(mode=1)", "number for a word"},
        {"kaiming_uniform(mode=fan_avg)", "unknown kaiming mode"},
        {"kaiming_normal(nonlinearity=" + *GenLetters(1, 8) + "x)",
         "unknown nonlinearity"},
        {"kaiming_normal(nonlinearity='')", "empty nonlinearity"},
        {"sparse()", "missing sparsity"},
        {"sparse(std=0.1)", "missing sparsity"},
        {"sparse(" + f(1 - neg) + ")", "sparsity > 1"},
        {"sparse(sparsity=" + f(neg) + ")", "sparsity < 0"},
        {"sparse(0.5, std=0)", "std == 0"},
        {"dirac(groups=0)", "groups == 0"},
        {"dirac(groups=1.5)", "groups not an integer"},
        {"dirac(groups=2e9)", "groups > 1e9"},
        {"dirac(groups=" + f(neg) + ")", "groups < 0"},
        {"jax.nn.initializers.normal", "JAX normal"},
        {"jax.nn.initializers.uniform(1)", "JAX uniform"},
        {"jax.nn.initializers.truncated_normal", "JAX truncated_normal"},
    };
    const auto c = *rc::gen::elementOf(cases);
    return BadSchemeText{c.first, c.second};
  });
  const rc::Gen<BadSchemeText> syntax = exec([] {
    const std::string n = *rc::gen::elementOf(SchemeNames());
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "empty"},
        {" \t ", "blank"},
        {"123", "number for a name"},
        {"'uniform'", "quoted name"},
        {"(uniform)", "parenthesized name"},
        {"=", "lone ="},
        {n + "(", "missing )"},
        {n + "(a=", "missing value"},
        {n + ")", "unbalanced )"},
        {n + "(,)", "empty argument"},
        {n + "(1,,2)", "empty argument"},
        {n + "(a==1)", "double ="},
        {n + "(1 2)", "missing comma"},
        {n + "()(", "trailing ("},
        {n + "() x", "trailing word"},
        {n + " " + n, "two names"},
        {n + "('fan_in)", "unterminated quote"},
        {n + "(\"x)", "unterminated quote"},
        {"uniform(0, a=1)", "a given twice"},
        {"uniform(a=0, a=1)", "a given twice"},
        {"constant(value=1, val=2)", "alias given twice"},
        {"uniform(a=0, 1)", "positional after keyword"},
        {"zeros(1)", "too many positional"},
        {"uniform(0, 1, 2)", "too many positional"},
        {"kaiming_uniform(a=sqrt)", "sqrt without argument"},
        {"kaiming_uniform(a=(1)", "unbalanced ("},
        {"kaiming_uniform(1=1)", "number as key"},
        {"kaiming_uniform__", "two underscores"},
        {"Kaiming_Uniform", "mixed case"},
    };
    const auto c = *rc::gen::elementOf(cases);
    return BadSchemeText{c.first, c.second};
  });
  // A valid text with a byte the lexer refuses inserted anywhere (inside a
  // quoted word it makes the word invalid).
  const rc::Gen<BadSchemeText> forbidden_byte = exec([] {
    std::string text = (*GenSchemeText(Range::kModerate)).text;
    const auto pos = static_cast<std::size_t>(*GenInt(0, int64_t(text.size())));
    text.insert(pos, 1, *GenForbiddenByte());
    return BadSchemeText{text, "forbidden byte"};
  });
  // A strict prefix that opens the argument list but does not close it.
  const rc::Gen<BadSchemeText> truncated = exec([] {
    std::string text;
    std::size_t open = std::string::npos, close = std::string::npos;
    while (open == std::string::npos || close == std::string::npos) {
      text = (*GenSchemeText(Range::kModerate)).text;
      open = text.find('(');
      close = text.rfind(')');
      if (open == std::string::npos || close == std::string::npos) {
        text = "uniform(a=0, b=1)";
        open = text.find('(');
        close = text.rfind(')');
      }
    }
    const auto cut =
        static_cast<std::size_t>(*GenInt(int64_t(open) + 1, int64_t(close)));
    return BadSchemeText{text.substr(0, cut), "truncated inside ( )"};
  });
  // Random bytes with at least one forbidden byte.
  const rc::Gen<BadSchemeText> garbage = exec([] {
    std::string s = *rc::gen::container<std::string>(
        static_cast<std::size_t>(*GenInt(0, 40)),
        rc::gen::map(GenInt(0, 255),
                     [](int64_t b) { return static_cast<char>(b); }));
    const auto pos = static_cast<std::size_t>(*GenInt(0, int64_t(s.size())));
    s.insert(pos, 1, *GenForbiddenByte());
    return BadSchemeText{s, "garbage bytes"};
  });
  return rc::gen::weightedOneOf<BadSchemeText>({{2, unknown_name},
                                                {2, unknown_key},
                                                {3, bad_number},
                                                {4, out_of_domain},
                                                {3, syntax},
                                                {2, forbidden_byte},
                                                {2, truncated},
                                                {2, garbage}});
}

}  // namespace props
}  // namespace initcheck

namespace rc {

using initcheck::props::Range;

Gen<initcheck::Layout> Arbitrary<initcheck::Layout>::arbitrary() {
  return gen::element(initcheck::Layout::kTorch, initcheck::Layout::kKeras,
                      initcheck::Layout::kJax);
}

Gen<initcheck::FanConvention> Arbitrary<initcheck::FanConvention>::arbitrary() {
  return gen::element(initcheck::FanConvention::kFramework,
                      initcheck::FanConvention::kLayer);
}

Gen<initcheck::DType> Arbitrary<initcheck::DType>::arbitrary() {
  return gen::element(initcheck::DType::kF32, initcheck::DType::kF64,
                      initcheck::DType::kF16, initcheck::DType::kBF16);
}

Gen<initcheck::RngKey> Arbitrary<initcheck::RngKey>::arbitrary() {
  return initcheck::props::GenKey();
}

Gen<initcheck::Geometry> Arbitrary<initcheck::Geometry>::arbitrary() {
  return initcheck::props::GenFanGeometry();
}

Gen<initcheck::Scheme> Arbitrary<initcheck::Scheme>::arbitrary() {
  return initcheck::props::GenScheme(Range::kExtreme);
}

Gen<initcheck::props::FillCase>
Arbitrary<initcheck::props::FillCase>::arbitrary() {
  return initcheck::props::GenFillCase(Range::kModerate);
}

Gen<initcheck::props::SchemeText>
Arbitrary<initcheck::props::SchemeText>::arbitrary() {
  return initcheck::props::GenSchemeText(Range::kExtreme);
}

Gen<initcheck::props::BadSchemeText>
Arbitrary<initcheck::props::BadSchemeText>::arbitrary() {
  return initcheck::props::GenBadSchemeText();
}

}  // namespace rc
