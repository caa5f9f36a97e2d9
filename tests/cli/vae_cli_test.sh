#!/usr/bin/env bash
# End-to-end tests of `elbo train vae` and `elbo eval vae`: the default run (generated
# shapes) and the shipped-data paths (MNIST IDX gzip, digits CSV) write the model,
# summary.json and PNG grids; eval reproduces train's test log-likelihood; bad IDX files,
# shape mismatches, out-of-range pixels and bad options give one stderr line and a
# non-zero exit; a run resumed from a checkpoint ends with the same summary numbers.
# Usage: vae_cli_test.sh ELBO_BINARY SOURCE_DIR
set -u
elbo=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"
py=/usr/bin/python3
shared=$src/../shared/data

json_get() { $py -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# ---- the default run: no --data ----------------------------------------------------
small=(--latent 4 --hidden 32 --epochs 3 --batch-size 50 --test-k 50 --threads 1 --no-progress --quiet)
if "$elbo" train vae "${small[@]}" --output "$tmp/default"; then ok; else fail "default train vae failed"; fi
for f in model.pt summary.json reconstructions.png samples.png traversals.png; do
  [[ -s $tmp/default/$f ]] && ok || fail "default run did not write $f"
done
if [[ -s $tmp/default/summary.json ]]; then
  [[ $(json_get "$tmp/default/summary.json" 'len(d["history"])') == 3 ]] && ok || fail "history length"
  [[ $(json_get "$tmp/default/summary.json" 'd["test_images"]') == 500 ]] && ok || fail "test images"
  ll=$(json_get "$tmp/default/summary.json" 'd["test_log_likelihood"]["mean"]')
  $py -c "import sys; v=float(sys.argv[1]); sys.exit(0 if -300 < v < 0 else 1)" "$ll" && ok || fail "test ll $ll"
  $py -c "import sys; sys.exit(0 if open(sys.argv[1],'rb').read(8)==b'\x89PNG\r\n\x1a\n' else 1)" \
    "$tmp/default/samples.png" && ok || fail "samples.png is not a PNG"
fi

# ---- MNIST (gzip IDX) with a holdout, IWAE and a flow; eval reproduces the test ll -----------
mnist=$shared/mnist/t10k-images-idx3-ubyte.gz
if [[ -f $mnist ]]; then
  # A 600-image slice keeps the test fast: write it as a plain (uncompressed) IDX file.
  $py - "$mnist" "$tmp/mnist600.idx" <<'PY'
import gzip, struct, sys
raw = gzip.open(sys.argv[1]).read()
n = 600
open(sys.argv[2], "wb").write(raw[:4] + struct.pack(">III", n, 28, 28) + raw[16:16 + n * 784])
PY
  for spec in "iwae:3 none" "elbo iaf:2" "elbo planar:2"; do
    set -- $spec
    out=$tmp/mnist_${1/:/}_${2/:/}
    if "$elbo" train vae --data "$tmp/mnist600.idx" --holdout 100 --objective "$1" --flow "$2" \
        --latent 8 --hidden 64 --epochs 2 --test-k 40 --threads 1 --no-progress --quiet --output "$out"; then ok
    else fail "train vae --objective $1 --flow $2 failed"; fi
  done
  out=$tmp/mnist_iwae3_none
  if "$elbo" eval vae --model "$out" --data "$tmp/mnist600.idx" --last 100 --k 40 --threads 1 --quiet --output "$tmp/eval"; then
    a=$(json_get "$out/summary.json" 'd["test_log_likelihood"]["mean"]')
    b=$(json_get "$tmp/eval/eval.json" 'd["log_likelihood"]')
    $py -c "import sys; sys.exit(0 if abs(float(sys.argv[1])-float(sys.argv[2])) < 1e-4 else 1)" "$a" "$b" && ok ||
      fail "eval vae log-likelihood $b differs from train's $a"
  else
    fail "eval vae failed"
  fi
  # A digits model cannot evaluate MNIST images.
  "$elbo" train vae --data "$shared/digits/digits.csv" --latent 2 --hidden 16 --epochs 1 --test-k 5 \
    --no-progress --quiet --output "$tmp/digits" && ok || fail "train on digits CSV failed"
  expect_error "model/data shape mismatch" "shape mismatch: images are 28 x 28 but the model expects 64" -- \
    eval vae --model "$tmp/digits" --data "$tmp/mnist600.idx" --k 5
fi

# ---- bad input: one line, non-zero exit --------------------------------------------------
printf 'P5\n28 28\n255\n' >"$tmp/notidx.idx"
expect_error "wrong IDX magic" "notidx.idx: not an IDX file" -- train vae --data "$tmp/notidx.idx"
$py -c "
import struct; open('$tmp/trunc.idx','wb').write(struct.pack('>BBBBIII',0,0,8,3,10,28,28) + bytes(7000))"
expect_error "truncated IDX body" "trunc.idx: truncated body: expected 7840 bytes, found 7000" -- \
  train vae --data "$tmp/trunc.idx"
$py -c "
import struct; open('$tmp/float.idx','wb').write(struct.pack('>BBBBI',0,0,13,1,2) + bytes(8))"
expect_error "float IDX" "not supported" -- train vae --data "$tmp/float.idx"
$py -c "
import gzip; d=gzip.compress(open('$tmp/mnist600.idx','rb').read()); open('$tmp/cut.gz','wb').write(d[:len(d)//2])"
expect_error "truncated gzip" "cut.gz: truncated gzip stream" -- train vae --data "$tmp/cut.gz"
{ echo "px0,px1,px2,px3,digit"; echo "0,1,2,3,1"; echo "0,20,2,3,1"; } >"$tmp/range.csv"
expect_error "pixel out of range" "range.csv:3: field 'px1': pixel value" -- train vae --data "$tmp/range.csv"
{ echo "px0,px1,px2,px3"; echo "0,1,2,3"; } >"$tmp/four.csv"
expect_error "train/test shape mismatch" "shape mismatch: test images are 2 x 2 but training images are 28 x 28" -- \
  train vae --data "$tmp/mnist600.idx" --test "$tmp/four.csv"
expect_error "bad objective" "objective 'iwae' is not one of" -- train vae --objective iwae
expect_error "bad flow" "flow 'maf:2' is not one of" -- train vae --flow maf:2
expect_error "negative latent" "--latent: 0 is not in \\[1, 65536\\]" -- train vae --latent 0
expect_error "free bits with IWAE" "free-bits applies to the ELBO only" -- train vae --objective iwae:5 --free-bits 0.5
expect_error "missing data file" "data" -- train vae --data "$tmp/nope.idx"
expect_error "holdout too large" "holdout" -- train vae --data "$tmp/four.csv" --holdout 5
printf 'junk' >"$tmp/model.pt"
expect_error "junk model" "model.pt: not an elbo torch-archive file" -- eval vae --model "$tmp/model.pt" --data "$tmp/four.csv"

# ---- checkpoint / resume: killed-and-resumed equals uninterrupted --------------------------
common=(train vae --latent 4 --hidden 32 --batch-size 20 --test-k 20 --threads 1 --no-progress --quiet --seed 3)
"$elbo" "${common[@]}" --epochs 4 --output "$tmp/whole" || fail "uninterrupted run failed"
ckpt=$tmp/run.ckpt
"$elbo" "${common[@]}" --epochs 2 --checkpoint "$ckpt" --output "$tmp/part" || fail "first half failed"
"$elbo" "${common[@]}" --epochs 4 --checkpoint "$ckpt" --resume --output "$tmp/resumed" || fail "resume failed"
w=$(json_get "$tmp/whole/summary.json" '[h["bound"] for h in d["history"]] + [d["test_log_likelihood"]["mean"]]')
r=$(json_get "$tmp/resumed/summary.json" '[h["bound"] for h in d["history"]] + [d["test_log_likelihood"]["mean"]]')
[[ -n $w && $w == "$r" ]] && ok || fail "resumed run differs: $w vs $r"
[[ $(json_get "$tmp/resumed/summary.json" 'd["resumed_from_epoch"]') == 2 ]] && ok || fail "resumed_from_epoch"
printf 'not a checkpoint' >"$tmp/bad.ckpt"
expect_error "corrupt checkpoint" "bad.ckpt" -- "${common[@]}" --epochs 1 --checkpoint "$tmp/bad.ckpt" --resume
expect_error "checkpoint of another model" "another model" -- train vae --latent 5 --hidden 32 --batch-size 20 \
  --epochs 4 --seed 3 --checkpoint "$ckpt" --resume --quiet

echo "vae cli: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
