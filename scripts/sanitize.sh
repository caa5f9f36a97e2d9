#!/usr/bin/env bash
# The sanitizer runs, with clang under AddressSanitizer + UndefinedBehaviorSanitizer.
# Part of scripts/test.sh, after the main build (./build):
#  1. the whole unit-test suite (every tests/<module>, LibTorch modules included,
#     against Debian's uninstrumented LibTorch): the main project configured with
#     -DELBO_SANITIZE=ON in build-asan/;
#  2. the libFuzzer harnesses of the torch-free readers (sanitize/, in
#     build-sanitize/), each run for ELBO_FUZZ_SECONDS (default 20) over its seeds
#     and regression inputs;
#  3. those of the LibTorch archives (scripts/sanitize_torch.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
seconds=${ELBO_FUZZ_SECONDS:-20}
# Leaks are findings too; a report aborts so CTest sees the failure. The
# suppressions are third-party allocations kept until exit (each justified there).
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/sanitize/lsan_suppressions.txt

# 1. The Stan tests reuse the main build's compiled programs (g++ builds them the
# same way whatever elbo was built with), so they compile none here.
cmake -S . -B build-asan -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=None \
  -DELBO_SANITIZE=ON -DELBO_BUILD_PYTHON=OFF -DELBO_STAN_TEST_CACHE_DIR="$PWD/build/stan-cache" >/dev/null
cmake --build build-asan -j"$(nproc)" --target elbo_unit_tests
(cd build-asan && ctest -R '[.]gtest_' --output-on-failure -j"$(nproc)" --timeout 1200)
echo "sanitize: unit tests done after ${SECONDS} s"

# 2.
cmake -S sanitize -B build-sanitize -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=None \
  -DELBO_FUZZ_SECONDS="$seconds" >/dev/null
cmake --build build-sanitize -j"$(nproc)"
(cd build-sanitize && ctest --output-on-failure -j"$(nproc)" --timeout 1200)
echo "sanitize: fuzzers done after ${SECONDS} s"
# 3. The loaders of LibTorch archives (ADVI and VAE checkpoints, saved VAEs) under
# the same sanitizers against Debian's uninstrumented LibTorch (sanitize_torch/).
bash scripts/sanitize_torch.sh
