#!/usr/bin/env bash
# Strong and weak scaling of elbo's data-parallel SVI (LDA) and Bayesian GMM
# (SVI) over 1, 2, 4 and 8 MPI ranks on this machine; writes results.json and
# results.md beside this script. Runs with more ranks than cores are
# oversubscribed and reported as such (they time the protocol, not a speed-up).
#   bash bench/compare/distributed/run.sh [scaling.py options, e.g. --quick]
# Uses ELBO_BIN, else build/elbo (build it first: cmake --build build --target elbo_cli).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"

source "$(dirname "$0")/../ensure_packages.sh"
ensure_debian_packages openmpi-bin python3-numpy time

elbo_bin="${ELBO_BIN:-$repo/build/elbo}"
[[ -x "$elbo_bin" ]] || { echo "run.sh: no elbo binary at $elbo_bin (set ELBO_BIN)" >&2; exit 1; }
# loopback, no core binding (threads per rank are set by --threads)
export OMPI_MCA_btl=self,vader,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
export OMPI_MCA_hwloc_base_binding_policy=none
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
ELBO_BIN="$elbo_bin" /usr/bin/python3 "$here/scaling.py" "$@"
