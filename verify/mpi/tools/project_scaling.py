#!/usr/bin/env python3
"""Projects initcheck-mpi's time on a Llama-2-70B checkpoint from measured
per-element costs (README "Checking at scale").

  /usr/bin/python3 verify/mpi/tools/project_scaling.py JUNIT.xml [--ranks 1,2,8,64]

JUNIT.xml: `initcheck check ... --threads 1 --format junit` of a checkpoint
made by make_llama_like.sh (bf16, the hf preset): its per-tensor `time`
attributes give seconds per element of the large weights (a least-squares
fit t = c n through the origin over the tensors of >= 1e6 elements).
The projection assigns the 70B checkpoint's tensors (Llama-2-70B: hidden
8192, MLP 28672, 80 layers, 8 key/value heads, vocabulary 32000; 69.0e9
values) to R ranks exactly as initcheck-mpi does (assign_by_size: longest
processing time first) and reports the slowest rank's elements and time
c * elements. Assumptions (printed): one core per rank (the battery of one
tensor is single-threaded and the memory budget lets one large tensor in
flight per rank), no I/O wait (a rank reads its ~2 GB at >= 1 GB/s in
< 3 s, not counted), per-element cost independent of the tensor's size
up to the battery's sorts, which are n log n: the per-element cost is
scaled by log(235e6) / log(mean measured size), ~1.2x -- an upper bound,
as if the whole cost were the sorts'), and rank 0's decision and printing negligible.
Standard library only.
"""
import argparse
import heapq
import math
import re
import sys


def llama2_70b():
    h, inter, layers, kv, vocab = 8192, 28672, 80, 1024, 32000
    t = [("model.embed_tokens.weight", vocab * h)]
    for l in range(layers):
        p = f"model.layers.{l}"
        t += [(f"{p}.self_attn.q_proj.weight", h * h), (f"{p}.self_attn.k_proj.weight", kv * h),
              (f"{p}.self_attn.v_proj.weight", kv * h), (f"{p}.self_attn.o_proj.weight", h * h),
              (f"{p}.mlp.gate_proj.weight", inter * h), (f"{p}.mlp.up_proj.weight", inter * h),
              (f"{p}.mlp.down_proj.weight", h * inter), (f"{p}.input_layernorm.weight", h),
              (f"{p}.post_attention_layernorm.weight", h)]
    t += [("model.norm.weight", h), ("lm_head.weight", vocab * h)]
    return t


def lpt(sizes, ranks):
    """assign_by_size: decreasing size (stable), each to the least loaded (lowest) rank."""
    order = sorted(range(len(sizes)), key=lambda i: -sizes[i])
    heap = [(0, r) for r in range(ranks)]
    loads = [0] * ranks
    for i in order:
        load, r = heapq.heappop(heap)
        loads[r] = load + sizes[i]
        heapq.heappush(heap, (loads[r], r))
    return max(loads)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("junit", nargs="?")
    ap.add_argument("--ranks", default="1,2,4,8,16,32,64,128")
    ap.add_argument("--ns-per-element", type=float,
                    help="a measured CPU cost per element (e.g. CPU seconds of a "
                         "--threads 1 run / its elements) instead of the JUnit times, "
                         "which are wall-clock and inflated on a loaded machine")
    ap.add_argument("--measured-size", type=float, default=0,
                    help="with --ns-per-element: the mean size of the measured tensors "
                         "(for the n log n correction)")
    a = ap.parse_args()
    if a.ns_per_element:
        project(a.ns_per_element * 1e-9, a.measured_size or 1e7, a.ranks)
        return
    if not a.junit:
        sys.exit("give JUNIT.xml or --ns-per-element")
    text = open(a.junit).read()
    shapes = {}
    # The test table in <system-out> holds "torch [r, c] bf16 ..., n=N".
    for m in re.finditer(r'<testcase classname="[^"]*" name="([^"]+)" time="([0-9.]+)"'
                         r'.*?n=(\d+)', text, re.S):
        shapes[m.group(1)] = (int(m.group(3)), float(m.group(2)))
    big = [(n, t) for n, t in shapes.values() if n >= 1_000_000]
    if not big:
        sys.exit("no tensor of >= 1e6 elements with a time in " + a.junit)
    c = sum(n * t for n, t in big) / sum(n * n for n, _ in big)
    n_meas = sum(n for n, _ in big) / len(big)
    print(f"measured: {len(big)} tensors of >= 1e6 elements, mean {n_meas:.3g} elements; "
          f"c = {c * 1e9:.2f} ns/element (1 thread)")
    resid = max(abs(t - c * n) / (c * n) for n, t in big)
    print(f"largest relative deviation of a tensor from t = c n: {resid:.1%}")
    project(c, n_meas, a.ranks)


def project(c, n_meas, ranks):
    model = llama2_70b()
    sizes = [n for _, n in model]
    total = sum(sizes)
    corr = math.log(235e6) / math.log(n_meas)
    print(f"Llama-2-70B: {len(sizes)} tensors, {total / 1e9:.2f}e9 values, largest "
          f"{max(sizes) / 1e6:.0f}e6; n log n correction x{corr:.2f}")
    print("| ranks | slowest rank's elements | projected time | speed-up | efficiency |")
    print("|---:|---:|---:|---:|---:|")
    for r in [int(x) for x in ranks.split(",")]:
        m = lpt(sizes, r)
        t = c * corr * m
        su = total / m
        print(f"| {r} | {m / 1e9:.3f}e9 | {t / 60:.1f} min | {su:.1f} | {su / r:.0%} |")


if __name__ == "__main__":
    main()
