// The power (mutation) study and the shared statistics of power.h.
#include "initcheck/internal/json.h"
#include "initcheck/verify/power.h"

#include <boost/math/distributions/beta.hpp>
#include <boost/math/distributions/binomial.hpp>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <span>

#include "initcheck/error.h"
#include "initcheck/fill.h"
#include "initcheck/io.h"
#include "initcheck/verify/mutants.h"
#include "parallel.h"

namespace initcheck::verify {
namespace {

using nlohmann::ordered_json;

using ::initcheck::internal::json_number;

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// FNV-1a of a name: stable per-mutant seed streams, independent of the
// catalogue's order.
uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

struct Outcome {
  bool detected = false;
  int64_t numel = 0;
  std::vector<std::string> fired;
  std::string diagnosis;
};

Outcome RunOne(const Mutant& m, int64_t n, uint64_t seed, double alpha,
               bool reference) {
  const MutantCase c = reference ? make_reference_case(m, n, seed)
                                 : make_mutant_case(m, n, seed);
  const TensorCheck r = check_one(c.tensor, c.scheme, c.geometry, alpha);
  Outcome o;
  o.detected = !r.pass;
  o.numel = c.tensor.numel();
  for (size_t i = 0; i < r.tests.size(); ++i) {
    if (r.rejected[i]) o.fired.push_back(r.tests[i].name);
  }
  o.diagnosis = r.diagnosis;
  return o;
}

PowerPoint Point(int64_t n, int seeds, int detections, double confidence,
                 double target) {
  PowerPoint p;
  p.n = n;
  p.seeds = seeds;
  p.detections = detections;
  p.rate = seeds > 0 ? static_cast<double>(detections) / seeds : 0.0;
  p.ci = clopper_pearson(detections, seeds, confidence);
  p.passed = seeds > 0 && p.rate >= target;
  return p;
}

// Runs up to `seeds` seeds at n in seed order, stopping at the first seed
// index where the misses exceed `max_misses` (results are processed in seed
// order, so the point does not depend on the thread count).
PowerPoint EvaluatePoint(const Mutant& m, int64_t n, uint64_t stream,
                         const PowerOptions& o, int threads, int max_misses) {
  std::vector<Outcome> out;
  int misses = 0, detections = 0, used = 0;
  int64_t numel = 0;
  bool stop = false;
  const int batch = std::max(1, threads);
  for (int first = 0; first < o.min_n_seeds && !stop; first += batch) {
    const int last = std::min(o.min_n_seeds, first + batch);
    out.assign(static_cast<size_t>(last - first), Outcome{});
    internal::ParallelIndex(first, last, threads, [&](int64_t i) {
      out[static_cast<size_t>(i - first)] = RunOne(
          m, n, study_seed(o.base_seed, stream, static_cast<uint64_t>(i)),
          o.alpha, false);
    });
    for (const Outcome& r : out) {
      ++used;
      numel = r.numel;
      if (r.detected) {
        ++detections;
      } else if (++misses > max_misses) {
        stop = true;
        break;
      }
    }
  }
  PowerPoint p = Point(numel, used, detections, o.confidence, o.target_power);
  p.passed = used == o.min_n_seeds && misses <= max_misses;
  return p;
}

}  // namespace

Interval clopper_pearson(int64_t k, int64_t n, double confidence) {
  Interval ci;
  if (n <= 0) return ci;
  const double a = (1 - confidence) / 2;
  const double kd = static_cast<double>(k), nd = static_cast<double>(n);
  ci.low = k == 0 ? 0.0
                  : boost::math::quantile(
                        boost::math::beta_distribution<>(kd, nd - kd + 1), a);
  ci.high = k == n
                ? 1.0
                : boost::math::quantile(
                      boost::math::beta_distribution<>(kd + 1, nd - kd), 1 - a);
  return ci;
}

double binomial_tail_ge(int64_t k, int64_t trials, double p) {
  if (k <= 0) return 1.0;
  if (k > trials) return 0.0;
  if (p <= 0) return 0.0;
  if (p >= 1) return 1.0;
  return boost::math::cdf(boost::math::complement(
      boost::math::binomial_distribution<>(static_cast<double>(trials), p),
      static_cast<double>(k - 1)));
}

uint64_t study_seed(uint64_t base, uint64_t stream, uint64_t i) {
  return SplitMix64(SplitMix64(SplitMix64(base) ^ stream) ^ i);
}

PowerResults run_power_study(const PowerOptions& o) {
  const auto t0 = std::chrono::steady_clock::now();
  if (o.seeds < 1 || o.n < 1 || o.min_n_seeds < 1 || o.min_n_low < 1 ||
      o.min_n_high < o.min_n_low ||
      !(o.target_power > 0 && o.target_power < 1)) {
    throw Error("run_power_study: invalid options");
  }
  const int threads = resolve_threads(o.threads);
  std::vector<const Mutant*> chosen;
  if (o.mutants.empty()) {
    for (const Mutant& m : mutant_catalogue()) chosen.push_back(&m);
  } else {
    for (const std::string& name : o.mutants)
      chosen.push_back(&find_mutant(name));
  }
  PowerResults res;
  res.options = o;
  // Misses allowed at a grid point: the observed rate must be >= target.
  const int max_misses =
      static_cast<int>(std::floor((1 - o.target_power) * o.min_n_seeds + 1e-9));
  for (const Mutant* mp : chosen) {
    const Mutant& m = *mp;
    MutantPower mr;
    mr.name = m.name;
    mr.description = m.description;
    mr.bug_reference = m.bug_reference;
    mr.reference_scheme = m.reference_scheme;
    mr.dtype = m.dtype;
    const Geometry g = m.geometry(o.n);
    const MutantEffect e = m.effect(g);
    mr.variance_ratio = e.variance_ratio;
    mr.effect = e.text;
    mr.shape = g.shape;
    mr.layout = g.layout;
    mr.assert_detected_at = m.assert_detected_at;
    mr.limit_note = m.limit_note;
    const uint64_t stream = Fnv1a(m.name);

    // Main measurement and control, all seeds.
    std::vector<Outcome> mut(static_cast<size_t>(o.seeds));
    std::vector<Outcome> ref(o.reference_control ? static_cast<size_t>(o.seeds)
                                                 : 0);
    internal::ParallelIndex(0, o.seeds, threads, [&](int64_t i) {
      const uint64_t seed =
          study_seed(o.base_seed, stream, static_cast<uint64_t>(i));
      mut[static_cast<size_t>(i)] = RunOne(m, o.n, seed, o.alpha, false);
    });
    if (o.reference_control) {
      internal::ParallelIndex(0, o.seeds, threads, [&](int64_t i) {
        const uint64_t seed =
            study_seed(o.base_seed, stream, static_cast<uint64_t>(i));
        ref[static_cast<size_t>(i)] = RunOne(m, o.n, seed, o.alpha, true);
      });
    }
    int det = 0;
    for (const Outcome& r : mut) {
      det += r.detected;
      for (const std::string& t : r.fired) ++mr.tests_fired[t];
      if (r.detected && mr.example_diagnosis.empty())
        mr.example_diagnosis = r.diagnosis;
    }
    mr.at_n =
        Point(mut.front().numel, o.seeds, det, o.confidence, o.target_power);
    mr.reference_seeds = static_cast<int>(ref.size());
    for (const Outcome& r : ref) mr.reference_rejections += r.detected;

    // Smallest n detected with probability >= target.
    if (o.find_min_n) {
      auto stream_at = [&](int64_t n) {
        return stream ^ SplitMix64(static_cast<uint64_t>(n));
      };
      std::optional<int64_t> found_octave;
      const int64_t n_low = m.min_n_low > 0 ? m.min_n_low : o.min_n_low;
      for (int64_t n = n_low; n <= o.min_n_high; n *= 2) {
        PowerPoint p =
            EvaluatePoint(m, n, stream_at(n), o, threads, max_misses);
        mr.min_n_trace.push_back(p);
        if (o.progress) {
          o.progress(m.name + ": n=" + std::to_string(p.n) + " " +
                     std::to_string(p.detections) + "/" +
                     std::to_string(p.seeds) + (p.passed ? " pass" : ""));
        }
        if (p.passed) {
          found_octave = n;
          mr.min_n_99 = p.n;
          mr.min_n_point = p;
          break;
        }
      }
      if (found_octave && *found_octave > n_low) {
        const int64_t half = static_cast<int64_t>(
            std::llround(static_cast<double>(*found_octave) / std::sqrt(2.0)));
        PowerPoint p =
            EvaluatePoint(m, half, stream_at(half), o, threads, max_misses);
        mr.min_n_trace.push_back(p);
        if (p.passed && p.n < *mr.min_n_99) {
          mr.min_n_99 = p.n;
          mr.min_n_point = p;
        }
      }
    }
    if (o.progress) {
      std::string line = m.name + ": " + std::to_string(mr.at_n.detections) +
                         "/" + std::to_string(mr.at_n.seeds) +
                         " detected at n=" + std::to_string(mr.at_n.n) +
                         ", reference rejected " +
                         std::to_string(mr.reference_rejections) + "/" +
                         std::to_string(mr.reference_seeds);
      if (o.find_min_n) {
        line += mr.min_n_99 ? ", min n(0.99) = " + std::to_string(*mr.min_n_99)
                            : ", min n(0.99) > " + std::to_string(o.min_n_high);
      }
      o.progress(line);
    }
    res.mutants.push_back(std::move(mr));
  }
  res.elapsed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0)
          .count();
  return res;
}

