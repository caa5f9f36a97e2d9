#!/usr/bin/env bash
# Builds the loaders of the files elbo's LibTorch modules write — the ADVI /
# gradient-SVI checkpoint, the VAE training checkpoint and the saved VAE model —
# and one libFuzzer harness per loader (fuzz/torch/) with clang under
# AddressSanitizer + UndefinedBehaviorSanitizer, linked against Debian's
# uninstrumented LibTorch (sanitize_torch/, in build-sanitize-torch/); checks
# that every seed still loads, replays the seeds and regression inputs, then
# fuzzes each harness for ELBO_FUZZ_SECONDS (default 20). scripts/sanitize.sh
# does the same for the torch-free readers.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
seconds=${ELBO_FUZZ_SECONDS:-20}
cmake -S sanitize_torch -B build-sanitize-torch -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None \
  -DELBO_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build build-sanitize-torch -j"$(nproc)"
cd build-sanitize-torch
# Leaks are findings here too: LibTorch's own start-up allocations are still
# reachable at exit, so LeakSanitizer needs no suppressions (none were reported).
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --output-on-failure -j"$(nproc)" --timeout 1200
