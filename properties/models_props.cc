// Whole-model properties (issue 13): random state_dicts of the standard
// torch.nn modules, written here from the PyTorch documentation of each
// module's reset_parameters (not from the preset), and random rule files.
//
//   - The pytorch preset resolves every tensor of every module kind, with
//     any sizes, groups, layers, directions, projections, biases and names,
//     to the module's documented target -- or names it ambiguous, only where
//     the state_dict cannot tell (a rank-2 weight without bias, a rank-3
//     weight whose bias is as long as its first dimension or absent, a
//     rank-1 weight without bias), with the documented target among the
//     candidates. Never unmatched, never uncheckable.
//   - --print-rules round-trips: the resolved rule file, read back, resolves
//     every tensor to the same status and target (with user rules in front
//     of the preset: choices, schemes, skips).
//   - A rule file round-trips through its TOML form.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "generators.h"
#include "initcheck/checkpoint.h"
#include "initcheck/error.h"
#include "initcheck/verify/check.h"
#include "initcheck/verify/format.h"
#include "initcheck/verify/oracle.h"
#include "initcheck/verify/presets.h"
#include "initcheck/verify/rules.h"
#include "prop_util.h"

namespace initcheck::props {
namespace {

using verify::Target;

// What torch's reset_parameters gives a tensor, written from the module
// documentation: U(+-bound), N(0, std^2) or a constant.
struct Expected {
  enum Kind { kUniform, kNormal, kConstant } kind = kConstant;
  double a = 0;  // bound, std or value
  bool may_be_ambiguous = false;
};

struct Param {
  std::string name;
  Shape shape;
  std::string dtype = "F32";
  Expected want;
};

struct StateDict {
  std::vector<Param> params;
  std::vector<std::string> modules;  // "Linear(in=3, out=5, bias=1)" for messages
};

void showValue(const StateDict& s, std::ostream& os) {
  for (const std::string& m : s.modules) os << m << "\n";
  for (const Param& p : s.params) os << "  " << p.name << " " << shape_string(p.shape) << "\n";
}

Expected U(double bound, bool amb = false) { return {Expected::kUniform, bound, amb}; }
Expected N(double std, bool amb = false) { return {Expected::kNormal, std, amb}; }
Expected C(double v, bool amb = false) { return {Expected::kConstant, v, amb}; }

int64_t Prod(const Shape& s) {
  int64_t p = 1;
  for (int64_t d : s) p *= d;
  return p;
}

// One module's parameters under `prefix` ("" = top level).
void AddModule(StateDict& sd, const std::string& prefix) {
  const auto name = [&](const std::string& leaf) { return prefix.empty() ? leaf : prefix + "." + leaf; };
  const auto dim = [] { return *GenInt(1, 24); };
  const auto add = [&](const std::string& leaf, Shape shape, Expected e,
                       std::string dtype = "F32") {
    sd.params.push_back({name(leaf), std::move(shape), std::move(dtype), e});
  };
  const int kind = static_cast<int>(*GenInt(0, 13));
  std::ostringstream m;
  m << (prefix.empty() ? "<top>" : prefix) << ": ";
  switch (kind) {
    case 0: {  // Linear
      const int64_t in = dim(), out = dim();
      const bool bias = *GenInt(0, 3) != 0;
      m << "Linear(" << in << ", " << out << ", bias=" << bias << ")";
      const double b = 1 / std::sqrt(double(in));
      add("weight", {out, in}, U(b, !bias));
      if (bias) add("bias", {out}, U(b));
      break;
    }
    case 1:
    case 2: {  // ConvNd / ConvTransposeNd, any groups
      const bool transposed = kind == 2;
      const int nd = static_cast<int>(*GenInt(1, 3));
      const int64_t g = *GenInt(1, 3);
      const int64_t in = g * *GenInt(1, 4), out = g * *GenInt(1, 4);
      Shape k;
      for (int i = 0; i < nd; ++i) k.push_back(*GenInt(1, 3));
      const bool bias = *GenInt(0, 3) != 0;
      m << (transposed ? "ConvTranspose" : "Conv") << nd << "d(" << in << ", " << out
        << ", k=" << shape_string(k) << ", groups=" << g << ", bias=" << bias << ")";
      Shape w = transposed ? Shape{in, out / g} : Shape{out, in / g};
      w.insert(w.end(), k.begin(), k.end());
      // torch's fan_in of the weight: size(1) * receptive field.
      const double b = 1 / std::sqrt(double(w[1] * Prod(k)));
      // Rank 3 may be a Bilinear, unless the bias length tells it apart.
      const bool amb = nd == 1 && (!bias || out == w[0]);
      add("weight", w, U(b, amb));
      if (bias) add("bias", {out}, U(b, amb));
      break;
    }
    case 3: {  // Bilinear
      const int64_t in1 = dim(), in2 = dim(), out = dim();
      const bool bias = *GenInt(0, 3) != 0;
      m << "Bilinear(" << in1 << ", " << in2 << ", " << out << ", bias=" << bias << ")";
      const double b = 1 / std::sqrt(double(in1));
      // Told apart from a ConvTranspose1d when... never: a Bilinear's bias
      // is [out] = dim 0.
      add("weight", {out, in1, in2}, U(b, true));
      if (bias) add("bias", {out}, U(b, true));
      break;
    }
    case 4: {  // Embedding / EmbeddingBag
      const int64_t n = *GenInt(2, 40), d = dim();
      m << "Embedding(" << n << ", " << d << ")";
      add("weight", {n, d}, N(1, true));
      break;
    }
    case 5:
    case 6: {  // RNN / LSTM / GRU
      const int gates = kind == 5 ? 1 : static_cast<int>(*GenInt(0, 1)) ? 4 : 3;
      const int64_t in = dim(), h = *GenInt(2, 12);
      const int layers = static_cast<int>(*GenInt(1, 2));
      const bool bidir = *GenInt(0, 1) != 0;
      const bool bias = *GenInt(0, 3) != 0;
      const int64_t proj = gates == 4 && *GenInt(0, 2) == 0 ? *GenInt(1, h - 1) : 0;
      m << (gates == 1 ? "RNN" : gates == 4 ? "LSTM" : "GRU") << "(" << in << ", " << h
        << ", layers=" << layers << ", bidirectional=" << bidir << ", bias=" << bias
        << ", proj=" << proj << ")";
      const double b = 1 / std::sqrt(double(h));
      const int64_t hout = proj ? proj : h;
      for (int l = 0; l < layers; ++l) {
        for (int dir = 0; dir < (bidir ? 2 : 1); ++dir) {
          const std::string s = "_l" + std::to_string(l) + (dir ? "_reverse" : "");
          const int64_t in_l = l == 0 ? in : hout * (bidir ? 2 : 1);
          add("weight_ih" + s, {gates * h, in_l}, U(b));
          add("weight_hh" + s, {gates * h, hout}, U(b));
          if (bias) {
            add("bias_ih" + s, {gates * h}, U(b));
            add("bias_hh" + s, {gates * h}, U(b));
          }
          if (proj) add("weight_hr" + s, {proj, h}, U(b));
        }
      }
      break;
    }
    case 7: {  // RNNCell / LSTMCell / GRUCell
      const int gates = std::vector<int>{1, 4, 3}[static_cast<std::size_t>(*GenInt(0, 2))];
      const int64_t in = dim(), h = *GenInt(2, 12);
      const bool bias = *GenInt(0, 3) != 0;
      m << "Cell(gates=" << gates << ", " << in << ", " << h << ", bias=" << bias << ")";
      const double b = 1 / std::sqrt(double(h));
      add("weight_ih", {gates * h, in}, U(b));
      add("weight_hh", {gates * h, h}, U(b));
      if (bias) {
        add("bias_ih", {gates * h}, U(b));
        add("bias_hh", {gates * h}, U(b));
      }
      break;
    }
    case 8: {  // MultiheadAttention
      const int64_t e = *GenInt(2, 16);
      const bool bias = *GenInt(0, 3) != 0, kv = *GenInt(0, 2) == 0;
      const bool separate = *GenInt(0, 2) == 0;
      const int64_t kdim = separate ? dim() : e, vdim = separate ? dim() : e;
      m << "MultiheadAttention(" << e << ", bias=" << bias << ", add_bias_kv=" << kv
        << ", kdim=" << kdim << ", vdim=" << vdim << ")";
      const auto xavier = [](double fi, double fo) { return std::sqrt(6 / (fi + fo)); };
      if (kdim == e && vdim == e) {
        add("in_proj_weight", {3 * e, e}, U(xavier(e, 3 * e)));
      } else {
        add("q_proj_weight", {e, e}, U(xavier(e, e)));
        add("k_proj_weight", {e, kdim}, U(xavier(kdim, e)));
        add("v_proj_weight", {e, vdim}, U(xavier(vdim, e)));
      }
      if (bias) add("in_proj_bias", {3 * e}, C(0));
      if (kv) {
        // xavier_normal on [1, 1, E]: torch's fans E and E, std 1/sqrt(E).
        add("bias_k", {1, 1, e}, N(1 / std::sqrt(double(e))));
        add("bias_v", {1, 1, e}, N(1 / std::sqrt(double(e))));
      }
      add("out_proj.weight", {e, e}, U(1 / std::sqrt(double(e))));
      if (bias) add("out_proj.bias", {e}, C(0));
      break;
    }
    case 9: {  // LayerNorm over 1 or 2 dims
      const Shape s = *GenInt(0, 2) ? Shape{dim()} : Shape{dim(), dim()};
      m << "LayerNorm(" << shape_string(s) << ")";
      add("weight", s, C(1));
      add("bias", s, C(0));
      break;
    }
    case 10: {  // GroupNorm
      const int64_t c = dim();
      m << "GroupNorm(" << c << ")";
      add("weight", {c}, C(1));
      add("bias", {c}, C(0));
      break;
    }
    case 11:
    case 12: {  // BatchNormNd / InstanceNormNd
      const int64_t c = dim();
      const bool affine = *GenInt(0, 2) != 0, track = kind == 11 || *GenInt(0, 1);
      m << (kind == 11 ? "BatchNorm" : "InstanceNorm") << "(" << c << ", affine=" << affine
        << ", track_running_stats=" << track << ")";
      if (affine) {
        add("weight", {c}, C(1));
        add("bias", {c}, C(0));
      }
      if (track) {
        add("running_mean", {c}, C(0));
        add("running_var", {c}, C(1));
        add("num_batches_tracked", {}, C(0), "I64");
      }
      break;
    }
    default: {  // PReLU
      const int64_t n = *GenInt(0, 1) ? 1 : dim();
      m << "PReLU(" << n << ")";
      add("weight", {n}, C(0.25, true));
      break;
    }
  }
  sd.modules.push_back(m.str());
}

rc::Gen<StateDict> GenStateDict() {
  return rc::gen::exec([] {
    StateDict sd;
    const int n = static_cast<int>(*GenInt(1, 6));
    if (n == 1 && *GenInt(0, 3) == 0) {
      AddModule(sd, "");  // a bare module's state_dict: "weight", "bias"
      return sd;
    }
    for (int i = 0; i < n; ++i) {
      const std::string nest = *GenInt(0, 2) == 0 ? "blocks." + std::to_string(*GenInt(0, 9)) + "." : "";
      AddModule(sd, nest + "m" + std::to_string(i));
    }
    return sd;
  });
}

class DictCheckpoint final : public Checkpoint {
 public:
  explicit DictCheckpoint(const StateDict& sd) : Checkpoint("state_dict.safetensors") {
    for (const Param& p : sd.params) {
      CheckpointEntry e;
      e.name = p.name;
      e.dtype_name = p.dtype;
      if (p.dtype == "F32") {
        e.dtype = DType::kF32;
        e.kind = ElementKind::kFloat;
        e.element_bytes = 4;
      } else {
        e.kind = ElementKind::kSignedInt;
        e.element_bytes = 8;
      }
      e.shape = p.shape;
      e.file = path();
      entries_.push_back(std::move(e));
    }
    index_entries();
  }
  std::string_view kind() const override { return "state_dict"; }
  TensorData read(std::size_t) const override { throw Error("headers only"); }
};

Target ResolvedTarget(const verify::ResolvedRule& r) {
  Geometry g = r.geometry;
  if (g.shape.empty()) g.shape = {1};
  if (r.padding) g.shape[0] -= 1;
  return verify::derive_target(*r.scheme, g);
}

bool Matches(const Target& t, const Expected& e) {
  switch (e.kind) {
    case Expected::kUniform:
      return t.family == Target::Family::kUniform && RelClose(t.high, e.a, 1e-12) &&
             RelClose(t.low, -e.a, 1e-12);
    case Expected::kNormal:
      return t.family == Target::Family::kNormal && RelClose(t.parent_std, e.a, 1e-12) &&
             t.parent_mean == 0;
    case Expected::kConstant:
      return t.family == Target::Family::kConstant && t.value == e.a;
  }
  return false;
}

bool Matches(const verify::ResolvedRule& r, const Expected& e) {
  return r.problem.empty() && r.scheme && Matches(ResolvedTarget(r), e);
}

TEST(ModelProperties, PytorchPresetResolvesEveryModuleOrNamesItAmbiguous) {
  const std::vector<verify::Rule> preset = verify::preset_rules("pytorch");
  rc::detail::checkGTest([&] {
    const StateDict sd = *GenStateDict();
    const DictCheckpoint ck(sd);
    const verify::CheckPlan plan = verify::plan_checks(ck, preset, {});
    RC_ASSERT(plan.tensors.size() == sd.params.size());
    for (std::size_t i = 0; i < sd.params.size(); ++i) {
      const Param& p = sd.params[i];
      const verify::TensorAssignment& a = plan.tensors[i];
      RC_LOG() << p.name << " " << shape_string(p.shape) << ": "
               << verify::status_name(a.status) << " " << a.reason << " " << a.resolution.origin
               << " " << a.resolution.target << "\n";
      if (a.status == verify::TensorStatus::kAmbiguous) {
        RC_ASSERT(p.want.may_be_ambiguous);
        bool found = false;
        for (const verify::ResolvedRule& c : a.candidates) found = found || Matches(c, p.want);
        RC_ASSERT(found);
      } else {
        RC_ASSERT(a.status == verify::TensorStatus::kChecked);
        RC_ASSERT(Matches(a.resolution, p.want));
      }
    }
  });
}

// User rules in front of the preset: choices (@Module) for some tensors,
// explicit schemes and skips for others; the resolved rule file reads back to
// the same statuses and targets.
TEST(ModelProperties, PrintRulesRoundTrips) {
  const std::vector<verify::Rule> preset = verify::preset_rules("pytorch");
  rc::detail::checkGTest([&] {
    const StateDict sd = *GenStateDict();
    const DictCheckpoint ck(sd);
    std::vector<verify::Rule> rules;
    for (const Param& p : sd.params) {
      const int what = static_cast<int>(*GenInt(0, 9));
      const std::string g = verify::literal_glob(p.name);
      std::string text;
      if (what == 0) text = g + "=@" + *rc::gen::element<std::string>("Linear", "Embedding",
                                                                       "Conv1d", "Bilinear",
                                                                       "PReLU", "Norm", "Nope");
      if (what == 1) text = g + "=skip";
      if (what == 2) text = g + "=" + (*GenScheme(Range::kModerate)).str();
      if (!text.empty()) rules.push_back(verify::parse_rule_arg(text, "--rule"));
    }
    rules.insert(rules.end(), preset.begin(), preset.end());
    const verify::CheckPlan plan = verify::plan_checks(ck, rules, {});
    const std::string printed = verify::format_rules(plan);
    RC_LOG() << printed;
    const verify::CheckPlan again =
        verify::plan_checks(ck, verify::parse_rules_toml(printed, "printed.toml"), {});
    for (std::size_t i = 0; i < plan.tensors.size(); ++i) {
      RC_ASSERT(plan.tensors[i].status == again.tensors[i].status);
      RC_ASSERT(plan.tensors[i].resolution.target == again.tensors[i].resolution.target);
      RC_ASSERT(plan.tensors[i].candidates.size() == again.tensors[i].candidates.size());
    }
  });
}

// A rule of every kind, with random globs, conditions, schemes, fans,
// padding and segments.
rc::Gen<verify::Rule> GenRule(bool candidate) {
  return rc::gen::exec([candidate] {
    verify::Rule r;
    if (!candidate) {
      const int n = static_cast<int>(*GenInt(1, 3));
      for (int i = 0; i < n; ++i) {
        r.globs.push_back(*rc::gen::element<std::string>("*", "*.weight", "m?.bias", "[a-c]*",
                                                         "x\\*y", "blocks.*.m0.*", "dense/kernel"));
      }
      if (*GenInt(0, 2) == 0) {
        r.when = verify::Expr::parse(
            *rc::gen::element<std::string>("rank == 2", "exists(\"{prefix}.bias\")",
                                           "shape[0] % 4 == 0 && numel > 3",
                                           "shape(\"{parent}.w\") == shape || !true"),
            verify::Expr::Type::kBool);
      }
    }
    r.module = *rc::gen::element<std::string>("", "Linear", "Conv1d/ConvTranspose1d", "a \"q\"");
    if (candidate && r.module.empty()) r.module = "M";
    r.note = *rc::gen::element<std::string>("", "a note", "tab\there\nnewline \\ back");
    const int what = static_cast<int>(*GenInt(0, candidate ? 1 : 4));
    if (what == 0) {
      r.scheme = *GenScheme(Range::kModerate);
      if (*GenInt(0, 1)) r.layout = *rc::gen::element(Layout::kTorch, Layout::kKeras, Layout::kJax);
      if (*GenInt(0, 2) == 0) r.fans_from = "{prefix}.weight";
      if (*GenInt(0, 1)) {
        r.fan_in = *GenInt(0, 1) ? verify::Expr::number(*GenInt(1, 999))
                                 : verify::Expr::parse("shape[0] / 2", verify::Expr::Type::kInt);
        if (*GenInt(0, 1)) r.fan_out = verify::Expr::number(*GenInt(1, 999));
      }
      if (*GenInt(0, 3) == 0) {
        r.padding = true;
        if (*GenInt(0, 1)) r.padding_index = *GenInt(0, 9);
      }
    } else if (what == 1) {
      const int n = static_cast<int>(*GenInt(1, 3));
      for (int i = 0; i < n; ++i) {
        r.segments.push_back(
            {verify::Expr::parse(*rc::gen::element<std::string>("shape[0] / 4", "3", "numel - 1"),
                                 verify::Expr::Type::kInt),
             Scheme::parse(*rc::gen::element<std::string>("zeros", "ones", "constant(-2.5)"))});
      }
    } else if (what == 2) {
      r.skip = true;
      if (*GenInt(0, 1)) r.reason = "why \"not\"";
    } else if (what == 3) {
      r.choose = *rc::gen::element<std::string>("Embedding", "Linear");
    } else {
      const int n = static_cast<int>(*GenInt(1, 3));
      for (int i = 0; i < n; ++i) r.candidates.push_back(*GenRule(true));
    }
    return r;
  });
}

TEST(ModelProperties, RuleFileRoundTrips) {
  rc::detail::checkGTest([] {
    const auto rules = *rc::gen::container<std::vector<verify::Rule>>(GenRule(false));
    for (const verify::Rule& r : rules) verify::validate_rule(r);
    const std::string text = verify::rules_to_toml(rules);
    RC_LOG() << text;
    const std::vector<verify::Rule> back = verify::parse_rules_toml(text, "r.toml");
    RC_ASSERT(back.size() == rules.size());
    for (std::size_t i = 0; i < rules.size(); ++i) {
      RC_ASSERT(verify::rule_to_toml(back[i]) == verify::rule_to_toml(rules[i]));
    }
  });
}

}  // namespace
}  // namespace initcheck::props
