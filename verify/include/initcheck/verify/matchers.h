// File: initcheck/verify/matchers.h
//
// A GoogleTest matcher for framework authors' own test suites: assert that
// weights produced by YOUR initializer follow a scheme, with the full
// initcheck battery (KS, Anderson-Darling, chi-square, moments, support,
// independence, structure) at a family-wise false-alarm rate of 1e-6.
//
//   #include "initcheck/verify/matchers.h"
//   using initcheck::testing::Follows;
//
//   std::vector<float> w = my_framework::kaiming_uniform({64, 32, 3, 3}, seed);
//   EXPECT_THAT(w, Follows("kaiming_uniform(a=sqrt(5))", {64, 32, 3, 3}));
//   // Keras layout, grouped conv with layer fans, a different alpha:
//   EXPECT_THAT(w, Follows("he_normal", {3, 3, 64, 128},
//                          {.layout = initcheck::Layout::kKeras}));
//   EXPECT_THAT(tensor, Follows("orthogonal"));  // shape from the Tensor
//
// The value may be an initcheck::Tensor (any dtype, shape checked against the
// one given, if any), or anything convertible to std::span<const float> or
// std::span<const double> (std::vector, std::array, std::span) holding the
// weights in C order (row-major, last index fastest). On failure the
// explanation is the battery's text report (format_text): the target, the
// sample moments, every test with its p-value and adjusted p-value, and a
// one-line diagnosis ("variance 0.774x target: missing truncation
// correction?").
//
// Statistical caveat: like any test at alpha = 1e-6, a correct initializer
// fails with probability <= 1e-6 per assertion (fix your seeds; see
// verify/README.md), and power depends on the number of elements: use >= 2^16
// elements for random schemes (the power table in the verify reports gives
// the smallest n that catches each classic bug).
//
// Link initcheck::verify_testing (header-only; it adds GTest::gmock), not
// just initcheck::verify, which does not depend on GoogleTest.
#ifndef INITCHECK_VERIFY_MATCHERS_H_
#define INITCHECK_VERIFY_MATCHERS_H_

#include <gmock/gmock.h>

#include <optional>
#include <ostream>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include "initcheck/error.h"
#include "initcheck/geometry.h"
#include "initcheck/scheme.h"
#include "initcheck/tensor.h"
#include "initcheck/verify/battery.h"
#include "initcheck/verify/format.h"
#include "initcheck/verify/multiple_testing.h"

namespace initcheck::testing {

// How to read the weights' shape (see initcheck/fans.h) and the test level.
struct FollowsOptions {
  Layout layout = Layout::kTorch;
  FanConvention fans = FanConvention::kFramework;
  int64_t groups = 1;
  bool transposed = false;
  double alpha = verify::kDefaultFamilyAlpha;
  bool independence = true;  // run the independence tests
};

namespace matchers_internal {

// A view of the matched value's elements (no copy); "" or an error message.
template <typename U>
std::string ToView(const U& value, const std::optional<Shape>& shape,
                   TensorView* out) {
  if constexpr (std::is_same_v<U, Tensor>) {
    if (shape && *shape != value.shape()) {
      return "the tensor has shape " + shape_string(value.shape()) +
             ", the matcher expects " + shape_string(*shape);
    }
    *out = value.view();
    return "";
  } else {
    constexpr bool kFloat =
        std::is_convertible_v<const U&, std::span<const float>>;
    constexpr bool kDouble =
        std::is_convertible_v<const U&, std::span<const double>>;
    static_assert(kFloat || kDouble,
                  "Follows() matches an initcheck::Tensor or a contiguous "
                  "range of float or double (std::vector, std::array, "
                  "std::span)");
    using Elem = std::conditional_t<kFloat, float, double>;
    const std::span<const Elem> v(value);
    const Shape s = shape ? *shape : Shape{static_cast<int64_t>(v.size())};
    int64_t numel = 1;
    for (int64_t d : s) numel *= d;
    if (numel != static_cast<int64_t>(v.size())) {
      return "the value holds " + std::to_string(v.size()) +
             " elements, the shape " + shape_string(s) + " needs " +
             std::to_string(numel);
    }
    *out = TensorView{kFloat ? DType::kF32 : DType::kF64, s,
                      reinterpret_cast<const std::byte*>(v.data())};
    return "";
  }
}

}  // namespace matchers_internal

// The polymorphic matcher returned by Follows(); converts to
// ::testing::Matcher<T> for any supported T.
class FollowsMatcher {
 public:
  FollowsMatcher(std::string scheme, std::optional<Shape> shape,
                 FollowsOptions options)
      : text_(std::move(scheme)), shape_(std::move(shape)), options_(options) {
    try {
      scheme_ = Scheme::parse(text_);
    } catch (const Error& e) {
      error_ = e.what();
    }
  }

