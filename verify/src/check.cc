// check_file and its two steps (see initcheck/verify/check.h): plan every
// tensor from the headers, then run the battery tensor by tensor in
// parallel under a memory budget.
#include "initcheck/verify/check.h"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

#include "initcheck/error.h"
#include "initcheck/internal/text.h"
#include "initcheck/verify/glob.h"
#include "initcheck/verify/oracle.h"

namespace initcheck::verify {
namespace {

using internal::printable;
using internal::quoted;
using Clock = std::chrono::steady_clock;

bool IsExact(const Scheme& s) {
  return s.id() == SchemeId::kZeros || s.id() == SchemeId::kOnes ||
         s.id() == SchemeId::kConstant;
}

double ExactValue(const Scheme& s) {
  switch (s.id()) {
    case SchemeId::kZeros:
      return 0;
    case SchemeId::kOnes:
      return 1;
    default:
      return s.number("value");
  }
}

std::string G(double x, int digits = 6) { return format("%.*g", digits, x); }

// The oracle's target in words ("uniform U[-0.125, 0.125)").
std::string Describe(const Target& t) {
  switch (t.family) {
    case Target::Family::kUniform:
      return "uniform U[" + G(t.low) + ", " + G(t.high) + ")";
    case Target::Family::kNormal:
      return "normal N(" + G(t.parent_mean) + ", " + G(t.parent_std) + "^2)";
    case Target::Family::kTruncatedNormal:
      return "truncated normal N(" + G(t.parent_mean) + ", " + G(t.parent_std) + "^2) on [" +
             G(t.low) + ", " + G(t.high) + "]";
    case Target::Family::kConstant:
      return "exactly " + G(t.value, 17);
    default:
      return t.family_name() + ": " + t.derivation;
  }
}

// Whether a module label ("Conv1d/ConvTranspose1d") names `choice`
// (case-insensitive, any '/'-separated part).
bool ModuleMatches(std::string_view module, std::string_view choice) {
  const auto lower = [](std::string_view s) {
    std::string o(s);
    for (char& c : o) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return o;
  };
  const std::string m = lower(module), c = lower(choice);
  std::size_t start = 0;
  while (start <= m.size()) {
    const std::size_t end = std::min(m.find('/', start), m.size());
    if (m.substr(start, end - start) == c) return true;
    start = end + 1;
  }
  return false;
}

class Planner {
 public:
  Planner(const Checkpoint& ck, const CheckOptions& o) : ck_(ck), o_(o) {}

  ExprEnv Env(const CheckpointEntry& e) const {
    ExprEnv env;
    env.name = e.name;
    env.shape = e.shape;
    env.lookup = [this](const std::string& name) -> const Shape* {
      const auto i = ck_.find(name);
      return i ? &ck_.entries()[*i].shape : nullptr;
    };
    return env;
  }

  // Resolves a rule (or candidate) with a scheme or segments for entry e.
  ResolvedRule Resolve(const CheckpointEntry& e, const Rule& r) const {
    ResolvedRule res;
    res.module = r.module;
    res.origin = r.origin;
    res.note = r.note;
    res.scheme = r.scheme;
    res.padding = r.padding;
    res.padding_index = r.padding_index;
    Geometry g = o_.geometry;
    g.shape = e.shape;
    if (r.layout) g.layout = *r.layout;
    res.geometry = g;
    try {
      ResolveInto(e, r, res);
    } catch (const Error& err) {
      res.problem = err.what();
    }
    res.rule_toml = ResolvedToml(e, r, res);
    return res;
  }

