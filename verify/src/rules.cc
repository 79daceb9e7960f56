// Rules: --rule arguments, rule files (TOML, toml++) and their TOML form
// (see initcheck/verify/rules.h).
#include "initcheck/verify/rules.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include "initcheck/error.h"
#include "initcheck/internal/text.h"
#include "initcheck/verify/glob.h"

namespace initcheck::verify {
namespace {

using internal::printable;

bool IsExact(const Scheme& s) {
  return s.id() == SchemeId::kZeros || s.id() == SchemeId::kOnes ||
         s.id() == SchemeId::kConstant;
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] != b[j - 1])});
      diag = up;
    }
  }
  return row[b.size()];
}

// " (did you mean 'x'?)" for the nearest of `names` within distance 2.
std::string DidYouMean(std::string_view word, const std::vector<std::string_view>& names) {
  std::size_t best = 3;
  std::string_view pick;
  for (std::string_view n : names) {
    const std::size_t d = EditDistance(word, n);
    if (d < best) {
      best = d;
      pick = n;
    }
  }
  return pick.empty() ? "" : " (did you mean '" + std::string(pick) + "'?)";
}

const std::vector<std::string_view> kRuleKeys = {
    "glob", "when", "scheme", "layout", "fans_from", "fan_in", "fan_out", "padding_idx",
    "segments", "skip", "reason", "choose", "candidate", "module", "note"};
const std::vector<std::string_view> kCandidateKeys = {
    "scheme", "layout", "fans_from", "fan_in", "fan_out", "padding_idx",
    "segments", "module", "note"};

