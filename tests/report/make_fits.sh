#!/usr/bin/env bash
# CTest fixture of the report tests: small real fits, each in its own directory
# under OUT, made by the CLI as a user would: logistic regression (built-in
# data), LDA on a generated corpus (ELBO and held-out perplexity traces), a GMM
# on generated points and a VAE on the built-in shapes. A few seconds in all.
# Usage: make_fits.sh ELBO_BINARY OUT
set -eu
elbo=$1
out=$2
rm -rf "$out"
mkdir -p "$out"

"$elbo" fit logistic --seed 1 --threads 1 -o "$out/logistic" -q

# 300 documents from 3 topics over 60 words w0..w59, LDA-C format (awk's
# rand() after srand(7) is deterministic); topic t favours words 20t..20t+19.
awk -v docs=300 'BEGIN {
  srand(7)
  for (d = 0; d < docs; d++) {
    a = int(rand() * 3); b = (a + 1) % 3; mix = rand()
    len = 30 + int(rand() * 40)
    delete cnt; n = 0
    for (i = 0; i < len; i++) {
      t = (rand() < mix) ? a : b
      w = (rand() < 0.9) ? 20 * t + int(rand() * 20) : int(rand() * 60)
      if (!(w in cnt)) n++
      cnt[w]++
    }
    line = n
    for (w = 0; w < 60; w++) if (w in cnt) line = line " " w ":" cnt[w]
    print line
  }
}' >"$out/corpus.dat"
for w in $(seq 0 59); do echo "w$w"; done >"$out/vocab.txt"
"$elbo" fit lda --docword "$out/corpus.dat" --vocab "$out/vocab.txt" --topics 3 --method cavi --max-iter 30 \
  --heldout-fraction 0.1 --eval-every 5 --threads 2 --seed 3 -o "$out/lda" -q --no-progress

# three clusters of 100 points in 2-D and a label column the fit leaves out
awk 'BEGIN {
  srand(11); print "x,y,label"
  for (i = 0; i < 300; i++) {
    k = i % 3
    u1 = rand(); u2 = rand(); r = sqrt(-2 * log(u1 + 1e-12))
    printf "%.6f,%.6f,%d\n", 6 * k + 0.5 * r * cos(6.283185307 * u2), (k == 1 ? 5 : -2) + 0.5 * r * sin(6.283185307 * u2), k
  }
}' >"$out/points.csv"
"$elbo" fit gmm --data "$out/points.csv" --drop label --components 3 --method cavi --threads 2 --seed 2 \
  -o "$out/gmm" -q --no-progress

"$elbo" train vae --latent 4 --hidden 32 --epochs 15 --batch-size 50 --test-k 50 --threads 1 --seed 1 \
  -o "$out/vae" --no-progress --quiet

mkdir -p "$out/empty"
echo "fits written to $out"
