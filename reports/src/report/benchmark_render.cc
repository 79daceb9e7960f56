// benchmarks.md from Google Benchmark JSON (initcheck_bench) and the peers'
// JSON (bench/peers.py): the targets first, then the peers, both cores, then every
// benchmark as a ratio to the memset of the same dtype and size.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <sstream>
#include <tuple>
#include <vector>

#include "gnuplot.h"
#include "initcheck/report/render.h"
#include "render_util.h"

namespace initcheck::report {
namespace {

using namespace util;

struct Row {
  std::string name, kind;  // kind "BM_FillNormal"
  std::string dtype = "f32";
  int threads = 0;  // 0: the single-thread benchmark without a threads argument
  int64_t n = -1;
  double rate = 0;     // items per second
  double seconds = 0;  // real time per iteration
};

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(c); });
}

Row Parse(const J& b) {
  Row r;
  r.name = S(b, "name");
  std::vector<std::string> parts;
  std::stringstream ss(r.name);
  for (std::string p; std::getline(ss, p, '/');) parts.push_back(p);
  if (!parts.empty()) r.kind = parts[0];
  for (size_t i = 1; i < parts.size(); ++i) {
    const std::string& p = parts[i];
    if (p == "f64") r.dtype = "f64";
    if (p.rfind("threads:", 0) == 0) r.threads = std::stoi(p.substr(8));
    if (AllDigits(p) && r.n < 0) r.n = std::stoll(p);
  }
  r.rate = b.value("items_per_second", 0.0);
  const std::string unit = S(b, "time_unit");
  const double scale = unit == "s" ? 1 : unit == "ms" ? 1e-3 : unit == "us" ? 1e-6 : 1e-9;
  r.seconds = D(b, "real_time") * scale;
  return r;
}

std::string Rate(double x) {
  if (x >= 1e9) return fmt::format("{:.2f} G/s", x / 1e9);
  if (x >= 1e6) return fmt::format("{:.1f} M/s", x / 1e6);
  return fmt::format("{:.0f} /s", x);
}

std::string Size(int64_t n, const std::string& dtype) {
  const double b = (dtype == "f64" ? 8.0 : 4.0) * static_cast<double>(n);
  if (b >= (1 << 20)) return fmt::format("{:g} MiB", b / (1 << 20));
  return fmt::format("{:g} KiB", b / 1024);
}

// n as "8·10⁶" when it is a digit times a power of ten, else as digits.
std::string Count(int64_t n) {
  int e = 0;
  int64_t m = n;
  while (m >= 10 && m % 10 == 0) {
    m /= 10;
    ++e;
  }
  if (n <= 0 || m >= 10 || e < 2) return std::to_string(n);
  return (m == 1 ? std::string() : std::to_string(m) + "·") + "10" + Superscript(e);
}

}  // namespace

