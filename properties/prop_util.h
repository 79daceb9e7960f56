// File: properties/prop_util.h
//
// Small helpers shared by the property suites: bitwise tensor comparison,
// relative closeness, the f32 rounding of a double bound, a scope guard for
// the fill backend, and "must throw initcheck::Error" capture.
#ifndef INITCHECK_PROPERTIES_PROP_UTIL_H_
#define INITCHECK_PROPERTIES_PROP_UTIL_H_

#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "initcheck/dtype.h"
#include "initcheck/error.h"
#include "initcheck/kernel.h"
#include "initcheck/tensor.h"

namespace initcheck::props {

// Same dtype, shape and bytes.
inline bool BitEqual(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.data(), b.data(), a.nbytes()) == 0;
}

// |a - b| <= rel max(|a|, |b|) (exact equality passes, also for zeros).
inline bool RelClose(double a, double b, double rel) {
  if (a == b) return true;
  return std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b));
}

// Largest float <= x and smallest float >= x (+-inf beyond the range).
inline float FloatDown(double x) {
  float y = static_cast<float>(x);
  if (static_cast<double>(y) > x) {
    y = std::nextafter(y, -std::numeric_limits<float>::infinity());
  }
  return y;
}
inline float FloatUp(double x) {
  float y = static_cast<float>(x);
  if (static_cast<double>(y) < x) {
    y = std::nextafter(y, std::numeric_limits<float>::infinity());
  }
  return y;
}

// The f32 value `x` stored as dtype `t` (f16/bf16 round to nearest even),
// decoded back to double.
inline double StoredAs(DType t, float x) {
  switch (t) {
    case DType::kF16:
      return f16_to_f32(f32_to_f16(x));
    case DType::kBF16:
      return bf16_to_f32(f32_to_bf16(x));
    default:
      return x;
  }
}

// Restores the fill backend when leaving the scope (also on a failed
// RC_ASSERT, which throws).
class BackendScope {
 public:
  explicit BackendScope(FillBackend b) : old_(fill_backend()) {
    set_fill_backend(b);
  }
  ~BackendScope() { set_fill_backend(old_); }
  BackendScope(const BackendScope&) = delete;
  BackendScope& operator=(const BackendScope&) = delete;

 private:
  FillBackend old_;
};

// Outcome of running f: the value, or the initcheck::Error message. Any other
// exception propagates (and fails the property with its type and message).
template <class T>
struct Outcome {
  std::optional<T> value;
  bool threw = false;  // f threw initcheck::Error
  std::string error;   // its message
  bool ok() const { return value.has_value(); }
};

template <class F>
auto Capture(F&& f) -> Outcome<decltype(f())> {
  Outcome<decltype(f())> out;
  try {
    out.value.emplace(f());
  } catch (const Error& e) {
    out.threw = true;
    out.error = e.what();
  }
  return out;
}

// True when `message` is one non-empty line.
inline bool OneLine(const std::string& message) {
  return !message.empty() && message.find('\n') == std::string::npos &&
         message.find('\r') == std::string::npos;
}

}  // namespace initcheck::props

#endif  // INITCHECK_PROPERTIES_PROP_UTIL_H_
