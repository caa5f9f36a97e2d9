#!/usr/bin/env bash
# Installs the built package to a temporary prefix and builds and runs an
# out-of-tree consumer against it with find_package(elbo).
# Usage: run.sh BUILD_DIR CONSUMER_SOURCE_DIR
set -euo pipefail
build=$1
consumer=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
cmake -S "$consumer" -B "$tmp/build" -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$tmp/build" -j2 >/dev/null
"$tmp/build/consumer"
test -x "$tmp/prefix/bin/elbo"
"$tmp/prefix/bin/elbo" --version
