// Private to the io target (lib/src/npy.cc, safetensors.cc, io_util.cc):
// POSIX file helpers shared by the readers and writers of initcheck/io.h.
#ifndef INITCHECK_LIB_SRC_IO_INTERNAL_H_
#define INITCHECK_LIB_SRC_IO_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

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

}  // namespace initcheck::internal

#endif  // INITCHECK_LIB_SRC_IO_INTERNAL_H_
