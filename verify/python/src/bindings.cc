// initcheck._core: the pybind11 module under the Python package initcheck
// (verify/python/initcheck). Thin: it turns Python arguments into the C++
// API's types, calls it with the GIL released, and hands back the engine's
// own results and formats. Every check is verify::check_view /
// check_checkpoint over a MemoryCheckpoint of the caller's arrays /
// check_file (verify/include/initcheck/verify/check.h): the same plan,
// battery, Holm decision and formats as for a file;
// fills are lib's fill; propagation is initcheck::propagation::propagate.
// No statistic, threshold or diagnosis is computed here or in Python.
//
// Arrays are read in place: a C-contiguous NumPy array (or anything NumPy
// views without copying: buffer protocol, __array_interface__, a CPU torch
// tensor's .numpy()) becomes a TensorView over its memory. Anything else is
// refused with a one-line ValueError saying what to pass instead; nothing is
// copied behind the caller's back.
//
// Errors: initcheck::Error (bad scheme, shape, dtype, option, file) becomes
// ValueError with the engine's one-line message -- the line the CLI prints
// after "initcheck: error: ".
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <chrono>
#include <ctime>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "initcheck/checkpoint.h"
#include "initcheck/dtype.h"
#include "initcheck/error.h"
#include "initcheck/fill.h"
#include "initcheck/geometry.h"
#include "initcheck/propagation/format.h"
#include "initcheck/propagation/propagate.h"
#include "initcheck/scheme.h"
#include "initcheck/tensor.h"
#include "initcheck/verify/battery.h"
#include "initcheck/verify/check.h"
#include "initcheck/verify/format.h"
#include "initcheck/verify/glob.h"
#include "initcheck/verify/presets.h"
#include "initcheck/verify/rules.h"

namespace py = pybind11;