 private:
  void ResolveInto(const CheckpointEntry& e, const Rule& r, ResolvedRule& res) const {
    if (e.kind == ElementKind::kUnsupported) {
      throw Error("dtype " + e.dtype_name +
                  " cannot be read (initcheck reads float, integer and bool tensors)");
    }
    const ExprEnv env = Env(e);
    const int64_t numel = e.numel();
    if (!r.segments.empty()) {
      int64_t total = 0;
      for (const Segment& s : r.segments) {
        const int64_t len = s.length.eval_int(env);
        if (len < 0) throw Error("segment length '" + s.length.text() + "' is negative");
        res.segments.emplace_back(len, s.scheme);
        total += len;
        CheckExactFits(e, s.scheme);
      }
      if (total != numel) {
        throw Error("segments cover " + std::to_string(total) + " elements, the tensor has " +
                    std::to_string(numel) + " (shape " + shape_string(e.shape) + ")");
      }
      std::string t;
      int64_t at = 0;
      for (const auto& [len, s] : res.segments) {
        t += (t.empty() ? "" : ", ") + ExactWord(s) + " [" + std::to_string(at) + ", " +
             std::to_string(at + len) + ")";
        at += len;
      }
      res.target = "exactly " + t;
      return;
    }
    if (!r.scheme) {
      throw Error("candidate '" + r.module + "' states no scheme: " + r.note);
    }
    const Scheme& scheme = *r.scheme;
    Geometry& g = res.geometry;
    if (e.kind != ElementKind::kFloat && !IsExact(scheme)) {
      throw Error("a " + std::string(element_kind_name(e.kind)) + " tensor (dtype " +
                  e.dtype_name + ") can only be checked against exact schemes (zeros, ones, "
                  "constant), not " + scheme.name());
    }
    if (e.kind != ElementKind::kFloat) CheckExactFits(e, scheme);
    if (e.shape.empty() && !IsExact(scheme)) {
      throw Error("a 0-d tensor holds one value: only exact schemes (zeros, ones, constant) "
                  "can check it");
    }
    // Fans: from another tensor, then expressions (which override).
    std::optional<int64_t> fan_in, fan_out;
    if (!r.fans_from.empty()) {
      const std::string name = expand_template(r.fans_from, e.name);
      const auto i = ck_.find(name);
      if (!i) {
        throw Error("fans_from " + quoted(r.fans_from) + ": no tensor " + quoted(name));
      }
      Geometry sg = g;
      sg.shape = ck_.entries()[*i].shape;
      sg.fan_in.reset();
      sg.fan_out.reset();
      OracleFans f;
      try {
        f = oracle_fans(sg);
      } catch (const Error& err) {
        throw Error("fans_from " + quoted(name) + ": " + err.what());
      }
      fan_in = f.fan_in;
      fan_out = f.fan_out;
      res.fans_from = name;
    }
    if (r.fan_in) fan_in = r.fan_in->eval_int(env);
    if (r.fan_out) fan_out = r.fan_out->eval_int(env);
    const bool only_in = r.fan_in && !r.fan_out && r.fans_from.empty();
    const bool only_out = r.fan_out && !r.fan_in && r.fans_from.empty();
    if (only_out) throw Error("fan_out given without fan_in: give fan_in too");
    if (only_in) fan_out = fan_in;
    if (fan_in) {
      if (*fan_in < 1 || *fan_out < 1) {
        throw Error("fans must be >= 1, got fan_in=" + std::to_string(*fan_in) +
                    ", fan_out=" + std::to_string(*fan_out));
      }
      g.fan_in = fan_in;
      g.fan_out = fan_out;
      g.in_axis.reset();
      g.out_axis.reset();
    }
    // The battery's geometry: a 0-d tensor is read as [1]; a padding row is
    // left out.
    Geometry bg = g;
    if (bg.shape.empty()) bg.shape = {1};
    if (r.padding) {
      if (e.shape.size() != 2) {
        throw Error("padding_idx needs a rank-2 weight [rows, dim], got shape " +
                    shape_string(e.shape));
      }
      if (e.shape[0] < 2) throw Error("padding_idx needs at least 2 rows");
      if (r.padding_index && *r.padding_index >= e.shape[0]) {
        throw Error("padding_idx " + std::to_string(*r.padding_index) + " is not a row of shape " +
                    shape_string(e.shape));
      }
      bg.shape[0] -= 1;
    }
    validate_geometry(bg);
    Target t;
    if (numel > 0) {
      try {
        t = derive_target(scheme, bg);
      } catch (const Error& err) {
        const std::string m = err.what();
        if (m.find("rank >= 2") == std::string::npos || r.origin == "SCHEME") throw;
        throw Error(m + ", or give the rule fans_from = \"{prefix}.weight\" or fan_in (rule "
                        "files)");
      }
      if (only_in) {
        // fan_out = fan_in stands in for an unknown fan_out: refuse a scheme
        // whose target depends on it.
        Geometry other = bg;
        other.fan_out = *fan_in * 2 + 1;
        const Target t2 = derive_target(scheme, other);
        if (t2.variance != t.variance || t2.low != t.low || t2.high != t.high ||
            t2.value != t.value) {
          throw Error(scheme.name() + " depends on fan_out too: give fan_out as well as fan_in");
        }
      }
    }
    res.target = Describe(t);
    if (r.padding) {
      res.target += r.padding_index ? "; row " + std::to_string(*r.padding_index) + " zero"
                                    : "; an all-zero row, if any, taken as padding";
    }
  }

  static std::string ExactWord(const Scheme& s) {
    switch (s.id()) {
      case SchemeId::kZeros:
        return "0";
      case SchemeId::kOnes:
        return "1";
      default:
        return format_number(s.number("value"));
    }
  }

  // An exact value an integer or bool tensor can hold.
  static void CheckExactFits(const CheckpointEntry& e, const Scheme& s) {
    if (e.kind == ElementKind::kFloat) return;
    const double v = ExactValue(s);
    if (v != std::floor(v)) {
      throw Error("dtype " + e.dtype_name + " holds integers, but " + s.str() + " is not one");
    }
    if (e.kind == ElementKind::kBool && v != 0 && v != 1) {
      throw Error("dtype " + e.dtype_name + " holds booleans: only 0 (zeros) or 1 (ones)");
    }
    if (e.kind == ElementKind::kUnsignedInt && v < 0) {
      throw Error("dtype " + e.dtype_name + " is unsigned, but " + s.str() + " is negative");
    }
    if (std::abs(v) > 9007199254740992.0) {
      throw Error(s.str() + " is beyond 2^53, which integer checks do not compare exactly");
    }
  }

