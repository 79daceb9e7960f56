// conformance.md (from conformance.json + calibration.json) and
// frameworks.md (from frameworks.json): tables only, no figures.
#include <fmt/format.h>

#include <cctype>
#include <cstdlib>
#include <map>

#include "initcheck/report/render.h"
#include "render_util.h"

namespace initcheck::report {
namespace {

using namespace util;

// The test with the smallest reliable p-value: "ks 0.031".
std::string SmallestP(const J& tests) {
  double best = 2;
  std::string which = "–";
  for (const J& t : tests) {
    const double p = D(t, "p_value");
    if (!std::isnan(p) && t.value("reliable", true) && p < best) {
      best = p;
      which = S(t, "name");
    }
  }
  return best <= 1 ? fmt::format("{} ({})", P(best), which) : "–";
}

std::string Rejected(const J& tests, size_t most = 3) {
  std::string out;
  size_t k = 0;
  for (const J& t : tests) {
    if (!t.value("rejected", false)) continue;
    if (k++ < most) out += (out.empty() ? "" : ", ") + S(t, "name");
  }
  if (k > most) out += fmt::format(" (+{})", k - most);
  return out;
}

// Long decimals in a scheme text shortened to 4 significant digits
// ("uniform(a=-0.1768, b=0.1768)"); the exact text is in the JSON.
std::string ShortScheme(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size();) {
    const bool starts = (s[i] == '-' || std::isdigit(static_cast<unsigned char>(s[i]))) &&
                        (i == 0 || s[i - 1] == '=' || s[i - 1] == ' ' || s[i - 1] == '(');
    if (!starts) {
      out += s[i++];
      continue;
    }
    size_t j = i + 1;
    while (j < s.size() && (std::isdigit(static_cast<unsigned char>(s[j])) || s[j] == '.' ||
                            s[j] == 'e' || s[j] == 'E' ||
                            ((s[j] == '-' || s[j] == '+') && (s[j - 1] == 'e' || s[j - 1] == 'E')))) {
      ++j;
    }
    const std::string tok = s.substr(i, j - i);
    out += tok.size() > 8 ? fmt::format("{:.4g}", std::strtod(tok.c_str(), nullptr)) : tok;
    i = j;
  }
  return out;
}

std::string ShapeText(const J& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + shape[i].dump();
  return s + "]";
}

std::string CalibrationSection(const J& cal) {
  std::string md = "## Calibration: correct tensors pass, at the declared rate\n\n";
  md += fmt::format(
      "For each case, {} independent seeds (SplitMix64 of base seed {}) of a correct tensor "
      "(lib's fill) of about {} elements go through the battery. **Per test**: p-values that "
      "are exactly uniform under H0 get a second-level KS test; every test's rejection "
      "fraction at levels t ∈ {{0.001, 0.01, 0.05, 0.1}} must not exceed t beyond its "
      "binomial tail. **Family-wise**: the fraction of seeds the battery rejects at α = 0.1 "
      "and 0.01 must lie within the binomial interval of α (Holm is conservative: below is "
      "fine), and at α = 1e-6 no seed may be rejected. Each assertion has false-alarm rate "
      "≤ {:g} (method: `verify/include/initcheck/verify/power.h`). Verdict: **{}**.\n\n",
      cal["seeds"].get<int>(), cal["base_seed"].get<uint64_t>(), N(cal["n"].get<int64_t>()),
      D(cal, "meta_alpha"), cal["pass"].get<bool>() ? "calibrated" : "NOT calibrated");
  md += "| case | dtype | rejected at α = 0.1 | at α = 0.01 | at α = 1e-6 | verdict |\n"
        "|---|---|---:|---:|---:|---|\n";
  std::string notes;
  for (const J& c : cal["cases"]) {
    std::string rates[3] = {"–", "–", "–"};
    for (const J& f : c["family"]) {
      const double a = D(f, "alpha");
      const int slot = a >= 0.05 ? 0 : a >= 0.005 ? 1 : 2;
      rates[slot] = fmt::format("{}/{}", f["rejections"].get<int>(), f["seeds"].get<int>());
    }
    double min_ks = 2;
    std::string which;
    for (const J& t : c["tests"]) {
      const double p = D(t, "ks_p_value");
      if (!std::isnan(p) && p < min_ks) {
        min_ks = p;
        which = S(t, "name");
      }
    }
    md += fmt::format("| {} | {} | {} | {} | {} | {} |\n", S(c, "label"), S(c, "dtype"), rates[0],
                      rates[1], rates[2], c["pass"].get<bool>() ? "pass" : "**FAIL**");
    notes += fmt::format("- `{}`: `{}` on {} ({}); smallest second-level KS p {} ({})\n",
                         S(c, "label"), S(c, "scheme"), ShapeText(c["shape"]), S(c, "layout"),
                         min_ks <= 1 ? P(min_ks) : "–", which.empty() ? "–" : which);
  }
  md += "\nThe cases:\n\n" + notes;
  md += "\nEvery level check, histogram and interval: [`data/calibration.json`](data/calibration.json).\n\n";
  return md;
}

}  // namespace

