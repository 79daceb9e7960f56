// Private to the io target (lib/src/npy.cc, safetensors.cc, io_util.cc):
// POSIX file helpers shared by the readers and writers of initcheck/io.h.
#ifndef INITCHECK_LIB_SRC_IO_INTERNAL_H_
#define INITCHECK_LIB_SRC_IO_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "initcheck/checkpoint.h"
#include "initcheck/io.h"

namespace initcheck::internal {

// Writes the concatenation of `parts` atomically (temporary file in the same
// directory, fsync, rename): write_npy and write_safetensors pass the header
// and the tensor data separately so the data is not copied.
void write_file_atomically_parts(
    const std::string& path, std::span<const std::span<const std::byte>> parts);
// open(2) + fstat(2) of a regular file for reading; throws Error naming the
// path. Returns the descriptor and sets *size.
int open_regular_file(const std::string& path, uint64_t* size);
// pread(2) exactly n bytes at offset (retrying short reads); throws Error.
void pread_exact(int fd, std::byte* dst, uint64_t n, uint64_t offset,
                 const std::string& path);
void close_fd(int fd);

// A read-only shared mapping of bytes [offset, offset + length) of an open
// file (mmap(2) from the page below `offset`); unmapped when destroyed. The
// pages are read on first touch and count towards the process's resident
// set only while mapped. length 0 maps nothing (data() is null).
class MappedRange {
 public:
  MappedRange(int fd, uint64_t offset, uint64_t length, const std::string& path);
  ~MappedRange();
  MappedRange(const MappedRange&) = delete;
  MappedRange& operator=(const MappedRange&) = delete;
  const std::byte* data() const { return data_; }
  uint64_t size() const { return length_; }

 private:
  void* base_ = nullptr;
  std::size_t mapped_ = 0;
  const std::byte* data_ = nullptr;
  uint64_t length_ = 0;
};

// An element type as a file spells it.
struct ElementInfo {
  ElementKind kind = ElementKind::kUnsupported;
  int bytes = 0;               // per element; 0 when not a whole byte
  std::optional<DType> dtype;  // the float types initcheck computes with
  std::string name;            // "<f4", "<i8", "|b1", ...
};

// A parsed .npy header (any element type ParseNpyHeader accepts).
struct NpyInfo {
  ElementInfo element;
  Shape shape;
  bool fortran = false;
  uint64_t data_offset = 0;
  uint64_t numel = 0;
  uint64_t nbytes = 0;
};
// Parses the preamble and header dict of a .npy file of `total` bytes whose
// first bytes (through the header) are `prefix`; floats, little-endian
// integers and bools are accepted. Throws Error naming `what`.
NpyInfo parse_npy_info(std::span<const std::byte> prefix, uint64_t total,
                       const std::string& what);
// From the first min(total, 12) bytes: where the header ends (= the data
// offset). Throws Error.
uint64_t npy_header_end(std::span<const std::byte> first, uint64_t total,
                        const std::string& what);
// The data length against the header and the element limit; throws Error.
void check_npy_data(const NpyInfo& info, uint64_t data_len, const ReadLimits& limits,
                    const std::string& what);
// True when the data is in Fortran order with more than one non-unit
// dimension (a copy in C order is needed).
bool npy_needs_reorder(const NpyInfo& info);
// Copies info.nbytes of data in the file's order into C order.
void npy_to_c_order(const NpyInfo& info, const std::byte* src, std::byte* dst);

// The element type of a safetensors dtype name ("F32", "I64", "BOOL",
// "F8_E4M3", ...); kind kUnsupported for names initcheck cannot decode.
ElementInfo safetensors_element(std::string_view dtype_name);

}  // namespace initcheck::internal

#endif  // INITCHECK_LIB_SRC_IO_INTERNAL_H_