  // A [[rule]] for exactly this tensor: literal glob, evaluated lengths and
  // fans, so that reading it back resolves the tensor the same way.
  std::string ResolvedToml(const CheckpointEntry& e, const Rule& r, const ResolvedRule& res) const {
    Rule out;
    out.globs = {literal_glob(e.name)};
    out.module = r.module;
    out.note = r.note;
    if (!res.problem.empty()) {
      // Keep the rule as written (minus its condition): the same problem.
      Rule same = r;
      same.globs = out.globs;
      same.when.reset();
      same.origin.clear();
      return rule_to_toml(same);
    }
    if (!res.segments.empty()) {
      for (const auto& [len, s] : res.segments) out.segments.push_back({Expr::number(len), s});
      return rule_to_toml(out);
    }
    out.scheme = r.scheme;
    out.layout = res.geometry.layout;
    if (res.geometry.fan_in) {
      out.fan_in = Expr::number(*res.geometry.fan_in);
      out.fan_out = Expr::number(*res.geometry.fan_out);
    }
    out.padding = r.padding;
    out.padding_index = r.padding_index;
    return rule_to_toml(out);
  }

  const Checkpoint& ck_;
  const CheckOptions& o_;
};

// ---- exact checks (integer/bool tensors, constants, segments) -------------------

// Element i of an integer/bool tensor, exactly, as a signed or unsigned
// 64-bit value (bools 0/1).
struct IntValue {
  bool negative = false;
  uint64_t magnitude = 0;
  double as_double() const {
    return negative ? -static_cast<double>(magnitude) : static_cast<double>(magnitude);
  }
};

IntValue IntAt(const TensorData& d, int64_t i) {
  const std::byte* p = d.data() + i * d.element_bytes();
  IntValue v;
  if (d.kind() == ElementKind::kBool) {
    v.magnitude = *p != std::byte{0};
    return v;
  }
  uint64_t u = 0;
  std::memcpy(&u, p, static_cast<std::size_t>(d.element_bytes()));  // little-endian
  const int bits = 8 * d.element_bytes();
  if (d.kind() == ElementKind::kSignedInt && bits < 64 && (u >> (bits - 1)) & 1) {
    u |= ~uint64_t{0} << bits;  // sign-extend
  }
  if (d.kind() == ElementKind::kSignedInt && static_cast<int64_t>(u) < 0) {
    v.negative = true;
    v.magnitude = ~u + 1;
  } else {
    v.magnitude = u;
  }
  return v;
}

bool IntEquals(const IntValue& v, double want) {
  const bool neg = want < 0;
  const uint64_t mag = static_cast<uint64_t>(std::abs(want));
  if (v.magnitude == 0 && mag == 0) return true;
  return v.negative == neg && v.magnitude == mag;
}

std::string IndexText(int64_t i, const Shape& shape) {
  std::vector<int64_t> idx(shape.size());
  for (std::size_t k = shape.size(); k-- > 0;) {
    idx[k] = i % shape[k];
    i /= shape[k];
  }
  return shape_string(idx);
}

TensorCheck ExactCheck(const TensorData& d, const TensorAssignment& a) {
  const ResolvedRule& res = a.resolution;
  TensorCheck c;
  if (!a.tensor.empty()) c.tensor = a.tensor;
  c.geometry = res.geometry;
  c.geometry.shape = a.shape;
  const bool is_float = d.dtype().has_value();
  if (is_float) {
    c.dtype = *d.dtype();
  } else {
    c.stored_dtype = a.dtype_name;
  }
  // The expected value of each element: one scheme, or segments.
  std::vector<std::pair<int64_t, double>> pieces;  // (end, value)
  if (!res.segments.empty()) {
    int64_t at = 0;
    std::string s;
    for (const auto& [len, sc] : res.segments) {
      at += len;
      pieces.emplace_back(at, ExactValue(sc));
      s += (s.empty() ? "" : ", ") + sc.str() + "[" + std::to_string(len) + "]";
    }
    c.scheme = "segments(" + s + ")";
  } else {
    pieces.emplace_back(d.numel(), ExactValue(*res.scheme));
    c.scheme = res.scheme->str();
  }
  c.target.family = Target::Family::kConstant;
  c.target.value = pieces.front().second;
  c.target.derivation = res.target;
  const int64_t n = d.numel();
  const TensorView view = is_float ? d.view() : TensorView{};
  int64_t bad = 0, first = -1, nonfinite = 0, first_nonfinite = -1, nan = 0;
  double first_value = 0, first_want = 0;
  double sum = 0, sum2 = 0, mn = kNaN, mx = kNaN;
  std::size_t piece = 0;
  for (int64_t i = 0; i < n; ++i) {
    while (i >= pieces[piece].first) ++piece;
    const double want = pieces[piece].second;
    double x;
    bool ok;
    if (is_float) {
      x = view.get(i);
      ok = x == stored_value(want, *d.dtype());
      if (!std::isfinite(x)) {
        if (first_nonfinite < 0) first_nonfinite = i;
        ++nonfinite;
        nan += std::isnan(x);
      }
    } else {
      const IntValue v = IntAt(d, i);
      x = v.as_double();
      ok = IntEquals(v, want);
    }
    if (!ok) {
      if (first < 0) {
        first = i;
        first_value = x;
        first_want = want;
      }
      ++bad;
    }
    if (std::isfinite(x)) {
      sum += x;
      sum2 += x * x;
      mn = std::isnan(mn) ? x : std::min(mn, x);
      mx = std::isnan(mx) ? x : std::max(mx, x);
    }
  }
  const Shape& shape = a.shape.empty() ? Shape{1} : a.shape;
  c.sample.n = n;
  c.sample.n_nan = nan;
  c.sample.n_inf = nonfinite - nan;
  const int64_t nf = n - nonfinite;
  if (nf > 0) {
    c.sample.mean = sum / static_cast<double>(nf);
    c.sample.variance =
        nf > 1 ? std::max(0.0, (sum2 - sum * sum / static_cast<double>(nf)) /
                                   static_cast<double>(nf - 1))
               : 0.0;
    c.sample.min = mn;
    c.sample.max = mx;
  }
  if (is_float) {
    std::string note;
    if (nonfinite > 0) {
      note = format("%lld non-finite values (%lld NaN, %lld Inf), first at %s",
                    static_cast<long long>(nonfinite), static_cast<long long>(nan),
                    static_cast<long long>(nonfinite - nan),
                    IndexText(first_nonfinite, shape).c_str());
    }
    c.tests.push_back(deterministic_result("finite", n, nonfinite, note));
  }
  std::string note;
  if (bad > 0) {
    note = format("%lld of %lld elements differ from the expected exact values, first at %s: "
                  "%.9g (want %.9g)",
                  static_cast<long long>(bad), static_cast<long long>(n),
                  IndexText(first, shape).c_str(), first_value, first_want);
  }
  c.tests.push_back(deterministic_result("structure", n, bad, note));
  return c;
}

// ---- the battery, with a padding row -----------------------------------------------

TensorCheck BatteryCheck(const TensorData& d, const TensorAssignment& a,
                         const BatteryOptions& opt) {
  const ResolvedRule& res = a.resolution;
  TensorView v = d.view();
  if (v.shape.empty()) v.shape = {1};
  Geometry g = res.geometry;
  if (g.shape.empty()) g.shape = {1};
  std::optional<TestResult> pad;
  std::shared_ptr<std::byte> copy;
  if (res.padding) {
    const int64_t rows = v.shape[0], cols = v.shape[1];
    const std::size_t row_bytes = static_cast<std::size_t>(cols) * dtype_size(v.dtype);
    const auto zeros_in_row = [&](int64_t r) {
      int64_t nz = 0;
      for (int64_t j = 0; j < cols; ++j) nz += v.get(r * cols + j) != 0.0;
      return nz;
    };
    std::optional<int64_t> row = res.padding_index;
    if (!row) {
      for (int64_t r = 0; r < rows && !row; ++r) {
        if (zeros_in_row(r) == 0) row = r;
      }
    }
    if (row) {
      const int64_t nz = zeros_in_row(*row);
      TestResult t = deterministic_result(
          "padding_row", cols, nz,
          nz == 0 ? format("row %lld (padding_idx%s) is all zero; the other %lld rows are "
                           "checked against the scheme",
                           static_cast<long long>(*row), res.padding_index ? "" : ", auto",
                           static_cast<long long>(rows - 1))
                  : format("row %lld (padding_idx) has %lld non-zero values of %lld",
                           static_cast<long long>(*row), static_cast<long long>(nz),
                           static_cast<long long>(cols)));
      pad = t;
      // The other rows: contiguous when the padding row is the first or
      // the last; otherwise copied.
      const std::byte* base = v.data;
      if (*row == 0) {
        v.data = base + row_bytes;
      } else if (*row != rows - 1) {
        const std::size_t n = static_cast<std::size_t>(rows - 1) * row_bytes;
        void* p = std::aligned_alloc(64, std::max<std::size_t>(64, (n + 63) / 64 * 64));
        if (p == nullptr) throw std::bad_alloc();
        copy.reset(static_cast<std::byte*>(p), [](std::byte* q) { std::free(q); });
        const std::size_t before = static_cast<std::size_t>(*row) * row_bytes;
        std::memcpy(copy.get(), base, before);
        std::memcpy(copy.get() + before, base + before + row_bytes, n - before);
        v.data = copy.get();
      }
      v.shape = {rows - 1, cols};
      g.shape = v.shape;
    } else {
      // Auto, no all-zero row: every row is checked; the planned geometry
      // left one out.
      g.shape = v.shape;
    }
  }
  TensorCheck c = check_tensor(v, *res.scheme, g, opt);
  if (pad) c.tests.push_back(*pad);
  c.geometry.shape = a.shape;
  if (!a.tensor.empty()) c.tensor = a.tensor;
  return c;
}

// ---- running -----------------------------------------------------------------------

// Elements in flight, at most `limit` (a larger tensor runs alone).
class Budget {
 public:
  explicit Budget(int64_t limit) : limit_(limit) {}
  void Acquire(int64_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return in_use_ == 0 || in_use_ + n <= limit_; });
    in_use_ += n;
  }
  void Release(int64_t n) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      in_use_ -= n;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t in_use_ = 0;
  const int64_t limit_;
};

