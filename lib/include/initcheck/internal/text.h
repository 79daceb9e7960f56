// File: initcheck/internal/text.h
//
// Not public API: a helper shared by lib and verify for one-line error
// messages that quote user input.
#ifndef INITCHECK_INTERNAL_TEXT_H_
#define INITCHECK_INTERNAL_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace initcheck::internal {

// `s` as it may appear inside a one-line message: at most about max_chars
// characters ("..." after), '\\' and '\n' escaped, other bytes outside
// printable ASCII as \xNN.
std::string printable(std::string_view s, std::size_t max_chars = 120);

// printable(s, 80) in single quotes: how messages quote a name or a path.
std::string quoted(std::string_view s);

}  // namespace initcheck::internal

#endif  // INITCHECK_INTERNAL_TEXT_H_
