#!/usr/bin/env bash
# Regenerates the seeds of the LibTorch loaders' harnesses (fuzz/torch/*_fuzzer.cpp)
# from real runs of the elbo tool: an ADVI checkpoint of eight_schools (D = 10),
# VAE training checkpoints and saved models of the three runs
# vae_checkpoint_fuzzer.cpp resumes (8 x 8 images, --latent 2 --hidden 8
# --batch-size 10). The harnesses wrap their input in a valid checksummed
# envelope, so each seed is a file's payload (the torch archive). Run after
# changing one of those formats; CTest's fuzz.NAME.seeds fails on a stale seed.
# Usage: fuzz/torch/make_seeds.sh ELBO_BINARY
set -euo pipefail
elbo=$1
seeds=$(cd "$(dirname "$0")/.." && pwd)/seeds
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp/digits.csv" <<'PY'
import random, sys
rng = random.Random(1)
with open(sys.argv[1], "w") as f:
    f.write(",".join(f"px{i}" for i in range(64)) + "\n")
    for _ in range(20):
        f.write(",".join(str(rng.choice([0, 0, 4, 16])) for _ in range(64)) + "\n")
PY
payload() { python3 -c "import sys; b = open(sys.argv[1], 'rb').read(); sys.stdout.buffer.write(b[b.index(b'\n') + 1:])" "$1"; }
mkdir -p "$seeds"/{advi_checkpoint,vae_checkpoint,vae_model}
# Checkpointed after averaging started (at 80% of --max-iter), so the averages are in it.
"$elbo" fit eight_schools --max-iter 300 --checkpoint "$tmp/advi.ckpt" --checkpoint-every 300 -o "$tmp/advi" -q
payload "$tmp/advi.ckpt" >"$seeds/advi_checkpoint/eight_schools_fullrank_adam.pt"
common=(--data "$tmp/digits.csv" --latent 2 --hidden 8 --batch-size 10 --epochs 2 --test-k 4 --no-progress -q)
"$elbo" train vae "${common[@]}" --checkpoint "$tmp/a.ckpt" -o "$tmp/a"
"$elbo" train vae "${common[@]}" --flow iaf:2 --prior mixture:3 --objective iwae:2 --checkpoint "$tmp/b.ckpt" -o "$tmp/b"
"$elbo" train vae "${common[@]}" --covariance cholesky --likelihood gaussian --binarize none --latent2 2 --hidden2 4 \
  --checkpoint "$tmp/c.ckpt" -o "$tmp/c"
for run in a:diagonal b:iaf_mixture_iwae c:cholesky_gaussian_two_layers; do
  payload "$tmp/${run%%:*}.ckpt" >"$seeds/vae_checkpoint/${run#*:}.pt"
  payload "$tmp/${run%%:*}/model.pt" >"$seeds/vae_model/${run#*:}.pt"
done
ls -l "$seeds"/{advi_checkpoint,vae_checkpoint,vae_model}
