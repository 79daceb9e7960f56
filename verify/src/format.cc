// Output formats of `initcheck check` (see initcheck/verify/format.h).
#include "initcheck/internal/json.h"
#include "initcheck/verify/format.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <iomanip>
#include <map>
#include <sstream>

#include "initcheck/error.h"

namespace initcheck::verify {
namespace {

using nlohmann::ordered_json;

using ::initcheck::internal::json_number;

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

// The element type: the float type, or the file's name of an integer/bool
// type (exact checks).
std::string DTypeText(const TensorCheck& c) {
  return c.stored_dtype.empty() ? std::string(dtype_name(c.dtype)) : c.stored_dtype;
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

// ---- end-of-run summaries, JUnit, JSON run fields ----------------------------
// (Kept apart from the per-tensor blocks above: these read CheckRun's
// tensors, rules and strict issues.)

// One row of the summary table: a tensor that did not pass or was not
// checked, or (strict mode) a user rule that matched nothing.
struct SummaryRow {
  std::string name;
  std::string status;  // "FAIL", "skipped", "unmatched", "ambiguous", "uncheckable", "unused rule"
  std::string detail;
};

std::vector<SummaryRow> SummaryRows(const CheckRun& run) {
  std::vector<SummaryRow> rows;
  for (const TensorAssignment& a : run.tensors) {
    const std::string name = a.tensor.empty() ? run.file : a.tensor;
    if (a.status == TensorStatus::kChecked) {
      if (a.check && !run.checks[*a.check].pass) {
        rows.push_back({name, "FAIL", run.checks[*a.check].diagnosis});
      }
      continue;
    }
    rows.push_back({name, std::string(status_name(a.status)), a.reason});
  }
  for (const RuleUse& u : run.rules) {
    if (u.from_user && u.tensors == 0) {
      rows.push_back({"rule '" + u.globs + "' (" + u.origin + ")", "unused rule",
                      "matches no tensor"});
    }
  }
  return rows;
}

// "3 ambiguous, 1 unmatched" over the not-checked tensors (and unused rules).
std::string StatusCounts(const CheckRun& run, bool issues_only) {
  std::map<std::string, int> n;
  for (const TensorAssignment& a : run.tensors) {
    if (a.status == TensorStatus::kChecked) continue;
    if (issues_only && a.status == TensorStatus::kSkipped) continue;
    ++n[std::string(status_name(a.status))];
  }
  int unused = 0;
  for (const RuleUse& u : run.rules) unused += u.from_user && u.tensors == 0;
  std::string out;
  for (const char* k : {"ambiguous", "uncheckable", "unmatched", "skipped"}) {
    if (n.count(k)) out += (out.empty() ? "" : ", ") + std::to_string(n[k]) + " " + k;
  }
  if (issues_only && unused > 0) {
    out += (out.empty() ? "" : ", ") + std::to_string(unused) + " unused rule" +
           (unused > 1 ? "s" : "");
  }
  return out;
}

std::string VerdictLine(const CheckRun& run) {
  int failed = 0;
  for (const auto& c : run.checks) failed += !c.pass;
  std::ostringstream o;
  o << (run.pass() ? "PASS" : "FAIL") << ": " << run.checks.size() - failed << " of "
    << run.checks.size() << " tensor(s) conform";
  if (run.strict) {
    const std::string issues = StatusCounts(run, true);
    if (!issues.empty()) o << "; --strict: " << issues;
    int skipped = 0;
    for (const auto& a : run.tensors) skipped += a.status == TensorStatus::kSkipped;
    if (skipped > 0) o << ", " << skipped << " skipped";
  } else {
    const std::string counts = StatusCounts(run, false);
    if (!counts.empty()) o << ", " << counts;
  }
  o << " (family-wise alpha " << G(run.alpha, 3) << ", Holm)";
  return o.str();
}

std::string SummaryText(const CheckRun& run) {
  std::ostringstream o;
  const std::vector<SummaryRow> rows = SummaryRows(run);
  if (!rows.empty()) {
    std::size_t w = 6;
    for (const SummaryRow& r : rows) w = std::max(w, r.name.size());
    w = std::min<std::size_t>(w, 60);
    o << "summary: tensors that did not pass or were not checked\n";
    o << "  " << std::left << std::setw(static_cast<int>(w)) << "tensor" << "  "
      << std::setw(11) << "status" << "  detail\n";
    for (const SummaryRow& r : rows) {
      o << "  " << std::left << std::setw(static_cast<int>(w)) << r.name << "  "
        << std::setw(11) << r.status << "  " << r.detail << "\n";
    }
  }
  o << VerdictLine(run) << "\n";
  return o.str();
}

std::string MdCell(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string SummaryMarkdown(const CheckRun& run) {
  std::ostringstream o;
  const std::vector<SummaryRow> rows = SummaryRows(run);
  o << "### Summary\n\n";
  if (!rows.empty()) {
    o << "| tensor | status | detail |\n|---|---|---|\n";
    for (const SummaryRow& r : rows) {
      o << "| `" << MdCell(r.name) << "` | " << (r.status == "FAIL" ? "**FAIL**" : r.status)
        << " | " << MdCell(r.detail) << " |\n";
    }
    o << "\n";
  }
  o << "**" << VerdictLine(run) << "**\n";
  return o.str();
}

void AddRunSummaryJson(const CheckRun& run, ordered_json& j) {
  j["skipped"] = ordered_json::array();
  for (const TensorAssignment& a : run.tensors) {
    if (a.status == TensorStatus::kChecked) continue;
    ordered_json s;
    s["tensor"] = a.tensor;
    s["reason"] = a.reason;
    s["status"] = status_name(a.status);
    if (!a.resolution.origin.empty()) s["rule"] = a.resolution.origin;
    if (a.status == TensorStatus::kAmbiguous) {
      s["candidates"] = ordered_json::array();
      for (const ResolvedRule& c : a.candidates) {
        ordered_json cj;
        cj["module"] = c.module;
        cj["scheme"] = c.scheme ? ordered_json(c.scheme->str()) : ordered_json(nullptr);
        cj["target"] = c.target;
        cj["problem"] = c.problem;
        cj["note"] = c.note;
        s["candidates"].push_back(cj);
      }
    }
    j["skipped"].push_back(s);
  }
  j["strict"] = run.strict;
  j["strict_issues"] = run.strict_issues();
  ordered_json rules = ordered_json::array();
  for (const RuleUse& u : run.rules) {
    if (!u.from_user) continue;
    rules.push_back({{"rule", u.origin}, {"glob", u.globs}, {"tensors", u.tensors}});
  }
  j["rules"] = rules;
}

// XML text or attribute value: escaped, control characters and invalid
// UTF-8 replaced, so the document is well-formed whatever the names hold.
std::string Xml(const std::string& s) {
  std::string v;
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    bool ok = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      ok = (static_cast<unsigned char>(s[i + k]) >> 6) == 2;
    }
    if (!ok) {
      v += '?';
      ++i;
      continue;
    }
    v.append(s, i, len);
    i += len;
  }
  return Escape(v);
}

std::string FileStem(const std::string& path) {
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  for (const char* suffix : {".safetensors.index.json", ".index.json", ".safetensors", ".npz",
                             ".npy"}) {
    const std::string s = suffix;
    if (base.size() > s.size() && base.compare(base.size() - s.size(), s.size(), s) == 0) {
      return base.substr(0, base.size() - s.size());
    }
  }
  return base;
}

// The per-tensor report inside <system-out>: scheme, target, sample and the
// test table.
std::string JunitTensorText(const TensorCheck& c) {
  std::ostringstream o;
  o << "scheme  " << c.scheme << "\n";
  o << "target  " << TargetText(c.target) << "\n";
  o << "sample  n=" << c.sample.n << "  mean " << G(c.sample.mean) << "  variance "
    << G(c.sample.variance) << "  min " << G(c.sample.min) << "  max " << G(c.sample.max)
    << "\n";
  o << format("%-22s %12s %11s %11s  %s\n", "test", "statistic", "p-value", "adj. p", "verdict");
  for (size_t i = 0; i < c.tests.size(); ++i) {
    const TestResult& r = c.tests[i];
    o << format("%-22s %12s %11s %11s  %s", r.name.c_str(), G(r.statistic).c_str(),
                G(r.p_value, 3).c_str(),
                i < c.adjusted_p.size() ? G(c.adjusted_p[i], 3).c_str() : "-",
                Verdict(c, i).c_str());
    if (!r.note.empty() && Verdict(c, i) != "ok") o << "  " << r.note;
    o << "\n";
  }
  return o.str();
}

// JUnit XML: one <testcase> per tensor (name = the tensor, classname = the
// file's stem), so CI systems list tensors; a failed check is a <failure>
// whose message is the diagnosis, with the test table in <system-out>;
// unmatched/ambiguous/uncheckable tensors are <skipped> (a <failure> under
// --strict), skipped tensors <skipped>; under --strict each user rule that
// matches no tensor is a failed testcase of its own. The counts on
// <testsuites> and <testsuite> are those of the elements.
std::string JunitReport(const CheckRun& run) {
  const std::string cls = Xml(FileStem(run.file));
  std::ostringstream body;
  int tests = 0, failures = 0, skipped = 0;
  const auto seconds = [](double s) { return format("%.3f", s); };
  for (const TensorAssignment& a : run.tensors) {
    ++tests;
    const std::string name = Xml(a.tensor.empty() ? FileStem(run.file) : a.tensor);
    body << "    <testcase classname=\"" << cls << "\" name=\"" << name << "\" time=\""
         << seconds(a.seconds) << "\">\n";
    if (a.status == TensorStatus::kChecked && a.check) {
      const TensorCheck& c = run.checks[*a.check];
      if (!c.pass) {
        ++failures;
        body << "      <failure type=\"initcheck.fail\" message=\"" << Xml(c.diagnosis) << "\">"
             << Xml(c.scheme + ": " + c.diagnosis) << "</failure>\n";
      }
      body << "      <system-out>" << Xml(JunitTensorText(c)) << "</system-out>\n";
    } else if (a.status != TensorStatus::kChecked) {
      const std::string msg = Xml(std::string(status_name(a.status)) + ": " + a.reason);
      if (run.strict && a.status != TensorStatus::kSkipped) {
        ++failures;
        body << "      <failure type=\"initcheck." << status_name(a.status) << "\" message=\""
             << msg << "\">" << msg << "</failure>\n";
      } else {
        ++skipped;
        body << "      <skipped message=\"" << msg << "\"/>\n";
      }
    }
    body << "    </testcase>\n";
  }
  if (run.strict) {
    for (const RuleUse& u : run.rules) {
      if (!u.from_user || u.tensors != 0) continue;
      ++tests;
      ++failures;
      body << "    <testcase classname=\"" << cls << "\" name=\""
           << Xml("rule " + u.origin + ": " + u.globs) << "\" time=\"0.000\">\n"
           << "      <failure type=\"initcheck.unused_rule\" message=\"matches no tensor\">"
           << Xml("rule '" + u.globs + "' (" + u.origin + ") matches no tensor")
           << "</failure>\n    </testcase>\n";
    }
  }
  std::ostringstream o;
  const std::string counts = "tests=\"" + std::to_string(tests) + "\" failures=\"" +
                             std::to_string(failures) + "\" errors=\"0\" skipped=\"" +
                             std::to_string(skipped) + "\" time=\"" + seconds(run.seconds) + "\"";
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  o << "<testsuites name=\"initcheck\" " << counts << ">\n";
  o << "  <testsuite name=\"" << cls << "\" " << counts << ">\n";
  o << "    <properties>\n"
    << "      <property name=\"file\" value=\"" << Xml(run.file) << "\"/>\n"
    << "      <property name=\"alpha\" value=\"" << G(run.alpha, 3) << "\"/>\n"
    << "      <property name=\"strict\" value=\"" << (run.strict ? "true" : "false") << "\"/>\n"
    << "    </properties>\n";
  o << body.str();
  o << "  </testsuite>\n</testsuites>\n";
  return o.str();
}

}  // namespace

std::string format_text(const CheckRun& run) {
  std::ostringstream o;
  for (const TensorCheck& c : run.checks) {
    const Target& t = c.target;
    o << Name(c, run.file) << "  " << c.scheme << "\n";
    o << "  " << layout_name(c.geometry.layout) << " " << shape_string(c.geometry.shape) << " "
      << DTypeText(c);
    if (t.fans) o << ", fan_in=" << t.fans->fan_in << " fan_out=" << t.fans->fan_out;
    o << ", n=" << c.sample.n << "\n";
    if (!c.source_note.empty()) o << "  source  " << c.source_note << "\n";
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
  o << SummaryText(run);
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
    r["dtype"] = DTypeText(c);
    r["source_dtype"] = c.stored_dtype.empty() ? dtype_name(c.source_dtype) : DTypeText(c);
    r["source_note"] = c.source_note;
    r["fan_in"] = t.fans ? ordered_json(t.fans->fan_in) : ordered_json(nullptr);
    r["fan_out"] = t.fans ? ordered_json(t.fans->fan_out) : ordered_json(nullptr);
    r["n"] = c.sample.n;
    ordered_json tj;
    tj["family"] = t.family_name();
    tj["mean"] = json_number(t.mean);
    tj["variance"] = json_number(t.variance);
    const bool bounded = t.family == Target::Family::kUniform ||
                         t.family == Target::Family::kTruncatedNormal;
    tj["low"] = bounded ? json_number(t.low) : ordered_json(nullptr);
    tj["high"] = bounded ? json_number(t.high) : ordered_json(nullptr);
    tj["derivation"] = t.derivation;
    r["target"] = tj;
    r["sample"] = {{"mean", json_number(c.sample.mean)},
                   {"variance", json_number(c.sample.variance)},
                   {"min", json_number(c.sample.min)},
                   {"max", json_number(c.sample.max)},
                   {"excess_kurtosis", json_number(c.sample.excess_kurtosis)}};
    r["tests"] = ordered_json::array();
    for (size_t i = 0; i < c.tests.size(); ++i) {
      const TestResult& x = c.tests[i];
      ordered_json tr;
      tr["name"] = x.name;
      tr["statistic"] = json_number(x.statistic);
      if (!std::isnan(x.dof)) tr["dof"] = x.dof;
      tr["p_value"] = json_number(x.p_value);
      tr["adjusted_p_value"] = i < c.adjusted_p.size() ? json_number(c.adjusted_p[i]) : nullptr;
      tr["reject"] = i < c.rejected.size() && c.rejected[i];
      tr["reliable"] = x.reliable;
      tr["note"] = x.note;
      r["tests"].push_back(tr);
    }
    r["verdict"] = c.pass ? "pass" : "fail";
    r["diagnosis"] = c.diagnosis;
    const Resolution& res = c.resolution;
    r["resolution"] = {{"std_rel", res.computed ? json_number(res.std_rel) : ordered_json(nullptr)},
                       {"mean_sigma", res.computed ? json_number(res.mean_sigma) : ordered_json(nullptr)},
                       {"test", res.std_test},
                       {"mean_test", res.mean_test},
                       {"std_rel_up", res.computed ? json_number(res.std_rel_up) : ordered_json(nullptr)},
                       {"std_rel_down", res.computed ? json_number(res.std_rel_down) : ordered_json(nullptr)},
                       {"power", res.power},
                       {"level", json_number(res.level)},
                       {"family_size", res.family_size},
                       {"exact", res.exact},
                       {"coarse", res.coarse()}};
    j["results"].push_back(r);
  }
  AddRunSummaryJson(run, j);
  return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::string format_junit(const CheckRun& run) { return JunitReport(run); }

std::string format_markdown(const CheckRun& run) {
  std::ostringstream o;
  o << "**" << (run.pass() ? "PASS" : "FAIL") << "**: `" << run.file
    << "`, family-wise alpha " << G(run.alpha, 3) << " (Holm)\n\n";
  for (const TensorCheck& c : run.checks) {
    const Target& t = c.target;
    o << "### " << (c.tensor ? "`" + *c.tensor + "` " : "") << "`" << c.scheme << "` — "
      << (c.pass ? "pass" : "**FAIL**") << "\n\n";
    o << "- " << layout_name(c.geometry.layout) << " " << shape_string(c.geometry.shape) << " "
      << DTypeText(c);
    if (t.fans) o << ", fan_in " << t.fans->fan_in << ", fan_out " << t.fans->fan_out;
    o << ", n = " << c.sample.n << "\n";
    if (!c.source_note.empty()) o << "- source: " << c.source_note << "\n";
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
  o << SummaryMarkdown(run);
  return o.str();
}

std::string format_rules(const CheckPlan& plan) {
  // Comment text stays on its line.
  const auto C = [](std::string t) {
    for (char& ch : t) {
      if (ch == '\n' || ch == '\r') ch = ' ';
    }
    return t;
  };
  std::ostringstream o;
  o << "# initcheck --print-rules: the rule resolved for each tensor of " << C(plan.file)
    << " (" << plan.kind << "), in file order.\n"
       "# Every glob is one tensor's name; copy and edit into a rule file (--rules FILE).\n";
  for (const TensorAssignment& a : plan.tensors) {
    o << "\n# " << C(a.tensor.empty() ? plan.file : a.tensor) << " " << shape_string(a.shape)
      << " " << a.dtype_name << ": ";
    switch (a.status) {
      case TensorStatus::kChecked:
        o << (a.resolution.module.empty() ? "" : a.resolution.module + ", ")
          << C(a.resolution.origin) << "\n#   target " << C(a.resolution.target);
        if (!a.resolution.fans_from.empty()) o << " (fans of " << C(a.resolution.fans_from) << ")";
        o << "\n";
        break;
      case TensorStatus::kAmbiguous:
        o << "AMBIGUOUS (" << C(a.resolution.origin) << "): " << C(a.reason) << "\n";
        for (const ResolvedRule& c : a.candidates) {
          o << "#   " << C(c.module) << ": "
            << C(c.problem.empty() ? (c.scheme ? c.scheme->str() + " -> " : "") + c.target
                                   : c.problem)
            << "\n";
        }
        break;
      default:
        o << status_name(a.status) << ": " << C(a.reason) << "\n";
        break;
    }
    o << a.resolution.rule_toml;
  }
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
