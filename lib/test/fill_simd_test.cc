// Bit-identity of the Highway SIMD fills with the scalar reference, for every
// SIMD target compiled into lib/src/fill_simd.cc that this CPU supports
// (dispatch restricted to one target at a time), every kernel, ragged starts
// and lengths, streaming and regular stores, f16/bf16 conversion, and whole
// fill() for several thread counts. Comparisons are memcmp: one differing bit
// fails.
#include "../src/fill_simd.h"

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "initcheck/dtype.h"
#include "initcheck/error.h"
#include "initcheck/fill.h"
#include "initcheck/kernel.h"

namespace initcheck {
namespace {

// Restricts Highway's dispatch to one target while in scope.
class TargetScope {
 public:
  explicit TargetScope(int64_t target) {
    hwy::SetSupportedTargetsForTest(target);
  }
  ~TargetScope() { hwy::SetSupportedTargetsForTest(0); }
  TargetScope(const TargetScope&) = delete;
  TargetScope& operator=(const TargetScope&) = delete;
};

// Sets the streaming-store threshold while in scope.
class StreamScope {
 public:
  explicit StreamScope(size_t bytes) : old_(simd::stream_threshold()) {
    simd::set_stream_threshold(bytes);
  }
  ~StreamScope() { simd::set_stream_threshold(old_); }

 private:
  size_t old_;
};

class BackendScope {
 public:
  explicit BackendScope(FillBackend b) : old_(fill_backend()) {
    set_fill_backend(b);
  }
  ~BackendScope() { set_fill_backend(old_); }

