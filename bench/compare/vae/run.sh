#!/usr/bin/env bash
# Side-by-side VAE benchmark: `elbo train vae` vs a plain PyTorch script (vae_torch.py)
# with the same architecture (784-200-200-50 tanh, Bernoulli, N(0, I) prior), data,
# optimizer (Adam 1e-3, eps 1e-4, batch 100), dynamic binarisation and test protocol.
#
#   bench/compare/vae/run.sh [path/to/elbo]      (writes results.json and results.md here)
#
# Workloads: the MNIST test file split 8,000 train / 2,000 test (the 60,000-image
# training file is not available here), and Fashion-MNIST 60,000 / 10,000 from
# Debian's dataset-fashion-mnist. Environment knobs: EPOCHS (MNIST, default 10),
# FASHION_EPOCHS (default 2), TEST_K (default 1000),
# TABLE (1: also the NLL-table rows TABLE_SPECS, objective/flow pairs, default
# "iwae:50/none elbo/planar:4 elbo/iaf:4"), THREADS_LIST (default "1 2"), TABLE_THREADS
# (default 1), PARTS (default "mnist fashion table"; "long" adds the NLL table at a longer
# budget: LONG_EPOCHS, default 100, for LONG_SPECS, default VAE, IWAE-5, IWAE-50, planar:4
# and iaf:4, one thread, K = LONG_TEST_K, default 5000), APPEND (1: add to earlier runs).
set -euo pipefail

# The peer and the large workload come from Debian (idempotent; quick when present).
source "$(dirname "$0")/../ensure_packages.sh"
ensure_debian_packages python3-torch dataset-fashion-mnist

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
elbo=${1:-$repo/build-vae/elbo}
py=/usr/bin/python3
mnist=$repo/../shared/data/mnist/t10k-images-idx3-ubyte.gz
fashion=/usr/share/datasets/fashion-mnist
EPOCHS=${EPOCHS:-10}
FASHION_EPOCHS=${FASHION_EPOCHS:-2}
TEST_K=${TEST_K:-1000}

TABLE=${TABLE:-1}
THREADS_LIST=${THREADS_LIST:-"1 2"}   # thread counts of the side-by-side runs
TABLE_THREADS=${TABLE_THREADS:-1}
APPEND=${APPEND:-0}                   # 1: keep earlier runs in out/runs.jsonl
PARTS=${PARTS:-"mnist fashion table"}
TABLE_SPECS=${TABLE_SPECS:-"iwae:50/none elbo/planar:4 elbo/iaf:4"}
out=$here/out
mkdir -p "$out"
runs=$out/runs.jsonl
[[ $APPEND == 1 ]] || : >"$runs"

log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

# elbo_run NAME THREADS ARGS... : one `elbo train vae`, its summary appended to runs.jsonl
elbo_run() {
  local name=$1 threads=$2
  shift 2
  log "elbo $name threads=$threads"
  "$elbo" train vae --threads "$threads" --no-progress --quiet --output "$out/$name-t$threads" "$@"
  $py - "$out/$name-t$threads/summary.json" "$name" "$threads" >>"$runs" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
t = s.get("test_log_likelihood") or {}
print(json.dumps({"impl": "elbo", "name": sys.argv[2], "threads": int(sys.argv[3]),
  "objective": s["objective"], "flow": s["model"]["flow"], "epochs": s["epochs"],
  "seconds_per_epoch": s["seconds_per_epoch"], "achieved_gflops": s["achieved_gflops"],
  "performed_gflops": s.get("performed_gflops"), "input_density": s.get("input_density"),
  "loadavg_1min": float(open("/proc/loadavg").read().split()[0]),
  "flops_per_step": s["flops_per_step"], "train_bound": s["history"][-1]["bound"],
  "active_units": s["active_units"], "test_ll": t.get("mean"), "test_se": t.get("standard_error"),
  "test_k": t.get("k"), "test_images": s["test_images"]}))
PY
}

