// Scheme table, parser and canonical printer (see initcheck/scheme.h).
#include "initcheck/scheme.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "initcheck/error.h"

namespace initcheck {
namespace {

using std::string;
using std::string_view;

ParamSpec Num(string_view key, std::optional<double> def, string_view help,
              std::vector<string_view> aliases = {},
              ParamDomain domain = ParamDomain::kReal) {
  ParamSpec p;
  p.key = key;
  p.domain = domain;
  p.default_number = def;
  p.help = help;
  p.aliases = std::move(aliases);
  return p;
}

ParamSpec Word(string_view key, string_view def,
               std::vector<string_view> choices, string_view help) {
  ParamSpec p;
  p.key = key;
  p.is_word = true;
  p.domain = ParamDomain::kWord;
  p.default_word = def;
  p.choices = std::move(choices);
  p.help = help;
  return p;
}

void Require(bool ok, const string& message) {
  if (!ok) throw Error(message);
}

// Parameter checks beyond "a finite number / a valid word", one per scheme
// that needs them (SchemeSpec::validate).
void Positive(const Scheme& s, string_view k) {
  Require(s.number(k) > 0, s.name() + ": " + string(k) + " must be > 0, got " +
                               format_number(s.number(k)));
}

void LessThan(const Scheme& s, string_view lo, string_view hi) {
  Require(s.number(lo) < s.number(hi),
          s.name() + ": " + string(lo) + " must be < " + string(hi) + ", got " +
              string(lo) + "=" + format_number(s.number(lo)) + ", " + string(hi) +
              "=" + format_number(s.number(hi)));
}

void ValidateNormal(const Scheme& s) {
  Require(s.number("std") > 0, "normal: std must be > 0, got " +
                                   format_number(s.number("std")) +
                                   " (for a constant use constant(value=...))");
}

void ValidateTruncNormal(const Scheme& s) {
  Positive(s, "std");
  LessThan(s, "a", "b");
  const double alpha = (s.number("a") - s.number("mean")) / s.number("std");
  const double beta = (s.number("b") - s.number("mean")) / s.number("std");
  Require(alpha < 10 && beta > -10,
          "trunc_normal: [a, b] lies more than 10 std from the mean ((a - "
          "mean)/std = " + format_number(alpha) + ", (b - mean)/std = " +
              format_number(beta) +
              "); the truncated distribution is numerically degenerate");
}

void ValidateDirac(const Scheme& s) {
  const double g = s.number("groups");
  Require(g >= 1 && g == std::floor(g) && g <= 1e9,
          "dirac: groups must be a positive integer, got " + format_number(g));
}

void ValidateSparse(const Scheme& s) {
  const double sp = s.number("sparsity");
  Require(sp >= 0 && sp <= 1,
          "sparse: sparsity must be in [0, 1], got " + format_number(sp));
  Positive(s, "std");
}

std::vector<SchemeSpec> BuildSpecs() {
  using Id = SchemeId;
  const auto kPos = ParamDomain::kPositive;
  const auto kPt = Convention::kPyTorch;
  const auto kK = Convention::kKeras;
  const std::vector<string_view> kFanModes = {"fan_in", "fan_out"};
  const ParamSpec nonlin =
      Word("nonlinearity", "leaky_relu", {}, "the activation after this layer");
  const ParamSpec slope =
      Num("a", 0.0, "negative slope of leaky_relu (used only with it)");
  const ParamSpec fan_mode = Word("mode", "fan_in", kFanModes, "which fan to scale by");
  const ParamSpec gain = Num("gain", 1.0, "scaling factor", {}, kPos);
  auto positive_gain = [](const Scheme& s) { Positive(s, "gain"); };
  return {
      {.id = Id::kZeros, .name = "zeros", .convention = kPt,
       .summary = "all 0", .reference = "torch.nn.init.zeros_"},
      {.id = Id::kOnes, .name = "ones", .convention = kPt,
       .summary = "all 1", .reference = "torch.nn.init.ones_"},
      {.id = Id::kConstant, .name = "constant", .convention = kPt,
       .params = {Num("value", 0.0, "the constant", {"val"})},
       .summary = "all equal to value",
       .reference = "torch.nn.init.constant_, keras.initializers.Constant"},
      {.id = Id::kUniform, .name = "uniform", .convention = kPt,
       .params = {Num("a", 0.0, "lower bound"), Num("b", 1.0, "upper bound")},
       .summary = "U[a, b)", .reference = "torch.nn.init.uniform_",
       .validate = [](const Scheme& s) { LessThan(s, "a", "b"); }},
      {.id = Id::kNormal, .name = "normal", .convention = kPt,
       .params = {Num("mean", 0.0, "mean"), Num("std", 1.0, "standard deviation", {}, kPos)},
       .summary = "N(mean, std^2)", .reference = "torch.nn.init.normal_",
       .validate = ValidateNormal},
      {.id = Id::kTruncNormal, .name = "trunc_normal", .convention = kPt,
       .params = {Num("mean", 0.0, "mean of the parent normal"),
                  Num("std", 1.0, "std of the parent normal", {}, kPos),
                  Num("a", -2.0, "lower cut (absolute, not in std units)"),
                  Num("b", 2.0, "upper cut (absolute)")},
       .summary = "N(mean, std^2) restricted to [a, b]; a, b absolute, as PyTorch",
       .reference = "torch.nn.init.trunc_normal_",
       .validate = ValidateTruncNormal},
      {.id = Id::kXavierUniform, .name = "xavier_uniform", .convention = kPt,
       .params = {gain}, .uses_fans = true,
       .summary = "U(-b, b), b = gain sqrt(6 / (fan_in + fan_out))",
       .reference = "Glorot & Bengio (2010), AISTATS; torch.nn.init.xavier_uniform_",
       .validate = positive_gain},
      {.id = Id::kXavierNormal, .name = "xavier_normal", .convention = kPt,
       .params = {gain}, .uses_fans = true,
       .summary = "N(0, std^2), std = gain sqrt(2 / (fan_in + fan_out))",
       .reference = "Glorot & Bengio (2010); torch.nn.init.xavier_normal_",
       .validate = positive_gain},
      {.id = Id::kKaimingUniform, .name = "kaiming_uniform", .convention = kPt,
       .params = {slope, fan_mode, nonlin}, .uses_fans = true,
       .summary = "U(-b, b), b = sqrt(3) gain / sqrt(fan_mode), gain = "
                  "calculate_gain(nonlinearity, a)",
       .reference = "He et al. (2015), ICCV; torch.nn.init.kaiming_uniform_"},
      {.id = Id::kKaimingNormal, .name = "kaiming_normal", .convention = kPt,
       .params = {slope, fan_mode, nonlin}, .uses_fans = true,
       .summary = "N(0, std^2), std = gain / sqrt(fan_mode), gain = "
                  "calculate_gain(nonlinearity, a)",
       .reference = "He et al. (2015); torch.nn.init.kaiming_normal_"},
      {.id = Id::kOrthogonal, .name = "orthogonal", .convention = kPt,
       .params = {gain},
       .summary = "gain Q, Q Haar-distributed with orthonormal rows or columns; "
                  "torch: rows = dim 0; keras/jax: columns = last dim",
       .reference = "Saxe et al. (2014), ICLR; torch.nn.init.orthogonal_, "
                    "keras.initializers.Orthogonal",
       .validate = positive_gain},
      {.id = Id::kEye, .name = "eye", .convention = kPt,
       .summary = "the identity matrix (2-D)", .reference = "torch.nn.init.eye_"},
      {.id = Id::kDirac, .name = "dirac", .convention = kPt,
       .params = {Num("groups", 1.0, "number of conv groups", {}, ParamDomain::kPositiveInteger)},
       .summary = "identity-preserving conv kernel (3-, 4-, 5-D, torch layout)",
       .reference = "torch.nn.init.dirac_", .validate = ValidateDirac},
      {.id = Id::kSparse, .name = "sparse", .convention = kPt,
       .params = {Num("sparsity", std::nullopt, "fraction of each column set to zero", {},
                      ParamDomain::kUnitInterval),
                  Num("std", 0.01, "std of the non-zero values", {}, kPos)},
       .summary = "N(0, std^2) with ceil(sparsity rows) zeros per column (2-D)",
       .reference = "Martens (2010), ICML; torch.nn.init.sparse_",
       .validate = ValidateSparse},
      {.id = Id::kGlorotUniform, .name = "glorot_uniform", .convention = kK,
       .uses_fans = true, .summary = "U(-l, l), l = sqrt(6 / (fan_in + fan_out))",
       .reference = "Glorot & Bengio (2010); keras.initializers.GlorotUniform"},
      {.id = Id::kGlorotNormal, .name = "glorot_normal", .convention = kK,
       .uses_fans = true,
       .summary = "truncated normal (+-2 sigma) with variance 2 / (fan_in + fan_out)",
       .reference = "Glorot & Bengio (2010); keras.initializers.GlorotNormal"},
      {.id = Id::kHeUniform, .name = "he_uniform", .convention = kK,
       .uses_fans = true, .summary = "U(-l, l), l = sqrt(6 / fan_in)",
       .reference = "He et al. (2015); keras.initializers.HeUniform"},
      {.id = Id::kHeNormal, .name = "he_normal", .convention = kK,
       .uses_fans = true,
       .summary = "truncated normal (+-2 sigma) with variance 2 / fan_in",
       .reference = "He et al. (2015); keras.initializers.HeNormal"},
      {.id = Id::kLecunUniform, .name = "lecun_uniform", .convention = kK,
       .uses_fans = true, .summary = "U(-l, l), l = sqrt(3 / fan_in)",
       .reference = "LeCun et al. (1998), Efficient BackProp; "
                    "keras.initializers.LecunUniform"},
      {.id = Id::kLecunNormal, .name = "lecun_normal", .convention = kK,
       .uses_fans = true,
       .summary = "truncated normal (+-2 sigma) with variance 1 / fan_in",
       .reference = "LeCun et al. (1998); keras.initializers.LecunNormal"},
      {.id = Id::kVarianceScaling, .name = "variance_scaling", .convention = kK,
       .params = {Num("scale", 1.0, "variance multiplier", {}, kPos),
                  Word("mode", "fan_in", {"fan_in", "fan_out", "fan_avg", "fan_geo_avg"},
                       "n = fan_in, fan_out, (fan_in + fan_out)/2 or sqrt(fan_in "
                       "fan_out)"),
                  Word("distribution", "truncated_normal",
                       {"truncated_normal", "untruncated_normal", "uniform",
                        "truncated_normal_uncorrected"},
                       "the distribution with variance scale / n "
                       "(truncated_normal_uncorrected: TF.js 4.22 / Keras <= 2.2.2, "
                       "cut at +-2 sqrt(scale/n), variance 0.774 scale/n)")},
       .uses_fans = true,
       .summary = "variance scale / n: truncated normal (+-2 sigma, parent std "
                  "sqrt(scale/n) / 0.87962566103423978), normal, or U(-l, l) with "
                  "l = sqrt(3 scale / n); truncated_normal_uncorrected: parent std "
                  "sqrt(scale/n) cut at +-2 sigma (TF.js, Keras <= 2.2.2)",
       .reference = "keras.initializers.VarianceScaling, "
                    "jax.nn.initializers.variance_scaling, "
                    "tf.initializers.varianceScaling (TF.js)",
       .validate = [](const Scheme& s) { Positive(s, "scale"); }},
      {.id = Id::kTruncatedNormal, .name = "truncated_normal", .convention = kK,
       .params = {Num("mean", 0.0, "mean"),
                  Num("stddev", 0.05, "std of the parent normal", {}, kPos)},
       .summary = "N(mean, stddev^2) restricted to mean +- 2 stddev",
       .reference = "keras.initializers.TruncatedNormal",
       .validate = [](const Scheme& s) { Positive(s, "stddev"); }},
      {.id = Id::kRandomNormal, .name = "random_normal", .convention = kK,
       .params = {Num("mean", 0.0, "mean"), Num("stddev", 0.05, "standard deviation", {}, kPos)},
       .summary = "N(mean, stddev^2)", .reference = "keras.initializers.RandomNormal",
       .validate = [](const Scheme& s) { Positive(s, "stddev"); }},
      {.id = Id::kRandomUniform, .name = "random_uniform", .convention = kK,
       .params = {Num("minval", -0.05, "lower bound"), Num("maxval", 0.05, "upper bound")},
       .summary = "U[minval, maxval)", .reference = "keras.initializers.RandomUniform",
       .validate = [](const Scheme& s) { LessThan(s, "minval", "maxval"); }},
      {.id = Id::kIdentity, .name = "identity", .convention = kK,
       .params = {Num("gain", 1.0, "multiplier", {}, kPos)},
       .summary = "gain times the identity matrix (2-D)",
       .reference = "keras.initializers.Identity", .validate = positive_gain},
      {.id = Id::kDeltaOrthogonal, .name = "delta_orthogonal", .convention = kK,
       .params = {Num("scale", 1.0, "multiplier", {}, kPos)},
       .summary = "zeros except the centre tap, scale Q with Q (in, out) orthogonal "
                  "(3-, 4-, 5-D, keras/jax layout, in <= out)",
       .reference = "Xiao et al. (2018), ICML; jax.nn.initializers.delta_orthogonal",
       .validate = [](const Scheme& s) { Positive(s, "scale"); }},
  };
}

// The user's text as it may appear inside a one-line message: control
// characters escaped (\n, \x01, ...), and at most 120 characters.
string Printable(string_view s) {
  string out;
  for (unsigned char c : s) {
    if (out.size() >= 120) {
      out += "...";
      break;
    }
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// Nesting limit of parentheses and unary signs in a number expression.
constexpr int kMaxExpressionDepth = 256;

bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
}

// Levenshtein distance, for did-you-mean.
size_t EditDistance(string_view a, string_view b) {
  std::vector<size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t sub = prev[j - 1] + (std::tolower(a[i - 1]) !=
                                                std::tolower(b[j - 1])
                                            ? 1
                                            : 0);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

string Join(const std::vector<string_view>& v) {
  string out;
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ", ";
    out += v[i];
  }
  return out;
}

// " (did you mean 'x'?)" for the closest candidate within distance 2 (or a
// prefix match), else "".
string DidYouMean(string_view word, const std::vector<string_view>& cands) {
  size_t best = 3;
  string_view pick;
  for (string_view c : cands) {
    size_t d = EditDistance(word, c);
    if (word.size() >= 3 && c.substr(0, word.size()) == word) d = std::min<size_t>(d, 1);
    if (d < best) {
      best = d;
      pick = c;
    }
  }
  if (pick.empty()) return "";
  return " (did you mean '" + string(pick) + "'?)";
}

std::vector<string_view> SchemeNames() {
  std::vector<string_view> v;
  for (const auto& s : scheme_specs()) v.push_back(s.name);
  return v;
}

// CamelCase Keras class names -> snake_case scheme names.
string CamelToSnake(string_view s) {
  string out;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (std::isupper(static_cast<unsigned char>(c))) {
      if (i > 0) out += '_';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c;
    }
  }
  return out;
}

// Which framework's semantics a spelling asks for, where they differ.
enum class Dialect { kDefault, kTfjs };

// Maps a written scheme name to its canonical name ("" if unknown) and the
// dialect it implies. TensorFlow.js spellings: the tf.initializers. prefix,
// lower camelCase (heNormal, glorotUniform, leCunNormal) and TF.js's
// LeCunNormal / LeCunUniform class names. (Keras' classes are HeNormal,
// LecunNormal: those keep Keras semantics.)
string CanonicalName(string_view written, Dialect* dialect) {
  string name(written);
  bool jax = false;
  *dialect = Dialect::kDefault;
  for (string_view prefix :
       {"torch.nn.init.", "nn.init.", "tf.keras.initializers.",
        "keras.initializers.", "jax.nn.initializers.", "tf.initializers."}) {
    if (name.rfind(prefix, 0) == 0) {
      jax = prefix == "jax.nn.initializers.";
      if (prefix == "tf.initializers.") *dialect = Dialect::kTfjs;
      name = name.substr(prefix.size());
      break;
    }
  }
  const bool has_upper = std::any_of(name.begin(), name.end(), [](char c) {
    return std::isupper(static_cast<unsigned char>(c));
  });
  if (has_upper) {
    // heNormal (TF.js function) and HeNormal (Keras or TF.js class).
    if (std::islower(static_cast<unsigned char>(name[0]))) *dialect = Dialect::kTfjs;
    if (name.rfind("LeCun", 0) == 0 || name.rfind("leCun", 0) == 0) {
      *dialect = Dialect::kTfjs;  // Keras spells it LecunNormal
      name = "lecun" + name.substr(5);
    }
    name = CamelToSnake(name);
  }
  if (name.size() > 1 && name.back() == '_') name.pop_back();
  if (jax) {
    // JAX's kaiming_* and xavier_* are the truncated Keras schemes.
    if (name == "kaiming_normal") name = "he_normal";
    if (name == "kaiming_uniform") name = "he_uniform";
    if (name == "xavier_normal") name = "glorot_normal";
    if (name == "xavier_uniform") name = "glorot_uniform";
    if (name == "normal" || name == "uniform" || name == "truncated_normal") {
      throw Error("scheme 'jax.nn.initializers." + name +
                  "' has JAX-specific parameters; write random_normal(stddev=...)"
                  ", random_uniform(minval=0, maxval=...) or "
                  "truncated_normal(stddev=...) instead");
    }
  }
  if (find_scheme_spec(name) == nullptr) return "";
  return name;
}

// TF.js words for variance_scaling's parameters (tfjs-layers
// keras_format/initializer_config: VALID_FAN_MODE_VALUES fanIn, fanOut,
// fanAvg; VALID_DISTRIBUTION_VALUES normal, uniform, truncatedNormal).
// TF.js' 'normal' is tf.truncatedNormal(0, sqrt(scale / n)): cut at +-2 sd
// WITHOUT Keras' 0.87962566 correction (initializers.js, VarianceScaling).
string TfjsWord(string_view key, const string& w) {
  if (key == "mode") {
    if (w == "fanIn") return "fan_in";
    if (w == "fanOut") return "fan_out";
    if (w == "fanAvg") return "fan_avg";
  }
  if (key == "distribution") {
    if (w == "normal") return "truncated_normal_uncorrected";
    if (w == "truncatedNormal") return "truncated_normal";
  }
  return w;
}

// ---------------------------------------------------------------------------
// Lexer and parser.

struct Token {
  enum Kind { kIdent, kNumber, kString, kPunct, kEnd } kind;
  string text;
  size_t pos;
};

class Lexer {
 public:
  explicit Lexer(string_view s) : s_(s) {}
  std::vector<Token> Run() {
    std::vector<Token> out;
    size_t i = 0;
    while (i < s_.size()) {
      const char c = s_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 (c == '.' && i + 1 < s_.size() &&
                  std::isdigit(static_cast<unsigned char>(s_[i + 1])))) {
        size_t j = i;
        while (j < s_.size() &&
               (std::isdigit(static_cast<unsigned char>(s_[j])) || s_[j] == '.'))
          ++j;
        if (j < s_.size() && (s_[j] == 'e' || s_[j] == 'E')) {
          size_t k = j + 1;
          if (k < s_.size() && (s_[k] == '+' || s_[k] == '-')) ++k;
          if (k < s_.size() && std::isdigit(static_cast<unsigned char>(s_[k]))) {
            j = k;
            while (j < s_.size() && std::isdigit(static_cast<unsigned char>(s_[j])))
              ++j;
          }
        }
        out.push_back({Token::kNumber, string(s_.substr(i, j - i)), i});
        i = j;
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t j = i;
        while (j < s_.size() && IsIdentChar(s_[j])) ++j;
        out.push_back({Token::kIdent, string(s_.substr(i, j - i)), i});
        i = j;
      } else if (c == '\'' || c == '"') {
        const size_t j = s_.find(c, i + 1);
        if (j == string_view::npos) {
          throw Error("unterminated quote at position " + std::to_string(i + 1) +
                      " in scheme '" + Printable(s_) + "'");
        }
        out.push_back({Token::kString, string(s_.substr(i + 1, j - i - 1)), i});
        i = j + 1;
      } else if (string_view("(),=+-*/").find(c) != string_view::npos) {
        out.push_back({Token::kPunct, string(1, c), i});
        ++i;
      } else {
        throw Error("unexpected character '" + string(1, c) + "' at position " +
                    std::to_string(i + 1) + " in scheme '" + Printable(s_) + "'");
      }
    }
    out.push_back({Token::kEnd, "", s_.size()});
    return out;
  }

