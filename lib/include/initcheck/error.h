// File: initcheck/error.h
//
// initcheck reports bad input (an unknown scheme, a bad parameter, a shape a
// scheme cannot use, a malformed file) by throwing initcheck::Error with a
// one-line message that names the problem and, where it can, says what to
// type instead. The CLI turns it into that line on stderr and exit code 2.
#ifndef INITCHECK_ERROR_H_
#define INITCHECK_ERROR_H_

#include <stdexcept>
#include <string>

namespace initcheck {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace initcheck

#endif  // INITCHECK_ERROR_H_
