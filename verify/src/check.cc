// check_file (see initcheck/verify/check.h): plan from the headers, then run
// the battery tensor by tensor in parallel.
#include "initcheck/verify/check.h"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include "initcheck/checkpoint.h"
#include "initcheck/error.h"
#include "initcheck/verify/glob.h"
#include "initcheck/verify/oracle.h"

namespace initcheck::verify {
namespace {

// Tensors in the caller's memory as a Checkpoint (check_view,
// check_tensors): Run reads the views in place; read() (a copy) exists only
// to complete the interface.
class MemoryCheckpoint final : public Checkpoint {
 public:
  MemoryCheckpoint(std::string label, std::vector<NamedView> views)
      : Checkpoint(std::move(label)), views_(std::move(views)) {
    for (const NamedView& v : views_) {
      if (v.view.data == nullptr && shape_numel(v.view.shape) > 0) {
        throw Error(path() + ": tensor '" + v.name + "' has no data pointer");
      }
      entries_.push_back({v.name, std::string(dtype_name(v.view.dtype)), v.view.dtype,
                          v.view.shape});
    }
  }
  std::string_view kind() const override { return "memory"; }
  Tensor read(std::size_t i) const override {
    const TensorView& v = views_.at(i).view;
    Tensor t(v.dtype, v.shape);
    if (v.nbytes() > 0) std::memcpy(t.data(), v.data, v.nbytes());
    return t;
  }
  const TensorView& view(std::size_t i) const { return views_.at(i).view; }