namespace initcheck::python {
namespace {

using verify::CheckOptions;
using verify::CheckRun;

// ---- arrays -----------------------------------------------------------------

// As lib's .npy reader says it (npy.cc).
constexpr const char* kSupported =
    "initcheck reads float arrays: '<f4', '<f8', '<f2' and bfloat16 ('<V2')";

// The dtype string NumPy prints for `a` ('<f4', '>f8', '|b1', ...).
std::string DtypeStr(const py::array& a) { return py::str(a.dtype().attr("str")); }

// Refuses an array that cannot be read in place (one line: what to pass).
void InPlace(const py::array& a, const std::string& what) {
  if (!(a.flags() & py::array::c_style)) {
    std::string strides;
    for (py::ssize_t i = 0; i < a.ndim(); ++i) {
      strides += (i ? ", " : "") + std::to_string(a.strides(i));
    }
    if (a.ndim() == 1) strides += ",";
    throw Error(what + ": array is not C-contiguous (strides (" + strides +
                ") bytes); initcheck reads the caller's memory in place: pass "
                "np.ascontiguousarray(x) (a copy), or x.contiguous() for a torch tensor");
  }
  // NPY_ARRAY_ALIGNED (0x0100): every element at a multiple of its size.
  if (!(a.flags() & 0x0100)) {
    throw Error(what + ": array data is not aligned to its " + std::to_string(a.itemsize()) +
                "-byte elements; pass x.copy()");
  }
}

// A TensorView over the array's memory, or an Error saying what to pass
// instead. `what` names the argument in messages; `as` is the element type
// when the array holds raw 16-bit patterns ("bf16", "f16"; "" otherwise).
TensorView ViewOf(const py::array& a, const std::string& what, const std::string& as) {
  const std::string str = DtypeStr(a);
  const std::string name = py::str(a.dtype().attr("name"));
  const char kind = a.dtype().kind();
  const py::ssize_t itemsize = a.itemsize();
  const char order = str.empty() ? '|' : str[0];
  const bool native_little = order == '<' || order == '=' || order == '|';
  DType dtype = DType::kF32;
  if (!as.empty()) {
    const DType want = parse_dtype(as);
    if (want == DType::kBF16 || want == DType::kF16) {
      // Raw 16-bit patterns: an integer (or void) view of the elements, e.g.
      // torch's t.view(torch.int16).numpy() for a bfloat16 tensor.
      if (itemsize != 2 || !(kind == 'i' || kind == 'u' || kind == 'V' ||
                             (kind == 'f' && want == DType::kF16))) {
        throw Error(what + ": dtype='" + as + "' reads 2-byte elements (raw " + as +
                    " bit patterns, e.g. uint16 or int16), got dtype '" + str + "'");
      }
      if (!native_little || order == '>') {
        throw Error(what + ": big-endian dtype '" + str + "' is not supported");
      }
      dtype = want;
    } else {
      throw Error(what + ": dtype='" + as + "' is only for raw 16-bit patterns ('bf16', " +
                  "'f16'); a " + as + " array is read as it is");
    }
  } else if (kind == 'f' && (itemsize == 4 || itemsize == 8 || itemsize == 2)) {
    if (order == '>') {
      throw Error(what + ": big-endian dtype '" + str +
                  "' is not supported; convert with arr.astype('<" + str.substr(1) + "')");
    }
    dtype = itemsize == 4 ? DType::kF32 : itemsize == 8 ? DType::kF64 : DType::kF16;
  } else if (kind == 'V' && itemsize == 2 && name == "bfloat16") {
    dtype = DType::kBF16;  // ml_dtypes.bfloat16
  } else if (kind == 'i' || kind == 'u' || kind == 'b') {
    // The CLI's message for such a .npy file, then the in-memory way out.
    throw Error(what + ": integer/bool dtype '" + str + "' is not supported; " + kSupported +
                "; convert with arr.astype('<f4') (raw bfloat16 or float16 bit patterns: "
                "pass dtype='bf16' or dtype='f16')");
  } else if (kind == 'O') {
    throw Error(what + ": object arrays (dtype '" + str +
                "') are not supported; pass a float array, e.g. arr.astype('<f4')");
  } else {
    throw Error(what + ": unsupported dtype '" + str + "'; " + kSupported);
  }
  InPlace(a, what);
  TensorView v;
  v.dtype = dtype;
  for (py::ssize_t i = 0; i < a.ndim(); ++i) v.shape.push_back(a.shape(i));
  v.data = static_cast<const std::byte*>(a.data());
  return v;
}

// The entry of an array for a MemoryCheckpoint: float arrays as ViewOf
// reads them; with `integers`, integer and bool arrays too (checked exactly
// against zeros, ones or constant, like a file's int64 num_batches_tracked),
// in place.
MemoryTensor EntryOf(const std::string& name, const py::array& a, const std::string& what,
                     const std::string& as, bool integers) {
  const char kind = a.dtype().kind();
  if (!integers || !as.empty() || !(kind == 'i' || kind == 'u' || kind == 'b')) {
    const TensorView v = ViewOf(a, what, as);
    return {float_entry(name, v.dtype, v.shape), v.data};
  }
  const std::string str = DtypeStr(a);
  if (!str.empty() && str[0] == '>') {
    throw Error(what + ": big-endian dtype '" + str + "' is not supported");
  }
  InPlace(a, what);
  CheckpointEntry e;
  e.name = name;
  e.dtype_name = str;
  e.kind = kind == 'b'   ? ElementKind::kBool
           : kind == 'i' ? ElementKind::kSignedInt
                         : ElementKind::kUnsignedInt;
  e.element_bytes = static_cast<int>(a.itemsize());
  for (py::ssize_t i = 0; i < a.ndim(); ++i) e.shape.push_back(a.shape(i));
  return {e, static_cast<const std::byte*>(a.data())};
}

// ---- options ----------------------------------------------------------------

// The geometry keywords every entry point takes (fill, check, check_file).
struct GeometryArgs {
  std::string layout = "torch";
  std::string fans = "framework";
  int64_t groups = 1;
  bool transposed = false;
  std::optional<int64_t> fan_in, fan_out;
};

// From the Python keywords {"layout", "fans", "groups", "transposed",
// "fan_in", "fan_out"} (None or missing: the default).
GeometryArgs GeometryFrom(const py::dict& d) {
  GeometryArgs g;
  for (const auto& [k, v] : d) {
    const std::string key = py::str(k);
    if (v.is_none()) continue;
    if (key == "layout") {
      g.layout = v.cast<std::string>();
    } else if (key == "fans") {
      g.fans = v.cast<std::string>();
    } else if (key == "groups") {
      g.groups = v.cast<int64_t>();
    } else if (key == "transposed") {
      g.transposed = v.cast<bool>();
    } else if (key == "fan_in") {
      g.fan_in = v.cast<int64_t>();
    } else if (key == "fan_out") {
      g.fan_out = v.cast<int64_t>();
    } else {
      throw py::type_error("unknown geometry keyword '" + key + "'");
    }
  }
  return g;
}

Geometry MakeGeometry(const GeometryArgs& a, Shape shape) {
  if (a.fan_in.has_value() != a.fan_out.has_value()) {
    throw Error("give both fan_in and fan_out, or neither");
  }
  Geometry g;
  g.shape = std::move(shape);
  g.layout = parse_layout(a.layout);
  g.fans = parse_fan_convention(a.fans);
  g.groups = a.groups;
  g.transposed = a.transposed;
  g.fan_in = a.fan_in;
  g.fan_out = a.fan_out;
  return g;
}

CheckOptions MakeOptions(const py::dict& geometry, std::optional<double> alpha,
                         bool independence, int threads) {
  CheckOptions o;
  if (alpha) {
    if (!(*alpha > 0 && *alpha < 1)) {
      throw Error("alpha must be in (0, 1), got " + format_number(*alpha));
    }
    o.alpha = *alpha;
  }
  if (threads < 0) throw Error("threads must be >= 0, got " + std::to_string(threads));
  o.threads = threads;
  o.battery.independence = independence;
  o.geometry = MakeGeometry(GeometryFrom(geometry), {1, 1});
  validate_geometry(o.geometry);
  return o;
}

// A rule from Python (initcheck.torch's expectations and overrides,
// check_file's {glob: scheme}): (glob, scheme or None = skip, origin, skip
// reason, from_user, padding row index or None, module label). Tensors and
// rules then go through verify's planning like a rule file's.
using RuleTuple = std::tuple<std::string, std::optional<std::string>, std::string, std::string,
                             bool, std::optional<int64_t>, std::string>;

verify::Rule MakeRule(const RuleTuple& t) {
  const auto& [glob, scheme, origin, reason, from_user, padding_index, module] = t;
  verify::Rule r;
  r.globs = {glob};
  r.origin = origin;
  r.from_user = from_user;
  r.module = module;
  try {
    verify::validate_glob(glob);
    if (scheme) {
      r.scheme = Scheme::parse(*scheme);
    } else {
      r.skip = true;
      r.reason = reason;
    }
    if (padding_index) {
      r.padding = true;
      r.padding_index = *padding_index;
    }
    verify::validate_rule(r);
  } catch (const Error& e) {
    const std::string what = e.what();
    throw Error(origin.empty() || what.rfind(origin, 0) == 0 ? what : origin + ": " + what);
  }
  return r;
}

// check_file's rules, in the order they are tried (as `initcheck check`:
// the rules given, then rule files, then the preset): each item of `rules`
// is 'GLOB=SCHEME' text (origin "rules[i]") or a RuleTuple.
std::vector<verify::Rule> FileRules(const py::list& rules,
                                    const std::vector<std::string>& rule_files,
                                    const std::string& preset, std::optional<double> init_range) {
  if (init_range && preset != "hf") {
    throw Error("init_range goes with preset='hf' (Hugging Face's initializer_range)");
  }
  std::vector<verify::Rule> out;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const py::handle item = rules[i];
    if (py::isinstance<py::str>(item)) {
      out.push_back(
          verify::parse_rule_arg(item.cast<std::string>(), "rules[" + std::to_string(i) + "]"));
    } else {
      out.push_back(MakeRule(item.cast<RuleTuple>()));
    }
  }
  for (const std::string& f : rule_files) {
    for (verify::Rule& r : verify::load_rules_file(f)) out.push_back(std::move(r));
  }
  if (!preset.empty()) {
    verify::PresetOptions po;
    po.init_range = init_range;
    for (verify::Rule& r : verify::preset_rules(preset, po)) out.push_back(std::move(r));
  }
  return out;
}

// ---- results ----------------------------------------------------------------

// A decided check, as the engine returned it, with its output formats.
struct Run {
  CheckRun run;
  std::vector<uintptr_t> addresses;  // the memory each checked view read

