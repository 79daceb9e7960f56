// fill / fill_slice: elementwise kernels split over threads, and the
// structured schemes (eye, dirac, orthogonal, sparse, delta_orthogonal).
#include "initcheck/fill.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <optional>
#include <thread>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include "fill_simd.h"
#include "initcheck/error.h"
#include "initcheck/kernel.h"

namespace initcheck {
namespace {

// Below kParallelThreshold elements a fill runs on the calling thread, and
// each extra thread gets at least kMinPerThread elements: handing a chunk to
// another thread and waiting for it costs microseconds (more when the arena's
// workers must wake up), the time of ~10^4 SIMD normals or ~10^5 uniforms
// (f32, one AVX-512 core).
constexpr int64_t kParallelThreshold = int64_t{1} << 19;
constexpr int64_t kMinPerThread = int64_t{1} << 18;
// Chunks are multiples of 1024 elements: whole Philox blocks, SIMD vectors,
// cache lines, and whole 4 KiB pages of an f32 tensor (first touch by the
// thread that writes them).
constexpr int64_t kChunkAlign = 1024;

// Runs f(begin, end) over a static split of [0, n) into at most `threads`
// chunks of equal size (rounded up to kChunkAlign), with oneTBB: a
// task_arena of `threads` slots (so FillOptions::threads bounds the
// concurrency; oneTBB never runs more threads than the machine has) and
// parallel_for over the chunk indices with a static_partitioner (one task
// per chunk, grain 1). The split depends only on n and `threads`, and every
// element is a pure function of its index anyway, so the output is the same
// for any thread count and any scheduling. An exception thrown by any chunk
// is rethrown after all have finished: that of the lowest chunk, so the error
// does not depend on the threads' timing.
template <class F>
void ParallelFor(int64_t n, int threads, F&& f) {
  threads = static_cast<int>(
      std::min<int64_t>(std::max(1, threads), n / kMinPerThread));
  if (threads <= 1 || n < kParallelThreshold) {
    f(int64_t{0}, n);
    return;
  }
  int64_t per = (n + threads - 1) / threads;
  per = (per + kChunkAlign - 1) / kChunkAlign * kChunkAlign;
  const int64_t chunks = (n + per - 1) / per;
  std::vector<std::exception_ptr> errors(static_cast<size_t>(chunks));
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for(
        tbb::blocked_range<int64_t>(0, chunks, 1),
        [&](const tbb::blocked_range<int64_t>& r) {
          for (int64_t c = r.begin(); c < r.end(); ++c) {
            try {
              f(c * per, std::min(n, (c + 1) * per));
            } catch (...) {
              errors[static_cast<size_t>(c)] = std::current_exception();
            }
          }
        },
        tbb::static_partitioner());
  });
  for (const auto& e : errors) {
    if (e) std::rethrow_exception(e);
  }
}

void CheckF16(const uint16_t* h, int64_t n, int64_t first) {
  for (int64_t i = 0; i < n; ++i) {
    if ((h[i] & 0x7c00u) == 0x7c00u) {
      throw Error("value " + format_number(f16_to_f32(h[i])) + " at element " +
                  std::to_string(first + i) +
                  " overflows f16 (largest finite 65504); use --dtype f32 or "
                  "bf16");
    }
  }
}

