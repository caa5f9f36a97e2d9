#!/usr/bin/env bash
# Installs dependencies, builds, and runs the main job on its built-in default:
# full-rank ADVI for Bayesian logistic regression on the breast-cancer data
# shipped inside the binary. Results go to ./out/default/.
set -euo pipefail
cd "$(dirname "$0")/.."
# Builds only the library, the CLI and the Python package (no test binaries).
bash scripts/build.sh elbo_cli python_package
./build/elbo fit logistic --output out/default "$@"
