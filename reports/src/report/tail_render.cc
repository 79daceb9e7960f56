// tail_calibration.md from tail_calibration.json (initcheck_verify_study
// --tail-calibration, `make tail-calibration`): each test's observed /
// nominal rejection rate under H0 at alpha = 1e-3, 1e-4, 1e-5. Table only.
#include <fmt/format.h>

#include <cmath>
#include <string>
#include <vector>

#include "initcheck/error.h"
#include "initcheck/report/render.h"
#include "render_util.h"

namespace initcheck::report {
namespace {

using namespace util;

// The shape the renderer reads, checked before anything is rendered: one
// clear line (naming the key) instead of a JSON library exception.
void Check(const J& t) {
  auto bad = [](const std::string& what) {
    throw Error("tail_calibration.json: malformed: " + what);
  };
  if (!t.contains("alphas") || !t["alphas"].is_array() || t["alphas"].empty()) bad("no \"alphas\"");
  for (const J& a : t["alphas"]) {
    if (!a.is_number() || !(a.get<double>() > 0)) bad("\"alphas\" must be positive numbers");
  }
  for (const char* k : {"max_ratio", "meta_alpha", "confidence", "scale", "base_seed"}) {
    if (!t.contains(k) || !t[k].is_number()) bad(fmt::format("no number \"{}\"", k));
  }
  if (!t.contains("pass") || !t["pass"].is_boolean()) bad("no boolean \"pass\"");
  if (!t.contains("cases") || !t["cases"].is_array()) bad("no array \"cases\"");
  for (const J& c : t["cases"]) {
    if (!c.is_object() || !c.contains("label") || !c["label"].is_string() ||
        !c.contains("n") || !c["n"].is_number_integer() || !c.contains("samples") ||
        !c["samples"].is_number_integer() || !c.contains("tests") || !c["tests"].is_array()) {
      bad("a case needs \"label\", \"n\", \"samples\" and \"tests\"");
    }
    for (const J& x : c["tests"]) {
      if (!x.is_object() || !x.contains("name") || !x["name"].is_string() ||
          !x.contains("rates") || !x["rates"].is_array() ||
          x["rates"].size() != t["alphas"].size()) {
        bad(fmt::format("case \"{}\": a test needs \"name\" and one rate per alpha",
                        c["label"].get<std::string>()));
      }
      for (const J& r : x["rates"]) {
        if (!r.is_object() || !r.contains("exceeds") || !r["exceeds"].is_boolean() ||
            !r.contains("suspect") || !r["suspect"].is_boolean() || !r.contains("count") ||
            !(r["count"].is_null() || r["count"].is_number_integer())) {
          bad(fmt::format("case \"{}\": a rate needs \"count\", \"exceeds\" and \"suspect\"",
                          c["label"].get<std::string>()));
        }
      }
    }
  }
}

// 1e-05 -> 10⁻⁵ (decimal powers of ten), else the number as %g.
std::string Alpha(double a) {
  const double e = std::log10(a);
  if (std::fabs(e - std::round(e)) < 1e-9 && e < 0) {
    return "10" + Superscript(static_cast<int64_t>(std::round(e)));
  }
  return fmt::format("{:g}", a);
}

// 4000000 -> "4 000 000" (thin groups; exact, unlike 4e+06).
std::string Count(int64_t k) {
  std::string d = std::to_string(k), o;
  for (size_t i = 0; i < d.size(); ++i) {
    if (i > 0 && (d.size() - i) % 3 == 0) o += ' ';
    o += d[i];
  }
  return o;
}

// A ratio to 2 decimals ("–" for null / NaN).
std::string R(double x) { return std::isnan(x) ? "–" : fmt::format("{:.2f}", x); }

// One cell: "1.02 (0.96–1.08)" (point and confidence interval), or
// "0.52 exact" for an enumerated law; bold when the test exceeds.
std::string RateCell(const J& r) {
  std::string cell = r["count"].is_null()
                         ? R(D(r, "exact_ratio")) + " exact"
                         : fmt::format("{} ({}–{})", R(D(r, "ratio")), R(D(r, "ci_low")),
                                       R(D(r, "ci_high")));
  return r["exceeds"].get<bool>() ? "**" + cell + "**" : cell;
}

}  // namespace

namespace util {
TailHeadline tail_headline(const J& t) {
  const size_t na = t["alphas"].size();
  TailHeadline h;
  h.top.assign(na, -1);
  h.where.resize(na);
  for (const J& c : t["cases"]) {
    for (const J& x : c["tests"]) {
      for (size_t a = 0; a < na; ++a) {
        const J& r = x["rates"][a];
        ++h.cells;
        h.exceeds += r["exceeds"].get<bool>();
        h.suspect += r["suspect"].get<bool>();
        const double v = D(r, "ratio");
        if (!std::isnan(v) && v > h.top[a]) {
          h.top[a] = v;
          h.where[a] = fmt::format("{} `{}`", S(c, "label"), S(x, "name"));
        }
      }
    }
  }
  return h;
}
}  // namespace util

std::vector<RenderedFile> render_tail_calibration(const J& t) {
  Check(t);
  const J& alphas = t["alphas"];
  const size_t na = alphas.size();
  const double max_ratio = D(t, "max_ratio");
  std::string md = "# Tail calibration: false-alarm rates far in the tail\n\n";
  md += Provenance(S(t, "commit"), "[`data/tail_calibration.json`](data/tail_calibration.json)",
                   "initcheck report --only tail_calibration");
  std::string levels;
  for (size_t a = 0; a < na; ++a) {
    levels += (a == 0 ? "" : a + 1 == na ? " and " : ", ") + Alpha(alphas[a].get<double>());
  }
  md += fmt::format(
      "The calibration in [conformance.md](conformance.md) bounds each test's false-alarm "
      "rate only down to a few 10⁻³ (zero rejections in 1000 seeds); the battery decides "
      "at α / m ≈ 10⁻⁷. This study measures each test's actual rejection rate under H0 at "
      "α = {} with K independent samples per case (K up to a few 10⁷, n = 1000 or 10⁴), "
      "calling the battery's own test functions, and reports **observed / nominal** = "
      "(rejections / K) / α with its {:g}% Clopper–Pearson interval. A test **exceeds** "
      "when its count is significantly above {:g} × α (binomial tail probability at "
      "{:g} α below {:g}); a point ratio above {:g} that is not significant is *suspect* "
      "(rerun with a larger K). Method and the exact-in-law shortcuts (Rényi's spacings for "
      "the sorted PIT, the χ² law of the sample variance, exact enumeration of the Haar "
      "sign tests): `verify/include/initcheck/verify/tail_calibration.h`. Settings: base "
      "seed {} (each case's chunks of 4096 samples seeded by SplitMix64 of it and the "
      "case's label), sample counts × {:g} (scale). The producer is `make "
      "tail-calibration` (`initcheck_verify_study --tail-calibration --scale {:g}`), not "
      "part of `make report`.\n\n",
      levels, 100 * D(t, "confidence"), max_ratio, max_ratio, D(t, "meta_alpha"), max_ratio,
      t["base_seed"].get<uint64_t>(), D(t, "scale"), D(t, "scale"));

  // The headline: the largest ratio per alpha, and where.
  const util::TailHeadline h = util::tail_headline(t);
  const int exceeds = h.exceeds, suspect = h.suspect, cells = h.cells;
  const std::vector<double>& top = h.top;
  const std::vector<std::string>& where = h.where;
  md += fmt::format("**Verdict: {}. {} cells ({} case × test rows × {} levels): {} exceed, {} "
                    "suspect.** Largest observed / nominal:\n\n",
                    t["pass"].get<bool>() ? "pass" : "FAIL", cells, cells / static_cast<int>(na),
                    na, exceeds, suspect);
  for (size_t a = 0; a < na; ++a) {
    md += fmt::format("- α = {}: {}{}\n", Alpha(alphas[a].get<double>()), R(top[a]),
                      top[a] >= 0 ? " (" + where[a] + ")" : "");
  }
  md += "\n";

  md += "| case | test |";
  for (const J& a : alphas) md += fmt::format(" α = {} |", Alpha(a.get<double>()));
  md += " verdict |\n|---|---|";
  for (size_t a = 0; a < na; ++a) md += "---:|";
  md += "---|\n";
  std::string notes;
  for (const J& c : t["cases"]) {
    bool first = true;
    std::string exact_notes;
    for (const J& x : c["tests"]) {
      std::string verdict = "ok";
      std::vector<std::string> sus;
      bool exact_law = true;
      for (size_t a = 0; a < na; ++a) {
        const J& r = x["rates"][a];
        exact_law = exact_law && r["count"].is_null();
        if (r["suspect"].get<bool>()) sus.push_back(Alpha(alphas[a].get<double>()));
      }
      if (!sus.empty()) {
        verdict = "suspect at ";
        for (size_t i = 0; i < sus.size(); ++i) verdict += (i ? ", " : "") + sus[i];
      }
      for (const J& r : x["rates"]) {
        if (r["exceeds"].get<bool>()) verdict = "**EXCEEDS**";
      }
      if (exact_law && verdict == "ok") verdict = "ok (exact)";
      md += fmt::format("| {} | {} |", first ? Cell(S(c, "label")) : "", Cell(S(x, "name")));
      for (const J& r : x["rates"]) md += " " + RateCell(r) + " |";
      md += " " + verdict + " |\n";
      first = false;
      // Simulated cells whose law is also known exactly: the exact ratios.
      bool has_exact = false;
      std::string ex;
      for (size_t a = 0; a < na; ++a) {
        const J& r = x["rates"][a];
        if (!r["count"].is_null() && r.contains("exact_ratio") && r["exact_ratio"].is_number()) {
          has_exact = true;
        }
        ex += (a ? " / " : "") + R(D(r, "exact_ratio"));
      }
      if (has_exact) {
        exact_notes += fmt::format(" The exact ratio of `{}`: {}.", S(x, "name"), ex);
      }
    }
    const int64_t k = c["samples"].get<int64_t>();
    const int64_t n = c["n"].get<int64_t>();
    notes += fmt::format(
        "- `{}`: {}; {}{}. Method: {}.{}\n", S(c, "label"), S(c, "data"),
        n > 0 ? "n = " + Count(n) + ", " : "",
        k > 0 ? fmt::format("K = {} samples ({:.3g} expected rejections at α = {})", Count(k),
                            static_cast<double>(k) * alphas[na - 1].get<double>(),
                            Alpha(alphas[na - 1].get<double>()))
              : "no simulation (exact law)",
        S(c, "method"), exact_notes);
  }
  md += "\nCells: observed / nominal rejection rate (its " +
        fmt::format("{:g}", 100 * D(t, "confidence")) +
        "% interval); *exact*: the actual rate of a test whose law is enumerated. "
        "Ratios below 1 are conservative (fine); a discrete test (the sign tests, "
        "chi-square on counts) can only reach its nominal rate on its own grid.\n\n";
  md += "The cases:\n\n" + notes;
  md += "\nEvery count, expected count and tail probability: "
        "[`data/tail_calibration.json`](data/tail_calibration.json).\n";
  return {{"tail_calibration.md", md}};
}

}  // namespace initcheck::report
