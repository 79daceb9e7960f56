// File: initcheck/checkpoint.h
//
// A file of tensors read one tensor at a time, whatever its format: the
// checking engine (verify's check_file) lists the entries from the headers
// alone, plans every check, then reads each tensor when it is its turn, so
// memory stays at about the tensors being checked.
//
// Formats (by name, see checkpoint_kind):
//   .npy          one tensor, named "" (an unnamed array)
//   .safetensors  every entry, in file order
//   *.index.json  a Hugging Face sharded checkpoint: {"metadata": {...},
//                 "weight_map": {tensor: shard file}}; the shards (file names
//                 in the index's directory) are read as one model, shard by
//                 shard in file-name order, each in file order. Every tensor
//                 of a shard must be in the map, and every mapped tensor in
//                 its shard.
//   .npz          a NumPy archive (np.savez, np.savez_compressed: a zip of
//                 .npy members, stored or deflated), one entry per member,
//                 named as np.load names them (the member name without
//                 ".npy"), in archive order; read with libzip.
//
// Element types: the float types initcheck computes with (f32, f64, f16,
// bf16; CheckpointEntry::dtype set), and integers and bools (int64
// num_batches_tracked, uint8 masks), which can be checked against exact
// values. Other types (F8_*, complex) are listed with kind kUnsupported.
//
// Memory: read() memory-maps an entry's bytes where it can (safetensors;
// .npy in C order): the view is the file's page cache, nothing is copied,
// and the pages leave the resident set when the TensorData is destroyed.
// Fortran-order .npy arrays, .npz members (deflated or stored) and entries
// whose offset is not aligned to their element size are read into an owned,
// aligned buffer. Either way one entry costs about its own size in bytes.
// (A file truncated by another process while its pages are mapped makes the
// next access fault with SIGBUS, as with any mmap reader; pread would report
// an early end of file instead.)
#ifndef INITCHECK_CHECKPOINT_H_
#define INITCHECK_CHECKPOINT_H_

#include <cstddef>
#include <cstdint>
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

// How a stored element is encoded.
enum class ElementKind { kFloat, kSignedInt, kUnsignedInt, kBool, kUnsupported };
// "float", "int", "uint", "bool", "unsupported".
std::string_view element_kind_name(ElementKind k);

struct CheckpointEntry {
  std::string name;            // "" for a .npy file's array
  std::string dtype_name;      // as the file spells it: "F32", "<f4", "I64", ...
  std::optional<DType> dtype;  // set when the elements are f32/f64/f16/bf16
  ElementKind kind = ElementKind::kUnsupported;
  int element_bytes = 0;       // bytes per element (0 for kUnsupported)
  Shape shape;                 // may hold a 0 (an empty tensor); [] is a scalar
  std::string file;            // the file holding it (a shard, the archive)
  int64_t numel() const { return shape_numel(shape); }
};

// The elements of one entry, in C order: a view of the file's mapped pages
// or of an owned buffer, kept alive by this object (copies share it).
class TensorData {
 public:
  TensorData() = default;
  TensorData(const CheckpointEntry& entry, const std::byte* data,
             std::shared_ptr<const void> owner, bool mapped);
  // A view of memory the caller owns and keeps valid (MemoryCheckpoint):
  // nothing is copied or owned; mapped() is false.
  static TensorData borrowed(const CheckpointEntry& entry, const std::byte* data) {
    return TensorData(entry, data, nullptr, false);
  }

  ElementKind kind() const { return kind_; }
  int element_bytes() const { return element_bytes_; }
  const std::optional<DType>& dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int64_t numel() const { return shape_numel(shape_); }
  const std::byte* data() const { return data_; }
  std::size_t nbytes() const {
    return static_cast<std::size_t>(numel()) * static_cast<std::size_t>(element_bytes_);
  }
  // True when the bytes are the file's mapped pages (zero-copy).
  bool mapped() const { return mapped_; }
  // The float elements as a TensorView; throws Error for other kinds.
  TensorView view() const;

 private:
  ElementKind kind_ = ElementKind::kUnsupported;
  int element_bytes_ = 0;
  std::optional<DType> dtype_;
  Shape shape_;
  const std::byte* data_ = nullptr;
  std::shared_ptr<const void> owner_;
  bool mapped_ = false;
};

