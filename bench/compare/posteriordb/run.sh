#!/usr/bin/env bash
# posteriordb benchmark: elbo (two settings) and Stan's ADVI (mean-field, full-rank) on the
# posteriors in ../shared/posteriordb (beside the repository), scored against their NUTS references (README.md).
#   bash bench/compare/posteriordb/run.sh                       # everything: elbo, Stan, aggregate
#   bash bench/compare/posteriordb/run.sh --skip-stan           # elbo side only (Stan JSON kept in runs/)
#   bash bench/compare/posteriordb/run.sh --posteriors eight_schools-eight_schools_noncentered,sblri-blr --seeds 1
#   /usr/bin/python3 bench/compare/posteriordb/aggregate.py     # re-aggregate runs/ only
# Options:
#   --posteriors A,B,...   subset (default: every NAME.reference.csv in the posteriordb dir)
#   --seeds 1,2,3          seeds (default 1,2,3)
#   --settings a,b         elbo settings (default: default,best; see ELBO_SETTING_* below)
#   --skip-elbo, --skip-stan
#   --elbo PATH            the elbo binary (default: $ELBO or <repo>/build/elbo)
#   --translated DIR       Stan 2.21 programs <DIR>/<NAME>.stan for rstan, instead of
#                          translating with `elbo compile NAME.stan --translated OUT.stan`
#   --lanes N              parallel processes for the elbo runs and the Stan runs (default 2)
#   --timeout S            seconds per run before it is killed and recorded failed (default 1800)
#   --skip-existing        Stan: skip runs whose JSON is already in runs/ without an error
# Environment: PDB_DIR (posteriordb directory, default ../shared/posteriordb (beside the repository)),
# PDB_ELBO_THREADS (elbo --threads, default 1: one core per lane, as Stan).
# Every run is under `nice`; per-run output goes to runs/ (git-ignored); aggregate.py
# writes results.json and results.md.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
pdb="${PDB_DIR:-$repo/../shared/posteriordb}"
elbo="${ELBO:-$repo/build/elbo}"
argv="$*"
seeds=1,2,3 settings=default,best posteriors="" translated="" lanes=2 timeout=1800
skip_elbo=0 skip_stan=0 skip_existing=0
while (($#)); do
  case "$1" in
    --posteriors) posteriors="$2"; shift ;;
    --seeds) seeds="$2"; shift ;;
    --settings) settings="$2"; shift ;;
    --skip-elbo) skip_elbo=1 ;;
    --skip-stan) skip_stan=1 ;;
    --elbo) elbo="$2"; shift ;;
    --translated) translated="$2"; shift ;;
    --lanes) lanes="$2"; shift ;;
    --timeout) timeout="$2"; shift ;;
    --skip-existing) skip_existing=1 ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
export PDB_DIR="$pdb"

# The elbo settings: the same options on every posterior.
ELBO_SETTING_default=""
ELBO_SETTING_best="--family mixture:20 --objective renyi:0.5 --resample always"
ELBO_SETTING_auto="--method auto"
ELBO_SETTING_pathfinder="--method pathfinder"
threads="${PDB_ELBO_THREADS:-1}"

