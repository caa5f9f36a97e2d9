#!/usr/bin/env bash
# Installs dependencies, builds everything and runs the whole test suite, then the
# sanitizer build and the fuzzers (scripts/sanitize.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
echo "test: build done after ${SECONDS} s"
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 1200
cd ..
echo "test: ctest done after ${SECONDS} s"
# The torch-free code again under ASan + UBSan, and each fuzzer for 20 s.
bash scripts/sanitize.sh
