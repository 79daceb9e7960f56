// File: initcheck/verify/presets.h
//
// Presets: the default initialization of whole frameworks as ordered rules
// (rules.h), written as rule files in verify/presets/*.toml (compiled in):
//   pytorch  every standard torch.nn module's reset_parameters, resolved from
//            names, shapes and siblings; genuinely ambiguous tensors have
//            candidates (a rank-2 weight without bias: Linear or Embedding);
//   hf       Hugging Face _init_weights: N(0, init_range^2) weights, zero
//            biases, LayerNorm 1/0, the padding row 0;
//   keras    Keras layer defaults (glorot_uniform kernels, orthogonal
//            recurrent kernels, zero biases, LSTM unit_forget_bias, ...);
//   flax     Flax linen defaults (lecun_normal kernels, zero biases, Embed).
// A preset's rules come after the user's (--rule, --rules), which therefore
// take precedence, and are never reported as matching no tensor.
#ifndef INITCHECK_VERIFY_PRESETS_H_
#define INITCHECK_VERIFY_PRESETS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "initcheck/verify/rules.h"

namespace initcheck::verify {

struct PresetOptions {
  // hf: config.initializer_range (default 0.02, transformers' default).
  std::optional<double> init_range;
};

// "pytorch", "hf", "keras", "flax".
const std::vector<std::string_view>& preset_names();
// The preset's rule file, options substituted. Throws Error for an unknown
// name (with the valid ones) or an option the preset does not take.
std::string preset_text(std::string_view name, const PresetOptions& options = {});
// The preset's rules (origin "preset NAME (NAME.toml:LINE)", from_user
// false).
std::vector<Rule> preset_rules(std::string_view name, const PresetOptions& options = {});

}  // namespace initcheck::verify

#endif  // INITCHECK_VERIFY_PRESETS_H_
