// File: initcheck/internal/json.h
//
// Not public API: helpers shared by initcheck's JSON writers (check results,
// studies, propagation, reports). Header-only; the includer links
// nlohmann_json.
#ifndef INITCHECK_INTERNAL_JSON_H_
#define INITCHECK_INTERNAL_JSON_H_

#include <cmath>
#include <nlohmann/json.hpp>
#include <optional>

namespace initcheck::internal {

// A JSON number, or null for NaN and +-inf (JSON has no non-finite numbers;
// every initcheck JSON contract documents "non-finite numbers are null").
inline nlohmann::ordered_json json_number(double x) {
  if (!std::isfinite(x)) return nullptr;
  return x;
}

inline nlohmann::ordered_json json_number(const std::optional<double>& x) {
  if (!x) return nullptr;
  return json_number(*x);
}

}  // namespace initcheck::internal

#endif  // INITCHECK_INTERNAL_JSON_H_
