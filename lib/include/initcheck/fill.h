// File: initcheck/fill.h
//
// Filling a tensor with a scheme: plan_fill() turns a scheme and a weight
// geometry into the distribution lib will draw from (its formulas live in
// lib/src/plan.cc), fill() draws it.
//
// Example:
//   auto s = initcheck::Scheme::parse("kaiming_uniform(a=sqrt(5))");
//   initcheck::Geometry g{.shape = {64, 32, 3, 3}};
//   initcheck::Tensor w = initcheck::fill(s, g, initcheck::DType::kF32,
//                                         {.seed = 42});
//
// Reproducibility: see initcheck/random.h. fill(...) with the same scheme,
// geometry, dtype, seed and stream is bit-identical for every thread count;
// fill_slice(..., begin, end) equals elements [begin, end) of fill(...).
#ifndef INITCHECK_FILL_H_
#define INITCHECK_FILL_H_

#include <cstdint>
#include <optional>
#include <string>

#include "initcheck/dtype.h"
#include "initcheck/fans.h"
#include "initcheck/scheme.h"
#include "initcheck/tensor.h"

namespace initcheck {

struct FillOptions {
  uint64_t seed = 0;
  uint64_t stream = 0;
  int threads = 0;  // 0: all hardware threads. Never changes the output.
};

// The distribution or structure lib draws for a scheme on a geometry.
struct FillPlan {
  enum class Kind {
    kConstant,         // every element = value
    kUniform,          // U[low, high)
    kNormal,           // N(mean, std^2), truncated to [alpha, beta] std units
    kEye,              // value on the diagonal of a 2-D weight, 0 elsewhere
    kDirac,            // dirac_(groups)
    kOrthogonal,       // gain Q, rows x cols = flatten(shape)
    kSparse,           // N(0, std^2) with ceil(sparsity rows) zeros per column
    kDeltaOrthogonal,  // centre tap = gain Q(in, out)
  };
  Kind kind = Kind::kConstant;
  double value = 0;
  double low = 0, high = 0;
  double mean = 0, std = 0;
  bool truncated = false;
  double alpha = 0, beta = 0;
  double gain = 1;
  int64_t groups = 1;
  double sparsity = 0;
  int64_t rows = 0, cols = 0;  // orthogonal, sparse, eye
  std::optional<Fans> fans;    // when the scheme used them

  // One line, e.g. "U[-0.0625, 0.0625)" or "N(0, 0.05^2) on [-2, 2] sd".
  std::string describe() const;
};

// Throws Error when the scheme cannot be used on this geometry (rank, layout,
// divisibility), naming the problem.
FillPlan plan_fill(const Scheme& scheme, const Geometry& geometry);

// A new tensor of geometry.shape filled with the scheme.
Tensor fill(const Scheme& scheme, const Geometry& geometry, DType dtype,
            const FillOptions& options = {});

// Elements [begin, end) (flat C-order indices) into `out`, which holds
// end - begin elements of `dtype`.
void fill_slice(const Scheme& scheme, const Geometry& geometry, DType dtype,
                const FillOptions& options, int64_t begin, int64_t end,
                void* out);

// Number of threads `threads` means (0: std::thread::hardware_concurrency).
int resolve_threads(int threads);

}  // namespace initcheck

#endif  // INITCHECK_FILL_H_
