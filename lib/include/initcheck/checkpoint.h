// File: initcheck/checkpoint.h
//
// A file of tensors read one tensor at a time, whatever its format: the
// checking engine (verify's check_file) lists the entries from the headers
// alone, plans every check, then reads each tensor when it is its turn, so
// memory stays at about the tensors being checked.
//
// Formats (by extension, see tensor_file_kind in io.h):
//   .npy          one tensor, named "" (an unnamed array)
//   .safetensors  every entry, in file order (float entries readable; others,
//                 e.g. I64 or BOOL, are listed with dtype unset)
#ifndef INITCHECK_CHECKPOINT_H_
#define INITCHECK_CHECKPOINT_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "initcheck/dtype.h"
#include "initcheck/geometry.h"
#include "initcheck/io.h"
#include "initcheck/tensor.h"

namespace initcheck {

struct CheckpointEntry {
  std::string name;            // "" for a .npy file's array
  std::string dtype_name;      // as the file spells it: "F32", "<f4", "I64", ...
  std::optional<DType> dtype;  // set when the elements are f32/f64/f16/bf16
  Shape shape;                 // may hold a 0 (an empty tensor)
};

class Checkpoint {
 public:
  virtual ~Checkpoint() = default;

  // Opens `path` and reads its header(s); throws Error naming the file.
  static std::unique_ptr<Checkpoint> open(const std::string& path,
                                          const ReadLimits& limits = {});

  const std::string& path() const { return path_; }
  // "npy", "safetensors".
  virtual std::string_view kind() const = 0;
  const std::vector<CheckpointEntry>& entries() const { return entries_; }
  // Reads entry i (a float entry). Safe to call concurrently for distinct or
  // equal i. Throws Error naming the file and the tensor.
  virtual Tensor read(std::size_t i) const = 0;

 protected:
  explicit Checkpoint(std::string path) : path_(std::move(path)) {}
  std::vector<CheckpointEntry> entries_;

 private:
  std::string path_;
};

}  // namespace initcheck

#endif  // INITCHECK_CHECKPOINT_H_