std::string Join(const std::vector<std::string_view>& v) {
  std::string out;
  for (std::string_view s : v) out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

// ---- TOML reading -------------------------------------------------------------

class RuleReader {
 public:
  explicit RuleReader(std::string file) : file_(std::move(file)) {}

  std::vector<Rule> Read(std::string_view text) {
    toml::table doc;
    try {
      doc = toml::parse(text, file_);
    } catch (const toml::parse_error& e) {
      throw Error(file_ + ":" + std::to_string(e.source().begin.line) + ":" +
                  std::to_string(e.source().begin.column) + ": not valid TOML: " +
                  printable(e.description(), 200));
    }
    std::vector<Rule> rules;
    for (auto&& [key, value] : doc) {
      if (key.str() != "rule") {
        throw Error(At(key.source()) + "unknown top-level key '" + printable(key.str(), 40) +
                    "'" + DidYouMean(key.str(), {"rule"}) +
                    "; a rule file is a list of [[rule]] tables");
      }
      const toml::array* arr = value.as_array();
      if (arr == nullptr || !arr->is_array_of_tables()) {
        throw Error(At(value.source()) + "'rule' must be an array of tables: write [[rule]]");
      }
      int n = 0;
      for (const toml::node& t : *arr) {
        ++n;
        rules.push_back(ReadRule(*t.as_table(), n, /*candidate=*/false, ""));
      }
    }
    return rules;
  }

 private:
  std::string At(const toml::source_region& r) const {
    return file_ + ":" + std::to_string(r.begin.line) + ": ";
  }

  [[noreturn]] void Fail(const toml::node& v, const std::string& where, std::string_view key,
                         const std::string& why) const {
    throw Error(At(v.source()) + where + "'" + std::string(key) + "': " + why);
  }

  std::string String(const toml::node& v, const std::string& where, std::string_view key) const {
    if (!v.is_string()) Fail(v, where, key, "must be a string");
    return std::string(*v.value<std::string_view>());
  }

  std::optional<Expr> IntOrExpr(const toml::node& v, const std::string& where,
                                std::string_view key, int64_t min) const {
    if (v.is_integer()) {
      const int64_t x = *v.value<int64_t>();
      if (x < min) {
        Fail(v, where, key, "must be >= " + std::to_string(min) + ", got " + std::to_string(x));
      }
      return Expr::number(x);
    }
    if (!v.is_string()) Fail(v, where, key, "must be an integer or an expression string");
    try {
      return Expr::parse(*v.value<std::string_view>(), Expr::Type::kInt);
    } catch (const Error& e) {
      Fail(v, where, key, e.what());
    }
  }

  Rule ReadRule(const toml::table& t, int n, bool candidate, const std::string& parent) {
    Rule r;
    const int line = t.source().begin.line;
    r.origin = file_ + ":" + std::to_string(line);
    const std::string where =
        candidate ? parent + "candidate " + std::to_string(n) + ": " : "rule " + std::to_string(n) + ": ";
    const auto& keys = candidate ? kCandidateKeys : kRuleKeys;
    for (auto&& [k, v] : t) {
      const std::string_view key = k.str();
      if (std::find(keys.begin(), keys.end(), key) == keys.end()) {
        const bool rule_only = std::find(kRuleKeys.begin(), kRuleKeys.end(), key) != kRuleKeys.end();
        throw Error(At(k.source()) + where + "unknown key '" + printable(key, 40) + "'" +
                    (rule_only ? " (not allowed in a candidate)" : DidYouMean(key, keys)) +
                    "; valid: " + Join(keys));
      }
      try {
        ReadKey(r, key, v, where, n);
      } catch (const Error& e) {
        const std::string m = e.what();
        // Messages from Scheme::parse etc. lack the position.
        if (m.rfind(file_ + ":", 0) == 0) throw;
        Fail(v, where, key, m);
      }
    }
    if (!candidate) validate_rule(r);  // messages start with r.origin (file:line)
    return r;
  }

  void ReadKey(Rule& r, std::string_view key, const toml::node& v, const std::string& where,
               int n) {
    if (key == "glob") {
      if (v.is_string()) {
        r.globs.push_back(String(v, where, key));
      } else if (const toml::array* a = v.as_array()) {
        for (const toml::node& g : *a) r.globs.push_back(String(g, where, key));
        if (r.globs.empty()) Fail(v, where, key, "needs at least one glob");
      } else {
        Fail(v, where, key, "must be a glob string or a list of them");
      }
      for (const std::string& g : r.globs) validate_glob(g);
    } else if (key == "when") {
      r.when = Expr::parse(String(v, where, key), Expr::Type::kBool);
    } else if (key == "scheme") {
      r.scheme = Scheme::parse(String(v, where, key));
    } else if (key == "layout") {
      r.layout = parse_layout(String(v, where, key));
    } else if (key == "fans_from") {
      r.fans_from = String(v, where, key);
      validate_template(r.fans_from);
    } else if (key == "fan_in") {
      r.fan_in = IntOrExpr(v, where, key, 1);
    } else if (key == "fan_out") {
      r.fan_out = IntOrExpr(v, where, key, 1);
    } else if (key == "padding_idx") {
      r.padding = true;
      if (v.is_integer()) {
        const int64_t x = *v.value<int64_t>();
        if (x < 0) Fail(v, where, key, "must be >= 0 or \"auto\", got " + std::to_string(x));
        r.padding_index = x;
      } else if (!(v.is_string() && *v.value<std::string_view>() == "auto")) {
        Fail(v, where, key, "must be a row index or \"auto\"");
      }
    } else if (key == "segments") {
      const toml::array* a = v.as_array();
      if (a == nullptr || !a->is_array_of_tables()) {
        Fail(v, where, key, "must be an array of tables {scheme = \"zeros\", length = \"shape[0]/4\"}");
      }
      for (const toml::node& s : *a) {
        const toml::table& st = *s.as_table();
        const toml::node* sc = st.get("scheme");
        const toml::node* len = st.get("length");
        for (auto&& [sk, sv] : st) {
          if (sk.str() != "scheme" && sk.str() != "length") {
            Fail(sv, where, key, "unknown segment key '" + printable(sk.str(), 40) +
                                     "'; valid: scheme, length");
          }
        }
        if (sc == nullptr || len == nullptr) {
          Fail(s, where, key, "each segment needs scheme and length");
        }
        Segment seg{*IntOrExpr(*len, where, "segments.length", 0),
                    Scheme::parse(String(*sc, where, "segments.scheme"))};
        r.segments.push_back(std::move(seg));
      }
    } else if (key == "skip") {
      if (!v.is_boolean()) Fail(v, where, key, "must be true or false");
      r.skip = *v.value<bool>();
    } else if (key == "reason") {
      r.reason = String(v, where, key);
    } else if (key == "choose") {
      r.choose = String(v, where, key);
      if (r.choose.empty()) Fail(v, where, key, "must name a candidate's module");
    } else if (key == "module") {
      r.module = String(v, where, key);
    } else if (key == "note") {
      r.note = String(v, where, key);
    } else if (key == "candidate") {
      const toml::array* a = v.as_array();
      if (a == nullptr || !a->is_array_of_tables()) {
        Fail(v, where, key, "must be an array of tables: write [[rule.candidate]]");
      }
      int k = 0;
      for (const toml::node& c : *a) {
        ++k;
        r.candidates.push_back(ReadRule(*c.as_table(), k, true, where));
      }
    }
    (void)n;
  }

  std::string file_;
};

// ---- TOML writing ---------------------------------------------------------------

void WriteExpr(std::ostringstream& o, const char* key, const Expr& e) {
  int64_t v = 0;
  if (e.is_literal(&v)) {
    o << key << " = " << v << "\n";
  } else {
    o << key << " = " << toml_string(e.text()) << "\n";
  }
}

void WriteBody(std::ostringstream& o, const Rule& r, const std::string& table) {
  if (!r.module.empty()) o << "module = " << toml_string(r.module) << "\n";
  if (!r.note.empty()) o << "note = " << toml_string(r.note) << "\n";
  if (r.scheme) o << "scheme = " << toml_string(r.scheme->str()) << "\n";
  if (r.layout) o << "layout = " << toml_string(layout_name(*r.layout)) << "\n";
  if (!r.fans_from.empty()) o << "fans_from = " << toml_string(r.fans_from) << "\n";
  if (r.fan_in) WriteExpr(o, "fan_in", *r.fan_in);
  if (r.fan_out) WriteExpr(o, "fan_out", *r.fan_out);
  if (r.padding) {
    if (r.padding_index) {
      o << "padding_idx = " << *r.padding_index << "\n";
    } else {
      o << "padding_idx = \"auto\"\n";
    }
  }
  if (!r.segments.empty()) {
    o << "segments = [\n";
    for (const Segment& s : r.segments) {
      o << "  { scheme = " << toml_string(s.scheme.str()) << ", length = ";
      int64_t v = 0;
      if (s.length.is_literal(&v)) {
        o << v;
      } else {
        o << toml_string(s.length.text());
      }
      o << " },\n";
    }
    o << "]\n";
  }
  if (r.skip) o << "skip = true\n";
  if (!r.reason.empty()) o << "reason = " << toml_string(r.reason) << "\n";
  if (!r.choose.empty()) o << "choose = " << toml_string(r.choose) << "\n";
  for (const Rule& c : r.candidates) {
    o << "[[" << table << ".candidate]]\n";
    WriteBody(o, c, table + ".candidate");
  }
}

}  // namespace

