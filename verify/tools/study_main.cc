// initcheck_verify_study: runs the power (mutation) study and the calibration
// meta-experiment of initcheck/verify/power.h and writes their JSON.
//
//   initcheck_verify_study --power --calibration --out DIR
//       full settings (power: 50 seeds per mutant at 2^18, min n for 0.99
//       power with 200 seeds per grid point up to 2^22; calibration: 2000
//       seeds at 2^16): DIR/power.json, DIR/calibration.json
//   initcheck_verify_study --tail-calibration --out DIR
//       the tail calibration (tail_calibration.h: each test's rejection rate
//       at alpha 1e-3, 1e-4, 1e-5, K up to 3 10^7 per case; about 1000 s of
//       CPU at scale 1): DIR/tail_calibration.json and one summary line.
//       `make tail-calibration` writes reports/data/tail_calibration.json,
//       which `initcheck report` renders (reports/tail_calibration.md).
//   initcheck_verify_study --conformance --frameworks --out DIR
//       the data products of reports/conformance.md and frameworks.md
//       (tools/report_data.h): DIR/conformance.json (every scheme x layout x
//       dtype filled by lib and checked by the battery) and
//       DIR/frameworks.json (the PyTorch and TF.js fixtures of
//       verify/test/data/, checked against their documented laws; --fixtures
//       DIR names the fixture directories, default torch and tfjs there).
//   --commit ID              recorded in every JSON written ("commit")
//   --min-n-seeds K, --min-n-high N, --calibration-seeds K, --calibration-n N
//                            override the full settings (`make report` uses
//                            smaller ones; the JSON records what was used)
//   -q, --quiet              no progress lines
//   --quick                  CI-sized settings (power: 5 seeds, no min n;
//                            calibration: 500 seeds at 2^14; tail: K / 100)
//   --seed N                 base seed (default: the library's)
//   --mutant NAME            only these mutants (repeatable)
//   --case LABEL, --scale X  tail calibration: only these cases; sample
//                            counts times X
//   --threads N              0 = all cores (the results do not depend on it)
// Exit code 0 when the calibrations pass and every asserted mutant was
// detected at every seed, 1 otherwise, 2 on usage errors.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>

#include <nlohmann/json.hpp>

#include "initcheck/error.h"
#include "initcheck/verify/power.h"
#include "initcheck/verify/result.h"  // format
#include "initcheck/verify/tail_calibration.h"
#include "report_data.h"

namespace {

// The study's JSON with "commit" added (key order kept).
std::string WithCommit(const std::string& json, const std::string& commit) {
  auto j = nlohmann::ordered_json::parse(json);
  j["commit"] = commit.empty() ? "unknown" : commit;
  return j.dump(2) + "\n";
}

}  // namespace

