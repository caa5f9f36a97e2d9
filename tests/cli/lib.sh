# Shared helpers of the CLI end-to-end scripts (sourced, not run).
# Expects $elbo (the binary) and $tmp (a scratch directory) to be set.
passed=0
failed=0

ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $*" >&2; }

# expect_error NAME PATTERN -- ARGS...: non-zero exit, exactly one stderr line matching PATTERN.
expect_error() {
  local name=$1 pattern=$2
  shift 3
  local err="$tmp/err.txt"
  timeout 60 "$elbo" "$@" >/dev/null 2>"$err"
  local code=$?
  local lines
  lines=$(wc -l <"$err")
  if [[ $code -eq 0 || $code -ge 124 ]]; then
    fail "$name: exit code $code (want a clean non-zero exit)"
  elif [[ $lines -ne 1 ]]; then
    fail "$name: $lines lines on stderr (want 1): $(cat "$err")"
  elif ! grep -Eq -- "$pattern" "$err"; then
    fail "$name: message '$(cat "$err")' does not match /$pattern/"
  else
    ok
  fi
}
