#!/usr/bin/env bash
# End-to-end tests of `mpirun -np 2 elbo fit lda|gmm` on loopback (issue 19):
#   1. a 2-rank run equals the 1-rank run (--distributed) with the same global
#      minibatch size and seed: LDA λ and the GMM's q(π) q(μ, Λ) to 1e-10;
#   2. a 2-rank SVI run whose ranks are SIGKILLed mid-run, resumed from its checkpoint (on 2
#      ranks, and on 1) ends where the uninterrupted run ends;
#   3. a malformed shard on rank 1 ends the whole job within seconds, non-zero,
#      with one error line naming the file, the line and the rank;
#   4. an invalid option under mpirun: one error line (rank 0's), exit 2;
#   5. gradient-based ADVI (`fit logistic`, distributed::ShardedLogDensity): a 2-rank run
#      equals the 1-rank --distributed run (full batch and minibatch; summary means and
#      the draws' mean row to 1e-6 relative, λ itself agrees to ~1e-12 in the unit
#      tests), a killed 2-rank run resumed from rank 0's checkpoint on 2 and on 1 rank
#      ends where the uninterrupted run ends, a malformed shard or a bad target on rank
#      1 aborts the job within seconds with one line naming file, line and rank; fit
#      poisson and linear (minibatches) agree across rank counts as logistic does.
# Data are generated here (awk, fixed seeds). Usage: mpi_cli_test.sh ELBO MPIEXEC
set -u
elbo=$1
mpiexec=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../cli/lib.sh"

# Loopback only; root is fine in CI containers; 2 ranks may exceed the cores.
export OMPI_MCA_btl=self,tcp OMPI_MCA_btl_tcp_if_include=lo OMPI_MCA_oob_tcp_if_include=lo
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_hwloc_base_binding_policy=none
mpirun2() { timeout 60 "$mpiexec" --allow-run-as-root --oversubscribe -np 2 "$@"; }
py=/usr/bin/python3

# ---- data: 400 documents from 4 topics over 80 words (LDA-C); 3 clusters in 3-D ----
awk -v docs=400 'BEGIN {
  srand(17)
  for (d = 0; d < docs; d++) {
    a = int(rand() * 4); b = (a + 1) % 4; mix = rand(); len = 20 + int(rand() * 50)
    delete cnt; n = 0
    for (i = 0; i < len; i++) {
      t = (rand() < mix) ? a : b
      w = (rand() < 0.85) ? 20 * t + int(rand() * 20) : int(rand() * 80)
      if (!(w in cnt)) n++
      cnt[w]++
    }
    line = n
    for (w = 0; w < 80; w++) if (w in cnt) line = line " " w ":" cnt[w]
    print line
  }
}' >"$tmp/corpus.dat"
awk 'BEGIN {
  srand(23); print "x,y,z,label"
  for (i = 0; i < 600; i++) {
    k = i % 3; u1 = rand(); u2 = rand(); r = sqrt(-2 * log(u1 + 1e-12))
    printf "%.6f,%.6f,%.6f,%d\n", 5 * k + 0.7 * r * cos(6.283185307 * u2), (k == 1 ? 4 : -1) + 0.5 * r * sin(6.283185307 * u2), rand() + k, k
  }
}' >"$tmp/points.csv"

