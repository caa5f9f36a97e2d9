#!/usr/bin/env bash
# Installs dependencies, configures and builds elbo into ./build, and installs the
# Python package for /usr/bin/python3.
#   bash scripts/build.sh                        everything: library, CLI, Python, tests
#   bash scripts/build.sh elbo_cli python_package    only these targets
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
if (($#)); then
  cmake --build build -j"$jobs" --target "$@"
else
  cmake --build build -j"$jobs"
fi
# `import elbo` for Debian's /usr/bin/python3: the package, its extensions and a
# copy of libelbo into /usr/local/lib/python3.11/dist-packages/elbo.
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
$SUDO cmake --install build --component python >/dev/null
