#!/usr/bin/env python3
"""The cost of checking a NumPy array from Python, against the C++ battery.

Same process, same array (10^7 f32 values of kaiming_uniform(a=sqrt(5)) by
default), alternating:
  C++     initcheck._core._time_battery: verify::check_one on the array's
          memory, timed with std::chrono inside C++ (what BM_VerifyBattery
          times);
  Python  initcheck.check(x, scheme): argument conversion, the TensorView
          over the buffer, check_view (planning, battery, Holm), the JSON
          of the result and the Result object, timed with perf_counter.
The overhead is the median over pairs of Python / C++ - 1, in process CPU
time (what the call costs; wall time, also printed, counts waiting for a
core on a loaded machine), pairs taken back to back so that load from other
processes hits both alike. It also
proves the array is not copied: the engine reports reading the array's own
address, and tracemalloc (which sees NumPy's allocations) measures the peak
Python-side allocation during the call against the array's size.

  PYTHONPATH=build/python /usr/bin/python3 bench/python_overhead.py
      [--n 10000000] [--pairs 7] [--bench-binary build/bin/initcheck_bench]

--bench-binary also runs BM_VerifyBattery/10000000 of the Google Benchmark
suite in the same run, for reference. Output: a markdown table (stdout) and,
with --json FILE, the numbers.
"""
import argparse
import json
import statistics
import subprocess
import sys
import time
import tracemalloc

import initcheck
from initcheck import _core

SCHEME = "kaiming_uniform(a=sqrt(5))"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=10_000_000, help="elements (a multiple of 1000)")
    ap.add_argument("--pairs", type=int, default=7, help="C++/Python pairs timed")
    ap.add_argument("--bench-binary", help="initcheck_bench, for BM_VerifyBattery alongside")
    ap.add_argument("--json", help="write the numbers here")
    a = ap.parse_args()
    if a.n % 1000:
        ap.error("--n must be a multiple of 1000")
    x = initcheck.fill(SCHEME, (a.n // 1000, 1000), seed=1)

    # Warm-up (page faults, lazy imports, TBB's first arena).
    _core._time_battery(x, SCHEME)
    r = initcheck.check(x, SCHEME)
    assert r.passed, r
    copied = r._run.addresses != [x.ctypes.data]

    # (wall, process CPU) seconds per call. CPU time is what the call
    # costs; wall time also counts waiting for a core on a loaded machine.
    cpp, py = [], []
    for _ in range(a.pairs):
        cpp.append(_core._time_battery(x, SCHEME)[0])
        t0, c0 = time.perf_counter(), time.process_time()
        initcheck.check(x, SCHEME)
        py.append((time.perf_counter() - t0, time.process_time() - c0))
    cpu_ratios = [p[1] / c[1] for p, c in zip(py, cpp)]
    wall_ratios = [p[0] / c[0] for p, c in zip(py, cpp)]

    tracemalloc.start()
    initcheck.check(x, SCHEME)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    bm = None
    if a.bench_binary:
        out = subprocess.run([a.bench_binary, "--benchmark_filter=BM_VerifyBattery/10000000",
                              "--benchmark_format=json"], capture_output=True, text=True,
                             check=True).stdout
        bench = json.loads(out)["benchmarks"][0]
        bm = bench["real_time"] * {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[
            bench["time_unit"]]

    med = statistics.median
    res = {
        "n": a.n, "pairs": a.pairs,
        "cpp_wall_cpu_seconds": cpp, "python_wall_cpu_seconds": py,
        "cpp_cpu_median": med(c[1] for c in cpp), "python_cpu_median": med(p[1] for p in py),
        "cpp_wall_median": med(c[0] for c in cpp), "python_wall_median": med(p[0] for p in py),
        "overhead_cpu_median": med(cpu_ratios) - 1,
        "overhead_cpu_min": min(cpu_ratios) - 1, "overhead_cpu_max": max(cpu_ratios) - 1,
        "overhead_wall_median": med(wall_ratios) - 1,
        "python_peak_alloc_bytes": peak, "array_bytes": x.nbytes,
        "array_copied": copied, "bm_verify_battery_seconds": bm,
    }
    print(f"| n | time | C++ battery (median of {a.pairs}) | Python `initcheck.check` | "
          "overhead: median of pair ratios (min, max) |")
    print("|---:|---|---:|---:|---:|")
    print(f"| {a.n:.0e} | CPU | {res['cpp_cpu_median']:.3f} s | "
          f"{res['python_cpu_median']:.3f} s | {100 * res['overhead_cpu_median']:+.2f}% "
          f"({100 * res['overhead_cpu_min']:+.2f}%, {100 * res['overhead_cpu_max']:+.2f}%) |")
    print(f"| | wall | {res['cpp_wall_median']:.3f} s | {res['python_wall_median']:.3f} s | "
          f"{100 * res['overhead_wall_median']:+.2f}% (median) |")
    print(f"\nPython-side peak allocation during the call: {peak / 1024:.0f} KiB (the array: "
          f"{x.nbytes / 2**20:.0f} MiB); the engine read the array at its own address: "
          f"{'no (copied!)' if copied else 'yes'}")
    if bm is not None:
        print(f"\nBM_VerifyBattery/10000000 (Google Benchmark, same run): {bm:.3f} s")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