# max relative difference of two CSV matrices (header row skipped) / of the GMM's globals
csv_diff() {
  $py - "$1" "$2" <<'PY'
import csv, sys
def read(p):
    rows = list(csv.reader(open(p)))[1:]
    return [float(v) for r in rows for v in r]
a, b = read(sys.argv[1]), read(sys.argv[2])
assert len(a) == len(b) and len(a) > 0, (len(a), len(b))
print(max(abs(x - y) / max(1.0, abs(x), abs(y)) for x, y in zip(a, b)))
PY
}
gmm_diff() {
  $py - "$1" "$2" <<'PY'
import json, sys
def flat(v):
    return [x for e in v for x in flat(e)] if isinstance(v, list) else [float(v)]
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
keys = ["weight_concentration", "mean_precision", "degrees_of_freedom", "means", "covariances", "elbo"]
x = [v for k in keys for v in flat(a[k])]
y = [v for k in keys for v in flat(b[k])]
assert len(x) == len(y) and len(x) > 0
print(max(abs(p - q) / max(1.0, abs(p), abs(q)) for p, q in zip(x, y)))
PY
}
below() { $py -c "import sys; sys.exit(0 if float('$1') < float('$2') else 1)"; }
# expect_abort WHAT ERRFILE PATTERN -- ARGS…: `mpirun2 ARGS` must end within 10 s with a
# failing exit code (not a timeout) and exactly one `elbo: error:` line matching PATTERN.
expect_abort() {
  local what=$1 err=$2 pattern=$3 start code elapsed lines
  shift 4
  start=$(date +%s.%N)
  mpirun2 "$@" >/dev/null 2>"$err"
  code=$?
  elapsed=$($py -c "print($(date +%s.%N) - $start)")
  if [[ $code -ne 0 && $code -lt 124 ]]; then ok; else fail "$what: exit code $code"; fi
  below "$elapsed" 10 && ok || fail "$what: the job took $elapsed s to end"
  lines=$(grep -c '^elbo: error:' "$err")
  [[ $lines -eq 1 ]] && ok || fail "$what: $lines elbo error lines: $(cat "$err")"
  grep -Eq "$pattern" "$err" && ok || fail "$what: message does not match '$pattern': $(grep '^elbo' "$err")"
}

# ---- 1. two ranks = one rank ---------------------------------------------------------
lda=(fit lda --docword "$tmp/corpus.dat" --topics 4 --method svi --batch-size 32 --max-iter 60 --seed 5
     --threads 1 -q --no-progress)
"$elbo" "${lda[@]}" --distributed -o "$tmp/lda1" && ok || fail "1-rank distributed LDA exited non-zero"
mpirun2 "$elbo" "${lda[@]}" -o "$tmp/lda2" && ok || fail "2-rank LDA exited non-zero"
d=$(csv_diff "$tmp/lda1/topic_word_counts.csv" "$tmp/lda2/topic_word_counts.csv")
below "$d" 1e-10 && ok || fail "LDA: 2 ranks differ from 1 by $d (want < 1e-10)"
# the runs did learn something: λ is far from its Gamma(100, 1/100) start (≈ 1)
big=$($py -c "import csv; print(max(float(v) for r in list(csv.reader(open('$tmp/lda2/topic_word_counts.csv')))[1:] for v in r))")
below 20 "$big" && ok || fail "LDA: largest topic-word count $big, the fit did not move"
$py - "$tmp/lda2/summary.json" <<'PY' && ok || fail "LDA 2-rank summary.json: $(head -c 400 "$tmp/lda2/summary.json")"
import json, sys
s = json.load(open(sys.argv[1]))
d = s["distributed"]
# one allreduce per step of K·V statistics + the local bound + |B|, 8 bytes each
assert d["ranks"] == 2 and d["allreduces"] == 60 and d["bytes_per_allreduce"] == 8 * (4 * 80 + 2), d
assert s["documents"] == 400 and s["steps"] == 60
PY
# out of core (documents read from disk per minibatch): the same steps, bit for bit, on 2
# ranks and in one process; an in-memory shard over --max-memory is refused, naming the way out
mpirun2 "$elbo" "${lda[@]}" --out-of-core -o "$tmp/lda2disk" && ok || fail "2-rank out-of-core LDA exited non-zero"
"$elbo" "${lda[@]}" --out-of-core -o "$tmp/lda1disk" && ok || fail "1-process out-of-core LDA exited non-zero"
for r in 1 2; do
  d=$(csv_diff "$tmp/lda$r/topic_word_counts.csv" "$tmp/lda${r}disk/topic_word_counts.csv")
  below "$d" 1e-300 && ok || fail "LDA out of core on $r ranks differs from in memory by $d (want 0)"
