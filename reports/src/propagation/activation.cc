// Activations: values, derivatives and the parser (see activation.h).
#include "initcheck/propagation/activation.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>

#include "initcheck/error.h"
#include "initcheck/scheme.h"

namespace initcheck::propagation {
namespace {

constexpr double kInvSqrt2 = 0.70710678118654752440;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;  // 1/sqrt(2 pi)
constexpr double kTwoOverSqrtPi = 1.12837916709551257390;

struct NameEntry {
  std::string_view name;
  ActivationKind kind;
};

// Canonical names first (names() lists them), then aliases.
constexpr NameEntry kNames[] = {
    {"linear", ActivationKind::kLinear},
    {"relu", ActivationKind::kRelu},
    {"leaky_relu", ActivationKind::kLeakyRelu},
    {"tanh", ActivationKind::kTanh},
    {"sigmoid", ActivationKind::kSigmoid},
    {"selu", ActivationKind::kSelu},
    {"gelu", ActivationKind::kGelu},
    {"silu", ActivationKind::kSilu},
    {"elu", ActivationKind::kElu},
    {"softplus", ActivationKind::kSoftplus},
    {"erf", ActivationKind::kErf},
    {"identity", ActivationKind::kLinear},
    {"logistic", ActivationKind::kSigmoid},
    {"swish", ActivationKind::kSilu},
    {"leakyrelu", ActivationKind::kLeakyRelu},
};
constexpr int kCanonicalCount = 11;

std::string ValidNames() {
  std::string s;
  for (int i = 0; i < kCanonicalCount; ++i) {
    if (i) s += ", ";
    s += kNames[i].name;
  }
  s += " (leaky_relu(negative_slope=0.01), elu(alpha=1) take a parameter)";
  return s;
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

double ParseNumber(const std::string& text, std::string_view what) {
  double v = 0;
  const char* b = text.data();
  const char* e = b + text.size();
  if (b != e && *b == '+') ++b;
  const auto r = std::from_chars(b, e, v);
  if (r.ec != std::errc() || r.ptr != e || !std::isfinite(v)) {
    throw Error("activation " + std::string(what) + ": '" + text +
                "' is not a finite number");
  }
  return v;
}

// sech^2(x) = 4 t / (1 + t)^2 with t = e^{-2|x|}: no cancellation for large |x|.
inline double Sech2(double x) {
  const double t = std::exp(-2.0 * std::fabs(x));
  const double d = 1.0 + t;
  return 4.0 * t / (d * d);
}

inline double Sigmoid(double x) {
  if (x >= 0) return 1.0 / (1.0 + std::exp(-x));
  const double t = std::exp(x);
  return t / (1.0 + t);
}

// sigmoid'(x) = t / (1 + t)^2, t = e^{-|x|}.
inline double SigmoidPrime(double x) {
  const double t = std::exp(-std::fabs(x));
  const double d = 1.0 + t;
  return t / (d * d);
}

// log(1 + e^x) without overflow.
inline double Softplus(double x) {
  if (x > 0) return x + std::log1p(std::exp(-x));
  return std::log1p(std::exp(x));
}

inline double NormalCdf(double x) { return 0.5 * std::erfc(-x * kInvSqrt2); }
inline double NormalPdf(double x) { return kInvSqrt2Pi * std::exp(-0.5 * x * x); }

}  // namespace

const std::vector<std::string_view>& Activation::names() {
  static const std::vector<std::string_view> v = [] {
    std::vector<std::string_view> out;
    for (int i = 0; i < kCanonicalCount; ++i) out.push_back(kNames[i].name);
    return out;
  }();
  return v;
}

Activation Activation::make(ActivationKind kind, double parameter) {
  Activation a;
  a.kind_ = kind;
  switch (kind) {
    case ActivationKind::kLeakyRelu:
      a.param_ = std::isnan(parameter) ? 0.01 : parameter;
      break;
    case ActivationKind::kElu:
      a.param_ = std::isnan(parameter) ? 1.0 : parameter;
      break;
    default:
      a.param_ = 0;
      return a;
  }
  if (!std::isfinite(a.param_)) {
    throw Error("activation " + std::string(a.base_name()) +
                ": the parameter must be finite");
  }
  return a;
}

Activation Activation::parse(std::string_view text) {
  const std::string t = Trim(text);
  const size_t open = t.find('(');
  const std::string head = Lower(Trim(t.substr(0, open)));
  const ActivationKind* kind = nullptr;
  for (const auto& e : kNames) {
    if (e.name == head) {
      kind = &e.kind;
      break;
    }
  }
  if (head.empty() || kind == nullptr) {
    throw Error("unknown activation '" + t + "'; valid names: " + ValidNames());
  }
  std::vector<std::string> args;
  if (open != std::string::npos) {
    if (t.back() != ')') {
      throw Error("activation '" + t + "': missing ')'");
    }
    const std::string inner = t.substr(open + 1, t.size() - open - 2);
    if (inner.find_first_of("()") != std::string::npos) {
      throw Error("activation '" + t + "': nested parentheses");
    }
    size_t b = 0;
    while (true) {
      const size_t c = inner.find(',', b);
      const std::string piece = Trim(inner.substr(b, c == std::string::npos ? c : c - b));
      if (!piece.empty()) args.push_back(piece);
      if (c == std::string::npos) break;
      b = c + 1;
    }
  }
  const Activation probe = make(*kind);
  std::vector<std::string_view> keys;
  if (*kind == ActivationKind::kLeakyRelu) keys = {"negative_slope", "slope", "alpha"};
  if (*kind == ActivationKind::kElu) keys = {"alpha"};
  if (keys.empty()) {
    if (!args.empty()) {
      throw Error("activation " + std::string(probe.base_name()) +
                  " takes no parameters, got '" + t + "'");
    }
    return probe;
  }
  if (args.size() > 1) {
    throw Error("activation " + std::string(probe.base_name()) +
                " takes one parameter (" + std::string(keys[0]) + "), got '" + t + "'");
  }
  if (args.empty()) return probe;
  std::string value = args[0];
  const size_t eq = value.find('=');
  if (eq != std::string::npos) {
    const std::string key = Lower(Trim(value.substr(0, eq)));
    if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
      throw Error("activation " + std::string(probe.base_name()) + ": unknown parameter '" +
                  key + "'; valid: " + std::string(keys[0]));
    }
    value = Trim(value.substr(eq + 1));
  }
  return make(*kind, ParseNumber(value, probe.base_name()));
}

std::string_view Activation::base_name() const {
  for (int i = 0; i < kCanonicalCount; ++i) {
    if (kNames[i].kind == kind_) return kNames[i].name;
  }
  return "?";
}

std::string Activation::name() const {
  switch (kind_) {
    case ActivationKind::kLeakyRelu:
      return "leaky_relu(negative_slope=" + format_number(param_) + ")";
    case ActivationKind::kElu:
      return "elu(alpha=" + format_number(param_) + ")";
    default:
      return std::string(base_name());
  }
}

double Activation::value(double x) const {
  switch (kind_) {
    case ActivationKind::kLinear: return x;
    case ActivationKind::kRelu: return x > 0 ? x : 0.0;
    case ActivationKind::kLeakyRelu: return x > 0 ? x : param_ * x;
    case ActivationKind::kTanh: return std::tanh(x);
    case ActivationKind::kSigmoid: return Sigmoid(x);
    case ActivationKind::kSelu:
      return kSeluLambda * (x > 0 ? x : kSeluAlpha * std::expm1(x));
    case ActivationKind::kGelu: return x * NormalCdf(x);
    case ActivationKind::kSilu: return x * Sigmoid(x);
    case ActivationKind::kElu: return x > 0 ? x : param_ * std::expm1(x);
    case ActivationKind::kSoftplus: return Softplus(x);
    case ActivationKind::kErf: return std::erf(x);
  }
  return 0;
}

double Activation::derivative(double x) const {
  switch (kind_) {
    case ActivationKind::kLinear: return 1.0;
    case ActivationKind::kRelu: return x > 0 ? 1.0 : 0.0;
    case ActivationKind::kLeakyRelu: return x > 0 ? 1.0 : param_;
    case ActivationKind::kTanh: return Sech2(x);
    case ActivationKind::kSigmoid: return SigmoidPrime(x);
    case ActivationKind::kSelu:
      return kSeluLambda * (x > 0 ? 1.0 : kSeluAlpha * std::exp(x));
    case ActivationKind::kGelu: return NormalCdf(x) + x * NormalPdf(x);
    case ActivationKind::kSilu: {
      // silu' = s (1 + x (1 - s)), 1 - s = sigmoid(-x).
      return Sigmoid(x) * (1.0 + x * Sigmoid(-x));
    }
    case ActivationKind::kElu: return x > 0 ? 1.0 : param_ * std::exp(x);
    case ActivationKind::kSoftplus: return Sigmoid(x);
    case ActivationKind::kErf: return kTwoOverSqrtPi * std::exp(-x * x);
  }
  return 0;
}

double Activation::second_derivative(double x) const {
  switch (kind_) {
    case ActivationKind::kLinear:
    case ActivationKind::kRelu:
    case ActivationKind::kLeakyRelu:
      return 0.0;
    case ActivationKind::kTanh: return -2.0 * std::tanh(x) * Sech2(x);
    case ActivationKind::kSigmoid: {
      // s'' = s' (1 - 2 s); 1 - 2 s = (1 - t) / (1 + t) sign(-x), t = e^-|x|.
      const double t = std::exp(-std::fabs(x));
      const double r = (1.0 - t) / (1.0 + t);
      return SigmoidPrime(x) * (x > 0 ? -r : r);
    }
    case ActivationKind::kSelu:
      return x > 0 ? 0.0 : kSeluLambda * kSeluAlpha * std::exp(x);
    case ActivationKind::kGelu:
      return std::fabs(x) > 40.0 ? 0.0 : (2.0 - x * x) * NormalPdf(x);
    case ActivationKind::kSilu: {
      // silu'' = s' (2 + x (1 - 2 s)).
      const double t = std::exp(-std::fabs(x));
      const double r = (1.0 - t) / (1.0 + t);
      return SigmoidPrime(x) * (2.0 + x * (x > 0 ? -r : r));
    }
    case ActivationKind::kElu: return x > 0 ? 0.0 : param_ * std::exp(x);
    case ActivationKind::kSoftplus: return SigmoidPrime(x);
    case ActivationKind::kErf: return -2.0 * x * kTwoOverSqrtPi * std::exp(-x * x);
  }
  return 0;
}

void Activation::apply(const double* x, double* out, double* dout, std::size_t n) const {
  // The homogeneous cases get branch-free loops (they dominate the grid);
  // the others call the scalar functions.
  switch (kind_) {
    case ActivationKind::kLinear:
      if (dout) std::fill(dout, dout + n, 1.0);
      if (out && out != x) std::copy(x, x + n, out);
      return;
    case ActivationKind::kRelu:
    case ActivationKind::kLeakyRelu: {
      const double a = kind_ == ActivationKind::kRelu ? 0.0 : param_;
      for (std::size_t i = 0; i < n; ++i) {
        const double v = x[i];
        const bool pos = v > 0;
        if (dout) dout[i] = pos ? 1.0 : a;
        if (out) out[i] = pos ? v : a * v;
      }
      return;
    }
    case ActivationKind::kTanh:
      for (std::size_t i = 0; i < n; ++i) {
        const double v = x[i];
        const double t = std::tanh(v);
        if (dout) dout[i] = Sech2(v);
        if (out) out[i] = t;
      }
      return;
    default:
      for (std::size_t i = 0; i < n; ++i) {
        const double v = x[i];
        if (dout) dout[i] = derivative(v);
        if (out) out[i] = value(v);
      }
      return;
  }
}

bool Activation::positively_homogeneous() const {
  return kind_ == ActivationKind::kLinear || kind_ == ActivationKind::kRelu ||
         kind_ == ActivationKind::kLeakyRelu;
}

bool Activation::has_closed_form() const {
  switch (kind_) {
    case ActivationKind::kTanh:
    case ActivationKind::kSigmoid:
    case ActivationKind::kSilu:
    case ActivationKind::kSoftplus:
      return false;
    default:
      return true;
  }
}

bool Activation::saturating() const {
  return kind_ == ActivationKind::kTanh || kind_ == ActivationKind::kSigmoid ||
         kind_ == ActivationKind::kErf;
}

bool Activation::odd() const {
  return kind_ == ActivationKind::kLinear || kind_ == ActivationKind::kTanh ||
         kind_ == ActivationKind::kErf;
}

}  // namespace initcheck::propagation
