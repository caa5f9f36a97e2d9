#!/usr/bin/env bash
# End-to-end tests of `elbo fit lda` and `elbo fit gmm`: a small generated corpus
# and a small CSV fit and write their outputs; bad corpora and options give one
# stderr line naming the file or option and a non-zero exit; a killed SVI run
# resumed from its checkpoint ends with the same topics as an uninterrupted one.
# Usage: conjugate_cli_test.sh ELBO_BINARY SOURCE_DIR
set -u  # no pipefail: `... | head -n1` pipelines end their writers with SIGPIPE
elbo=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"

# ---- a small corpus: 300 documents from 3 topics over 60 words, LDA-C format ---------
# Topic t puts 90% of its mass on words 20t..20t+19; each document mixes two topics.
# awk's rand() after srand(SEED) is deterministic, so the corpus is the same each run.
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
}' >"$tmp/corpus.dat"
[[ $(wc -l <"$tmp/corpus.dat") -eq 300 ]] && ok || fail "corpus generator wrote $(wc -l <"$tmp/corpus.dat") lines"
for w in $(seq 0 59); do echo "w$w"; done >"$tmp/vocab.txt"

# ---- fit lda: each method runs and writes its outputs ----------------------------------
for method in svi cavi cvb0 scvb0; do
  out="$tmp/lda_$method"
  if "$elbo" fit lda --docword "$tmp/corpus.dat" --vocab "$tmp/vocab.txt" --topics 3 --method "$method" \
       --passes 3 --max-iter 20 --batch-size 50 --threads 2 --seed 3 --output "$out" -q --no-progress; then ok
  else fail "fit lda --method $method exited non-zero"; fi
  for f in summary.json topics.json topics.csv; do
    [[ -s "$out/$f" ]] && ok || fail "fit lda --method $method did not write $f"
  done
  rows=$(wc -l <"$out/topics.csv" 2>/dev/null || echo 0)
  cols=$(head -n1 "$out/topics.csv" 2>/dev/null | awk -F, '{print NF}')
  [[ $rows -eq 3 && $cols -eq 60 ]] && ok || fail "$method topics.csv is ${rows}×${cols} (want 3×60)"
  grep -q '"heldout_perplexity"' "$out/summary.json" && ok || fail "$method summary.json lacks heldout_perplexity"
done
# the SVI topics recover the three word blocks: each topic's top words lie in one block
if awk -F'"top_word_ids":' 'NF > 1 {
      for (i = 2; i <= NF; i++) {
        split($i, ids, /[][,]/); blk = -1
        for (j = 1; j <= 6; j++) if (ids[j] != "") {
          b = int(ids[j] / 20); if (blk < 0) blk = b; else if (b != blk) bad = 1
        }
      }
    } END { exit bad }' <(tr -d ' \n' <"$tmp/lda_svi/topics.json"); then ok
else fail "svi topics do not separate the word blocks: $(head -c 400 "$tmp/lda_svi/topics.json")"; fi

# UCI bag-of-words (docword) input: the same corpus as D / W / NNZ + "doc word count"
awk -v OFS=' ' '{ for (i = 2; i <= NF; i++) { split($i, p, ":"); print NR, p[1] + 1, p[2]; nnz++ } }
  END { }' "$tmp/corpus.dat" >"$tmp/body.txt"
{ echo 300; echo 60; wc -l <"$tmp/body.txt"; cat "$tmp/body.txt"; } >"$tmp/docword.txt"
if "$elbo" fit lda --docword "$tmp/docword.txt" --topics 3 --method cvb0 --max-iter 10 --threads 2 \
     --output "$tmp/lda_uci" -q --no-progress; then ok; else fail "fit lda on UCI docword exited non-zero"; fi
[[ -s "$tmp/lda_uci/topics.csv" ]] && ok || fail "fit lda on UCI docword wrote no topics.csv"

# ---- bad input: one stderr line naming the file (or option), non-zero exit -------------
{ echo 300; echo 60; echo 5; head -n 3 "$tmp/body.txt"; } >"$tmp/short.txt"
expect_error "docword NNZ header vs body" "short.txt.*NNZ" -- \
  fit lda --docword "$tmp/short.txt" --format uci --topics 3 -o "$tmp/x"
{ echo 2; echo 60; echo 2; echo "1 61 3"; echo "2 1 1"; } >"$tmp/wordid.txt"
expect_error "docword word id out of range" "wordid.txt:4.*wordID.*61" -- \
  fit lda --docword "$tmp/wordid.txt" --format uci --topics 3 -o "$tmp/x"
{ echo 2; echo 60; echo 2; echo "1 5 -2"; echo "2 1 1"; } >"$tmp/negative.txt"
expect_error "docword negative count" "negative.txt:4.*negative" -- \
  fit lda --docword "$tmp/negative.txt" --format uci --topics 3 -o "$tmp/x"
printf '2 0:1 7:2\n1 3:-4\n' >"$tmp/negative.dat"
expect_error "LDA-C negative count" "negative.dat:2.*negative" -- \
  fit lda --docword "$tmp/negative.dat" --topics 3 -o "$tmp/x"