done
$py -c "import json,sys; s=json.load(open('$tmp/lda2disk/summary.json')); sys.exit(0 if s['out_of_core'] and s['distributed']['ranks'] == 2 else 1)" &&
  ok || fail "out-of-core summary.json: $(head -c 300 "$tmp/lda2disk/summary.json")"
"$elbo" "${lda[@]}" --distributed --max-memory 50K -o "$tmp/ldabudget" 2>"$tmp/budget.err"
code=$?
[[ $code -eq 2 ]] && grep -q -- "--max-memory 50 kB; add --out-of-core" "$tmp/budget.err" && ok ||
  fail "in-memory shard over budget: exit $code, $(cat "$tmp/budget.err")"
"$elbo" "${lda[@]}" --out-of-core --max-memory 50K -o "$tmp/ldabudget" && ok ||
  fail "out of core within --max-memory 50K exited non-zero"

# a single-process run is unchanged: not the distributed driver, no "distributed" section
"$elbo" "${lda[@]}" -o "$tmp/lda0" && ok || fail "single-process LDA exited non-zero"
$py -c "import json,sys; sys.exit('distributed' in json.load(open('$tmp/lda0/summary.json')))" && ok ||
  fail "a plain single-process run used the distributed driver"

for method in svi cavi; do
  gmm=(fit gmm --data "$tmp/points.csv" --drop label --components 3 --method "$method" --batch-size 50
       --max-iter 40 --seed 3 --threads 1 -q --no-progress)
  "$elbo" "${gmm[@]}" --distributed -o "$tmp/gmm1$method" && ok || fail "1-rank GMM $method exited non-zero"
  mpirun2 "$elbo" "${gmm[@]}" -o "$tmp/gmm2$method" && ok || fail "2-rank GMM $method exited non-zero"
  d=$(gmm_diff "$tmp/gmm1$method/gmm.json" "$tmp/gmm2$method/gmm.json")
  below "$d" 1e-10 && ok || fail "GMM $method: 2 ranks differ from 1 by $d (want < 1e-10)"
  # and the mixture is right: three components of weight ≈ 1/3
  $py -c "
import json, sys
w = sorted(json.load(open('$tmp/gmm2$method/gmm.json'))['weights'])
sys.exit(0 if all(abs(x - 1/3) < 0.05 for x in w) else 1)" && ok ||
    fail "GMM $method: weights $(grep -o '"weights":[^]]*' "$tmp/gmm2$method/gmm.json")"
done

# ---- 2. resume after a killed 2-rank run -----------------------------------------------
# 2000 steps with tight E-steps: a few seconds, so the kill lands mid-run
long=(fit lda --docword "$tmp/corpus.dat" --topics 4 --method svi --batch-size 64 --max-iter 2000 --seed 9
      --local-tol 1e-6 --threads 1 -q --no-progress)
mpirun2 "$elbo" "${long[@]}" -o "$tmp/full" && ok || fail "uninterrupted 2-rank run exited non-zero"
ckpt="$tmp/run.ckpt"
"$mpiexec" --allow-run-as-root --oversubscribe -np 2 "$elbo" "${long[@]}" --checkpoint "$ckpt" \
  --checkpoint-every 1 -o "$tmp/killed" >/dev/null 2>&1 &
job=$!
# the checkpoint is compact JSON written atomically: '"step":N'
step_of() { local s; s=$(grep -o '"step":[0-9]*' "$ckpt" 2>/dev/null | cut -d: -f2); echo "${s:-0}"; }
for _ in $(seq 1 600); do  # up to 30 s for the first 30 steps
  [[ $(step_of) -ge 30 ]] && break
  sleep 0.05
