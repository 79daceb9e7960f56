// Producers of conformance.json and frameworks.json (see report_data.h).
#include "report_data.h"

#include <fmt/format.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "initcheck/error.h"
#include "initcheck/fill.h"
#include "initcheck/verify/battery.h"
#include "initcheck/verify/check.h"

namespace initcheck::verify::tools {
namespace {

using Json = nlohmann::ordered_json;

// NaN / inf -> null (JSON has no such numbers).
Json Num(double x) { return std::isfinite(x) ? Json(x) : Json(nullptr); }

// Runs f(i) for i in [0, n) on `threads` threads (0: all); results are stored
// by index by the caller, so nothing depends on the thread count.
template <class F>
void ForEach(size_t n, int threads, F&& f) {
  const int t = threads > 0 ? threads : static_cast<int>(tbb::info::default_concurrency());
  tbb::global_control limit(tbb::global_control::max_allowed_parallelism, std::max(1, t));
  tbb::parallel_for(size_t{0}, n, [&](size_t i) { f(i); });
}

Json TargetJson(const Target& t) {
  const bool moments = t.elementwise() || t.family == Target::Family::kSparse;
  Json j;
  j["family"] = t.family_name();
  j["mean"] = moments ? Num(t.mean) : Json(nullptr);
  j["variance"] = moments ? Num(t.variance) : Json(nullptr);
  if (t.family == Target::Family::kUniform || t.family == Target::Family::kTruncatedNormal) {
    j["low"] = Num(t.low);
    j["high"] = Num(t.high);
  }
  j["derivation"] = t.derivation;
  return j;
}

Json CheckJson(const TensorCheck& k) {
  Json j;
  j["n"] = k.sample.n;
  j["target"] = TargetJson(k.target);
  j["sample"] = {{"mean", Num(k.sample.mean)},
                 {"variance", Num(k.sample.variance)},
                 {"min", Num(k.sample.min)},
                 {"max", Num(k.sample.max)}};
  const bool moments = k.target.elementwise() || k.target.family == Target::Family::kSparse;
  j["variance_ratio"] = moments && k.target.variance > 0
                            ? Num(k.sample.variance / k.target.variance)
                            : Json(nullptr);
  Json tests = Json::array();
  for (size_t i = 0; i < k.tests.size(); ++i) {
    const TestResult& t = k.tests[i];
    tests.push_back({{"name", t.name},
                     {"statistic", Num(t.statistic)},
                     {"p_value", Num(t.p_value)},
                     {"adjusted_p", i < k.adjusted_p.size() ? Num(k.adjusted_p[i]) : Json(nullptr)},
                     {"reliable", t.reliable},
                     {"rejected", i < k.rejected.size() && k.rejected[i]}});
  }
  j["tests"] = tests;
  j["pass"] = k.pass;
  j["diagnosis"] = k.diagnosis;
  return j;
}

struct Case {
  std::string scheme;
  Geometry geometry;
  DType dtype;
  std::string layer;  // "Linear(256, 512)", ...
};

std::vector<Case> Cases(bool quick) {
  // Representative layers, ~2^17 elements each (2^13 in quick mode).
  const int64_t k = quick ? 1 : 4;
  const Geometry linear = make_geometry({256 * k, 128});
  const Geometry conv = make_geometry({64 * k, 32, 3, 3});
  const Geometry grouped =
      make_geometry({64 * k, 8, 3, 3}, Layout::kTorch, 4, false, FanConvention::kLayer);
  const Geometry transposed =
      make_geometry({32, 64 * k, 3, 3}, Layout::kTorch, 1, true, FanConvention::kLayer);
  const Geometry dense = make_geometry({128, 256 * k}, Layout::kKeras);
  const Geometry conv_k = make_geometry({3, 3, 32, 64 * k}, Layout::kKeras);
  const Geometry conv_j = make_geometry({3, 3, 32, 64 * k}, Layout::kJax);
  std::vector<Case> c;
  auto add = [&](std::string s, const Geometry& g, std::string layer,
                 std::vector<DType> dtypes = {DType::kF32}) {
    for (DType t : dtypes) c.push_back({s, g, t, layer});
  };
  const std::vector<DType> all = {DType::kF32, DType::kF64, DType::kF16, DType::kBF16};
  const std::string lin = fmt::format("Linear(128, {})", 256 * k);
  const std::string cv = fmt::format("Conv2d(32, {}, 3)", 64 * k);
  const std::string gr = fmt::format("Conv2d(32, {}, 3, groups=4)", 64 * k);
  const std::string tr = fmt::format("ConvTranspose2d(32, {}, 3)", 64 * k);
  const std::string de = fmt::format("Dense({}) on 128", 256 * k);
  const std::string ck = fmt::format("Conv2D({}, 3) on 32", 64 * k);
  // PyTorch names.
  add("zeros", linear, lin);
  add("ones", linear, lin);
  add("constant(value=0.3)", linear, lin, all);
  add("uniform(a=-1, b=1)", linear, lin, all);
  add("normal(mean=0, std=0.02)", linear, lin, all);
  add("trunc_normal(std=0.02, a=-0.04, b=0.04)", linear, lin, all);
  add("trunc_normal(std=1, a=-2, b=2)", linear, lin);
  add("xavier_uniform(gain=1)", linear, lin, all);
  add("xavier_uniform(gain=5/3)", conv, cv);
  add("xavier_normal(gain=1)", conv, cv, all);
  add("kaiming_uniform(a=sqrt(5))", linear, lin, all);
  add("kaiming_uniform(a=sqrt(5))", conv, cv);
  add("kaiming_uniform(a=sqrt(5))", grouped, gr + ", fans=layer");
  add("kaiming_uniform(a=sqrt(5))", transposed, tr + ", fans=layer");
  add("kaiming_uniform(mode=fan_out, nonlinearity=relu)", conv, cv);
  add("kaiming_normal(nonlinearity=relu)", conv, cv, all);
  add("kaiming_normal(mode=fan_out, nonlinearity=relu)", grouped, gr + ", fans=layer");
  add("kaiming_normal(a=0.2, nonlinearity=leaky_relu)", transposed, tr + ", fans=layer");
  const int64_t orth_rows = quick ? 64 : 256;
  add("orthogonal(gain=1)", make_geometry({orth_rows, 128}),
      fmt::format("Linear(128, {})", orth_rows), all);
  add("orthogonal(gain=sqrt(2))", make_geometry({64, 32, 3, 3}), "Conv2d(32, 64, 3)");
  add("eye", make_geometry({128, 256}), "Linear(256, 128)");
  add("dirac(groups=2)", make_geometry({64, 16, 3, 3}), "Conv2d(32, 64, 3, groups=2)");
  add("sparse(sparsity=0.1, std=0.01)", linear, lin, all);
  // Keras names.
  add("glorot_uniform", dense, de, all);
  add("glorot_normal", conv_k, ck, all);
  add("he_uniform", conv_k, ck);
  add("he_normal", conv_k, ck, all);
  add("he_normal", conv_j, ck + " (jax)");
  add("lecun_uniform", dense, de);
  add("lecun_normal", dense, de, all);
  add("variance_scaling(scale=2, mode=fan_avg, distribution=uniform)", conv_k, ck);
  add("variance_scaling(scale=0.1, mode=fan_geo_avg, distribution=untruncated_normal)", conv_j,
      ck + " (jax)");
  add("truncated_normal(mean=0, stddev=0.05)", dense, de, all);
  add("random_normal(stddev=0.05)", dense, de);
  add("random_uniform(minval=-0.05, maxval=0.05)", dense, de);
  add("identity(gain=2)", make_geometry({128, 128}, Layout::kKeras), "Dense(128) on 128");
  add("orthogonal(gain=1)", make_geometry({3, 3, 32, 64}, Layout::kKeras), "Conv2D(64, 3) on 32");
  add("delta_orthogonal(scale=1)", make_geometry({3, 3, 32, 64}, Layout::kJax),
      "Conv2D(64, 3) on 32 (jax)");
  return c;
}

}  // namespace

std::string conformance_json(bool quick, int threads, const std::string& commit) {
  const std::vector<Case> cases = Cases(quick);
  std::vector<TensorCheck> checks(cases.size());
  std::vector<std::string> errors(cases.size());
  ForEach(cases.size(), threads, [&](size_t i) {
    try {
      const Case& c = cases[i];
      const Scheme s = Scheme::parse(c.scheme);
      // Seed = 1000 + case index: fixed, distinct per case.
      const Tensor t = fill(s, c.geometry, c.dtype, {.seed = 1000 + i, .stream = 0, .threads = 1});
      std::vector<TensorCheck> one{check_tensor(t, s, c.geometry)};
      // Each case is its own family at the default alpha (as `initcheck
      // check` on one tensor decides).
      decide(one);
      checks[i] = std::move(one.front());
    } catch (const std::exception& e) {
      errors[i] = e.what();
    }
  });
  for (size_t i = 0; i < cases.size(); ++i) {
    if (!errors[i].empty()) throw Error("conformance: " + cases[i].scheme + ": " + errors[i]);
  }
  Json j;
  j["schema"] = "initcheck.conformance/1";
  j["commit"] = commit.empty() ? "unknown" : commit;
  j["settings"] = {{"quick", quick},
                   {"alpha", kDefaultFamilyAlpha},
                   {"seeds", "case i (from 1) is filled with seed 999 + i, stream 0, one thread"},
                   {"family", "each case its own Holm family"}};
  Json out = Json::array();
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    Json e;
    e["index"] = i + 1;
    e["scheme"] = checks[i].scheme;
    e["layer"] = c.layer;
    e["layout"] = std::string(layout_name(c.geometry.layout));
    e["shape"] = c.geometry.shape;
    e["dtype"] = std::string(dtype_name(c.dtype));
    e["seed"] = 1000 + i;
    e.update(CheckJson(checks[i]));
    out.push_back(std::move(e));
  }
  j["cases"] = std::move(out);
  return j.dump(2) + "\n";
}

