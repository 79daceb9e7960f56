// initcheck_verify_study: runs the power (mutation) study and the calibration
// meta-experiment of initcheck/verify/power.h and writes their JSON.
//
//   initcheck_verify_study --power --calibration --out DIR
//       full settings (power: 50 seeds per mutant at 2^18, min n for 0.99
//       power with 200 seeds per grid point up to 2^22; calibration: 2000
//       seeds at 2^16): DIR/power.json, DIR/calibration.json
//   initcheck_verify_study --tail-calibration --out DIR
//       the tail calibration (tail_calibration.h: each test's rejection rate
//       at alpha 1e-3, 1e-4, 1e-5, K up to 10^8 per case; ~5 min on 2
//       cores): DIR/tail_calibration.json and DIR/tail_calibration.md (the
//       markdown table rendered from the JSON). The reports keep it in
//       reports/data/tail_calibration.json.
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
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>

#include "initcheck/error.h"
#include "initcheck/verify/power.h"
#include "initcheck/verify/tail_calibration.h"

int main(int argc, char** argv) {
  using namespace initcheck::verify;
  CLI::App app("Power and calibration studies of the initcheck battery",
               "initcheck_verify_study");
  bool power = false, calibration = false, tail = false, quick = false;
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
  if (!power && !calibration && !tail) {
    std::cerr << "initcheck_verify_study: give --power, --calibration and/or "
                 "--tail-calibration\n";
    return 2;
  }
  auto log = [](const std::string& line) {
    std::fprintf(stderr, "%s\n", line.c_str());
  };
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
      o.mutants = mutants;
      o.threads = threads;
      o.progress = log;
      const PowerResults r = run_power_study(o);
      write_text_file(out + "/power.json", to_json(r));
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
      o.threads = threads;
      o.progress = log;
      const CalibrationResults r = run_calibration(o);
      write_text_file(out + "/calibration.json", to_json(r));
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
      const std::string json = to_json(r);
      write_text_file(out + "/tail_calibration.json", json);
      write_text_file(out + "/tail_calibration.md",
                      tail_calibration_markdown(json));
      std::fprintf(stderr,
                   "tail calibration: %s in %.1f s -> %s/tail_calibration.json\n%s",
                   r.pass ? "pass" : "FAIL", r.elapsed_seconds, out.c_str(),
                   tail_failures(r).c_str());
      if (!r.pass) rc = 1;
    }
  } catch (const initcheck::Error& e) {
    std::cerr << "initcheck_verify_study: error: " << e.what() << "\n";
    return 2;
  }
  return rc;
}
