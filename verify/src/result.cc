#include "initcheck/verify/result.h"

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <utility>

namespace initcheck::verify {

double TestResult::detail(std::string_view key) const {
  for (const Detail& d : details) {
    if (d.name == key) return d.value;
  }
  return kNaN;
}

bool rejects(const TestResult& r, double alpha) {
  return !std::isnan(r.p_value) && r.p_value < alpha;
}

std::string format(const char* fmt, ...) {
  va_list args;
  va_start(args, fmt);
  va_list copy;
  va_copy(copy, args);
  const int len = std::vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  std::string out;
  if (len > 0) {
    out.resize(static_cast<size_t>(len) + 1);
    std::vsnprintf(out.data(), out.size(), fmt, args);
    out.resize(static_cast<size_t>(len));
  }
  va_end(args);
  return out;
}

std::string to_string(const TestResult& r) {
  std::string s = format("%-20s n=%lld  stat=%.6g", r.name.c_str(),
                         static_cast<long long>(r.n), r.statistic);
  if (!std::isnan(r.dof)) s += format("  dof=%g", r.dof);
  s += format("  p=%.4g", r.p_value);
  if (!r.reliable) s += "  [unreliable at this n]";
  if (!r.note.empty()) s += "  (" + r.note + ")";
  return s;
}

TestResult deterministic_result(std::string name, int64_t n, int64_t bad, std::string note) {
  TestResult r;
  r.name = std::move(name);
  r.n = n;
  r.statistic = static_cast<double>(bad);
  r.p_value = bad > 0 ? 0.0 : 1.0;
  r.note = std::move(note);
  return r;
}

}  // namespace initcheck::verify
