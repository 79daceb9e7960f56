// Helpers shared by the verify/ tests: fixed-seed samples and exact binomial
// tails for thresholds on Monte Carlo counts.
#ifndef INITCHECK_VERIFY_TEST_TEST_UTIL_H_
#define INITCHECK_VERIFY_TEST_TEST_UTIL_H_

#include <boost/math/distributions/binomial.hpp>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace initcheck::verify::testing {

inline std::vector<double> normal_sample(size_t n, uint64_t seed,
                                         double mean = 0.0, double sd = 1.0) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> d(mean, sd);
  std::vector<double> v(n);
  for (double& x : v) x = d(g);
  return v;
}

inline std::vector<double> uniform_sample(size_t n, uint64_t seed,
                                          double a = 0.0, double b = 1.0) {
  std::mt19937_64 g(seed);
  std::uniform_real_distribution<double> d(a, b);
  std::vector<double> v(n);
  for (double& x : v) x = d(g);
  return v;
}

// P(X <= k) and P(X >= k) for X ~ Binomial(trials, p): used to state the
// false-alarm rate of a Monte Carlo count threshold.
inline double binomial_cdf(int64_t k, int64_t trials, double p) {
  if (k < 0) return 0.0;
  return boost::math::cdf(boost::math::binomial_distribution<double>(
                              static_cast<double>(trials), p),
                          static_cast<double>(k));
}
inline double binomial_sf_ge(int64_t k, int64_t trials, double p) {
  if (k <= 0) return 1.0;
  return boost::math::cdf(
      boost::math::complement(boost::math::binomial_distribution<double>(
                                  static_cast<double>(trials), p),
                              static_cast<double>(k - 1)));
}

}  // namespace initcheck::verify::testing

#endif  // INITCHECK_VERIFY_TEST_TEST_UTIL_H_
