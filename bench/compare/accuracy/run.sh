#!/usr/bin/env bash
# Accuracy benchmark: every elbo method and Stan's ADVI on seven posteriors (README.md).
#   bash bench/compare/accuracy/run.sh                # build, elbo runs, Stan runs, SVGD timing, aggregate
#   ACC_SEEDS=1,2 bash bench/compare/accuracy/run.sh  # other seeds
#   ACC_METHODS="advi:fullrank svgd:100" bash bench/compare/accuracy/run.sh --skip-stan
#   bash bench/compare/accuracy/run.sh --reference    # recompute references first (NUTS ~2-4 min)
# Options: --reference, --skip-build, --skip-elbo, --skip-stan, --skip-timing, --lanes N
# (N parallel elbo processes, default 2). Everything runs under `nice`; each elbo run
# is single-threaded. Per-run summaries go to runs/ (git-ignored); aggregate.py writes
# results.json and results.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
build="${ACC_BUILD_DIR:-$repo/build-acc}"
seeds="${ACC_SEEDS:-1,2,3}"
set -f  # method specs contain '*'
methods=(${ACC_METHODS:-advi:meanfield advi:fullrank laplace svgd:100 advi:mixture:5 boosting:3
         renyi:0.5:fullrank iwae:8:fullrank chi:fullrank advi:copula advi:hierarchical
         advi:flow:realnvp*4 advi:flow:planar*8 svgd:300 renyi:0.5:fullrank+psis
         advi:mixture:5+psis renyi:0.5:mixture:20+psis})
# Methods that need data to subsample run on logistic regression only.
data_methods=(${ACC_DATA_METHODS:-constant_sgd constant_sgd:precond})
set +f
reference=0 skip_build=0 skip_elbo=0 skip_stan=0 skip_timing=0 lanes=2
while (($#)); do
  case "$1" in
    --reference) reference=1 ;;
    --skip-build) skip_build=1 ;;
    --skip-elbo) skip_elbo=1 ;;
    --skip-stan) skip_stan=1 ;;
    --skip-timing) skip_timing=1 ;;
    --lanes) lanes="$2"; shift ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$here/runs"

# Peers from Debian: R + rstan (+ loo, jsonlite) and PyTorch (idempotent).
source "$(dirname "$0")/../ensure_packages.sh"
ensure_debian_packages r-base-core r-cran-rstan r-cran-loo r-cran-jsonlite r-cran-codetools python3-torch python3-numpy

# Debian's r-cran-bh has no include/ tree; rstan's flags point at BH/include.
bh=/usr/lib/R/site-library/BH
if [[ -d "$bh" && ! -e "$bh/include" ]]; then
  SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO ln -s /usr/include "$bh/include"
fi

if ((reference)); then
  nice /usr/bin/python3 "$here/reference.py"
  nice Rscript "$here/reference.R"
fi

if ((!skip_build)); then
  [[ -f "$build/CMakeCache.txt" ]] ||
    cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DELBO_BUILD_BENCH=ON >/dev/null
  nice cmake --build "$build" --target accuracy_bench -j2
fi
# Run a copy, so a rebuild during the run does not touch the running binary.
bin="$here/runs/accuracy_bench.bin"
cp "$build/bench/accuracy_bench" "$bin"

if ((!skip_elbo)); then
  run_method() {  # one method on every target (or logistic regression only)
    local m="$1" targets="${2:-}"
    local f="$here/runs/elbo_runs.$(echo "$m" | tr -c 'A-Za-z0-9.\n' '_').json"
    nice "$bin" --repo "$repo" --methods "$m" --seeds "$seeds" --threads 1 \
      ${targets:+--targets "$targets"} --out "$f" 2>>"$here/runs/elbo.log"
  }
  # Methods are spread round-robin over the lanes; each lane runs its methods in order.
  for ((l = 0; l < lanes; l++)); do
    (
      for ((i = l; i < ${#methods[@]}; i += lanes)); do run_method "${methods[$i]}"; done
      if ((l == 0)); then for m in "${data_methods[@]}"; do run_method "$m" logreg; done; fi
    ) &
  done
  wait
fi

if ((!skip_stan)); then
  nice Rscript "$here/stan_advi.R" "$seeds" 2>&1 | tee "$here/runs/stan.log"
fi

if ((!skip_timing)); then
  nice "$bin" --repo "$repo" --svgd-timing 200 --threads 1 --out "$here/runs/svgd_timing_elbo.json"
  nice /usr/bin/python3 "$here/svgd_torch.py" 200 1 "$here/runs/svgd_timing_torch.json"
fi

/usr/bin/python3 "$here/aggregate.py"
