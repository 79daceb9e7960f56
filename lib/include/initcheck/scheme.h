// File: initcheck/scheme.h
//
// Initialization schemes and the one parser every tool uses.
//
// A scheme is written in PyTorch call syntax:
//   kaiming_uniform(a=2.23606797749979, mode=fan_out, nonlinearity=relu)
//   kaiming_uniform(sqrt(5))            positional arguments in order
//   trunc_normal(std=0.02, a=-0.04, b=0.04)
//   he_normal                           no parentheses: all defaults
// Numbers may be written as expressions with + - * / ( ) and sqrt(x) (also
// math.sqrt), e.g. a=sqrt(5), std=1/sqrt(3). Words may be quoted ('fan_out').
// Names accept PyTorch's in-place spelling (kaiming_uniform_), Keras class
// names (HeNormal, VarianceScaling) and the module prefixes torch.nn.init.,
// nn.init., keras.initializers., tf.keras.initializers. and
// jax.nn.initializers. (JAX's kaiming_*/xavier_* are the truncated Keras
// schemes and map to he_*/glorot_*).
// TensorFlow.js spellings -- the tf.initializers. prefix, lower camelCase
// (heNormal, glorotUniform, varianceScaling) and LeCunNormal/LeCunUniform --
// get TF.js 4.22 semantics where they differ from Keras: heNormal,
// glorotNormal and leCunNormal truncate at +-2 sd WITHOUT the 0.87962566
// correction and parse to variance_scaling(..., distribution=
// truncated_normal_uncorrected); varianceScaling's words fanIn/fanOut/fanAvg,
// 'normal' (= truncated_normal_uncorrected, its default) and
// 'truncatedNormal' (= truncated_normal) are translated.
//
// A parsed Scheme always holds every parameter (defaults filled in) and has
// been validated; Scheme::str() prints the canonical form, which parses back
// to an equal Scheme.
#ifndef INITCHECK_SCHEME_H_
#define INITCHECK_SCHEME_H_

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace initcheck {

enum class Convention { kPyTorch, kKeras };

// Every scheme, one enumerator each. Dispatch on it with a switch (lib's
// plan_fill, verify's oracle): -Wswitch names every place a new scheme must
// be handled. Adding a scheme = a row in scheme.cc's table, a case in
// lib/src/plan.cc (the formula) and one in verify/src/oracle.cc (the
// independent derivation); see lib/README.md, "Adding a scheme".
enum class SchemeId {
  // PyTorch semantics
  kZeros, kOnes, kConstant, kUniform, kNormal, kTruncNormal, kXavierUniform,
  kXavierNormal, kKaimingUniform, kKaimingNormal, kOrthogonal, kEye, kDirac,
  kSparse,
  // Keras/JAX semantics
  kGlorotUniform, kGlorotNormal, kHeUniform, kHeNormal, kLecunUniform,
  kLecunNormal, kVarianceScaling, kTruncatedNormal, kRandomNormal,
  kRandomUniform, kIdentity, kDeltaOrthogonal,
};

// The values a numeric parameter may take on its own (cross-parameter rules
// such as a < b are the scheme's validate). kWord for word parameters.
enum class ParamDomain { kReal, kPositive, kUnitInterval, kPositiveInteger, kWord };

struct ParamSpec {
  std::string_view key;
  bool is_word = false;                  // a word from `choices`, else a number
  ParamDomain domain = ParamDomain::kReal;
  std::optional<double> default_number;  // nullopt for a number: required
  std::string_view default_word;
  std::vector<std::string_view> choices;  // words only; empty = any name
  std::vector<std::string_view> aliases;  // other accepted keys
  std::string_view help;
};

class Scheme;

struct SchemeSpec {
  SchemeId id;
  std::string_view name;
  Convention convention;
  std::vector<ParamSpec> params = {};
  bool uses_fans = false;      // needs fan_in/fan_out (rank >= 2)
  std::string_view summary;    // one line: the distribution and its formula
  std::string_view reference;  // the paper or documentation
  // Checks the parameter values beyond "finite number / valid word" (e.g.
  // a < b); throws Error with a one-line message. May be null.
  void (*validate)(const Scheme&) = nullptr;
};

// Every scheme, PyTorch ones first, in documentation order.
const std::vector<SchemeSpec>& scheme_specs();
// nullptr if unknown (canonical names only).
const SchemeSpec* find_scheme_spec(std::string_view name);
const SchemeSpec& scheme_spec(SchemeId id);

// The nonlinearity names torch.nn.init.calculate_gain accepts, in PyTorch's
// documentation order (the values are lib's calculate_gain, initcheck/gain.h).
const std::vector<std::string_view>& nonlinearity_names();

class Scheme {
 public:
  using Value = std::variant<double, std::string>;

  // Throws Error with a one-line message naming the bad token (did-you-mean
  // for near misses, the valid names or keys otherwise).
  static Scheme parse(std::string_view text);

  const std::string& name() const { return name_; }
  SchemeId id() const { return id_; }
  const SchemeSpec& spec() const;
  // The value of parameter `key` (canonical key). Throws Error if absent.
  double number(std::string_view key) const;
  const std::string& word(std::string_view key) const;

  // Canonical text: name(key=value, ...) with every parameter, numbers in
  // their shortest round-trip decimal form.
  std::string str() const;

  friend bool operator==(const Scheme&, const Scheme&) = default;

 private:
  static Scheme parse_unchecked(std::string_view text);
  std::string name_;
  SchemeId id_ = SchemeId::kZeros;
  std::vector<Value> values_;  // in spec().params order
};

// Shortest decimal text that reads back as exactly x ("0.1", "1e-05", "2").
std::string format_number(double x);

}  // namespace initcheck

#endif  // INITCHECK_SCHEME_H_
