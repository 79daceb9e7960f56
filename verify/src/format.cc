// Output formats of `initcheck check` (see initcheck/verify/format.h).
#include "initcheck/verify/format.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>

#include "initcheck/error.h"

namespace initcheck::verify {
namespace {

using nlohmann::ordered_json;

ordered_json Num(double x) {
  if (!std::isfinite(x)) return nullptr;
  return x;
}

std::string G(double x, int digits = 4) {
  if (std::isnan(x)) return "-";
  return format("%.*g", digits, x);
}

std::string Name(const TensorCheck& c, const std::string& file) {
  return c.tensor ? *c.tensor : file;
}

std::string TargetText(const Target& t) {
  switch (t.family) {
    case Target::Family::kUniform:
      return format("uniform U[%s, %s)", G(t.low, 6).c_str(), G(t.high, 6).c_str());
    case Target::Family::kNormal:
      return format("normal N(%s, %s^2)", G(t.parent_mean, 6).c_str(),
                    G(t.parent_std, 6).c_str());
    case Target::Family::kTruncatedNormal:
      return format("truncated normal N(%s, %s^2) on [%s, %s]", G(t.parent_mean, 6).c_str(),
                    G(t.parent_std, 6).c_str(), G(t.low, 6).c_str(), G(t.high, 6).c_str());
    default:
      return t.family_name() + ": " + t.derivation;
  }
}

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 && c != '\n' && c != '\t') {
          out += ' ';
        } else {
          out += c;
        }
    }
  }
  return out;
}

// "std +-1.9% (variance), mean 0.021 sd (mean) with probability >= 0.99 at
// level 7.7e-08 (alpha/13)".
std::string Proves(const TensorCheck& c) {
  const Resolution& r = c.resolution;
  std::string s = resolution_text(r);
  if (!r.computed) return s;
  if (!r.exact) {
    s += format(" with probability >= %.2g at level %s (alpha/%lld)", r.power,
                G(r.level, 2).c_str(), static_cast<long long>(r.family_size));
  }
  if (r.coarse()) s += "; too small to verify the scale to 10%";
  return s;
}

std::string Verdict(const TensorCheck& c, size_t i) {
  const TestResult& r = c.tests[i];
  if (std::isnan(r.p_value)) return "n/a";
  if (!r.reliable) return "info";
  return c.rejected[i] ? "FAIL" : "ok";
}

}  // namespace

std::string format_text(const CheckRun& run) {
  std::ostringstream o;
  for (const TensorCheck& c : run.checks) {
    const Target& t = c.target;
    o << Name(c, run.file) << "  " << c.scheme << "\n";
    o << "  " << layout_name(c.geometry.layout) << " " << shape_string(c.geometry.shape) << " "
      << dtype_name(c.dtype);
    if (t.fans) o << ", fan_in=" << t.fans->fan_in << " fan_out=" << t.fans->fan_out;
    o << ", n=" << c.sample.n << "\n";
    o << "  target  " << TargetText(t);
    if (t.elementwise() || t.family == Target::Family::kSparse) {
      o << "  mean " << G(t.mean) << "  variance " << G(t.variance);
    }
    o << "\n  sample  mean " << G(c.sample.mean) << "  variance " << G(c.sample.variance);
    if ((t.elementwise() || t.family == Target::Family::kSparse) && t.variance > 0) {
      o << " (" << G(c.sample.variance / t.variance, 4) << "x target)";
    }
    o << "  min " << G(c.sample.min) << "  max " << G(c.sample.max) << "\n";
    o << format("  %-22s %12s %11s %11s  %s\n", "test", "statistic", "p-value", "adj. p",
                "verdict");
    for (size_t i = 0; i < c.tests.size(); ++i) {
      const TestResult& r = c.tests[i];
      o << format("  %-22s %12s %11s %11s  %s", r.name.c_str(), G(r.statistic).c_str(),
                  G(r.p_value, 3).c_str(),
                  i < c.adjusted_p.size() ? G(c.adjusted_p[i], 3).c_str() : "-",
                  Verdict(c, i).c_str());
      if (!r.note.empty() && (Verdict(c, i) != "ok")) o << "  " << r.note;
      o << "\n";
    }
    o << "  detects " << Proves(c) << "\n";
    o << "  " << (c.pass ? "PASS" : "FAIL");
    if (!c.pass && !c.diagnosis.empty()) o << ": " << c.diagnosis;
    o << "\n\n";
  }
  for (const Skipped& s : run.skipped) {
    o << "skipped " << s.tensor << ": " << s.reason << "\n";
  }
  int failed = 0;
  for (const auto& c : run.checks) failed += !c.pass;
  // Passes that prove little: the scale is not verified to 10%.
  std::vector<std::string> coarse;
  for (const auto& c : run.checks) {
    if (c.pass && c.resolution.coarse()) coarse.push_back(Name(c, run.file));
  }
  if (!coarse.empty()) {
    o << coarse.size() << " passing tensor(s) too small to verify the scale to 10%:";
    for (size_t i = 0; i < coarse.size() && i < 10; ++i) o << " " << coarse[i];
    if (coarse.size() > 10) o << " ... (" << coarse.size() - 10 << " more)";
    o << "\n";
  }
  o << (run.pass() ? "PASS" : "FAIL") << ": " << run.checks.size() - failed << " of "
    << run.checks.size() << " tensor(s) conform";
  if (!run.skipped.empty()) o << ", " << run.skipped.size() << " skipped";
  o << " (family-wise alpha " << G(run.alpha, 3) << ", Holm)\n";
  return o.str();
}

