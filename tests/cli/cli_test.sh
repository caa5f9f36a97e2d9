#!/usr/bin/env bash
# End-to-end tests of the `elbo` command: the default job, outputs in the
# formats promised, one-line errors with a non-zero exit on bad input, and a
# killed run that resumes from its checkpoint to the same result.
# Usage: cli_test.sh ELBO_BINARY SOURCE_DIR
set -u  # no pipefail: `... | head -n1` pipelines end their writers with SIGPIPE
elbo=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"

# ---- the default job: logistic regression on the built-in data -----------------
out="$tmp/default"
if "$elbo" fit logistic --output "$out" --draws 200 -q; then ok; else fail "default fit exited non-zero"; fi
draws="$out/draws.csv"
if [[ -f "$draws" && -f "$out/summary.json" ]]; then ok; else fail "default fit did not write draws.csv and summary.json"; fi
header=$(grep -v '^#' "$draws" | head -n1)
expected="lp__,log_p__,log_g__,alpha,beta.1,beta.2"
[[ $header == "$expected"* && $header == *",beta.30" ]] && ok || fail "draws header is '$header'"
rows=$(grep -v '^#' "$draws" | tail -n +2 | wc -l)
[[ $rows -eq 201 ]] && ok || fail "draws.csv has $rows rows (want mean row + 200)"
grep -v '^#' "$draws" | sed -n 2p | grep -q '^0,0,0,' && ok || fail "first row is not CmdStan's mean row"
grep -q '^# *method = variational' "$draws" && ok || fail "no CmdStan method comment"
for key in '"pareto_k"' '"elbo_trace"' '"time_seconds"' '"summary_original_scale"' '"scaling"'; do
  grep -q "$key" "$out/summary.json" && ok || fail "summary.json lacks $key"
done

# ---- the other models ---------------------------------------------------------------
if "$elbo" fit eight_schools --non-centered --family meanfield --output "$tmp/es" --draws 100 -q \
     --max-iter 2000; then ok; else fail "eight_schools exited non-zero"; fi
grep -v '^#' "$tmp/es/draws.csv" | head -n1 | grep -q 'mu,tau,theta_tilde.1,.*theta.8$' && ok ||
  fail "eight_schools columns: $(grep -v '^#' "$tmp/es/draws.csv" | head -n1)"

cat >"$tmp/linear.json" <<'JSON'
{"N": 6, "D": 1, "X": [[1], [2], [3], [4], [5], [6]], "y": [1.1, 1.9, 3.2, 3.9, 5.1, 6.0]}
JSON
if "$elbo" fit linear --data "$tmp/linear.json" --output "$tmp/lin" --draws 100 -q --max-iter 2000; then ok;
else fail "linear on JSON data exited non-zero"; fi
grep -v '^#' "$tmp/lin/draws.csv" | head -n1 | grep -q 'alpha,beta.1,sigma$' && ok || fail "linear columns"

printf 'x1,x2,count\n0.5,1,3\n1.5,0,1\n2.5,1,7\n0.1,0,0\n' >"$tmp/pois.csv"
if "$elbo" fit poisson --data "$tmp/pois.csv" --output "$tmp/pois" --draws 100 -q --max-iter 1000; then ok;
else fail "poisson exited non-zero"; fi