done
# SIGKILL the ranks (mpirun's children), as a crashed node would; mpirun then ends the job
ranks=$(pgrep -P "$job")
[[ -n "$ranks" ]] && kill -KILL $ranks 2>/dev/null
kill -TERM "$job" 2>/dev/null
wait "$job" 2>/dev/null
killed_at=$(step_of)
if [[ $killed_at -ge 30 && $killed_at -lt 2000 && ! -e "$tmp/killed/summary.json" ]]; then ok
else fail "the run was not killed mid-run (checkpoint at step $killed_at of 2000)"; fi
echo "resume test: killed at step $killed_at of 2000"
cp "$ckpt" "$tmp/run1.ckpt"
mpirun2 "$elbo" "${long[@]}" --checkpoint "$ckpt" --checkpoint-every 1 --resume -o "$tmp/resumed2" &&
  ok || fail "resumed 2-rank run exited non-zero"
"$elbo" "${long[@]}" --distributed --checkpoint "$tmp/run1.ckpt" --checkpoint-every 1 --resume \
  -o "$tmp/resumed1" && ok || fail "resumed 1-rank run exited non-zero"
for r in resumed2 resumed1; do
  d=$(csv_diff "$tmp/full/topic_word_counts.csv" "$tmp/$r/topic_word_counts.csv")
  below "$d" 1e-10 && ok || fail "$r (killed at step $killed_at) differs from the uninterrupted run by $d"
  $py -c "import json,sys; s=json.load(open('$tmp/$r/summary.json')); sys.exit(0 if s['resumed_from_step'] >= $killed_at and s['steps'] == 2000 else 1)" &&
    ok || fail "$r: summary.json does not record the resume at step $killed_at"
done

# ---- 3. a malformed shard on one rank aborts the job -----------------------------------
# line 350 is in rank 1's half of the file: a word id that is not a number
awk 'NR == 350 { $2 = "x" substr($2, 2) } { print }' "$tmp/corpus.dat" >"$tmp/bad.dat"
expect_abort "malformed shard" "$tmp/bad.err" "^elbo: error: .*bad\.dat:350: .*rank 1 of 2" -- \
  "$elbo" fit lda --docword "$tmp/bad.dat" --topics 4 --max-iter 5 --threads 1 -q -o "$tmp/bad"

expect_abort "malformed shard, out of core" "$tmp/bad.err" "^elbo: error: .*bad\.dat:350: .*rank 1 of 2" -- \
  "$elbo" fit lda --docword "$tmp/bad.dat" --topics 4 --max-iter 5 --threads 1 -q --out-of-core -o "$tmp/bad"

# ---- 4. an invalid option: one line, from rank 0 -----------------------------------------
mpirun2 "$elbo" fit lda --docword "$tmp/corpus.dat" --topics 4 --method cvb0 -q >/dev/null 2>"$tmp/opt.err"
code=$?
[[ $code -ne 0 && $code -lt 124 ]] && ok || fail "cvb0 under mpirun: exit code $code"
lines=$(grep -c '^elbo: error:' "$tmp/opt.err")
[[ $lines -eq 1 ]] && grep -q -- "--method cvb0" "$tmp/opt.err" && ok ||
  fail "cvb0 under mpirun: want one line naming --method: $(cat "$tmp/opt.err")"

# ---- 5. gradient-based ADVI: fit logistic ---------------------------------------------------
awk -v n=20000 'BEGIN { srand(31); print "x1,x2,x3,x4,y"
  for (i = 0; i < n; i++) { a = rand() * 4 - 2; b = 10 * (rand() - 0.5) + 50; c = rand(); d = (rand() < 0.3)
    eta = 0.3 + 0.8 * a - 0.1 * (b - 50) + 1.5 * c - 0.7 * d; y = (rand() < 1 / (1 + exp(-eta))) ? 1 : 0
    printf "%.5f,%.4f,%.5f,%d,%d\n", a, b, c, d, y } }' >"$tmp/lr.csv"
