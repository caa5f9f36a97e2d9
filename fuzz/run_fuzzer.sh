#!/usr/bin/env bash
# Runs one libFuzzer harness: first over its committed seeds and regression
# inputs (each must pass), then fuzzing for SECONDS into a working corpus
# (seeded from those and from slices of ../shared/data when present). A finding
# is saved beside the corpus as crash-*/oom-*/timeout-* and fails the test.
# Usage: run_fuzzer.sh FUZZER FUZZ_DIR NAME CORPUS_DIR SECONDS
set -euo pipefail
fuzzer=$(realpath "$1") fuzz_dir=$2 name=$3 corpus=$4 seconds=$5
mkdir -p "$corpus"
inputs=()
for d in "$fuzz_dir/seeds/$name" "$fuzz_dir/regressions/$name"; do
  [[ -d $d ]] && inputs+=("$d")
done
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
limits=(-rss_limit_mb=2048 -malloc_limit_mb=1024 -timeout=10)
# The test suite fuzzes from a fixed seed (a run is repeatable); scripts/fuzz.sh
# sets ELBO_FUZZ_SEED=0, libFuzzer's "pick one".
seed=${ELBO_FUZZ_SEED:-1}
if ((${#inputs[@]})); then
  files=$(find "${inputs[@]}" -type f | sort)
  # shellcheck disable=SC2086
  "$fuzzer" "${limits[@]}" $files >"$corpus.replay.log" 2>&1 || {
    tail -n 40 "$corpus.replay.log"; echo "fuzz.$name: a seed or regression input fails" >&2; exit 1; }
fi
bash "$fuzz_dir/shared_data_seeds.sh" "$name" "$corpus" "$fuzz_dir/../../shared/data"
cd "$(dirname "$corpus")"
if ! "$fuzzer" "${limits[@]}" -seed="$seed" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$corpus-" "$corpus" "${inputs[@]}" >"$corpus.log" 2>&1; then
  grep -E "ERROR|SUMMARY|==[0-9]+==|Test unit written" "$corpus.log" | head -n 20 || true
  echo "fuzz.$name: finding after fuzzing (log: $corpus.log)" >&2
  exit 1
fi
grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$corpus.log" | tr '\n' ' '
echo "fuzz.$name: ${seconds} s, no findings"