# ---- every method and a sample of families and objectives write the same outputs ----------
method_runs=(
  "laplace|--method laplace"
  "svgd|--method svgd --particles 40 --max-iter 200"
  "boosting|--method boosting --components 2 --max-iter 300"
  "constant_sgd|--method constant_sgd --batch-size 20"
  "flow|--family flow:iaf*2 --max-iter 300"
  "mixture|--family mixture:2:diag --max-iter 300"
  "copula|--family copula --max-iter 300"
  "renyi|--objective renyi:0.5 --max-iter 300"
  "renyi_mixture|--family mixture:3 --objective renyi:0.5 --resample always --max-iter 300"
  "iwae|--objective iwae:4 --max-iter 300"
  "chi|--objective chi --family meanfield --max-iter 300"
  "reinforce|--objective reinforce+cv+rb --family meanfield --grad-draws 16 --max-iter 300"
)
for run in "${method_runs[@]}"; do
  name=${run%%|*}
  read -r -a args <<<"${run#*|}"
  if "$elbo" fit logistic "${args[@]}" --output "$tmp/m_$name" --draws 100 -q; then
    header=$(grep -v '^#' "$tmp/m_$name/draws.csv" | head -n1)
    [[ $header == "lp__,log_p__,log_g__,alpha,beta.1,"*",beta.30" ]] && ok ||
      fail "$name: draws header is '$header'"
    grep -q '"summary"' "$tmp/m_$name/summary.json" && ok || fail "$name: summary.json lacks the summary"
  else
    fail "fit logistic ${args[*]} exited non-zero"
  fi
done
grep -q '"pareto_k": null' "$tmp/m_svgd/summary.json" && ok || fail "svgd should report no k-hat"

# ---- importance resampling from a pool of q's draws -------------------------------------
if "$elbo" fit logistic --max-iter 300 --resample always --resample-pool 3 --draws 100 -q \
     --output "$tmp/resampled"; then
  grep -q '"importance_resampled": true' "$tmp/resampled/summary.json" && ok || fail "--resample always did not resample"
  grep -q '"resample_pool": 3' "$tmp/resampled/summary.json" && ok || fail "summary lacks resample_pool"
  rows=$(grep -v '^#' "$tmp/resampled/draws.csv" | tail -n +2 | wc -l)
  [[ $rows -eq 101 ]] && ok || fail "resampled draws.csv has $rows rows (want mean row + 100)"
else
  fail "fit logistic --resample always exited non-zero"
fi
expect_error "bad resample pool" "--resample-pool" -- fit logistic --resample-pool 0 -o "$tmp/x"
if "$elbo" fit logistic --threads 1 --max-iter 200 --draws 50 -q --output "$tmp/one_thread"; then
  grep -q '"threads": 1' "$tmp/one_thread/summary.json" && ok || fail "summary does not record --threads 1"
else
  fail "fit logistic --threads 1 exited non-zero"
fi
expect_error "negative threads" "--threads" -- fit logistic --threads -2 -o "$tmp/x"
# Every family takes the start now, in coordinates whitened by it.
if "$elbo" fit logistic --family mixture:2 --init laplace --max-iter 200 -q -o "$tmp/mix" 2>/dev/null &&
   python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if "whitened" in s["start"] and s["method_details"]["whitened"] else 1)' "$tmp/mix/summary.json"; then
  ok
else
  fail "fit logistic --family mixture:2 --init laplace: not started in whitened coordinates"
fi

# ---- bad input: one line naming the file/field, non-zero exit -------------------------
expect_error "unknown method" "--method" -- fit logistic --method nuts -o "$tmp/x"
expect_error "unknown objective" "--objective" -- fit logistic --objective renyi:1 -o "$tmp/x"
expect_error "objective needs advi" "--objective applies to --method advi" -- \
  fit logistic --method laplace --objective iwae:4 -o "$tmp/x"
expect_error "constant_sgd needs data" "constant_sgd needs a model" -- \
  fit eight_schools --method constant_sgd -o "$tmp/x"
