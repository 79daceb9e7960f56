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

struct ParamSpec {
  std::string_view key;
  bool is_word = false;                  // a word from `choices`, else a number
  std::optional<double> default_number;  // nullopt for a number: required
  std::string_view default_word;
  std::vector<std::string_view> choices;  // words only; empty = any name
  std::vector<std::string_view> aliases;  // other accepted keys
  std::string_view help;
};

struct SchemeSpec {
  std::string_view name;
  Convention convention;
  std::vector<ParamSpec> params;
  bool uses_fans = false;      // needs fan_in/fan_out (rank >= 2)
  std::string_view summary;    // one line: the distribution and its formula
  std::string_view reference;  // the paper or documentation
};

// Every scheme, PyTorch ones first, in documentation order.
const std::vector<SchemeSpec>& scheme_specs();
// nullptr if unknown (canonical names only).
const SchemeSpec* find_scheme_spec(std::string_view name);

class Scheme {
 public:
  using Value = std::variant<double, std::string>;

  // Throws Error with a one-line message naming the bad token (did-you-mean
  // for near misses, the valid names or keys otherwise).
  static Scheme parse(std::string_view text);

  const std::string& name() const { return name_; }
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
  std::vector<Value> values_;  // in spec().params order
};

// Shortest decimal text that reads back as exactly x ("0.1", "1e-05", "2").
std::string format_number(double x);

}  // namespace initcheck

#endif  // INITCHECK_SCHEME_H_