std::vector<RenderedFile> render_conformance(const J& conf, const J& cal) {
  const J& cases = conf["cases"];
  int passed = 0;
  for (const J& c : cases) passed += c["pass"].get<bool>();
  std::string md = "# Conformance: every scheme through the verification battery\n\n";
  md += Provenance(S(conf, "commit"),
                   "[`data/conformance.json`](data/conformance.json) and "
                   "[`data/calibration.json`](data/calibration.json)",
                   "initcheck report --only conformance");
  md += fmt::format(
      "Each row fills a weight with lib (`initcheck::fill`; row r uses seed 999 + r, stream 0, "
      "one thread) and checks it with the battery: the target distribution comes from the "
      "oracle (`verify/src/oracle.cc`, derived from the published formulas, not from lib), "
      "the tests are those of `verify/include/initcheck/verify/battery.h`, and the verdict "
      "uses Holm's method at the family-wise false-alarm rate α = {:g} per tensor. The "
      "producer is `initcheck_verify_study --conformance --calibration`.\n\n",
      D(conf["settings"], "alpha"));
  md += fmt::format("**{} of {} cases pass; the battery is {}.**\n\n", passed, cases.size(),
                    cal["pass"].get<bool>() ? "calibrated" : "NOT calibrated");
  md += CalibrationSection(cal);
  md += "## Every scheme, layout and dtype\n\n";
  md += "| # | scheme | layer | dtype | var / target | verdict |\n"
        "|---:|---|---|---|---:|---|\n";
  for (const J& c : cases) {
    const double vr = D(c, "variance_ratio");
    md += fmt::format("| {} | `{}` | {} | {} | {} | {} |\n", c["index"].get<int>(), S(c, "scheme"),
                      S(c, "layer"), S(c, "dtype"),
                      std::isnan(vr) ? "–" : fmt::format("{:.4f}", vr),
                      c["pass"].get<bool>() ? "pass" : "**FAIL**");
  }
  md += "\n*var / target*: the sample variance over the oracle's variance (\"–\" for "
        "structured targets: constant, eye, dirac, orthogonal). The layout and shape of each "
        "row, its target, the smallest p-value and every test are in the details below.\n\n";
  md += "### Every test of every case\n\n";
  md += "Statistic and p-value of each test (`ks`: D; `anderson_darling`: A²; `chi_square`: "
        "X²; `mean`, `variance`: z-scores; others: "
        "`verify/include/initcheck/verify/support.h`, `independence.h`). Statistics below "
        "1e-12 (rounding residuals, which differ in their last bits between machines) are "
        "shown as that bound.\n\n";
  for (const J& c : cases) {
    md += fmt::format("<details><summary>{}. <code>{}</code> {} {} {}: {}</summary>\n\n",
                      c["index"].get<int>(), S(c, "scheme"), S(c, "layout"),
                      ShapeText(c["shape"]), S(c, "dtype"),
                      c["pass"].get<bool>() ? "pass" : "FAIL");
    md += fmt::format("Seed {}, n = {}. Target ({}): {}. Smallest p: {}.\n\n",
                      c["seed"].get<int64_t>(), c["n"].get<int64_t>(),
                      S(c["target"], "family"), S(c["target"], "derivation"),
                      SmallestP(c["tests"]));
    md += "| test | statistic | p-value | Holm-adjusted p |\n|---|---:|---:|---:|\n";
    for (const J& t : c["tests"]) {
      md += fmt::format("| {} | {} | {} | {} |\n", S(t, "name"), G(D(t, "statistic")),
                        P(D(t, "p_value")), P(D(t, "adjusted_p")));
    }
    md += "\n</details>\n\n";
  }
  return {{"conformance.md", md}};
}