 private:
  FillBackend old_;
};

const std::vector<int64_t>& Targets() {
  static const std::vector<int64_t> targets = simd::compiled_targets();
  return targets;
}

TEST(FillSimdTest, DispatchCanBeRestrictedToEachTarget) {
  ASSERT_FALSE(Targets().empty());
  std::string names;
  for (int64_t t : Targets()) {
    TargetScope scope(t);
    EXPECT_EQ(simd::dispatched_target(), t) << hwy::TargetName(t);
    names += std::string(" ") + hwy::TargetName(t);
  }
  RecordProperty("targets", names);
  std::printf("SIMD targets tested:%s\n", names.c_str());
}

// Where two arrays first differ, for the failure message.
template <class T>
std::string FirstDifference(const T* want, const T* got, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (std::memcmp(want + i, got + i, sizeof(T)) != 0) {
      char buf[128];
      std::snprintf(buf, sizeof buf, "element %zu: want %.17g got %.17g", i,
                    static_cast<double>(want[i]), static_cast<double>(got[i]));
      return buf;
    }
  }
  return "none";
}

constexpr uint64_t kFirsts[] = {
    0,
    1,
    3,
    5,
    4093,
    (uint64_t{1} << 40) + 7,
    (uint64_t{1} << 34) - 5,   // block index crosses 2^32
    (uint64_t{1} << 33) - 1};  // f64 block crosses 2^32
constexpr size_t kLengths[] = {0, 1, 2, 3, 15, 16, 17, 63, 1000, 100003};

const RngKey kKeys[] = {{0x0123456789abcdefull, 0xfedcba9876543210ull}, {7, 0}};

// Runs simd_fill against ref_fill for every start, length, target, and for
// the longest length also with streaming stores and a misaligned output;
// `what` names the kernel. The first key runs every start, the second two.
template <class T, class Ref, class Simd>
void ExpectIdentical(const std::string& what, Ref&& ref_fill,
                     Simd&& simd_fill) {
  constexpr size_t kMax = 100003;
  constexpr T kSentinel = T(-12345);
  std::vector<T> want(kMax), got(kMax + 2);
  struct Variant {
    size_t pad;     // output misaligned by `pad` elements
    size_t stream;  // streaming-store threshold in bytes
  };
  const Variant kAll[] = {{0, simd::kStreamBytes}, {0, 0}, {1, 0}};
  for (const RngKey& key : kKeys) {
    for (uint64_t first : kFirsts) {
      if (&key != &kKeys[0] && first != 0 && first != 5) continue;
      ref_fill(key, first, kMax, want.data());
      for (size_t n : kLengths) {
        for (int64_t target : Targets()) {
          TargetScope scope(target);
          for (const Variant& v : kAll) {
            if (n < kMax && &v != &kAll[0]) continue;
            StreamScope ss(v.stream);
            // Sentinels around the range: the fill must write exactly n.
            std::fill(got.begin(), got.end(), kSentinel);
            simd_fill(key, first, n, got.data() + v.pad);
            ASSERT_EQ(
                std::memcmp(want.data(), got.data() + v.pad, n * sizeof(T)), 0)
                << what << " target " << hwy::TargetName(target) << " first "
                << first << " n " << n << " pad " << v.pad << " stream "
                << v.stream << ": "
                << FirstDifference(want.data(), got.data() + v.pad, n);
            ASSERT_EQ(got[v.pad + n], kSentinel)
                << what << " wrote past the end";
            if (v.pad > 0) {
              ASSERT_EQ(got[v.pad - 1], kSentinel) << what;
            }
          }
        }
        // The reference itself: a shorter fill is a prefix of a longer one.
        if (n > 0 && n <= 1000) {
          std::vector<T> part(n);
          ref_fill(key, first, n, part.data());
          ASSERT_EQ(std::memcmp(want.data(), part.data(), n * sizeof(T)), 0)
              << what;
        }
      }
    }
  }
}

template <class K>
void ExpectUniform(const std::string& what, const K& k) {
  using T = decltype(k.low);
  ExpectIdentical<T>(
      what,
      [&](const RngKey& key, uint64_t f, size_t n, T* o) {
        reference::fill_uniform(k, key, f, n, o);
      },
      [&](const RngKey& key, uint64_t f, size_t n, T* o) {
        simd::fill_uniform(k, key, f, n, o);
      });
}

template <class K>
void ExpectNormal(const std::string& what, const K& k) {
  using T = decltype(k.mean);
  ExpectIdentical<T>(
      what,
      [&](const RngKey& key, uint64_t f, size_t n, T* o) {
        reference::fill_normal(k, key, f, n, o);
      },
      [&](const RngKey& key, uint64_t f, size_t n, T* o) {
        simd::fill_normal(k, key, f, n, o);
      });
}

TEST(FillSimdTest, UniformMatchesReference) {
  for (auto [lo, hi] :
       {std::pair{-1.0, 1.0}, {0.1, 0.3}, {-1e-3, 5.0}, {0.0, 1.0}}) {
    const std::string what =
        "uniform[" + std::to_string(lo) + ", " + std::to_string(hi) + ")";
    ExpectUniform(what + " f32", make_uniform_kernel_f32(lo, hi));
    ExpectUniform(what + " f64", make_uniform_kernel_f64(lo, hi));
  }
}

TEST(FillSimdTest, UniformClampsBelowHigh) {
  // A span that rounds up to `high` for large u: the min() must match too.
  UniformKernel<float> k{1.0f, 1.0f, std::nextafter(2.0f, 0.0f)};
  ExpectUniform("uniform clamp f32", k);
  UniformKernel<double> k64{1.0, 1.0 + 0x1p-40, std::nextafter(2.0, 0.0)};
  ExpectUniform("uniform clamp f64", k64);
}

TEST(FillSimdTest, NormalMatchesReference) {
  ExpectNormal("N(0,1) f32", make_normal_kernel_f32(0.0, 1.0));
  ExpectNormal("N(0,1) f64", make_normal_kernel_f64(0.0, 1.0));
  ExpectNormal("N(0.5,0.02^2) f32", make_normal_kernel_f32(0.5, 0.02));
  ExpectNormal("N(-3,7^2) f64", make_normal_kernel_f64(-3.0, 7.0));
}

TEST(FillSimdTest, HandMadeNormalKernelsMatchReference) {
  // Kernels make_normal_kernel_* never produce (B > 1, tiny A, A + B + C far
  // from 1): the SIMD path must still follow random.h literally.
  const float s2 = std::sqrt(2.0f);
  ExpectNormal("handmade B=1.5 f32",
               NormalKernel<float>{0.25f, 2.0f, 2.0f * s2, 0.0f, 1.5f, 0.0f,
                                   -10.0f, 10.0f});
  ExpectNormal("handmade A=1e-35 f32",
               NormalKernel<float>{0.0f, 1.0f, s2, 1e-35f, 1.0f, 0.0f,
                                   -std::numeric_limits<float>::infinity(),
                                   std::numeric_limits<float>::infinity()});
  ExpectNormal("handmade A+B+C=0.5 f32",
               NormalKernel<float>{-1.0f, 0.5f, 0.5f * s2, 0.1f, 0.3f, 0.1f,
                                   -2.0f, 0.0f});
  ExpectNormal(
      "handmade B=1.5 f64",
      NormalKernel<double>{0.25, 2.0, 0.0, 0.0, 1.5, 0.0, -10.0, 10.0});
  // Tiny scales: the mean (+0) must still be added (it turns -0 into +0).
  ExpectNormal("tiny scale f32",
               NormalKernel<float>{0.0f, 1e-30f, 1e-30f * s2, 0.0f, 1.0f, 0.0f,
                                   -std::numeric_limits<float>::infinity(),
                                   std::numeric_limits<float>::infinity()});
  ExpectUniform("uniform tiny span f32",
                UniformKernel<float>{0.0f, 1e-35f, 1e-35f});
  ExpectUniform("uniform negative zero low f32",
                UniformKernel<float>{-0.0f, 1.0f, 0.99999994f});
}

TEST(FillSimdTest, TruncatedNormalMatchesReference) {
  struct Case {
    double mean, std, low, high;
  };
  // Standard bounds, far tails (every value from the tail branches), an
  // asymmetric interval, bounds beyond 10 std, a narrow interval near the
  // centre, and a non-standard mean/std.
  const Case cases[] = {
      {0, 1, -2, 2},       {0, 1, 6, 8},          {0, 1, -8, -6},
      {0, 1, -0.5, 3},     {0, 1, 8, 12},         {0, 1, -100, 100},
      {0, 1, -0.01, 0.01}, {1, 0.02, 0.96, 1.04}, {0, 1, 4.5, 5.5}};
  for (const Case& c : cases) {
    const std::string what =
        "trunc N(" + std::to_string(c.mean) + "," + std::to_string(c.std) +
        ") [" + std::to_string(c.low) + ", " + std::to_string(c.high) + "]";
    ExpectNormal(what + " f32",
                 make_normal_kernel_f32(c.mean, c.std, true, c.low, c.high));
    ExpectNormal(what + " f64",
                 make_normal_kernel_f64(c.mean, c.std, true, c.low, c.high));
  }
}

// out[i] = normal_value(k, words[i]). normal_value calls std::fma about 20
// times; on x86-64 a clone for CPUs with FMA inlines them (same values).
#if defined(__x86_64__) && defined(__GNUC__) && defined(__ELF__)
__attribute__((flatten, target_clones("fma", "default")))
#endif
void ReferenceOnWords(const NormalKernel<float>& k,
                      const std::vector<uint32_t>& words,
                      std::vector<float>& out) {
  for (size_t i = 0; i < words.size(); ++i) out[i] = normal_value(k, words[i]);
}

TEST(FillSimdTest, NormalF32TransformMatchesReferenceOnEveryInput) {
  // An f32 normal depends on the sign bit and the 23 low bits of its word:
  // 2^24 inputs, all of them here (bits 23-30 vary too, and must not
  // matter), for the plain, mean-shifted, truncated and hand-made kernels
  // (the kPlain, kTruncated and kLiteral paths, with and without the mean),
  // on every target.
  constexpr uint32_t kInputs = uint32_t{1} << 24;
  std::vector<uint32_t> words(kInputs);
  for (uint32_t i = 0; i < kInputs; ++i) {
    const uint32_t middle = ((i * 0x9E3779B9u) >> 9) & 0x7f800000u;
    words[i] = ((i >> 23) << 31) | middle | (i & 0x007fffffu);
  }
  const float s2 = std::sqrt(2.0f);
  const std::pair<const char*, NormalKernel<float>> kernels[] = {
      {"N(0,1)", make_normal_kernel_f32(0.0, 1.0)},
      {"N(0.5,0.02^2)", make_normal_kernel_f32(0.5, 0.02)},
      {"trunc N(0,1) [-2,2]", make_normal_kernel_f32(0.0, 1.0, true, -2, 2)},
      {"trunc N(0,1) [4.5,5.5]",
       make_normal_kernel_f32(0.0, 1.0, true, 4.5, 5.5)},
      {"handmade A+B+C=0.5",
       NormalKernel<float>{-1.0f, 0.5f, 0.5f * s2, 0.1f, 0.3f, 0.1f, -2.0f,
                           0.0f}}};
  std::vector<float> want(kInputs), got(kInputs);
  for (const auto& [name, k] : kernels) {
    ReferenceOnWords(k, words, want);
    for (int64_t target : Targets()) {
      TargetScope scope(target);
      std::fill(got.begin(), got.end(), -12345.0f);
      simd::normal_f32_from_words(k, words.data(), kInputs, got.data());
      ASSERT_EQ(std::memcmp(want.data(), got.data(), kInputs * sizeof(float)),
                0)
          << name << " target " << hwy::TargetName(target) << ": "
          << FirstDifference(want.data(), got.data(), kInputs);
    }
  }
}

// --------------------------------------------------------------- f16, bf16

// Floats around every rounding boundary of f16 and bf16: all exponents,
// both signs, mantissas with the kept bits varied and the dropped bits at
// 0, 1, half - 1, half, half + 1, max; the f16 subnormal midpoints; the
// overflow edge; specials; and random bit patterns.
std::vector<float> ConversionInputs() {
  std::vector<uint32_t> bits;
  for (uint32_t sign : {0u, 0x80000000u}) {
    for (uint32_t e = 0; e < 256; ++e) {
      for (uint32_t top = 0; top < 1024;
           top += (e >= 100 && e <= 145) ? 1 : 37) {
        for (uint32_t low :
             {0u, 1u, 0xfffu, 0x1000u, 0x1001u, 0x1fffu, 0x7fffu}) {
          const uint32_t m = (top << 13) | low;
          bits.push_back(sign | (e << 23) | (m & 0x7fffffu));
          // bf16 drops 16 bits: vary bit 16 and the dropped half.
          bits.push_back(sign | (e << 23) | ((top << 13) & 0x7f0000u) |
                         (low == 0x1000u ? 0x8000u : low));
        }
      }
    }
  }
  // f16 subnormals: (k + 1/2) 2^-24 and neighbours, and 2^-25 +- ulp.
  for (uint32_t k = 0; k <= 1024; ++k) {
    const float mid = (static_cast<float>(k) + 0.5f) * 0x1p-24f;
    for (float x : {mid, std::nextafter(mid, 0.0f), std::nextafter(mid, 1.0f),
                    static_cast<float>(k) * 0x1p-24f}) {
      bits.push_back(std::bit_cast<uint32_t>(x));
      bits.push_back(std::bit_cast<uint32_t>(-x));
    }
  }
  for (float x :
       {65504.0f, 65519.0f, std::nextafter(65520.0f, 0.0f), 65520.0f, 65536.0f,
        1e30f, std::numeric_limits<float>::infinity(),
        std::numeric_limits<float>::quiet_NaN(),
        std::numeric_limits<float>::denorm_min(),
        std::numeric_limits<float>::min(), 0x1p-14f, 0x1p-15f, 0.0f}) {
    bits.push_back(std::bit_cast<uint32_t>(x));
    bits.push_back(std::bit_cast<uint32_t>(-x));
  }
  std::mt19937 rng(5);
  for (int i = 0; i < 200000; ++i) bits.push_back(static_cast<uint32_t>(rng()));
  std::vector<float> out(bits.size());
  for (size_t i = 0; i < bits.size(); ++i)
    out[i] = std::bit_cast<float>(bits[i]);
  return out;
}

std::string Mismatch(const std::vector<float>& in,
                     const std::vector<uint16_t>& want,
                     const std::vector<uint16_t>& got, size_t b, size_t e) {
  for (size_t i = b; i < e; ++i) {
    if (want[i] != got[i]) {
      char buf[128];
      std::snprintf(buf, sizeof buf, "x = %a (0x%08x): want 0x%04x got 0x%04x",
                    in[i], std::bit_cast<uint32_t>(in[i]), want[i], got[i]);
      return buf;
    }
  }
  return "none";
}

TEST(FillSimdTest, F16AndBF16ConversionMatchScalar) {
  const std::vector<float> in = ConversionInputs();
  std::vector<uint16_t> want16(in.size()), wantb(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    want16[i] = f32_to_f16(in[i]);
    wantb[i] = f32_to_bf16(in[i]);
  }
  std::vector<uint16_t> got(in.size());
  for (int64_t target : Targets()) {
    TargetScope scope(target);
    const char* name = hwy::TargetName(target);
    // Whole array, and ragged sub-ranges (tails shorter than a vector).
    for (auto [b, e] :
         {std::pair<size_t, size_t>{0, in.size()}, {1, 18}, {3, 4}, {5, 5}}) {
      simd::convert_f32_to_f16(in.data() + b, e - b, got.data() + b);
      ASSERT_EQ(std::memcmp(want16.data() + b, got.data() + b, (e - b) * 2), 0)
          << name << " f16 [" << b << ", " << e
          << "): " << Mismatch(in, want16, got, b, e);
      simd::convert_f32_to_bf16(in.data() + b, e - b, got.data() + b);
      ASSERT_EQ(std::memcmp(wantb.data() + b, got.data() + b, (e - b) * 2), 0)
          << name << " bf16 [" << b << ", " << e
          << "): " << Mismatch(in, wantb, got, b, e);
    }
    for (size_t i = 0; i < in.size(); ++i) {
      uint16_t h;
      const bool over = simd::convert_f32_to_f16(&in[i], 1, &h);
      ASSERT_EQ(h, want16[i]) << name << " x=" << in[i];
      ASSERT_EQ(over, (want16[i] & 0x7c00u) == 0x7c00u)
          << name << " x=" << in[i];
      if (i > 100000) break;
    }
    // The overflow flag of a vector-sized run: set iff some output is inf/NaN.
    std::vector<float> ok(1000, 65504.0f);
    EXPECT_FALSE(simd::convert_f32_to_f16(ok.data(), ok.size(), got.data()))
        << name;
    for (size_t pos : {size_t{0}, size_t{17}, size_t{999}}) {
      std::vector<float> bad = ok;
      bad[pos] = -65520.0f;
      EXPECT_TRUE(simd::convert_f32_to_f16(bad.data(), bad.size(), got.data()))
          << name << pos;
      EXPECT_EQ(got[pos], 0xfc00u);
    }
  }
}

// ------------------------------------------------------------- whole fill()


const char* const kSchemes[] = {"uniform(-0.5, 2)",
                                "normal(0.1, 2)",
                                "trunc_normal(std=0.5, a=-0.1, b=1)",
                                "trunc_normal(mean=0, std=1, a=6, b=8)",
                                "kaiming_uniform(a=sqrt(5))",
                                "xavier_normal"};

TEST(FillSimdTest, WholeFillMatchesReferenceForEveryDtypeThreadsAndTarget) {
  // 1031 x 1031 = 1062961 elements: 7 threads get 7 chunks; odd length.
  const Geometry g = make_geometry({1031, 1031});
  for (const char* s : kSchemes) {
    const Scheme sc = Scheme::parse(s);
    for (DType t : {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}) {
      Tensor want;
      {
        BackendScope b(FillBackend::kReference);
        want = fill(sc, g, t, {.seed = 99, .stream = 3, .threads = 1});
      }
      for (int64_t target : Targets()) {
        TargetScope scope(target);
        for (int threads : {1, 2, 3, 7}) {
          const Tensor got =
              fill(sc, g, t, {.seed = 99, .stream = 3, .threads = threads});
          ASSERT_EQ(want.nbytes(), got.nbytes());
          ASSERT_EQ(std::memcmp(want.data(), got.data(), want.nbytes()), 0)
              << s << " " << dtype_name(t) << " target "
              << hwy::TargetName(target) << " threads " << threads;
        }
      }
    }
  }
}

TEST(FillSimdTest, SlicesMatchReference) {
  const Geometry g = make_geometry({300, 300});
  for (const char* s : kSchemes) {
    const Scheme sc = Scheme::parse(s);
    for (DType t : {DType::kF32, DType::kF64, DType::kF16, DType::kBF16}) {
      const size_t es = dtype_size(t);
      for (auto [b, e] : {std::pair<int64_t, int64_t>{0, 1},
                          {1, 4},
                          {3, 70},
                          {4093, 90000},
                          {89999, 90000}}) {
        std::vector<std::byte> want(static_cast<size_t>(e - b) * es),
            got(want.size());
        {
          BackendScope bs(FillBackend::kReference);
          fill_slice(sc, g, t, {.seed = 5}, b, e, want.data());
        }
        fill_slice(sc, g, t, {.seed = 5}, b, e, got.data());
        ASSERT_EQ(std::memcmp(want.data(), got.data(), want.size()), 0)
            << s << " " << dtype_name(t) << " [" << b << ", " << e << ")";
      }
    }
  }
}

TEST(FillSimdTest, F16OverflowIsAnErrorOnEveryThreadCount) {
  // N(0, 1e5^2): most values overflow f16. The error names the first one,
  // whatever the thread count.
  const Geometry g = make_geometry({1000, 1000});
  std::string first_message;
  for (int threads : {1, 2, 3, 7}) {
    try {
      fill(Scheme::parse("normal(std=1e5)"), g, DType::kF16,
           {.seed = 1, .threads = threads});
      ADD_FAILURE() << "f16 overflow accepted, threads " << threads;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("overflows f16"), std::string::npos)
          << e.what();
      if (first_message.empty()) first_message = e.what();
      EXPECT_EQ(first_message, e.what()) << threads;
    }
  }
  // Values that round to 65504 are fine; a single overflow late in a large
  // tensor is still caught (uniform [65000, 65519] stays finite; [.., 65520)
  // may round to 65536 = inf).
  EXPECT_NO_THROW(fill(Scheme::parse("uniform(65000, 65519)"), g, DType::kF16,
                       {.threads = 2}));
  EXPECT_THROW(fill(Scheme::parse("uniform(65500, 65600)"), g, DType::kF16,
                    {.threads = 2}),
               Error);
}

}  // namespace
}  // namespace initcheck
