#!/bin/sh
# Instructions per value of each fill kernel, from callgrind (bench/README.md):
#   bench/callgrind_ipv.sh [BUILD_DIR] [N] [TARGETS...]
# valgrind 3.19 has no AVX-512, so AVX2 is the widest target it can count.
set -eu
build=${1:-build}
n=${2:-1048576}
shift 2 2>/dev/null || shift $#
targets=${*:-AVX2 SSE4}
probe="$build/bin/initcheck_fill_probe"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%-8s %-4s %-8s %10s\n' kernel type target Ir/value
for t in $targets; do
  for dt in f32 f64; do
    for k in uniform normal trunc; do
      valgrind --tool=callgrind --collect-atstart=no \
        --toggle-collect=initcheck_probe_fill \
        --callgrind-out-file="$tmp/cg.out" "$probe" "$k" "$dt" "$n" "$t" \
        >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
      ir=$(sed -n 's/^summary: *\([0-9]*\).*/\1/p' "$tmp/cg.out")
      printf '%-8s %-4s %-8s %10.2f\n' "$k" "$dt" "$t" \
        "$(echo "$ir / $n" | bc -l)"
    done
  done
done