 private:
  string_view s_;
};

class Parser {
 public:
  Parser(string_view text, std::vector<Token> toks)
      : text_(text), toks_(std::move(toks)) {}

  const Token& Peek() const { return toks_[i_]; }
  const Token& Next() { return toks_[i_ < toks_.size() - 1 ? i_++ : i_]; }
  bool IsPunct(const char* p) const {
    return Peek().kind == Token::kPunct && Peek().text == p;
  }
  [[noreturn]] void Fail(const string& what) const {
    throw Error(what + " in scheme '" + Printable(text_) + "'");
  }
  void Expect(const char* p) {
    if (!IsPunct(p)) {
      const Token& t = Peek();
      Fail("expected '" + string(p) + "' at position " + std::to_string(t.pos + 1) +
           (t.kind == Token::kEnd ? " (end of text)" : ", found '" + t.text + "'"));
    }
    Next();
  }

  // expr := term (('+'|'-') term)*
  double Expr() {
    double v = Term();
    while (IsPunct("+") || IsPunct("-")) {
      const bool plus = Next().text == "+";
      const double r = Term();
      v = plus ? v + r : v - r;
    }
    return v;
  }
  double Term() {
    double v = Factor();
    while (IsPunct("*") || IsPunct("/")) {
      const bool mul = Next().text == "*";
      const double r = Factor();
      v = mul ? v * r : v / r;
    }
    return v;
  }
  double Factor() {
    if (++depth_ > kMaxExpressionDepth) {
      Fail("number expression nested more than " + std::to_string(kMaxExpressionDepth) +
           " levels deep");
    }
    const double v = FactorBody();
    --depth_;
    return v;
  }
  double FactorBody() {
    const Token& t = Peek();
    if (IsPunct("-")) {
      Next();
      return -Factor();
    }
    if (IsPunct("+")) {
      Next();
      return Factor();
    }
    if (IsPunct("(")) {
      Next();
      const double v = Expr();
      Expect(")");
      return v;
    }
    if (t.kind == Token::kNumber) {
      Next();
      double v = 0;
      const char* b = t.text.data();
      const char* e = b + t.text.size();
      auto [ptr, ec] = std::from_chars(b, e, v);
      if (ec == std::errc::result_out_of_range) {
        Fail("number '" + t.text + "' at position " + std::to_string(t.pos + 1) +
             " is out of range of double");
      }
      if (ec != std::errc() || ptr != e) {
        Fail("bad number '" + t.text + "' at position " + std::to_string(t.pos + 1));
      }
      return v;
    }
    if (t.kind == Token::kIdent && (t.text == "sqrt" || t.text == "math.sqrt")) {
      Next();
      Expect("(");
      const double v = Expr();
      Expect(")");
      return std::sqrt(v);
    }
    if (t.kind == Token::kIdent && (t.text == "pi" || t.text == "math.pi")) {
      Next();
      return 3.14159265358979323846;
    }
    Fail("expected a number at position " + std::to_string(t.pos + 1) +
         (t.kind == Token::kEnd ? " (end of text)" : ", found '" + t.text + "'"));
  }