# torch_run NAME THREADS ARGS...
torch_run() {
  local name=$1 threads=$2
  shift 2
  log "pytorch $name threads=$threads"
  $py "$here/vae_torch.py" --threads "$threads" "$@" >"$out/$name-torch-t$threads.json"
  $py - "$out/$name-torch-t$threads.json" "$name" "$threads" >>"$runs" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
t = s.get("test_log_likelihood") or {}
print(json.dumps({"impl": "pytorch", "name": sys.argv[2], "threads": int(sys.argv[3]),
  "objective": s["objective"], "flow": "none", "epochs": s["epochs"],
  "seconds_per_epoch": s["mean_seconds_per_epoch"], "train_bound": s["train_bound"][-1],
  "loadavg_1min": float(open("/proc/loadavg").read().split()[0]),
  "test_ll": t.get("mean"), "test_se": t.get("standard_error"), "test_k": t.get("k"),
  "test_images": t.get("images")}))
PY
}

[[ $APPEND == 1 && -s $out/peak.json ]] || $py "$here/matmul_peak.py" >"$out/peak.json"
log "matmul peak: $(cat "$out/peak.json")"

common=(--latent 50 --hidden 200,200 --batch-size 100 --lr 1e-3 --binarize dynamic --seed 1)
# The held-out 2,000 (binarised once, seeded).
mnist_elbo=(--data "$mnist" --holdout 2000 --test-k "$TEST_K")
mnist_torch=(--data "$mnist" --holdout 2000 --test-k "$TEST_K" )

# 1. Speed and equal-results check, MNIST split: VAE and IWAE-5, 1 and 2 threads.
[[ " $PARTS " == *" mnist "* ]] && for threads in $THREADS_LIST; do
  for obj in elbo iwae:5; do
    tag=mnist-${obj/:/}
    elbo_run "$tag" "$threads" "${common[@]}" "${mnist_elbo[@]}" --objective "$obj" --epochs "$EPOCHS"
    torch_run "$tag" "$threads" --latent 50 --hidden 200,200 --batch-size 100 --lr 1e-3 --seed 1 \
      "${mnist_torch[@]}" --objective "$obj" --epochs "$EPOCHS"
  done
done

# 2. Speed at realistic size: Fashion-MNIST 60,000 images, VAE, 1 and 2 threads (no NLL).
if [[ " $PARTS " == *" fashion "* && -f $fashion/train-images-idx3-ubyte.gz ]]; then
  for threads in $THREADS_LIST; do
    elbo_run fashion-elbo "$threads" "${common[@]}" --data "$fashion/train-images-idx3-ubyte.gz" \
      --objective elbo --epochs "$FASHION_EPOCHS"
    torch_run fashion-elbo "$threads" --latent 50 --hidden 200,200 --batch-size 100 --lr 1e-3 --seed 1 \
      --data "$fashion/train-images-idx3-ubyte.gz" --objective elbo --epochs "$FASHION_EPOCHS"
  done
fi

# 3. NLL table rows (elbo only, 2 threads): IWAE-50 and flow posteriors.
if [[ " $PARTS " == *" table "* && $TABLE == 1 ]]; then
  for spec in $TABLE_SPECS; do  # objective/flow
    obj=${spec%/*} flow=${spec#*/}
    elbo_run "mnist-${obj/:/}-${flow/:/}" "$TABLE_THREADS" "${common[@]}" "${mnist_elbo[@]}" --objective "$obj" --flow "$flow" \
      --epochs "$EPOCHS"
  done
fi

# 4. The NLL table at a longer training budget (elbo only, one thread, K = 5000).
if [[ " $PARTS " == *" long "* ]]; then
  long_specs=${LONG_SPECS:-"elbo/none iwae:5/none iwae:50/none elbo/planar:4 elbo/iaf:4"}
  for spec in $long_specs; do
    obj=${spec%/*} flow=${spec#*/}
    elbo_run "mnist-long-${obj/:/}-${flow/:/}" 1 "${common[@]}" --data "$mnist" --holdout 2000 \
      --test-k "${LONG_TEST_K:-5000}" --objective "$obj" --flow "$flow" --epochs "${LONG_EPOCHS:-100}"
  done
fi

$py "$here/report.py" "$out" "$here/results.json" "$here/results.md"
log "wrote $here/results.json and results.md"