std::string Named(const TensorAssignment& a, const std::string& what) {
  if (a.tensor.empty()) {
    return what.rfind(a.file, 0) == 0 ? what : a.file + ": " + what;
  }
  const std::string label = "tensor '" + a.tensor + "'";
  return what.find(label) != std::string::npos ? what : a.file + ": " + label + ": " + what;
}

// Tensors of at least this many values are checked one at a time, each on
// every thread of the arena: their battery is parallel inside (pipeline.h:
// the parallel sort starts at 2^18), and a second thread waiting on the
// memory budget for another large tensor would leave the first one alone
// on one core (BM_CheckFile: 2 threads were no faster than 1).
constexpr int64_t kAloneElements = int64_t{1} << 18;

// Checks tensors[i] for i in `indices` (each kChecked): large ones one after
// another, then the others concurrently under the memory budget; outcomes
// in the order of `indices`, errors per tensor.
std::vector<PlannedCheck> CheckMany(const Checkpoint& ck,
                                    const std::vector<TensorAssignment>& tensors,
                                    const std::vector<std::size_t>& indices,
                                    const CheckOptions& o) {
  int64_t largest = 0;
  std::vector<std::size_t> alone, shared;  // positions in `indices`
  for (std::size_t j = 0; j < indices.size(); ++j) {
    const std::size_t i = indices[j];
    if (i >= tensors.size() || tensors[i].status != TensorStatus::kChecked) {
      throw Error("check_planned: index " + std::to_string(i) +
                  " is not a planned kChecked tensor");
    }
    const int64_t n = shape_numel(tensors[i].shape);
    largest = std::max(largest, n);
    (n >= kAloneElements ? alone : shared).push_back(j);
  }
  std::vector<PlannedCheck> out(indices.size());
  Budget budget(o.memory_budget_elements > 0 ? o.memory_budget_elements : largest);
  std::mutex mu;
  int64_t done = 0;
  auto check = [&](std::size_t j) {
    const TensorAssignment& a = tensors[indices[j]];
    PlannedCheck& r = out[j];
    r.index = indices[j];
    const int64_t n = shape_numel(a.shape);
    budget.Acquire(n);
    const auto start = Clock::now();
    // Isolated: while this task waits inside the battery, the thread must
    // not pick up another tensor (which could block on the budget this task
    // holds).
    tbb::this_task_arena::isolate([&] {
      try {
        r.check = check_assignment(ck, a, o.battery);
      } catch (const Error& err) {
        r.error = Named(a, err.what());
      }
    });
    r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    budget.Release(n);
    if (o.progress) {
      std::lock_guard<std::mutex> lock(mu);
      o.progress(++done, static_cast<int64_t>(indices.size()));
    }
  };
  const int threads = o.threads > 0 ? o.threads : tbb::task_arena::automatic;
  tbb::task_arena arena(threads);
  arena.execute([&] {
    for (const std::size_t j : alone) check(j);
    // One small tensor per task: they differ in size by orders of
    // magnitude, so TBB's work stealing balances them; each result lands in
    // its own slot.
    tbb::parallel_for(
        std::size_t{0}, shared.size(), [&](std::size_t k) { check(shared[k]); },
        tbb::simple_partitioner());
  });
  return out;
}