// Generates elements [begin, end) in f32 (for f32/f16/bf16) or f64 through
// `gen32` / `gen64` and stores them as `dtype`. f16/bf16 go through an
// L1-resident f32 buffer of kBuf elements and the SIMD round-to-nearest-even
// conversions (scalar ones with FillBackend::kReference; identical bits).
template <class G32, class G64>
void FillElementwise(DType dtype, int64_t begin, int64_t end, void* out,
                     int threads, G32&& gen32, G64&& gen64) {
  const int64_t n = end - begin;
  const bool simd = fill_backend() != FillBackend::kReference;
  ParallelFor(n, threads, [&](int64_t b, int64_t e) {
    switch (dtype) {
      case DType::kF32:
        gen32(static_cast<uint64_t>(begin + b), static_cast<size_t>(e - b),
              static_cast<float*>(out) + b);
        break;
      case DType::kF64:
        gen64(static_cast<uint64_t>(begin + b), static_cast<size_t>(e - b),
              static_cast<double*>(out) + b);
        break;
      case DType::kF16:
      case DType::kBF16: {
        constexpr int64_t kBuf = 4096;
        alignas(64) float tmp[kBuf];
        uint16_t* dst = static_cast<uint16_t*>(out) + b;
        for (int64_t i = b; i < e; i += kBuf) {
          const int64_t m = std::min(kBuf, e - i);
          gen32(static_cast<uint64_t>(begin + i), static_cast<size_t>(m), tmp);
          uint16_t* d = dst + (i - b);
          const size_t mm = static_cast<size_t>(m);
          if (dtype == DType::kBF16) {
            if (simd) {
              simd::convert_f32_to_bf16(tmp, mm, d);
            } else {
              for (int64_t j = 0; j < m; ++j) d[j] = f32_to_bf16(tmp[j]);
            }
          } else if (simd) {
            // The SIMD conversion only flags an overflow; the scan names it.
            if (simd::convert_f32_to_f16(tmp, mm, d)) CheckF16(d, m, begin + i);
          } else {
            for (int64_t j = 0; j < m; ++j) d[j] = f32_to_f16(tmp[j]);
            CheckF16(d, m, begin + i);
          }
        }
        break;
      }
    }
  });
}

// Values at or beyond these round to infinity in each dtype (the largest
// finite value plus half an ulp; for f64, the largest finite value).
double OverflowThreshold(DType t) {
  switch (t) {
    case DType::kF32: return 0x1.ffffffp127;
    case DType::kF64: return std::numeric_limits<double>::max();
    case DType::kF16: return 65520.0;
    case DType::kBF16: return 0x1.ff8p127;
  }
  return 0;
}

// Refuses a plan whose values can reach the dtype's overflow threshold,
// before drawing anything (they would be stored as +-inf). Normal draws reach
// |z| <= 5.42 in f32 (Phi^-1 of the smallest uniform midpoint 2^-25) and 8.13
// in f64 (2^-54); sparse and orthogonal draw in f64 first. A uniform's values
// stay below its upper bound. Found by the property suite
// (Regression.OverflowPastTheDtypeGivesInf).
void CheckRange(const FillPlan& p, DType dtype) {
  const double zmax = dtype == DType::kF64 ? 8.13 : 5.42;
  double m = 0;
  bool open_above = false;  // values < m rather than <= m
  switch (p.kind) {
    case FillPlan::Kind::kConstant:
    case FillPlan::Kind::kEye: m = std::abs(p.value); break;
    case FillPlan::Kind::kDirac: m = 1; break;
    case FillPlan::Kind::kUniform:
      m = std::max(std::abs(p.low), std::abs(p.high));
      open_above = std::abs(p.high) >= std::abs(p.low);
      break;
    case FillPlan::Kind::kNormal:
      m = std::abs(p.mean) + (p.truncated ? 10.0 : zmax) * p.std;
      if (p.truncated) m = std::min(m, std::max(std::abs(p.low), std::abs(p.high)));
      break;
    case FillPlan::Kind::kSparse: m = 8.13 * p.std; break;
    case FillPlan::Kind::kOrthogonal:
    case FillPlan::Kind::kDeltaOrthogonal: m = p.gain; break;
  }
  const double limit = OverflowThreshold(dtype);
  if (!(m < limit || (open_above && m <= limit))) {
    throw Error(p.describe() + " reaches " + format_number(m) + ", which overflows " +
                std::string(dtype_name(dtype)) + " (values from " + format_number(limit) +
                " round to infinity)" + (dtype == DType::kF64 ? "" : "; use a wider --dtype"));
  }
}

void StoreValue(DType dtype, void* out, int64_t i, double v) {
  switch (dtype) {
    case DType::kF32: static_cast<float*>(out)[i] = static_cast<float>(v); break;
    case DType::kF64: static_cast<double*>(out)[i] = v; break;
    case DType::kF16: {
      const uint16_t h = f32_to_f16(static_cast<float>(v));
      CheckF16(&h, 1, i);
      static_cast<uint16_t*>(out)[i] = h;
      break;
    }
    case DType::kBF16:
      static_cast<uint16_t*>(out)[i] = f32_to_bf16(static_cast<float>(v));
      break;
  }
}