  template <typename T>
  operator ::testing::Matcher<T>() const;  // NOLINT: implicit by design

  // "follows kaiming_uniform(...) on [64, 32, 3, 3] (torch layout, framework
  // fans) at family-wise alpha 1e-06".
  void Describe(std::ostream* os, bool negation) const {
    *os << (negation ? "does not follow " : "follows ")
        << (scheme_ ? scheme_->str() : text_);
    if (shape_) *os << " on " << shape_string(*shape_);
    *os << " (" << layout_name(options_.layout) << " layout, "
        << fan_convention_name(options_.fans) << " fans";
    if (options_.groups != 1) *os << ", groups=" << options_.groups;
    if (options_.transposed) *os << ", transposed";
    *os << ") at family-wise alpha " << options_.alpha;
  }

  // Runs the battery; the report goes to *explanation.
  template <typename U>
  bool Check(const U& value, std::string* explanation) const {
    if (!scheme_) {
      *explanation = "invalid scheme: " + error_;
      return false;
    }
    TensorView t;
    const std::string problem =
        matchers_internal::ToView<U>(value, shape_, &t);
    if (!problem.empty()) {
      *explanation = problem;
      return false;
    }
    try {
      Geometry g;
      g.shape = t.shape;
      g.layout = options_.layout;
      g.fans = options_.fans;
      g.groups = options_.groups;
      g.transposed = options_.transposed;
      verify::BatteryOptions bo;
      bo.independence = options_.independence;
      verify::CheckRun run;
      run.file = "weights";
      run.alpha = options_.alpha;
      run.checks.push_back(
          verify::check_one(t, *scheme_, g, options_.alpha, bo));
      *explanation = "\n" + verify::format_text(run);
      return run.pass();
    } catch (const Error& e) {
      *explanation = std::string("cannot check: ") + e.what();
      return false;
    }
  }

 private:
  std::string text_;
  std::optional<Shape> shape_;
  FollowsOptions options_;
  std::optional<Scheme> scheme_;
  std::string error_;
};

// The monomorphic matcher FollowsMatcher converts to.
template <typename T>
class FollowsMatcherImpl : public ::testing::MatcherInterface<T> {
 public:
  explicit FollowsMatcherImpl(const FollowsMatcher& m) : m_(m) {}
  bool MatchAndExplain(
      T value, ::testing::MatchResultListener* listener) const override {
    std::string explanation;
    const bool ok = m_.Check<std::remove_cvref_t<T>>(value, &explanation);
    *listener << explanation;
    return ok;
  }
  void DescribeTo(std::ostream* os) const override { m_.Describe(os, false); }
  void DescribeNegationTo(std::ostream* os) const override {
    m_.Describe(os, true);
  }

 private:
  FollowsMatcher m_;
};

template <typename T>
FollowsMatcher::operator ::testing::Matcher<T>() const {
  return ::testing::MakeMatcher(new FollowsMatcherImpl<T>(*this));
}

// Matches weights that follow `scheme` on `shape` (C order).
inline FollowsMatcher Follows(std::string scheme, Shape shape,
                              FollowsOptions options = {}) {
  return FollowsMatcher(std::move(scheme), std::move(shape), options);
}
// For an initcheck::Tensor: the shape is the tensor's.
inline FollowsMatcher Follows(std::string scheme, FollowsOptions options = {}) {
  return FollowsMatcher(std::move(scheme), std::nullopt, options);
}

}  // namespace initcheck::testing

#endif  // INITCHECK_VERIFY_MATCHERS_H_
