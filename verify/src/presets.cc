// Presets (see initcheck/verify/presets.h): the rule files under
// verify/presets/, compiled in by CMake (presets_data.cc, generated).
#include "initcheck/verify/presets.h"

#include <algorithm>

#include "initcheck/error.h"
#include "initcheck/scheme.h"

namespace initcheck::verify {

namespace internal {
// presets_data.cc (generated from verify/presets/*.toml).
std::string_view preset_source(std::string_view name);
}  // namespace internal

namespace {

void ReplaceAll(std::string& s, std::string_view from, const std::string& to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
}

}  // namespace

const std::vector<std::string_view>& preset_names() {
  static const std::vector<std::string_view> names = {"pytorch", "hf", "keras", "flax"};
  return names;
}

std::string preset_text(std::string_view name, const PresetOptions& o) {
  const auto& names = preset_names();
  if (std::find(names.begin(), names.end(), name) == names.end()) {
    std::string valid;
    for (std::string_view n : names) valid += (valid.empty() ? "" : ", ") + std::string(n);
    throw Error("unknown preset '" + std::string(name) + "'; valid: " + valid);
  }
  if (o.init_range && name != "hf") {
    throw Error("--init-range applies to --preset hf (Hugging Face's initializer_range), not to '" +
                std::string(name) + "'");
  }
  if (o.init_range && !(*o.init_range > 0 && *o.init_range < 1e6)) {
    throw Error("--init-range must be > 0, got " + format_number(*o.init_range));
  }
  std::string text(internal::preset_source(name));
  ReplaceAll(text, "{init_range}", format_number(o.init_range.value_or(0.02)));
  return text;
}

std::vector<Rule> preset_rules(std::string_view name, const PresetOptions& o) {
  const std::string file = std::string(name) + ".toml";
  std::vector<Rule> rules = parse_rules_toml(preset_text(name, o), file);
  const std::string label = "preset " + std::string(name) + " (";
  const auto relabel = [&](Rule& r, auto& self) -> void {
    r.origin = label + r.origin + ")";
    r.from_user = false;
    for (Rule& c : r.candidates) self(c, self);
  };
  for (Rule& r : rules) relabel(r, relabel);
  return rules;
}

}  // namespace initcheck::verify
