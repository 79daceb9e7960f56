// One-line message helpers (see initcheck/internal/text.h).
#include "initcheck/internal/text.h"

namespace initcheck::internal {

std::string printable(std::string_view s, std::size_t max_chars) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (out.size() >= max_chars) {
      out += "...";
      break;
    }
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      out += "\\x";
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// Built with += (GCC 12 warns falsely on "'" + std::string, bug 105651).
std::string quoted(std::string_view s) {
  std::string q = "'";
  q += printable(s, 80);
  q += "'";
  return q;
}

}  // namespace initcheck::internal