std::vector<RenderedFile> render_benchmarks(const J& bench, const J& peers,
                                            const std::string& plot_dir) {
  std::vector<RenderedFile> files;
  std::vector<Row> rows;
  for (const J& b : bench.value("benchmarks", J::array())) {
    if (b.value("run_type", "iteration") != "iteration") continue;  // aggregates
    rows.push_back(Parse(b));
  }
  // threads 0: the single-thread benchmark without a threads argument.
  auto find = [&](const std::string& kind, const std::string& dtype, int64_t n,
                  int threads = 0) -> const Row* {
    for (const Row& r : rows) {
      if (r.kind == kind && r.dtype == dtype && r.n == n && r.threads == threads) return &r;
    }
    return nullptr;
  };
  auto memset_rate = [&](const Row& r) {
    const Row* m = find("BM_Memset", r.dtype, r.n);
    return m ? m->rate : 0.0;
  };
  std::map<std::string, double> peer;  // name -> items/s (status ok)
  const bool have_peers = peers.is_object();
  if (have_peers) {
    for (const J& p : peers.value("benchmarks", J::array())) {
      if (S(p, "status") == "ok" && p["items_per_second"].is_number()) {
        peer[S(p, "name")] = p["items_per_second"].get<double>();
      }
    }
  }
  const J ctx = bench.value("context", J::object());
  std::string md = "# Benchmarks\n\n";
  const std::string commit = S(ctx, "git_commit");
  md += fmt::format(
      "*Measured on `{}` ({} CPUs, {}) on {}{}; data: Google Benchmark JSON of "
      "`initcheck_bench` and bench/peers.py's JSON, rendered by `initcheck report --only "
      "benchmarks`. Timings change from run to run: this is the one report that is not "
      "byte-identical.*\n\n",
      S(ctx, "host_name"), ctx.value("num_cpus", 0), S(ctx, "compiler"), S(ctx, "date"),
      commit.empty() ? "" : ", commit `" + commit + "`");
  md += "Throughput in elements per second, reported as ratios to baselines **from the same "
        "run**: `BM_Memset` of the same dtype and size (the write-bandwidth ceiling) and the "
        "peers (PyTorch, NumPy, SciPy, one thread, `bench/peers.py`). These machines are "
        "shared and noisy: compare ratios, not absolute rates; rerun with `make bench`.\n\n";

  // ---- Targets (issue 14) ----
  constexpr int64_t kN = int64_t{1} << 26;
  md += "## Targets (fills at 64 Mi elements; one thread unless stated)\n\n";
  md += "| target | required | measured | status |\n|---|---:|---:|---|\n";
  auto target_row = [&](const std::string& what, const std::string& req, double got, bool ok,
                        const std::string& shown) {
    md += fmt::format("| {} | {} | {} | {} |\n", what, req, shown,
                      std::isnan(got) ? "not measured" : ok ? "met" : "**not met**");
  };
  for (const std::string dtype : {"f32", "f64"}) {
    for (const auto& [kind, label, want] :
         {std::tuple<const char*, const char*, double>{"BM_FillUniform", "uniform", 0.5},
          {"BM_FillNormal", "normal", 0.2},
          {"BM_FillTruncNormal", "truncated normal", 0.18}}) {
      const Row* r = find(kind, dtype, kN);
      const double m = r ? memset_rate(*r) : 0;
      const double got = r && m > 0 ? r->rate / m : std::nan("");
      target_row(fmt::format("{} {} / memset {}", label, dtype, dtype), fmt::format("≥ {:g}", want),
                 got, got >= want, std::isnan(got) ? "–" : fmt::format("{:.3f}", got));
    }
  }
  // The battery on 10^7 values: single-thread, and in arenas of 1 and 2
  // threads (wall-clock, for the speed-up).
  const Row* battery = find("BM_VerifyBattery", "f32", 10000000);
  const Row* b1 = find("BM_VerifyBattery", "f32", 10000000, 1);
  const Row* b2 = find("BM_VerifyBattery", "f32", 10000000, 2);
  const double bsec = battery ? battery->seconds : std::nan("");
  target_row("battery on 10⁷ f32 values", "≤ 0.25 s", bsec, bsec <= 0.25,
             std::isnan(bsec) ? "–" : fmt::format("{:.2f} s", bsec));
  const double speedup = b1 && b2 && b2->seconds > 0 ? b1->seconds / b2->seconds : std::nan("");
  target_row("battery on 10⁷, 2 threads / 1 (wall)", "≥ 1.7×", speedup, speedup >= 1.7,
             std::isnan(speedup) ? "–" : fmt::format("{:.3f}×", speedup));
  auto peer_ratio = [&](const Row* r, const std::string& name) {
    auto it = peer.find(name);
    return r && it != peer.end() && it->second > 0 ? r->rate / it->second : std::nan("");
  };
  const Row* normal32 = find("BM_FillNormal", "f32", kN);
  const double vs_torch = peer_ratio(normal32, "torch.Tensor.normal_/f32");
  const double vs_scipy = peer_ratio(battery, "scipy.stats.kstest+anderson+chisquare/norm");
  auto peer_text = [&](double x) {
    return std::isnan(x) ? std::string(have_peers ? "not installed" : "no peers.json")
                         : fmt::format("{:.1f}×", x);
  };
  target_row("normal f32 / PyTorch `normal_`", "≥ 5×", vs_torch, vs_torch >= 5,
             peer_text(vs_torch));
  target_row("battery / SciPy KS + AD + χ² (10⁷)", "≥ 15×", vs_scipy, vs_scipy >= 15,
             peer_text(vs_scipy));
  md += "\nRatios within this run; f64 fills against the f64 memset. Why the per-core fill "
        "targets are hard with Philox4x32-10 and an exact inverse-CDF normal: "
        "`bench/README.md`.\n\n";

  // ---- Peers ----
  md += "## Against PyTorch, NumPy and SciPy (one thread, same run)\n\n";
  md += "| measured | initcheck | × PyTorch | × NumPy | × SciPy |\n|---|---:|---:|---:|---:|\n";
  struct PeerRow {
    const char* label;
    const Row* ours;
    const char *torch, *numpy, *scipy;
  };
  const PeerRow prs[] = {
      {"normal f32", normal32, "torch.Tensor.normal_/f32",
       "numpy.Generator(PCG64).standard_normal/f32", nullptr},
      {"uniform f32", find("BM_FillUniform", "f32", kN), "torch.Tensor.uniform_/f32",
       "numpy.Generator(PCG64).random/f32", nullptr},
      {"truncated normal f32", find("BM_FillTruncNormal", "f32", kN),
       "torch.nn.init.trunc_normal_/f32", nullptr, nullptr},
      {"normal f64", find("BM_FillNormal", "f64", kN), "torch.Tensor.normal_/f64",
       "numpy.Generator(PCG64).standard_normal/f64", nullptr},
      {"uniform f64", find("BM_FillUniform", "f64", kN), "torch.Tensor.uniform_/f64",
       "numpy.Generator(PCG64).random/f64", nullptr},
      {"battery (KS, AD, χ², …) on 10⁷", battery, nullptr, nullptr,
       "scipy.stats.kstest+anderson+chisquare/norm"},
  };
  for (const PeerRow& p : prs) {
    auto col = [&](const char* name) {
      return name ? peer_text(peer_ratio(p.ours, name)) : std::string("–");
    };
    md += fmt::format("| {} | {} | {} | {} | {} |\n", p.label, p.ours ? Rate(p.ours->rate) : "–",
                      col(p.torch), col(p.numpy), col(p.scipy));
  }
  md += "\nFills at 64 Mi elements; × = initcheck's rate over the peer's (above 1: initcheck "
        "is faster). \"not installed\": the peer's package could not be imported.";
  if (have_peers) {
    const J pc = peers.value("context", J::object());
    if (pc.contains("versions")) md += " Peer versions: `" + pc["versions"].dump() + "`.";
  }
  md += "\n\n";

  // ---- Both cores: the battery and whole checkpoints ----
  const double b2_scipy = peer_ratio(b2, "scipy.stats.kstest+anderson+chisquare/norm");
  std::vector<std::tuple<int64_t, const Row*, const Row*>> checkpoints;  // n, 1 thread, 2
  for (const Row& r : rows) {
    if (r.kind != "BM_CheckFile" || r.threads < 1 || r.threads > 2) continue;
    auto it = std::find_if(checkpoints.begin(), checkpoints.end(),
                           [&](const auto& f) { return std::get<0>(f) == r.n; });
    if (it == checkpoints.end()) it = checkpoints.insert(checkpoints.end(), {r.n, nullptr, nullptr});
    (r.threads == 1 ? std::get<1>(*it) : std::get<2>(*it)) = &r;
  }
  std::sort(checkpoints.begin(), checkpoints.end(),
            [](const auto& a, const auto& b) { return std::get<0>(a) < std::get<0>(b); });
  const Row* n1 = find("BM_FillNormal", "f32", kN, 1);  // the f32 normal fill, 64 Mi
  const Row* n2 = find("BM_FillNormal", "f32", kN, 2);
  if (b1 || n1 || !checkpoints.empty()) {
    md += "## Both cores (wall-clock, the CLI's default)\n\n";
    md += "| measured | 1 thread | 2 threads | speed-up |\n|---|---:|---:|---:|\n";
    auto ms = [](const Row* r) {
      return r ? fmt::format("{:.0f} ms", r->seconds * 1e3) : std::string("–");
    };
    auto ratio = [](const Row* a, const Row* b) {
      return a && b && b->seconds > 0 ? fmt::format("{:.2f}×", a->seconds / b->seconds)
                                      : std::string("–");
    };
    if (n1) {
      md += fmt::format("| normal f32 fill, 64 Mi elements | {} | {} | {} |\n", ms(n1), ms(n2),
                        ratio(n1, n2));
    }
    if (b1) {
      md += fmt::format("| battery on 10⁷ f32 values | {} | {} | {} |\n", ms(b1), ms(b2),
                        ratio(b1, b2));
    }
    for (const auto& [n, f1, f2] : checkpoints) {
      md += fmt::format(
          "| `check_file`: safetensors of {} f32 values (8 weights, 8 biases) | {} | {} | {} "
          "|\n",
          Count(n), ms(f1), ms(f2), ratio(f1, f2));
    }
    md += "\n`BM_FillNormal/67108864/threads:t`, `BM_VerifyBattery/10000000/threads:t` and "
          "`BM_CheckFile/<n>/threads:t`, one process, same run. The results are bit-identical for any thread count.";
    const double n2_torch = peer_ratio(n2, "torch.Tensor.normal_/f32/threads:2");
    if (!std::isnan(n2_torch)) {
      md += fmt::format(
          " PyTorch's `normal_` with `torch.set_num_threads(2)` ran at {} (wall-clock; one "
          "thread: {}): on both cores initcheck's normal fill is {:.1f}× it.",
          Rate(peer["torch.Tensor.normal_/f32/threads:2"]),
          peer.count("torch.Tensor.normal_/f32") ? Rate(peer["torch.Tensor.normal_/f32"])
                                                 : std::string("–"),
          n2_torch);
    }
    if (!std::isnan(b2_scipy)) {
      md += fmt::format(
          " SciPy's three tests run on one core whatever the machine; on both cores the battery "
          "is {:.1f}× their rate (the target above counts one core).",
          b2_scipy);
    }
    md += "\n\n";
  }

  // ---- Figure: fill throughput / memset against size ----
  gp::Figure f;
  f.width = 900;
  f.height = 400;
  f.cols = 2;
  f.legend_cols = 3;
  const std::vector<std::pair<std::string, std::string>> kinds = {
      {"BM_FillUniform", "uniform"},
      {"BM_FillNormal", "normal"},
      {"BM_FillTruncNormal", "truncated normal"},
      {"BM_StdUniform", "std::uniform_real_distribution"},
      {"BM_StdNormal", "std::normal_distribution"}};
  for (const std::string dtype : {"f32", "f64"}) {
    gp::Panel p;
    p.title = dtype + ", one thread";
    p.x.label = "elements n";
    p.x.log = true;
    p.y.label = "rate / memset rate";
    p.y.log = true;
    for (size_t k = 0; k < kinds.size(); ++k) {
      gp::Series s;
      s.kind = gp::Kind::kLinePoints;
      s.look = gp::palette(static_cast<int>(k));
      for (const Row& r : rows) {
        if (r.kind != kinds[k].first || r.dtype != dtype || r.threads != 0 || r.n <= 0) continue;
        const double m = memset_rate(r);
        if (m <= 0) continue;
        s.x.push_back(static_cast<double>(r.n));
        s.y.push_back(r.rate / m);
      }
      if (!s.x.empty()) p.series.push_back(s);
    }
    // The target lines' labels at the left end, where every fill is far below
    // them (small sizes): at the right end they sat on the curves.
    for (const auto& [tn, ty] : {std::pair<std::string, double>{"0.5", 0.5}, {"0.2", 0.2}}) {
      p.commands.push_back(fmt::format(
          "set arrow from graph 0, first {0} to graph 1, first {0} nohead lc rgb \"#999999\" "
          "dt (4,4) lw 1 back",
          ty));
      p.commands.push_back(fmt::format(
          "set label \"target {}\" at graph 0.01, first {} left font \",10\" tc rgb \"#555555\" "
          "offset 0, 0.6 front",
          tn, ty));
    }
    f.panels.push_back(std::move(p));
  }
  for (size_t k = 0; k < kinds.size(); ++k) {
    f.legend.push_back({kinds[k].second, gp::Kind::kLinePoints, gp::palette(static_cast<int>(k))});
  }
  md += "## Fill throughput against size\n\n";
  md += Figure(f, plot_dir, "benchmarks_fill", "fill throughput over memset", files);
  md += "Dashed lines: the targets 0.5 (uniform) and 0.2 (normal). Small sizes fit in cache, "
        "where memset is much faster than any fill.\n\n";

  // ---- Every benchmark ----
  md += "<details><summary>Every benchmark of this run</summary>\n\n";
  md += "| benchmark | size | rate | × memset |\n|---|---:|---:|---:|\n";
  for (const Row& r : rows) {
    const double m = memset_rate(r);
    md += fmt::format("| `{}` | {} | {} | {} |\n", r.name, r.n >= 0 ? Size(r.n, r.dtype) : "–",
                      Rate(r.rate), m > 0 ? fmt::format("{:.3f}", r.rate / m) : "–");
  }
  md += "\n× memset: over `BM_Memset` of the same dtype and size, single-thread run (for "
        "`threads:t` rows: wall-clock rate over the single-thread memset).\n\n</details>\n";
  files.insert(files.begin(), RenderedFile{"benchmarks.md", md});
  return files;
}

}  // namespace initcheck::report
