#!/usr/bin/env bash
# Entry point of the elbo-vs-Stan ADVI comparison on Bayesian logistic regression.
#   bash bench/compare/logreg_advi/run.sh [compare.R options, e.g. --seeds 1,2 --skip-elbo]
#   bash bench/compare/logreg_advi/run.sh --reference   # (re)run the long NUTS reference first
# Installs rstan/loo/jsonlite from Debian if missing (idempotent), builds elbo's
# CLI into build-bench/ when the repository has one, then runs compare.R, which
# writes results.json and results.md beside this script. Works offline once the
# Debian packages are installed.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"

# ---- peer: R + rstan + loo + jsonlite (Debian packages) --------------------------
source "$(dirname "$0")/../ensure_packages.sh"
ensure_debian_packages r-base-core r-cran-rstan r-cran-loo r-cran-jsonlite r-cran-codetools
# Debian's r-cran-bh ships no include/ tree (it uses the system Boost), but rstan's
# compiler flags point at BH/include: link it to /usr/include once.
bh=/usr/lib/R/site-library/BH
if [[ -d "$bh" && ! -e "$bh/include" ]]; then
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO ln -s /usr/include "$bh/include"
fi

# ---- elbo's CLI -----------------------------------------------------------------------
# ELBO_BIN overrides; otherwise build-bench/elbo, built (Release, target elbo_cli only)
# when the repository's CLI has `fit logistic`. LOGREG_SKIP_BUILD=1 skips the build.
elbo_bin="${ELBO_BIN:-$repo/build-bench/elbo}"
if [[ -z "${ELBO_BIN:-}" && -z "${LOGREG_SKIP_BUILD:-}" ]] && grep -qs '"logistic"' "$repo"/cli/*.cpp; then
  if [[ ! -d "$repo/build-bench" ]]; then
    cmake -S "$repo" -B "$repo/build-bench" -DCMAKE_BUILD_TYPE=Release >/dev/null
  fi
  # A failed build is reported and the comparison runs the Stan side only.
  nice cmake --build "$repo/build-bench" --target elbo_cli -j2 >"$repo/build-bench/elbo_cli.build.log" 2>&1 ||
    echo "run.sh: building elbo_cli failed (see build-bench/elbo_cli.build.log); elbo runs will be skipped" >&2
fi

# ---- reference (optional: reference.json is committed) -----------------------------
args=()
for a in "$@"; do
  if [[ "$a" == "--reference" ]]; then
    nice Rscript "$here/reference.R"
  else
    args+=("$a")
  fi
done

ELBO_BIN="$elbo_bin" Rscript "$here/compare.R" "${args[@]+"${args[@]}"}"
