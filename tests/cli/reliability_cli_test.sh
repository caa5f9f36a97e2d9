#!/usr/bin/env bash
# End-to-end tests of the reliability verdict: summary.json's "reliable" and its
# reasons, PSIS-weighted summaries, the one-line warning on stderr (even with
# -q), --strict's exit code 3, --resample always refusing a tiny ESS, k-hat
# "inf" as a string, and summary.json that strict JSON parsers accept.
# Usage: reliability_cli_test.sh ELBO_BINARY
set -u
elbo=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"

# A linear regression with 200 rows: near-Gaussian posterior, k-hat well below 0.7.
python3 - "$tmp/linear.json" <<'PY'
import json, random, sys
random.seed(1)
X = [[random.gauss(0, 1), random.gauss(0, 1)] for _ in range(200)]
y = [1 + 0.5 * a - 0.3 * b + random.gauss(0, 0.7) for a, b in X]
json.dump({"N": 200, "D": 2, "X": X, "y": y}, open(sys.argv[1], "w"))
PY

# check DIR PYTHON-ASSERTIONS: summary.json parses as strict JSON (no NaN or
# Infinity) and the assertions on `s` hold.
check() {
  local dir=$1 name=$2 code=$3
  if python3 - "$dir/summary.json" "$code" <<'PY' 2>"$tmp/py.txt"; then ok; else fail "$name: $(cat "$tmp/py.txt")"; fi
import json, sys
def bad(c): raise ValueError("summary.json has a bare " + c)
s = json.load(open(sys.argv[1]), parse_constant=bad)
exec(sys.argv[2])
PY
}

# ---- a good fit: reliable, PSIS-weighted summary with q's own beside it -------------
err="$tmp/good.err"
if "$elbo" fit linear --data "$tmp/linear.json" -o "$tmp/good" -q 2>"$err"; then ok; else fail "good fit exited non-zero"; fi
check "$tmp/good" "good fit" '
assert s["reliable"] is True, s["reliability"]
assert s["reliability"]["reasons"] == []
assert s["summary_weighting"] == "psis", s["summary_weighting"]
assert isinstance(s["pareto_k"], float) and s["pareto_k"] < 0.7
assert s["pareto_k_reason"] == ""
assert set(s["summary_q"]) == set(s["summary"]) == {"alpha", "beta.1", "beta.2", "sigma"}
for v in s["summary"].values(): assert set(v) == {"mean", "sd", "q5", "q50", "q95"}
assert s["summary"]["alpha"]["mean"] != s["summary_q"]["alpha"]["mean"]
'
[[ ! -s $err ]] && ok || fail "a reliable fit wrote to stderr: $(cat "$err")"
"$elbo" fit linear --data "$tmp/linear.json" -o "$tmp/good_table" 2>/dev/null | grep -q 'PSIS-weighted' && ok ||
  fail "the printed table does not say it is PSIS-weighted"

# ---- unconverged: unreliable, a warning, exit 0; with --strict exit 3 -----------------
err="$tmp/unconverged.err"
"$elbo" fit linear --data "$tmp/linear.json" -o "$tmp/short" -q --max-iter 5 2>"$err"
code=$?
[[ $code -eq 0 ]] && ok || fail "unconverged fit without --strict exited $code"
check "$tmp/short" "unconverged" '
assert s["reliable"] is False
assert any(r.startswith("not converged") for r in s["reliability"]["reasons"]), s["reliability"]
'
[[ $(grep -c '^warning: the fit is not reliable: not converged' "$err") -eq 1 ]] && ok ||
  fail "unconverged fit: stderr is '$(cat "$err")'"
rm -rf "$tmp/short"
"$elbo" fit linear --data "$tmp/linear.json" -o "$tmp/short" -q --max-iter 5 --strict 2>"$err"
code=$?
[[ $code -eq 3 ]] && ok || fail "unconverged fit with --strict exited $code (want 3)"
[[ -f $tmp/short/draws.csv && -f $tmp/short/summary.json ]] && ok || fail "--strict did not write the outputs"
grep -q '^elbo: error: --strict: the fit is not reliable' "$err" && ok || fail "--strict message: $(cat "$err")"
# A reliable fit passes --strict.
"$elbo" fit linear --data "$tmp/linear.json" -o "$tmp/good_strict" -q --strict 2>/dev/null && ok ||
  fail "a reliable fit failed --strict"

