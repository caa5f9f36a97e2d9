#!/usr/bin/env bash
# `elbo report` on bad input: a missing directory, a directory without a fit,
# a corrupt summary.json, a fit without its draws.csv or with a corrupt one,
# an LDA fit without topics.json: each one stderr line naming the directory
# or file, exit 1; invalid options exit 2. Usage: bad_input_test.sh ELBO_BINARY FITS_DIR
set -u
elbo=$1
fits=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/../cli/lib.sh"

# expect_code NAME CODE PATTERN -- ARGS...: exit CODE and one stderr line matching PATTERN.
expect_code() {
  local name=$1 want=$2 pattern=$3
  shift 4
  timeout 60 "$elbo" "$@" >/dev/null 2>"$tmp/err.txt"
  local code=$?
  if [[ $code -ne $want ]]; then fail "$name: exit code $code, want $want ($(head -c 300 "$tmp/err.txt"))"
  elif [[ $(wc -l <"$tmp/err.txt") -ne 1 ]]; then fail "$name: $(wc -l <"$tmp/err.txt") stderr lines: $(cat "$tmp/err.txt")"
  elif ! grep -Eq -- "$pattern" "$tmp/err.txt"; then fail "$name: '$(cat "$tmp/err.txt")' does not match /$pattern/"
  else ok; fi
}

mkdir -p "$tmp/empty"
expect_code "missing directory" 1 "^elbo: error: $tmp/nope: no such directory$" -- report "$tmp/nope"
expect_code "no fit" 1 "^elbo: error: $tmp/empty: no fit here: no summary.json .* or gmm.json" -- report "$tmp/empty"
[[ ! -e $tmp/empty/report.html ]] && ok || fail "a report was written for a directory without a fit"
expect_code "file, not directory" 1 "not a directory" -- report "$fits/logistic/draws.csv"

cp -r "$fits/logistic" "$tmp/corrupt_summary"
rm -f "$tmp/corrupt_summary/report.html"
head -c 200 "$fits/logistic/summary.json" >"$tmp/corrupt_summary/summary.json"
expect_code "truncated summary.json" 1 "$tmp/corrupt_summary/summary.json: not valid JSON: parse error at line [0-9]+, column [0-9]+" \
  -- report "$tmp/corrupt_summary"
[[ ! -e $tmp/corrupt_summary/report.html ]] && ok || fail "a report was written from a corrupt summary.json"

cp -r "$fits/logistic" "$tmp/no_draws"
rm "$tmp/no_draws/draws.csv"
expect_code "missing draws.csv" 1 "$tmp/no_draws/draws.csv" -- report "$tmp/no_draws"

cp -r "$fits/logistic" "$tmp/bad_draws"
awk 'BEGIN { FS = OFS = "," } !/^#/ && ++n == 5 { $4 = "oops" } { print }' "$fits/logistic/draws.csv" >"$tmp/bad_draws/draws.csv"
expect_code "corrupt draws.csv" 1 "$tmp/bad_draws/draws.csv:[0-9]+: field '[^']+': not a number: \"oops\"" -- report "$tmp/bad_draws"
head -n 3 "$fits/logistic/draws.csv" >"$tmp/bad_draws/draws.csv"
expect_code "draws.csv without draws" 1 "$tmp/bad_draws/draws.csv: no header row" -- report "$tmp/bad_draws"

cp -r "$fits/lda" "$tmp/lda_no_topics"
rm "$tmp/lda_no_topics/topics.json"
expect_code "lda without topics.json" 1 "$tmp/lda_no_topics/topics.json" -- report "$tmp/lda_no_topics"

expect_code "pair params" 2 "pair-params" -- report "$fits/logistic" --pair-params 1
expect_code "no directory argument" 2 "directory" -- report

# -o writes elsewhere and leaves the fit directory alone
if "$elbo" report "$fits/gmm" -o "$tmp/gmm.html" -q && [[ -s $tmp/gmm.html ]]; then ok; else fail "report -o"; fi

echo "report bad-input tests: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
