// The diagnosis hints (diagnose.h): each with a case where it must appear
// and one where it must not. Data: lib's fills of a DIFFERENT scheme or
// geometry than the one checked (the bug), in f64 so that rounding plays no
// part, or a correct fill scaled by a factor; fixed seeds.
//
// False alarms. A "must appear" assertion fails when the true explanation
// lands more than kHintSigmas = 4 standard errors from its prediction on the
// log variance, the kurtosis or the mean: probability ~2e-4 per assertion
// (diagnose.h); every case is an error the battery rejects with
// probability > 1 - 1e-6 at n >= 2^14 (its resolution there is a few
// percent, resolution.h). A "must not" assertion either follows from the
// scheme (a hint it cannot make: no sqrt(3) in uniform(a, b), no SELU in
// Keras' lecun_normal, no groups) or has its nearest wrong candidate >= 6.6
// standard errors from the data (stated per case, >= 8); it fails only if
// the data move >= 4 standard errors towards it, probability < 3.2e-5.
#include "initcheck/verify/diagnose.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "initcheck/fill.h"
#include "initcheck/verify/battery.h"
#include "seed_util.h"

namespace initcheck::verify {
namespace {

constexpr uint64_t kDiagnoseSeed = 0xd1a6u;

Geometry Geom(Shape shape, Layout layout = Layout::kTorch) {
  Geometry g;
  g.shape = std::move(shape);
  g.layout = layout;
  return g;
}

// lib's fill of `scheme` on `g` (f64), times `factor`.
std::vector<double> Fill(const std::string& scheme, const Geometry& g,
                         double factor = 1, uint64_t salt = 0) {
  const uint64_t seed = testing::case_seed(
      testing::base_seed(kDiagnoseSeed),
      std::hash<std::string>{}(scheme) ^ salt);
  const Tensor t = fill(Scheme::parse(scheme), g, DType::kF64,
                        FillOptions{.seed = seed, .stream = 0, .threads = 1});
  std::vector<double> x = t.to_double();
  for (double& v : x) v *= factor;
  return x;
}

TensorCheck Check(const std::vector<double>& x, const std::string& scheme,
                  const Geometry& g) {
  TensorView v;
  v.dtype = DType::kF64;
  v.shape = g.shape;
  v.data = reinterpret_cast<const std::byte*>(x.data());
  return check_one(v, Scheme::parse(scheme), g);
}

bool Has(const TensorCheck& c, const std::string& words) {
  return c.diagnosis.find(words) != std::string::npos;
}

std::string Why(const TensorCheck& c) {
  return "diagnosis: " + c.diagnosis + "\n" +
         testing::seed_note(testing::base_seed(kDiagnoseSeed));
}

// ---- scale hints of fan-based schemes --------------------------------------

// Keras' truncated normal without the 0.87962566 correction: the data are
// Keras' TruncatedNormal(stddev = sqrt(2/fan_in)). Must not: a variance
// ratio of 0.70 (log distance 0.1 from 0.7737 against a standard error of
// 0.0047 at n = 61,440: 21 standard errors).
TEST(DiagnoseHints, MissingTruncationCorrection) {
  const Geometry g = Geom({3, 3, 64, 106}, Layout::kKeras);
  const double sd = std::sqrt(2.0 / (3 * 3 * 64));
  const TensorCheck yes = Check(
      Fill("truncated_normal(stddev=" + format_number(sd) + ")", g), "he_normal", g);
  ASSERT_FALSE(yes.pass);
  EXPECT_TRUE(Has(yes, "missing truncation correction")) << Why(yes);
  const TensorCheck no =
      Check(Fill("he_normal", g, std::sqrt(0.70)), "he_normal", g);
  ASSERT_FALSE(no.pass);
  EXPECT_FALSE(Has(no, "truncation correction")) << Why(no);
}

// The case: he_normal (mode fan_in) where fan_avg predicts a ratio
// near 0.75: fans (1600, 2675), fan_avg 2137.5, ratio 0.7485. Must appear
// for data made with mode=fan_avg; must not for the uncorrected truncation
// (0.7737: log distance 0.033, 11.7 standard errors of 0.0028 at n =
// 171,200), which gets its own hint.
TEST(DiagnoseHints, FanAvgOnlyWithinTheSamplingError) {
  const Geometry g = Geom({5, 5, 64, 107}, Layout::kKeras);
  const TensorCheck yes = Check(
      Fill("variance_scaling(scale=2, mode=fan_avg, distribution=truncated_normal)",
           g),
      "he_normal", g);
  ASSERT_FALSE(yes.pass);
  EXPECT_TRUE(Has(yes, "fan_avg")) << Why(yes);
  const double sd = std::sqrt(2.0 / 1600);
  const TensorCheck no = Check(
      Fill("truncated_normal(stddev=" + format_number(sd) + ")", g), "he_normal", g);
  ASSERT_FALSE(no.pass);
  EXPECT_FALSE(Has(no, "fan_avg")) << Why(no);
  EXPECT_TRUE(Has(no, "missing truncation correction")) << Why(no);
}

// Ratio 3 on glorot_uniform with fan_out = 2 fan_in: He's 2/fan_in explains
// it exactly, and so does a bound multiplied by sqrt(3) twice (the same law):
// both named, He first. A plain uniform(a, b) has no sqrt(3) in its formula:
// the sqrt(3) hint must not appear there.
TEST(DiagnoseHints, HeVersusGlorotAndSqrt3) {
  const Geometry g = Geom({128, 256}, Layout::kKeras);
  const TensorCheck yes = Check(Fill("he_uniform", g), "glorot_uniform", g);
  ASSERT_FALSE(yes.pass);
  EXPECT_TRUE(Has(yes, "He (2/fan_in) where Glorot")) << Why(yes);
  EXPECT_LT(yes.diagnosis.find("He (2/fan_in)"),
            yes.diagnosis.find("sqrt(3) twice"))
      << Why(yes);
  const Geometry p = Geom({256, 128});
  const TensorCheck no = Check(Fill("uniform(a=-0.1, b=0.1)", p, std::sqrt(3.0)),
                               "uniform(a=-0.1, b=0.1)", p);
  ASSERT_FALSE(no.pass);
  EXPECT_FALSE(Has(no, "sqrt(3)")) << Why(no);
}

// "wrong gain or fan?" only for schemes that have a gain or fans: a 1.3x
// variance on kaiming_normal (no candidate within 8 standard errors) gets
// it; the same error on normal(std) gets "wrong std?" instead.
TEST(DiagnoseHints, WrongGainOrFanOnlyForFanSchemes) {
  const Geometry g = Geom({256, 128});
  const TensorCheck yes = Check(Fill("kaiming_normal(nonlinearity=relu)", g,
                                     std::sqrt(1.3)),
                                "kaiming_normal(nonlinearity=relu)", g);
  ASSERT_FALSE(yes.pass);
  EXPECT_TRUE(Has(yes, "wrong gain or fan?")) << Why(yes);
  EXPECT_TRUE(Has(yes, "the variance fits fan_in")) << Why(yes);
  const TensorCheck no =
      Check(Fill("normal(std=0.05)", g, std::sqrt(1.3)), "normal(std=0.05)", g);
  ASSERT_FALSE(no.pass);
  EXPECT_FALSE(Has(no, "gain")) << Why(no);
  EXPECT_FALSE(Has(no, "fan")) << Why(no);
  EXPECT_TRUE(Has(no, "wrong std?")) << Why(no);
}

// The other layout's fans, re-derived by the oracle: a Keras kernel checked
// with the default --layout torch. Must not: a torch weight whose scale is
// off by a factor the Keras reading does not predict.
TEST(DiagnoseHints, OtherLayout) {
  const Geometry keras = Geom({3, 3, 32, 64}, Layout::kKeras);
  const Geometry torch = Geom({3, 3, 32, 64});
  const TensorCheck yes = Check(Fill("he_normal", keras), "he_normal", torch);
  ASSERT_FALSE(yes.pass);
  EXPECT_TRUE(Has(yes, "Keras/JAX-layout [*k, in, out] weight checked with "
                       "--layout torch"))
      << Why(yes);
  const Geometry t2 = Geom({64, 32, 3, 3});
  const TensorCheck no = Check(Fill("kaiming_normal", t2, 1.3), "kaiming_normal", t2);
  ASSERT_FALSE(no.pass);
  EXPECT_FALSE(Has(no, "layout")) << Why(no);
}

// SELU's gain 3/4 only where the scheme has a nonlinearity (kaiming).
TEST(DiagnoseHints, SeluGain) {
  const Geometry g = Geom({256, 256});
  const TensorCheck yes = Check(Fill("kaiming_normal(nonlinearity=selu)", g),
                                "kaiming_normal(nonlinearity=linear)", g);
  ASSERT_FALSE(yes.pass);
  EXPECT_TRUE(Has(yes, "SELU gain 3/4")) << Why(yes);
  // The same data against lecun_normal's truncated normal (Keras has no
  // nonlinearity): never "SELU".
  const Geometry k = Geom({256, 256}, Layout::kKeras);
  const TensorCheck no = Check(Fill("variance_scaling(scale=0.5625, "
                                    "distribution=truncated_normal)",
                                    k),
                               "lecun_normal", k);
  ASSERT_FALSE(no.pass);
  EXPECT_FALSE(Has(no, "SELU")) << Why(no);
}

// Groups: with groups > 1 the other fan convention is a candidate; with
// groups = 1 it cannot be (the two conventions agree).
TEST(DiagnoseHints, FanConventionWithGroups) {
  Geometry layer = Geom({64, 1, 5, 5});
  layer.groups = 64;
  layer.fans = FanConvention::kLayer;
  Geometry framework = layer;
  framework.fans = FanConvention::kFramework;
  const std::string s = "kaiming_normal(mode=fan_out)";
  const TensorCheck yes = Check(Fill(s, framework), s, layer);
  ASSERT_FALSE(yes.pass);
  EXPECT_TRUE(Has(yes, "--fans framework")) << Why(yes);
  const Geometry plain = Geom({64, 16, 5, 5});
  const TensorCheck no = Check(Fill(s, plain, 1.0 / 8), s, plain);
  ASSERT_FALSE(no.pass);
  EXPECT_FALSE(Has(no, "--fans")) << Why(no);
}

// TF.js's rank-1 fans sqrt(size), only for rank-1 shapes with explicit fans.
TEST(DiagnoseHints, Rank1SqrtFans) {
  Geometry g = Geom({4096}, Layout::kKeras);
  g.fan_in = g.fan_out = 4096;
  Geometry tfjs = g;
  tfjs.fan_in = tfjs.fan_out = 64;  // sqrt(4096)
  const TensorCheck yes = Check(Fill("glorot_uniform", tfjs), "glorot_uniform", g);
  ASSERT_FALSE(yes.pass);
  EXPECT_TRUE(Has(yes, "sqrt(size)")) << Why(yes);
  const Geometry r2 = Geom({64, 64}, Layout::kKeras);
  const TensorCheck no = Check(Fill("glorot_uniform", r2, 8), "glorot_uniform", r2);
  ASSERT_FALSE(no.pass);
  EXPECT_FALSE(Has(no, "sqrt(size)")) << Why(no);
}

// ---- distribution hints -----------------------------------------------------

// Uniform data against a truncated-normal target (TF.js's 'truncatedNormal'
// falling into the uniform branch): excess kurtosis -1.2 vs -0.63, sd of the
// sample kurtosis sqrt(1.32/n) = 0.005 at n = 2^16. Must not: the right
// shape with a wrong scale.
TEST(DiagnoseHints, LooksUniform) {
  const Geometry g = Geom({256, 256}, Layout::kKeras);
  const TensorCheck yes = Check(Fill("he_uniform", g), "he_normal", g);
  ASSERT_FALSE(yes.pass);
  EXPECT_TRUE(Has(yes, "looks uniform")) << Why(yes);
  EXPECT_TRUE(Has(yes, "a uniform where Keras' truncated normal was meant"))
      << Why(yes);
  const TensorCheck no = Check(Fill("he_normal", g, 1.2), "he_normal", g);
  ASSERT_FALSE(no.pass);
  EXPECT_FALSE(Has(no, "looks")) << Why(no);
  EXPECT_FALSE(Has(no, "uniform")) << Why(no);
}

TEST(DiagnoseHints, LooksNormal) {
  const Geometry g = Geom({256, 256});
  const TensorCheck yes =
      Check(Fill("kaiming_normal(a=sqrt(5))", g), "kaiming_uniform(a=sqrt(5))", g);
  ASSERT_FALSE(yes.pass);
  EXPECT_TRUE(Has(yes, "looks normal")) << Why(yes);
  const TensorCheck no = Check(Fill("kaiming_uniform(a=sqrt(5))", g, 1.2),
                               "kaiming_uniform(a=sqrt(5))", g);
  ASSERT_FALSE(no.pass);
  EXPECT_FALSE(Has(no, "normal")) << Why(no);
}

// Untruncated normal vs the correction applied twice: both give 1/0.7737 =
// 1.29x the variance; the kurtosis (0 vs -0.63) and the support tell them
// apart.
TEST(DiagnoseHints, UntruncatedVersusCorrectedTwice) {
  const Geometry g = Geom({256, 256}, Layout::kKeras);
  const TensorCheck untruncated =
      Check(Fill("variance_scaling(scale=2, distribution=untruncated_normal)", g,
                 std::sqrt(1 / 0.7737413)),
            "he_normal", g);
  ASSERT_FALSE(untruncated.pass);
  EXPECT_TRUE(Has(untruncated, "never truncated")) << Why(untruncated);
  EXPECT_FALSE(Has(untruncated, "applied twice")) << Why(untruncated);
  const TensorCheck twice =
      Check(Fill("he_normal", g, std::sqrt(1 / 0.7737413)), "he_normal", g);
  ASSERT_FALSE(twice.pass);
  EXPECT_TRUE(Has(twice, "applied twice")) << Why(twice);
  EXPECT_FALSE(Has(twice, "never truncated")) << Why(twice);
}

// U[0, b): the mean and the variance (1/4) together. Must not: a symmetric
// uniform with the same variance (mean 0, 443 standard errors from b/2).
TEST(DiagnoseHints, HalfRangeUniform) {
  const Geometry g = Geom({256, 256});
  std::vector<double> x = Fill("kaiming_uniform(a=sqrt(5))", g);
  for (double& v : x) v = std::abs(v);
  const TensorCheck yes = Check(x, "kaiming_uniform(a=sqrt(5))", g);
  ASSERT_FALSE(yes.pass);
  EXPECT_TRUE(Has(yes, "all values >= 0: U[0, b)")) << Why(yes);
  const TensorCheck no =
      Check(Fill("kaiming_uniform(a=sqrt(5))", g, 0.5), "kaiming_uniform(a=sqrt(5))", g);
  ASSERT_FALSE(no.pass);
  EXPECT_FALSE(Has(no, "U[0, b)")) << Why(no);
}

// The uniform bound missing sqrt(3): only for fan-based uniforms.
TEST(DiagnoseHints, MissingSqrt3) {
  const Geometry g = Geom({256, 256});
  const TensorCheck yes = Check(Fill("kaiming_uniform", g, 1 / std::sqrt(3.0)),
                                "kaiming_uniform", g);
  ASSERT_FALSE(yes.pass);
  EXPECT_TRUE(Has(yes, "missing sqrt(3)")) << Why(yes);
  const TensorCheck no = Check(Fill("kaiming_normal", g, 1 / std::sqrt(3.0)),
                               "kaiming_normal", g);
  ASSERT_FALSE(no.pass);
  EXPECT_FALSE(Has(no, "sqrt(3)")) << Why(no);
}

// ---- parameter schemes ------------------------------------------------------

TEST(DiagnoseHints, MisplacedDecimalPoint) {
  const Geometry g = Geom({128, 128});
  const TensorCheck yes =
      Check(Fill("normal(std=0.2)", g), "normal(std=0.02)", g);
  ASSERT_FALSE(yes.pass);
  EXPECT_TRUE(Has(yes, "std 10x too large")) << Why(yes);
  const TensorCheck no =
      Check(Fill("normal(std=0.06)", g), "normal(std=0.02)", g);
  ASSERT_FALSE(no.pass);
  EXPECT_FALSE(Has(no, "10x")) << Why(no);
}

// At n = 16 the sampling error of s^2 is 24% (log scale): a ratio of 9 is
// not "10x" (ln(100/9) = 2.4, 10 standard errors), and no candidate is
// offered; the out-of-bound values are.
TEST(DiagnoseHints, SmallSampleOffersOnlyWhatItSees) {
  const Geometry g = Geom({16});
  const TensorCheck c = Check(Fill("uniform(a=-0.375, b=0.375)", g),
                              "uniform(a=-0.125, b=0.125)", g);
  ASSERT_FALSE(c.pass);
  EXPECT_FALSE(Has(c, "10x")) << Why(c);
  EXPECT_TRUE(Has(c, "bound too wide")) << Why(c);
}

// Explicit symmetric bounds U(-b, b) 3x too wide (a 1/sqrt(fan) bias bound
// from in_channels alone for a 3x3 kernel): the scale error is put to the
// bound's formula (fan or gain); asymmetric explicit bounds are not a
// formula's output and keep the plain "wrong bounds?".
TEST(DiagnoseHints, SymmetricExplicitBoundsNameTheFormula) {
  const Geometry g = Geom({64, 64});
  const TensorCheck sym = Check(Fill("uniform(a=-0.375, b=0.375)", g),
                                "uniform(a=-0.125, b=0.125)", g);
  ASSERT_FALSE(sym.pass);
  EXPECT_TRUE(Has(sym, "a fan or gain in the bound's formula")) << Why(sym);
  const TensorCheck asym = Check(Fill("uniform(a=-0.075, b=0.675)", g),
                                 "uniform(a=0.1, b=0.3)", g);
  ASSERT_FALSE(asym.pass);
  EXPECT_FALSE(Has(asym, "fan")) << Why(asym);
}

TEST(DiagnoseHints, VariancePassedAsStd) {
  const Geometry g = Geom({128, 128});
  const TensorCheck yes =
      Check(Fill("normal(std=0.0025)", g), "normal(std=0.05)", g);
  ASSERT_FALSE(yes.pass);
  EXPECT_TRUE(Has(yes, "the variance passed as the std")) << Why(yes);
  // 0.004 is 1.6x 0.0025 in std, 2.6x in variance: 80 standard errors.
  const TensorCheck no =
      Check(Fill("normal(std=0.004)", g), "normal(std=0.05)", g);
  ASSERT_FALSE(no.pass);
  EXPECT_FALSE(Has(no, "variance passed")) << Why(no);
}

// ---- structured targets -----------------------------------------------------

TEST(DiagnoseHints, OrthogonalStrayGain) {
  const Geometry g = Geom({128, 128});
  const TensorCheck yes = Check(Fill("orthogonal", g, 1.1), "orthogonal", g);
  ASSERT_FALSE(yes.pass);
  EXPECT_TRUE(Has(yes, "orthogonal up to a scale")) << Why(yes);
  // A normal matrix is not orthogonal, and not a scaled orthogonal one.
  const TensorCheck no =
      Check(Fill("normal(std=0.0884)", g), "orthogonal", g);
  ASSERT_FALSE(no.pass);
  EXPECT_FALSE(Has(no, "up to a scale")) << Why(no);
}

TEST(DiagnoseHints, AllZeros) {
  const Geometry g = Geom({256});
  const TensorCheck yes = Check(std::vector<double>(256, 0.0),
                                "uniform(a=-0.125, b=0.125)", g);
  ASSERT_FALSE(yes.pass);
  EXPECT_TRUE(Has(yes, "all values are zero")) << Why(yes);
  const TensorCheck no = Check(std::vector<double>(256, 0.05),
                               "uniform(a=-0.125, b=0.125)", g);
  ASSERT_FALSE(no.pass);
  EXPECT_FALSE(Has(no, "zero")) << Why(no);
}

// explain_scale is empty when the variance and the shape fit the target.
TEST(DiagnoseHints, NothingToExplain) {
  const Geometry g = Geom({256, 256});
  const TensorCheck c =
      Check(Fill("kaiming_uniform(a=sqrt(5))", g), "kaiming_uniform(a=sqrt(5))", g);
  EXPECT_TRUE(c.pass);
  EXPECT_TRUE(explain_scale(c).empty());
  EXPECT_EQ(diagnose(c), "");
}

}  // namespace
}  // namespace initcheck::verify
