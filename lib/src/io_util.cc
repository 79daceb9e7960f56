// File helpers for the tensor writers (see initcheck/io.h): atomic writes and
// the file kind from a path's extension.
//
// write_file_atomically follows the usual POSIX recipe: mkstemp(3) a
// temporary file in the target's directory (rename(2) is atomic only within
// one file system), write everything, fsync(2), give it the permissions a
// plain creat(2) would (0666 & ~umask; mkstemp uses 0600), rename it over the
// target and fsync the directory. On any failure the temporary file is
// unlinked, so neither a partial target nor a stray temporary is left.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "initcheck/error.h"
#include "initcheck/io.h"
#include "io_internal.h"

namespace initcheck {

namespace {

// The process umask without changing it: /proc/self/status has a "Umask:"
// line since Linux 4.7; otherwise fall back to umask(2) twice (racy only
// against other threads creating files at that instant).
mode_t CurrentUmask() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Umask:", 0) == 0) {
      char* end = nullptr;
      const unsigned long m = std::strtoul(line.c_str() + 6, &end, 8);
      if (end != line.c_str() + 6 && m <= 0777) return static_cast<mode_t>(m);
      break;
    }
  }
  const mode_t m = ::umask(022);
  ::umask(m);
  return m;
}

std::string ErrnoText(int err) { return std::strerror(err); }

// Splits "dir/name" into the directory to create the temporary in and the
// base name; "name" lives in ".".
void SplitPath(const std::string& path, std::string* dir, std::string* base) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) {
    *dir = ".";
    *base = path;
  } else {
    *dir = slash == 0 ? "/" : path.substr(0, slash);
    *base = path.substr(slash + 1);
  }
}

bool WriteAll(int fd, std::span<const std::byte> bytes) {
  const std::byte* p = bytes.data();
  std::size_t left = bytes.size();
  while (left > 0) {
    // Linux writes at most 0x7ffff000 bytes per call anyway.
    const std::size_t chunk =
        left < (std::size_t{1} << 30) ? left : (std::size_t{1} << 30);
    const ssize_t n = ::write(fd, p, chunk);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    if (n == 0) {
      errno = EIO;
      return false;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

namespace internal {

void write_file_atomically_parts(
    const std::string& path,
    std::span<const std::span<const std::byte>> parts) {
  if (path.empty()) throw Error("cannot write a file with an empty name");
  if (path.back() == '/')
    throw Error(path + ": is a directory name, not a file name");
  std::string dir, base;
  SplitPath(path, &dir, &base);
  std::string tmpl = (dir == "/" ? "" : dir) + "/." + base + ".tmpXXXXXX";
  if (dir == ".") tmpl = "." + base + ".tmpXXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  const int fd = ::mkstemp(name.data());
  if (fd < 0) {
    const int err = errno;
    throw Error(path + ": cannot create a temporary file in '" + dir +
                "': " + ErrnoText(err));
  }
  const std::string tmp(name.data());
  auto fail = [&](const char* what, int err, bool close_fd) {
    if (close_fd) ::close(fd);
    ::unlink(tmp.c_str());
    throw Error(path + ": " + what + ": " + ErrnoText(err));
  };
  for (std::span<const std::byte> part : parts) {
    if (!WriteAll(fd, part)) fail("write failed", errno, true);
  }
  if (::fchmod(fd, 0666 & ~CurrentUmask()) != 0)
    fail("cannot set permissions", errno, true);
  if (::fsync(fd) != 0) fail("fsync failed", errno, true);
  if (::close(fd) != 0) fail("close failed", errno, false);
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    fail("cannot rename the temporary file", errno, false);
  // Make the rename durable; a failure here does not undo the write.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

int open_regular_file(const std::string& path, uint64_t* size) {
  // O_NONBLOCK: opening a FIFO for reading would otherwise block until a
  // writer appears (forever, for a stray named pipe called w.npy); it is
  // refused below as not a regular file. On a regular file the flag has no
  // effect; it is cleared anyway once the file is known to be one.
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    const int err = errno;
    throw Error(path + ": cannot open: " + ErrnoText(err));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    throw Error(path + ": cannot stat: " + ErrnoText(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw Error(path + (S_ISDIR(st.st_mode)
                            ? ": is a directory, not a tensor file"
                            : ": not a regular file"));
  }
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) (void)::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  *size = static_cast<uint64_t>(st.st_size);
  return fd;
}

void pread_exact(int fd, std::byte* dst, uint64_t n, uint64_t offset,
                 const std::string& path) {
  while (n > 0) {
    const std::size_t chunk = n < (uint64_t{1} << 30)
                                  ? static_cast<std::size_t>(n)
                                  : (std::size_t{1} << 30);
    const ssize_t got = ::pread(fd, dst, chunk, static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      throw Error(path + ": read failed at byte " + std::to_string(offset) +
                  ": " + ErrnoText(err));
    }
    if (got == 0) {
      throw Error(path + ": unexpected end of file at byte " +
                  std::to_string(offset) +
                  " (was the file changed while reading?)");
    }
    dst += got;
    n -= static_cast<uint64_t>(got);
    offset += static_cast<uint64_t>(got);
  }
}

void close_fd(int fd) {
  if (fd >= 0) ::close(fd);
}

MappedRange::MappedRange(int fd, uint64_t offset, uint64_t length,
                         const std::string& path)
    : length_(length) {
  if (length == 0) return;
  const uint64_t page = static_cast<uint64_t>(::sysconf(_SC_PAGESIZE));
  const uint64_t start = offset / page * page;
  const uint64_t span = offset - start + length;
  if (span > std::numeric_limits<std::size_t>::max()) {
    throw Error(path + ": cannot map " + std::to_string(length) + " bytes");
  }
  void* p = ::mmap(nullptr, static_cast<std::size_t>(span), PROT_READ, MAP_SHARED, fd,
                   static_cast<off_t>(start));
  if (p == MAP_FAILED) {
    const int err = errno;
    throw Error(path + ": cannot map bytes [" + std::to_string(offset) + ", " +
                std::to_string(offset + length) + "): " + ErrnoText(err));
  }
  // Read once, front to back (the battery's first pass): ask for read-ahead.
  (void)::madvise(p, static_cast<std::size_t>(span), MADV_SEQUENTIAL);
  base_ = p;
  mapped_ = static_cast<std::size_t>(span);
  data_ = static_cast<const std::byte*>(p) + (offset - start);
}

MappedRange::~MappedRange() {
  if (base_ != nullptr) ::munmap(base_, mapped_);
}


}  // namespace internal

void write_file_atomically(const std::string& path,
                           std::span<const std::byte> bytes) {
  const std::span<const std::byte> parts[1] = {bytes};
  internal::write_file_atomically_parts(path, parts);
}

std::string tensor_file_kind(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  const std::string base =
      slash == std::string::npos ? path : path.substr(slash + 1);
  const std::size_t dot = base.rfind('.');
  std::string ext = dot == std::string::npos ? "" : base.substr(dot + 1);
  for (char& c : ext)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == "npy") return "npy";
  if (ext == "safetensors") return "safetensors";
  if (ext == "npz") {
    throw Error(path +
                ": .npz archives are not supported; use .npy or .safetensors");
  }
  if (ext.empty()) {
    throw Error(
        path +
        ": no file extension to tell the format; use .npy or .safetensors");
  }
  throw Error(path + ": unknown tensor file extension '." + ext +
              "'; use .npy or .safetensors");
}

}  // namespace initcheck
