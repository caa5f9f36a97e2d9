#!/usr/bin/env bash
# End-to-end tests of `elbo fit hmm`: simulated Gaussian and categorical HMM data
# (awk, seeded) fitted by CAVI, the factorised q and SVI, with hmm.json and
# states.csv checked; bad input and options give one stderr line naming the file,
# field or option and a non-zero exit.
# Usage: hmm_cli_test.sh ELBO_BINARY
set -u
elbo=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"
# Every elbo run pays ~1 s of LibTorch start-up, so runs go in the background, at
# most 4 at a time, and are checked after `wait`.
mkdir -p "$tmp/bg"
throttle() { while (($(jobs -rp | wc -l) >= 4)); do wait -n; done; }
run_bg() {  # run_bg NAME ARGS...: elbo ARGS > bg/NAME.{out,err,code}
  local name=$1
  shift
  throttle
  (timeout 120 "$elbo" "$@" >"$tmp/bg/$name.out" 2>"$tmp/bg/$name.err"; echo $? >"$tmp/bg/$name.code") &
}
error_cases=()
expect_error_bg() {  # as lib.sh's expect_error, checked by check_errors
  local name=$1 pattern=$2
  shift 3
  error_cases+=("$name"$'\t'"$pattern")
  run_bg "err_${#error_cases[@]}" "$@"
}
check_errors() {
  local i=0 entry name pattern code lines
  for entry in "${error_cases[@]}"; do
    i=$((i + 1))
    name=${entry%%$'\t'*}
    pattern=${entry#*$'\t'}
    code=$(cat "$tmp/bg/err_$i.code")
    lines=$(wc -l <"$tmp/bg/err_$i.err")
    if [[ $code -eq 0 || $code -ge 124 ]]; then
      fail "$name: exit code $code (want a clean non-zero exit)"
    elif [[ $lines -ne 1 ]]; then
      fail "$name: $lines lines on stderr (want 1): $(cat "$tmp/bg/err_$i.err")"
    elif ! grep -Eq -- "$pattern" "$tmp/bg/err_$i.err"; then
      fail "$name: message '$(cat "$tmp/bg/err_$i.err")' does not match /$pattern/"
    else
      ok
    fi
  done
}

# ---- data: 3 sticky states, 2-D Gaussian emissions, 4 sequences of 1500 steps ----------
# state means (-2,0), (0,2), (2,0), sd 0.7; P(stay) = 0.9, else one of the others.
awk 'BEGIN {
  srand(17); print "id,x,y"
  mx[0] = -2; my[0] = 0; mx[1] = 0; my[1] = 2; mx[2] = 2; my[2] = 0
  for (s = 0; s < 4; s++) {
    z = int(rand() * 3)
    for (t = 0; t < 1500; t++) {
      if (t > 0 && rand() >= 0.9) z = (z + 1 + int(rand() * 2)) % 3
      u1 = rand(); u2 = rand(); if (u1 < 1e-12) u1 = 1e-12
      r = sqrt(-2 * log(u1)); a = 6.283185307179586 * u2
      printf "%d,%.5f,%.5f\n", 10 + s, mx[z] + 0.7 * r * cos(a), my[z] + 0.7 * r * sin(a)
    }
  }
}' >"$tmp/gauss.csv"
[[ $(wc -l <"$tmp/gauss.csv") -eq 6001 ]] && ok || fail "generator wrote $(wc -l <"$tmp/gauss.csv") lines"
# symbols 0..3; state k emits symbol k with probability 0.7, else uniform
awk 'BEGIN {
  srand(23); print "symbol"
  z = 0
  for (t = 0; t < 4000; t++) {
    if (t > 0 && rand() >= 0.92) z = (z + 1 + int(rand() * 2)) % 3
    v = (rand() < 0.7) ? z : int(rand() * 4)
    print v
  }
}' >"$tmp/cat.csv"

