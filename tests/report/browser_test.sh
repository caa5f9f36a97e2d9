#!/usr/bin/env bash
# The report in a real browser: `elbo report` on each fit of the fixture
# (make_fits.sh), headless Chromium loads report.html from disk, check_dom.py
# checks the DOM it leaves (each plot, the page script ran, no JavaScript
# error) and Chromium's console log must be empty; a screenshot of each page
# is kept in ARTIFACTS for a person to look at.
# Usage: browser_test.sh ELBO_BINARY FITS_DIR ARTIFACTS_DIR
set -u
elbo=$1
fits=$2
art=$3
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$here/../cli/lib.sh"
mkdir -p "$art"

chromium=$(command -v chromium || command -v chromium-browser || true)
if [[ -z $chromium ]]; then
  echo "FAIL: chromium is not installed (apt-get install --no-install-recommends chromium; scripts/install-deps.sh)" >&2
  exit 1
fi
# One profile per run, so parallel tests do not share Chromium's lock; no GPU,
# no sandbox (containers run as root); console messages go to stderr; a
# virtual-time budget lets the page finish loading and painting before the
# DOM is dumped or the screenshot taken (without it a long page was captured
# half painted).
browser() {
  timeout 90 "$chromium" --headless --disable-gpu --no-sandbox --no-first-run --disable-extensions \
    --user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 --virtual-time-budget=2000 "$@"
}

for kind in logistic lda gmm vae; do
  dir=$fits/$kind
  if ! "$elbo" report "$dir" -q; then fail "$kind: elbo report exited non-zero"; continue; fi
  page=$dir/report.html
  [[ -s $page ]] && ok || { fail "$kind: no report.html"; continue; }
  if browser --dump-dom "file://$page" >"$art/$kind.dom.html" 2>"$tmp/$kind.log"; then ok
  else fail "$kind: chromium --dump-dom failed: $(tail -n 3 "$tmp/$kind.log")"; continue; fi
  if out=$(python3 "$here/check_dom.py" "$art/$kind.dom.html" "$kind" "$dir"); then ok
  else fail "$kind: DOM checks: $out"; fi
  if grep -q ':CONSOLE' "$tmp/$kind.log"; then fail "$kind: console messages: $(grep ':CONSOLE' "$tmp/$kind.log" | head -n 3)"
  else ok; fi
  rm -f "$art/$kind.png"
  height=3000
  [[ $kind == logistic ]] && height=5000  # 31 parameters: marginals, pair plot and the posterior table
  if browser --hide-scrollbars --window-size=1280,$height --screenshot="$art/$kind.png" "file://$page" \
       >/dev/null 2>"$tmp/$kind.shot.log" && [[ -s $art/$kind.png ]]; then ok
  else fail "$kind: no screenshot: $(tail -n 3 "$tmp/$kind.shot.log")"; fi
  cp "$page" "$art/$kind.report.html"
done

echo "report browser tests: $passed passed, $failed failed; screenshots in $art"
[[ $failed -eq 0 ]]
