// Tensor storage (see initcheck/tensor.h).
#include "initcheck/tensor.h"

#include <cstdlib>
#include <new>

namespace initcheck {

void Tensor::Free::operator()(std::byte* p) const { std::free(p); }

Tensor::Tensor(DType dtype, Shape shape)
    : dtype_(dtype), shape_(std::move(shape)), numel_(shape_numel(shape_)) {
  std::size_t bytes = nbytes();
  bytes = (bytes + 63) / 64 * 64;
  if (bytes == 0) bytes = 64;
  void* p = std::aligned_alloc(64, bytes);
  if (p == nullptr) throw std::bad_alloc();
  data_.reset(static_cast<std::byte*>(p));
}

double TensorView::get(int64_t i) const {
  switch (dtype) {
    case DType::kF32: return as<float>()[i];
    case DType::kF64: return as<double>()[i];
    case DType::kF16: return f16_to_f32(as<uint16_t>()[i]);
    case DType::kBF16: return bf16_to_f32(as<uint16_t>()[i]);
  }
  return 0;
}

std::vector<double> TensorView::to_double() const {
  const int64_t n = numel();
  std::vector<double> out(static_cast<std::size_t>(n));
  for (int64_t i = 0; i < n; ++i) out[static_cast<std::size_t>(i)] = get(i);
  return out;
}

double Tensor::get(int64_t i) const { return view().get(i); }

std::vector<double> Tensor::to_double() const { return view().to_double(); }

}  // namespace initcheck