# ---- fits: each method writes hmm.json and states.csv -----------------------------------
check_fit() {  # check_fit DIR ROWS K: states.csv shape, hmm.json fields, sticky transitions
  local dir=$1 rows=$2 K=$3
  [[ -s "$dir/hmm.json" && -s "$dir/states.csv" ]] || { fail "$dir: outputs missing"; return; }
  ok
  local lines cols
  lines=$(wc -l <"$dir/states.csv")
  cols=$(head -n1 "$dir/states.csv" | awk -F, '{print NF}')
  [[ $lines -eq $((rows + 1)) && $cols -eq $((K + 3)) ]] && ok || fail "$dir/states.csv is ${lines}×${cols}"
  if python3 - "$dir/hmm.json" "$dir/states.csv" "$K" <<'EOF'; then ok; else fail "$dir: hmm.json/states.csv checks failed"; fi
import csv, json, math, sys
j = json.load(open(sys.argv[1])); K = int(sys.argv[3])
A = j["parameters"]["transition"]["mean"]; sd = j["parameters"]["transition"]["sd"]
assert len(A) == K and all(abs(sum(r) - 1) < 1e-9 for r in A), A
assert all(A[i][i] > 0.8 for i in range(K)), A          # the simulated chains are sticky
assert all(0 < sd[i][j] < 0.05 for i in range(K) for j in range(K)), sd
assert math.isfinite(j["elbo"]) and math.isfinite(j["log_likelihood"]), j
tr = j["elbo_trace"]
vals = [t["elbo"] if isinstance(t, dict) else t for t in tr]
if j["method"] != "svi":
    assert all(b >= a - 1e-9 * abs(a) for a, b in zip(vals, vals[1:])), "ELBO trace not monotone"
assert abs(vals[-1] - j["elbo"]) < 1e-3 * abs(j["elbo"]) or j["method"] == "svi"
rows = list(csv.DictReader(open(sys.argv[2])))
for r in rows[:50] + rows[-50:]:
    p = [float(r[f"p{k}"]) for k in range(K)]
    assert abs(sum(p) - 1) < 1e-4 and 0 <= int(r["viterbi"]) < K, r
# the Viterbi state is the most probable marginal state nearly everywhere
agree = sum(int(r["viterbi"]) == max(range(K), key=lambda k: float(r[f"p{k}"])) for r in rows)
assert agree > 0.95 * len(rows), agree
EOF
}

for method in cavi meanfield svi; do
  run_bg "fit_$method" fit hmm --data "$tmp/gauss.csv" --sequence-column id --states 3 --emission gaussian \
    --method "$method" --seed 2 --threads 2 --output "$tmp/gauss_$method" -q
done
head -n 3001 "$tmp/gauss.csv" | cut -d, -f2,3 >"$tmp/long.csv"
{ echo "x,y"; tail -n 1500 "$tmp/gauss.csv" | cut -d, -f2,3; } >"$tmp/heldout.csv"
# one long sequence by buffered subchains, with a held-out file scored
run_bg fit_sub fit hmm --data "$tmp/long.csv" --heldout "$tmp/heldout.csv" --states 3 --emission gaussian --method svi \
  --subchain-length 100 --buffer 10 --batch-size 5 --passes 20 --output "$tmp/sub" -q
run_bg fit_cat fit hmm --data "$tmp/cat.csv" --states 3 --emission categorical --seed 1 --restarts 2 --output "$tmp/cat" -q
# the printed summary (not quiet) shows the transition matrix
run_bg print fit hmm --data "$tmp/long.csv" --states 2 --emission gaussian --max-iter 5 --no-progress
# ---- bad input: one stderr line naming the file / field / option, non-zero exit ---------
g=(--states 3 --emission gaussian -o "$tmp/x")
{ echo "x,y"; echo "1,2"; echo "3"; echo "4,5"; } >"$tmp/ragged.csv"
expect_error_bg "ragged row" "ragged.csv:3" -- fit hmm --data "$tmp/ragged.csv" "${g[@]}"
{ echo "x,y"; echo "1,2"; echo "NaN,2"; echo "4,5"; } >"$tmp/nan.csv"
expect_error_bg "NaN value" "nan.csv:3.*x" -- fit hmm --data "$tmp/nan.csv" "${g[@]}"
{ echo "id,x"; echo "1,0.5"; echo "2,0.1"; echo "1,0.3"; echo "2,0.2"; } >"$tmp/unsorted.csv"
expect_error_bg "unsorted sequence ids" "unsorted.csv:4.*'id'.*sorted" -- \
  fit hmm --data "$tmp/unsorted.csv" --sequence-column id --states 2 --emission gaussian -o "$tmp/x"
