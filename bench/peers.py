#!/usr/bin/python3
"""Peers measured in the same run as initcheck_bench (bench/README.md).

Times PyTorch's and NumPy's fills and SciPy's goodness-of-fit tests on the
sizes of the C++ benchmarks -- 64 Mi elements (2^26) for fills, 10^7 values
for the statistics -- on one thread, best of --repetitions, in CPU time like
initcheck_bench's single-thread benchmarks, and writes JSON:

  {"context": {"date", "cpu", "hardware_threads", "python", "versions":
               {"numpy", "scipy", "torch"}, "threads": 1},
   "benchmarks": [{"name", "items_per_second", "n", "repetitions",
                   "status": "ok" | "not installed", "threads",
                   "clock": "cpu" | "wall"}]}

Every entry runs on one thread in CPU time, except
"torch.Tensor.normal_/f32/threads:2": two threads, wall-clock time (to
compare with initcheck_bench's BM_FillNormal/<n>/threads:2/real_time).

A package that cannot be imported gives its entries with status
"not installed" (items_per_second null), never a failure. Run with Debian's
interpreter, /usr/bin/python3 (a pyenv shim may come first on PATH).

  /usr/bin/python3 bench/peers.py --out build/peers.json
      [--repetitions 3] [--fill-n 67108864] [--stat-n 10000000]
      [--bench-json build/bench.json]   # also print initcheck / peer ratios
"""

import argparse
import datetime
import json
import os
import platform
import sys
import time

# One thread everywhere, before numpy/torch load their thread pools.
for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ[_var] = "1"


def try_import(name):
    try:
        return __import__(name)
    except Exception:  # ImportError, or a broken install
        return None


np = try_import("numpy")
torch = try_import("torch")
scipy_stats = None
if np is not None:
    try:
        import scipy
        import scipy.stats as scipy_stats
    except Exception:
        scipy_stats = None


def best_time(fn, repetitions, clock=time.process_time):
    """The fastest of `repetitions` calls of fn() (one warm-up call first),
    by default in CPU time of the process: what initcheck_bench reports for
    its single-thread benchmarks, and what a shared machine disturbs least.
    A run on several threads passes clock=time.perf_counter (wall-clock: CPU
    time would add the threads up; initcheck_bench's threads:t runs are
    wall-clock too)."""
    fn()
    best = float("inf")
    for _ in range(repetitions):
        t0 = clock()
        fn()
        best = min(best, clock() - t0)
    return best


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def entry(name, n, reps, seconds=None, status="ok", threads=1):
    return {
        "name": name,
        "items_per_second": (n / seconds) if status == "ok" else None,
        "n": n,
        "repetitions": reps,
        "status": status,
        "threads": threads,
        "clock": "cpu" if threads == 1 else "wall",
    }


def torch_fills(n, reps):
    names = ["torch.Tensor.normal_/f32", "torch.Tensor.normal_/f32/threads:2",
             "torch.Tensor.uniform_/f32",
             "torch.nn.init.trunc_normal_/f32", "torch.Tensor.normal_/f64",
             "torch.Tensor.uniform_/f64"]
    if torch is None:
        return [entry(x, n, reps, status="not installed",
                      threads=2 if x.endswith("threads:2") else 1)
                for x in names]
    torch.set_num_threads(1)
    torch.manual_seed(42)
    out = []
    for dtype, suffix in ((torch.float32, "f32"), (torch.float64, "f64")):
        t = torch.ones(n, dtype=dtype)  # allocated and written: no page faults
        out.append(entry(f"torch.Tensor.normal_/{suffix}", n, reps,
                         best_time(lambda: t.normal_(0.0, 1.0), reps)))
        out.append(entry(f"torch.Tensor.uniform_/{suffix}", n, reps,
                         best_time(lambda: t.uniform_(-1.0, 1.0), reps)))
        if suffix == "f32":
            out.append(entry(
                "torch.nn.init.trunc_normal_/f32", n, reps,
                best_time(lambda: torch.nn.init.trunc_normal_(
                    t, mean=0.0, std=1.0, a=-2.0, b=2.0), reps)))
            # On two threads, wall-clock: what `normal_` gives a user whose
            # machine has a second core (PyTorch 1.13's CPU normal_ runs on
            # one thread whatever set_num_threads says).
            torch.set_num_threads(2)
            out.append(entry(
                "torch.Tensor.normal_/f32/threads:2", n, reps,
                best_time(lambda: t.normal_(0.0, 1.0), reps, time.perf_counter),
                threads=2))
            torch.set_num_threads(1)
        del t
    order = {x: i for i, x in enumerate(names)}
    return sorted(out, key=lambda e: order[e["name"]])


def numpy_fills(n, reps):
    names = ["numpy.Generator(PCG64).standard_normal/f32",
             "numpy.Generator(PCG64).random/f32",
             "numpy.Generator(PCG64).standard_normal/f64",
             "numpy.Generator(PCG64).random/f64"]
    if np is None:
        return [entry(x, n, reps, status="not installed") for x in names]
    g = np.random.Generator(np.random.PCG64(42))
    out = []
    for dtype, suffix in ((np.float32, "f32"), (np.float64, "f64")):
        buf = np.ones(n, dtype=dtype)
        out.append(entry(
            f"numpy.Generator(PCG64).standard_normal/{suffix}", n, reps,
            best_time(lambda: g.standard_normal(dtype=dtype, out=buf), reps)))
        out.append(entry(
            f"numpy.Generator(PCG64).random/{suffix}", n, reps,
            best_time(lambda: g.random(dtype=dtype, out=buf), reps)))
        del buf
    return out


