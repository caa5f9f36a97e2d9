#!/usr/bin/env bash
# Several fits started at once into one output directory: each either runs (and
# writes a complete draws.csv and summary.json) or is refused at once with one
# line naming the directory; the files left are complete and parseable, never
# interleaved. Usage: concurrent_output_test.sh ELBO_BINARY
set -u
elbo=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"

for round in 1 2 3; do
  pids=()
  for i in 1 2 3 4; do
    "$elbo" fit logistic --max-iter 3000 --draws 200 --seed "$i" -q -o "$tmp/shared" \
      >/dev/null 2>"$tmp/err.$i" &
    pids+=($!)
  done
  ran=0 refused=0
  for i in 1 2 3 4; do
    wait "${pids[$((i - 1))]}"
    code=$?
    if ((code == 0)); then ran=$((ran + 1))
    elif ((code == 1)) && [[ $(wc -l <"$tmp/err.$i") -eq 1 ]] &&
      grep -Eq "shared: another elbo run( \(pid [0-9]+\))? is writing into this directory" "$tmp/err.$i"; then
      refused=$((refused + 1))
    else fail "round $round, run $i: exit $code: $(head -c 300 "$tmp/err.$i")"; fi
  done
  echo "round $round: $ran ran, $refused refused"
  ((ran >= 1 && ran + refused == 4)) && ok || fail "round $round: $ran ran, $refused refused"
  # The result is one run's, whole: a header, the mean row and 200 draws of 34 fields.
  rows=$(grep -v '^#' "$tmp/shared/draws.csv" | awk -F, '{ print NF }' | sort -u)
  lines=$(grep -vc '^#' "$tmp/shared/draws.csv")
  [[ $rows == 34 && $lines -eq 202 ]] && ok || fail "round $round: draws.csv has $lines lines, field counts $rows"
  /usr/bin/python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$tmp/shared/summary.json" && ok ||
    fail "round $round: summary.json is not valid JSON"
  ls "$tmp/shared" | grep -q '\.tmp$' && fail "round $round: temporary files left" || ok
done
echo "concurrent output: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