# max relative difference of the summary means (and of the draws' mean row) of two fits
means_diff() {
  $py - "$1" "$2" <<'PY'
import csv, json, sys
a, b = (json.load(open(d + "/summary.json")) for d in sys.argv[1:3])
x = [a["summary"][k]["mean"] for k in sorted(a["summary"])]
y = [b["summary"][k]["mean"] for k in sorted(a["summary"])]
rows = [list(csv.reader(l for l in open(d + "/draws.csv") if not l.startswith("#"))) for d in sys.argv[1:3]]
x += [float(v) for v in rows[0][1]]
y += [float(v) for v in rows[1][1]]
assert len(x) == len(y) and len(x) > 5
print(max(abs(p - q) / max(1.0, abs(p), abs(q)) for p, q in zip(x, y)))
PY
}
for batch in 0 500; do
  lr=(fit logistic --data "$tmp/lr.csv" --max-iter 1500 --batch-size "$batch" --seed 4 --threads 1 -q)
  "$elbo" "${lr[@]}" --distributed -o "$tmp/lr1_$batch" 2>/dev/null && ok || fail "1-rank ADVI (batch $batch) exited non-zero"
  mpirun2 "$elbo" "${lr[@]}" -o "$tmp/lr2_$batch" 2>/dev/null && ok || fail "2-rank ADVI (batch $batch) exited non-zero"
  d=$(means_diff "$tmp/lr1_$batch" "$tmp/lr2_$batch")
  echo "ADVI batch $batch: 2 ranks vs 1, largest relative difference of the means $d"
  below "$d" 1e-6 && ok || fail "ADVI batch $batch: 2 ranks differ from 1 by $d (want < 1e-6)"
  $py - "$tmp/lr2_$batch/summary.json" "$batch" <<'PY' && ok || fail "ADVI 2-rank summary.json (batch $batch): $(head -c 600 "$tmp/lr2_$batch/summary.json")"
import json, sys
s = json.load(open(sys.argv[1]))
d = s["distributed"]
# 8 draws per step: 8 log p values forward, 8 × 5 gradients back
assert d["ranks"] == 2 and d["rows_per_rank"] in (9999, 10000, 10001) and d["bytes_per_step"] == 8 * (8 + 8 * 5), d
assert d["allreduces"] >= 2 * s["iterations"] and d["allreduce_seconds"] >= 0, d
assert s["data"]["rows"] == 20000 and s["settings"]["batch_size"] == int(sys.argv[2])
# standardised with the global moments: x2's mean is 50, sd 10/sqrt(12)
sc = s["data"]["scaling"][1]
assert abs(sc["mean"] - 50) < 0.1 and abs(sc["sd"] - 10 / 12 ** 0.5) < 0.05, sc
# and the fit is right: x1's standardised coefficient ≈ 0.8 × sd(x1) = 0.92
assert abs(s["summary"]["beta.1"]["mean"] - 0.8 * 4 / 12 ** 0.5) < 0.1, s["summary"]["beta.1"]
PY
done
# the other regressions (a positive sigma latent: its Jacobian is averaged over ranks with the prior)
for reg in "poisson --target y" "linear --target x1"; do
  read -r -a cmd <<<"$reg"
  r=(fit "${cmd[@]}" --data "$tmp/lr.csv" --max-iter 600 --batch-size 1000 --seed 2 --threads 1 -q)
  "$elbo" "${r[@]}" --distributed -o "$tmp/reg1" 2>/dev/null && mpirun2 "$elbo" "${r[@]}" -o "$tmp/reg2" 2>/dev/null &&
    ok || fail "fit $reg under mpirun exited non-zero"
  d=$(means_diff "$tmp/reg1" "$tmp/reg2")
  echo "fit $reg, batch 1000: 2 ranks vs 1, largest relative difference of the means $d"
  below "$d" 1e-6 && ok || fail "fit $reg: 2 ranks differ from 1 by $d (want < 1e-6)"
done
# a plain single-process fit is not the distributed path
"$elbo" fit logistic --data "$tmp/lr.csv" --max-iter 300 --threads 1 -q -o "$tmp/lr0" 2>/dev/null && ok ||
  fail "single-process ADVI exited non-zero"
$py -c "import json,sys; sys.exit('distributed' in json.load(open('$tmp/lr0/summary.json')))" && ok ||
  fail "a plain single-process ADVI run used the distributed path"

