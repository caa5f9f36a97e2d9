#!/usr/bin/env bash
# Builds elbo's torch-free code, its unit tests and the libFuzzer harnesses with
# clang under AddressSanitizer + UndefinedBehaviorSanitizer (sanitize/, in
# build-sanitize/), runs the unit tests and each fuzzer for ELBO_FUZZ_SECONDS
# (default 20) over its seeds and regression inputs. Part of scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
seconds=${ELBO_FUZZ_SECONDS:-20}
cmake -S sanitize -B build-sanitize -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None \
  -DELBO_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build build-sanitize -j"$(nproc)"
cd build-sanitize
# Leaks are findings too; a report aborts so CTest sees the failure.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
ctest --output-on-failure -j"$(nproc)" --timeout 1200
cd ..
# The loaders of LibTorch archives (ADVI and VAE checkpoints, saved VAEs) under the
# same sanitizers against Debian's uninstrumented LibTorch (sanitize_torch/).
bash scripts/sanitize_torch.sh
