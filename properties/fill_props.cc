// Fill properties: bounds, finiteness, f16/bf16 rounding, and the
// reproducibility contract of fill/fill_slice (random.h) over every scheme,
// geometry, dtype, seed and stream.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <optional>
#include <vector>

#include "generators.h"
#include "initcheck/fill.h"
#include "prop_util.h"

namespace initcheck::props {
namespace {

// Interval every stored value of an elementwise plan lies in. f32/f64:
// uniform [low, high), truncated [low, high]. f16/bf16 round the f32 values
// to nearest, which may reach a bound (documented), so the interval is the
// rounding of the f32 interval, closed.
struct Interval {
  double lo, hi;
  bool hi_open;
};

std::optional<Interval> ValueInterval(const FillPlan& p, DType t) {
  const bool uniform = p.kind == FillPlan::Kind::kUniform;
  const bool truncated = p.kind == FillPlan::Kind::kNormal && p.truncated;
  if (!uniform && !truncated) return std::nullopt;
  if (t == DType::kF32 || t == DType::kF64) {
    return Interval{p.low, p.high, uniform};
  }
  return Interval{StoredAs(t, FloatDown(p.low)), StoredAs(t, FloatUp(p.high)),
                  false};
}

bool Inside(double v, const Interval& b) {
  return v >= b.lo && (b.hi_open ? v < b.hi : v <= b.hi);
}

// The first element that is not finite or not inside the plan's interval,
// or -1.
int64_t FirstBadValue(const Tensor& t, const FillPlan& p) {
  const std::optional<Interval> b = ValueInterval(p, t.dtype());
  for (int64_t i = 0; i < t.numel(); ++i) {
    const double v = t.get(i);
    if (!std::isfinite(v) || (b && !Inside(v, *b))) return i;
  }
  return -1;
}

void LogBadValue(const Tensor& t, const FillPlan& p, int64_t i) {
  RC_LOG() << "plan " << p.describe() << ": element " << i << " = "
           << format_number(t.get(i)) << "\n";
}

rc::Gen<FillCase> GenMixedCase() {
  return rc::gen::weightedOneOf<FillCase>(
      {{2, GenFillCase(Range::kModerate)}, {1, GenFillCase(Range::kExtreme)}});
}

// Moderate parameters (|values| well inside f16's range): the fill succeeds
// for every scheme, geometry and dtype, every value is finite, uniform
// values lie in [low, high) and truncated ones in [low, high] (f16/bf16:
// the rounded interval). Catches D-28 (truncated values outside the cut),
// a uniform reaching `high` (u = 1, or low + span u rounding up), a plan
// that refuses a valid input.
RC_GTEST_PROP(FillProperties, ValuesStayInBounds, (const FillCase& c)) {
  RC_TAG(c.scheme.name(), dtype_name(c.dtype));
  const FillPlan p = plan_fill(c.scheme, c.geometry);
  const Tensor t =
      fill(c.scheme, c.geometry, c.dtype, {c.key.seed, c.key.stream, 1});
  RC_ASSERT(t.shape() == c.geometry.shape);
  const int64_t bad = FirstBadValue(t, p);
  if (bad >= 0) LogBadValue(t, p, bad);
  RC_ASSERT(bad == -1);
}

// Any parameters the parser accepts (subnormal, 1e300, DBL_MAX, intervals a
// few ulp wide, cuts beyond 10 sd): fill either throws initcheck::Error with
// a one-line message, or returns finite values inside the plan's bounds.
// Catches inf/NaN from overflow (std * z past the dtype's range, a constant
// beyond f32), values outside an interval that holds no value of the dtype,
// and crashes on degenerate kernels.
RC_GTEST_PROP(FillProperties, ExtremeParametersGiveFiniteValuesOrError, ()) {
  const FillCase c = *GenFillCase(Range::kExtreme).as("case");
  const auto t = Capture([&] {
    return fill(c.scheme, c.geometry, c.dtype, {c.key.seed, c.key.stream, 1});
  });
  RC_CLASSIFY(t.threw, "refused with initcheck::Error");
  if (t.threw) {
    RC_LOG() << t.error << "\n";
    RC_ASSERT(OneLine(t.error));
    return;
  }
  const FillPlan p = plan_fill(c.scheme, c.geometry);
  // Intervals holding no value of the dtype and values past its range used
  // to give out-of-bounds values and infinities; lib now refuses both
  // (Regression.IntervalHoldingNoF32GivesValuesOutside,
  // Regression.OverflowPastTheDtypeGivesInf).
  const int64_t bad = FirstBadValue(*t.value, p);
  if (bad >= 0) LogBadValue(*t.value, p, bad);
  RC_ASSERT(bad == -1);
}

// f16 and bf16 tensors are exactly the round-to-nearest-even of the f32
// tensor with the same inputs; an f16 value beyond 65504 makes fill throw
// initcheck::Error (never an inf in the output). Catches truncation instead
// of rounding, ties away from zero, the SIMD and scalar conversions
// disagreeing, and a silent f16 overflow.
RC_GTEST_PROP(FillProperties, HalfPrecisionIsRoundedF32, ()) {
  FillCase c = *GenMixedCase().as("case");
  c.dtype = *rc::gen::element(DType::kF16, DType::kBF16).as("dtype");
  const FillOptions o{c.key.seed, c.key.stream, 1};
  const auto f32 =
      Capture([&] { return fill(c.scheme, c.geometry, DType::kF32, o); });
  const auto half =
      Capture([&] { return fill(c.scheme, c.geometry, c.dtype, o); });
  if (f32.threw) {
    RC_ASSERT(half.threw);
    return;
  }
  const float* x = f32.value->as<float>();
  std::vector<uint16_t> want(static_cast<std::size_t>(f32.value->numel()));
  bool overflow = false;
  for (std::size_t i = 0; i < want.size(); ++i) {
    want[i] = c.dtype == DType::kF16 ? f32_to_f16(x[i]) : f32_to_bf16(x[i]);
    overflow =
        overflow || (c.dtype == DType::kF16 && (want[i] & 0x7c00u) == 0x7c00u);
  }
  RC_CLASSIFY(overflow, "f16 overflow");
  if (overflow) {
    RC_ASSERT(half.threw);
    RC_ASSERT(OneLine(half.error));
    return;
  }
  RC_ASSERT(half.ok());
  RC_ASSERT(std::memcmp(half.value->data(), want.data(),
                        want.size() * sizeof(uint16_t)) == 0);
}

// A scheme whose values exceed 65504 cannot be stored as f16: fill throws
// initcheck::Error naming f16, while f32 and bf16 hold the values. Catches
// an f16 overflow stored as inf (the documented error path skipped, e.g. by
// the SIMD conversion's overflow flag).
RC_GTEST_PROP(FillProperties, F16OverflowIsAnError, ()) {
  const double big = *rc::gen::map(GenUniformReal(0, 20), [](double e) {
                        return 65520.0 * std::exp2(e);
                      }).as("magnitude");
  const double sign = *rc::gen::element(1.0, -1.0);
  const double lo = sign > 0 ? big : -1.5 * big;
  const double hi = sign > 0 ? 1.5 * big : -big;
  const std::string text = *rc::gen::element<std::string>(
      "constant(" + format_number(sign * big) + ")",
      "uniform(" + format_number(lo) + ", " + format_number(hi) + ")",
      "normal(" + format_number(sign * big * 2) + ", 1)");
  Geometry g;
  g.shape = *GenShape(1, 3).as("shape");
  const Scheme s = Scheme::parse(text);
  RC_LOG() << s.str() << "\n";
  const auto h = Capture([&] { return fill(s, g, DType::kF16, {}); });
  RC_ASSERT(h.threw);
  RC_ASSERT(OneLine(h.error));
  RC_ASSERT(h.error.find("f16") != std::string::npos);
  for (DType t : {DType::kF32, DType::kBF16}) {
    const Tensor ok = fill(s, g, t, {});
    for (int64_t i = 0; i < ok.numel(); ++i)
      RC_ASSERT(std::isfinite(ok.get(i)));
  }
}

// Same (seed, stream, scheme, geometry, dtype) -> bit-identical tensors.
// Catches hidden state (a global generator, a cached kernel), uninitialized
// output bytes, and dispatch that changes between calls.
RC_GTEST_PROP(FillProperties, SameInputsAreBitIdentical, (const FillCase& c)) {
  const FillOptions o{c.key.seed, c.key.stream, 0};
  RC_ASSERT(BitEqual(fill(c.scheme, c.geometry, c.dtype, o),
                     fill(c.scheme, c.geometry, c.dtype, o)));
}

// Any split of [0, n) into chunks, each filled with fill_slice in any order,
// equals the whole fill: element i depends only on (seed, stream, i).
// Catches counters restarted per call (every chunk starting at block 0),
// misaligned starts inside a Philox block, f16 conversion buffers that leak
// across chunks, structured schemes that depend on the slice.
RC_GTEST_PROP(FillProperties, AnySliceSplitEqualsWholeFill,
              (const FillCase& c)) {
  const FillOptions o{c.key.seed, c.key.stream, 1};
  const Tensor whole = fill(c.scheme, c.geometry, c.dtype, o);
  const int64_t n = whole.numel();
  const std::size_t size = dtype_size(c.dtype);
  const auto cuts_n = static_cast<std::size_t>(*GenInt(0, 7).as("cuts"));
  std::vector<int64_t> edges =
      *rc::gen::container<std::vector<int64_t>>(cuts_n, GenInt(0, n))
           .as("cut points");
  edges.push_back(0);
  edges.push_back(n);
  std::sort(edges.begin(), edges.end());
  std::vector<std::size_t> order(edges.size() - 1);
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (std::size_t i = order.size(); i > 1; --i) {
    std::swap(order[i - 1], order[static_cast<std::size_t>(
                                *GenInt(0, static_cast<int64_t>(i) - 1))]);
  }
  std::vector<std::byte> out(static_cast<std::size_t>(n) * size,
                             std::byte{0xa5});
  for (std::size_t k : order) {
    fill_slice(c.scheme, c.geometry, c.dtype, o, edges[k], edges[k + 1],
               out.data() + static_cast<std::size_t>(edges[k]) * size);
  }
  RC_ASSERT(std::memcmp(out.data(), whole.data(), out.size()) == 0);
}

// Any thread count (2..8) gives the 1-thread tensor, on tensors large enough
// (>= 2^17 elements) for fill to split them. Catches per-thread generators,
// chunk boundaries that shift the counter, races on shared buffers.
RC_GTEST_PROP(FillProperties, ThreadCountDoesNotChangeOutput, ()) {
  FillCase c =
      *GenFillCaseOf(ElementwiseSchemeNames(), Range::kModerate).as("case");
  const int64_t numel = shape_numel(c.geometry.shape);
  // Grow dim 0 (keeps groups and axes valid) past the parallel threshold.
  const int64_t grow =
      ((int64_t{1} << 17) + numel - 1) / numel + *GenInt(0, 3).as("extra rows");
  c.geometry.shape[0] *= grow;
  const int threads = static_cast<int>(*GenInt(2, 8).as("threads"));
  RC_LOG() << "shape " << shape_string(c.geometry.shape) << "\n";
  const Tensor one =
      fill(c.scheme, c.geometry, c.dtype, {c.key.seed, c.key.stream, 1});
  const Tensor many =
      fill(c.scheme, c.geometry, c.dtype, {c.key.seed, c.key.stream, threads});
  RC_ASSERT(BitEqual(one, many));
}

// Random schemes with >= 16 random elements give different f32/f64 tensors
// for a different seed or a different stream. Catches a seed or stream
// ignored (or only its low 32 bits used), streams that alias.
RC_GTEST_PROP(FillProperties, SeedsAndStreamsChangeOutput, ()) {
  std::vector<std::string> names = ElementwiseSchemeNames();
  names.insert(names.end(), {"orthogonal", "sparse", "delta_orthogonal"});
  FillCase c = *GenFillCaseOf(names, Range::kModerate).as("case");
  c.dtype = *rc::gen::element(DType::kF32, DType::kF64).as("dtype");
  const FillPlan p = plan_fill(c.scheme, c.geometry);
  RC_PRE(shape_numel(c.geometry.shape) >= 16);
  RC_PRE(p.kind != FillPlan::Kind::kDeltaOrthogonal || p.rows * p.cols >= 16);
  RC_PRE(p.kind != FillPlan::Kind::kSparse ||
         std::ceil(p.sparsity * static_cast<double>(p.rows)) < p.rows);
  // An interval only a few f32 ulp wide has a few possible values: equal
  // tensors are then likely, not a bug.
  if (p.kind == FillPlan::Kind::kUniform || p.truncated) {
    const double lo =
        p.truncated ? std::max(p.low, p.mean - 10 * p.std) : p.low;
    const double hi =
        p.truncated ? std::min(p.high, p.mean + 10 * p.std) : p.high;
    RC_PRE(hi - lo >= 1e-3 * std::max(std::fabs(lo), std::fabs(hi)));
  }
  RngKey other = c.key;
  const bool change_seed = *rc::gen::arbitrary<bool>().as("change seed");
  uint64_t& word = change_seed ? other.seed : other.stream;
  word = *rc::gen::distinctFrom(GenWord64(), word).as("other word");
  RC_TAG(change_seed ? "seed" : "stream");
  const Tensor a =
      fill(c.scheme, c.geometry, c.dtype, {c.key.seed, c.key.stream, 1});
  const Tensor b =
      fill(c.scheme, c.geometry, c.dtype, {other.seed, other.stream, 1});
  RC_ASSERT(!BitEqual(a, b));
}

// sparse: in f64, every column holds exactly min(rows, ceil(sparsity rows))
// zeros (the non-zero values are normals, never exactly 0). Catches zeros
// counted per row instead of per column, floor instead of ceil, a mask that
// collides with itself.
RC_GTEST_PROP(FillProperties, SparseZerosPerColumn, ()) {
  FillCase c = *GenFillCaseOf({"sparse"}, Range::kModerate).as("case");
  c.dtype = *rc::gen::element(DType::kF32, DType::kF64).as("dtype");
  const int64_t rows = c.geometry.shape[0], cols = c.geometry.shape[1];
  const auto zeros = std::min<int64_t>(
      rows, static_cast<int64_t>(std::ceil(c.scheme.number("sparsity") *
                                           static_cast<double>(rows))));
  const Tensor t =
      fill(c.scheme, c.geometry, c.dtype, {c.key.seed, c.key.stream, 1});
  for (int64_t col = 0; col < cols; ++col) {
    int64_t n = 0;
    for (int64_t r = 0; r < rows; ++r) n += t.get(r * cols + col) == 0.0;
    RC_ASSERT(n == zeros);
  }
}

// sparse: the zero positions follow the seed and the stream. With at least
// 2^40 possible masks, two keys giving the same mask means the mask is not
// keyed. Catches D-12 (sparse mask not seeded).
RC_GTEST_PROP(FillProperties, SparseMaskFollowsSeed, ()) {
  const int64_t rows = *GenInt(16, 64).as("rows");
  const int64_t cols = *GenInt(10, 64).as("cols");
  const int64_t zeros = *GenInt(1, rows - 1).as("zeros per column");
  const double sparsity =
      (static_cast<double>(zeros) - 0.5) / static_cast<double>(rows);
  const Scheme s = Scheme::parse("sparse(" + format_number(sparsity) + ")");
  Geometry g;
  g.shape = {rows, cols};
  const RngKey a = *GenKey().as("key a");
  RngKey b = a;
  if (*rc::gen::arbitrary<bool>().as("change seed")) {
    b.seed = *rc::gen::distinctFrom(GenWord64(), a.seed);
  } else {
    b.stream = *rc::gen::distinctFrom(GenWord64(), a.stream);
  }
  const Tensor ta = fill(s, g, DType::kF64, {a.seed, a.stream, 1});
  const Tensor tb = fill(s, g, DType::kF64, {b.seed, b.stream, 1});
  bool same_mask = true;
  for (int64_t i = 0; i < rows * cols && same_mask; ++i) {
    same_mask = (ta.get(i) == 0.0) == (tb.get(i) == 0.0);
  }
  RC_ASSERT(!same_mask);
}

// A scheme on a geometry it cannot use (eye/identity/sparse not 2-D, dirac
// not 3-5-D torch or groups not dividing the output channels,
// delta_orthogonal on torch layout or with in > out, orthogonal 1-D, a
// fan-based scheme on a 1-D weight without fans) makes plan_fill and fill
// throw initcheck::Error with a one-line message. Catches an out-of-bounds
// write (dirac's centre on a 2-D weight, eye on 1-D) instead of a refusal.
RC_GTEST_PROP(FillProperties, WrongGeometryIsAnError, ()) {
  const int what = static_cast<int>(*GenInt(0, 6).as("defect"));
  std::string name;
  Geometry g;
  switch (what) {
    case 0:
      name = *rc::gen::element<std::string>("eye", "identity", "sparse");
      g.shape = *rc::gen::suchThat(
          GenShape(1, 5), [](const Shape& s) { return s.size() != 2; });
      break;
    case 1:
      name = "dirac";
      g.shape = *GenShape(1, 2);
      break;
    case 2:
      name = "dirac";
      g.shape = *GenShape(3, 5);
      g.layout = *rc::gen::element(Layout::kKeras, Layout::kJax);
      break;
    case 3:
      name = "delta_orthogonal";
      g.shape = *GenShape(3, 5);
      break;  // torch layout
    case 4: {
      name = "delta_orthogonal";
      g.shape = *GenShape(3, 5);
      g.layout = Layout::kJax;
      const std::size_t r = g.shape.size();
      g.shape[r - 2] = g.shape[r - 1] + *GenInt(1, 5);  // in > out
      break;
    }
    case 5:
      name = "orthogonal";
      g.shape = *GenShape(1, 1);
      break;
    default:
      name = *rc::gen::elementOf(
          std::vector<std::string>{"xavier_uniform", "kaiming_normal",
                                   "he_uniform", "variance_scaling"});
      g.shape = *GenShape(1, 1);
      break;
  }
  const Scheme s = *GenSchemeNamed(name, Range::kModerate);
  RC_TAG(name);
  RC_LOG() << s.str() << " on " << shape_string(g.shape) << "\n";
  const auto p = Capture([&] { return plan_fill(s, g); });
  RC_ASSERT(p.threw);
  RC_ASSERT(OneLine(p.error));
  const auto t = Capture([&] { return fill(s, g, DType::kF32, {}); });
  RC_ASSERT(t.threw);
}

// dirac(groups) with groups not dividing the output channels is an Error.
RC_GTEST_PROP(FillProperties, DiracGroupsMustDivideOutputs, ()) {
  Geometry g;
  g.shape = *GenShape(3, 5).as("shape");
  const int64_t groups = g.shape[0] + *GenInt(1, 50).as("extra");
  const Scheme s =
      Scheme::parse("dirac(groups=" + std::to_string(groups) + ")");
  const auto p = Capture([&] { return plan_fill(s, g); });
  RC_ASSERT(p.threw);
  RC_ASSERT(OneLine(p.error));
}

// fill_slice with a range outside [0, numel) and a negative thread count
// are initcheck::Errors, never a write past the buffer. Catches an unchecked
// end (writing into the caller's memory) or begin > end taken as empty.
RC_GTEST_PROP(FillProperties, BadSliceOrThreadsIsAnError, (const FillCase& c)) {
  const int64_t n = shape_numel(c.geometry.shape);
  const int what = static_cast<int>(*GenInt(0, 3).as("defect"));
  int64_t begin = 0, end = n;
  int threads = 1;
  if (what == 0) begin = -*GenInt(1, 1000).as("before 0");
  if (what == 1) end = n + *GenInt(1, 1000).as("past end");
  if (what == 2) {
    begin = *GenInt(1, n).as("begin");
    end = begin - 1;
  }
  if (what == 3) threads = -static_cast<int>(*GenInt(1, 8).as("threads"));
  std::vector<std::byte> out(static_cast<std::size_t>(n + 1000) * 8);
  const auto r = Capture([&] {
    fill_slice(c.scheme, c.geometry, c.dtype,
               {c.key.seed, c.key.stream, threads}, begin, end, out.data());
    return 0;
  });
  RC_ASSERT(r.threw);
  RC_ASSERT(OneLine(r.error));
}

}  // namespace
}  // namespace initcheck::props