// Checks the kChecked assignments (in parallel, results in file order) and
// decides.
void Run(const Checkpoint& ck, const CheckOptions& o, CheckRun& run) {
  std::vector<std::size_t> jobs;
  for (std::size_t i = 0; i < run.tensors.size(); ++i) {
    if (run.tensors[i].status == TensorStatus::kChecked) jobs.push_back(i);
  }
  std::vector<PlannedCheck> results = CheckMany(ck, run.tensors, jobs, o);
  // The first error in file order, whatever the timing.
  for (const PlannedCheck& r : results) {
    if (!r.error.empty()) throw Error(r.error);
  }
  run.checks.clear();
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    run.tensors[jobs[j]].check = j;
    run.tensors[jobs[j]].seconds = results[j].seconds;
    run.checks.push_back(std::move(results[j].check));
  }
  decide(run.checks, run.alpha);
}

void CheckAlpha(double alpha) {
  if (!(alpha > 0 && alpha < 1)) {
    throw Error("alpha must be in (0, 1), got " + format_number(alpha));
  }
}

void Summarize(CheckRun& run) {
  run.skipped.clear();
  for (const TensorAssignment& a : run.tensors) {
    if (a.status == TensorStatus::kChecked) continue;
    run.skipped.push_back({a.tensor, a.reason, a.status});
  }
  // In strict mode they are part of the report (strict_issues), not warnings.
  for (const RuleUse& u : run.rules) {
    if (!run.strict && u.from_user && u.tensors == 0) {
      run.warnings.push_back("rule '" + u.globs + "' (" + u.origin + ") matches no tensor");
    }
  }
}

}  // namespace

std::string_view status_name(TensorStatus s) {
  switch (s) {
    case TensorStatus::kChecked:
      return "checked";
    case TensorStatus::kSkipped:
      return "skipped";
    case TensorStatus::kUnmatched:
      return "unmatched";
    case TensorStatus::kAmbiguous:
      return "ambiguous";
    case TensorStatus::kUncheckable:
      return "uncheckable";
  }
  return "?";
}

