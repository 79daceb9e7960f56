// Checkpoint: one interface over the tensor file formats (see
// initcheck/checkpoint.h).
#include "initcheck/checkpoint.h"

#include "initcheck/error.h"

namespace initcheck {
namespace {

class NpyCheckpoint final : public Checkpoint {
 public:
  NpyCheckpoint(const std::string& path, const ReadLimits& limits)
      : Checkpoint(path), reader_(path, limits) {
    entries_.push_back({"", std::string(dtype_name(reader_.dtype())), reader_.dtype(),
                        reader_.shape()});
  }
  std::string_view kind() const override { return "npy"; }
  Tensor read(std::size_t) const override { return reader_.read(); }

 private:
  NpyReader reader_;
};

class SafetensorsCheckpoint final : public Checkpoint {
 public:
  SafetensorsCheckpoint(const std::string& path, const ReadLimits& limits)
      : Checkpoint(path), reader_(path, limits) {
    for (const SafetensorsEntry& e : reader_.header().entries) {
      entries_.push_back({e.name, e.dtype_name, e.dtype, e.shape});
    }
  }
  std::string_view kind() const override { return "safetensors"; }
  Tensor read(std::size_t i) const override {
    return reader_.read(reader_.header().entries.at(i));
  }

 private:
  SafetensorsReader reader_;
};

}  // namespace

std::unique_ptr<Checkpoint> Checkpoint::open(const std::string& path,
                                             const ReadLimits& limits) {
  const std::string kind = tensor_file_kind(path);
  if (kind == "npy") return std::make_unique<NpyCheckpoint>(path, limits);
  return std::make_unique<SafetensorsCheckpoint>(path, limits);
}

}  // namespace initcheck