 private:
  std::vector<NamedView> views_;
};

// One planned check: which entry, with which scheme and geometry.
struct Job {
  std::size_t entry = 0;
  Scheme scheme;
  Geometry geometry;
};

std::string TensorLabel(const Checkpoint& ck, const CheckpointEntry& e) {
  return e.name.empty() ? ck.path() : "tensor '" + e.name + "'";
}

// Adds the tensor's name to a message that does not already name it.
std::string Named(const Checkpoint& ck, const CheckpointEntry& e, const std::string& what) {
  if (e.name.empty()) {
    return what.rfind(ck.path(), 0) == 0 ? what : ck.path() + ": " + what;
  }
  const std::string label = TensorLabel(ck, e);
  return what.find(label) != std::string::npos ? what : label + ": " + what;
}

Geometry GeometryFor(const CheckpointEntry& e, const Rule* rule, const CheckOptions& o) {
  Geometry g = o.geometry;
  g.shape = e.shape;
  if (rule != nullptr) {
    if (rule->layout) g.layout = *rule->layout;
    if (rule->fan_in) {
      g.fan_in = rule->fan_in;
      g.fan_out = rule->fan_out;
      g.in_axis.reset();
      g.out_axis.reset();
    }
  }
  validate_geometry(g);
  return g;
}

// Plans one tensor: the geometry and the oracle's target must exist for the
// scheme (throws Error naming the tensor otherwise).
Job Plan(const Checkpoint& ck, std::size_t i, const Scheme& scheme, const Rule* rule,
         const CheckOptions& o) {
  const CheckpointEntry& e = ck.entries()[i];
  try {
    Job j{i, scheme, GeometryFor(e, rule, o)};
    (void)derive_target(scheme, j.geometry);
    return j;
  } catch (const Error& err) {
    std::string where = rule != nullptr && !rule->origin.empty() ? " (" + rule->origin + ")" : "";
    throw Error(Named(ck, e, err.what()) + where);
  }
}

// Why an entry cannot be checked at all, or "".
std::string Unreadable(const CheckpointEntry& e) {
  if (!e.dtype) return "dtype " + e.dtype_name + " is not a float type";
  if (shape_numel(e.shape) == 0) return "tensor has no elements";
  return "";
}

// Runs the planned jobs (in parallel, results in job order) and decides.
void Run(const Checkpoint& ck, const std::vector<Job>& jobs, const CheckOptions& o,
         CheckRun& run) {
  run.checks.resize(jobs.size());
  const auto* memory = dynamic_cast<const MemoryCheckpoint*>(&ck);
  std::vector<std::string> errors(jobs.size());
  std::mutex mu;
  int64_t done = 0;
  const int threads = o.threads > 0 ? o.threads : tbb::task_arena::automatic;
  tbb::task_arena arena(threads);
  arena.execute([&] {
    // One tensor per task: tensors differ in size by orders of magnitude, so
    // TBB's work stealing balances them; each result lands in its own slot.
    tbb::parallel_for(std::size_t{0}, jobs.size(), [&](std::size_t j) {
      const Job& job = jobs[j];
      const CheckpointEntry& e = ck.entries()[job.entry];
      try {
        // In memory: the caller's elements in place; a file: read the tensor.
        Tensor owned;
        TensorView view;
        if (memory != nullptr) {
          view = memory->view(job.entry);
        } else {
          owned = ck.read(job.entry);
          view = owned.view();
        }
        TensorCheck c = check_tensor(view, job.scheme, job.geometry, o.battery);
        if (!e.name.empty()) c.tensor = e.name;
        run.checks[j] = std::move(c);
      } catch (const Error& err) {
        errors[j] = Named(ck, e, err.what());
      }
      if (o.progress) {
        std::lock_guard<std::mutex> lock(mu);
        o.progress(++done, static_cast<int64_t>(jobs.size()));
      }
    });
  });
  // The first error in file order, whatever the timing.
  for (const std::string& e : errors) {
    if (!e.empty()) throw Error(e);
  }
  decide(run.checks, run.alpha);
}

void CheckAlpha(double alpha) {
  if (!(alpha > 0 && alpha < 1)) {
    throw Error("alpha must be in (0, 1), got " + format_number(alpha));
  }
}

}  // namespace

bool CheckRun::pass() const {
  return std::all_of(checks.begin(), checks.end(),
                     [](const TensorCheck& c) { return c.pass; });
}

Rule parse_rule_arg(std::string_view text, std::string origin) {
  Rule r;
  try {
    auto [glob, scheme] = parse_rule(text);
    r.glob = glob;
    r.scheme = Scheme::parse(scheme);
  } catch (const Error& e) {
    throw Error(origin.empty() ? std::string(e.what()) : origin + ": " + e.what());
  }
  r.origin = std::move(origin);
  return r;
}

namespace {

void CheckOptionsValid(const CheckOptions& o) {
  CheckAlpha(o.alpha);
  validate_geometry([&] {
    Geometry g = o.geometry;
    g.shape = {1, 1};
    return g;
  }());
}

// check_file(path, scheme, tensor) once the file is open.
CheckRun CheckOne(const Checkpoint& checkpoint, const Scheme& scheme, const std::string& tensor,
                  const CheckOptions& o) {
  const Checkpoint* ck = &checkpoint;
  const std::string& path = ck->path();
  const auto& entries = ck->entries();
  std::size_t index = entries.size();
  if (!tensor.empty()) {
    if (ck->kind() == "npy") {
      throw Error("a .npy file holds one tensor: give SCHEME only (no tensor name)");
    }
    for (std::size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].name == tensor) index = i;
    }
    if (index == entries.size()) throw Error(path + ": no tensor named '" + tensor + "'");
    if (!entries[index].dtype) {
      throw Error(path + ": tensor '" + tensor + "' is not a float tensor (dtype " +
                  entries[index].dtype_name + ")");
    }
  } else {
    if (entries.size() != 1) {
      throw Error(path + " holds " + std::to_string(entries.size()) +
                  " tensors; choose one with --tensor NAME or map names with "
                  "--rule 'GLOB=SCHEME'");
    }
    index = 0;
  }
  const CheckpointEntry& e = entries[index];
  if (const std::string why = Unreadable(e); !why.empty()) {
    throw Error(Named(*ck, e, why + " (shape " + shape_string(e.shape) + ")"));
  }
  CheckRun run;
  run.file = path;
  run.alpha = o.alpha;
  const std::vector<Job> jobs = {Plan(*ck, index, scheme, nullptr, o)};
  Run(*ck, jobs, o, run);
  return run;
}