printf '2 0:1 7:2\n1 75:1\n' >"$tmp/range.dat"
expect_error "LDA-C word id beyond the vocabulary" "range.dat:2.*75" -- \
  fit lda --docword "$tmp/range.dat" --vocab "$tmp/vocab.txt" --topics 3 -o "$tmp/x"
printf '3 0:1 7:2\n' >"$tmp/count.dat"
expect_error "LDA-C N vs pairs" "count.dat:1" -- fit lda --docword "$tmp/count.dat" --topics 3 -o "$tmp/x"
expect_error "missing corpus" "nope.dat" -- fit lda --docword "$tmp/nope.dat" --topics 3 -o "$tmp/x"
expect_error "K < 1" "--topics" -- fit lda --docword "$tmp/corpus.dat" --topics 0 -o "$tmp/x"
expect_error "kappa = 0.5" "--kappa" -- fit lda --docword "$tmp/corpus.dat" --topics 3 --kappa 0.5 -o "$tmp/x"
expect_error "kappa > 1" "--kappa" -- fit lda --docword "$tmp/corpus.dat" --topics 3 --kappa 1.5 -o "$tmp/x"
expect_error "resume without checkpoint" "--checkpoint" -- \
  fit lda --docword "$tmp/corpus.dat" --topics 3 --resume -o "$tmp/x"

# ---- fit gmm on a small CSV -------------------------------------------------------------
# 3 well-separated clusters of 100 points in 2-D plus a label column to drop
awk 'BEGIN {
  srand(11); print "x,y,label"
  for (i = 0; i < 300; i++) {
    k = i % 3
    u1 = rand(); u2 = rand(); r = sqrt(-2 * log(u1 + 1e-12))
    printf "%.6f,%.6f,%d\n", 6 * k + 0.5 * r * cos(6.283185307 * u2), (k == 1 ? 5 : -2) + 0.5 * r * sin(6.283185307 * u2), k
  }
}' >"$tmp/points.csv"
for method in cavi svi; do
  out="$tmp/gmm_$method"
  if "$elbo" fit gmm --data "$tmp/points.csv" --drop label --components 3 --method "$method" --threads 2 \
       --seed 2 --batch-size 60 --passes 30 --output "$out" -q --no-progress; then ok
  else fail "fit gmm --method $method exited non-zero"; fi
  [[ -s "$out/gmm.json" ]] && ok || fail "fit gmm --method $method did not write gmm.json"
  # the three weights are each about 1/3 and the means sit at the cluster centres
  if /usr/bin/python3 - "$out/gmm.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
w = sorted(s["weights"])
means = sorted((round(m[0]), round(m[1])) for m in s["means"])
sys.exit(0 if all(abs(v - 1 / 3) < 0.02 for v in w) and means == [(0, -2), (6, 5), (12, -2)] else 1)
PY
  then ok; else fail "fit gmm --method $method: weights/means off: $(head -c 300 "$out/gmm.json")"; fi
done
expect_error "gmm K < 1" "--components" -- fit gmm --data "$tmp/points.csv" --components 0 -o "$tmp/x"
printf 'x,y\n1,2\n3\n' >"$tmp/ragged.csv"
expect_error "gmm ragged CSV" "ragged.csv:3" -- fit gmm --data "$tmp/ragged.csv" --components 2 -o "$tmp/x"

# ---- a killed SVI run resumes from its checkpoint to the same topics ---------------------
common=(fit lda --docword "$tmp/corpus.dat" --topics 3 --method svi --batch-size 5 --passes 60
        --threads 1 --seed 9 --checkpoint-every 20 -q --no-progress)
"$elbo" "${common[@]}" --output "$tmp/whole" || fail "uninterrupted SVI run failed"
ckpt="$tmp/lda.ckpt"
"$elbo" "${common[@]}" --output "$tmp/killed" --checkpoint "$ckpt" &
pid=$!
for _ in $(seq 1 600); do [[ -f "$ckpt" ]] && break; sleep 0.02; done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if [[ -f "$ckpt" ]]; then ok; else fail "no checkpoint was written before the kill"; fi
if [[ -f "$tmp/killed/topics.csv" ]]; then
  fail "the run finished before it was killed (make it longer)"
fi
"$elbo" "${common[@]}" --output "$tmp/killed" --checkpoint "$ckpt" --resume || fail "resume failed"
if [[ -s "$tmp/whole/topics.csv" ]] && cmp -s "$tmp/whole/topics.csv" "$tmp/killed/topics.csv"; then ok
else fail "resumed run's topics differ from the uninterrupted run"; fi
grep -q '"resumed_from_step": [1-9]' "$tmp/killed/summary.json" && ok ||
  fail "summary.json does not record the resume step"
printf 'not a checkpoint' >"$tmp/bad.ckpt"
expect_error "corrupt checkpoint" "bad.ckpt" -- "${common[@]}" --checkpoint "$tmp/bad.ckpt" --output "$tmp/x" --resume

echo "conjugate cli: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