CheckPlan plan_checks(const Checkpoint& ck, const std::vector<Rule>& rules,
                      const CheckOptions& o) {
  for (const Rule& r : rules) validate_rule(r);
  {
    Geometry g = o.geometry;
    g.shape = {1, 1};
    validate_geometry(g);
  }
  Planner planner(ck, o);
  CheckPlan plan;
  plan.file = ck.path();
  plan.kind = std::string(ck.kind());
  for (const Rule& r : rules) plan.rules.push_back({r.origin, r.glob_text(), r.from_user, 0});
  const auto& entries = ck.entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const CheckpointEntry& e = entries[i];
    TensorAssignment a;
    a.tensor = e.name;
    a.dtype_name = e.dtype_name;
    a.shape = e.shape;
    a.file = e.file;
    a.entry = i;
    const ExprEnv env = planner.Env(e);
    std::string chosen, chosen_by;
    bool decided = false;
    for (std::size_t k = 0; k < rules.size() && !decided; ++k) {
      const Rule& r = rules[k];
      bool hit = false;
      for (const std::string& glob : r.globs) hit = hit || glob_match(glob, e.name);
      if (!hit) continue;
      if (r.when) {
        bool holds = false;
        try {
          holds = r.when->eval_bool(env);
        } catch (const Error& err) {
          a.status = TensorStatus::kUncheckable;
          a.resolution.origin = r.origin;
          a.resolution.module = r.module;
          a.reason = "when: " + std::string(err.what()) + " (" + r.origin + ")";
          Rule same = r;
          same.globs = {literal_glob(e.name)};
          same.origin.clear();
          a.resolution.rule_toml = rule_to_toml(same);
          ++plan.rules[k].tensors;
          decided = true;
          continue;
        }
        if (!holds) continue;
      }
      ++plan.rules[k].tensors;
      if (!r.choose.empty()) {
        if (chosen.empty()) {
          chosen = r.choose;
          chosen_by = r.origin;
        }
        continue;
      }
      decided = true;
      if (r.skip) {
        a.status = TensorStatus::kSkipped;
        a.resolution.origin = r.origin;
        a.resolution.module = r.module;
        a.reason = r.reason.empty() ? "skipped by " + r.origin : r.reason;
        Rule s;
        s.globs = {literal_glob(e.name)};
        s.skip = true;
        s.reason = r.reason;
        a.resolution.rule_toml = rule_to_toml(s);
        continue;
      }
      if (e.numel() == 0) {
        a.status = TensorStatus::kSkipped;
        a.reason = "tensor has no elements (shape " + shape_string(e.shape) + ")";
        Rule s;
        s.globs = {literal_glob(e.name)};
        s.skip = true;
        s.reason = a.reason;
        a.resolution.rule_toml = rule_to_toml(s);
        continue;
      }
      if (!r.candidates.empty()) {
        const Rule* pick = nullptr;
        if (!chosen.empty()) {
          for (const Rule& c : r.candidates) {
            if (ModuleMatches(c.module, chosen)) pick = &c;
          }
          if (pick == nullptr) {
            std::string names;
            for (const Rule& c : r.candidates) names += (names.empty() ? "" : ", ") + c.module;
            a.status = TensorStatus::kUncheckable;
            a.resolution.origin = r.origin;
            a.reason = chosen_by + " chose '" + chosen + "', which is not a candidate of " +
                       r.origin + " (candidates: " + names + ")";
            Rule ch, amb = r;
            ch.globs = amb.globs = {literal_glob(e.name)};
            ch.choose = chosen;
            amb.when.reset();
            amb.origin.clear();
            for (Rule& c : amb.candidates) c.origin.clear();
            a.resolution.rule_toml = rule_to_toml(ch) + rule_to_toml(amb);
            continue;
          }
          a.resolution = planner.Resolve(e, *pick);
          a.resolution.origin = chosen_by + " chose " + pick->module + " of " + r.origin;
        } else {
          std::string names;
          for (const Rule& c : r.candidates) {
            a.candidates.push_back(planner.Resolve(e, c));
            names += (names.empty() ? "" : " or ") + c.module;
          }
          a.status = TensorStatus::kAmbiguous;
          a.resolution.origin = r.origin;
          Rule amb;
          amb.globs = {literal_glob(e.name)};
          for (const Rule& c : r.candidates) {
            Rule cc = c;
            cc.origin.clear();
            amb.candidates.push_back(std::move(cc));
          }
          a.resolution.rule_toml = rule_to_toml(amb);
          a.reason = names + "? choose with --rule '" + literal_glob(e.name) + "=@" +
                     r.candidates.front().module.substr(0, r.candidates.front().module.find('/')) +
                     "' (or @" +
                     r.candidates.back().module.substr(0, r.candidates.back().module.find('/')) +
                     ")";
          continue;
        }
      } else {
        a.resolution = planner.Resolve(e, r);
      }
      if (a.resolution.problem.empty()) {
        a.status = TensorStatus::kChecked;
      } else {
        a.status = TensorStatus::kUncheckable;
        a.reason = a.resolution.problem + " (" + a.resolution.origin + ")";
      }
    }
    if (!decided) {
      a.status = TensorStatus::kUnmatched;
      a.reason = chosen.empty() ? "no rule matches"
                                : "no rule matches (" + chosen_by + " chose '" + chosen +
                                      "', but no ambiguous rule followed)";
    }
    // One line, whatever the names, notes and reasons hold.
    std::vector<std::string*> texts = {&a.reason, &a.resolution.problem};
    for (ResolvedRule& c : a.candidates) texts.push_back(&c.problem);
    for (std::string* t : texts) {
      for (char& c : *t) {
        if (c == '\n' || c == '\r') c = ' ';
      }
    }
    plan.tensors.push_back(std::move(a));
  }
  return plan;
}

TensorCheck check_assignment(const Checkpoint& ck, const TensorAssignment& a,
                             const BatteryOptions& options) {
  if (a.status != TensorStatus::kChecked) {
    throw Error("tensor '" + a.tensor + "' is " + std::string(status_name(a.status)) +
                ", not checked");
  }
  const TensorData d = ck.read(a.entry);
  const ResolvedRule& res = a.resolution;
  if (!res.segments.empty() || (res.scheme && IsExact(*res.scheme) && !res.padding) ||
      !d.dtype()) {
    return ExactCheck(d, a);
  }
  return BatteryCheck(d, a, options);
}

