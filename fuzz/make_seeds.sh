#!/usr/bin/env bash
# Regenerates the committed seeds of the formats elbo itself writes — draws.csv,
# checkpoints, model.json — from real fits on the small data the harnesses use
# (the corpus and points of natural_svi_checkpoint_fuzzer.cpp and
# distributed_svi_checkpoint_fuzzer.cpp, saved_model_fuzzer.cpp's columns and
# K x V). Run after changing one of those formats.
# Usage: fuzz/make_seeds.sh ELBO_BINARY
set -euo pipefail
elbo=$1
seeds=$(cd "$(dirname "$0")" && pwd)/seeds
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp" <<'PY'
import random, sys
d = sys.argv[1]
# natural_svi_checkpoint_fuzzer's corpus: 8 documents over 6 words.
with open(f"{d}/harness.dat", "w") as f:
    for doc in range(8):
        ids = [doc % 6, (doc + 1) % 6, (doc + 3) % 6]
        cts = [1 + doc % 3, 2, 1]
        f.write("3 " + " ".join(f"{i}:{c}" for i, c in sorted(zip(ids, cts))) + "\n")
# ... and its 10 x 2 points.
with open(f"{d}/harness.csv", "w") as f:
    f.write("x,y\n" + "".join(f"{0.3 * i - 1.0},{(i % 3) - 1.0}\n" for i in range(10)))
rng = random.Random(1)
with open(f"{d}/gp.csv", "w") as f:
    f.write("x1,x2,y\n")
    for _ in range(40):
        a, b = rng.uniform(-2, 2), rng.uniform(-2, 2)
        f.write(f"{a},{b},{a * a - b + rng.gauss(0, 0.1)}\n")
with open(f"{d}/gp_class.csv", "w") as f:
    f.write("x1,x2,y\n")
    for _ in range(40):
        a, b = rng.uniform(-2, 2), rng.uniform(-2, 2)
        f.write(f"{a},{b},{int(a + b > 0)}\n")
PY
q=(-q)
"$elbo" fit lda --docword "$tmp/harness.dat" -K 2 --batch-size 4 --heldout-fraction 0 --max-iter 6 \
  --checkpoint "$tmp/lda.ckpt" --checkpoint-every 3 -o "$tmp/lda" "${q[@]}"
"$elbo" fit gmm --data "$tmp/harness.csv" -K 2 --method svi --batch-size 4 --max-iter 6 \
  --checkpoint "$tmp/gmm.ckpt" -o "$tmp/gmm" "${q[@]}"
"$elbo" fit gp --data "$tmp/gp.csv" -T 6 --steps 30 --kernel rbf+linear -o "$tmp/gp" "${q[@]}"
"$elbo" fit gp --data "$tmp/gp_class.csv" -T 5 --steps 30 --likelihood bernoulli -o "$tmp/gp_class" "${q[@]}"
"$elbo" fit linear --data "$tmp/gp.csv" --max-iter 200 --draws 20 -o "$tmp/linear" "${q[@]}"
# distributed_svi_checkpoint_fuzzer's runs: the same data, in the data-parallel driver (one process).
"$elbo" fit lda --distributed --docword "$tmp/harness.dat" -K 2 --batch-size 4 --max-iter 6 \
  --checkpoint "$tmp/lda_dist.ckpt" --checkpoint-every 3 -o "$tmp/lda_dist" "${q[@]}"
"$elbo" fit gmm --distributed --data "$tmp/harness.csv" -K 2 --method svi --batch-size 4 --max-iter 6 \
  --checkpoint "$tmp/gmm_dist.ckpt" -o "$tmp/gmm_dist" "${q[@]}"
# gp_checkpoint_fuzzer's run: 10 rows of 2 features, T = 4, rbf, natural, S = 4, 30 steps.
head -n 11 "$tmp/gp.csv" >"$tmp/gp10.csv"
"$elbo" fit gp --data "$tmp/gp10.csv" -T 4 --batch-size 4 --steps 30 --checkpoint "$tmp/gp.ckpt" \
  --checkpoint-every 20 -o "$tmp/gp10" "${q[@]}"

cp "$tmp/lda.ckpt" "$seeds/checksummed/lda.ckpt"
cp "$tmp/gmm.ckpt" "$seeds/checksummed/gmm.ckpt"
# The checkpoint harnesses wrap their input in a valid envelope: seed them with payloads.
payload() { python3 -c "import sys; b = open(sys.argv[1], 'rb').read(); sys.stdout.buffer.write(b[b.index(b'\n') + 1:])" "$1"; }
for m in lda gmm; do payload "$tmp/$m.ckpt" >"$seeds/natural_svi_checkpoint/$m.json"; done
mkdir -p "$seeds/distributed_svi_checkpoint"
for m in lda gmm; do payload "$tmp/${m}_dist.ckpt" >"$seeds/distributed_svi_checkpoint/$m.json"; done
mkdir -p "$seeds/gp_checkpoint"
payload "$tmp/gp.ckpt" >"$seeds/gp_checkpoint/natural.cbor"
cp "$tmp/gp.ckpt" "$seeds/checksummed/gp.ckpt"
cp "$tmp/lda/model.json" "$seeds/saved_model/lda.json"
cp "$tmp/gmm/model.json" "$seeds/saved_model/gmm.json"
cp "$tmp/gp/model.json" "$seeds/saved_model/gp.json"
cp "$tmp/gp_class/model.json" "$seeds/saved_model/gp_bernoulli.json"
cp "$tmp/linear/draws.csv" "$seeds/draws_csv/linear.csv"
ls -l "$seeds"/{checksummed,natural_svi_checkpoint,distributed_svi_checkpoint,gp_checkpoint,saved_model,draws_csv}
