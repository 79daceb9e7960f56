// File: initcheck/verify/result.h
//
// The plain-data result every statistical test in initcheck::verify returns,
// so that a battery can print, compare and JSON-serialize them uniformly.
//
//   name       short identifier: "ks", "anderson_darling", "chi_square",
//              "mean", "variance", "support", "serial_correlation", ...
//   n          the sample size the test used
//   statistic  the test statistic (D for KS, A² for AD, X² for chi-square, a
//              z-score for the z-tests, ...); see each test's header
//   dof        degrees of freedom of the reference distribution where it has
//              one (chi-square), otherwise NaN
//   p_value    P(statistic at least this extreme | H0), in [0, 1]. 0 means
//              "impossible under H0" (e.g. a value outside a bounded support).
//              NaN when the test could not run (too few values); `note` says
//              why
//   reliable   false when the sample size is below the size at which the
//              p-value's approximation is documented to be accurate at the
//              project's alpha (e.g. the variance z-test below n = 10^4). A
//              battery should not gate a verdict on an unreliable result
//   note       a short human sentence ("variance 0.774x target", "3 values
//              outside [-2, 2]")
//   details    named auxiliary numbers (D+, D-, the worst bin, ...), in the
//              order the test documents
#ifndef INITCHECK_VERIFY_RESULT_H_
#define INITCHECK_VERIFY_RESULT_H_

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace initcheck::verify {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

struct Detail {
  std::string name;
  double value = kNaN;
};

struct TestResult {
  std::string name;
  int64_t n = 0;
  double statistic = kNaN;
  double dof = kNaN;
  double p_value = kNaN;
  bool reliable = true;
  std::string note;
  std::vector<Detail> details;

  // The value of detail `key`, or NaN if absent.
  double detail(std::string_view key) const;
};

// An exact (deterministic) test: `bad` of `n` items violate it; p = 0 if any
// does, 1 otherwise (e.g. "finite", "structure").
TestResult deterministic_result(std::string name, int64_t n, int64_t bad, std::string note);

// True when the test ran (p-value not NaN) and p_value < alpha.
bool rejects(const TestResult& r, double alpha);

// One line for logs: "ks  n=1000000  D=0.00081  p=0.52  (note)".
std::string to_string(const TestResult& r);

// printf-style formatting into a std::string (used for notes).
std::string format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_RESULT_H_