std::string frameworks_json(const std::string& root, const std::vector<std::string>& data_dirs,
                            int threads, const std::string& commit) {
  namespace fs = std::filesystem;
  struct Item {
    size_t framework;
    std::string path, file, tensor;
    Json manifest;
  };
  Json frameworks = Json::array();
  std::vector<Item> items;
  for (const std::string& dir : data_dirs) {
    const fs::path mpath = fs::path(dir) / "manifest.json";
    std::ifstream in(mpath);
    if (!in) throw Error("cannot read " + mpath.string());
    Json m;
    try {
      m = Json::parse(in);
    } catch (const std::exception& e) {
      throw Error(mpath.string() + ": " + e.what());
    }
    Json fw;
    fw["framework"] = m.at("framework");
    fw["generator"] = m.at("generator");
    fw["data_dir"] = fs::relative(fs::path(dir), fs::path(root)).generic_string();
    Json skipped = Json::array();
    for (const auto& f : m.at("files")) {
      const std::string format = f.at("format");
      const std::string file = f.at("file");
      if (format == "npz") {
        skipped.push_back({{"file", file}, {"reason", "the same tensors as the .safetensors "
                                                      "file of the same stem (format test)"}});
        continue;
      }
      if (format != "safetensors" && format != "npy") {
        skipped.push_back({{"file", file}, {"reason", "an index; its shards are listed"}});
        continue;
      }
      for (const auto& t : f.at("tensors")) {
        items.push_back({frameworks.size(), (fs::path(dir) / file).string(), file,
                         format == "npy" ? "" : t.at("name").get<std::string>(), t});
      }
    }
    fw["skipped_files"] = skipped;
    fw["tensors"] = Json::array();
    frameworks.push_back(std::move(fw));
  }
  std::vector<Json> results(items.size());
  ForEach(items.size(), threads, [&](size_t i) {
    const Item& it = items[i];
    const Json& t = it.manifest;
    Json r;
    r["file"] = it.file;
    for (const char* key : {"name", "shape", "dtype", "made_by", "documented", "scheme", "layout",
                            "expect", "bug", "notes"}) {
      r[key] = t.contains(key) ? t[key] : Json(nullptr);
    }
    if (!t["scheme"].is_string()) {
      r["verdict"] = "not checked";
      r["agrees"] = nullptr;
      results[i] = std::move(r);
      return;
    }
    try {
      CheckOptions o;
      o.threads = 1;
      o.geometry.layout = parse_layout(t.at("layout").get<std::string>());
      if (t["fan_in"].is_number() && t["fan_out"].is_number()) {
        o.geometry.fan_in = t["fan_in"].get<int64_t>();
        o.geometry.fan_out = t["fan_out"].get<int64_t>();
      }
      const CheckRun run =
          check_file(it.path, Scheme::parse(t["scheme"].get<std::string>()), it.tensor, o);
      if (run.checks.size() != 1) throw Error("expected one checked tensor");
      const TensorCheck& k = run.checks.front();
      r["verdict"] = k.pass ? "pass" : "fail";
      r["agrees"] = (k.pass ? "pass" : "fail") == t["expect"].get<std::string>();
      r.update(CheckJson(k));
    } catch (const std::exception& e) {
      r["verdict"] = "error";
      r["agrees"] = false;
      r["error"] = e.what();
    }
    results[i] = std::move(r);
  });
  for (size_t i = 0; i < items.size(); ++i) {
    frameworks[items[i].framework]["tensors"].push_back(std::move(results[i]));
  }
  Json j;
  j["schema"] = "initcheck.frameworks/1";
  j["commit"] = commit.empty() ? "unknown" : commit;
  j["settings"] = {{"alpha", kDefaultFamilyAlpha},
                   {"check", "verify::check_file(file, scheme, tensor) per tensor, the "
                             "manifest's layout and fans; each tensor its own Holm family"}};
  j["frameworks"] = std::move(frameworks);
  return j.dump(2) + "\n";
}

}  // namespace initcheck::verify::tools
