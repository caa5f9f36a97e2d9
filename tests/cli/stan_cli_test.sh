#!/usr/bin/env bash
# End-to-end tests of `elbo fit stan` and `elbo compile`: a Stan program in
# today's syntax fitted by every method with the outputs every fit writes
# (Stan's names, transformed parameters, generated quantities), the cache,
# --init files, and one-line errors with a non-zero exit on bad input.
# Usage: stan_cli_test.sh ELBO_BINARY SOURCE_DIR CACHE_DIR
set -u
elbo=$1
src=$2
cache=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"
programs="$src/tests/stan/programs"
es="$programs/eight_schools_builtin.stan"
es_data="$programs/eight_schools.data.json"

# ---- compile ahead of time, then the cache ----------------------------------------
if "$elbo" compile "$es" --cache-dir "$cache" --translated "$tmp/es221.stan" >"$tmp/compile.txt"; then ok;
else fail "elbo compile exited non-zero"; fi
grep -q 'real y\[J\];' "$tmp/es221.stan" && ok || fail "--translated is not Stan 2.21 syntax"
[[ $(wc -l <"$tmp/es221.stan") -eq $(wc -l <"$es") ]] && ok || fail "translation changed the line count"
"$elbo" compile "$es" --cache-dir "$cache" | grep -q "up to date" && ok || fail "second compile was not a cache hit"