namespace {

ordered_json PointJson(const PowerPoint& p) {
  ordered_json j;
  j["n"] = p.n;
  j["seeds"] = p.seeds;
  j["detections"] = p.detections;
  j["rate"] = p.rate;
  j["ci_low"] = p.ci.low;
  j["ci_high"] = p.ci.high;
  j["passed"] = p.passed;
  return j;
}

}  // namespace

std::string to_json(const PowerResults& r) {
  const PowerOptions& o = r.options;
  ordered_json j;
  j["schema"] = "initcheck.power/1";
  j["alpha"] = o.alpha;
  j["n"] = o.n;
  j["seeds"] = o.seeds;
  j["base_seed"] = o.base_seed;
  j["confidence"] = o.confidence;
  const int max_misses =
      static_cast<int>(std::floor((1 - o.target_power) * o.min_n_seeds + 1e-9));
  if (o.find_min_n) {
    j["min_n"] = {
        {"target_power", o.target_power},
        {"seeds_per_point", o.min_n_seeds},
        {"max_misses", max_misses},
        {"n_low", o.min_n_low},
        {"n_high", o.min_n_high},
        {"grid", "half-octave"},
        {"method",
         "smallest n on the grid {2^(j/2)} whose observed detection rate over "
         "seeds_per_point seeds is >= target_power (at most max_misses "
         "misses); octaves searched upwards with early stopping, the first "
         "passing octave refined by one half-octave step down"}};
  } else {
    j["min_n"] = nullptr;
  }
  j["mutants"] = ordered_json::array();
  for (const MutantPower& m : r.mutants) {
    ordered_json x;
    x["name"] = m.name;
    x["description"] = m.description;
    x["bug_reference"] = m.bug_reference;
    x["reference_scheme"] = m.reference_scheme;
    x["dtype"] = dtype_name(m.dtype);
    x["mutant_effect"] = {{"variance_ratio", json_number(m.variance_ratio)},
                          {"text", m.effect}};
    x["shape"] = m.shape;
    x["layout"] = layout_name(m.layout);
    x["n"] = m.at_n.n;
    x["seeds"] = m.at_n.seeds;
    x["detections"] = m.at_n.detections;
    x["rate"] = m.at_n.rate;
    x["ci_low"] = m.at_n.ci.low;
    x["ci_high"] = m.at_n.ci.high;
    ordered_json fired = ordered_json::object();
    for (const auto& [name, count] : m.tests_fired) fired[name] = count;
    x["tests_that_fired"] = fired;
    x["example_diagnosis"] = m.example_diagnosis;
    x["reference_seeds"] = m.reference_seeds;
    x["reference_rejections"] = m.reference_rejections;
    x["min_n_99"] =
        m.min_n_99 ? ordered_json(*m.min_n_99) : ordered_json(nullptr);
    x["min_n_99_point"] =
        m.min_n_point ? PointJson(*m.min_n_point) : ordered_json(nullptr);
    x["min_n_trace"] = ordered_json::array();
    for (const PowerPoint& p : m.min_n_trace)
      x["min_n_trace"].push_back(PointJson(p));
    x["assert_detected_at"] = m.assert_detected_at > 0
                                  ? ordered_json(m.assert_detected_at)
                                  : ordered_json(nullptr);
    x["limit_note"] = m.limit_note;
    j["mutants"].push_back(x);
  }
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void write_text_file(const std::string& path, const std::string& text) {
  write_file_atomically(path,
                        std::as_bytes(std::span(text.data(), text.size())));
}

}  // namespace initcheck::verify
