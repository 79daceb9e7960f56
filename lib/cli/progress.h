// File: lib/cli/progress.h
//
// Progress on stderr for long runs: a bar redrawn in place when stderr is a
// terminal, otherwise one line per 10% (CI logs stay short).
#ifndef INITCHECK_CLI_PROGRESS_H_
#define INITCHECK_CLI_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <string>

namespace initcheck::cli {

class Progress {
 public:
  // `enabled` false makes every call a no-op (--quiet).
  Progress(std::string label, int64_t total, bool enabled = true);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(int64_t n = 1);
  void set(int64_t done);
  void set_label(std::string label);
  void finish();

 private:
  void draw(bool force);
  std::string label_;
  int64_t total_, done_ = 0;
  bool enabled_, tty_, finished_ = false;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace initcheck::cli

#endif  // INITCHECK_CLI_PROGRESS_H_
