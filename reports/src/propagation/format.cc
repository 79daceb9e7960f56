// JSON, text and markdown output of a PropagationReport (see format.h).
#include "initcheck/internal/json.h"
#include "initcheck/propagation/format.h"

#include <fmt/format.h>

#include <cmath>
#include <string>

namespace initcheck::propagation {
namespace {

using nlohmann::ordered_json;
constexpr auto Num = [](double x) { return internal::json_number(x); };

ordered_json Opt(const std::optional<bool>& b) {
  if (!b) return nullptr;
  return *b;
}

ordered_json Opt(const std::optional<int>& v) {
  if (!v) return nullptr;
  return *v;
}

ordered_json BandJson(const Band& b) {
  ordered_json j;
  j["theory"] = Num(b.theory);
  j["empirical"] = Num(b.mean);
  j["low"] = Num(b.low);
  j["high"] = Num(b.high);
  j["stderr"] = Num(b.se);
  j["median"] = Num(b.median);
  j["agree"] = Opt(b.agree);
  j["decisive"] = b.agree ? ordered_json(b.decisive) : ordered_json(nullptr);
  j["verdict"] = std::string(verdict_name(b.verdict));
  j["test"] = b.agree ? (b.log_test ? "log" : "mean") : "none";
  j["networks"] = {{"ok", b.ok}, {"vanished", b.vanished}, {"exploded", b.exploded},
                   {"missing", b.missing}};
  return j;
}

// Scientific notation, "-" for NaN, "inf" for infinities.
std::string Sci(double x, int digits = 3) {
  if (std::isnan(x)) return "-";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return fmt::format("{:.{}e}", x, digits);
}

std::string G(double x) {
  if (std::isnan(x)) return "-";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  return fmt::format("{:.4g}", x);
}

std::string Pct(double x) {
  if (std::isnan(x)) return "-";
  return fmt::format("{:.1f}%", 100.0 * x);
}

// One comparison: yes = agrees, NO = disagrees, ? = not decidable (inside a
// region too wide to resolve a factor 1.5), - = no test possible; ~ marks the
// log-domain test.
std::string Agree(const Band& b) {
  if (!b.agree) return "-";
  std::string s = b.verdict == Verdict::kAgrees      ? "yes"
                  : b.verdict == Verdict::kDisagrees ? "NO"
                                                     : "?";
  return s + (b.log_test ? "~" : "");
}

std::string Layer(const std::optional<int>& l) { return l ? std::to_string(*l) : "never"; }

std::string PhaseLine(const PropagationReport& r) {
  if (!r.theory_available) return "not applicable: " + r.weights.note;
  const FixedPoint& f = r.fixed_point;
  std::string s;
  if (f.phase == Phase::kUnbounded) {
    s = "no fixed point (q grows without bound)";
  } else if (f.marginal) {
    s = "every q is a fixed point (marginal)";
  } else {
    s = "q* = " + G(f.q_star);
  }
  s += ", chi_1 = " + G(f.chi1) + " (" + std::string(phase_name(f.phase)) + ")";
  s += ", xi_q = " + G(f.xi_q) + ", xi_c = " + G(f.xi_c) + ", xi_grad = " + G(f.xi_grad);
  return s;
}

std::string AgreementLine(const PropagationReport& r) {
  const Phenomena& p = r.phenomena;
  std::string s = std::string(verdict_name(p.verdict)) + ": ";
  if (!r.theory_available) return s + "no theory to compare with";
  if (r.config.seeds < 2) return s + "needs --seeds >= 2";
  s += fmt::format(
      "of {} comparisons (layer x direction), {} agree, {} disagree, {} not decidable "
      "(k = {:.3g} standard errors{}; a comparison decides when it can resolve a factor {})",
      p.comparisons, p.comparisons_agreeing, p.comparisons_disagreeing,
      p.comparisons_undecided, r.k,
      r.config.activation.positively_homogeneous() && r.config.bias_std == 0
          ? ""
          : " + finite-width allowance",
      G(kResolveFactor));
  if (p.verdict == Verdict::kNotDecidable && p.comparisons_undecided > 0) {
    s += "; more --seeds would decide more layers";
  }
  return s;
}

std::vector<std::string> PhenomenaLines(const PropagationReport& r) {
  const Phenomena& p = r.phenomena;
  const int L = r.config.depth;
  std::vector<std::string> out;
  out.push_back(fmt::format(
      "forward: q^L/q^1 = {} (theory {}); below 1e-30 of layer 1 at layer {} (theory {}); "
      "above 1e30 at layer {} (theory {})",
      G(p.forward_ratio), G(p.forward_ratio_theory), Layer(p.forward_vanish_layer),
      Layer(p.forward_vanish_layer_theory), Layer(p.forward_explode_layer),
      Layer(p.forward_explode_layer_theory)));
  out.push_back(fmt::format(
      "backward: g^1/g^L = {} (theory {}); below 1e-30 of layer L at layer {} (theory {}); "
      "above 1e30 at layer {} (theory {})",
      G(p.backward_ratio), G(p.backward_ratio_theory), Layer(p.backward_vanish_layer),
      Layer(p.backward_vanish_layer_theory), Layer(p.backward_explode_layer),
      Layer(p.backward_explode_layer_theory)));
  if (p.symmetry_broken) {
    out.push_back(fmt::format("symmetry broken: yes (all {} hidden units of every layer differ)",
                              r.config.width));
  } else {
    out.push_back(fmt::format(
        "symmetry broken: no (some layer has only {} distinct of {} hidden units; identical "
        "units get identical gradients and stay identical){}",
        p.min_distinct_units, r.config.width,
        p.weight_gradients_zero ? "; every weight gradient below the output is exactly 0"
                                : ""));
  }
  if (!std::isnan(p.max_saturated)) {
    out.push_back(fmt::format("saturated units (|phi'| < 1e-3): up to {} of a layer (theory {})",
                              Pct(p.max_saturated), Pct(p.max_saturated_theory)));
  }
  if (!std::isnan(p.max_dead)) {
    out.push_back(fmt::format("dead relu units (0 for every input of the batch): up to {} of a "
                              "layer",
                              Pct(p.max_dead)));
  }
  const LayerReport& last = r.layers.back();
  out.push_back(fmt::format(
      "post-activation at layer {}: mean {} (theory {}), second moment {} (theory {})", L,
      G(last.post_mean), G(last.post_mean_theory), G(last.post_second),
      G(last.post_second_theory)));
  out.push_back(fmt::format(
      "finite width: sd over networks of log q_hat at layer {} (one input) {} (predicted {})", L,
      G(last.log_sd_single), G(last.log_sd_single_predicted)));
  if (p.vanished_networks || p.exploded_networks) {
    out.push_back(fmt::format("{} network(s) vanished below 1e-300 and {} exploded past 1e300 "
                              "somewhere",
                              p.vanished_networks, p.exploded_networks));
  }
  return out;
}

}  // namespace

nlohmann::ordered_json to_json(const PropagationReport& r) {
  const PropagationConfig& c = r.config;
  ordered_json j;
  j["weights"] = c.weights.str();
  j["activation"] = c.activation.name();
  j["depth"] = c.depth;
  j["width"] = c.width;
  j["batch"] = c.batch;
  j["seeds"] = c.seeds;
  ordered_json layers = ordered_json::array();
  for (const LayerReport& L : r.layers) {
    ordered_json e;
    e["layer"] = L.layer;
    e["forward"] = BandJson(L.forward);
    e["backward"] = BandJson(L.backward);
    e["post"] = {{"mean", Num(L.post_mean)},
                 {"mean_theory", Num(L.post_mean_theory)},
                 {"second", Num(L.post_second)},
                 {"second_theory", Num(L.post_second_theory)}};
    e["weight_grad"] = {{"empirical", Num(L.weight_grad)}, {"theory", Num(L.weight_grad_theory)}};
    if (c.activation.saturating()) {
      e["saturated"] = {{"empirical", Num(L.saturated)}, {"theory", Num(L.saturated_theory)}};
    }
    if (c.activation.kind() == ActivationKind::kRelu) e["dead"] = Num(L.dead);
    e["distinct_units"] = L.distinct_units;
    e["distinct_gradients"] = L.distinct_gradients;
    e["log_sd_single"] = {{"empirical", Num(L.log_sd_single)},
                          {"predicted", Num(L.log_sd_single_predicted)}};
    layers.push_back(std::move(e));
  }
  j["layers"] = std::move(layers);
  j["bias_std"] = c.bias_std;
  j["seed"] = c.base_seed;
  j["band"] = {c.band_low, c.band_high};
  j["k"] = Num(r.k);
  ordered_json t;
  t["available"] = r.theory_available;
  t["distribution"] = r.weights.distribution;
  t["sigma_w2"] = Num(r.weights.sigma_w2);
  t["sigma_b2"] = c.bias_std * c.bias_std;
  t["note"] = r.weights.note;
  if (r.theory_available) {
    const FixedPoint& f = r.fixed_point;
    t["q_star"] = Num(f.q_star);
    t["marginal"] = f.marginal;
    t["chi1"] = Num(f.chi1);
    t["slope"] = Num(f.slope);
    t["c_star"] = Num(f.c_star);
    t["xi_q"] = Num(f.xi_q);
    t["xi_c"] = Num(f.xi_c);
    t["xi_grad"] = Num(f.xi_grad);
    t["phase"] = std::string(phase_name(f.phase));
  }
  j["theory"] = std::move(t);
  const Phenomena& p = r.phenomena;
  ordered_json ph;
  ph["min_distinct_units"] = p.min_distinct_units;
  ph["min_distinct_gradients"] = p.min_distinct_gradients;
  ph["symmetry_broken"] = p.symmetry_broken;
  ph["weight_gradients_zero"] = p.weight_gradients_zero;
  ph["forward_ratio"] = {{"empirical", Num(p.forward_ratio)}, {"theory", Num(p.forward_ratio_theory)}};
  ph["backward_ratio"] = {{"empirical", Num(p.backward_ratio)},
                          {"theory", Num(p.backward_ratio_theory)}};
  ph["forward_vanish_layer"] = {{"empirical", Opt(p.forward_vanish_layer)},
                                {"theory", Opt(p.forward_vanish_layer_theory)}};
  ph["backward_vanish_layer"] = {{"empirical", Opt(p.backward_vanish_layer)},
                                 {"theory", Opt(p.backward_vanish_layer_theory)}};
  ph["forward_explode_layer"] = {{"empirical", Opt(p.forward_explode_layer)},
                                 {"theory", Opt(p.forward_explode_layer_theory)}};
  ph["backward_explode_layer"] = {{"empirical", Opt(p.backward_explode_layer)},
                                  {"theory", Opt(p.backward_explode_layer_theory)}};
  if (!std::isnan(p.max_saturated)) {
    ph["max_saturated"] = {{"empirical", Num(p.max_saturated)},
                           {"theory", Num(p.max_saturated_theory)}};
  }
  if (!std::isnan(p.max_dead)) ph["max_dead"] = Num(p.max_dead);
  ph["vanished_networks"] = p.vanished_networks;
  ph["exploded_networks"] = p.exploded_networks;
  ph["layers_checked"] = p.layers_checked;
  ph["layers_disagreeing"] = p.layers_disagreeing;
  ph["layers_inconclusive"] = p.layers_inconclusive;
  j["phenomena"] = std::move(ph);
  j["agree"] = Opt(p.agree);
  j["verdict"] = {{"pair", std::string(verdict_name(p.verdict))},
                  {"comparisons", p.comparisons},
                  {"agree", p.comparisons_agreeing},
                  {"disagree", p.comparisons_disagreeing},
                  {"not_decidable", p.comparisons_undecided},
                  {"resolve_factor", kResolveFactor}};
  return j;
}

std::string format_json(const PropagationReport& r) { return to_json(r).dump(2) + "\n"; }

std::string format_text(const PropagationReport& r) {
  const PropagationConfig& c = r.config;
  std::string s;
  s += fmt::format("initcheck propagate: {} after {}\n", c.activation.name(), c.weights.str());
  s += fmt::format("  weights     {} on [{}, {}]: sigma_w^2 = n E[W^2] = {}\n",
                   r.weights.distribution, c.width, c.width, G(r.weights.sigma_w2));
  if (!r.weights.note.empty()) s += "              (" + r.weights.note + ")\n";
  s += fmt::format("  network     depth {}, width {}, batch {}, {} networks (seeds {}..{}), "
                   "bias std {}\n",
                   c.depth, c.width, c.batch, c.seeds, c.base_seed,
                   c.base_seed + static_cast<uint64_t>(c.seeds) - 1, G(c.bias_std));
  s += "  mean field  " + PhaseLine(r) + "\n";
  s += "  agreement   " + AgreementLine(r) + "\n\n";
  const int bl = static_cast<int>(std::lround(100 * c.band_low));
  const int bh = static_cast<int>(std::lround(100 * c.band_high));
  const std::string band = fmt::format("[{}%, {}%]", bl, bh);
  s += fmt::format("{:>5} | {:^58} | {:^58}\n", "", "forward q = E[z^2]",
                   "backward g = E[(dL/dz)^2]");
  const std::string head =
      fmt::format("{:>10} {:>10} {:>8} {:>21} {:>5}", "theory", "mean", "+- SE", band, "ok");
  s += fmt::format("{:>5} | {} | {}\n", "layer", head, head);
  for (const LayerReport& L : r.layers) {
    auto cols = [&](const Band& b) {
      return fmt::format("{:>10} {:>10} {:>8} {:>21} {:>5}", Sci(b.theory), Sci(b.mean),
                         Sci(b.se, 1), "[" + Sci(b.low, 2) + ", " + Sci(b.high, 2) + "]",
                         Agree(b));
    };
    s += fmt::format("{:>5} | {} | {}\n", L.layer, cols(L.forward), cols(L.backward));
  }
  s += "\n  ok: yes = agrees, NO = disagrees (seed-mean outside k SE of theory), ? = not "
       "decidable (cannot resolve a factor 1.5), - = no test possible, ~ = log-domain "
       "test\n\nphenomena\n";
  for (const std::string& line : PhenomenaLines(r)) s += "  " + line + "\n";
  return s;
}

std::string format_markdown(const PropagationReport& r) {
  const PropagationConfig& c = r.config;
  std::string s;
  s += fmt::format("## `{}` after `{}`\n\n", c.activation.name(), c.weights.str());
  s += fmt::format("- weights: {} on [{}, {}], sigma_w^2 = n E[W^2] = {}{}\n",
                   r.weights.distribution, c.width, c.width, G(r.weights.sigma_w2),
                   r.weights.note.empty() ? "" : " (" + r.weights.note + ")");
  s += fmt::format("- network: depth {}, width {}, batch {}, {} networks (seeds {}..{}), bias "
                   "std {}\n",
                   c.depth, c.width, c.batch, c.seeds, c.base_seed,
                   c.base_seed + static_cast<uint64_t>(c.seeds) - 1, G(c.bias_std));
  s += "- mean field: " + PhaseLine(r) + "\n";
  s += "- agreement: " + AgreementLine(r) + "\n\n";
  const int bl = static_cast<int>(std::lround(100 * c.band_low));
  const int bh = static_cast<int>(std::lround(100 * c.band_high));
  s += fmt::format(
      "| layer | q theory | q mean ± SE | q {}–{}% | q ok | g theory | g mean ± SE | g "
      "{}–{}% | g ok |\n",
      bl, bh, bl, bh);
  s += "|---:|---:|---:|---:|:---:|---:|---:|---:|:---:|\n";
  for (const LayerReport& L : r.layers) {
    auto cols = [&](const Band& b) {
      return fmt::format("{} | {} ± {} | {} – {} | {}", Sci(b.theory), Sci(b.mean), Sci(b.se, 1),
                         Sci(b.low, 2), Sci(b.high, 2), Agree(b));
    };
    s += fmt::format("| {} | {} | {} |\n", L.layer, cols(L.forward), cols(L.backward));
  }
  s += "\nok: yes = agrees, NO = disagrees (seed-mean outside k SE of theory), ? = not "
       "decidable (cannot resolve a factor 1.5), - = no test possible, ~ = log-domain "
       "test.\n\n";
  s += "Phenomena:\n\n";
  for (const std::string& line : PhenomenaLines(r)) s += "- " + line + "\n";
  return s;
}

}  // namespace initcheck::propagation