if [[ -z "$posteriors" ]]; then
  names=()
  for f in "$pdb"/*.reference.csv; do names+=("$(basename "$f" .reference.csv)"); done
else
  IFS=, read -r -a names <<<"$posteriors"
fi
IFS=, read -r -a seed_list <<<"$seeds"
IFS=, read -r -a setting_list <<<"$settings"
mkdir -p "$here/runs"

# (a) peers from Debian: R + rstan, loo, jsonlite (idempotent).
if ((!skip_stan)); then
  source "$here/../ensure_packages.sh"
  ensure_debian_packages r-base-core r-cran-rstan r-cran-loo r-cran-jsonlite r-cran-codetools
  # Debian's r-cran-bh has no include/ tree; rstan's flags point at BH/include.
  bh=/usr/lib/R/site-library/BH
  if [[ -d "$bh" && ! -e "$bh/include" ]]; then
    SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO="sudo"
    $SUDO ln -s /usr/include "$bh/include"
  fi
fi

# Run a copy of the binary, so a rebuild during the run does not touch it.
bin="$here/runs/elbo.bin"
if ((!skip_elbo)) || { ((!skip_stan)) && [[ -z "$translated" ]]; }; then
  [[ -x "$elbo" ]] || { echo "run.sh: no elbo binary at $elbo (build it, or pass --elbo)" >&2; exit 1; }
  cp "$elbo" "$bin.tmp" && mv "$bin.tmp" "$bin"
  # ... and of libelbo.so beside it (the binary's RUNPATH points at the build tree;
  # LD_LIBRARY_PATH is searched before RUNPATH).
  lib=$(ldd "$elbo" | awk '/libelbo\.so/ {print $3}')
  if [[ -n "$lib" && -f "$lib" ]]; then
    mkdir -p "$here/runs/lib"
    cp "$lib" "$here/runs/lib/$(basename "$lib").tmp" && mv "$here/runs/lib/$(basename "$lib").tmp" "$here/runs/lib/$(basename "$lib")"
    export LD_LIBRARY_PATH="$here/runs/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  fi
fi

# run.json beside elbo's own output: exit status, process wall time, the command.
write_run_json() {  # dir exit_status wall_seconds command...
  local dir="$1" rc="$2" wall="$3"; shift 3
  /usr/bin/python3 - "$dir" "$rc" "$wall" "$@" <<'EOF'
import json, os, sys
d, rc, wall, cmd = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
tail = ""
p = os.path.join(d, "stderr.txt")
if os.path.exists(p):
    with open(p, errors="replace") as fh:
        tail = fh.read()[-600:].strip()
with open(os.path.join(d, "run.json"), "w") as fh:
    json.dump({"exit_status": rc, "timed_out": rc == 124, "wall_seconds": wall, "command": cmd,
               "stderr_tail": tail, "loadavg_1min": float(open("/proc/loadavg").read().split()[0])},
              fh, indent=1)
EOF
}

# (b) elbo: every posterior x seed x setting, spread round-robin over the lanes.
elbo_phase() {
  local queue=()
  for n in "${names[@]}"; do
    for s in "${seed_list[@]}"; do
      for st in "${setting_list[@]}"; do queue+=("$n|$s|$st"); done
    done
  done
  run_elbo() {  # name seed setting
    local n="$1" s="$2" st="$3" var="ELBO_SETTING_$3"
    [[ -v "$var" ]] || { echo "run.sh: unknown elbo setting $st" >&2; return 0; }
    local out="$here/runs/elbo/$st/${n}_seed$s"
    rm -rf "$out"; mkdir -p "$out"
    local cmd=("$bin" fit stan --model "$pdb/$n.stan" --data "$pdb/$n.data.json" --seed "$s"
               --output "$out" --threads "$threads" ${!var})
    local t0 t1 rc=0
    t0=$(date +%s.%N)
    nice timeout "$timeout" "${cmd[@]}" >"$out/stdout.txt" 2>"$out/stderr.txt" || rc=$?
    t1=$(date +%s.%N)
    local wall; wall=$(/usr/bin/python3 -c "print($t1 - $t0)")
    write_run_json "$out" "$rc" "$wall" "${cmd[@]}"
    printf '%-52s elbo:%-8s seed %s  %7.2f s  exit %d\n' "$n" "$st" "$s" "$wall" "$rc"
  }
  for ((l = 0; l < lanes; l++)); do
    (
      for ((i = l; i < ${#queue[@]}; i += lanes)); do
        IFS='|' read -r n s st <<<"${queue[$i]}"
        run_elbo "$n" "$s" "$st"
      done
    ) &
  done
  wait
}
if ((!skip_elbo)); then
  echo "== $(date -u +%FT%TZ) run.sh $argv" >>"$here/runs/elbo.log"
  elbo_phase 2>&1 | tee -a "$here/runs/elbo.log"
fi

# (c) Stan's ADVI on the translated programs.
stan_phase() {
  if [[ -z "$translated" ]]; then
    translated="$here/runs/translated"
    mkdir -p "$translated"
    for n in "${names[@]}"; do
      rm -f "$translated/$n.stan"
      "$bin" compile "$pdb/$n.stan" --translated "$translated/$n.stan" >/dev/null 2>"$translated/$n.err" ||
        echo "run.sh: elbo compile --translated failed for $n: $(tail -c 300 "$translated/$n.err")" >&2
    done
  fi
  local extra=(); ((skip_existing)) && extra+=(--skip-existing)
  local l i lane
  for ((l = 0; l < lanes; l++)); do
    lane=()
    for ((i = l; i < ${#names[@]}; i += lanes)); do lane+=("${names[$i]}"); done
    ((${#lane[@]})) || continue
    nice Rscript "$here/stan_advi.R" --translated "$translated" --posteriordb "$pdb" \
      --seeds "$seeds" --timeout "$timeout" "${extra[@]}" \
      --posteriors "$(IFS=,; echo "${lane[*]}")" &
  done
  wait
}
if ((!skip_stan)); then
  echo "== $(date -u +%FT%TZ) run.sh $argv" >>"$here/runs/stan.log"
  stan_phase 2>&1 | tee -a "$here/runs/stan.log"
fi

# (d) metrics, results.json, results.md.
/usr/bin/python3 "$here/aggregate.py" ${PDB_STAN_FROM:+--stan-from "$PDB_STAN_FROM"}