def scipy_statistics(n, reps):
    """kstest, anderson and chi-square on n f32 N(0, 1) values, as
    initcheck's battery reads f32 tensors; chi-square on min(n / 20, 50)
    equiprobable bins (verify/include/initcheck/verify/chi_square.h), the
    counting included."""
    names = ["scipy.stats.kstest/norm", "scipy.stats.anderson/norm",
             "scipy.stats.chisquare/equiprobable",
             "scipy.stats.kstest+anderson+chisquare/norm"]
    if scipy_stats is None:
        return [entry(x, n, reps, status="not installed") for x in names]
    x = np.random.Generator(np.random.PCG64(7)).standard_normal(
        n, dtype=np.float32)
    bins = int(min(max(n // 20, 2), 50))
    edges = scipy_stats.norm.ppf(np.linspace(0.0, 1.0, bins + 1))

    def ks():
        return scipy_stats.kstest(x, "norm")

    def ad():
        return scipy_stats.anderson(x, dist="norm")

    def chi2():
        counts = np.histogram(x, bins=edges)[0]
        return scipy_stats.chisquare(counts)  # equal expected counts

    t_ks = best_time(ks, reps)
    t_ad = best_time(ad, reps)
    t_chi = best_time(chi2, reps)
    t_all = best_time(lambda: (ks(), ad(), chi2()), reps)
    return [entry(names[0], n, reps, t_ks), entry(names[1], n, reps, t_ad),
            entry(names[2], n, reps, t_chi), entry(names[3], n, reps, t_all)]


def print_ratios(bench_json, peers):
    """initcheck's rate / the peer's, for the pairs that compare."""
    try:
        with open(bench_json) as f:
            runs = json.load(f).get("benchmarks", [])
    except (OSError, ValueError) as e:
        print(f"peers.py: cannot read {bench_json}: {e}", file=sys.stderr)
        return
    # Plain runs, or the medians of --benchmark_repetitions; names without
    # a "/min_time:..." part (set per benchmark in verify_bench.cc).
    def plain(name):
        return "/".join(p for p in name.split("/")
                        if not p.startswith("min_time:"))
    ours = {plain(b["name"]): b.get("items_per_second")
            for b in runs if b.get("run_type", "iteration") == "iteration"}
    ours.update({plain(b["run_name"]): b.get("items_per_second") for b in runs
                 if b.get("aggregate_name") == "median"})
    theirs = {p["name"]: p["items_per_second"] for p in peers
              if p["status"] == "ok"}
    pairs = [("BM_FillNormal/67108864", "torch.Tensor.normal_/f32"),
             ("BM_FillUniform/67108864", "torch.Tensor.uniform_/f32"),
             ("BM_FillTruncNormal/67108864", "torch.nn.init.trunc_normal_/f32"),
             ("BM_FillNormal/67108864",
              "numpy.Generator(PCG64).standard_normal/f32"),
             ("BM_FillUniform/67108864", "numpy.Generator(PCG64).random/f32"),
             ("BM_FillNormal/f64/67108864", "torch.Tensor.normal_/f64"),
             ("BM_FillNormal/f64/67108864",
              "numpy.Generator(PCG64).standard_normal/f64"),
             ("BM_VerifyBattery/10000000",
              "scipy.stats.kstest+anderson+chisquare/norm")]
    for a, b in pairs:
        if ours.get(a) and theirs.get(b):
            print(f"{a} / {b}: {ours[a] / theirs[b]:.2f}x "
                  f"({ours[a] / 1e6:.1f} vs {theirs[b] / 1e6:.1f} M/s)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="JSON output file")
    ap.add_argument("--repetitions", type=int, default=3)
    ap.add_argument("--fill-n", type=int, default=1 << 26)
    ap.add_argument("--stat-n", type=int, default=10_000_000)
    ap.add_argument("--bench-json", help="initcheck_bench JSON of the same run")
    a = ap.parse_args()
    if a.repetitions < 1 or a.fill_n < 1 or a.stat_n < 2:
        print("peers.py: --repetitions, --fill-n must be >= 1, --stat-n >= 2",
              file=sys.stderr)
        return 2

    def version(mod):
        return getattr(mod, "__version__", "unknown") if mod else "not installed"

    context = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(
            timespec="seconds"),
        "cpu": cpu_name(),
        "hardware_threads": os.cpu_count(),
        "threads": 1,
        "python": platform.python_version(),
        "versions": {
            "numpy": version(np),
            "scipy": version(scipy) if scipy_stats is not None else "not installed",
            "torch": version(torch),
        },
    }
    benchmarks = (torch_fills(a.fill_n, a.repetitions) +
                  numpy_fills(a.fill_n, a.repetitions) +
                  scipy_statistics(a.stat_n, a.repetitions))
    tmp = a.out + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"context": context, "benchmarks": benchmarks}, f, indent=2)
        f.write("\n")
    os.replace(tmp, a.out)
    for b in benchmarks:
        rate = (f"{b['items_per_second'] / 1e6:10.1f} M/s"
                if b["status"] == "ok" else f"{b['status']:>14}")
        print(f"{b['name']:<46} {rate}")
    if a.bench_json:
        print_ratios(a.bench_json, benchmarks)
    return 0


if __name__ == "__main__":
    sys.exit(main())