int main(int argc, char** argv) {
  using namespace initcheck::verify;
  CLI::App app("Power and calibration studies of the initcheck battery",
               "initcheck_verify_study");
  bool power = false, calibration = false, tail = false, quick = false;
  bool conformance = false, frameworks = false, quiet = false;
  std::string commit;
  std::vector<std::string> fixtures;
  int min_n_seeds = 0, calibration_seeds = 0;
  int64_t min_n_high = 0, calibration_n = 0;
  std::string out = "verify-studies";
  std::optional<uint64_t> seed;
  std::vector<std::string> mutants, tail_cases;
  double scale = 0;
  int threads = 0;
  app.add_flag("--power", power, "run the power (mutation) study");
  app.add_flag("--calibration", calibration,
               "run the calibration meta-experiment");
  app.add_flag("--tail-calibration", tail,
               "measure each test's rejection rate at alpha 1e-3..1e-5");
  app.add_flag("--conformance", conformance,
               "every scheme x layout x dtype through the battery (conformance.json)");
  app.add_flag("--frameworks", frameworks,
               "the framework fixtures through the battery (frameworks.json)");
  app.add_option("--fixtures", fixtures,
                 "fixture directories with a manifest.json (repeatable; default "
                 "verify/test/data/torch and tfjs)");
  app.add_option("--commit", commit, "commit id recorded in the JSON");
  app.add_option("--min-n-seeds", min_n_seeds, "power: seeds per point of the min-n search");
  app.add_option("--min-n-high", min_n_high, "power: largest n of the min-n search");
  app.add_option("--calibration-seeds", calibration_seeds, "calibration: seeds per case");
  app.add_option("--calibration-n", calibration_n, "calibration: elements per tensor");
  app.add_flag("-q,--quiet", quiet, "no progress lines");
  app.add_flag("--quick", quick, "CI-sized settings instead of the full ones");
  app.add_option("--out", out, "output directory")
      ->default_val("verify-studies");
  app.add_option("--seed", seed, "base seed");
  app.add_option("--mutant", mutants, "only these mutants (repeatable)");
  app.add_option("--case", tail_cases,
                 "tail calibration: only these cases (repeatable)");
  app.add_option("--scale", scale,
                 "tail calibration: multiply every case's sample count");
  app.add_option("--threads", threads, "threads (0: all cores)")
      ->default_val(0);
  CLI11_PARSE(app, argc, argv);
  if (!power && !calibration && !tail && !conformance && !frameworks) {
    std::cerr << "initcheck_verify_study: give --power, --calibration, "
                 "--tail-calibration, --conformance and/or --frameworks\n";
    return 2;
  }
  std::function<void(const std::string&)> log;
  if (!quiet) {
    log = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  }
  int rc = 0;
  try {
    std::filesystem::create_directories(out);
    if (power) {
      PowerOptions o;
      if (quick) {
        o.seeds = 5;
        o.find_min_n = false;
      }
      if (seed) o.base_seed = *seed;
      if (min_n_seeds > 0) o.min_n_seeds = min_n_seeds;
      if (min_n_high > 0) o.min_n_high = min_n_high;
      o.mutants = mutants;
      o.threads = threads;
      o.progress = log;
      const PowerResults r = run_power_study(o);
      write_text_file(out + "/power.json", WithCommit(to_json(r), commit));
      std::fprintf(stderr, "power: %zu mutants in %.1f s -> %s/power.json\n",
                   r.mutants.size(), r.elapsed_seconds, out.c_str());
      for (const MutantPower& m : r.mutants) {
        if (m.assert_detected_at == int64_t{1} << 18 &&
            m.at_n.detections < m.at_n.seeds) {
          std::fprintf(stderr, "  %s escaped %d of %d times at n = %lld\n",
                       m.name.c_str(), m.at_n.seeds - m.at_n.detections,
                       m.at_n.seeds, static_cast<long long>(m.at_n.n));
          rc = 1;
        }
        if (m.reference_rejections > 0) {
          std::fprintf(stderr,
                       "  %s: the correct reference was rejected %d times\n",
                       m.name.c_str(), m.reference_rejections);
          rc = 1;
        }
      }
    }
    if (calibration) {
      CalibrationOptions o;
      if (quick) {
        o.seeds = 500;
        o.n = 1 << 14;
      }
      if (seed) o.base_seed = *seed;
      if (calibration_seeds > 0) o.seeds = calibration_seeds;
      if (calibration_n > 0) o.n = calibration_n;
      o.threads = threads;
      o.progress = log;
      const CalibrationResults r = run_calibration(o);
      write_text_file(out + "/calibration.json", WithCommit(to_json(r), commit));
      std::fprintf(stderr,
                   "calibration: %s in %.1f s -> %s/calibration.json\n%s",
                   r.pass ? "pass" : "FAIL", r.elapsed_seconds, out.c_str(),
                   failures(r).c_str());
      if (!r.pass) rc = 1;
    }
    if (tail) {
      TailCalibrationOptions o;
      if (quick) o.scale = 0.01;
      if (scale > 0) o.scale = scale;
      o.cases = tail_cases;
      if (seed) o.base_seed = *seed;
      o.threads = threads;
      o.progress = log;
      const TailCalibrationResults r = run_tail_calibration(o);
      write_text_file(out + "/tail_calibration.json", WithCommit(to_json(r), commit));
      // One line: the verdict and the largest observed / nominal ratio per
      // alpha (exact cases included); the failing cells follow on failure.
      std::string worst;
      for (size_t a = 0; a < o.alphas.size(); ++a) {
        double top = 0;
        for (const TailCaseResult& c : r.cases) {
          for (const TailTestResult& t : c.tests) {
            if (std::isfinite(t.rates[a].ratio)) top = std::max(top, t.rates[a].ratio);
          }
        }
        worst += (a ? ", " : "") + format("%.2f at %g", top, o.alphas[a]);
      }
      std::fprintf(stderr,
                   "tail calibration: %s, max observed/nominal %s, in %.1f s -> "
                   "%s/tail_calibration.json\n%s",
                   r.pass ? "pass" : "FAIL", worst.c_str(), r.elapsed_seconds,
                   out.c_str(), r.pass ? "" : tail_failures(r).c_str());
      if (!r.pass) rc = 1;
    }
    if (conformance) {
      write_text_file(out + "/conformance.json",
                      tools::conformance_json(quick, threads, commit));
      if (!quiet) std::fprintf(stderr, "conformance -> %s/conformance.json\n", out.c_str());
    }
    if (frameworks) {
      if (fixtures.empty()) {
        fixtures = {std::string(INITCHECK_SOURCE_DIR) + "/verify/test/data/torch",
                    std::string(INITCHECK_SOURCE_DIR) + "/verify/test/data/tfjs"};
      }
      write_text_file(out + "/frameworks.json",
                      tools::frameworks_json(INITCHECK_SOURCE_DIR, fixtures, threads, commit));
      if (!quiet) std::fprintf(stderr, "frameworks -> %s/frameworks.json\n", out.c_str());
    }
  } catch (const initcheck::Error& e) {
    std::cerr << "initcheck_verify_study: error: " << e.what() << "\n";
    return 2;
  }
  return rc;
}