std::vector<RenderedFile> render_frameworks(const J& fw) {
  std::string md = "# What the frameworks actually do\n\n";
  md += Provenance(S(fw, "commit"), "[`data/frameworks.json`](data/frameworks.json)",
                   "initcheck report --only frameworks");
  md += fmt::format(
      "The tensors below were made by the frameworks themselves — PyTorch 1.13 (Debian "
      "`python3-torch`) and TensorFlow.js 4.22 (npm, pure-JS CPU backend) — by the scripts "
      "of `verify/tools/fixtures/` with fixed seeds, and are committed with a manifest that "
      "says, for each tensor, the call that made it and the law its documentation (or source) "
      "promises. The producer (`initcheck_verify_study --frameworks`) checks every tensor "
      "with `verify::check_file` against that documented law (each tensor its own Holm family "
      "at α = {:g}). A **fail** is a deviation from the documented semantics that the data "
      "shows; the *evidence* column gives the sample variance over the documented one and "
      "the tests that rejected, the notes under each table the battery's diagnosis. "
      "*expected* is the manifest's own claim, which the fixture scripts confirmed "
      "independently with NumPy/SciPy.\n\n",
      D(fw["settings"], "alpha"));
  for (const J& f : fw["frameworks"]) {
    int total = 0, pass = 0, fail = 0, agree = 0, unchecked = 0;
    for (const J& t : f["tensors"]) {
      ++total;
      const std::string v = S(t, "verdict");
      pass += v == "pass";
      fail += v == "fail";
      unchecked += v == "not checked";
      agree += t["agrees"].is_boolean() && t["agrees"].get<bool>();
    }
    md += fmt::format("## {}\n\n", S(f, "framework"));
    md += fmt::format(
        "Fixtures: `{}/` (made by `{}`). **{} tensors: {} conform to their documented law, {} "
        "deviate, {} cannot be expressed as an initcheck scheme yet; the verdict matches the "
        "manifest's expectation for {} of {} checked.**\n\n",
        S(f, "data_dir"), S(f, "generator"), total, pass, fail, unchecked, agree, pass + fail);
    // Files in manifest order; a file whose tensors all conform as expected
    // is folded.
    std::vector<std::string> order;
    std::map<std::string, std::vector<const J*>> by_file;
    for (const J& t : f["tensors"]) {
      const std::string file = S(t, "file");
      if (!by_file.count(file)) order.push_back(file);
      by_file[file].push_back(&t);
    }
    for (const std::string& file : order) {
      const auto& ts = by_file[file];
      const std::string head = "| tensor | documented law | verdict | expected | evidence |\n"
                               "|---|---|---|---|---|\n";
      std::string shown, folded, notes;
      int n_folded = 0;
      for (const J* tp : ts) {
        const J& t = *tp;
        const std::string v = S(t, "verdict");
        const bool disagrees = t["agrees"].is_boolean() && !t["agrees"].get<bool>();
        std::string evidence;
        const double vr = D(t, "variance_ratio");
        if (!std::isnan(vr)) evidence = fmt::format("var × {:.3f}", vr);
        if (v == "fail") {
          const J& s = t["sample"];
          const std::string fam = S(t["target"], "family");
          if (fam == "uniform" || fam == "truncated_normal") {
            evidence += fmt::format("{}range [{:.3g}, {:.3g}] vs [{:.3g}, {:.3g}]",
                                    evidence.empty() ? "" : "; ", D(s, "min"), D(s, "max"),
                                    D(t["target"], "low"), D(t["target"], "high"));
          }
          const std::string rej = Rejected(t["tests"]);
          if (!rej.empty()) evidence += (evidence.empty() ? "" : "; ") + rej;
        }
        if (v == "not checked") evidence = "no initcheck scheme (see note)";
        if (v == "error") evidence = Cell(S(t, "error"));
        const std::string name = S(t, "name");
        const std::string row = fmt::format(
            "| `{}` | `{}` | {} | {} | {} |\n", name,
            t["scheme"].is_string() ? ShortScheme(S(t, "scheme")) : "–",
            v == "fail" ? "**fail**" : v, disagrees ? "**" + S(t, "expect") + "**" : S(t, "expect"),
            Cell(evidence));
        if (v == "pass" && S(t, "expect") == "pass") {
          folded += row;
          ++n_folded;
          continue;
        }
        shown += row;
        notes += fmt::format("- `{}`: made by `{}`. Documented: {}.", name, S(t, "made_by"),
                             S(t, "documented"));
        if (t["bug"].is_string()) notes += " Known deviation: " + S(t, "bug") + ".";
        if (!S(t, "diagnosis").empty()) notes += " Diagnosis: " + S(t, "diagnosis") + ".";
        if ((v == "not checked" || disagrees) && !S(t, "notes").empty()) {
          notes += std::string(disagrees ? " **The verdict differs from the manifest's "
                                           "expectation.** Fixture notes: "
                                         : " ") +
                   S(t, "notes");
        }
        notes += "\n";
      }
      md += fmt::format("### `{}`\n\n", file);
      if (!shown.empty()) md += head + shown + "\n" + notes + "\n";
      if (n_folded > 0) {
        md += fmt::format(
            "<details><summary>{}{} conform, as expected</summary>\n\n{}{}\n"
            "</details>\n\n",
            shown.empty() ? (n_folded == 1 ? "The tensor" : "All ") : "The other ",
            n_folded == 1 && shown.empty() ? std::string() : fmt::format("{} tensors", n_folded), head, folded);
      }
    }
    if (!f["skipped_files"].empty()) {
      md += "Not listed: ";
      bool first = true;
      for (const J& s : f["skipped_files"]) {
        md += fmt::format("{}`{}` ({})", first ? "" : "; ", S(s, "file"), S(s, "reason"));
        first = false;
      }
      md += ".\n\n";
    }
  }
  md += "Regenerate the fixtures: `verify/tools/fixtures/README.md`; every tensor's "
        "statistics and p-values: [`data/frameworks.json`](data/frameworks.json).\n";
  return {{"frameworks.md", md}};
}

}  // namespace initcheck::report