CheckRun finish_run(CheckPlan plan, std::vector<std::pair<std::size_t, TensorCheck>> checks,
                    const CheckOptions& o) {
  CheckAlpha(o.alpha);
  CheckRun run;
  run.file = plan.file;
  run.kind = plan.kind;
  run.alpha = o.alpha;
  run.strict = o.strict;
  run.tensors = std::move(plan.tensors);
  run.rules = std::move(plan.rules);
  std::vector<std::optional<TensorCheck>> slot(run.tensors.size());
  for (auto& [i, c] : checks) {
    if (i >= run.tensors.size() || run.tensors[i].status != TensorStatus::kChecked || slot[i]) {
      throw Error("finish_run: check " + std::to_string(i) +
                  " is not one planned kChecked tensor");
    }
    slot[i] = std::move(c);
  }
  for (std::size_t i = 0; i < run.tensors.size(); ++i) {
    if (run.tensors[i].status != TensorStatus::kChecked) continue;
    if (!slot[i]) throw Error("finish_run: tensor '" + run.tensors[i].tensor + "' has no check");
    run.tensors[i].check = run.checks.size();
    run.checks.push_back(std::move(*slot[i]));
  }
  decide(run.checks, run.alpha);
  Summarize(run);
  return run;
}

std::vector<std::string> CheckRun::strict_issues() const {
  std::vector<std::string> out;
  for (const TensorAssignment& a : tensors) {
    if (a.status == TensorStatus::kUnmatched || a.status == TensorStatus::kAmbiguous ||
        a.status == TensorStatus::kUncheckable) {
      out.push_back((a.tensor.empty() ? file : a.tensor) + ": " +
                    std::string(status_name(a.status)) + ": " + a.reason);
    }
  }
  for (const RuleUse& u : rules) {
    if (u.from_user && u.tensors == 0) {
      out.push_back("rule '" + u.globs + "' (" + u.origin + ") matches no tensor");
    }
  }
  return out;
}

bool CheckRun::pass() const {
  const bool checks_pass = std::all_of(checks.begin(), checks.end(),
                                       [](const TensorCheck& c) { return c.pass; });
  return checks_pass && (!strict || strict_issues().empty());
}

namespace {

void CheckSchemeOptions(const CheckOptions& o) {
  CheckAlpha(o.alpha);
  validate_geometry([&] {
    Geometry g = o.geometry;
    g.shape = {1, 1};
    return g;
  }());
}

void CheckRuleOptions(const std::vector<Rule>& rules, const CheckOptions& o) {
  CheckAlpha(o.alpha);
  if (rules.empty()) throw Error("no rules given");
  for (const Rule& r : rules) validate_rule(r);
}

// check_file(path, scheme, tensor) once the checkpoint is open.
CheckRun CheckOne(const Checkpoint* ck, const Scheme& scheme, const std::string& tensor,
                  const CheckOptions& o, Clock::time_point start) {
  const std::string& path = ck->path();
  const auto& entries = ck->entries();
  std::size_t index = entries.size();
  if (!tensor.empty()) {
    if (ck->kind() == "npy") {
      throw Error("a .npy file holds one tensor: give SCHEME only (no tensor name)");
    }
    if (const auto i = ck->find(tensor)) index = *i;
    if (index == entries.size()) throw Error(path + ": no tensor named '" + tensor + "'");
  } else {
    if (entries.size() != 1) {
      throw Error(path + " holds " + std::to_string(entries.size()) +
                  " tensors; choose one with --tensor NAME or map names with "
                  "--rule 'GLOB=SCHEME'");
    }
    index = 0;
  }
  const CheckpointEntry& e = entries[index];
  const std::string label = e.name.empty() ? path : path + ": tensor '" + e.name + "'";
  if (e.kind != ElementKind::kFloat && !IsExact(scheme)) {
    throw Error(label + " is not a float tensor (dtype " + e.dtype_name +
                "); integer and bool tensors can be checked against zeros, ones or constant");
  }
  if (e.numel() == 0) {
    throw Error(label + ": tensor has no elements (shape " + shape_string(e.shape) + ")");
  }
  if (e.shape.empty() && !IsExact(scheme)) throw Error(label + ": empty shape");
  Rule r;
  r.globs = {literal_glob(e.name)};
  r.scheme = scheme;
  r.origin = "SCHEME";
  Planner planner(*ck, o);
  TensorAssignment a;
  a.tensor = e.name;
  a.dtype_name = e.dtype_name;
  a.shape = e.shape;
  a.file = e.file;
  a.entry = index;
  a.resolution = planner.Resolve(e, r);
  if (!a.resolution.problem.empty()) throw Error(Named(a, a.resolution.problem));
  a.status = TensorStatus::kChecked;
  CheckRun run;
  run.file = path;
  run.kind = std::string(ck->kind());
  run.alpha = o.alpha;
  run.tensors.push_back(std::move(a));
  Run(*ck, o, run);
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return run;
}

}  // namespace

CheckRun check_file(const std::string& path, const Scheme& scheme,
                    const std::string& tensor, const CheckOptions& o) {
  const auto start = Clock::now();
  CheckSchemeOptions(o);
  const std::unique_ptr<Checkpoint> ck = Checkpoint::open(path, o.limits);
  return CheckOne(ck.get(), scheme, tensor, o, start);
}

