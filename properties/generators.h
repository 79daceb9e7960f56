// File: properties/generators.h
//
// RapidCheck generators and counterexample printers for initcheck's domain:
// shapes, layouts, fan conventions, dtypes, seeds and streams, geometries,
// schemes (valid and invalid text), whole fills. Every property suite draws
// its inputs from here, so "the whole input space" is defined in one place.
//
// Sizes stay small (at most kMaxNumel elements per tensor) so that a property
// runs its cases in well under a second; the properties are about structure
// and formulas, which small tensors exercise as well as large ones.
//
// Printing: a shrunk counterexample reads like
//   kaiming_normal(a=0, mode=fan_out, nonlinearity=leaky_relu) on torch[3, 1,
//   5] as f16, seed=0 stream=18446744073709551615
// through the showValue overloads below (rc::show finds them by
// argument-dependent lookup, so those for lib's types live in namespace
// initcheck; lib itself defines no showValue).
#ifndef INITCHECK_PROPERTIES_GENERATORS_H_
#define INITCHECK_PROPERTIES_GENERATORS_H_

#include <rapidcheck.h>

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "initcheck/dtype.h"
#include "initcheck/fans.h"
#include "initcheck/fill.h"
#include "initcheck/random.h"
#include "initcheck/scheme.h"

namespace initcheck {

void showValue(Layout l, std::ostream& os);         // "torch"
void showValue(FanConvention c, std::ostream& os);  // "layer"
void showValue(DType t, std::ostream& os);          // "bf16"
void showValue(const Geometry& g,
               std::ostream& os);  // "keras[3, 3, 4, 8] groups=2 layer"
void showValue(const Scheme& s, std::ostream& os);  // canonical text
void showValue(const RngKey& k, std::ostream& os);  // "seed=0 stream=7"

namespace props {

// Largest tensor the generators produce (elements).
inline constexpr int64_t kMaxNumel = int64_t{1} << 14;

// How far generated parameter values range.
enum class Range {
  kModerate,  // magnitudes 1e-3..1e3: every dtype (even f16) holds the values
  kExtreme,   // anything the parser accepts: subnormals, 1e300, DBL_MAX, -0,
              // intervals a few ulp wide, truncation far beyond 10 sd
};

// A whole fill, as a user would ask for it.
struct FillCase {
  Scheme scheme;
  Geometry geometry;
  DType dtype = DType::kF32;
  RngKey key;
};
// "kaiming_normal(...) on torch[3, 1, 5] as f16, seed=0 stream=7"
void showValue(const FillCase& c, std::ostream& os);

// Scheme text a user may write, with the scheme it must parse to (built by
// parsing the canonical text of the intended values).
struct SchemeText {
  std::string text;
  std::string canonical;  // name(key=value, ...) of the intended values
};
void showValue(const SchemeText& t, std::ostream& os);

// Text that is not a valid scheme, with the reason it is invalid.
struct BadSchemeText {
  std::string text;
  std::string why;
};
void showValue(const BadSchemeText& t, std::ostream& os);

// ---- scalars --------------------------------------------------------------

// Integers in [lo, hi] drawn uniformly whatever RapidCheck's size is (its
// inRange narrows the range at small sizes), shrinking towards lo.
rc::Gen<int64_t> GenInt(int64_t lo, int64_t hi);
// A double in [lo, hi] on a grid of 2^20 steps, shrinking towards lo.
rc::Gen<double> GenUniformReal(double lo, double hi);
// Positive numbers: kModerate 1e-3..1e3 (a few significant digits);
// kExtreme adds 1e-300..1e300, subnormals, DBL_MIN and DBL_MAX.
rc::Gen<double> GenPositive(Range r);
// Signed numbers and zero (kExtreme also -0).
rc::Gen<double> GenReal(Range r);
// Full 64-bit words with 0, 1, 2^32 - 1, 2^32, 2^63 and 2^64 - 1 weighted up.
rc::Gen<uint64_t> GenWord64();
rc::Gen<RngKey> GenKey();

// ---- shapes and geometries -------------------------------------------------

// One dimension: 1 and small primes weighted up, sometimes up to 300.
rc::Gen<int64_t> GenDim();
// Rank in [min_rank, max_rank], at most max_numel elements (dims are capped
// left to right, so shrinking keeps the shape valid).
rc::Gen<Shape> GenShape(int min_rank, int max_rank,
                        int64_t max_numel = kMaxNumel);
// A valid geometry for fan computation: rank 2-5 read through a layout (with
// groups dividing the channel dim, transposed, either convention), explicit
// axes, or explicit fans (then any rank).
rc::Gen<Geometry> GenFanGeometry(int64_t max_numel = kMaxNumel);
// A valid geometry on which scheme `name` can be planned (rank, layout and
// the in <= out rule of delta_orthogonal).
rc::Gen<Geometry> GenGeometryFor(std::string_view name,
                                 int64_t max_numel = kMaxNumel);

// ---- schemes ---------------------------------------------------------------

// The names calculate_gain accepts.
rc::Gen<std::string> GenNonlinearity();
// "fan_in" or "fan_out" (kaiming_*); with `keras`, also "fan_avg" and
// "fan_geo_avg" (variance_scaling).
rc::Gen<std::string> GenFanMode(bool keras = false);

// Every canonical scheme name, in scheme_specs() order.
const std::vector<std::string>& SchemeNames();
// Names whose fill is elementwise random (uniform or (truncated) normal).
const std::vector<std::string>& ElementwiseSchemeNames();

// A valid scheme `name` with parameters from range `r`. With a geometry, the
// parameters also fit it (dirac's groups divide the output channels).
rc::Gen<Scheme> GenSchemeNamed(std::string_view name, Range r,
                               const Geometry* geometry = nullptr);
rc::Gen<Scheme> GenScheme(Range r);
// Scheme + geometry + dtype + key, always plannable.
rc::Gen<FillCase> GenFillCase(Range r, int64_t max_numel = kMaxNumel);
// Same, restricted to the given scheme names.
rc::Gen<FillCase> GenFillCaseOf(const std::vector<std::string>& names, Range r,
                                int64_t max_numel = kMaxNumel);

// Valid scheme text in every accepted spelling: aliases (kaiming_uniform_,
// HeNormal, torch.nn.init., keras.initializers., jax.nn.initializers.),
// positional and keyword arguments, omitted defaults, expressions (sqrt(x),
// x/4, -(x)), quoted words, whitespace.
rc::Gen<SchemeText> GenSchemeText(Range r);
// Invalid scheme text: unknown names and keys, bad values (a >= b, std <= 0,
// NaN/inf, out-of-range), syntax errors, garbage bytes.
rc::Gen<BadSchemeText> GenBadSchemeText();

}  // namespace props
}  // namespace initcheck

