#include "initcheck/verify/independence.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "initcheck/error.h"
#include "initcheck/verify/distributions.h"
#include "initcheck/verify/moments.h"
#include "pipeline.h"

namespace initcheck::verify {
namespace {

void check_shape(size_t size, int64_t rows, int64_t cols, const char* what) {
  if (rows < 1 || cols < 1 ||
      static_cast<uint64_t>(rows) * static_cast<uint64_t>(cols) != size) {
    throw Error(format("%s: rows (%lld) x cols (%lld) != size (%zu)", what,
                       static_cast<long long>(rows),
                       static_cast<long long>(cols), size));
  }
}

template <typename T>
internal::Values ValuesOf(std::span<const T> x) {
  return {x.data(), sizeof(T) == 4 ? DType::kF32 : DType::kF64, x.size()};
}

// The engines are those of the battery (verify/src/pipeline.h,
// order_tests.cc): one implementation for both routes.
template <typename T>
TestResult serial_impl(std::span<const T> x, int64_t lag) {
  if (lag < 1) throw Error("serial_correlation_test: lag must be >= 1");
  const internal::Values v = ValuesOf(x);
  if (static_cast<int64_t>(x.size()) < lag + 3) {
    return internal::SerialCorrelation(v, lag, 0, 0);  // "too few values"
  }
  const internal::ValueScan scan = internal::ScanValues(v);
  if (scan.n_nan > 0) {
    TestResult r;
    r.name = "serial_correlation";
    r.n = static_cast<int64_t>(x.size());
    r.p_value = 0.0;
    r.note = format("%lld NaN values", static_cast<long long>(scan.n_nan));
    return r;
  }
  return internal::SerialCorrelation(v, lag, scan.moments.mean, scan.m2);
}

template <typename T>
RowCorrelationTests rows_impl(std::span<const T> x, int64_t rows,
                              int64_t cols, const Distribution* marginal) {
  check_shape(x.size(), rows, cols, "row_correlation_tests");
  internal::RowCorrelation rc =
      internal::RowCorrelations(ValuesOf(x), rows, cols, marginal);
  return {std::move(rc.mean), std::move(rc.max_abs)};
}

template <typename T>
TestResult duplicate_impl(std::span<const T> x, int64_t rows, int64_t cols,
                          double tie_p) {
  check_shape(x.size(), rows, cols, "duplicate_rows_test");
  const internal::EqualItems e =
      internal::CountEqualRows(ValuesOf(x), rows, cols, nullptr);
  return internal::DuplicateRowsResult(e, rows, cols, tie_p);
}

template <typename T>
TestResult windows_impl(std::span<const T> x, double tie_p, int window) {
  const size_t n = x.size();
  const int w = internal::ChooseWindow(n, tie_p, window);
  if (n < static_cast<size_t>(w) + 1) {
    TestResult r;
    r.name = "repeated_windows";
    r.n = static_cast<int64_t>(n);
    r.reliable = false;
    r.note = "too few values";
    return r;
  }
  const size_t nw = n - static_cast<size_t>(w) + 1;
  const double lambda =
      internal::WindowsLambda(static_cast<double>(nw), tie_p, w);
  const internal::EqualItems e =
      internal::CountEqualWindows(ValuesOf(x), w, nullptr);
  return internal::WindowsResult(e, n, w, lambda);
}

double median_of(std::vector<double> v) {
  if (v.empty()) return kNaN;
  const size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<int64_t>(mid), v.end());
  double m = v[mid];
  if (v.size() % 2 == 0) {
    const double lower =
        *std::max_element(v.begin(), v.begin() + static_cast<int64_t>(mid));
    m = 0.5 * (m + lower);
  }
  return m;
}

template <typename T>
TestResult runs_impl(std::span<const T> x, double median) {
  const internal::RunsCount c = internal::CountRuns(ValuesOf(x), median);
  return internal::RunsResult(c, x.size(), median);
}

}  // namespace