std::string Rule::glob_text() const {
  std::string out;
  for (const std::string& g : globs) out += (out.empty() ? "" : " | ") + g;
  return out;
}

namespace {

void Validate(const Rule& r, bool candidate) {
  const std::string who = r.origin.empty() ? "" : r.origin + ": ";
  const int assignments = int(r.scheme.has_value()) + int(!r.segments.empty()) + int(r.skip) +
                          int(!r.candidates.empty()) + int(!r.choose.empty());
  if (candidate) {
    if (!r.globs.empty() || r.when || r.skip || !r.choose.empty() || !r.candidates.empty()) {
      throw Error(who + "a candidate has a scheme or segments only (no glob, when, skip, "
                        "choose or candidates)");
    }
    if (r.module.empty()) {
      throw Error(who + "every candidate needs a module name (module = \"Linear\"), which "
                        "choose refers to");
    }
    // A candidate may describe a scheme it cannot state (a note only).
    if (assignments == 0 && r.note.empty()) {
      throw Error(who + "candidate '" + r.module + "' needs a scheme, segments or a note");
    }
  } else {
    if (r.globs.empty()) throw Error(who + "the rule has no glob");
    if (assignments == 0) {
      throw Error(who + "the rule assigns nothing: give scheme, segments, skip = true, "
                        "[[rule.candidate]] tables or choose");
    }
  }
  if (assignments > 1) {
    throw Error(who + "give only one of scheme, segments, skip, candidate and choose");
  }
  for (const std::string& g : r.globs) validate_glob(g);
  const bool geometry = r.layout || !r.fans_from.empty() || r.fan_in || r.fan_out || r.padding;
  if (geometry && !r.scheme) {
    throw Error(who + "layout, fans_from, fan_in, fan_out and padding_idx go with a scheme");
  }
  if (!r.reason.empty() && !r.skip) throw Error(who + "reason goes with skip = true");
  if (!r.fans_from.empty()) validate_template(r.fans_from);
  for (const Segment& s : r.segments) {
    if (!IsExact(s.scheme)) {
      throw Error(who + "segments hold exact schemes (zeros, ones, constant), got " +
                  s.scheme.str());
    }
  }
  for (const Rule& c : r.candidates) Validate(c, true);
}

}  // namespace