namespace rc {

template <>
struct Arbitrary<initcheck::Layout> {
  static Gen<initcheck::Layout> arbitrary();
};
template <>
struct Arbitrary<initcheck::FanConvention> {
  static Gen<initcheck::FanConvention> arbitrary();
};
template <>
struct Arbitrary<initcheck::DType> {
  static Gen<initcheck::DType> arbitrary();
};
template <>
struct Arbitrary<initcheck::RngKey> {
  static Gen<initcheck::RngKey> arbitrary();
};
template <>
struct Arbitrary<initcheck::Geometry> {  // valid for compute_fans
  static Gen<initcheck::Geometry> arbitrary();
};
template <>
struct Arbitrary<initcheck::Scheme> {  // any valid scheme, extreme range
  static Gen<initcheck::Scheme> arbitrary();
};
template <>
struct Arbitrary<initcheck::props::FillCase> {  // moderate range
  static Gen<initcheck::props::FillCase> arbitrary();
};
template <>
struct Arbitrary<initcheck::props::SchemeText> {
  static Gen<initcheck::props::SchemeText> arbitrary();
};
template <>
struct Arbitrary<initcheck::props::BadSchemeText> {
  static Gen<initcheck::props::BadSchemeText> arbitrary();
};

}  // namespace rc

#endif  // INITCHECK_PROPERTIES_GENERATORS_H_
