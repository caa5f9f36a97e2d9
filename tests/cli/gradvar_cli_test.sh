#!/usr/bin/env bash
# End-to-end tests of `elbo gradvar`: the table and the JSON report on the
# built-in logistic (breast cancer) and mixture data; estimators are ordered as
# theory says at a warmed-up q (cv+rb below plain REINFORCE by ≥ 10×, reparam
# below both), reparam is "not applicable" for discrete latents; bad options
# give one stderr line and exit 2.
# Usage: gradvar_cli_test.sh ELBO_BINARY
set -u
elbo=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"
py=/usr/bin/python3

# ---- logistic: table + JSON --------------------------------------------------------
if timeout 120 "$elbo" gradvar logistic --warmup 500 --replicates 100 --draws 10 --seed 3 \
    --estimators reinforce,reinforce+cv+rb,reparam --output "$tmp/log.json" >"$tmp/log.txt"; then ok
else fail "gradvar logistic exited non-zero"; fi
grep -q "reinforce+cv+rb" "$tmp/log.txt" && ok || fail "table lacks the reinforce+cv+rb row"
$py - "$tmp/log.json" <<'PY' && ok || fail "logistic JSON: wrong content or variance ordering"
import json, sys
d = json.load(open(sys.argv[1]))
rows = {r["estimator"]: r for r in d["estimators"]}
assert d["num_parameters"] == 62, d["num_parameters"]            # 31 coefficients × (loc, log scale)
for r in rows.values():
    assert len(r["coordinate_variance"]) == 62
    assert abs(sum(r["coordinate_variance"]) - r["total_variance"]) < 1e-6 * r["total_variance"]
assert rows["reinforce"]["ratio_vs_reinforce"] == 1.0
assert rows["reinforce+cv+rb"]["ratio_vs_reinforce"] < 0.1, rows["reinforce+cv+rb"]["ratio_vs_reinforce"]
assert rows["reparam"]["total_variance"] < rows["reinforce+cv+rb"]["total_variance"]
PY

# ---- mixture: reparam not applicable; gumbel runs ----------------------------------
if timeout 120 "$elbo" gradvar mixture --replicates 50 --estimators reinforce,reinforce+cv+rb,reparam,gumbel:0.5 \
    --output "$tmp/mix.json" >"$tmp/mix.txt"; then ok
else fail "gradvar mixture exited non-zero"; fi
grep -q "reparam .*not applicable" "$tmp/mix.txt" && ok || fail "reparam should be not applicable on the mixture"
$py - "$tmp/mix.json" <<'PY' && ok || fail "mixture JSON: wrong content"
import json, sys
d = json.load(open(sys.argv[1]))
rows = {r["estimator"]: r for r in d["estimators"]}
assert d["num_parameters"] == 3 * 2 + 60 * 3, d["num_parameters"]
assert rows["reparam"]["applicable"] is False
assert rows["reinforce+cv+rb"]["ratio_vs_reinforce"] < 0.1
assert rows["gumbel:0.5"]["applicable"] is True
PY

# ---- bad options ---------------------------------------------------------------------
expect_error "unknown model" "unknown model 'lda'" -- gradvar lda
expect_error "bad estimator" "objective 'bogus'" -- gradvar logistic --estimators reinforce,bogus
expect_error "empty estimator" "empty entry" -- gradvar logistic --estimators reinforce,,cv
expect_error "draws" "--draws is 0" -- gradvar logistic --draws 0
expect_error "replicates" "--replicates is 1" -- gradvar mixture --replicates 1
expect_error "missing data" "nope.csv" -- gradvar mixture --data "$tmp/nope.csv"
expect_error "mixture family" "--family for mixture" -- gradvar mixture --family fullrank
for cmd in "gradvar lda" "gradvar logistic --draws 0"; do
  # shellcheck disable=SC2086
  "$elbo" $cmd >/dev/null 2>&1; code=$?
  [[ $code -eq 2 ]] && ok || fail "'$cmd' exit code $code (want 2)"
done

echo "gradvar cli: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
