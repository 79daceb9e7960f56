// Fuzz target: the --rule globs of initcheck check (validate_glob,
// glob_match, parse_rule).
//
// The input is split at its first NUL byte into a pattern and a tensor name
// (no NUL: the pattern is matched against the empty name).
//
// Invariants checked for every input:
//   - only initcheck::Error escapes, with a one-line message;
//   - validate_glob(p) throws iff glob_match(p, name) throws;
//   - glob_match agrees with an independent reference matcher written here
//     from the syntax documented in glob.h (a dynamic programme over
//     (pattern token, name position); bytes compared as unsigned);
//   - parse_rule(rule): on success glob + "=" + scheme == rule, both sides
//     non-empty, the glob valid; on failure a one-line Error;
//   - every valid glob without an unescaped '=' outside a bracket class can
//     be written as a rule: parse_rule(glob + "=normal") == {glob, "normal"}.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_util.h"
#include "initcheck/error.h"
#include "initcheck/verify/glob.h"

namespace {

using initcheck::Error;
namespace verify = initcheck::verify;

struct Token {
  enum Kind { kStar, kAny, kSet } kind = kSet;
  std::array<bool, 256> set{};  // kSet: the bytes it matches
};

struct Pattern {
  std::vector<Token> tokens;
  bool top_level_equals = false;  // an unescaped '=' outside a class
};

// The documented syntax: '*', '?', '\x', '[...]' with '!' or '^' negation, a
// leading ']' literal, ranges a-z (a '-' before the closing ']' is literal),
// '\x' escapes inside classes. nullopt if malformed.
std::optional<Pattern> Compile(std::string_view p) {
  Pattern out;
  size_t i = 0;
  while (i < p.size()) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    Token t;
    if (c == '*') {
      t.kind = Token::kStar;
      ++i;
    } else if (c == '?') {
      t.kind = Token::kAny;
      ++i;
    } else if (c == '\\') {
      if (i + 1 >= p.size()) return std::nullopt;
      t.set[static_cast<unsigned char>(p[i + 1])] = true;
      i += 2;
    } else if (c == '[') {
      size_t j = i + 1;
      bool negate = false;
      if (j < p.size() && (p[j] == '!' || p[j] == '^')) {
        negate = true;
        ++j;
      }
      bool first = true;
      bool closed = false;
      std::array<bool, 256> in{};
      while (j < p.size()) {
        if (!first && p[j] == ']') {
          closed = true;
          ++j;
          break;
        }
        first = false;
        // One (possibly escaped) character.
        auto one = [&](size_t& k) -> std::optional<unsigned char> {
          if (p[k] == '\\') {
            if (k + 1 >= p.size()) return std::nullopt;
            ++k;
          }
          return static_cast<unsigned char>(p[k++]);
        };
        const auto lo = one(j);
        if (!lo) return std::nullopt;
        unsigned char hi = *lo;
        if (j + 1 < p.size() && p[j] == '-' && p[j + 1] != ']') {
          ++j;
          const auto h = one(j);
          if (!h) return std::nullopt;
          hi = *h;
        }
        for (unsigned v = *lo; v <= hi; ++v) in[v] = true;
      }
      if (!closed) return std::nullopt;
      for (int v = 0; v < 256; ++v) t.set[v] = in[v] != negate;
      i = j;
    } else {
      if (c == '=') out.top_level_equals = true;
      t.set[c] = true;
      ++i;
    }
    out.tokens.push_back(t);
  }
  return out;
}

bool Match(const Pattern& pat, std::string_view s) {
  const auto& tk = pat.tokens;
  const size_t n = s.size();
  // ok[j]: tokens [i, end) match s[j, n); computed for i from the end.
  std::vector<char> ok(n + 1, 0), next(n + 1, 0);
  ok[n] = 1;  // no tokens, empty rest
  for (size_t i = tk.size(); i-- > 0;) {
    next.assign(n + 1, 0);
    if (tk[i].kind == Token::kStar) {
      // '*' matches s[j, k) for any k >= j.
      char any = 0;
      for (size_t j = n + 1; j-- > 0;) {
        any = any || ok[j];
        next[j] = any;
      }
    } else {
      for (size_t j = 0; j < n; ++j) {
        const bool one = tk[i].kind == Token::kAny ||
                         tk[i].set[static_cast<unsigned char>(s[j])];
        next[j] = one && ok[j + 1];
      }
    }
    ok.swap(next);
  }
  return ok[0] != 0;
}

template <class F>
std::optional<std::string> ErrorOf(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    initcheck::fuzz::CheckMessage(e.what());
    return std::string(e.what());
  }
  return std::nullopt;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in = initcheck::fuzz::AsText(data, size);
  const size_t nul = in.find('\0');
  const std::string_view pattern = in.substr(0, nul);
  const std::string_view name =
      nul == std::string_view::npos ? std::string_view() : in.substr(nul + 1);

  const std::optional<Pattern> ref = Compile(pattern);
  const auto invalid = ErrorOf([&] { verify::validate_glob(pattern); });
  INITCHECK_FUZZ_CHECK(
      invalid.has_value() == !ref.has_value(),
      std::string(pattern) + (invalid ? " refused: " + *invalid : " accepted"));
  bool matched = false;
  const auto match_error =
      ErrorOf([&] { matched = verify::glob_match(pattern, name); });
  INITCHECK_FUZZ_CHECK(match_error == invalid, std::string(pattern));
  if (ref) {
    INITCHECK_FUZZ_CHECK(matched == Match(*ref, name),
                         std::string(pattern) + " vs name " +
                             std::string(name) +
                             (matched ? ": matched" : ": no match"));
    // Every valid glob can be used in a rule (with '=' escaped).
    if (!pattern.empty() && !ref->top_level_equals) {
      std::pair<std::string, std::string> r;
      const auto rule_error = ErrorOf(
          [&] { r = verify::parse_rule(std::string(pattern) + "=normal"); });
      INITCHECK_FUZZ_CHECK(
          !rule_error && r.first == pattern && r.second == "normal",
          std::string(pattern) + "=normal: " +
              (rule_error ? *rule_error : r.first + " | " + r.second));
    }
  }

  // The pattern part as a whole --rule.
  std::pair<std::string, std::string> rule;
  const auto rule_error = ErrorOf([&] { rule = verify::parse_rule(pattern); });
  if (!rule_error) {
    INITCHECK_FUZZ_CHECK(!rule.first.empty() && !rule.second.empty(),
                         std::string(pattern));
    INITCHECK_FUZZ_CHECK(rule.first + "=" + rule.second == pattern,
                         std::string(pattern));
    INITCHECK_FUZZ_CHECK(Compile(rule.first).has_value(), rule.first);
  }
  return 0;
}
