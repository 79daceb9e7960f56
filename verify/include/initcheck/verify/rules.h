// File: initcheck/verify/rules.h
//
// Rules say which scheme each tensor of a checkpoint should follow. They
// come from the command line (--rule 'GLOB=SCHEME'), from rule files
// (--rules initcheck.toml) and from presets (presets.h); all are the same
// data, tried in order, and the first rule that matches a tensor decides it
// (check.h).
//
// A rule matches a tensor when one of its globs matches the name (glob.h)
// and its condition `when` (expr.h) holds. It then assigns exactly one of:
//   scheme      the scheme to check against, with the geometry to read the
//               shape: layout, and the fans from another tensor
//               (fans_from = "{prefix}.weight": that tensor's fans, counted
//               with this rule's layout), from expressions (fan_in =
//               'shape("{prefix}.weight_hh_l0")[1]'), or both (expressions
//               override). Only fan_in given: fan_out = fan_in, refused when
//               the scheme's target depends on fan_out. padding_idx (an
//               index, or "auto": the first all-zero row, if any) checks that
//               row of a rank-2 embedding for zeros and the others against
//               the scheme;
//   segments    consecutive runs of the flattened tensor, each an exact
//               scheme (zeros, ones, constant) with a length expression
//               (Keras' LSTM bias with unit_forget_bias);
//   skip        list the tensor as skipped, with `reason`;
//   candidates  the tensor is ambiguous: any of these rules (each a scheme
//               or segments, with a `module` name) could be meant. It is
//               reported with its candidates resolved and not checked,
//               unless an earlier rule chose one;
//   choose      "Module": the tensor is the named candidate of whichever
//               ambiguous rule matches it later (--rule 'emb.weight=@Embedding');
//               matching goes on past this rule.
//
// Rule files (TOML, read with toml++):
//   [[rule]]
//   glob = "*.bias"                     # or a list: ["*.bias", "bias"]
//   when = 'exists("{prefix}.weight") && rank("{prefix}.weight") >= 2'
//   scheme = "kaiming_uniform(a=sqrt(5))"
//   fans_from = "{prefix}.weight"
//   module = "Linear/ConvNd"            # what the rule stands for (shown)
//   note = "torch: U(+-1/sqrt(fan_in)) with the weight's fan_in"
//
//   [[rule]]
//   glob = "*.weight"
//   when = "rank == 2"
//   [[rule.candidate]]
//   module = "Linear"
//   scheme = "kaiming_uniform(a=sqrt(5))"
//   [[rule.candidate]]
//   module = "Embedding"
//   scheme = "normal"
//   padding_idx = "auto"
// Keys: glob, when, scheme, layout, fans_from, fan_in, fan_out (integers or
// expression strings), padding_idx, segments (array of {scheme, length}),
// skip, reason, choose, candidate (array of tables), module, note. Errors
// name the file, the line and the key, and suggest the nearest key.
#ifndef INITCHECK_VERIFY_RULES_H_
#define INITCHECK_VERIFY_RULES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "initcheck/geometry.h"
#include "initcheck/scheme.h"
#include "initcheck/verify/expr.h"

namespace initcheck::verify {

struct Segment {
  Expr length;
  Scheme scheme;  // exact: zeros, ones or constant
};

struct Rule {
  std::vector<std::string> globs;
  std::optional<Expr> when;
  // One of the assignments below.
  std::optional<Scheme> scheme;
  std::vector<Segment> segments;
  bool skip = false;
  std::vector<Rule> candidates;
  std::string choose;
  // With a scheme: how to read the shape.
  std::optional<Layout> layout;
  std::string fans_from;  // a name template (expr.h)
  std::optional<Expr> fan_in, fan_out;
  // padding_idx: set = check a padding row; index nullopt = "auto".
  bool padding = false;
  std::optional<int64_t> padding_index;
  // Description.
  std::string reason;  // skip
  std::string module;  // "Linear", "Embedding", ...
  std::string note;
  std::string origin;  // where it came from: "--rule 2", "rules.toml:12"
  bool from_user = true;  // false for a preset's rules (not reported unused)

  // The globs joined with " | " for messages.
  std::string glob_text() const;
};

// A --rule 'GLOB=SCHEME' (glob.h's parse_rule). SCHEME may also be
// "@Module" (choose) or "skip". Throws Error naming `origin`.
Rule parse_rule_arg(std::string_view text, std::string origin);

// Parses rule-file text; `file` names it in origins and errors
// ("rules.toml:12: ..."). Throws Error.
std::vector<Rule> parse_rules_toml(std::string_view text, const std::string& file);
// Reads and parses a rule file (at most 16 MiB). Throws Error.
std::vector<Rule> load_rules_file(const std::string& path);

// The rules as a rule file that parse_rules_toml reads back to equal rules
// (origins aside): schemes in canonical form, expressions as written.
std::string rules_to_toml(const std::vector<Rule>& rules);
// One rule as TOML (a [[rule]] table), for messages and --print-rules.
std::string rule_to_toml(const Rule& rule);
// TOML basic string literal of `s` ("...", escaped).
std::string toml_string(std::string_view s);
// A glob that matches exactly `name` (metacharacters escaped).
std::string literal_glob(std::string_view name);

// Validates a rule (exactly one assignment, keys that fit it, valid globs
// and templates); throws Error naming its origin.
void validate_rule(const Rule& rule);

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_RULES_H_
