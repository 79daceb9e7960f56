// Activations: parser, canonical names, values and derivatives.
#include "initcheck/propagation/activation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "initcheck/error.h"

namespace initcheck::propagation {
namespace {

std::string ErrorOf(const std::string& text) {
  try {
    (void)Activation::parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Activation, ParsesEveryCanonicalNameAndRoundTrips) {
  for (std::string_view name : Activation::names()) {
    const Activation a = Activation::parse(name);
    EXPECT_EQ(a.base_name(), name);
    EXPECT_EQ(Activation::parse(a.name()), a) << a.name();
  }
  EXPECT_EQ(Activation::names().size(), 11u);
}

TEST(Activation, Parameters) {
  EXPECT_EQ(Activation::parse("leaky_relu").parameter(), 0.01);
  EXPECT_EQ(Activation::parse("leaky_relu(0.2)").parameter(), 0.2);
  EXPECT_EQ(Activation::parse("leaky_relu(negative_slope=0.2)").parameter(), 0.2);
  EXPECT_EQ(Activation::parse(" Leaky_ReLU( slope = 0.2 ) ").parameter(), 0.2);
  EXPECT_EQ(Activation::parse("leaky_relu(alpha=0.3)").parameter(), 0.3);
  EXPECT_EQ(Activation::parse("elu").parameter(), 1.0);
  EXPECT_EQ(Activation::parse("elu(alpha=1)").parameter(), 1.0);
  EXPECT_EQ(Activation::parse("elu(0.5)").parameter(), 0.5);
  EXPECT_EQ(Activation::parse("leaky_relu(0.2)").name(), "leaky_relu(negative_slope=0.2)");
  EXPECT_EQ(Activation::parse("elu").name(), "elu(alpha=1)");
  EXPECT_EQ(Activation::parse("relu()").name(), "relu");
}

TEST(Activation, Aliases) {
  EXPECT_EQ(Activation::parse("identity").kind(), ActivationKind::kLinear);
  EXPECT_EQ(Activation::parse("swish").kind(), ActivationKind::kSilu);
  EXPECT_EQ(Activation::parse("logistic").kind(), ActivationKind::kSigmoid);
  EXPECT_EQ(Activation::parse("GELU").kind(), ActivationKind::kGelu);
}

TEST(Activation, ErrorsAreOneLineAndListValidNames) {
  const std::string e = ErrorOf("relux");
  EXPECT_NE(e.find("unknown activation 'relux'"), std::string::npos) << e;
  for (std::string_view name : Activation::names()) {
    EXPECT_NE(e.find(std::string(name)), std::string::npos) << name;
  }
  for (const char* bad : {"relux", "relu(0.1)", "leaky_relu(foo=1)", "leaky_relu(abc)",
                          "leaky_relu(0.1, 0.2)", "elu(alpha=1", "", "leaky_relu(inf)",
                          "tanh(x=1)", "elu((1))"}) {
    const std::string m = ErrorOf(bad);
    EXPECT_FALSE(m.empty()) << bad;
    EXPECT_EQ(m.find('\n'), std::string::npos) << bad;
  }
}

TEST(Activation, KnownValues) {
  const double kLambda = kSeluLambda, kAlpha = kSeluAlpha;
  EXPECT_DOUBLE_EQ(Activation::parse("selu").value(1.0), kLambda);
  EXPECT_DOUBLE_EQ(Activation::parse("selu").value(-1e3), -kLambda * kAlpha);
  EXPECT_DOUBLE_EQ(Activation::parse("gelu").value(1.0), 0.8413447460685429);  // Phi(1)
  EXPECT_DOUBLE_EQ(Activation::parse("sigmoid").value(0.0), 0.5);
  EXPECT_DOUBLE_EQ(Activation::parse("softplus").value(0.0), std::log(2.0));
  EXPECT_DOUBLE_EQ(Activation::parse("elu(alpha=2)").value(-1.0), 2.0 * std::expm1(-1.0));
  EXPECT_DOUBLE_EQ(Activation::parse("leaky_relu(0.2)").value(-3.0), -0.6);
  // No overflow / NaN far out.
  for (std::string_view name : Activation::names()) {
    const Activation a = Activation::parse(name);
    for (double x : {-800.0, 800.0, -1e300, 1e300}) {
      EXPECT_FALSE(std::isnan(a.value(x))) << name << " " << x;
      EXPECT_TRUE(std::isfinite(a.derivative(x))) << name << " " << x;
      EXPECT_TRUE(std::isfinite(a.second_derivative(x))) << name << " " << x;
    }
  }
  EXPECT_EQ(Activation::parse("softplus").value(800.0), 800.0);
  EXPECT_EQ(Activation::parse("tanh").derivative(400.0), 0.0);
}

TEST(Activation, KinkConventionsFollowPyTorch) {
  EXPECT_EQ(Activation::parse("relu").derivative(0.0), 0.0);
  EXPECT_EQ(Activation::parse("leaky_relu(0.2)").derivative(0.0), 0.2);
  EXPECT_EQ(Activation::parse("elu(alpha=0.5)").derivative(0.0), 0.5);
  EXPECT_DOUBLE_EQ(Activation::parse("selu").derivative(0.0), kSeluLambda * kSeluAlpha);
}

// phi' and phi'' against central differences away from the kink at 0.
TEST(Activation, DerivativesMatchFiniteDifferences) {
  for (std::string_view name : Activation::names()) {
    const std::vector<std::string> texts = {std::string(name), "elu(alpha=0.7)",
                                            "leaky_relu(0.2)"};
    for (const std::string& text : texts) {
      const Activation a = Activation::parse(text);
      for (double x : {-7.0, -2.5, -0.6, -0.05, 0.03, 0.4, 1.0, 3.3, 8.0}) {
        const double h = 1e-5 * std::max(1.0, std::fabs(x));
        const double d1 = (a.value(x + h) - a.value(x - h)) / (2 * h);
        const double d2 = (a.derivative(x + h) - a.derivative(x - h)) / (2 * h);
        EXPECT_NEAR(a.derivative(x), d1, 1e-8 * std::max(1.0, std::fabs(d1))) << text << " " << x;
        EXPECT_NEAR(a.second_derivative(x), d2, 1e-7 * std::max(1.0, std::fabs(d2)))
            << text << " " << x;
      }
    }
  }
}

TEST(Activation, ApplyMatchesScalarFunctions) {
  std::vector<double> x;
  for (int i = -40; i <= 40; ++i) x.push_back(0.37 * i);
  x.push_back(0.0);
  for (std::string_view name : Activation::names()) {
    const Activation a = Activation::parse(name);
    std::vector<double> out(x.size()), d(x.size());
    a.apply(x.data(), out.data(), d.data(), x.size());
    for (size_t i = 0; i < x.size(); ++i) {
      EXPECT_EQ(out[i], a.value(x[i])) << name;
      EXPECT_EQ(d[i], a.derivative(x[i])) << name;
    }
    std::vector<double> inplace = x;  // out aliasing x
    a.apply(inplace.data(), inplace.data(), nullptr, x.size());
    for (size_t i = 0; i < x.size(); ++i) EXPECT_EQ(inplace[i], a.value(x[i])) << name;
  }
}

TEST(Activation, Properties) {
  EXPECT_TRUE(Activation::parse("relu").positively_homogeneous());
  EXPECT_TRUE(Activation::parse("leaky_relu").positively_homogeneous());
  EXPECT_TRUE(Activation::parse("linear").positively_homogeneous());
  EXPECT_FALSE(Activation::parse("elu").positively_homogeneous());
  EXPECT_FALSE(Activation::parse("tanh").has_closed_form());
  EXPECT_FALSE(Activation::parse("silu").has_closed_form());
  EXPECT_TRUE(Activation::parse("gelu").has_closed_form());
  EXPECT_TRUE(Activation::parse("sigmoid").saturating());
  EXPECT_FALSE(Activation::parse("relu").saturating());
}

}  // namespace
}  // namespace initcheck::propagation