std::string format_json(const CheckRun& run) {
  ordered_json j;
  j["verdict"] = run.pass() ? "pass" : "fail";
  j["alpha"] = run.alpha;
  j["file"] = run.file;
  j["results"] = ordered_json::array();
  for (const TensorCheck& c : run.checks) {
    const Target& t = c.target;
    ordered_json r;
    r["tensor"] = c.tensor ? ordered_json(*c.tensor) : ordered_json(nullptr);
    r["scheme"] = c.scheme;
    r["shape"] = c.geometry.shape;
    r["layout"] = layout_name(c.geometry.layout);
    r["dtype"] = dtype_name(c.dtype);
    r["fan_in"] = t.fans ? ordered_json(t.fans->fan_in) : ordered_json(nullptr);
    r["fan_out"] = t.fans ? ordered_json(t.fans->fan_out) : ordered_json(nullptr);
    r["n"] = c.sample.n;
    ordered_json tj;
    tj["family"] = t.family_name();
    tj["mean"] = Num(t.mean);
    tj["variance"] = Num(t.variance);
    const bool bounded = t.family == Target::Family::kUniform ||
                         t.family == Target::Family::kTruncatedNormal;
    tj["low"] = bounded ? Num(t.low) : ordered_json(nullptr);
    tj["high"] = bounded ? Num(t.high) : ordered_json(nullptr);
    tj["derivation"] = t.derivation;
    r["target"] = tj;
    r["sample"] = {{"mean", Num(c.sample.mean)},
                   {"variance", Num(c.sample.variance)},
                   {"min", Num(c.sample.min)},
                   {"max", Num(c.sample.max)},
                   {"excess_kurtosis", Num(c.sample.excess_kurtosis)}};
    r["tests"] = ordered_json::array();
    for (size_t i = 0; i < c.tests.size(); ++i) {
      const TestResult& x = c.tests[i];
      ordered_json tr;
      tr["name"] = x.name;
      tr["statistic"] = Num(x.statistic);
      if (!std::isnan(x.dof)) tr["dof"] = x.dof;
      tr["p_value"] = Num(x.p_value);
      tr["adjusted_p_value"] = i < c.adjusted_p.size() ? Num(c.adjusted_p[i]) : nullptr;
      tr["reject"] = i < c.rejected.size() && c.rejected[i];
      tr["reliable"] = x.reliable;
      tr["note"] = x.note;
      r["tests"].push_back(tr);
    }
    r["verdict"] = c.pass ? "pass" : "fail";
    r["diagnosis"] = c.diagnosis;
    const Resolution& res = c.resolution;
    r["resolution"] = {{"std_rel", res.computed ? Num(res.std_rel) : nullptr},
                       {"mean_sigma", res.computed ? Num(res.mean_sigma) : nullptr},
                       {"test", res.std_test},
                       {"mean_test", res.mean_test},
                       {"std_rel_up", res.computed ? Num(res.std_rel_up) : nullptr},
                       {"std_rel_down", res.computed ? Num(res.std_rel_down) : nullptr},
                       {"power", res.power},
                       {"level", Num(res.level)},
                       {"family_size", res.family_size},
                       {"exact", res.exact},
                       {"coarse", res.coarse()}};
    j["results"].push_back(r);
  }
  j["skipped"] = ordered_json::array();
  for (const Skipped& s : run.skipped) {
    j["skipped"].push_back({{"tensor", s.tensor}, {"reason", s.reason}});
  }
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string format_junit(const CheckRun& run) {
  int tests = 0, failures = 0;
  for (const auto& c : run.checks) {
    tests += static_cast<int>(c.tests.size());
    for (bool r : c.rejected) failures += r;
  }
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o << "<testsuites name=\"initcheck\" tests=\"" << tests << "\" failures=\"" << failures
    << "\">\n";
  o << "  <testsuite name=\"" << Escape(run.file) << "\" tests=\"" << tests
    << "\" failures=\"" << failures << "\" skipped=\"" << run.skipped.size() << "\">\n";
  for (const TensorCheck& c : run.checks) {
    const std::string cls = Escape(Name(c, run.file) + " " + c.scheme);
    for (size_t i = 0; i < c.tests.size(); ++i) {
      const TestResult& r = c.tests[i];
      o << "    <testcase classname=\"" << cls << "\" name=\"" << Escape(r.name) << "\">";
      if (c.rejected[i]) {
        o << "<failure message=\""
          << Escape(format("p=%.3g, adjusted p=%.3g: %s", r.p_value, c.adjusted_p[i],
                           r.note.c_str()))
          << "\">" << Escape(c.diagnosis) << "</failure>";
      } else if (std::isnan(r.p_value) || !r.reliable) {
        o << "<skipped message=\"" << Escape(r.note.empty() ? "not gating" : r.note)
          << "\"/>";
      }
      o << "</testcase>\n";
    }
  }
  for (const Skipped& s : run.skipped) {
    o << "    <testcase classname=\"" << Escape(s.tensor) << "\" name=\"check\"><skipped message=\""
      << Escape(s.reason) << "\"/></testcase>\n";
  }
  o << "  </testsuite>\n</testsuites>\n";
  return o.str();
}

std::string format_markdown(const CheckRun& run) {
  std::ostringstream o;
  o << "**" << (run.pass() ? "PASS" : "FAIL") << "**: `" << run.file
    << "`, family-wise alpha " << G(run.alpha, 3) << " (Holm)\n\n";
  for (const TensorCheck& c : run.checks) {
    const Target& t = c.target;
    o << "### " << (c.tensor ? "`" + *c.tensor + "` " : "") << "`" << c.scheme << "` — "
      << (c.pass ? "pass" : "**FAIL**") << "\n\n";
    o << "- " << layout_name(c.geometry.layout) << " " << shape_string(c.geometry.shape) << " "
      << dtype_name(c.dtype);
    if (t.fans) o << ", fan_in " << t.fans->fan_in << ", fan_out " << t.fans->fan_out;
    o << ", n = " << c.sample.n << "\n";
    o << "- target: " << TargetText(t) << "; " << t.derivation << "\n";
    o << "- sample: mean " << G(c.sample.mean) << ", variance " << G(c.sample.variance);
    if (t.variance > 0) o << " (" << G(c.sample.variance / t.variance) << "× target)";
    o << "\n";
    if (!c.pass) o << "- diagnosis: " << c.diagnosis << "\n";
    o << "- detects: " << Proves(c) << "\n";
    o << "\n| test | statistic | p-value | adjusted p | verdict |\n|---|---:|---:|---:|---|\n";
    for (size_t i = 0; i < c.tests.size(); ++i) {
      const TestResult& r = c.tests[i];
      o << "| " << r.name << " | " << G(r.statistic) << " | " << G(r.p_value, 3) << " | "
        << (i < c.adjusted_p.size() ? G(c.adjusted_p[i], 3) : "-") << " | " << Verdict(c, i)
        << " |\n";
    }
    o << "\n";
  }
  for (const Skipped& s : run.skipped) o << "- skipped `" << s.tensor << "`: " << s.reason << "\n";
  return o.str();
}

std::string format_run(const CheckRun& run, const std::string& f) {
  if (f == "text") return format_text(run);
  if (f == "json") return format_json(run);
  if (f == "junit") return format_junit(run);
  if (f == "markdown" || f == "md") return format_markdown(run);
  throw Error("unknown format '" + f + "'; valid: text, json, junit, markdown");
}

}  // namespace initcheck::verify
