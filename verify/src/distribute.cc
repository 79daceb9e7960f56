// Work distribution and exact result records for multi-process runners (see
// initcheck/verify/distribute.h).
#include "initcheck/verify/distribute.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <numeric>
#include <optional>

#include "initcheck/error.h"
#include "initcheck/verify/format.h"

namespace initcheck::verify {
namespace {

// ---- the record ---------------------------------------------------------------
// "ICKRES" + version, then a byte-order mark written as a native uint32:
// records are read by processes of the same build on the same architecture
// (mpirun of one binary); a mismatch is refused, never misread.
constexpr char kMagic[8] = {'I', 'C', 'K', 'R', 'E', 'S', '0', '1'};
constexpr uint32_t kByteOrderMark = 0x01020304u;

class Writer {
 public:
  void raw(const void* p, std::size_t n) { out_.append(static_cast<const char*>(p), n); }
  void u8(uint8_t v) { raw(&v, 1); }
  void u32(uint32_t v) { raw(&v, sizeof v); }
  void u64(uint64_t v) { raw(&v, sizeof v); }
  void i64(int64_t v) { u64(static_cast<uint64_t>(v)); }
  void b(bool v) { u8(v ? 1 : 0); }
  // The double's 64 bits: NaN payloads, -0 and subnormals survive.
  void f64(double v) { u64(std::bit_cast<uint64_t>(v)); }
  void str(std::string_view s) {
    u64(s.size());
    raw(s.data(), s.size());
  }
  template <class T>
  void opt(const std::optional<T>& v, void (Writer::*put)(T)) {
    b(v.has_value());
    if (v) (this->*put)(*v);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  void raw(void* p, std::size_t n) {
    if (n > in_.size() - at_) Fail("truncated (needs " + std::to_string(n) + " more bytes)");
    std::memcpy(p, in_.data() + at_, n);
    at_ += n;
  }
  uint8_t u8() {
    uint8_t v;
    raw(&v, 1);
    return v;
  }
  uint32_t u32() {
    uint32_t v;
    raw(&v, sizeof v);
    return v;
  }
  uint64_t u64() {
    uint64_t v;
    raw(&v, sizeof v);
    return v;
  }
  int64_t i64() { return static_cast<int64_t>(u64()); }
  int i32() {
    const int64_t v = i64();
    if (v < INT32_MIN || v > INT32_MAX) Fail("int out of range");
    return static_cast<int>(v);
  }
  bool b() {
    const uint8_t v = u8();
    if (v > 1) Fail("bad bool");
    return v == 1;
  }
  double f64() { return std::bit_cast<double>(u64()); }
  std::string str() {
    const uint64_t n = u64();
    if (n > in_.size() - at_) Fail("truncated string");
    std::string s(in_.substr(at_, static_cast<std::size_t>(n)));
    at_ += static_cast<std::size_t>(n);
    return s;
  }
  // A count of items of at least `min_bytes` each (bounds the allocation).
  std::size_t count(std::size_t min_bytes) {
    const uint64_t n = u64();
    if (n > (in_.size() - at_) / std::max<std::size_t>(1, min_bytes)) Fail("bad count");
    return static_cast<std::size_t>(n);
  }
  template <class E>
  E enumeration(E last) {
    const uint32_t v = u32();
    if (v > static_cast<uint32_t>(last)) Fail("bad enumerator " + std::to_string(v));
    return static_cast<E>(v);
  }
  bool done() const { return at_ == in_.size(); }
  [[noreturn]] void Fail(const std::string& what) const {
    throw Error("result message: " + what + " at byte " + std::to_string(at_) + " of " +
                std::to_string(in_.size()));
  }

 private:
  std::string_view in_;
  std::size_t at_ = 0;
};

template <class E>
void PutEnum(Writer& w, E e) {
  w.u32(static_cast<uint32_t>(e));
}

void Put(Writer& w, const Geometry& g) {
  w.u64(g.shape.size());
  for (const int64_t d : g.shape) w.i64(d);
  PutEnum(w, g.layout);
  w.i64(g.groups);
  w.b(g.transposed);
  PutEnum(w, g.fans);
  w.b(g.in_axis.has_value());
  if (g.in_axis) w.i64(*g.in_axis);
  w.b(g.out_axis.has_value());
  if (g.out_axis) w.i64(*g.out_axis);
  w.opt(g.fan_in, &Writer::i64);
  w.opt(g.fan_out, &Writer::i64);
}

Geometry GetGeometry(Reader& r) {
  Geometry g;
  g.shape.resize(r.count(8));
  for (int64_t& d : g.shape) d = r.i64();
  g.layout = r.enumeration(Layout::kJax);
  g.groups = r.i64();
  g.transposed = r.b();
  g.fans = r.enumeration(FanConvention::kLayer);
  if (r.b()) g.in_axis = r.i32();
  if (r.b()) g.out_axis = r.i32();
  if (r.b()) g.fan_in = r.i64();
  if (r.b()) g.fan_out = r.i64();
  return g;
}

void Put(Writer& w, const Target& t) {
  PutEnum(w, t.family);
  for (const double x : {t.mean, t.variance, t.low, t.high, t.parent_mean, t.parent_std,
                         t.value, t.gain}) {
    w.f64(x);
  }
  w.i64(t.rows);
  w.i64(t.cols);
  w.i64(t.groups);
  w.i64(t.zeros_per_column);
  w.b(t.fans.has_value());
  if (t.fans) {
    w.i64(t.fans->fan_in);
    w.i64(t.fans->fan_out);
  }
  w.str(t.derivation);
}

Target GetTarget(Reader& r) {
  Target t;
  t.family = r.enumeration(Target::Family::kDeltaOrthogonal);
  for (double* x : {&t.mean, &t.variance, &t.low, &t.high, &t.parent_mean, &t.parent_std,
                    &t.value, &t.gain}) {
    *x = r.f64();
  }
  t.rows = r.i64();
  t.cols = r.i64();
  t.groups = r.i64();
  t.zeros_per_column = r.i64();
  if (r.b()) {
    OracleFans f;
    f.fan_in = r.i64();
    f.fan_out = r.i64();
    t.fans = f;
  }
  t.derivation = r.str();
  return t;
}

void Put(Writer& w, const SampleSummary& s) {
  w.i64(s.n);
  w.i64(s.n_nan);
  w.i64(s.n_inf);
  for (const double x : {s.mean, s.variance, s.min, s.max, s.excess_kurtosis}) w.f64(x);
}

SampleSummary GetSample(Reader& r) {
  SampleSummary s;
  s.n = r.i64();
  s.n_nan = r.i64();
  s.n_inf = r.i64();
  for (double* x : {&s.mean, &s.variance, &s.min, &s.max, &s.excess_kurtosis}) *x = r.f64();
  return s;
}

void Put(Writer& w, const TestResult& t) {
  w.str(t.name);
  w.i64(t.n);
  w.f64(t.statistic);
  w.f64(t.dof);
  w.f64(t.p_value);
  w.b(t.reliable);
  w.str(t.note);
  w.u64(t.details.size());
  for (const Detail& d : t.details) {
    w.str(d.name);
    w.f64(d.value);
  }
}

TestResult GetTest(Reader& r) {
  TestResult t;
  t.name = r.str();
  t.n = r.i64();
  t.statistic = r.f64();
  t.dof = r.f64();
  t.p_value = r.f64();
  t.reliable = r.b();
  t.note = r.str();
  t.details.resize(r.count(16));
  for (Detail& d : t.details) {
    d.name = r.str();
    d.value = r.f64();
  }
  return t;
}

void Put(Writer& w, const TensorCheck& c) {
  w.b(c.tensor.has_value());
  if (c.tensor) w.str(*c.tensor);
  w.str(c.scheme);
  Put(w, c.geometry);
  PutEnum(w, c.dtype);
  w.str(c.stored_dtype);
  PutEnum(w, c.source_dtype);
  w.str(c.source_note);
  Put(w, c.target);
  Put(w, c.sample);
  w.u64(c.tests.size());
  for (const TestResult& t : c.tests) Put(w, t);
  w.u64(c.adjusted_p.size());
  for (const double p : c.adjusted_p) w.f64(p);
  w.u64(c.rejected.size());
  for (const bool x : c.rejected) w.b(x);
  w.b(c.pass);
  w.str(c.diagnosis);
}

TensorCheck GetCheck(Reader& r) {
  TensorCheck c;
  if (r.b()) c.tensor = r.str();
  c.scheme = r.str();
  c.geometry = GetGeometry(r);
  c.dtype = r.enumeration(DType::kBF16);
  c.stored_dtype = r.str();
  c.source_dtype = r.enumeration(DType::kBF16);
  c.source_note = r.str();
  c.target = GetTarget(r);
  c.sample = GetSample(r);
  c.tests.resize(r.count(8));
  for (TestResult& t : c.tests) t = GetTest(r);
  c.adjusted_p.resize(r.count(8));
  for (double& p : c.adjusted_p) p = r.f64();
  const std::size_t n = r.count(1);
  for (std::size_t i = 0; i < n; ++i) c.rejected.push_back(r.b());
  c.pass = r.b();
  c.diagnosis = r.str();
  return c;
}

}  // namespace

int64_t check_cost(const TensorAssignment& a) { return std::max<int64_t>(1, shape_numel(a.shape)); }

std::vector<std::vector<std::size_t>> assign_by_size(const CheckPlan& plan, int workers) {
  if (workers < 1) throw Error("assign_by_size: need at least 1 worker, got " +
                               std::to_string(workers));
  std::vector<std::size_t> order = planned_checks(plan);
  // Decreasing cost; stable, so equal costs keep file order.
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return check_cost(plan.tensors[a]) > check_cost(plan.tensors[b]);
  });
  std::vector<std::vector<std::size_t>> parts(static_cast<std::size_t>(workers));
  std::vector<int64_t> load(static_cast<std::size_t>(workers), 0);
  for (const std::size_t i : order) {
    // The least loaded worker; min_element returns the first (lowest) of ties.
    const auto w = static_cast<std::size_t>(
        std::min_element(load.begin(), load.end()) - load.begin());
    parts[w].push_back(i);
    load[w] += check_cost(plan.tensors[i]);
  }
  for (auto& p : parts) std::sort(p.begin(), p.end());
  return parts;
}

