#!/usr/bin/env bash
# Runs each libFuzzer target of a build made with -DINITCHECK_BUILD_FUZZ=ON
# for a bounded time, one after the other, and prints the executions and
# the result per target (called by `make fuzz`).
#
#   run_fuzz.sh BUILD_DIR SECONDS TARGET...
#
# The committed seed corpus is copied into BUILD_DIR/fuzz/corpus/TARGET (the
# working corpus, which keeps what earlier runs found); the regressions/
# directory is read as a second, read-only corpus. The repository is never
# written. Crashes, leaks, timeouts (-timeout, default 10 s per input: a hang)
# and out-of-memory inputs (-rss_limit_mb=2048; a single allocation over it
# too) are saved under BUILD_DIR/fuzz/artifacts/TARGET/. Extra libFuzzer
# flags: FUZZ_FLAGS="...". Exit status 1 if any target found something.
set -u
build=${1:?usage: run_fuzz.sh BUILD_DIR SECONDS TARGET...}
seconds=${2:?usage: run_fuzz.sh BUILD_DIR SECONDS TARGET...}
shift 2
root=$(cd "$(dirname "$0")/../../.." && pwd)
build=$(cd "$build" && pwd)

# -max_len per target: the file readers get room for large headers (deep
# nesting, high ranks, many entries), the text parsers the length of a
# command-line argument someone could plausibly type or generate.
max_len() {
  case $1 in
    npy | safetensors | npz | rules) echo 16384 ;;
    safetensors_index) echo 8192 ;;
    expr) echo 512 ;;
    glob) echo 1024 ;;
    scheme) echo 512 ;;
    shape) echo 256 ;;
    *) echo 4096 ;;
  esac
}
src_dir() {
  case $1 in
    glob | rules | expr) echo "$root/verify/test/fuzz" ;;
    *) echo "$root/lib/test/fuzz" ;;
  esac
}

summary=()
failed=0
for t in "$@"; do
  exe=$build/bin/initcheck_fuzz_$t
  if [ ! -x "$exe" ]; then
    echo "run_fuzz: $exe not built" >&2
    exit 2
  fi
  src=$(src_dir "$t")
  work=$build/fuzz/corpus/$t
  art=$build/fuzz/artifacts/$t
  log=$build/fuzz/$t.log
  mkdir -p "$work" "$art"
  cp -n "$src/corpus/$t"/* "$work"/ 2>/dev/null || true
  dirs=("$work")
  [ -d "$src/regressions/$t" ] && dirs+=("$src/regressions/$t")
  echo "== fuzz $t: ${seconds}s, -max_len=$(max_len "$t"), corpus $work (log $log)"
  start=$(date +%s)
  # shellcheck disable=SC2086
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    "$exe" "${dirs[@]}" -max_total_time="$seconds" -max_len="$(max_len "$t")" \
      -rss_limit_mb=2048 -timeout="${FUZZ_TIMEOUT:-10}" -print_final_stats=1 \
      -artifact_prefix="$art/" ${FUZZ_FLAGS:-} >"$log" 2>&1
  rc=$?
  elapsed=$(( $(date +%s) - start ))
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  rss=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  cov=$(echo "$last" | grep -o 'cov: [0-9]*' | grep -o '[0-9]*')
  ft=$(echo "$last" | grep -o 'ft: [0-9]*' | grep -o '[0-9]*')
  corp=$(echo "$last" | grep -o 'corp: [0-9]*' | grep -o '[0-9]*')
  if [ "$rc" = 0 ]; then
    result=ok
  else
    failed=1
    kind=$(grep -oE 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer): [a-z-]+' "$log" | head -1)
    [ -z "$kind" ] && kind=$(grep -m1 -E 'runtime error|fuzz invariant violated|deadly signal' "$log")
    artifact=$(grep -o "Test unit written to [^ ]*" "$log" | head -1 | sed 's/Test unit written to //')
    result="FAILED (exit $rc): ${kind:-see log}; input: ${artifact:-none}"
    echo "  $result"
    grep -m5 -E 'fuzz invariant violated|detail|runtime error|SUMMARY' "$log" | sed 's/^/  /'
  fi
  line=$(printf '%-12s %6ss %12s execs %8s/s  cov %-6s ft %-6s corpus %-6s peak RSS %5s MB  %s' \
    "$t" "$elapsed" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}" "${rss:-?}" "$result")
  echo "$line"
  summary+=("$line")
done
echo
echo "== fuzz summary (${seconds}s per target; artifacts in $build/fuzz/artifacts)"
printf '%s\n' "${summary[@]}"
exit $failed
