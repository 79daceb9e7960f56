// The scheme parser: accepts, rejects with a useful message, round-trips.
#include "initcheck/scheme.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "initcheck/error.h"

namespace initcheck {
namespace {

using ::testing::HasSubstr;

std::string ErrorOf(const std::string& text) {
  try {
    Scheme::parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(SchemeTest, DefaultsAndCanonicalForm) {
  EXPECT_EQ(Scheme::parse("kaiming_uniform").str(),
            "kaiming_uniform(a=0, mode=fan_in, nonlinearity=leaky_relu)");
  EXPECT_EQ(Scheme::parse("trunc_normal()").str(),
            "trunc_normal(mean=0, std=1, a=-2, b=2)");
  EXPECT_EQ(Scheme::parse("zeros").str(), "zeros()");
  EXPECT_EQ(Scheme::parse("variance_scaling").str(),
            "variance_scaling(scale=1, mode=fan_in, distribution=truncated_normal)");
}

TEST(SchemeTest, ExpressionsPositionalsQuotesAliases) {
  const Scheme s = Scheme::parse(
      " kaiming_uniform( a = sqrt( 5 ) ,mode='fan_out',nonlinearity = \"relu\" ) ");
  EXPECT_EQ(s.number("a"), std::sqrt(5.0));
  EXPECT_EQ(s.word("mode"), "fan_out");
  EXPECT_EQ(s.str(), "kaiming_uniform(a=2.23606797749979, mode=fan_out, nonlinearity=relu)");
  EXPECT_EQ(Scheme::parse("kaiming_uniform(math.sqrt(5))").number("a"), std::sqrt(5.0));
  EXPECT_EQ(Scheme::parse("normal(0, 1/sqrt(3))").number("std"), 1 / std::sqrt(3.0));
  EXPECT_EQ(Scheme::parse("uniform(-2*(1+0.5), 1e-1)").number("a"), -3.0);
  EXPECT_EQ(Scheme::parse("constant(val=0.5)").number("value"), 0.5);
  EXPECT_EQ(Scheme::parse("kaiming_normal_").name(), "kaiming_normal");
  EXPECT_EQ(Scheme::parse("torch.nn.init.xavier_uniform_(gain=2)").name(), "xavier_uniform");
  EXPECT_EQ(Scheme::parse("HeNormal").name(), "he_normal");
  EXPECT_EQ(Scheme::parse("keras.initializers.VarianceScaling(scale=2)").name(),
            "variance_scaling");
  EXPECT_EQ(Scheme::parse("jax.nn.initializers.kaiming_normal").name(), "he_normal");
  EXPECT_EQ(Scheme::parse("jax.nn.initializers.xavier_uniform").name(), "glorot_uniform");
}

// TensorFlow.js spellings (tfjs-layers 4.22 exports_initializers.js:
// heNormal, glorotNormal, leCunNormal, ...; classes HeNormal, LeCunNormal).
// Its *Normal initializers are VarianceScaling(distribution 'normal'), a
// truncation at +-2 sd WITHOUT Keras' 0.87962566 correction; Keras'
// spellings keep the corrected law.
TEST(SchemeTest, TensorFlowJsSpellingsAndSemantics) {
  const std::string he =
      "variance_scaling(scale=2, mode=fan_in, distribution=truncated_normal_uncorrected)";
  EXPECT_EQ(Scheme::parse("tf.initializers.heNormal").str(), he);
  EXPECT_EQ(Scheme::parse("tf.initializers.heNormal()").str(), he);
  EXPECT_EQ(Scheme::parse("heNormal").str(), he);
  EXPECT_EQ(Scheme::parse("tf.initializers.HeNormal").str(), he);
  EXPECT_EQ(Scheme::parse("tf.initializers.glorotNormal").str(),
            "variance_scaling(scale=1, mode=fan_avg, distribution=truncated_normal_uncorrected)");
  for (const char* lecun : {"tf.initializers.leCunNormal", "LeCunNormal", "leCunNormal"}) {
    EXPECT_EQ(Scheme::parse(lecun).str(),
              "variance_scaling(scale=1, mode=fan_in, distribution=truncated_normal_uncorrected)")
        << lecun;
  }
  // Keras keeps the corrected truncation.
  EXPECT_EQ(Scheme::parse("keras.initializers.HeNormal").str(), "he_normal()");
  EXPECT_EQ(Scheme::parse("HeNormal").str(), "he_normal()");
  EXPECT_EQ(Scheme::parse("he_normal").str(), "he_normal()");
  EXPECT_EQ(Scheme::parse("LecunNormal").str(), "lecun_normal()");
  // Same law in both: the uniform and other initializers.
  EXPECT_EQ(Scheme::parse("glorotUniform").str(), "glorot_uniform()");
  EXPECT_EQ(Scheme::parse("tf.initializers.leCunUniform").str(), "lecun_uniform()");
  EXPECT_EQ(Scheme::parse("tf.initializers.heUniform").str(), "he_uniform()");
  EXPECT_EQ(Scheme::parse("tf.initializers.truncatedNormal(stddev=0.02)").str(),
            "truncated_normal(mean=0, stddev=0.02)");
  EXPECT_EQ(Scheme::parse("randomUniform(minval=-0.1, maxval=0.1)").name(), "random_uniform");
  // varianceScaling: TF.js' words and its default distribution 'normal'.
  EXPECT_EQ(Scheme::parse("tf.initializers.varianceScaling").str(),
            "variance_scaling(scale=1, mode=fan_in, distribution=truncated_normal_uncorrected)");
  EXPECT_EQ(Scheme::parse("tf.initializers.varianceScaling(scale=2, mode=fanAvg, "
                          "distribution=normal)").str(),
            "variance_scaling(scale=2, mode=fan_avg, distribution=truncated_normal_uncorrected)");
  EXPECT_EQ(Scheme::parse("varianceScaling(mode='fanOut', distribution='truncatedNormal')").str(),
            "variance_scaling(scale=1, mode=fan_out, distribution=truncated_normal)");
  EXPECT_EQ(Scheme::parse("tf.initializers.varianceScaling(distribution=uniform)").word(
                "distribution"),
            "uniform");
  // The canonical forms round-trip, and the new value is valid everywhere.
  for (const char* t : {"tf.initializers.heNormal", "leCunNormal",
                        "variance_scaling(distribution=truncated_normal_uncorrected)"}) {
    const Scheme s = Scheme::parse(t);
    EXPECT_EQ(Scheme::parse(s.str()), s) << t;
  }
  // Outside TF.js, 'normal' stays ambiguous and TF.js' words are unknown.
  EXPECT_THAT(ErrorOf("keras.initializers.VarianceScaling(distribution=normal)"),
              HasSubstr("ambiguous"));
  EXPECT_THAT(ErrorOf("variance_scaling(mode=fanIn)"), HasSubstr("not valid"));
}

TEST(SchemeTest, EverySchemeRoundTrips) {
  for (const SchemeSpec& spec : scheme_specs()) {
    std::string text(spec.name);
    if (spec.name == "sparse") text = "sparse(0.1)";
    const Scheme s = Scheme::parse(text);
    EXPECT_EQ(Scheme::parse(s.str()), s) << s.str();
    EXPECT_EQ(Scheme::parse(s.str()).str(), s.str());
  }
  const Scheme odd = Scheme::parse("normal(mean=0.1, std=1e-300)");
  EXPECT_EQ(Scheme::parse(odd.str()), odd);
  const Scheme third = Scheme::parse("uniform(a=-1/3, b=1/3)");
  EXPECT_EQ(Scheme::parse(third.str()).number("a"), -1.0 / 3.0);
}

TEST(SchemeTest, Rejections) {
  EXPECT_THAT(ErrorOf("kaiming_unifrom"), HasSubstr("did you mean 'kaiming_uniform'"));
  EXPECT_THAT(ErrorOf("foo"), HasSubstr("valid names: zeros"));
  EXPECT_THAT(ErrorOf(""), HasSubstr("empty scheme"));
  EXPECT_THAT(ErrorOf("kaiming_uniform(mdoe=fan_in)"), HasSubstr("did you mean 'mode'"));
  EXPECT_THAT(ErrorOf("kaiming_uniform(mode=fan_avg)"), HasSubstr("valid: fan_in, fan_out"));
  EXPECT_THAT(ErrorOf("kaiming_uniform(nonlinearity=swish)"), HasSubstr("unknown nonlinearity"));
  EXPECT_THAT(ErrorOf("kaiming_uniform(a=nan)"), HasSubstr("takes a number"));
  EXPECT_THAT(ErrorOf("normal(std=-1)"), HasSubstr("std must be > 0"));
  EXPECT_THAT(ErrorOf("normal(std=0)"), HasSubstr("std must be > 0"));
  EXPECT_THAT(ErrorOf("uniform(a=1, b=1)"), HasSubstr("a must be < b"));
  EXPECT_THAT(ErrorOf("uniform(1, 0)"), HasSubstr("a must be < b"));
  EXPECT_THAT(ErrorOf("uniform(a=1e308*10)"), HasSubstr("finite"));
  EXPECT_THAT(ErrorOf("normal(std=1/0)"), HasSubstr("finite"));
  EXPECT_THAT(ErrorOf("sparse"), HasSubstr("missing required parameter 'sparsity'"));
  EXPECT_THAT(ErrorOf("sparse(1.5)"), HasSubstr("sparsity must be in [0, 1]"));
  EXPECT_THAT(ErrorOf("zeros(1)"), HasSubstr("takes 0 parameter"));
  EXPECT_THAT(ErrorOf("normal(1, 2, 3)"), HasSubstr("takes 2 parameter"));
  EXPECT_THAT(ErrorOf("normal(std=1, 0)"), HasSubstr("positional argument after keyword"));
  EXPECT_THAT(ErrorOf("normal(std=1, std=2)"), HasSubstr("given twice"));
  EXPECT_THAT(ErrorOf("normal(std=1"), HasSubstr("(end of text)"));
  EXPECT_THAT(ErrorOf("normal(std=1))"), HasSubstr("unexpected ')'"));
  EXPECT_THAT(ErrorOf("normal(std=1 2)"), HasSubstr("expected ',' or ')'"));
  EXPECT_THAT(ErrorOf("normal(std=)"), HasSubstr("expected a number"));
  EXPECT_THAT(ErrorOf("normal(std=1;)"), HasSubstr("unexpected character ';'"));
  EXPECT_THAT(ErrorOf("normal(mode='x)"), HasSubstr("unterminated quote"));
  EXPECT_THAT(ErrorOf("normal(seed=3)"), HasSubstr("use the --seed option"));
  EXPECT_THAT(ErrorOf("variance_scaling(distribution=normal)"), HasSubstr("ambiguous"));
  EXPECT_THAT(ErrorOf("trunc_normal(a=20, b=30)"), HasSubstr("more than 10 std"));
  EXPECT_THAT(ErrorOf("dirac(groups=1.5)"), HasSubstr("positive integer"));
  EXPECT_THAT(ErrorOf("jax.nn.initializers.normal"), HasSubstr("JAX-specific"));
  EXPECT_THAT(ErrorOf("normal(std=1e999)"), HasSubstr("out of range"));
}

TEST(SchemeTest, FormatNumberRoundTrips) {
  for (double x : {0.1, 1.0 / 3, 1e-300, 2.23606797749979, -0.0, 123456789.0, 5e-324}) {
    EXPECT_EQ(std::strtod(format_number(x).c_str(), nullptr), x);
  }
  EXPECT_EQ(format_number(2.0), "2");
  EXPECT_EQ(format_number(-0.0), "0");
}

}  // namespace
}  // namespace initcheck
