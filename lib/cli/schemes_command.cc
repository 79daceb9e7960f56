// `initcheck schemes`: the scheme table (lib/src/scheme.cc) as a user reads
// it: every scheme with its parameters, defaults, formula and source.
#include <fmt/format.h>

#include <string>

#include "command.h"
#include "initcheck/scheme.h"

namespace initcheck::cli {
namespace {

std::string Default(const ParamSpec& p) {
  if (p.is_word) return std::string(p.default_word);
  return p.default_number ? format_number(*p.default_number) : "required";
}

std::string Choices(const ParamSpec& p) {
  std::string out;
  for (std::string_view c : p.choices) out += (out.empty() ? "" : "|") + std::string(c);
  if (p.is_word && p.choices.empty() && p.key == "nonlinearity") {
    for (std::string_view c : nonlinearity_names()) {
      out += (out.empty() ? "" : "|") + std::string(c);
    }
  }
  return out;
}

void Print(const SchemeSpec& s, bool verbose) {
  std::string sig;
  for (const ParamSpec& p : s.params) {
    sig += (sig.empty() ? "" : ", ") + std::string(p.key) + "=" + Default(p);
  }
  fmt::print("{}({})\n    {}{}\n", s.name, sig, s.summary,
             s.uses_fans ? " [uses fan_in/fan_out]" : "");
  if (!verbose) return;
  for (const ParamSpec& p : s.params) {
    const std::string choices = Choices(p);
    fmt::print("    {:<13} {}{}\n", p.key, p.help,
               choices.empty() ? "" : " (" + choices + ")");
  }
  fmt::print("    source: {}\n", s.reference);
}

void Setup(CLI::App& app) {
  static std::string name;
  static bool verbose = false;
  CLI::App* sub = app.add_subcommand(
      "schemes",
      "List the initialization schemes with their parameters and defaults.\n"
      "Examples:\n"
      "  initcheck schemes\n"
      "  initcheck schemes kaiming_uniform     (one scheme, every parameter explained)");
  sub->add_option("name", name, "show one scheme in full (any accepted spelling)");
  sub->add_flag("-v,--verbose", verbose, "explain every parameter and cite the source");
  sub->callback([] {
    if (!name.empty()) {
      // The parser resolves every spelling (HeNormal, torch.nn.init.x_, ...)
      // and suggests the nearest name for a typo.
      Print(Scheme::parse(name).spec(), true);
      return;
    }
    const char* heading[] = {"PyTorch semantics (torch.nn.init)",
                             "Keras/JAX semantics (keras.initializers, jax.nn.initializers)"};
    for (Convention c : {Convention::kPyTorch, Convention::kKeras}) {
      fmt::print("{}:\n", heading[c == Convention::kKeras]);
      for (const SchemeSpec& s : scheme_specs()) {
        if (s.convention == c) Print(s, verbose);
      }
    }
  });
}

const Registrar registrar(5, Setup);

}  // namespace
}  // namespace initcheck::cli