void RulesValid(const std::vector<Rule>& rules, const CheckOptions& o) {
  CheckAlpha(o.alpha);
  if (rules.empty()) throw Error("no rules given");
  for (const Rule& r : rules) {
    validate_glob(r.glob);
    if (!r.skip && !r.scheme) throw Error(r.origin + ": rule has no scheme");
  }
}

// check_file(path, rules) once the file is open.
CheckRun CheckRules(const Checkpoint& checkpoint, const std::vector<Rule>& rules,
                    const CheckOptions& o) {
  const Checkpoint* ck = &checkpoint;
  const std::string& path = ck->path();
  CheckRun run;
  run.file = path;
  run.alpha = o.alpha;
  std::vector<bool> used(rules.size(), false);
  std::vector<Job> jobs;
  const auto& entries = ck->entries();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const CheckpointEntry& e = entries[i];
    const Rule* rule = nullptr;
    for (std::size_t r = 0; r < rules.size() && rule == nullptr; ++r) {
      if (glob_match(rules[r].glob, e.name)) {
        rule = &rules[r];
        used[r] = true;  // the first matching rule wins
      }
    }
    if (rule == nullptr) {
      run.skipped.push_back({e.name, "no rule matches"});
    } else if (rule->skip) {
      run.skipped.push_back({e.name, rule->reason.empty() ? "skipped by " + rule->origin
                                                          : rule->reason});
    } else if (const std::string why = Unreadable(e); !why.empty()) {
      run.skipped.push_back({e.name, why});
    } else {
      jobs.push_back(Plan(*ck, i, *rule->scheme, rule, o));
    }
  }
  for (std::size_t r = 0; r < rules.size(); ++r) {
    if (!used[r]) {
      run.warnings.push_back("rule '" + rules[r].glob + "' (" + rules[r].origin +
                             ") matches no tensor");
    }
  }
  if (jobs.empty()) {
    throw Error(path + ": no tensor to check (" + std::to_string(run.skipped.size()) +
                " skipped)");
  }
  Run(*ck, jobs, o, run);
  return run;
}

// The in-memory checkpoint of check_view/check_tensors (names checked).
MemoryCheckpoint MemoryOf(const std::vector<NamedView>& tensors, const std::string& label,
                          bool named) {
  std::vector<std::string_view> names;
  for (const NamedView& t : tensors) {
    if (named && t.name.empty()) throw Error(label + ": a tensor has an empty name");
    names.push_back(t.name);
  }
  std::sort(names.begin(), names.end());
  if (auto d = std::adjacent_find(names.begin(), names.end()); d != names.end()) {
    throw Error(label + ": two tensors are named '" + std::string(*d) + "'");
  }
  return MemoryCheckpoint(label, tensors);
}

}  // namespace

CheckRun check_file(const std::string& path, const Scheme& scheme,
                    const std::string& tensor, const CheckOptions& o) {
  CheckOptionsValid(o);
  const std::unique_ptr<Checkpoint> ck = Checkpoint::open(path, o.limits);
  return CheckOne(*ck, scheme, tensor, o);
}

CheckRun check_file(const std::string& path, const std::vector<Rule>& rules,
                    const CheckOptions& o) {
  RulesValid(rules, o);
  const std::unique_ptr<Checkpoint> ck = Checkpoint::open(path, o.limits);
  return CheckRules(*ck, rules, o);
}

CheckRun check_view(const TensorView& tensor, const Scheme& scheme, const CheckOptions& o,
                    const std::string& label) {
  CheckOptionsValid(o);
  const MemoryCheckpoint ck = MemoryOf({NamedView{"", tensor}}, label, /*named=*/false);
  return CheckOne(ck, scheme, "", o);
}

CheckRun check_tensors(const std::vector<NamedView>& tensors, const std::vector<Rule>& rules,
                       const CheckOptions& o, const std::string& label) {
  RulesValid(rules, o);
  const MemoryCheckpoint ck = MemoryOf(tensors, label, /*named=*/true);
  return CheckRules(ck, rules, o);
}

}  // namespace initcheck::verify