  string_view text_;
  std::vector<Token> toks_;
  size_t i_ = 0;
  int depth_ = 0;
};

void CheckFinite(const string& scheme, string_view key, double v) {
  if (!std::isfinite(v)) {
    throw Error(scheme + ": parameter " + string(key) +
                " must be a finite number, got " + format_number(v));
  }
}

}  // namespace

const std::vector<SchemeSpec>& scheme_specs() {
  static const std::vector<SchemeSpec> specs = [] {
    std::vector<SchemeSpec> v = BuildSpecs();
    // scheme_spec(id) indexes the table: rows in enumerator order.
    for (size_t i = 0; i < v.size(); ++i) {
      if (static_cast<size_t>(v[i].id) != i) std::abort();
    }
    return v;
  }();
  return specs;
}

const SchemeSpec& scheme_spec(SchemeId id) {
  return scheme_specs()[static_cast<size_t>(id)];
}

const std::vector<std::string_view>& nonlinearity_names() {
  static const std::vector<std::string_view> names = {
      "linear",           "conv1d",           "conv2d",
      "conv3d",           "conv_transpose1d", "conv_transpose2d",
      "conv_transpose3d", "sigmoid",          "tanh",
      "relu",             "leaky_relu",       "selu"};
  return names;
}

const SchemeSpec* find_scheme_spec(std::string_view name) {
  for (const auto& s : scheme_specs()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string format_number(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  if (x == 0) return "0";  // also -0
  char buf[64];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, ptr);
}

const SchemeSpec& Scheme::spec() const { return scheme_spec(id_); }

double Scheme::number(std::string_view key) const {
  const auto& ps = spec().params;
  for (size_t i = 0; i < ps.size(); ++i) {
    if (ps[i].key == key && !ps[i].is_word) return std::get<double>(values_[i]);
  }
  throw Error(name_ + " has no numeric parameter '" + std::string(key) + "'");
}

const std::string& Scheme::word(std::string_view key) const {
  const auto& ps = spec().params;
  for (size_t i = 0; i < ps.size(); ++i) {
    if (ps[i].key == key && ps[i].is_word) return std::get<std::string>(values_[i]);
  }
  throw Error(name_ + " has no word parameter '" + std::string(key) + "'");
}

std::string Scheme::str() const {
  std::string out = name_ + "(";
  const auto& ps = spec().params;
  for (size_t i = 0; i < ps.size(); ++i) {
    if (i) out += ", ";
    out += ps[i].key;
    out += '=';
    if (ps[i].is_word) {
      out += std::get<std::string>(values_[i]);
    } else {
      out += format_number(std::get<double>(values_[i]));
    }
  }
  return out + ")";
}

Scheme Scheme::parse(std::string_view text) {
  try {
    return parse_unchecked(text);
  } catch (const Error& e) {
    // Every message stays one line, whatever the input held.
    const std::string m = e.what();
    std::string out;
    for (unsigned char c : m) {
      if (c < 0x20 || c == 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\x%02x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
    if (out.size() > 600) out = out.substr(0, 600) + "...";
    throw Error(out);
  }
}

Scheme Scheme::parse_unchecked(std::string_view text) {
  Parser p(text, Lexer(text).Run());
  const Token head = p.Next();
  if (head.kind != Token::kIdent) {
    if (head.kind == Token::kEnd) {
      throw Error("empty scheme; write e.g. kaiming_uniform(a=sqrt(5)) "
                  "(valid names: " + Join(SchemeNames()) + ")");
    }
    p.Fail("expected a scheme name at position " + std::to_string(head.pos + 1) +
           ", found '" + head.text + "'");
  }
  Dialect dialect = Dialect::kDefault;
  const string name = CanonicalName(head.text, &dialect);
  const bool tfjs = dialect == Dialect::kTfjs;
  if (name.empty()) {
    const string hint = DidYouMean(head.text, SchemeNames());
    throw Error("unknown scheme '" + head.text + "'" + hint +
                (hint.empty() ? "; valid names: " + Join(SchemeNames()) : ""));
  }
  Scheme s;
  s.name_ = name;
  s.id_ = find_scheme_spec(name)->id;
  const SchemeSpec& spec = s.spec();
  const auto& ps = spec.params;
  std::vector<std::optional<Value>> given(ps.size());

  auto key_list = [&] {
    std::vector<string_view> keys;
    for (const auto& q : ps) keys.push_back(q.key);
    return keys;
  };
  auto read_value = [&](size_t idx) {
    const ParamSpec& q = ps[idx];
    if (given[idx]) {
      p.Fail(name + ": parameter '" + string(q.key) + "' given twice");
    }
    if (q.is_word) {
      const Token& t = p.Peek();
      if (t.kind != Token::kIdent && t.kind != Token::kString) {
        p.Fail(name + ": parameter '" + string(q.key) + "' takes a name" +
               (q.choices.empty() ? "" : " (one of " + Join(q.choices) + ")") +
               ", found '" + t.text + "'");
      }
      p.Next();
      given[idx] = Value(t.text);
    } else {
      const Token& t = p.Peek();
      if (t.kind == Token::kIdent && t.text != "sqrt" && t.text != "math.sqrt" &&
          t.text != "pi" && t.text != "math.pi") {
        p.Fail(name + ": parameter '" + string(q.key) + "' takes a number, found '" +
               t.text + "'");
      }
      given[idx] = Value(p.Expr());
    }
  };

  if (p.IsPunct("(")) {
    p.Next();
    size_t positional = 0;
    bool seen_keyword = false;
    while (!p.IsPunct(")")) {
      const Token& t = p.Peek();
      if (t.kind == Token::kEnd) p.Fail("missing ')'");
      const bool is_kw = t.kind == Token::kIdent &&
                         p.toks_[p.i_ + 1].kind == Token::kPunct &&
                         p.toks_[p.i_ + 1].text == "=";
      if (is_kw) {
        seen_keyword = true;
        const string key = p.Next().text;
        p.Next();  // '='
        size_t idx = ps.size();
        for (size_t j = 0; j < ps.size(); ++j) {
          if (ps[j].key == key ||
              std::find(ps[j].aliases.begin(), ps[j].aliases.end(), key) !=
                  ps[j].aliases.end()) {
            idx = j;
          }
        }
        if (idx == ps.size()) {
          if (key == "seed" || key == "generator" || key == "dtype") {
            p.Fail(name + ": '" + key + "' is not part of a scheme; use the --" +
                   (key == "dtype" ? string("dtype") : string("seed")) +
                   " option");
          }
          const string hint = DidYouMean(key, key_list());
          p.Fail(name + ": unknown parameter '" + key + "'" + hint +
                 (ps.empty() ? "; " + name + " takes no parameters"
                             : "; valid: " + Join(key_list())));
        }
        read_value(idx);
      } else {
        if (seen_keyword) {
          p.Fail(name + ": positional argument after keyword arguments at "
                        "position " + std::to_string(t.pos + 1));
        }
        if (positional >= ps.size()) {
          p.Fail(name + " takes " + std::to_string(ps.size()) +
                 " parameter(s)" +
                 (ps.empty() ? "" : " (" + Join(key_list()) + ")") +
                 ", got more at position " + std::to_string(t.pos + 1));
        }
        read_value(positional++);
      }
      if (p.IsPunct(",")) {
        p.Next();
      } else if (!p.IsPunct(")")) {
        const Token& u = p.Peek();
        p.Fail("expected ',' or ')' at position " + std::to_string(u.pos + 1) +
               (u.kind == Token::kEnd ? " (end of text)" : ", found '" + u.text + "'"));
      }
    }
    p.Next();
  }
  if (p.Peek().kind != Token::kEnd) {
    p.Fail("unexpected '" + p.Peek().text + "' at position " +
           std::to_string(p.Peek().pos + 1));
  }

  // Defaults, choices and required parameters.
  for (size_t j = 0; j < ps.size(); ++j) {
    const ParamSpec& q = ps[j];
    if (!given[j]) {
      if (q.is_word && tfjs && q.key == "distribution") {
        // TF.js VarianceScaling's default distribution is 'normal'.
        given[j].emplace(std::in_place_type<string>, "truncated_normal_uncorrected");
      } else if (q.is_word) {
        given[j].emplace(std::in_place_type<string>, q.default_word);
      } else if (q.default_number) {
        given[j].emplace(std::in_place_type<double>, *q.default_number);
      } else {
        throw Error(name + ": missing required parameter '" + string(q.key) +
                    "' (e.g. " + name + "(" + string(q.key) + "=0.1))");
      }
    }
    if (q.is_word) {
      if (tfjs) {
        string word = TfjsWord(q.key, std::get<string>(*given[j]));
        given[j].emplace(std::in_place_type<string>, std::move(word));
      }
      const string& w = std::get<string>(*given[j]);
      if (q.key == "nonlinearity") {
        const auto& names = nonlinearity_names();
        if (std::find(names.begin(), names.end(), w) == names.end()) {
          const string hint = DidYouMean(w, names);
          throw Error(name + ": unknown nonlinearity '" + w + "'" + hint +
                      "; valid: " + Join(names));
        }
      } else if (q.key == "distribution" && w == "normal") {
        throw Error(name + ": distribution=normal is ambiguous (Keras means "
                    "truncated_normal, JAX means untruncated_normal); write "
                    "distribution=truncated_normal or "
                    "distribution=untruncated_normal");
      } else if (!q.choices.empty() &&
                 std::find(q.choices.begin(), q.choices.end(), w) ==
                     q.choices.end()) {
        const string hint = DidYouMean(w, q.choices);
        throw Error(name + ": " + string(q.key) + "=" + w + " is not valid" + hint +
                    "; valid: " + Join(q.choices));
      }
    } else {
      CheckFinite(name, q.key, std::get<double>(*given[j]));
    }
    s.values_.push_back(*given[j]);
  }

  // Per-scheme value checks (the table's validate).
  if (spec.validate != nullptr) spec.validate(s);
  // TF.js' heNormal, glorotNormal and leCunNormal are VarianceScaling with
  // distribution 'normal': truncated at +-2 sd without the correction
  // (tfjs-layers initializers.js). They print as that variance_scaling, which
  // parses back to the same scheme.
  if (tfjs && (s.id_ == SchemeId::kHeNormal || s.id_ == SchemeId::kGlorotNormal ||
               s.id_ == SchemeId::kLecunNormal)) {
    const char* args = s.id_ == SchemeId::kHeNormal ? "scale=2, mode=fan_in"
                       : s.id_ == SchemeId::kGlorotNormal ? "scale=1, mode=fan_avg"
                                                          : "scale=1, mode=fan_in";
    return parse_unchecked(string("variance_scaling(") + args +
                           ", distribution=truncated_normal_uncorrected)");
  }
  return s;
}

}  // namespace initcheck
