// Counter-contract and kernel properties: the Philox word layout of
// random.h, the reference kernels against random.h's formulas, the SIMD
// kernels against the reference (bit for bit, any offset and length), and
// the f16/bf16 conversions against round-to-nearest-even computed in double.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <limits>
#include <variant>
#include <vector>

#include "generators.h"
#include "initcheck/fill.h"
#include "initcheck/kernel.h"
#include "initcheck/philox.h"
#include "initcheck/random.h"
#include "prop_util.h"

namespace initcheck::props {
namespace {

constexpr uint64_t kMax64 = std::numeric_limits<uint64_t>::max();

// First element index of a run of n: small, next to the 2^32-block carry of
// 32-bit outputs (element 2^34) and of 64-bit outputs (element 2^33), next
// to 2^64, or anywhere; first + n never wraps.
rc::Gen<uint64_t> GenFirst(uint64_t n) {
  const auto near = [n](uint64_t centre) {
    return rc::gen::map(GenInt(0, 8192), [centre, n](int64_t k) {
      const uint64_t v = centre - 4096 + static_cast<uint64_t>(k);
      return std::min(v, kMax64 - n);
    });
  };
  return rc::gen::weightedOneOf<uint64_t>(
      {{3, rc::gen::map(GenInt(0, 5000),
                        [](int64_t k) { return static_cast<uint64_t>(k); })},
       {2, near(uint64_t{1} << 34)},
       {2, near(uint64_t{1} << 33)},
       {1, near(kMax64 - 4096)},
       {1, rc::gen::map(GenWord64(),
                        [n](uint64_t v) { return std::min(v, kMax64 - n); })}});
}

// A uniform or (truncated) normal kernel in f32 or f64, with a key and a
// run [first, first + n).
struct KernelCase {
  bool f64 = false;
  bool normal = false;
  double a = 0, b = 1;  // uniform [a, b) / normal (mean a, std b)
  bool truncated = false;
  double low = 0, high = 0;
  RngKey key;
  uint64_t first = 0;
  uint64_t n = 0;
};

void showValue(const KernelCase& k, std::ostream& os) {
  os << (k.normal ? "normal" : "uniform") << (k.f64 ? "<f64>" : "<f32>") << "("
     << format_number(k.a) << ", " << format_number(k.b);
  if (k.truncated) {
    os << " on [" << format_number(k.low) << ", " << format_number(k.high)
       << "]";
  }
  os << ") ";
  initcheck::showValue(k.key, os);
  os << " elements [" << k.first << ", +" << k.n << ")";
}

rc::Gen<KernelCase> GenKernelCase(uint64_t max_n) {
  return rc::gen::exec([max_n] {
    KernelCase k;
    k.f64 = *rc::gen::arbitrary<bool>();
    k.normal = *rc::gen::arbitrary<bool>();
    const Range r = *rc::gen::element(Range::kModerate, Range::kExtreme);
    // Parameters of a valid scheme, so the kernel sees what fill passes.
    if (k.normal) {
      const Scheme s = *GenSchemeNamed("trunc_normal", r);
      k.a = s.number("mean");
      k.b = s.number("std");
      k.truncated = *rc::gen::arbitrary<bool>();
      k.low = s.number("a");
      k.high = s.number("b");
    } else {
      const Scheme s = *GenSchemeNamed("uniform", r);
      k.a = s.number("a");
      k.b = s.number("b");
    }
    k.key = *GenKey();
    k.n = static_cast<uint64_t>(*GenInt(0, static_cast<int64_t>(max_n)));
    k.first = *GenFirst(k.n);
    return k;
  });
}

// The kernels of `k` for output type T (float or double) and the random
// word of element i for T (random.h: one 32-bit word, or two).
template <class T>
NormalKernel<T> MakeNormal(const KernelCase& k) {
  if constexpr (sizeof(T) == 4) {
    return make_normal_kernel_f32(k.a, k.b, k.truncated, k.low, k.high);
  } else {
    return make_normal_kernel_f64(k.a, k.b, k.truncated, k.low, k.high);
  }
}
template <class T>
UniformKernel<T> MakeUniform(const KernelCase& k) {
  if constexpr (sizeof(T) == 4) {
    return make_uniform_kernel_f32(k.a, k.b);
  } else {
    return make_uniform_kernel_f64(k.a, k.b);
  }
}
template <class T>
auto Word(const RngKey& key, uint64_t i) {
  if constexpr (sizeof(T) == 4) {
    return random_bits32(key, i);
  } else {
    return random_bits64(key, i);
  }
}

// Runs the kernel of `k` through reference::fill_* (`reference`) or the
// dispatched fill_*; nullopt if lib refuses the parameters for this dtype.
template <class T>
std::optional<std::vector<T>> RunKernel(const KernelCase& k, bool reference) {
  std::vector<T> out(k.n);
  try {
    if (k.normal) {
      const NormalKernel<T> kern = MakeNormal<T>(k);
      if (reference) {
        reference::fill_normal(kern, k.key, k.first, k.n, out.data());
      } else {
        fill_normal(kern, k.key, k.first, k.n, out.data());
      }
    } else {
      const UniformKernel<T> kern = MakeUniform<T>(k);
      if (reference) {
        reference::fill_uniform(kern, k.key, k.first, k.n, out.data());
      } else {
        fill_uniform(kern, k.key, k.first, k.n, out.data());
      }
    }
  } catch (const Error&) {
    return std::nullopt;
  }
  return out;
}

// Element j of the reference fill is the random.h value of word first + j.
template <class T>
void CheckReferenceFollowsRandomH(const KernelCase& k) {
  const auto out = RunKernel<T>(k, true);
  RC_PRE(out.has_value());
  for (uint64_t j = 0; j < k.n; ++j) {
    const auto w = Word<T>(k.key, k.first + j);
    const T want = k.normal ? normal_value(MakeNormal<T>(k), w)
                            : uniform_value(MakeUniform<T>(k), uniform01(w));
    RC_ASSERT(std::memcmp(&(*out)[j], &want, sizeof(T)) == 0);
  }
}

// The SIMD fill equals the reference fill bit for bit.
template <class T>
void CheckSimdEqualsReference(const KernelCase& k) {
  const auto ref = RunKernel<T>(k, true);
  RC_PRE(ref.has_value());
  const auto simd = RunKernel<T>(k, false);
  RC_ASSERT(std::memcmp(ref->data(), simd->data(), k.n * sizeof(T)) == 0);
}

// random_bits32(key, i) is word i % 4 of Philox block i / 4, and
// random_bits64(key, i) words 2(i % 2) (low) and 2(i % 2) + 1 (high) of
// block i / 2, with the counter (block lo, block hi, stream lo, stream hi)
// and key (seed lo, seed hi) of random.h. Catches a changed word order or
// counter layout (which silently changes every tensor ever generated).
RC_GTEST_PROP(CounterProperties, RandomBitsAreThePhiloxWords, ()) {
  const RngKey key = *GenKey().as("key");
  const uint64_t i = *GenWord64().as("element");
  auto block = [&](uint64_t b) {
    return philox4x32(
        PhiloxCounter{static_cast<uint32_t>(b), static_cast<uint32_t>(b >> 32),
                      static_cast<uint32_t>(key.stream),
                      static_cast<uint32_t>(key.stream >> 32)},
        PhiloxKey{static_cast<uint32_t>(key.seed),
                  static_cast<uint32_t>(key.seed >> 32)});
  };
  RC_ASSERT(philox_block(key, i / 4) == block(i / 4));
  RC_ASSERT(random_bits32(key, i) == block(i / 4)[i % 4]);
  const PhiloxCounter b = block(i / 2);
  const unsigned j = 2 * static_cast<unsigned>(i % 2);
  RC_ASSERT(random_bits64(key, i) ==
            (uint64_t{b[j]} | uint64_t{b[j + 1]} << 32));
}

// The reference kernels give element first + j exactly the random.h value
// of that element's word: uniform_value(k, uniform01(w)) or
// normal_value(k, w). Catches the reference drifting from the documented
// definition (element-to-word mapping off by one at a block boundary or at
// the 2^32-block carry).
RC_GTEST_PROP(CounterProperties, ReferenceKernelFollowsRandomH, ()) {
  const KernelCase k = *GenKernelCase(300).as("kernel");
  if (k.f64) {
    CheckReferenceFollowsRandomH<double>(k);
  } else {
    CheckReferenceFollowsRandomH<float>(k);
  }
}

// The SIMD kernels (FillBackend::kAuto) equal the scalar reference bit for
// bit for any kernel, start offset (unaligned, at the 2^32-block carry, near
// 2^64) and length (0, partial vectors, several blocks). Catches a SIMD
// block counter without the carry into the high word, a wrong tail mask,
// a fused multiply-add the reference does not do.
RC_GTEST_PROP(CounterProperties, SimdKernelsEqualReference, ()) {
  const BackendScope auto_backend(FillBackend::kAuto);
  const KernelCase k = *GenKernelCase(3000).as("kernel");
  RC_TAG(k.f64 ? "f64" : "f32", k.normal ? "normal" : "uniform");
  if (k.f64) {
    CheckSimdEqualsReference<double>(k);
  } else {
    CheckSimdEqualsReference<float>(k);
  }
}

// Whole fills (every scheme and dtype, f16/bf16 SIMD conversion included)
// are identical with the SIMD backend and with
// set_fill_backend(FillBackend::kReference); errors too. Catches a SIMD
// f16 conversion that rounds differently or misses an overflow.
RC_GTEST_PROP(CounterProperties, SimdFillEqualsReferenceFill, ()) {
  const FillCase c =
      *rc::gen::weightedOneOf<FillCase>({{2, GenFillCase(Range::kModerate)},
                                         {1, GenFillCase(Range::kExtreme)}})
           .as("case");
  const FillOptions o{c.key.seed, c.key.stream, 1};
  auto run = [&](FillBackend b) {
    const BackendScope scope(b);
    return Capture([&] { return fill(c.scheme, c.geometry, c.dtype, o); });
  };
  const auto simd = run(FillBackend::kAuto);
  const auto ref = run(FillBackend::kReference);
  RC_ASSERT(simd.threw == ref.threw);
  if (ref.ok()) RC_ASSERT(BitEqual(*simd.value, *ref.value));
}

// Floats near f16/bf16 rounding boundaries: values of the format, the
// midpoints between neighbours (ties), +-1 ulp around them, plus any bit
// pattern (NaN, inf, subnormals).
rc::Gen<float> GenConvertible(bool bf16) {
  const rc::Gen<float> any = rc::gen::map(GenInt(0, 0xffffffff), [](int64_t b) {
    return std::bit_cast<float>(static_cast<uint32_t>(b));
  });
  const rc::Gen<float> near = rc::gen::exec([bf16] {
    const auto h = static_cast<uint16_t>(*GenInt(0, bf16 ? 0x7f7f : 0x7bff));
    const bool negative = *rc::gen::arbitrary<bool>();
    float lo, hi;
    if (bf16) {
      lo = bf16_to_f32(h);
      hi = bf16_to_f32(static_cast<uint16_t>(h + 1));
    } else {
      lo = f16_to_f32(h);
      hi = f16_to_f32(static_cast<uint16_t>(h + 1));
    }
    float x = *rc::gen::element(lo, hi, lo + (hi - lo) / 2);
    const int64_t ulps = *GenInt(-2, 2);
    for (int64_t i = 0; i < std::abs(ulps); ++i) {
      x = std::nextafter(x, ulps > 0 ? INFINITY : -INFINITY);
    }
    return negative ? -x : x;
  });
  return rc::gen::weightedOneOf<float>({{1, any}, {2, near}});
}

// Round to nearest even onto a grid with `mantissa` stored bits and minimum
// normal exponent `emin`, overflowing past `max`; computed in double.
double ReferenceRound(float x, int mantissa, int emin, double max) {
  if (!std::isfinite(x) || x == 0) return x;
  int e;
  (void)std::frexp(std::fabs(static_cast<double>(x)),
                   &e);  // |x| in [2^(e-1), 2^e)
  const double q = std::ldexp(1.0, std::max(e - 1, emin) - mantissa);
  const double r = std::nearbyint(std::fabs(static_cast<double>(x)) / q) * q;
  const double v = r > max ? INFINITY : r;
  return std::copysign(v, x);
}

// f32_to_f16 and f32_to_bf16 round to nearest, ties to even, with
// subnormals, overflow to inf, signed zeros, and NaN kept NaN; checked
// against rounding computed in double. Catches ties rounded away from zero,
// subnormals flushed, the 65520 overflow boundary off by one.
RC_GTEST_PROP(CounterProperties, HalfConversionsRoundToNearestEven, ()) {
  const bool bf16 = *rc::gen::arbitrary<bool>().as("bf16");
  const float x = *GenConvertible(bf16).as("x");
  const double got =
      bf16 ? bf16_to_f32(f32_to_bf16(x)) : f16_to_f32(f32_to_f16(x));
  if (std::isnan(x)) {
    RC_ASSERT(std::isnan(got));
    return;
  }
  const double want = bf16 ? ReferenceRound(x, 7, -126, 0x1.fep127)
                           : ReferenceRound(x, 10, -14, 65504.0);
  RC_ASSERT(got == want);
  RC_ASSERT(std::signbit(got) == std::signbit(want));
}

}  // namespace
}  // namespace initcheck::props