  // The run restricted to check i: the one-tensor document (its adjusted
  // p-values are still those of the whole family).
  CheckRun Single(std::size_t i) const {
    if (i >= run.checks.size()) throw py::index_error("check index out of range");
    CheckRun one;
    one.file = run.file;
    one.kind = run.kind;
    one.alpha = run.alpha;
    one.checks = {run.checks[i]};
    // Its assignment, as check_file(path, scheme) has it (the summary table).
    for (const verify::TensorAssignment& a : run.tensors) {
      if (a.check == i) {
        one.tensors.push_back(a);
        one.tensors.back().check = 0;
      }
    }
    return one;
  }
};

std::string Format(const CheckRun& run, const std::string& format) {
  return verify::format_run(run, format);
}

// ---- fill -------------------------------------------------------------------

Shape ShapeOf(const py::handle& shape) {
  if (py::isinstance<py::str>(shape)) return parse_shape(shape.cast<std::string>());
  std::string text;
  for (const py::handle d : py::iter(shape)) {
    if (!py::isinstance<py::int_>(d) || py::isinstance<py::bool_>(d)) {
      throw Error("bad shape: dimensions must be integers, got " +
                  std::string(py::str(py::repr(d))));
    }
    text += (text.empty() ? "" : ",") + std::string(py::str(d));
  }
  return parse_shape(text);
}

py::array FillArray(const std::string& scheme_text, const py::object& shape_arg,
                    const py::dict& geometry, const std::string& dtype_name, uint64_t seed,
                    uint64_t stream, int threads) {
  const Scheme scheme = Scheme::parse(scheme_text);
  const Geometry g = MakeGeometry(GeometryFrom(geometry), ShapeOf(shape_arg));
  validate_geometry(g);
  const DType dtype = parse_dtype(dtype_name);
  if (threads < 0) throw Error("threads must be >= 0, got " + std::to_string(threads));
  (void)plan_fill(scheme, g);  // errors before the work
  auto t = std::make_unique<Tensor>();
  {
    py::gil_scoped_release release;
    *t = fill(scheme, g, dtype, {seed, stream, threads});
  }
  py::dtype np_dtype = dtype == DType::kF32   ? py::dtype("float32")
                       : dtype == DType::kF64 ? py::dtype("float64")
                       : dtype == DType::kF16 ? py::dtype("float16")
                                              : py::dtype("uint16");  // bf16 bits
  std::vector<py::ssize_t> shape(t->shape().begin(), t->shape().end());
  Tensor* raw = t.release();
  // The array owns the Tensor's aligned buffer (no copy).
  py::capsule owner(raw, [](void* p) { delete static_cast<Tensor*>(p); });
  return py::array(np_dtype, shape, {}, raw->data(), owner);
}

// ---- timing (bench/python_overhead.py) ----------------------------------------

// (wall seconds, process CPU seconds) of each of `repeats` calls of the C++
// battery alone (verify::check_one on the array's memory, as
// BM_VerifyBattery times it), for the overhead benchmark
// (bench/python_overhead.py), which times the Python call around it.
std::vector<std::pair<double, double>> TimeBattery(const py::array& a,
                                                   const std::string& scheme_text,
                                                   const std::string& layout, int repeats) {
  const TensorView v = ViewOf(a, "x", "");
  const Scheme scheme = Scheme::parse(scheme_text);
  Geometry g;
  g.shape = v.shape;
  g.layout = parse_layout(layout);
  std::vector<std::pair<double, double>> seconds;
  py::gil_scoped_release release;
  for (int i = 0; i < repeats; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::clock_t c0 = std::clock();
    const verify::TensorCheck c = verify::check_one(v, scheme, g);
    const std::clock_t c1 = std::clock();
    const auto t1 = std::chrono::steady_clock::now();
    if (c.sample.n != v.numel()) throw Error("battery read the wrong number of values");
    seconds.emplace_back(std::chrono::duration<double>(t1 - t0).count(),
                         static_cast<double>(c1 - c0) / CLOCKS_PER_SEC);
  }
  return seconds;
}

}  // namespace
}  // namespace initcheck::python