# ---- fits: every method writes draws.csv with Stan's names ------------------------
fit() { "$elbo" fit stan --model "$es" --data "$es_data" --cache-dir "$cache" -q --draws 200 "$@"; }
if fit --output "$tmp/default" --max-iter 2000; then ok; else fail "default fit exited non-zero"; fi
header=$(grep -v '^#' "$tmp/default/draws.csv" | head -n1)
[[ $header == "lp__,log_p__,log_g__,mu,tau,theta.1,"*",theta.8,y_rep" ]] && ok || fail "draws header is '$header'"
rows=$(grep -v '^#' "$tmp/default/draws.csv" | tail -n +2 | wc -l)
[[ $rows -eq 201 ]] && ok || fail "draws.csv has $rows rows (want mean row + 200)"
python3 - "$tmp/default/summary.json" <<'PY' && ok || fail "summary.json of the Stan fit"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["model"] == "stan:eight_schools_builtin", s["model"]
assert s["compilation"]["cached"] is True, s["compilation"]
assert "compile_seconds" in s
assert s["pareto_k"] is not None
tau = s["summary"]["tau"]
assert tau["q5"] > 0, tau                       # tau's draws are on the constrained scale
assert 0 < s["summary"]["mu"]["mean"] < 9, s["summary"]["mu"]
assert "y_rep" in s["summary"]
PY
for run in "svgd|--method svgd --particles 30 --max-iter 200" \
           "boosting|--method boosting --components 2 --max-iter 300" \
           "flow|--family flow:planar*2 --max-iter 300" \
           "mixture|--family mixture:2 --objective renyi:0.5 --resample always --max-iter 300" \
           "iwae|--objective iwae:4 --max-iter 300" "meanfield|--family meanfield --max-iter 300"; do
  name=${run%%|*}
  # shellcheck disable=SC2086
  if fit --output "$tmp/$name" ${run#*|} && [[ -s "$tmp/$name/draws.csv" ]]; then ok;
  else fail "fit stan $name"; fi
done

# The centred eight schools is a funnel: log p → +∞ as tau → 0, so there is no
# mode, and Laplace says so in one line (it used to report a point of the funnel).
expect_error "laplace on a funnel" "no mode" -- fit stan --model "$es" --data "$es_data" \
  --cache-dir "$cache" --method laplace -o "$tmp/x"
# The non-centred one has a mode.
esn="$programs/eight_schools.new.stan"
if "$elbo" fit stan --model "$esn" --data "$es_data" --cache-dir "$cache" -q --method laplace \
     --output "$tmp/laplace" && [[ -s "$tmp/laplace/draws.csv" ]]; then ok; else fail "fit stan laplace"; fi

# ---- --init FILE.json: constrained values through the program's transforms --------
printf '{"mu": 3, "tau": 4, "theta_trans": [1, 2, 3, 4, 5, 6, 7, 8]}' >"$tmp/init.json"
if "$elbo" fit stan --model "$esn" --data "$es_data" --cache-dir "$cache" -q --method laplace \
     --init "$tmp/init.json" --output "$tmp/init"; then ok; else fail "--init file"; fi

# ---- checkpoint and resume --------------------------------------------------------
if fit --output "$tmp/ck" --max-iter 600 --checkpoint "$tmp/ck.pt" --checkpoint-every 200 &&
   fit --output "$tmp/ck" --max-iter 600 --checkpoint "$tmp/ck.pt" --resume; then ok;
else fail "checkpoint/resume of a Stan fit"; fi

# ---- bad input: one line, non-zero exit -------------------------------------------
printf 'parameters {\n  real mu;\n}\nmodel {\n  mu ~ normal(0, 1)\n}\n' >"$tmp/syntax.stan"
expect_error "syntax error" "syntax.stan:6:.*stanc" -- fit stan --model "$tmp/syntax.stan" --cache-dir "$cache" -o "$tmp/x"
printf 'data { int J; }\nparameters { real mu; ' >"$tmp/truncated.stan"
expect_error "truncated program" "truncated.stan:[0-9]+:.*PARSER EXPECTED.*variable declaration.*>" -- \
  fit stan --model "$tmp/truncated.stan" --cache-dir "$cache" -o "$tmp/x"
printf '{"J": 8, "y": [1, 2, 3' >"$tmp/truncated.json"
expect_error "truncated data" "truncated.json:1: malformed JSON" -- \
  fit stan --model "$es" --data "$tmp/truncated.json" --cache-dir "$cache" -o "$tmp/x"
printf '{"J": 8, "y": [1, 2, 3, 4, 5, 6, 7, 8]}' >"$tmp/no_sigma.json"
expect_error "missing data variable" "no_sigma.json.*'sigma'.*missing" -- \
  fit stan --model "$es" --data "$tmp/no_sigma.json" --cache-dir "$cache" -o "$tmp/x"
printf '{"J": 8, "y": [1, 2, 3], "sigma": [1, 1, 1, 1, 1, 1, 1, 1]}' >"$tmp/short.json"
expect_error "wrong dimension" "short.json.*'y'.*\\(3\\).*\\(8\\)" -- \
  fit stan --model "$es" --data "$tmp/short.json" --cache-dir "$cache" -o "$tmp/x"
printf '{"J": 8, "y": [1, 2, 3, 4, 5, 6, 7, 8], "sigma": [1, 1, 1, -2, 1, 1, 1, 1]}' >"$tmp/neg.json"
expect_error "negative sigma" "neg.json.*sigma.*-2" -- \
  fit stan --model "$es" --data "$tmp/neg.json" --cache-dir "$cache" -o "$tmp/x"
printf 'data {\n  real x;\n}\nmodel {\n}\n' >"$tmp/noparams.stan"
printf '{"x": 1}' >"$tmp/x.json"
expect_error "no parameters" "no parameters" -- \
  fit stan --model "$tmp/noparams.stan" --data "$tmp/x.json" --cache-dir "$cache" -o "$tmp/x"
expect_error "missing program" "nope.stan.*no such" -- fit stan --model "$tmp/nope.stan" -o "$tmp/x"
expect_error "missing data file" "nope.json.*does not exist" -- \
  fit stan --model "$es" --data "$tmp/nope.json" --cache-dir "$cache" -o "$tmp/x"
expect_error "bad init" "--init" -- fit stan --model "$es" --data "$es_data" --init "$tmp/nope.json" -o "$tmp/x"
printf 'parameters {\n  complex z;\n}\nmodel {\n}\n' >"$tmp/complex.stan"
expect_error "no 2.21 form" "complex.stan:2" -- fit stan --model "$tmp/complex.stan" --cache-dir "$cache" -o "$tmp/x"

echo "stan cli: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