# ---- --resample always with an ESS near 1 keeps q's draws ------------------------------
# One step from a zero start: q is N(0, I), far wider than the posterior.
bad=(fit linear --data "$tmp/linear.json" -q --family meanfield --init zero --max-iter 1)
err="$tmp/resample.err"
"$elbo" "${bad[@]}" --resample always -o "$tmp/always" 2>"$err" && ok || fail "--resample always exited non-zero"
grep -q '^warning: --resample always: the importance ESS is' "$err" && ok ||
  fail "--resample always did not warn: $(cat "$err")"
check "$tmp/always" "resample always" '
assert s["importance_resampled"] is False and s["importance_resample_refused"] is True
assert s["reliable"] is False
assert any("resampling was refused" in r for r in s["reliability"]["reasons"]), s["reliability"]
assert s["summary_weighting"] == "none"
'
# draws.csv holds q's draws: alpha's sd is q's (about 1), not ~0 (copies of one draw).
python3 - "$tmp/always/draws.csv" <<'PY' && ok || fail "--resample always: draws.csv is not q's draws"
import csv, statistics, sys
rows = [r for r in csv.reader(l for l in open(sys.argv[1]) if not l.startswith("#"))]
col = rows[0].index("alpha")
alpha = [float(r[col]) for r in rows[2:]]
assert statistics.stdev(alpha) > 0.3, statistics.stdev(alpha)
PY
"$elbo" "${bad[@]}" --resample force -o "$tmp/force" 2>/dev/null && ok || fail "--resample force exited non-zero"
check "$tmp/force" "resample force" '
assert s["importance_resampled"] is True and s["summary_weighting"] == "resampled"
assert s["reliable"] is False
'
expect_error "bad resample value" "--resample" -- fit linear --data "$tmp/linear.json" --resample sometimes -o "$tmp/x"

# ---- no density q: never reliable, k-hat null with its reason --------------------------
"$elbo" fit linear --data "$tmp/linear.json" -o "$tmp/svgd" -q --method svgd --particles 30 --max-iter 100 \
  2>"$err" && ok || fail "svgd exited non-zero"
check "$tmp/svgd" "svgd" '
assert s["reliable"] is False and s["pareto_k"] is None
assert "no density q: k-hat cannot check it" in s["reliability"]["reasons"], s["reliability"]
assert "no density" in s["pareto_k_reason"]
'
grep -q 'no density q: k-hat cannot check it' "$err" && ok || fail "svgd warning: $(cat "$err")"

# A point mass (MAP) has no density either: k-hat (-inf, every ratio equal) checks nothing.
"$elbo" fit linear --data "$tmp/linear.json" -o "$tmp/map" -q --family pointmass 2>/dev/null && ok ||
  fail "pointmass exited non-zero"
check "$tmp/map" "pointmass" '
assert s["reliable"] is False and s["pareto_k"] is None and s["summary_weighting"] == "none"
assert "no density q: k-hat cannot check it" in s["reliability"]["reasons"], s["reliability"]
'

# ---- k-hat that cannot be estimated is "inf" (a string), with the reason ----------------
"$elbo" fit linear --data "$tmp/linear.json" -o "$tmp/few" -q --draws 10 2>"$err" && ok || fail "--draws 10 exited non-zero"
check "$tmp/few" "few draws" '
assert s["pareto_k"] == "inf", s["pareto_k"]
assert "too few" in s["pareto_k_reason"], s["pareto_k_reason"]
assert s["reliable"] is False and s["summary_weighting"] == "none"
assert any(r.startswith("k-hat is inf") for r in s["reliability"]["reasons"])
'

# ---- help ----------------------------------------------------------------------------------
"$elbo" fit linear --help | tr -s ' \n' ' ' | grep -q -- '--strict.*code 3' && ok || fail "--help does not document --strict's exit code"

echo "reliability_cli_test: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
