// Shared helpers of the fuzz targets (lib/test/fuzz, verify/test/fuzz).
//
// A target reports a violated invariant by printing it and trapping, so
// libFuzzer (and the replay driver run by ctest) record the input as a crash.
// Only initcheck::Error is an expected outcome of bad input; any other
// exception escaping a target is a bug (the CLI would exit 3, "internal
// error") and libFuzzer reports it as a deadly signal.
#ifndef INITCHECK_TEST_FUZZ_FUZZ_UTIL_H_
#define INITCHECK_TEST_FUZZ_FUZZ_UTIL_H_

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

namespace initcheck::fuzz {

[[noreturn]] inline void Fail(const char* what, const char* file, int line,
                              std::string_view detail) {
  std::fprintf(stderr, "%s:%d: fuzz invariant violated: %s\n", file, line,
               what);
  if (!detail.empty()) {
    std::fprintf(stderr, "  detail (%zu bytes): %.*s\n", detail.size(),
                 static_cast<int>(detail.size() > 2000 ? 2000 : detail.size()),
                 detail.data());
  }
  std::fflush(stderr);
  __builtin_trap();
}

#define INITCHECK_FUZZ_CHECK(cond, detail)                                     \
  do {                                                                         \
    if (!(cond)) ::initcheck::fuzz::Fail(#cond, __FILE__, __LINE__, (detail)); \
  } while (0)

// The CLI prints an Error's message as the single line "initcheck: error:
// <message>": it must be non-empty and hold no line break.
inline void CheckMessage(std::string_view m) {
  INITCHECK_FUZZ_CHECK(!m.empty(), "empty error message");
  INITCHECK_FUZZ_CHECK(m.find('\n') == std::string_view::npos, m);
  INITCHECK_FUZZ_CHECK(m.find('\r') == std::string_view::npos, m);
}

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

inline std::span<const std::byte> AsBytes(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const std::byte*>(data), size};
}

// A file holding the current input, so the file readers (read_npy,
// SafetensorsReader: open + fstat + pread) can be compared with the
// in-memory parsers. A memfd (no disk I/O) reached through /proc/self/fd,
// else a temporary file; one per process, rewritten for every input.
class ScratchFile {
 public:
  ScratchFile() {
#ifdef MFD_CLOEXEC
    fd_ = ::memfd_create("initcheck_fuzz", MFD_CLOEXEC);
#endif
    if (fd_ >= 0) {
      path_ = "/proc/self/fd/" + std::to_string(fd_);
      return;
    }
    const char* dir = std::getenv("TMPDIR");
    std::string tmpl =
        std::string(dir && *dir ? dir : "/tmp") + "/initcheck_fuzz_XXXXXX";
    fd_ = ::mkstemp(tmpl.data());
    if (fd_ < 0) {
      std::perror("initcheck fuzz: cannot create a scratch file");
      std::abort();
    }
    path_ = tmpl;
    ::unlink(path_.c_str());  // reachable through /proc/self/fd from now on
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~ScratchFile() { ::close(fd_); }
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;

  // Replaces the content; returns the path to open.
  const std::string& Write(const uint8_t* data, size_t size) {
    if (::ftruncate(fd_, 0) != 0) std::abort();
    size_t done = 0;
    while (done < size) {
      const ssize_t n =
          ::pwrite(fd_, data + done, size - done, static_cast<off_t>(done));
      if (n <= 0) std::abort();
      done += static_cast<size_t>(n);
    }
    return path_;
  }

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace initcheck::fuzz

#endif  // INITCHECK_TEST_FUZZ_FUZZ_UTIL_H_