// gain * Q for a rows x cols matrix (row-major), Q with orthonormal columns
// (rows >= cols) or rows (rows < cols), Haar-distributed: QR of a standard
// normal matrix, columns multiplied by sign(diag R) (Mezzadri 2007, "How to
// generate random matrices from the classical compact groups", Notices AMS
// 54(5)). The normal matrix is element i = r cols + c of the f64 normal kernel
// with `key`; for rows < cols its transpose is factored, as PyTorch does.
std::vector<double> Orthogonal(int64_t rows, int64_t cols, double gain,
                               const RngKey& key, int threads) {
  using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  if (rows * cols > (int64_t{1} << 28)) {
    throw Error("orthogonal: a " + std::to_string(rows) + "x" +
                std::to_string(cols) + " matrix is too large to factor here");
  }
  std::vector<double> a(static_cast<size_t>(rows * cols));
  const NormalKernel<double> k = make_normal_kernel_f64(0.0, 1.0);
  ParallelFor(rows * cols, threads, [&](int64_t b, int64_t e) {
    fill_normal(k, key, static_cast<uint64_t>(b), static_cast<size_t>(e - b),
                a.data() + b);
  });
  Eigen::Map<Mat> m(a.data(), rows, cols);
  const bool wide = rows < cols;
  Mat tall = wide ? Mat(m.transpose()) : Mat(m);
  Eigen::HouseholderQR<Eigen::MatrixXd> qr(tall);
  const Eigen::Index r = tall.rows(), c = tall.cols();
  Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(r, c);
  for (Eigen::Index j = 0; j < c; ++j) {
    if (qr.matrixQR()(j, j) < 0) q.col(j) = -q.col(j);
  }
  q *= gain;
  std::vector<double> out(static_cast<size_t>(rows * cols));
  Eigen::Map<Mat> o(out.data(), rows, cols);
  if (wide) {
    o = q.transpose();
  } else {
    o = q;
  }
  return out;
}

// The whole tensor of a structured scheme, in double.
std::vector<double> Structured(const FillPlan& p, const Geometry& g,
                               const RngKey& key, int threads) {
  const int64_t numel = shape_numel(g.shape);
  std::vector<double> v(static_cast<size_t>(numel), 0.0);
  switch (p.kind) {
    case FillPlan::Kind::kEye:
      for (int64_t i = 0; i < std::min(p.rows, p.cols); ++i) {
        v[static_cast<size_t>(i * p.cols + i)] = p.value;
      }
      break;
    case FillPlan::Kind::kDirac: {
      // w[g out_per_group + d, d, k0/2, k1/2, ...] = 1, d < min(opg, in).
      const int64_t out = g.shape[0], in = g.shape[1];
      const int64_t opg = out / p.groups;
      int64_t spatial = 1, centre = 0;
      for (size_t ax = 2; ax < g.shape.size(); ++ax) {
        centre = centre * g.shape[ax] + g.shape[ax] / 2;
        spatial *= g.shape[ax];
      }
      for (int64_t grp = 0; grp < p.groups; ++grp) {
        for (int64_t d = 0; d < std::min(opg, in); ++d) {
          const int64_t o = grp * opg + d;
          v[static_cast<size_t>((o * in + d) * spatial + centre)] = 1.0;
        }
      }
      break;
    }
    case FillPlan::Kind::kOrthogonal:
      v = Orthogonal(p.rows, p.cols, p.gain, key, threads);
      break;
    case FillPlan::Kind::kDeltaOrthogonal: {
      const std::vector<double> q = Orthogonal(p.rows, p.cols, p.gain, key, threads);
      int64_t centre = 0;
      for (size_t ax = 0; ax + 2 < g.shape.size(); ++ax) {
        centre = centre * g.shape[ax] + (g.shape[ax] - 1) / 2;
      }
      std::copy(q.begin(), q.end(),
                v.begin() + static_cast<std::ptrdiff_t>(centre * p.rows * p.cols));
      break;
    }
    case FillPlan::Kind::kSparse: {
      // Values: the f64 normal kernel at every index. Zeros: in each column c
      // the ceil(sparsity rows) rows with the smallest mask words (word i of
      // the mask domain, i = r cols + c; ties by row), as torch.nn.init.sparse_
      // zeroes ceil(sparsity rows) random rows per column.
      const NormalKernel<double> k = make_normal_kernel_f64(0.0, p.std);
      fill_normal(k, key, 0, static_cast<size_t>(numel), v.data());
      const auto zeros = static_cast<int64_t>(
          std::ceil(p.sparsity * static_cast<double>(p.rows)));
      std::vector<std::pair<uint32_t, int64_t>> order(static_cast<size_t>(p.rows));
      for (int64_t c = 0; c < p.cols; ++c) {
        for (int64_t r = 0; r < p.rows; ++r) {
          const uint64_t i = static_cast<uint64_t>(r * p.cols + c);
          order[static_cast<size_t>(r)] = {
              philox_block(key, (i >> 2) | kMaskDomain)[i & 3], r};
        }
        std::nth_element(order.begin(), order.begin() + std::min(zeros, p.rows),
                         order.end());
        for (int64_t z = 0; z < std::min(zeros, p.rows); ++z) {
          v[static_cast<size_t>(order[static_cast<size_t>(z)].second * p.cols + c)] = 0.0;
        }
      }
      break;
    }
    default:
      break;
  }
  return v;
}

}  // namespace