class Checkpoint {
 public:
  virtual ~Checkpoint() = default;
  Checkpoint(const Checkpoint&) = delete;  // the name index points into entries_
  Checkpoint& operator=(const Checkpoint&) = delete;

  // Opens `path` and reads its header(s) (every shard's, every member's);
  // throws Error naming the file.
  static std::unique_ptr<Checkpoint> open(const std::string& path,
                                          const ReadLimits& limits = {});

  const std::string& path() const { return path_; }
  // "npy", "safetensors", "sharded-safetensors", "npz".
  virtual std::string_view kind() const = 0;
  const std::vector<CheckpointEntry>& entries() const { return entries_; }
  // Index of the entry named `name`, or nullopt.
  std::optional<std::size_t> find(std::string_view name) const;
  // Reads entry i (any kind but kUnsupported; ReadLimits::max_elements
  // applies). Safe to call concurrently. Throws Error naming the file and
  // the tensor.
  virtual TensorData read(std::size_t i) const = 0;

 protected:
  explicit Checkpoint(std::string path) : path_(std::move(path)) {}
  // Fills the name index; call once entries_ is complete. Throws Error on a
  // duplicate name.
  void index_entries();
  std::vector<CheckpointEntry> entries_;

 private:
  std::string path_;
  std::vector<std::pair<std::string_view, std::size_t>> by_name_;  // sorted
};

// ---- Tensors in the caller's memory -----------------------------------------

// One tensor of a MemoryCheckpoint: its entry (name, dtype_name, dtype,
// kind, element_bytes, shape; `file` is set to the checkpoint's label) and
// its elements in C order, in memory the caller owns.
struct MemoryTensor {
  CheckpointEntry entry;
  const std::byte* data = nullptr;
};

// The entry of a float tensor in memory: dtype_name is dtype_name(dtype)
// ("f32", ...), as the Python bindings and messages spell it.
CheckpointEntry float_entry(std::string name, DType dtype, Shape shape);

// A Checkpoint over tensors in the caller's memory (a NumPy array, a torch
// module's parameters), so that the checking engine (verify's plan_checks,
// check_assignment, finish_run) treats them exactly as a file's tensors:
// read() returns TensorData::borrowed views of the caller's bytes (zero
// copy). The caller keeps the bytes valid and unchanged while the checkpoint
// is used. kind() is "memory"; `label` stands for the path in messages.
// Throws Error (naming the label) for a duplicate name, a tensor with
// elements but no data pointer, or an entry whose element size does not fit
// its kind.
class MemoryCheckpoint final : public Checkpoint {
 public:
  MemoryCheckpoint(std::string label, std::vector<MemoryTensor> tensors);
  std::string_view kind() const override { return "memory"; }
  TensorData read(std::size_t i) const override;

 private:
  std::vector<const std::byte*> data_;
};

// "npy", "safetensors", "sharded-safetensors" (a name ending in
// ".index.json") or "npz" from the file name; throws Error for anything
// else, saying which names are read.
std::string checkpoint_kind(const std::string& path);

// ---- Hugging Face sharded safetensors index ------------------------------

struct SafetensorsIndex {
  // "weight_map", sorted by tensor name: tensor name -> shard file name.
  std::vector<std::pair<std::string, std::string>> weight_map;
  // The distinct shard file names, sorted.
  std::vector<std::string> shards;
};
// Parses and validates index JSON text (the fuzz target's entry point): an
// object with "weight_map" (an object of string values; tensor names unique,
// shard names plain file names ending in ".safetensors", no directory parts)
// and optionally "metadata" (an object). Throws Error naming `what`.
SafetensorsIndex parse_safetensors_index(std::string_view text,
                                         const std::string& what = "<memory>");

// ---- NumPy .npz archives ----------------------------------------------------

// One member of an archive read in memory (the fuzz target's entry point).
struct NpzMember {
  CheckpointEntry entry;
  std::vector<std::byte> data;  // entry.numel() * element_bytes, C order
};
// Reads every member of an in-memory .npz (zip) archive; throws Error naming
// `what` (and the member) for a malformed archive or member.
std::vector<NpzMember> parse_npz(std::span<const std::byte> bytes,
                                 const ReadLimits& limits = {},
                                 const std::string& what = "<memory>");

}  // namespace initcheck

#endif  // INITCHECK_CHECKPOINT_H_
