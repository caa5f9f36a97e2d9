#!/usr/bin/env bash
# elbo's sparse GP (fit gp: collapsed bound and minibatch natural-gradient SVGP) vs
# scikit-learn's exact GaussianProcessRegressor on UCI kin8nm and power plant, and elbo's time per
# epoch and peak memory on synthetic data up to 10⁶ rows; writes results.json and
# results.md beside this script.
#   bash bench/compare/gp/run.sh [compare.py options, e.g. --sizes 1000,2000 --skip floor]
# Needs ../shared/data/uci/kin8nm and power-plant. Installs python3-sklearn from Debian if missing,
# builds elbo's CLI into build-bench/ unless ELBO_BIN is set, then runs compare.py.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"

source "$(dirname "$0")/../ensure_packages.sh"
ensure_debian_packages python3-sklearn python3-numpy time

elbo_bin="${ELBO_BIN:-$repo/build-bench/elbo}"
if [[ -z "${ELBO_BIN:-}" ]]; then
  [[ -d "$repo/build-bench" ]] || cmake -S "$repo" -B "$repo/build-bench" -DCMAKE_BUILD_TYPE=Release >/dev/null
  nice cmake --build "$repo/build-bench" --target elbo_cli -j2 >"$repo/build-bench/elbo_cli.build.log" 2>&1 ||
    { echo "run.sh: building elbo_cli failed (see build-bench/elbo_cli.build.log)" >&2; exit 1; }
fi

export OMP_NUM_THREADS=2 OPENBLAS_NUM_THREADS=2 MKL_NUM_THREADS=2
ELBO_BIN="$elbo_bin" /usr/bin/python3 "$here/compare.py" "$@"
