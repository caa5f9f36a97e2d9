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
"$tmp/build/consumer" | tee "$tmp/consumer.out"
test -x "$tmp/prefix/bin/elbo"
"$tmp/prefix/bin/elbo" --version
# The README's C++ snippet and `elbo fit` with no options give the same fit:
# mu's mean of q (the mean row of draws.csv, 6 significant figures) to 1e-5.
"$tmp/prefix/bin/elbo" fit eight_schools --quiet --output "$tmp/cli" 2>/dev/null
python3 - "$tmp/consumer.out" "$tmp/cli/draws.csv" <<'PY'
import csv, sys
lib = float([l.split()[2] for l in open(sys.argv[1]) if l.startswith("readme mu")][0])
rows = [r for r in csv.reader(l for l in open(sys.argv[2]) if not l.startswith("#"))]
cli = float(rows[1][rows[0].index("mu")])
print(f"README snippet mu {lib:.9g}, elbo fit mu {cli:.9g}")
sys.exit(0 if abs(lib - cli) <= 1e-5 * max(1.0, abs(cli)) else 1)
PY