# killed mid-run, resumed from rank 0's checkpoint on 2 ranks and on 1
# 3000 steps (about 2 s on 2 ranks here); killed once the first checkpoint (step 100) is written
long=(fit logistic --data "$tmp/lr.csv" --max-iter 3000 --tol-rel-obj 1e-9 --seed 6 --threads 1 -q)
mpirun2 "$elbo" "${long[@]}" -o "$tmp/lrfull" 2>/dev/null && ok || fail "uninterrupted 2-rank ADVI exited non-zero"
ckpt="$tmp/advi.ckpt"
"$mpiexec" --allow-run-as-root --oversubscribe -np 2 "$elbo" "${long[@]}" --checkpoint "$ckpt" \
  --checkpoint-every 100 -o "$tmp/lrkilled" >/dev/null 2>&1 &
job=$!
for _ in $(seq 1 1200); do [[ -s "$ckpt" ]] && break; sleep 0.025; done
ranks=$(pgrep -P "$job")
[[ -n "$ranks" ]] && kill -KILL $ranks 2>/dev/null
kill -TERM "$job" 2>/dev/null
wait "$job" 2>/dev/null
if [[ -s "$ckpt" && ! -e "$tmp/lrkilled/summary.json" ]]; then ok
else fail "the ADVI run was not killed mid-run (checkpoint: $(ls -l "$ckpt" 2>&1))"; fi
cp "$ckpt" "$tmp/advi1.ckpt"
mpirun2 "$elbo" "${long[@]}" --checkpoint "$ckpt" --checkpoint-every 100 --resume -o "$tmp/lrres2" 2>/dev/null &&
  ok || fail "resumed 2-rank ADVI exited non-zero"
"$elbo" "${long[@]}" --distributed --checkpoint "$tmp/advi1.ckpt" --checkpoint-every 100 --resume \
  -o "$tmp/lrres1" 2>/dev/null && ok || fail "resumed 1-rank ADVI exited non-zero"
for r in lrres2 lrres1; do
  d=$(means_diff "$tmp/lrfull" "$tmp/$r")
  echo "ADVI resume ($r): largest relative difference from the uninterrupted run $d"
  below "$d" 1e-6 && ok || fail "ADVI $r differs from the uninterrupted run by $d"
  $py -c "import json,sys; s=json.load(open('$tmp/$r/summary.json')); sys.exit(0 if s['resumed'] and s['iterations'] == 3000 else 1)" &&
    ok || fail "ADVI $r: summary.json does not record the resume"
done

# a malformed shard, and a target that is not 0/1, on rank 1 (line 15000 of 20001)
for bad in field target; do
  if [[ $bad == field ]]; then awk 'NR == 15000 { $0 = "0.1,x2,0.3,0,1" } { print }' "$tmp/lr.csv" >"$tmp/lrbad.csv"
  else awk 'NR == 15000 { $0 = "0.1,50,0.3,0,2" } { print }' "$tmp/lr.csv" >"$tmp/lrbad.csv"; fi
  expect_abort "ADVI, bad $bad" "$tmp/lrbad.err" "^elbo: error: .*lrbad\.csv:15000: .*rank 1 of 2" -- \
    "$elbo" fit logistic --data "$tmp/lrbad.csv" --max-iter 50 --threads 1 -q -o "$tmp/lrbad"
done
# a method that is not distributed: one line, exit 2
mpirun2 "$elbo" fit logistic --data "$tmp/lr.csv" --method laplace -q >/dev/null 2>"$tmp/lropt.err"
code=$?
[[ $code -eq 2 ]] && [[ $(grep -c '^elbo: error:' "$tmp/lropt.err") -eq 1 ]] && grep -q -- "--method laplace" "$tmp/lropt.err" &&
  ok || fail "laplace under mpirun: want exit 2 and one line naming --method: code $code, $(cat "$tmp/lropt.err")"

echo "distributed CLI: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
