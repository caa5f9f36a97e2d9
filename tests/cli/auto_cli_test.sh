#!/usr/bin/env bash
# End-to-end tests of `elbo fit --method auto` and `--method pathfinder` on Stan
# programs with known answers: the ladder stops at its first rung on a Gaussian
# and climbs past the full-rank rung on a two-mode target, where it ends with
# both modes; every rung tried is in summary.json; --budget is honoured.
# Usage: auto_cli_test.sh ELBO_BINARY SOURCE_DIR CACHE_DIR
set -u
elbo=$1
src=$2
cache=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"
programs="$src/tests/stan/programs"
echo '{}' >"$tmp/empty.json"
fit() { "$elbo" fit stan --data "$tmp/empty.json" --cache-dir "$cache" -q --draws 1000 "$@"; }
field() { python3 -c 'import json,sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v)' "$1" "$2"; }

# ---- a Gaussian: the first rung is reliable, and exact --------------------------------
if fit --model "$programs/gaussian.stan" --method auto --output "$tmp/g" 2>"$tmp/g.err"; then ok;
else fail "auto on a Gaussian exited non-zero: $(tail -n1 "$tmp/g.err")"; fi
[[ $(field "$tmp/g/summary.json" method_details.auto.chosen) == 1 ]] && ok ||
  fail "auto on a Gaussian chose rung $(field "$tmp/g/summary.json" method_details.auto.chosen), want 1"
[[ $(field "$tmp/g/summary.json" reliable) == True ]] && ok || fail "auto on a Gaussian is not reliable"
python3 - "$tmp/g/summary.json" <<'PY' && ok || fail "auto on a Gaussian: means/sds off"
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
# z ~ N([100, -0.01], sds [20, 0.001]): within 0.1 sd (Monte-Carlo error of 1000 draws ~0.03).
ok = abs(s["z.1"]["mean"] - 100) < 2 and abs(s["z.2"]["mean"] + 0.01) < 1e-4 and \
     abs(s["z.1"]["sd"] / 20 - 1) < 0.1 and abs(s["z.2"]["sd"] / 0.001 - 1) < 0.1
sys.exit(0 if ok else 1)
PY

# ---- two modes: the full-rank rung is flagged, the ladder climbs and finds both ------
if fit --model "$programs/two_modes.stan" --method auto --output "$tmp/m" 2>"$tmp/m.err"; then ok;
else fail "auto on two modes exited non-zero: $(tail -n1 "$tmp/m.err")"; fi
python3 - "$tmp/m/summary.json" <<'PY' && ok || fail "auto on two modes did not climb past rung 1 to a reliable fit of both modes"
import json, sys
s = json.load(open(sys.argv[1]))
a = s["method_details"]["auto"]
rungs = a["rungs"]
assert rungs[0]["method"] == "advi fullrank" and rungs[0]["reliable"] is False, rungs[0]
assert a["chosen"] > 1 and s["reliable"] is True, (a["chosen"], s["reliability"])
x = s["summary"]["x"]
# ½ N(−4, 1) + ½ N(4, 1): mean 0, sd √17 ≈ 4.12; quantiles in both modes.
assert abs(x["mean"]) < 0.6 and abs(x["sd"] - 17 ** 0.5) < 0.4, x
assert x["q5"] < -3 and x["q95"] > 3, x
PY
grep -q "chosen" "$tmp/m/summary.json" && ok || fail "summary.json lacks the ladder"

# ---- pathfinder by itself: several paths, PSIS-resampled draws ---------------------------
if fit --model "$programs/two_modes.stan" --method pathfinder --num-paths 8 --output "$tmp/p"; then ok;
else fail "pathfinder exited non-zero"; fi
[[ $(field "$tmp/p/summary.json" importance_resampled) == True ]] && ok || fail "pathfinder draws not resampled"
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); sys.exit(0 if len(s["method_details"]["paths"]) == 8 else 1)' \
  "$tmp/p/summary.json" && ok || fail "pathfinder did not record 8 paths"

# ---- bad options: one line naming the option, non-zero exit ----------------------------
expect_error "num-paths zero" "--num-paths" -- fit stan --model "$programs/gaussian.stan" \
  --data "$tmp/empty.json" --cache-dir "$cache" --method pathfinder --num-paths 0 -o "$tmp/x"
expect_error "negative budget" "--budget" -- fit stan --model "$programs/gaussian.stan" \
  --data "$tmp/empty.json" --cache-dir "$cache" --method auto --budget -1 -o "$tmp/x"

echo "auto cli: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