int resolve_threads(int threads) {
  if (threads < 0) throw Error("--threads must be >= 0 (0 means all cores)");
  if (threads > 0) return std::min(threads, 1024);
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

void fill_slice(const Scheme& scheme, const Geometry& geometry, DType dtype,
                const FillOptions& options, int64_t begin, int64_t end,
                void* out) {
  const FillPlan p = plan_fill(scheme, geometry);
  const int64_t numel = shape_numel(geometry.shape);
  if (begin < 0 || end < begin || end > numel) {
    throw Error("fill_slice: [" + std::to_string(begin) + ", " +
                std::to_string(end) + ") is outside [0, " + std::to_string(numel) +
                ")");
  }
  CheckRange(p, dtype);
  const RngKey key{options.seed, options.stream};
  const int threads = resolve_threads(options.threads);
  switch (p.kind) {
    case FillPlan::Kind::kConstant:
      for (int64_t i = begin; i < end; ++i) StoreValue(dtype, out, i - begin, p.value);
      return;
    case FillPlan::Kind::kUniform: {
      // Only the kernel of the dtype's working precision is built: its
      // parameter checks are the ones that apply (an f64 fill must not be
      // refused for an interval that holds no f32 value).
      using K32 = decltype(make_uniform_kernel_f32(p.low, p.high));
      using K64 = decltype(make_uniform_kernel_f64(p.low, p.high));
      std::optional<K32> k32;
      std::optional<K64> k64;
      if (dtype == DType::kF64) {
        k64.emplace(make_uniform_kernel_f64(p.low, p.high));
      } else {
        k32.emplace(make_uniform_kernel_f32(p.low, p.high));
      }
      FillElementwise(
          dtype, begin, end, out, threads,
          [&](uint64_t f, size_t n, float* o) {
            fill_uniform(*k32, key, f, n, o);
          },
          [&](uint64_t f, size_t n, double* o) {
            fill_uniform(*k64, key, f, n, o);
          });
      return;
    }
    case FillPlan::Kind::kNormal: {
      using K32 = decltype(make_normal_kernel_f32(p.mean, p.std, p.truncated,
                                                  p.low, p.high));
      using K64 = decltype(make_normal_kernel_f64(p.mean, p.std, p.truncated,
                                                  p.low, p.high));
      std::optional<K32> k32;
      std::optional<K64> k64;
      if (dtype == DType::kF64) {
        k64.emplace(
            make_normal_kernel_f64(p.mean, p.std, p.truncated, p.low, p.high));
      } else {
        k32.emplace(
            make_normal_kernel_f32(p.mean, p.std, p.truncated, p.low, p.high));
      }
      FillElementwise(
          dtype, begin, end, out, threads,
          [&](uint64_t f, size_t n, float* o) {
            fill_normal(*k32, key, f, n, o);
          },
          [&](uint64_t f, size_t n, double* o) {
            fill_normal(*k64, key, f, n, o);
          });
      return;
    }
    default: {
      const std::vector<double> v = Structured(p, geometry, key, threads);
      for (int64_t i = begin; i < end; ++i) {
        StoreValue(dtype, out, i - begin, v[static_cast<size_t>(i)]);
      }
      return;
    }
  }
}

Tensor fill(const Scheme& scheme, const Geometry& geometry, DType dtype,
            const FillOptions& options) {
  (void)plan_fill(scheme, geometry);  // validate before allocating
  Tensor t(dtype, geometry.shape);
  fill_slice(scheme, geometry, dtype, options, 0, t.numel(), t.data());
  return t;
}

}  // namespace initcheck
