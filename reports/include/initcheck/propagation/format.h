// File: initcheck/propagation/format.h
//
// `initcheck propagate` output: JSON, a text table and a markdown table.
// Every output is a pure function of the report's configuration and data (no
// timings, no host names), so the same arguments give byte-identical output
// for any thread count.
//
// JSON contract (keys in this order; numbers that are not finite -- an
// exploded figure, a missing theory -- are null):
//   {"weights": Scheme::str(), "activation": Activation::name(), "depth": L,
//    "width": n, "batch": B, "seeds": K,
//    "layers": [{"layer": l,
//                "forward":  {"theory", "empirical", "low", "high", "stderr",
//                             "median", "agree", "decisive", "verdict", "test",
//                             "networks": {"ok",
//                             "vanished", "exploded", "missing"}},
//                "backward": {... the same ...},
//                "post": {"mean", "mean_theory", "second", "second_theory"},
//                "weight_grad": {"empirical", "theory"},
//                "saturated": {"empirical", "theory"},   (saturating phi only)
//                "dead": fraction,                        (relu only)
//                "distinct_units", "distinct_gradients",
//                "log_sd_single": {"empirical", "predicted"}}, ...],
//    "bias_std", "seed", "band": [low, high], "k",
//    "theory": {"available", "distribution", "sigma_w2", "sigma_b2",
//               "note", "q_star", "chi1", "slope", "c_star", "xi_q", "xi_c",
//               "xi_grad", "phase"},
//    "phenomena": {...}, "agree": true | false | null,
//    "verdict": {"pair": "agrees" | "disagrees" | "not decidable",
//                "comparisons", "agree", "disagree", "not_decidable",
//                "resolve_factor"}}
// (verdicts: propagate.h; "decisive" = the comparison resolves a factor 1.5).
#ifndef INITCHECK_PROPAGATION_FORMAT_H_
#define INITCHECK_PROPAGATION_FORMAT_H_

#include <nlohmann/json.hpp>
#include <string>

#include "initcheck/propagation/propagate.h"

namespace initcheck::propagation {

nlohmann::ordered_json to_json(const PropagationReport& report);
std::string format_json(const PropagationReport& report);      // 2-space indent, trailing \n
std::string format_text(const PropagationReport& report);      // aligned table
std::string format_markdown(const PropagationReport& report);  // GitHub table

}  // namespace initcheck::propagation

#endif  // INITCHECK_PROPAGATION_FORMAT_H_
