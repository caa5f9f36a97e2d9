#!/usr/bin/env bash
# --report on the fit commands writes DIR/report.html next to the fit's files;
# without it a fit ends with one line naming `elbo report DIR` (and `elbo predict`
# for a model that predicts).
# Usage: fit_flag_test.sh ELBO_BINARY
set -eu
elbo=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$elbo" fit logistic --seed 1 --threads 1 --max-iter 300 -o "$tmp/a" --report 2>/dev/null)
[[ -s "$tmp/a/report.html" ]] || fail "fit logistic --report wrote no report.html"
grep -q "<svg" "$tmp/a/report.html" || fail "report.html has no plot"
grep -qx "wrote $tmp/a/report.html" <<<"$out" || fail "fit logistic --report did not say where the report is: $out"

out=$("$elbo" fit logistic --seed 1 --threads 1 --max-iter 300 -o "$tmp/b" 2>/dev/null)
[[ ! -e "$tmp/b/report.html" ]] || fail "a report without --report"
[[ "$(tail -n1 <<<"$out")" == "next: elbo report $tmp/b (plots), elbo predict --model $tmp/b --data NEW" ]] ||
  fail "the last line is not the next step: $(tail -n1 <<<"$out")"
[[ -z "$("$elbo" fit logistic --seed 1 --threads 1 --max-iter 300 -o "$tmp/c" -q 2>/dev/null)" ]] ||
  fail "--quiet printed something"

printf 'x,y\n' >"$tmp/p.csv"
awk 'BEGIN { srand(3); for (i = 0; i < 200; i++) printf "%.5f,%.5f\n", (i % 2) * 5 + rand(), rand() }' >>"$tmp/p.csv"
"$elbo" fit gmm --data "$tmp/p.csv" --components 2 --method cavi --seed 1 -o "$tmp/g" -q --no-progress --report
grep -q "<svg" "$tmp/g/report.html" || fail "fit gmm --report wrote no report"
echo "ok"