expect_error "bad flow" "--family" -- fit logistic --family flow:maf*2 -o "$tmp/x"
expect_error "missing file" "nope.csv.*does not exist" -- fit logistic --data "$tmp/nope.csv" -o "$tmp/x"
printf 'a,b,y\n1,2,0\n3,4\n' >"$tmp/ragged.csv"
expect_error "ragged CSV" "ragged.csv:3.*expected 3 fields" -- fit logistic --data "$tmp/ragged.csv" -o "$tmp/x"
printf 'a,b,y\n1,two,0\n' >"$tmp/text.csv"
expect_error "non-numeric CSV" "text.csv:2.*field 'b'" -- fit logistic --data "$tmp/text.csv" -o "$tmp/x"
printf 'a,b,y\n1,NaN,0\n2,3,1\n' >"$tmp/nan.csv"
expect_error "NaN in CSV" "nan.csv:2.*field 'b'" -- fit logistic --data "$tmp/nan.csv" -o "$tmp/x"
printf 'a,b,y\n' >"$tmp/empty.csv"
expect_error "header only" "empty.csv" -- fit logistic --data "$tmp/empty.csv" -o "$tmp/x"
: >"$tmp/zero.csv"
expect_error "empty file" "zero.csv" -- fit logistic --data "$tmp/zero.csv" -o "$tmp/x"
printf 'a,b,y\n1,2,0\n2,3,0.5\n3,1,1\n' >"$tmp/labels.csv"
expect_error "labels not 0/1" "labels.csv:3: field 'y': target 0.5 is not 0 or 1" -- fit logistic --data "$tmp/labels.csv" -o "$tmp/x"
printf 'a,b,y\n1,2,0\n2,3,1\n3,1,1\n' >"$tmp/good.csv"
expect_error "unknown target" "--target label: no such column in .*good.csv" -- fit logistic --data "$tmp/good.csv" --target label -o "$tmp/x"
expect_error "unknown family" "unknown family 'fullrnak'" -- fit logistic --family fullrnak -o "$tmp/x"
expect_error "bad draws" "draws" -- fit logistic --draws 0 -o "$tmp/x"
expect_error "bad kappa" "kappa" -- fit logistic --kappa 0.2 -o "$tmp/x"
expect_error "unknown option" "--frobnicate" -- fit logistic --frobnicate
expect_error "resume without checkpoint" "--checkpoint" -- fit logistic --resume -o "$tmp/x"
printf '{"N": 3, "X": [[1],[2]], "y": [1, 2, 3]' >"$tmp/trunc.json"
expect_error "truncated JSON" "trunc.json" -- fit linear --data "$tmp/trunc.json" -o "$tmp/x"
printf '{"X": [[1, 2], [3]], "y": [1, 2]}' >"$tmp/raggedjson.json"
expect_error "ragged JSON" "raggedjson.json.*X" -- fit linear --data "$tmp/raggedjson.json" -o "$tmp/x"
printf 'not a checkpoint' >"$tmp/bad.ckpt"
expect_error "corrupt checkpoint" "bad.ckpt" -- fit logistic --checkpoint "$tmp/bad.ckpt" --resume -o "$tmp/x"

# ---- a killed run resumes from its checkpoint to the same draws -----------------------
common=(fit logistic --family fullrank --max-iter 6000 --tol-rel-obj 1e-12 --draws 50 -q --seed 5
        --checkpoint-every 500 --sig-figs 17)
"$elbo" "${common[@]}" --output "$tmp/whole" || fail "uninterrupted run failed"
ckpt="$tmp/run.ckpt"
"$elbo" "${common[@]}" --output "$tmp/killed" --checkpoint "$ckpt" &
pid=$!
for _ in $(seq 1 600); do [[ -f "$ckpt" ]] && break; sleep 0.05; done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if [[ -f "$ckpt" ]]; then ok; else fail "no checkpoint was written before the kill"; fi
"$elbo" "${common[@]}" --output "$tmp/killed" --checkpoint "$ckpt" --resume || fail "resume failed"
if cmp -s <(grep -v '^#' "$tmp/whole/draws.csv") <(grep -v '^#' "$tmp/killed/draws.csv"); then ok;
else fail "resumed run's draws differ from the uninterrupted run"; fi
grep -q '"resumed": true' "$tmp/killed/summary.json" && ok || fail "summary.json does not record the resume"

echo "cli: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
