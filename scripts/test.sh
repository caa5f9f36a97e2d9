#!/usr/bin/env bash
# Installs dependencies, builds everything and runs the whole test suite, then the
# sanitizer build and the fuzzers (scripts/sanitize.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
cd build
ctest --output-on-failure -j"$(nproc)" --timeout 1200
cd ..
# The torch-free code again under ASan + UBSan, and each fuzzer for 20 s.
bash scripts/sanitize.sh
