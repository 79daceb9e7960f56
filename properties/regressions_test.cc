// Regression tests: shrunk counterexamples the property suites found in lib/
// and verify/, kept as plain GoogleTest cases so that they run exactly as
// written whatever RapidCheck's seed. Each names the bug and the property
// that found it. They fail until the bug is fixed; the properties skip the
// known bug's region (marked "Known bug" there) so that they keep looking for
// new ones.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "initcheck/error.h"
#include "initcheck/fill.h"
#include "initcheck/scheme.h"
#include "initcheck/verify/ks.h"

namespace initcheck::props {
namespace {

// Fills `scheme` on `shape`; returns "" if every value is finite and in
// [low, high] (or `high` excluded when `open`), the Error message prefixed by
// "Error: " if fill refused, else the first offending value.
std::string FillProblem(const std::string& scheme, Shape shape, DType dtype,
                        double low, double high, bool open) {
  Geometry g;
  g.shape = std::move(shape);
  try {
    const Tensor t = fill(Scheme::parse(scheme), g, dtype, {});
    for (int64_t i = 0; i < t.numel(); ++i) {
      const double v = t.get(i);
      if (!std::isfinite(v) || v < low || (open ? v >= high : v > high)) {
        return "element " + std::to_string(i) + " = " + format_number(v);
      }
    }
    return "";
  } catch (const Error& e) {
    return std::string("Error: ") + e.what();
  }
}

// Either a refusal with initcheck::Error or values inside the interval.
void ExpectRefusedOrInside(const std::string& scheme, Shape shape, DType dtype,
                           double low, double high, bool open) {
  const std::string p =
      FillProblem(scheme, std::move(shape), dtype, low, high, open);
  if (!p.empty() && p.rfind("Error: ", 0) != 0) {
    ADD_FAILURE() << scheme << " as " << dtype_name(dtype) << ": " << p
                  << " (want an initcheck::Error or finite values in ["
                  << format_number(low) << ", " << format_number(high)
                  << (open ? "))" : "])");
  }
}

constexpr double kInf = INFINITY;

// Found by FillProperties.ExtremeParametersGiveFiniteValuesOrError.
// An interval that holds no f32 value (a few f64 ulp wide, or between f32's
// subnormals) gives values outside it: make_uniform_kernel_f32 and
// make_normal_kernel_f32 round the bounds outwards-then-clamp without
// checking that any f32 lies inside. kernel.h promises [low, high) and
// [low, high]; lib should refuse such an interval with an Error.
TEST(Regression, IntervalHoldingNoF32GivesValuesOutside) {
  // Gives 1.0010000467300415 >= b.
  ExpectRefusedOrInside("uniform(a=1.001, b=1.0010000099999998)", {1},
                        DType::kF32, 1.001, 1.0010000099999998, true);
  // Gives 1 (the float below a) for [1.00000001, 1.00000002].
  ExpectRefusedOrInside(
      "trunc_normal(mean=1, std=1e-7, a=1.00000001, b=1.00000002)", {1},
      DType::kF32, 1.00000001, 1.00000002, false);
  // Gives 0 for [-1.3e-46, -1e-46] (below f32's smallest subnormal).
  ExpectRefusedOrInside(
      "trunc_normal(mean=-1e-47, std=1e-47, a=-1.2999999999999999e-46, "
      "b=-1e-46)",
      {1}, DType::kF32, -1.2999999999999999e-46, -1e-46, false);
}

// Found by FillProperties.ExtremeParametersGiveFiniteValuesOrError and
// FillProperties.HalfPrecisionIsRoundedF32. Values beyond the output
// dtype's range are stored as +-inf without an error: only f16 is checked
// (CheckF16 in fill.cc). The structured and constant schemes convert with
// static_cast<float> / f32_to_bf16 (StoreValue), and the normal kernels can
// reach mean + scale * z beyond FLT_MAX. lib should throw Error as it does
// for f16 ("overflows f32 (largest finite 3.4e38)").
TEST(Regression, OverflowPastTheDtypeGivesInf) {
  ExpectRefusedOrInside("identity(gain=1e39)", {1, 1}, DType::kF32, -kInf, kInf,
                        false);
  ExpectRefusedOrInside("constant(value=1e39)", {4}, DType::kF32, -kInf, kInf,
                        false);
  // A finite f32 that bf16's round to nearest takes to inf.
  ExpectRefusedOrInside("constant(value=3.4e38)", {4}, DType::kBF16, -kInf,
                        kInf, false);
  ExpectRefusedOrInside("sparse(sparsity=0, std=1e+39)", {13, 1}, DType::kBF16,
                        -kInf, kInf, false);
  ExpectRefusedOrInside("orthogonal(gain=1e39)", {2, 2}, DType::kF32, -kInf,
                        kInf, false);
  // 7 of 10000 values are inf (|z| > 3.4).
  ExpectRefusedOrInside("normal(std=1e38)", {10000}, DType::kF32, -kInf, kInf,
                        false);
}

// Found by ParserProperties.InvalidTextIsAnErrorWithOneLineMessage. Parse
// errors quote the scheme text verbatim ("... in scheme '<text>'"), so a line
// break (or NUL, or any control byte) in the input ends up in the one-line
// message. lib's io readers escape quoted input (detail::printable); the
// parser should too.
TEST(Regression, ParseErrorEchoesLineBreaks) {
  for (const std::string text :
       {"\\xavier_uniform_ (\ngain=1  )", "normal(\nstd=)",
        "kaiming_normal(nonlinearity='re\nlu')"}) {
    try {
      (void)Scheme::parse(text);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;
    }
  }
}

// Found while writing ParserProperties (expression generator): the
// expression parser recurses once per '(' and per unary sign with no depth
// limit, so a long enough scheme text overflows the stack (SIGSEGV at about
// 10^5 nested parentheses, a 200 KB string). The .npy and safetensors
// readers cap nesting for exactly this reason; Scheme::parse should refuse
// deep nesting with an Error. Run in a child process (death-test machinery)
// so that the crash does not take the test binary down.
TEST(Regression, DeeplyNestedSchemeTextCrashesParser) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const int kDepth = 1 << 20;
  const std::string parens = "normal(std=" + std::string(kDepth, '(') + "1" +
                             std::string(kDepth, ')') + ")";
  const std::string signs = "normal(std=" + std::string(kDepth, '+') + "1)";
  for (const std::string& text : {parens, signs}) {
    EXPECT_EXIT(
        {
          try {
            (void)Scheme::parse(text);
          } catch (const Error&) {
          }
          std::exit(0);
        },
        ::testing::ExitedWithCode(0), "")
        << text.substr(0, 20) << "... (" << text.size() << " bytes)";
  }
}

// Found by StatsProperties.KsPValueIsMonotone (shrunk: n = 15922, D = 0.61648
// gives p = 1, above p(D = 0.00138) = 1 - 1e-16). For n > 5000 the one-sided
// Smirnov tail is integrated numerically (smirnov_integral) with the
// integrand scaled by its value at the midpoint of the range; for large D the
// mass sits at the start of the range, exp(log_term - ref) overflows, the
// integral is inf and min(1, inf) returns 1. So ks_pvalue(n, D) = 1 for a
// grossly wrong sample (D >= 1/2, any n > 5000 with n D^2 large): the KS test
// passes a 10x scale error. Fix: use the DKW/Massart bound
// P(D+ >= d) <= exp(-2 n d^2) to return 0 when it underflows, and/or scale
// by the integrand's maximum; in ks_pvalue_method test w >= 370 before
// d >= 1/2.
TEST(Regression, KsPValueOfGrossMisfitAtLargeN) {
  EXPECT_LE(verify::ks_pvalue(15922, 0.61648),
            verify::ks_pvalue(15922, 0.00138092));
  EXPECT_LT(verify::ks_pvalue(15922, 0.61648), 1e-300);
  EXPECT_LT(verify::ks_pvalue(100000, 0.5), 1e-300);
  EXPECT_LT(verify::ks_one_sided_pvalue(1000000, 0.3), 1e-300);
  EXPECT_LT(verify::ks_one_sided_pvalue(5001, 0.8), 1e-300);
}

}  // namespace
}  // namespace initcheck::props