void validate_rule(const Rule& r) { Validate(r, false); }

Rule parse_rule_arg(std::string_view text, std::string origin) {
  Rule r;
  try {
    auto [glob, rhs] = parse_rule(text);
    r.globs.push_back(glob);
    if (!rhs.empty() && rhs[0] == '@') {
      r.choose = rhs.substr(1);
      if (r.choose.empty()) {
        throw Error("bad rule '" + printable(text, 80) +
                    "': write GLOB=@Module to choose a candidate, e.g. --rule "
                    "'emb.weight=@Embedding'");
      }
    } else if (rhs == "skip") {
      r.skip = true;
    } else {
      r.scheme = Scheme::parse(rhs);
    }
  } catch (const Error& e) {
    throw Error(origin.empty() ? std::string(e.what()) : origin + ": " + e.what());
  }
  r.origin = std::move(origin);
  return r;
}

std::vector<Rule> parse_rules_toml(std::string_view text, const std::string& file) {
  return RuleReader(file).Read(text);
}

std::vector<Rule> load_rules_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(path + ": cannot open the rule file");
  constexpr std::streamoff kMax = 16 << 20;
  std::string text;
  char buf[65536];
  while (f) {
    f.read(buf, sizeof buf);
    text.append(buf, static_cast<std::size_t>(f.gcount()));
    if (static_cast<std::streamoff>(text.size()) > kMax) {
      throw Error(path + ": rule file larger than 16 MiB");
    }
  }
  if (f.bad()) throw Error(path + ": cannot read the rule file");
  return parse_rules_toml(text, path);
}

std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          out += b;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string literal_glob(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string rule_to_toml(const Rule& r) {
  std::ostringstream o;
  o << "[[rule]]\n";
  if (r.globs.size() == 1) {
    o << "glob = " << toml_string(r.globs[0]) << "\n";
  } else if (!r.globs.empty()) {
    o << "glob = [";
    for (std::size_t i = 0; i < r.globs.size(); ++i) {
      o << (i ? ", " : "") << toml_string(r.globs[i]);
    }
    o << "]\n";
  }
  if (r.when) o << "when = " << toml_string(r.when->text()) << "\n";
  WriteBody(o, r, "rule");
  return o.str();
}

std::string rules_to_toml(const std::vector<Rule>& rules) {
  std::string out;
  for (const Rule& r : rules) {
    if (!out.empty()) out += "\n";
    if (!r.origin.empty()) out += "# " + printable(r.origin, 200) + "\n";
    out += rule_to_toml(r);
  }
  return out;
}

}  // namespace initcheck::verify
