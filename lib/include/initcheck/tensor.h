// File: initcheck/tensor.h
//
// A dense, C-ordered (row-major) tensor of f32, f64, f16 or bf16 elements in a
// 64-byte-aligned buffer (Tensor), and a non-owning view of such elements
// anywhere in memory (TensorView: a NumPy array, a memory-mapped file, a
// caller's std::vector). f16 and bf16 elements are stored as their raw
// 16-bit patterns.
#ifndef INITCHECK_TENSOR_H_
#define INITCHECK_TENSOR_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "initcheck/dtype.h"
#include "initcheck/geometry.h"

namespace initcheck {

// Elements of `dtype` in C order at `data` (not owned; any alignment the
// element type allows). What the checking engine reads: checks never copy
// the caller's data to get at it.
struct TensorView {
  DType dtype = DType::kF32;
  Shape shape;
  const std::byte* data = nullptr;

  int64_t numel() const { return shape_numel(shape); }
  std::size_t nbytes() const {
    return static_cast<std::size_t>(numel()) * dtype_size(dtype);
  }
  template <class T>
  const T* as() const { return reinterpret_cast<const T*>(data); }
  // Element i converted to double (f16/bf16 decoded exactly).
  double get(int64_t i) const;
  // All elements converted to double.
  std::vector<double> to_double() const;
};

class Tensor {
 public:
  Tensor() = default;
  // Uninitialized storage for shape_numel(shape) elements of `dtype`.
  Tensor(DType dtype, Shape shape);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t numel() const { return numel_; }
  std::size_t nbytes() const { return static_cast<std::size_t>(numel_) * dtype_size(dtype_); }
  std::byte* data() { return data_.get(); }
  const std::byte* data() const { return data_.get(); }

  template <class T>
  T* as() { return reinterpret_cast<T*>(data_.get()); }
  template <class T>
  const T* as() const { return reinterpret_cast<const T*>(data_.get()); }

  // Element i converted to double (f16/bf16 decoded exactly).
  double get(int64_t i) const;
  // All elements converted to double.
  std::vector<double> to_double() const;

  TensorView view() const { return {dtype_, shape_, data_.get()}; }
  operator TensorView() const { return view(); }  // NOLINT: a view is cheap

 private:
  struct Free {
    void operator()(std::byte* p) const;
  };
  DType dtype_ = DType::kF32;
  Shape shape_;
  int64_t numel_ = 0;
  std::unique_ptr<std::byte[], Free> data_;
};

}  // namespace initcheck

#endif  // INITCHECK_TENSOR_H_
