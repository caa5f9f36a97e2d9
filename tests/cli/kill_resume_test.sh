#!/usr/bin/env bash
# kill -9 at random moments, five times per command, then --resume to the end:
# the result must equal the uninterrupted run's byte for byte, and every resume
# must find a complete checkpoint (a kill while one is being written leaves the
# previous one). Commands: elbo fit logistic (ADVI), elbo fit lda (SVI), elbo
# train vae. The kill times come from a fixed seed, so a failure can be replayed.
# Usage: kill_resume_test.sh ELBO_BINARY
set -u
elbo=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"
RANDOM=20261203
json_get() { /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

# run_killed NAME CKPT OUT -- ARGS...: the command killed 5 times at random moments
# (each run gets 0.3-1.5 s), resumed each time once a checkpoint exists, then
# run to completion.
run_killed() {
  local name=$1 ckpt=$2 out=$3
  shift 4
  local kills=0 resumes=0
  while ((kills < 5)); do
    local resume=()
    [[ -f $ckpt ]] && resume=(--resume) && resumes=$((resumes + 1))
    "$elbo" "$@" --checkpoint "$ckpt" --output "$out" "${resume[@]}" >/dev/null 2>"$tmp/err" &
    local pid=$!
    sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 0.3 + 1.2 * r / 32767 }')"
    # On a loaded machine the first run may not have reached its first checkpoint
    # yet: wait for one (up to 2 min), so that every kill after it tests a resume.
    for ((i = 0; i < 1200; i++)); do
      [[ -f $ckpt ]] || ! kill -0 "$pid" 2>/dev/null && break
      sleep 0.1
    done
    if kill -9 "$pid" 2>/dev/null; then
      wait "$pid" 2>/dev/null
      kills=$((kills + 1))
    else
      wait "$pid"
      local code=$?
      if ((code != 0)); then
        fail "$name: a resumed run failed (exit $code): $(head -c 300 "$tmp/err")"
        return
      fi
      break  # it finished before this kill: the chain is done
    fi
  done
  local resume=()
  [[ -f $ckpt ]] && resume=(--resume)
  if "$elbo" "$@" --checkpoint "$ckpt" --output "$out" "${resume[@]}" >/dev/null 2>"$tmp/err"; then ok
  else fail "$name: the final resume failed: $(head -c 300 "$tmp/err")"; fi
  echo "$name: $kills kills, $resumes resumes from a checkpoint"
  ((resumes >= 2)) && ok || fail "$name: only $resumes of the runs resumed from a checkpoint (kills too early?)"
  # Five kills are the aim; a machine fast enough to finish the run sooner gets fewer.
  ((kills >= 3)) && ok || fail "$name: the run ended after $kills kills (make it longer)"
}

# ---- ADVI: a full-rank logistic regression -------------------------------------------
advi=(fit logistic --family fullrank --max-iter 30000 --tol-rel-obj 1e-12 --draws 50 -q --seed 5
      --checkpoint-every 200 --sig-figs 17)
"$elbo" "${advi[@]}" --output "$tmp/advi_whole" >/dev/null 2>&1 || fail "advi: uninterrupted run failed"
run_killed advi "$tmp/advi.ckpt" "$tmp/advi_killed" -- "${advi[@]}"
if cmp -s <(grep -v '^#' "$tmp/advi_whole/draws.csv") <(grep -v '^#' "$tmp/advi_killed/draws.csv"); then ok
else fail "advi: the killed-and-resumed draws differ from the uninterrupted run's"; fi

# ---- LDA by natural-gradient SVI ------------------------------------------------------
/usr/bin/python3 - "$tmp/corpus.ldac" <<'EOF'
import random, sys
random.seed(4)
topics = [random.sample(range(200), 40) for _ in range(4)]
with open(sys.argv[1], "w") as f:
    for _ in range(1500):
        words = {}
        for _ in range(60):
            w = random.choice(topics[random.randrange(4)])
            words[w] = words.get(w, 0) + 1
        f.write(f"{len(words)} " + " ".join(f"{w}:{c}" for w, c in sorted(words.items())) + "\n")
EOF
lda=(fit lda --docword "$tmp/corpus.ldac" --topics 4 --method svi --batch-size 10 --passes 500
     --threads 1 --seed 9 --checkpoint-every 25 -q --no-progress)
"$elbo" "${lda[@]}" --output "$tmp/lda_whole" >/dev/null 2>&1 || fail "lda: uninterrupted run failed"
run_killed lda "$tmp/lda.ckpt" "$tmp/lda_killed" -- "${lda[@]}"
if [[ -s "$tmp/lda_whole/topics.csv" ]] && cmp -s "$tmp/lda_whole/topics.csv" "$tmp/lda_killed/topics.csv"; then ok
else fail "lda: the killed-and-resumed topics differ from the uninterrupted run's"; fi

# ---- VAE training (a checkpoint per epoch) --------------------------------------------
vae=(train vae --latent 4 --hidden 32 --batch-size 20 --test-k 20 --threads 1 --no-progress --quiet
     --seed 3 --epochs 120)
"$elbo" "${vae[@]}" --output "$tmp/vae_whole" >/dev/null 2>&1 || fail "vae: uninterrupted run failed"
run_killed vae "$tmp/vae.ckpt" "$tmp/vae_killed" -- "${vae[@]}"
bounds='[h["bound"] for h in d["history"]] + [d["test_log_likelihood"]["mean"]]'
w=$(json_get "$tmp/vae_whole/summary.json" "$bounds")
r=$(json_get "$tmp/vae_killed/summary.json" "$bounds")
[[ -n $w && $w == "$r" ]] && ok || fail "vae: the killed-and-resumed bounds differ: $w vs $r"

echo "kill/resume: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