CheckRun check_checkpoint(const Checkpoint& ck, const Scheme& scheme, const std::string& tensor,
                          const CheckOptions& o) {
  const auto start = Clock::now();
  CheckSchemeOptions(o);
  return CheckOne(&ck, scheme, tensor, o, start);
}

void require_checks(const CheckPlan& plan, const CheckOptions& o) {
  const bool any = std::any_of(plan.tensors.begin(), plan.tensors.end(), [](const auto& a) {
    return a.status == TensorStatus::kChecked;
  });
  if (any) return;
  CheckRun run;
  run.file = plan.file;
  run.strict = o.strict;
  run.tensors = plan.tensors;
  run.rules = plan.rules;
  Summarize(run);
  if (o.strict && !run.strict_issues().empty()) return;  // a strict failure, reported
  std::map<std::string, int> n;
  for (const Skipped& s : run.skipped) ++n[std::string(status_name(s.status))];
  std::string what;
  for (const char* k : {"skipped", "unmatched", "ambiguous", "uncheckable"}) {
    if (n.count(k)) what += (what.empty() ? "" : ", ") + std::to_string(n[k]) + " " + k;
  }
  std::string first;
  for (const Skipped& sk : run.skipped) {
    if (sk.status == TensorStatus::kUncheckable || sk.status == TensorStatus::kAmbiguous) {
      first = "; first: " + (sk.tensor.empty() ? plan.file : sk.tensor) + ": " + sk.reason;
      break;
    }
  }
  throw Error(plan.file + ": no tensor to check (" + (what.empty() ? "0 skipped" : what) +
              ")" + first);
}

std::vector<std::size_t> planned_checks(const CheckPlan& plan) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < plan.tensors.size(); ++i) {
    if (plan.tensors[i].status == TensorStatus::kChecked) out.push_back(i);
  }
  return out;
}

std::vector<PlannedCheck> check_planned(const Checkpoint& ck, const CheckPlan& plan,
                                        const std::vector<std::size_t>& indices,
                                        const CheckOptions& o) {
  return CheckMany(ck, plan.tensors, indices, o);
}

CheckRun finish_planned(CheckPlan plan, std::vector<PlannedCheck> outcomes,
                        const CheckOptions& o) {
  // The first error in file order, whoever checked which tensor when.
  const PlannedCheck* first = nullptr;
  for (const PlannedCheck& r : outcomes) {
    if (!r.error.empty() && (first == nullptr || r.index < first->index)) first = &r;
  }
  if (first != nullptr) throw Error(first->error);
  std::vector<std::pair<std::size_t, TensorCheck>> checks;
  checks.reserve(outcomes.size());
  for (PlannedCheck& r : outcomes) {
    if (r.index < plan.tensors.size()) plan.tensors[r.index].seconds = r.seconds;
    checks.emplace_back(r.index, std::move(r.check));
  }
  return finish_run(std::move(plan), std::move(checks), o);
}

namespace {

// check_file(path, rules) once the checkpoint is open.
CheckRun CheckRules(const Checkpoint& ck, const std::vector<Rule>& rules, const CheckOptions& o,
                    Clock::time_point start) {
  CheckPlan plan = plan_checks(ck, rules, o);
  require_checks(plan, o);
  std::vector<PlannedCheck> outcomes = check_planned(ck, plan, planned_checks(plan), o);
  CheckRun run = finish_planned(std::move(plan), std::move(outcomes), o);
  run.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return run;
}

// The caller's tensors as a MemoryCheckpoint (zero copy).
MemoryCheckpoint InMemory(const std::vector<NamedView>& tensors, const std::string& label) {
  std::vector<MemoryTensor> entries;
  entries.reserve(tensors.size());
  for (const NamedView& t : tensors) {
    entries.push_back({float_entry(t.name, t.view.dtype, t.view.shape), t.view.data});
  }
  return MemoryCheckpoint(label, std::move(entries));
}

}  // namespace

CheckRun check_file(const std::string& path, const std::vector<Rule>& rules,
                    const CheckOptions& o) {
  const auto start = Clock::now();
  CheckRuleOptions(rules, o);
  const std::unique_ptr<Checkpoint> ck = Checkpoint::open(path, o.limits);
  return CheckRules(*ck, rules, o, start);
}

CheckRun check_checkpoint(const Checkpoint& ck, const std::vector<Rule>& rules,
                          const CheckOptions& o) {
  const auto start = Clock::now();
  CheckRuleOptions(rules, o);
  return CheckRules(ck, rules, o, start);
}

CheckRun check_view(const TensorView& tensor, const Scheme& scheme, const CheckOptions& o,
                    const std::string& label) {
  const auto start = Clock::now();
  CheckSchemeOptions(o);
  const MemoryCheckpoint ck = InMemory({NamedView{"", tensor}}, label);
  return CheckOne(&ck, scheme, "", o, start);
}

CheckRun check_tensors(const std::vector<NamedView>& tensors, const std::vector<Rule>& rules,
                       const CheckOptions& o, const std::string& label) {
  const auto start = Clock::now();
  CheckRuleOptions(rules, o);
  for (const NamedView& t : tensors) {
    if (t.name.empty()) throw Error(label + ": a tensor has an empty name");
  }
  const MemoryCheckpoint ck = InMemory(tensors, label);
  return CheckRules(ck, rules, o, start);
}

}  // namespace initcheck::verify