std::string encode_outcomes(const std::vector<PlannedCheck>& outcomes) {
  Writer w;
  w.raw(kMagic, sizeof kMagic);
  w.u32(kByteOrderMark);
  w.u64(outcomes.size());
  for (const PlannedCheck& o : outcomes) {
    w.u64(o.index);
    w.f64(o.seconds);
    w.str(o.error);
    Put(w, o.check);
  }
  return w.take();
}

std::vector<PlannedCheck> decode_outcomes(std::string_view bytes) {
  Reader r(bytes);
  char magic[sizeof kMagic];
  r.raw(magic, sizeof magic);
  if (std::memcmp(magic, kMagic, sizeof kMagic) != 0) {
    r.Fail("not an initcheck result record of this version (bad magic)");
  }
  if (r.u32() != kByteOrderMark) r.Fail("written with another byte order");
  std::vector<PlannedCheck> out(r.count(32));
  for (PlannedCheck& o : out) {
    o.index = static_cast<std::size_t>(r.u64());
    o.seconds = r.f64();
    o.error = r.str();
    o.check = GetCheck(r);
  }
  if (!r.done()) r.Fail("trailing bytes");
  return out;
}

uint64_t plan_fingerprint(const CheckPlan& plan) {
  std::string text = plan.kind + '\n' + std::to_string(plan.tensors.size()) + '\n';
  text += format_rules(plan);
  for (const RuleUse& u : plan.rules) {
    text += u.origin + '\x1f' + u.globs + '\x1f' + std::to_string(u.tensors) + '\n';
  }
  // FNV-1a, 64 bits (Fowler, Noll, Vo).
  uint64_t h = 14695981039346656037ull;
  for (const unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace initcheck::verify
