#include "initcheck/verify/multiple_testing.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace initcheck::verify {
namespace {

double clean(double p) {
  if (std::isnan(p)) return 1.0;
  return std::clamp(p, 0.0, 1.0);
}

std::vector<bool> threshold(const std::vector<double>& adjusted, double alpha) {
  std::vector<bool> out(adjusted.size());
  for (size_t i = 0; i < adjusted.size(); ++i) out[i] = adjusted[i] <= alpha;
  return out;
}

}  // namespace

std::vector<double> holm_adjust(std::span<const double> p) {
  const size_t m = p.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return clean(p[a]) < clean(p[b]);
  });
  std::vector<double> adjusted(m);
  double running = 0;
  for (size_t rank = 0; rank < m; ++rank) {
    const size_t i = order[rank];
    const double factor = static_cast<double>(m - rank);
    running = std::max(running, std::min(1.0, factor * clean(p[i])));
    adjusted[i] = running;
  }
  return adjusted;
}

std::vector<double> bonferroni_adjust(std::span<const double> p) {
  std::vector<double> adjusted(p.size());
  for (size_t i = 0; i < p.size(); ++i) {
    adjusted[i] = std::min(1.0, static_cast<double>(p.size()) * clean(p[i]));
  }
  return adjusted;
}

std::vector<bool> holm_reject(std::span<const double> p, double alpha) {
  return threshold(holm_adjust(p), alpha);
}

std::vector<bool> bonferroni_reject(std::span<const double> p, double alpha) {
  return threshold(bonferroni_adjust(p), alpha);
}

std::vector<double> p_values(std::span<const TestResult> results) {
  std::vector<double> out;
  out.reserve(results.size());
  for (const TestResult& r : results) out.push_back(r.p_value);
  return out;
}

}  // namespace initcheck::verify