echo "x,y" >"$tmp/empty.csv"
{ echo "x,y"; echo "1,2"; echo "3,1"; echo "4,5"; } >"$tmp/ragged_free.csv"
expect_error_bg "empty data" "empty.csv.*no data" -- fit hmm --data "$tmp/empty.csv" "${g[@]}"
expect_error_bg "K < 1" "states.*0.*at least 1" -- fit hmm --data "$tmp/long.csv" --states 0 --emission gaussian
expect_error_bg "K > T" "states.*at most the number of steps" -- fit hmm --data "$tmp/ragged_free.csv" --states 9 --emission gaussian
expect_error_bg "missing column" "nosuch" -- fit hmm --data "$tmp/long.csv" --columns x,nosuch "${g[@]}"
expect_error_bg "unknown emission" "emission" -- fit hmm --data "$tmp/long.csv" --states 3 --emission poisson
expect_error_bg "categorical needs one column" "categorical.*one column" -- \
  fit hmm --data "$tmp/long.csv" --states 2 --emission categorical
{ echo "s"; echo "0"; echo "1.5"; echo "2"; } >"$tmp/sym.csv"
expect_error_bg "non-integer symbol" "sym.csv:3.*'s'.*integer" -- fit hmm --data "$tmp/sym.csv" --states 2 --emission categorical
expect_error_bg "restarts with svi" "restarts.*cavi" -- fit hmm --data "$tmp/long.csv" "${g[@]}" --method svi --restarts 2
expect_error_bg "kappa out of range" "kappa" -- fit hmm --data "$tmp/long.csv" "${g[@]}" --method svi --kappa 0.3
expect_error_bg "svi option without svi" "subchain-length.*svi" -- fit hmm --data "$tmp/long.csv" "${g[@]}" --subchain-length 10

wait

# ---- the fits' results --------------------------------------------------------------------
for name in fit_cavi fit_meanfield fit_svi fit_sub fit_cat print; do
  [[ $(cat "$tmp/bg/$name.code") -eq 0 ]] && ok || fail "$name exited $(cat "$tmp/bg/$name.code"): $(cat "$tmp/bg/$name.err")"
done
for method in cavi meanfield svi; do check_fit "$tmp/gauss_$method" 6000 3; done
# the sequence ids are written back, steps restart at 0 in each sequence
awk -F, 'NR == 2 && !($1 == 10 && $2 == 0) { bad = 1 } NR == 1502 && !($1 == 11 && $2 == 0) { bad = 1 }
  END { exit bad }' "$tmp/gauss_cavi/states.csv" && ok || fail "states.csv sequence/step columns: $(sed -n 1502p "$tmp/gauss_cavi/states.csv")"
# the structured q's ELBO is above the factorised q's
python3 -c "
import json, sys
s = json.load(open('$tmp/gauss_cavi/hmm.json'))['elbo']; f = json.load(open('$tmp/gauss_meanfield/hmm.json'))['elbo']
sys.exit(0 if s > f else 1)" && ok || fail "structured ELBO not above the factorised one"
# one long sequence by buffered subchains, with a held-out file scored
check_fit "$tmp/sub" 3000 3
python3 -c "
import json, sys
j = json.load(open('$tmp/sub/hmm.json'))
assert j['subchain_length'] == 100 and j['units'] == 30 and j['batch_size'] == 5, j
assert -4.5 < j['heldout_log_likelihood_per_step'] < -2.0, j['heldout_log_likelihood_per_step']" && ok ||
  fail "svi subchain hmm.json: $(head -c 300 "$tmp/sub/hmm.json")"
# categorical emissions
check_fit "$tmp/cat" 4000 3
python3 -c "
import json
e = json.load(open('$tmp/cat/hmm.json'))['parameters']['emission']
assert e['type'] == 'categorical' and e['num_symbols'] == 4
assert sorted(max(r) for r in e['probabilities_mean'])[0] > 0.6, e['probabilities_mean']
j = json.load(open('$tmp/cat/hmm.json'))
assert len(j['restart_elbos']) == 2 and j['elbo_trace'][-1] == max(j['restart_elbos']), j['restart_elbos']" && ok ||
  fail "categorical emission probabilities not recovered"
# the printed summary (not quiet) shows the transition matrix
grep -q "transition matrix" "$tmp/bg/print.out" && ok || fail "summary not printed: $(cat "$tmp/bg/print.out")"

check_errors
echo "hmm cli: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
