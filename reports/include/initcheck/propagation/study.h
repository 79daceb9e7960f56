// File: initcheck/propagation/study.h
//
// The experiments behind reports/variance_propagation.md, as data products.
// Each study is a pure function of its settings (fixed seeds; results stored
// by index and reduced in a fixed order, so no number depends on the thread
// count) and returns one JSON document:
//   {"schema": "initcheck.propagation.<name>/1", "commit": "...",
//    "settings": {...}, "seeds": {...}, ...the numbers...}
// Numbers are rounded to 6 significant digits; values that are not finite
// are null. The report renderer (initcheck/report/propagation_render.h) reads
// only these documents.
//
//   name            what it measures
//   grid            activation x scheme: mean-field theory vs simulation of
//                   q^l and g^l per layer, phases, verdicts
//   symmetry        SGD from zeros / a constant / random init: spread of
//                   the hidden units' weight vectors and the loss per step
//   saturation      sigmoid with N(0, 1) vs Xavier weights: per-layer
//                   histograms of sigma(z) and of log10 sigma'(z), theory and
//                   simulation (Glorot & Bengio 2010)
//   relu_dead_zone  relu: inactive fraction and the per-layer variance gain
//                   under Xavier vs He (He et al. 2015)
//   phases          theory only: chi_1 per activation x sigma_w^2; the tanh
//                   critical line (Poole et al. 2016; Schoenholz et al. 2017)
//   training        a 30- and a 22-layer relu MLP trained with SGD from He
//                   and Xavier init (He et al. 2015, Fig. 3, in miniature)
//   residual        forward / backward variance through residual MLP blocks:
//                   unscaled, GPT-2's 1/sqrt(2L) output projection, and
//                   zero-initialized last layers (Fixup / SkipInit)
//   finite_width    relu + He across widths: the per-network spread of
//                   log q^l (Hanin & Nica 2019)
//   width_checks    the grid's disagreements at other widths: the exact
//                   finite-width scalar chain for GELU + He, and tanh with
//                   sigma_w^2 = 256 at larger widths
//   jacobian        singular values of the input-output Jacobian of deep
//                   tanh networks, orthogonal vs Gaussian weights
//                   (Pennington, Schoenholz & Ganguli 2017)
#ifndef INITCHECK_PROPAGATION_STUDY_H_
#define INITCHECK_PROPAGATION_STUDY_H_

#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace initcheck::propagation {

struct StudyOptions {
  int threads = 0;     // 0: all cores; never changes a number
  bool quick = false;  // reduced sizes (smoke tests); same schemas
  std::string commit;  // recorded in every product ("" = "unknown")
  // Progress: (study, done, total) in the study's own units; serialized.
  std::function<void(std::string_view, int64_t, int64_t)> progress;
};

// The study names, in report order.
const std::vector<std::string>& study_names();

// Runs one study. Throws Error for an unknown name (listing the valid ones).
nlohmann::ordered_json run_study(std::string_view name, const StudyOptions& options);

// The schema string of a study: "initcheck.propagation.<name>/1".
std::string study_schema(std::string_view name);

// The text of a data product: objects indented by one space per level,
// arrays of scalars on one line, a trailing newline (small diffs).
std::string dump_study(const nlohmann::ordered_json& product);

}  // namespace initcheck::propagation

#endif  // INITCHECK_PROPAGATION_STUDY_H_
