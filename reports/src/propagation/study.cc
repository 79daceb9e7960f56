// Registry, JSON text and the activation x scheme grid (see study.h).
#include "initcheck/propagation/study.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <mutex>

#include "initcheck/error.h"
#include "initcheck/propagation/mean_field.h"
#include "initcheck/propagation/propagate.h"
#include "study_internal.h"

namespace initcheck::propagation {
namespace study {

Json Num(double x) {
  if (!std::isfinite(x)) return nullptr;
  if (x == 0) return 0.0;
  // Round through text: the shortest repr of the rounded double is what
  // nlohmann prints.
  // strtod, not stod: stod throws on the ERANGE that glibc sets for
  // subnormal results.
  const std::string text = fmt::format("{:.5g}", x);
  return std::strtod(text.c_str(), nullptr);
}

Json Nums(const std::vector<double>& v) {
  Json a = Json::array();
  for (double x : v) a.push_back(Num(x));
  return a;
}

Json Header(std::string_view name, const StudyOptions& o) {
  Json j;
  j["schema"] = study_schema(name);
  j["commit"] = o.commit.empty() ? "unknown" : o.commit;
  return j;
}

void Progress(const StudyOptions& o, std::string_view name, int64_t done, int64_t total) {
  if (!o.progress) return;
  static std::mutex mu;
  std::lock_guard<std::mutex> lock(mu);
  o.progress(name, done, total);
}

namespace {

int VerdictCode(const Band& b) {
  switch (b.verdict) {
    case Verdict::kAgrees:
      return 1;
    case Verdict::kDisagrees:
      return -1;
    case Verdict::kNotDecidable:
      break;
  }
  return 0;
}

Json BandArrays(const PropagationReport& r, Band LayerReport::*dir) {
  std::vector<double> theory, mean, se, low, high;
  Json verdict = Json::array(), log_test = Json::array();
  for (const LayerReport& L : r.layers) {
    const Band& b = L.*dir;
    theory.push_back(b.theory);
    mean.push_back(b.mean);
    se.push_back(b.se);
    low.push_back(b.low);
    high.push_back(b.high);
    verdict.push_back(b.agree ? Json(VerdictCode(b)) : Json(nullptr));
    log_test.push_back(b.log_test ? 1 : 0);
  }
  Json j;
  j["theory"] = Nums(theory);
  j["mean"] = Nums(mean);
  j["se"] = Nums(se);
  j["low"] = Nums(low);
  j["high"] = Nums(high);
  j["verdict"] = std::move(verdict);
  j["log_test"] = std::move(log_test);
  return j;
}

Json OptLayer(const std::optional<int>& v) { return v ? Json(*v) : Json(nullptr); }

// Seeds for a pair: enough for the deepest comparison to resolve a factor 1.5
// when the delta-method spread (mean_field.h) allows it within the cap:
// K >= (k CV / (1 - 1/1.5))^2 with k for K = 64 (4.15) and CV the predicted
// per-network coefficient of variation at the worst layer, rounded up to a
// multiple of 8 in [k_min, k_max]. Orthogonal weights use k_min: their spread
// is below the (i.i.d.) prediction and lib's QR makes each network cost ~4x.
int ChooseSeeds(const Scheme& scheme, const Activation& phi, int depth, int64_t width, int k_min,
                int k_max) {
  const WeightStats w = weight_stats(scheme, width);
  if (!w.supported || !w.random || w.sigma_w2 == 0 || scheme.str().rfind("orthogonal", 0) == 0) {
    return k_min;
  }
  MeanFieldConfig mf;
  mf.activation = phi;
  mf.sigma_w2 = w.sigma_w2;
  mf.depth = depth;
  const std::vector<MeanFieldLayer> theory = mean_field(mf);
  const SpreadPrediction sp = predict_log_spread(mf, theory, width);
  const double last = sp.log_var.back();
  double worst = 0;
  for (double v : sp.log_var) worst = std::max({worst, v, 2 * last - v});
  const double cv = std::sqrt(std::expm1(std::min(worst, 50.0)));
  const double k = agreement_multiplier(64, 1e-4);
  const double need = std::pow(k * cv / (1.0 - 1.0 / kResolveFactor), 2);
  int K = static_cast<int>(std::ceil(std::min(need, double(k_max)) / 8.0)) * 8;
  return std::clamp(K, k_min, k_max);
}

}  // namespace

Json Grid(const StudyOptions& o) {
  std::vector<std::string> activations = {
      "linear", "relu", "leaky_relu(0.01)", "leaky_relu(0.2)", "tanh", "sigmoid", "selu", "gelu",
      "silu",   "elu"};
  std::vector<std::string> schemes = {"zeros",
                                      "normal(std=0.001)",
                                      "normal(std=1)",
                                      "kaiming_uniform(a=sqrt(5))",
                                      "lecun_normal",
                                      "xavier_uniform",
                                      "kaiming_normal(nonlinearity=relu)"};
  // One orthogonal scheme per activation, with the gain of its matched init:
  // lib's QR makes an orthogonal network ~6x as costly as a Gaussian one.
  auto orthogonal_for = [](const std::string& act) {
    const ActivationKind k = Activation::parse(act).kind();
    const bool rectifier = k == ActivationKind::kRelu || k == ActivationKind::kLeakyRelu ||
                           k == ActivationKind::kGelu || k == ActivationKind::kSilu ||
                           k == ActivationKind::kElu;
    return std::string(rectifier ? "orthogonal(gain=sqrt(2))" : "orthogonal(gain=1)");
  };
  int depth = 50, k_min = 16, k_max = 64;
  // Batch 16: the spread that decides the verdicts is between networks (the
  // weights), which a larger batch does not reduce; it would only cost time.
  int64_t width = 256, batch = 16;
  const uint64_t base_seed = 7000;
  if (o.quick) {
    activations = {"relu", "tanh", "sigmoid", "gelu"};
    schemes = {"zeros", "normal(std=0.001)", "normal(std=1)", "xavier_uniform",
               "kaiming_normal(nonlinearity=relu)"};
    depth = 8;
    width = 48;
    batch = 8;
    k_min = 4;
    k_max = 8;
  }
  const double false_alarm = 1e-4;
  Json j = Header("grid", o);
  Json s;
  s["depth"] = depth;
  s["width"] = width;
  s["batch"] = batch;
  s["bias_std"] = 0;
  s["input"] = "x ~ N(0, I), output gradient dL/dh^L ~ N(0, I) (independent read-out)";
  s["activations"] = activations;
  s["schemes"] = schemes;
  s["orthogonal"] = o.quick ? "none"
                            : "orthogonal(gain=sqrt(2)) after relu, leaky_relu, gelu, silu, elu; "
                              "orthogonal(gain=1) after the others";
  s["false_alarm_per_comparison"] = false_alarm;
  s["band"] = {0.05, 0.95};
  s["resolve_factor"] = kResolveFactor;
  s["critical_tolerance"] = kCriticalTolerance;
  s["seeds_min"] = k_min;
  s["seeds_max"] = k_max;
  s["seed_policy"] =
      "K = (k CV / (1 - 1/1.5))^2 rounded up to a multiple of 8 in [seeds_min, seeds_max], "
      "CV from the delta-method spread at the worst layer, k for K = 64; orthogonal and "
      "non-random schemes use seeds_min";
  j["settings"] = std::move(s);
  j["seeds"] = {{"first", base_seed},
                {"rule",
                 "pair (a, s) uses networks base + 0 .. base + K - 1; network k: "
                 "weights of layer l stream l, inputs stream 2^33, output gradient "
                 "stream 2^33 + 1 (simulate.h)"}};
  j["verdict_codes"] = {
      {"1", "agrees"}, {"-1", "disagrees"}, {"0", "not decidable"}, {"null", "no test possible"}};
  Json pairs = Json::array();
  const auto total =
      static_cast<int64_t>(activations.size() * (schemes.size() + (o.quick ? 0 : 1)));
  int64_t done = 0;
  for (const std::string& act : activations) {
    std::vector<std::string> these = schemes;
    if (!o.quick) these.push_back(orthogonal_for(act));
    for (const std::string& sch : these) {
      PropagationConfig c;
      c.weights = Scheme::parse(sch);
      c.activation = Activation::parse(act);
      c.depth = depth;
      c.width = width;
      c.batch = batch;
      c.seeds = ChooseSeeds(c.weights, c.activation, depth, width, k_min, k_max);
      c.base_seed = base_seed;
      c.threads = o.threads;
      c.false_alarm = false_alarm;
      const PropagationReport r = propagate(c);
      Json p;
      p["activation"] = act;
      p["scheme"] = sch;
      p["scheme_canonical"] = c.weights.str();
      p["distribution"] = r.weights.distribution;
      p["sigma_w2"] = Num(r.weights.sigma_w2);
      p["theory_available"] = r.theory_available;
      p["note"] = r.weights.note;
      p["seeds"] = c.seeds;
      p["k"] = Num(r.k);
      if (r.theory_available) {
        const FixedPoint& f = r.fixed_point;
        p["phase"] = {{"label", std::string(phase_name(f.phase))},
                      {"chi1", Num(f.chi1)},
                      {"q_star", Num(f.q_star)},
                      {"marginal", f.marginal},
                      {"xi_grad", Num(f.xi_grad)}};
      } else {
        p["phase"] = nullptr;
      }
      const Phenomena& ph = r.phenomena;
      p["verdict"] = {{"pair", std::string(verdict_name(ph.verdict))},
                      {"comparisons", ph.comparisons},
                      {"agree", ph.comparisons_agreeing},
                      {"disagree", ph.comparisons_disagreeing},
                      {"not_decidable", ph.comparisons_undecided}};
      Json first = nullptr;
      for (const LayerReport& L : r.layers) {
        for (int dir = 0; dir < 2 && first.is_null(); ++dir) {
          const Band& b = dir == 0 ? L.forward : L.backward;
          if (b.verdict == Verdict::kDisagrees) {
            first = {{"layer", L.layer},    {"direction", dir == 0 ? "forward" : "backward"},
                     {"mean", Num(b.mean)}, {"theory", Num(b.theory)},
                     {"z", Num(b.z)},       {"log_test", b.log_test}};
          }
        }
      }
      p["first_disagreement"] = std::move(first);
      p["forward"] = BandArrays(r, &LayerReport::forward);
      p["backward"] = BandArrays(r, &LayerReport::backward);
      const LayerReport& last = r.layers.back();
      p["post_last"] = {{"mean", Num(last.post_mean)},
                        {"mean_theory", Num(last.post_mean_theory)},
                        {"second", Num(last.post_second)},
                        {"second_theory", Num(last.post_second_theory)}};
      if (c.activation.saturating()) {
        std::vector<double> sim, th;
        for (const LayerReport& L : r.layers) {
          sim.push_back(L.saturated);
          th.push_back(L.saturated_theory);
        }
        p["saturated"] = {{"simulated", Nums(sim)}, {"theory", Nums(th)}};
      }
      if (c.activation.kind() == ActivationKind::kRelu ||
          c.activation.kind() == ActivationKind::kLeakyRelu) {
        std::vector<double> inactive, dead;
        for (const LayerReport& L : r.layers) {
          inactive.push_back(L.inactive);
          dead.push_back(L.dead);
        }
        p["inactive"] = Nums(inactive);
        if (c.activation.kind() == ActivationKind::kRelu) p["dead"] = Nums(dead);
      }
      p["phenomena"] = {
          {"symmetry_broken", ph.symmetry_broken},
          {"min_distinct_units", ph.min_distinct_units},
          {"weight_gradients_zero", ph.weight_gradients_zero},
          {"forward_ratio",
           {{"simulated", Num(ph.forward_ratio)}, {"theory", Num(ph.forward_ratio_theory)}}},
          {"backward_ratio",
           {{"simulated", Num(ph.backward_ratio)}, {"theory", Num(ph.backward_ratio_theory)}}},
          {"forward_vanish_layer",
           {{"simulated", OptLayer(ph.forward_vanish_layer)},
            {"theory", OptLayer(ph.forward_vanish_layer_theory)}}},
          {"backward_vanish_layer",
           {{"simulated", OptLayer(ph.backward_vanish_layer)},
            {"theory", OptLayer(ph.backward_vanish_layer_theory)}}},
          {"forward_explode_layer",
           {{"simulated", OptLayer(ph.forward_explode_layer)},
            {"theory", OptLayer(ph.forward_explode_layer_theory)}}},
          {"backward_explode_layer",
           {{"simulated", OptLayer(ph.backward_explode_layer)},
            {"theory", OptLayer(ph.backward_explode_layer_theory)}}},
          {"max_saturated", Num(ph.max_saturated)},
          {"max_dead", Num(ph.max_dead)},
          {"vanished_networks", ph.vanished_networks},
          {"exploded_networks", ph.exploded_networks}};
      pairs.push_back(std::move(p));
      Progress(o, "grid", ++done, total);
    }
  }
  j["pairs"] = std::move(pairs);
  return j;
}

}  // namespace study

const std::vector<std::string>& study_names() {
  static const std::vector<std::string> names = {
      "grid",     "symmetry", "saturation",   "relu_dead_zone", "phases",
      "training", "residual", "finite_width", "width_checks",   "jacobian"};
  return names;
}

std::string study_schema(std::string_view name) {
  return "initcheck.propagation." + std::string(name) + "/1";
}

nlohmann::ordered_json run_study(std::string_view name, const StudyOptions& o) {
  using namespace study;
  if (name == "grid") return Grid(o);
  if (name == "symmetry") return Symmetry(o);
  if (name == "saturation") return Saturation(o);
  if (name == "relu_dead_zone") return ReluDeadZone(o);
  if (name == "phases") return Phases(o);
  if (name == "training") return Training(o);
  if (name == "residual") return Residual(o);
  if (name == "finite_width") return FiniteWidth(o);
  if (name == "width_checks") return WidthChecks(o);
  if (name == "jacobian") return Jacobian(o);
  std::string valid;
  for (const std::string& n : study_names()) valid += (valid.empty() ? "" : ", ") + n;
  throw Error("unknown study '" + std::string(name) + "'; valid: " + valid);
}

namespace {

bool Scalar(const nlohmann::ordered_json& v) { return !v.is_object() && !v.is_array(); }

void Dump(const nlohmann::ordered_json& v, int indent, std::string& out) {
  if (v.is_object()) {
    if (v.empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (!first) out += ",\n";
      first = false;
      out += std::string(static_cast<size_t>(indent + 1), ' ');
      out += nlohmann::ordered_json(it.key()).dump();
      out += ": ";
      Dump(it.value(), indent + 1, out);
    }
    out += "\n" + std::string(static_cast<size_t>(indent), ' ') + "}";
  } else if (v.is_array()) {
    if (std::all_of(v.begin(), v.end(), Scalar)) {
      out += "[";
      bool first = true;
      for (const auto& e : v) {
        if (!first) out += ", ";
        first = false;
        out += e.dump();
      }
      out += "]";
      return;
    }
    out += "[\n";
    bool first = true;
    for (const auto& e : v) {
      if (!first) out += ",\n";
      first = false;
      out += std::string(static_cast<size_t>(indent + 1), ' ');
      Dump(e, indent + 1, out);
    }
    out += "\n" + std::string(static_cast<size_t>(indent), ' ') + "]";
  } else {
    out += v.dump();
  }
}

}  // namespace

std::string dump_study(const nlohmann::ordered_json& product) {
  std::string out;
  Dump(product, 0, out);
  out += "\n";
  return out;
}

}  // namespace initcheck::propagation
