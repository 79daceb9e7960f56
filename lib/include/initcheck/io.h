// File: initcheck/io.h
//
// Tensor files: NumPy .npy (format versions 1.0, 2.0, 3.0) and safetensors.
//
// .npy: little-endian '<f4', '<f8', '<f2'; bf16 as '<V2' (what NumPy writes
// for an ml_dtypes.bfloat16 array; read it back with
// np.load(f).view(ml_dtypes.bfloat16)) or 'bfloat16'. C order is read as is;
// Fortran order is read and converted to C order. Big-endian, other dtypes,
// object arrays and malformed headers are refused with an Error naming the
// problem. Files are written as NumPy's np.save writes them, byte for byte:
// version 1.0 (2.0 if the header exceeds 65535 bytes), C order, header padded
// with spaces to a multiple of 64 bytes and ended by '\n'.
//
// .safetensors (https://github.com/huggingface/safetensors, format as of
// v0.4, dtype names as of v0.6): 8-byte little-endian header length N, N bytes of JSON
// {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__":
// {str: str}}, then the data. The reader validates the header completely
// before reading any data: N within the file and at most 100 MB, JSON nesting
// at most 64 deep, every entry well-formed, offsets inside the data section,
// end - begin = numel * element size, entries not overlapping and covering the
// data section without holes. F32, F64, F16 and BF16 tensors can be read;
// entries of other dtypes (I64, U8, BOOL, ...) are listed so that a caller can
// report them as skipped.
//
// Every reader refuses, before allocating, a tensor with more than
// ReadLimits::max_elements elements or larger than the file. Writers write a
// temporary file in the same directory and rename it over the target, so a
// failed write never leaves a partial file.
#ifndef INITCHECK_IO_H_
#define INITCHECK_IO_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "initcheck/tensor.h"

namespace initcheck {

struct ReadLimits {
  // Largest tensor a reader will allocate (elements). Default 2^32 (16 GiB of
  // f32); `initcheck check --max-elements` overrides it.
  int64_t max_elements = int64_t{1} << 32;
};

// ---- .npy -----------------------------------------------------------------

// Reads a whole .npy file. Throws Error("<path>: <problem>").
Tensor read_npy(const std::string& path, const ReadLimits& limits = {});

// A .npy file opened for reading: the header is parsed and validated (and
// the data's size checked against it and the limits) on construction; the
// data is read by read().
class NpyReader {
 public:
  explicit NpyReader(const std::string& path, const ReadLimits& limits = {});
  ~NpyReader();
  NpyReader(const NpyReader&) = delete;
  NpyReader& operator=(const NpyReader&) = delete;

  DType dtype() const;
  const Shape& shape() const;
  // The tensor, in C order (a Fortran-order file is transposed). Throws Error.
  Tensor read() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};
// Parses an in-memory .npy file (the fuzz target's entry point). `what`
// names the source in error messages.
Tensor parse_npy(std::span<const std::byte> bytes, const ReadLimits& limits = {},
                 const std::string& what = "<memory>");
// Writes `t` (atomically: temporary file + rename).
void write_npy(const std::string& path, const Tensor& t);
// The bytes write_npy would write.
std::vector<std::byte> encode_npy(const Tensor& t);

// ---- .safetensors ----------------------------------------------------------

struct SafetensorsEntry {
  std::string name;
  std::string dtype_name;      // as in the file: "F32", "I64", ...
  std::optional<DType> dtype;  // set for F32, F64, F16, BF16
  Shape shape;                 // may contain 0 (an empty tensor)
  uint64_t begin = 0;          // byte offsets into the data section
  uint64_t end = 0;
};

struct SafetensorsHeader {
  std::vector<SafetensorsEntry> entries;  // sorted by begin offset
  std::map<std::string, std::string> metadata;
  uint64_t data_start = 0;  // = 8 + header length
};

// Parses and validates the header of a safetensors file whose first bytes
// are `prefix` (at least 8 + header length bytes) and whose total size is
// `file_size`. Throws Error.
SafetensorsHeader parse_safetensors_header(std::span<const std::byte> prefix,
                                           uint64_t file_size,
                                           const std::string& what = "<memory>");

// A safetensors file opened for reading tensor by tensor (memory stays at
// about one tensor).
class SafetensorsReader {
 public:
  explicit SafetensorsReader(const std::string& path, const ReadLimits& limits = {});
  ~SafetensorsReader();
  SafetensorsReader(const SafetensorsReader&) = delete;
  SafetensorsReader& operator=(const SafetensorsReader&) = delete;

  const SafetensorsHeader& header() const { return header_; }
  // Reads one entry; throws Error if its dtype is not a float type or it
  // exceeds the limits.
  Tensor read(const SafetensorsEntry& entry) const;

 private:
  std::string path_;
  ReadLimits limits_;
  SafetensorsHeader header_;
  int fd_ = -1;
};

// Parses an in-memory safetensors file completely, reading every float
// tensor (the fuzz target's entry point).
std::vector<std::pair<std::string, Tensor>> parse_safetensors(
    std::span<const std::byte> bytes, const ReadLimits& limits = {},
    const std::string& what = "<memory>");

// Writes named tensors (atomically), in the given order, with optional
// __metadata__.
void write_safetensors(
    const std::string& path,
    const std::vector<std::pair<std::string, const Tensor*>>& tensors,
    const std::map<std::string, std::string>& metadata = {});
std::vector<std::byte> encode_safetensors(
    const std::vector<std::pair<std::string, const Tensor*>>& tensors,
    const std::map<std::string, std::string>& metadata = {});

// ---- helpers ---------------------------------------------------------------

// Writes bytes to `path` through a temporary file in the same directory and
// rename(2). Throws Error naming the path on failure; leaves no partial file.
void write_file_atomically(const std::string& path, std::span<const std::byte> bytes);

// "npy" or "safetensors" from the file name's extension; throws Error for
// anything else ("use .npy or .safetensors").
std::string tensor_file_kind(const std::string& path);

}  // namespace initcheck

#endif  // INITCHECK_IO_H_
