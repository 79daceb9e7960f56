// Kernel parameters and the scalar reference fills (see initcheck/kernel.h).
#include <boost/math/special_functions/erf.hpp>
#include <cmath>
#include <limits>

#include "initcheck/error.h"
#include "initcheck/kernel.h"
#include "initcheck/scheme.h"

namespace initcheck {
namespace {

// Smallest T >= x and largest T <= x.
template <class T>
T RoundUp(double x) {
  T y = static_cast<T>(x);
  if (static_cast<double>(y) < x) y = std::nextafter(y, std::numeric_limits<T>::infinity());
  return y;
}
template <class T>
T RoundDown(double x) {
  T y = static_cast<T>(x);
  if (static_cast<double>(y) > x) y = std::nextafter(y, -std::numeric_limits<T>::infinity());
  return y;
}

template <class T>
UniformKernel<T> MakeUniform(double low, double high) {
  if (!(low < high) || !std::isfinite(low) || !std::isfinite(high)) {
    throw Error("uniform kernel needs finite low < high");
  }
  UniformKernel<T> k;
  k.low = RoundUp<T>(low);
  if (!(static_cast<double>(k.low) < high)) {
    throw Error("uniform [" + format_number(low) + ", " + format_number(high) +
                ") contains no " + (sizeof(T) == 4 ? "f32" : "f64") +
                " value; widen it or use --dtype f64");
  }
  // The largest T strictly below high.
  T h = RoundDown<T>(high);
  if (static_cast<double>(h) >= high) h = std::nextafter(h, -std::numeric_limits<T>::infinity());
  k.below_high = h < k.low ? k.low : h;
  k.span = static_cast<T>(high - low);
  if (!std::isfinite(k.span) || !std::isfinite(k.low)) {
    throw Error("uniform bounds overflow the dtype");
  }
  return k;
}

double Phi(double x) { return 0.5 * boost::math::erfc(-x / std::sqrt(2.0)); }
double PhiC(double x) { return 0.5 * boost::math::erfc(x / std::sqrt(2.0)); }

template <class T>
NormalKernel<T> MakeNormal(double mean, double std, bool truncated,
                           double low, double high) {
  if (!std::isfinite(mean) || !(std > 0) || !std::isfinite(std)) {
    throw Error("normal kernel needs a finite mean and std > 0");
  }
  NormalKernel<T> k;
  k.mean = static_cast<T>(mean);
  k.scale = static_cast<T>(std);
  k.scale_central = static_cast<T>(std * std::sqrt(2.0));
  if (!std::isfinite(k.scale_central) || !std::isfinite(k.mean)) {
    throw Error("normal parameters overflow the dtype");
  }
  if (!truncated) {
    k.a = 0;
    k.b = 1;
    k.c = 0;
    k.lo = -std::numeric_limits<T>::infinity();
    k.hi = std::numeric_limits<T>::infinity();
    return k;
  }
  // Standardized bounds, clamped to +-10.
  const double a = std::max((low - mean) / std, -10.0);
  const double b = std::min((high - mean) / std, 10.0);
  if (!(a < b)) {
    throw Error("truncation interval is empty or lies more than 10 std from "
                "the mean");
  }
  const double A = Phi(a);
  const double C = PhiC(b);
  double B;
  if (a >= 0) {
    B = PhiC(a) - PhiC(b);
  } else if (b <= 0) {
    B = Phi(b) - Phi(a);
  } else {
    B = 1.0 - A - C;
  }
  k.a = static_cast<T>(A);
  k.b = static_cast<T>(B);
  k.c = static_cast<T>(C);
  // Clamp bounds: the user's absolute bounds (or mean +- 10 std if nearer),
  // rounded inwards so that every value lies in [low, high].
  k.lo = RoundUp<T>(a > -10.0 ? low : mean - 10.0 * std);
  k.hi = RoundDown<T>(b < 10.0 ? high : mean + 10.0 * std);
  if (k.lo > k.hi) {
    throw Error("truncation interval [" + format_number(low) + ", " + format_number(high) +
                "] contains no " + (sizeof(T) == 4 ? "f32" : "f64") +
                " value; widen it or use --dtype f64");
  }
  return k;
}

FillBackend g_backend = FillBackend::kAuto;

}  // namespace

UniformKernel<float> make_uniform_kernel_f32(double low, double high) {
  return MakeUniform<float>(low, high);
}
UniformKernel<double> make_uniform_kernel_f64(double low, double high) {
  return MakeUniform<double>(low, high);
}
NormalKernel<float> make_normal_kernel_f32(double mean, double std,
                                           bool truncated, double low,
                                           double high) {
  return MakeNormal<float>(mean, std, truncated, low, high);
}
NormalKernel<double> make_normal_kernel_f64(double mean, double std,
                                            bool truncated, double low,
                                            double high) {
  return MakeNormal<double>(mean, std, truncated, low, high);
}

void set_fill_backend(FillBackend b) { g_backend = b; }
FillBackend fill_backend() { return g_backend; }

namespace reference {

// The normal transforms call fmadd (std::fma) about 20 times per value. On
// x86-64 the normal fills get a clone for CPUs with FMA, where the calls
// become VFMADD instructions, next to the default one, which calls libm's
// fma; both give the same values (fma is exact by definition).
#if defined(__x86_64__) && defined(__GNUC__) && defined(__ELF__)
#define INITCHECK_FMA_CLONES \
  __attribute__((flatten, target_clones("fma", "default")))
#else
#define INITCHECK_FMA_CLONES
#endif

// 32-bit outputs: element i is word i % 4 of Philox block i / 4.
template <class F>
void ForEachWord32(const RngKey& key, uint64_t first, std::size_t n, F&& f) {
  uint64_t i = first;
  const uint64_t end = first + n;
  while (i < end) {
    const PhiloxCounter b = philox_block(key, i >> 2);
    for (unsigned j = static_cast<unsigned>(i & 3); j < 4 && i < end; ++j, ++i) {
      f(i - first, b[j]);
    }
  }
}

// 64-bit outputs: element i is words 2(i % 2), 2(i % 2) + 1 of block i / 2.
template <class F>
void ForEachWord64(const RngKey& key, uint64_t first, std::size_t n, F&& f) {
  uint64_t i = first;
  const uint64_t end = first + n;
  while (i < end) {
    const PhiloxCounter b = philox_block(key, i >> 1);
    for (unsigned j = static_cast<unsigned>(i & 1); j < 2 && i < end; ++j, ++i) {
      f(i - first, uint64_t{b[2 * j]} | (uint64_t{b[2 * j + 1]} << 32));
    }
  }
}

void fill_uniform(const UniformKernel<float>& k, const RngKey& key,
                  uint64_t first, std::size_t n, float* out) {
  ForEachWord32(key, first, n, [&](uint64_t j, uint32_t w) {
    out[j] = uniform_value(k, uniform01(w));
  });
}
void fill_uniform(const UniformKernel<double>& k, const RngKey& key,
                  uint64_t first, std::size_t n, double* out) {
  ForEachWord64(key, first, n, [&](uint64_t j, uint64_t w) {
    out[j] = uniform_value(k, uniform01(w));
  });
}
INITCHECK_FMA_CLONES
void fill_normal(const NormalKernel<float>& k, const RngKey& key,
                 uint64_t first, std::size_t n, float* out) {
  ForEachWord32(key, first, n,
                [&](uint64_t j, uint32_t w) { out[j] = normal_value(k, w); });
}
INITCHECK_FMA_CLONES
void fill_normal(const NormalKernel<double>& k, const RngKey& key,
                 uint64_t first, std::size_t n, double* out) {
  ForEachWord64(key, first, n,
                [&](uint64_t j, uint64_t w) { out[j] = normal_value(k, w); });
}

}  // namespace reference
}  // namespace initcheck
