#!/usr/bin/env bash
# A longer fuzzing run: each harness (or those named) for SECONDS (default 600)
# on the sanitizer build, two at a time. Findings are left in
# build-sanitize/fuzz-corpus/NAME-crash-* (and oom-*, timeout-*); minimise one
# with `FUZZER -minimize_crash=1 FILE`, fix the reader, and commit the input to
# fuzz/regressions/NAME/ so the test suite replays it from then on.
# Usage: scripts/fuzz.sh [SECONDS [NAME...]]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
bash scripts/install-deps.sh
cmake -S sanitize -B build-sanitize -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None >/dev/null
cmake --build build-sanitize -j"$(nproc)"
names=("$@")
((${#names[@]})) || names=($(cd fuzz && ls ./*_fuzzer.cpp | sed 's|^./||; s|_fuzzer.cpp$||'))
status=0
export ELBO_FUZZ_SEED=${ELBO_FUZZ_SEED:-0}  # a new random seed each run
run() {
  bash fuzz/run_fuzzer.sh "build-sanitize/fuzz/$1_fuzzer" "$PWD/fuzz" "$1" \
    "$PWD/build-sanitize/fuzz-corpus/$1" "$seconds"
}
for ((i = 0; i < ${#names[@]}; i += 2)); do
  run "${names[i]}" & a=$!
  b=""
  ((i + 1 < ${#names[@]})) && { run "${names[i + 1]}" & b=$!; }
  wait $a || status=1
  [[ -z $b ]] || wait $b || status=1
done
exit $status