std::vector<int64_t> correlation_lags(int64_t n,
                                      std::span<const int64_t> extra) {
  std::vector<int64_t> lags;
  for (int64_t k = 1; k <= 64; ++k) lags.push_back(k);
  for (int64_t k = 128; k <= 4096; k *= 2) lags.push_back(k);
  for (int64_t k : extra) lags.push_back(k);
  std::sort(lags.begin(), lags.end());
  lags.erase(std::unique(lags.begin(), lags.end()), lags.end());
  std::vector<int64_t> out;
  for (int64_t k : lags) {
    if (k >= 1 && 2 * k <= n) out.push_back(k);
  }
  return out;
}

// The battery's engine (order_tests.cc): one blockwise pass, no copy.
std::vector<double> autocorrelations(std::span<const double> x,
                                     std::span<const int64_t> lags) {
  for (int64_t k : lags) {
    if (k < 1) throw Error("autocorrelations: lags must be >= 1");
  }
  std::vector<double> r(lags.size(), kNaN);
  if (x.size() < 2) return r;
  const internal::Values v = ValuesOf(x);
  const internal::ValueScan scan = internal::ScanValues(v);
  if (scan.n_nan + scan.n_inf > 0) return r;
  return internal::Autocorrelations(v, lags, scan.moments.mean);
}

TestResult lag_correlation_test(std::span<const double> x,
                                std::span<const int64_t> lags) {
  const int64_t n = static_cast<int64_t>(x.size());
  if (lags.empty() || n < 4) return internal::LagCorrelationResult({}, lags, n);
  const internal::Values v = ValuesOf(x);
  const internal::ValueScan scan = internal::ScanValues(v);
  if (scan.n_nan + scan.n_inf > 0) {
    TestResult r;
    r.name = "serial_correlation";
    r.n = n;
    r.p_value = 0.0;
    r.note = scan.n_nan > 0
                 ? format("%lld NaN values", static_cast<long long>(scan.n_nan))
                 : "non-finite values";
    return r;
  }
  return internal::LagCorrelationResult(
      internal::Autocorrelations(v, lags, scan.moments.mean), lags, n);
}

TestResult serial_correlation_test(std::span<const double> x, int64_t lag) {
  return serial_impl(x, lag);
}
TestResult serial_correlation_test(std::span<const float> x, int64_t lag) {
  return serial_impl(x, lag);
}

RowCorrelationTests row_correlation_tests(std::span<const double> x,
                                          int64_t rows, int64_t cols,
                                          const Distribution* marginal) {
  return rows_impl(x, rows, cols, marginal);
}
RowCorrelationTests row_correlation_tests(std::span<const float> x,
                                          int64_t rows, int64_t cols,
                                          const Distribution* marginal) {
  return rows_impl(x, rows, cols, marginal);
}

TestResult duplicate_rows_test(std::span<const double> x, int64_t rows,
                               int64_t cols, double tie_probability) {
  return duplicate_impl(x, rows, cols, tie_probability);
}
TestResult duplicate_rows_test(std::span<const float> x, int64_t rows,
                               int64_t cols, double tie_probability) {
  return duplicate_impl(x, rows, cols, tie_probability);
}

TestResult repeated_windows_test(std::span<const double> x,
                                 double tie_probability, int window) {
  return windows_impl(x, tie_probability, window);
}
TestResult repeated_windows_test(std::span<const float> x,
                                 double tie_probability, int window) {
  return windows_impl(x, tie_probability, window);
}

TestResult runs_test(std::span<const double> x, double median) {
  return runs_impl(x, median);
}

TestResult runs_test(std::span<const double> x) {
  return runs_impl(x, median_of(std::vector<double>(x.begin(), x.end())));
}

TestResult runs_test(std::span<const float> x) {
  return runs_impl(x, median_of(std::vector<double>(x.begin(), x.end())));
}

}  // namespace initcheck::verify