PYBIND11_MODULE(_core, m) {
  using namespace initcheck;
  using namespace initcheck::python;
  m.doc() =
      "initcheck's C++ engine (pybind11). Use the package initcheck, not this module.";

  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const Error& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });

  m.attr("DEFAULT_ALPHA") = verify::kDefaultFamilyAlpha;

  m.def("parse_scheme", [](const std::string& text) { return Scheme::parse(text).str(); },
        py::arg("text"), "The canonical form of a scheme (every parameter); ValueError if bad.");
  m.def(
      "scheme_specs",
      [] {
        py::list out;
        for (const SchemeSpec& s : scheme_specs()) {
          py::dict d;
          d["name"] = std::string(s.name);
          d["convention"] = s.convention == Convention::kPyTorch ? "pytorch" : "keras";
          d["uses_fans"] = s.uses_fans;
          d["summary"] = std::string(s.summary);
          d["reference"] = std::string(s.reference);
          py::list params;
          for (const ParamSpec& p : s.params) params.append(std::string(p.key));
          d["params"] = params;
          out.append(d);
        }
        return out;
      },
      "Every scheme: name, convention, uses_fans, summary, reference, params.");
  m.def("glob_match",
        [](const std::string& pattern, const std::string& name) {
          verify::validate_glob(pattern);
          return verify::glob_match(pattern, name);
        },
        py::arg("pattern"), py::arg("name"));

  py::class_<Run>(m, "Run")
      .def_property_readonly("passed", [](const Run& r) { return r.run.pass(); })
      .def_property_readonly("file", [](const Run& r) { return r.run.file; })
      .def_property_readonly("alpha", [](const Run& r) { return r.run.alpha; })
      .def_property_readonly("size", [](const Run& r) { return r.run.checks.size(); })
      .def_property_readonly("warnings", [](const Run& r) { return r.run.warnings; })
      .def_property_readonly("skipped",
                             [](const Run& r) {
                               std::vector<std::tuple<std::string, std::string, std::string>> out;
                               for (const auto& s : r.run.skipped) {
                                 out.emplace_back(s.tensor, s.reason,
                                                  std::string(verify::status_name(s.status)));
                               }
                               return out;
                             })
      .def_property_readonly("strict", [](const Run& r) { return r.run.strict; })
      .def_property_readonly("strict_issues",
                             [](const Run& r) { return r.run.strict_issues(); })
      .def_property_readonly("addresses", [](const Run& r) { return r.addresses; })
      .def("format", [](const Run& r, const std::string& f) { return Format(r.run, f); },
           py::arg("format"))
      .def("format_check",
           [](const Run& r, std::size_t i, const std::string& f) {
             return Format(r.Single(i), f);
           },
           py::arg("index"), py::arg("format"));

  m.def(
      "check_array",
      [](const py::array& a, const std::string& scheme_text, const std::string& as,
         const std::string& label, std::optional<double> alpha, const py::dict& geometry,
         bool independence, int threads) {
        const Scheme scheme = Scheme::parse(scheme_text);
        CheckOptions o = MakeOptions(geometry, alpha, independence, threads);
        // Float arrays, and integer/bool ones as a file's (exact schemes).
        MemoryTensor t = EntryOf("", a, label, as, true);
        auto run = std::make_unique<Run>();
        run->addresses = {reinterpret_cast<uintptr_t>(t.data)};
        const MemoryCheckpoint ck(label, {std::move(t)});
        {
          py::gil_scoped_release release;
          run->run = verify::check_checkpoint(ck, scheme, "", o);
        }
        return run;
      },
      py::arg("array"), py::arg("scheme"), py::arg("dtype"), py::arg("label"), py::arg("alpha"),
      py::arg("geometry"), py::arg("independence"), py::arg("threads"));

  m.def(
      "check_arrays",
      [](const std::vector<std::tuple<std::string, py::array, std::string>>& entries,
         const std::vector<RuleTuple>& rule_tuples, const std::string& label,
         std::optional<double> alpha, const py::dict& geometry, bool independence, int threads,
         bool strict) {
        CheckOptions o = MakeOptions(geometry, alpha, independence, threads);
        o.strict = strict;
        std::vector<verify::Rule> rules;
        for (const RuleTuple& t : rule_tuples) rules.push_back(MakeRule(t));
        std::vector<MemoryTensor> tensors;
        auto run = std::make_unique<Run>();
        for (const auto& [name, a, as] : entries) {
          if (name.empty()) throw Error(label + ": a tensor has an empty name");
          tensors.push_back(EntryOf(name, a, label + ": tensor '" + name + "'", as, true));
          run->addresses.push_back(reinterpret_cast<uintptr_t>(tensors.back().data));
        }
        // The arrays' memory as a checkpoint: planned and checked as a file.
        const MemoryCheckpoint ck(label, std::move(tensors));
        {
          py::gil_scoped_release release;
          run->run = verify::check_checkpoint(ck, rules, o);
        }
        return run;
      },
      py::arg("entries"), py::arg("rules"), py::arg("label"), py::arg("alpha"),
      py::arg("geometry"), py::arg("independence"), py::arg("threads"), py::arg("strict"));

  m.def(
      "check_file",
      [](const std::string& path, std::optional<std::string> scheme_text,
         const std::string& tensor, const py::list& rules,
         const std::vector<std::string>& rule_files, const std::string& preset,
         std::optional<double> init_range, bool strict, std::optional<double> alpha,
         const py::dict& geometry, bool independence, int threads, int64_t max_elements) {
        CheckOptions o = MakeOptions(geometry, alpha, independence, threads);
        if (max_elements < 1) {
          throw Error("max_elements must be >= 1, got " + std::to_string(max_elements));
        }
        o.limits.max_elements = max_elements;
        o.strict = strict;
        auto run = std::make_unique<Run>();
        if (scheme_text) {
          const Scheme scheme = Scheme::parse(*scheme_text);
          py::gil_scoped_release release;
          run->run = verify::check_file(path, scheme, tensor, o);
        } else {
          const std::vector<verify::Rule> r = FileRules(rules, rule_files, preset, init_range);
          py::gil_scoped_release release;
          run->run = verify::check_file(path, r, o);
        }
        return run;
      },
      py::arg("path"), py::arg("scheme"), py::arg("tensor"), py::arg("rules"),
      py::arg("rule_files"), py::arg("preset"), py::arg("init_range"), py::arg("strict"),
      py::arg("alpha"), py::arg("geometry"), py::arg("independence"), py::arg("threads"),
      py::arg("max_elements"));

  m.def("preset_names", [] {
    std::vector<std::string> out;
    for (std::string_view n : verify::preset_names()) out.emplace_back(n);
    return out;
  });

  m.def("parse_rule",
        [](const std::string& text, const std::string& origin) {
          const verify::Rule r = verify::parse_rule_arg(text, origin);
          return std::make_pair(r.glob_text(), r.scheme ? r.scheme->str() : std::string());
        },
        py::arg("text"), py::arg("origin"),
        "'GLOB=SCHEME' -> (glob, canonical scheme or ''); ValueError naming origin if bad.");

  m.def("fill", &FillArray, py::arg("scheme"), py::arg("shape"), py::arg("geometry"),
        py::arg("dtype"), py::arg("seed"), py::arg("stream"), py::arg("threads"));

  m.def(
      "propagate",
      [](const std::string& weights, const std::string& activation, int depth, int64_t width,
         int64_t batch, int seeds, double bias_std, uint64_t seed, int threads) {
        if (threads < 0) throw Error("threads must be >= 0, got " + std::to_string(threads));
        propagation::PropagationConfig cfg;
        cfg.weights = Scheme::parse(weights);
        cfg.activation = propagation::Activation::parse(activation);
        cfg.depth = depth;
        cfg.width = width;
        cfg.batch = batch;
        cfg.seeds = seeds;
        cfg.bias_std = bias_std;
        cfg.base_seed = seed;
        cfg.threads = threads;
        propagation::PropagationReport report;
        {
          py::gil_scoped_release release;
          report = propagation::propagate(cfg);
        }
        py::dict out;
        out["text"] = propagation::format_text(report);
        out["json"] = propagation::format_json(report);
        out["markdown"] = propagation::format_markdown(report);
        return out;
      },
      py::arg("weights"), py::arg("activation"), py::arg("depth"), py::arg("width"),
      py::arg("batch"), py::arg("seeds"), py::arg("bias_std"), py::arg("seed"),
      py::arg("threads"));

  m.def("_time_battery", &TimeBattery, py::arg("array"), py::arg("scheme"),
        py::arg("layout") = "torch", py::arg("repeats") = 1);
}
