#!/usr/bin/env bash
# Gradient variance and time-to-ELBO of score-function estimators vs
# reparameterisation (issue 3 benchmark). Writes runs/ and then
# results.json / results.md via report.py.
#   ELBO=path/to/elbo  (default: ../../../build/elbo)
#   K=10 R=500 WARMUP=1000 MAX_ITER=10000 MIX_ITER=3000 SEEDS="1 2 3"
set -eu
here=$(cd "$(dirname "$0")" && pwd)
elbo=${ELBO:-$here/../../../build/elbo}
K=${K:-10}
R=${R:-500}
WARMUP=${WARMUP:-1000}
MAX_ITER=${MAX_ITER:-10000}
MIX_ITER=${MIX_ITER:-3000}
SEEDS=${SEEDS:-"1 2 3"}
runs=$here/runs
mkdir -p "$runs"

# 1. Gradient variance at a fixed q: the family's start and after WARMUP SVI steps.
for w in 0 "$WARMUP"; do
  nice "$elbo" gradvar logistic --draws "$K" --replicates "$R" --warmup "$w" --seed 1 \
    --estimators reinforce,reinforce+baseline,reinforce+cv,reinforce+rb,reinforce+cv+rb,odis:2,reparam \
    --output "$runs/gradvar_logistic_w$w.json" | tee "$runs/gradvar_logistic_w$w.txt"
  nice "$elbo" gradvar mixture --draws "$K" --replicates "$R" --warmup "$w" --seed 1 \
    --estimators reinforce,reinforce+baseline,reinforce+cv,reinforce+rb,reinforce+cv+rb,odis:2,reparam,gumbel:0.5 \
    --output "$runs/gradvar_mixture_w$w.json" | tee "$runs/gradvar_mixture_w$w.txt"
done

# 2. Time to reach the ELBO of reparameterised ADVI on logistic regression:
#    SVI from q = N(0, I) (--init zero), K draws per gradient, each estimator.
for seed in $SEEDS; do
  for spec in elbo reinforce reinforce+baseline reinforce+cv reinforce+rb reinforce+cv+rb odis:2; do
    tag=$(echo "$spec" | tr ':+' '__')
    nice "$elbo" fit logistic --family meanfield --objective "$spec" --grad-draws "$K" --init zero \
      --max-iter "$MAX_ITER" --tol-rel-obj 1e-12 --eval-every 100 --seed "$seed" --draws 100 \
      -o "$runs/fit_${tag}_s$seed" >/dev/null
    rm -f "$runs/fit_${tag}_s$seed/draws.csv"
  done
done

# 3. The same race on the assignment mixture (no `elbo fit` command for it):
#    `elbo gradvar --warmup N --warmup-objective SPEC` runs SVI from the
#    family's start (μ locations 0, uniform assignments) and records its ELBO
#    trace and time; the target is the best final ELBO of any estimator − 1 nat.
for seed in $SEEDS; do
  for spec in reinforce reinforce+baseline reinforce+cv reinforce+rb reinforce+cv+rb odis:2 gumbel:0.5; do
    tag=$(echo "$spec" | tr ':+.' '___')
    nice "$elbo" gradvar mixture --warmup "$MIX_ITER" --warmup-objective "$spec" --warmup-eval-every 50 \
      --draws "$K" --estimators reinforce --replicates 2 --seed "$seed" \
      --output "$runs/race_mixture_${tag}_s$seed.json" >/dev/null
  done
done

/usr/bin/python3 "$here/report.py" "$runs" "$here"
