// Glob matching (see initcheck/verify/glob.h).
#include "initcheck/verify/glob.h"

#include "initcheck/error.h"
#include "initcheck/internal/text.h"

namespace initcheck::verify {
namespace {

// Parses the class starting at pattern[i] == '['. Returns the index after the
// closing ']' and whether `c` is in the class; npos if unterminated.
size_t MatchClass(std::string_view p, size_t i, char c, bool* in) {
  size_t j = i + 1;
  bool negate = false;
  if (j < p.size() && (p[j] == '!' || p[j] == '^')) {
    negate = true;
    ++j;
  }
  bool found = false;
  bool first = true;
  while (j < p.size() && (first || p[j] != ']')) {
    first = false;
    char lo = p[j];
    if (lo == '\\') {
      if (++j >= p.size()) return std::string_view::npos;
      lo = p[j];
    }
    char hi = lo;
    if (j + 2 < p.size() && p[j + 1] == '-' && p[j + 2] != ']') {
      hi = p[j + 2];
      if (hi == '\\') {
        if (j + 3 >= p.size()) return std::string_view::npos;
        hi = p[j + 3];
        ++j;
      }
      j += 2;
    }
    // Bytes compare as unsigned (as fnmatch in the C locale): with plain
    // (signed) char, [a-\xff] would be empty and [\x80-z] hold all ASCII.
    const auto u = [](char x) { return static_cast<unsigned char>(x); };
    if (u(lo) <= u(c) && u(c) <= u(hi)) found = true;
    ++j;
  }
  if (j >= p.size()) return std::string_view::npos;
  *in = found != negate;
  return j + 1;
}

std::string Printable(std::string_view s) {
  return initcheck::internal::printable(s, 120);
}

}  // namespace

void validate_glob(std::string_view p) {
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\') {
      if (i + 1 >= p.size()) {
        throw Error("glob '" + Printable(p) + "' ends with a lone backslash");
      }
      ++i;
    } else if (p[i] == '[') {
      bool in;
      const size_t j = MatchClass(p, i, 'a', &in);
      if (j == std::string_view::npos) {
        throw Error("glob '" + Printable(p) + "' has an unterminated '['");
      }
      i = j - 1;
    }
  }
}

bool glob_match(std::string_view p, std::string_view s) {
  validate_glob(p);
  size_t pi = 0, si = 0;
  size_t star_p = std::string_view::npos, star_s = 0;
  while (si < s.size()) {
    if (pi < p.size()) {
      const char c = p[pi];
      if (c == '*') {
        star_p = ++pi;
        star_s = si;
        continue;
      }
      if (c == '?') {
        ++pi;
        ++si;
        continue;
      }
      if (c == '[') {
        bool in = false;
        const size_t next = MatchClass(p, pi, s[si], &in);
        if (in) {
          pi = next;
          ++si;
          continue;
        }
      } else {
        const char lit = c == '\\' ? p[pi + 1] : c;
        if (lit == s[si]) {
          pi += c == '\\' ? 2 : 1;
          ++si;
          continue;
        }
      }
    }
    if (star_p == std::string_view::npos) return false;
    pi = star_p;  // let the last '*' absorb one more character
    si = ++star_s;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

std::pair<std::string, std::string> parse_rule(std::string_view rule) {
  for (size_t i = 0; i < rule.size(); ++i) {
    const char c = rule[i];
    if (c == '\\') {
      ++i;
    } else if (c == '[') {
      // Skip the whole class with the matcher's own syntax ('[]=]' and
      // '[!]=]' hold a literal ']' and '='); after an unterminated '['
      // every '=' is inside it: no split, a bad rule.
      bool in = false;
      const size_t end = MatchClass(rule, i, 'a', &in);
      if (end == std::string_view::npos) break;
      i = end - 1;
    } else if (c == '=') {
      std::string glob(rule.substr(0, i)), scheme(rule.substr(i + 1));
      if (glob.empty() || scheme.empty()) break;
      validate_glob(glob);
      return {glob, scheme};
    }
  }
  throw Error("bad rule '" + Printable(rule) +
              "': write GLOB=SCHEME, e.g. --rule "
              "'*.weight=kaiming_uniform(a=sqrt(5))'");
}

}  // namespace initcheck::verify
