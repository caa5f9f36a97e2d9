#!/usr/bin/env bash
# End-to-end tests of `elbo predict --model DIR --data NEW`:
#  * linear regression with known noise: the predictive mean and sd of y and of
#    the linear predictor equal the closed-form Gaussian ones (Laplace is exact
#    here; 4000 draws, Monte Carlo tolerances);
#  * logistic regression: the predicted P(y = 1) classifies the training data;
#  * LDA: the topic proportions of the training documents equal the fitted ones
#    (CAVI, same E-step settings), and text documents map onto the vocabulary;
#  * GMM: the most likely components recover two separated clusters, and the
#    probabilities match gmm.json's mixture;
#  * VAE: one latent mean per image, deterministic;
#  * bad input: one stderr line naming the file, column or option, non-zero exit.
# Usage: predict_cli_test.sh ELBO_BINARY SOURCE_DIR
set -u
elbo=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"
py=/usr/bin/python3

# ---- linear regression, known sigma: closed form -------------------------------------
awk 'BEGIN { srand(11); print "x1,x2,y"
  for (i = 0; i < 60; i++) { a = rand() * 4 - 2; b = rand() * 10
    printf "%.6f,%.6f,%.6f\n", a, b, 1.5 + 0.8 * a - 0.3 * b + 0.5 * (rand() + rand() + rand() - 1.5) * 2 } }' >"$tmp/lin.csv"
printf 'x2,x1\n3.0,0.5\n9.5,-1.8\n-4,6\n' >"$tmp/lin_new.csv"  # columns by name, any order; extrapolation
if "$elbo" fit linear --data "$tmp/lin.csv" --sigma 0.5 --method laplace --draws 4000 --seed 3 \
     --output "$tmp/lin" -q; then ok; else fail "fit linear --sigma exited non-zero"; fi
[[ -s $tmp/lin/model.json ]] && ok || fail "fit linear wrote no model.json"
if "$elbo" predict --model "$tmp/lin" --data "$tmp/lin_new.csv" --output "$tmp/lin_pred.csv" \
     --draws "$tmp/lin_draws.csv" -q; then ok; else fail "predict linear exited non-zero"; fi
if $py - "$tmp/lin.csv" "$tmp/lin_new.csv" "$tmp/lin_pred.csv" "$tmp/lin_draws.csv" <<'PY'
import sys, numpy as np
train = np.genfromtxt(sys.argv[1], delimiter=",", names=True)
new = np.genfromtxt(sys.argv[2], delimiter=",", names=True)
pred = np.genfromtxt(sys.argv[3], delimiter=",", names=True)
draws = np.loadtxt(sys.argv[4], delimiter=",", skiprows=1)
X = np.column_stack([train["x1"], train["x2"]]); y = train["y"]
m, s = X.mean(0), X.std(0, ddof=1)            # the fit's standardisation
Z = np.column_stack([np.ones(len(y)), (X - m) / s])
sigma = 0.5
S0inv = np.diag([1 / 5.0**2, 1.0, 1.0])       # alpha ~ N(0, 5), beta ~ N(0, 1)
cov = np.linalg.inv(S0inv + Z.T @ Z / sigma**2)
mean = cov @ Z.T @ y / sigma**2
Zn = np.column_stack([np.ones(3), (np.column_stack([new["x1"], new["x2"]]) - m) / s])
eta_mean = Zn @ mean
eta_sd = np.sqrt(np.einsum("ij,jk,ik->i", Zn, cov, Zn))
y_sd = np.sqrt(eta_sd**2 + sigma**2)
S = 4000
bad = []
def close(name, got, want, tol):
    if not np.all(np.abs(got - want) <= tol): bad.append(f"{name}: {got} vs closed form {want} (tol {tol})")
close("eta_mean", pred["eta_mean"], eta_mean, 4.5 * eta_sd / np.sqrt(S))
close("y_mean", pred["y_mean"], eta_mean, 4.5 * eta_sd / np.sqrt(S))
close("eta_sd", pred["eta_sd"], eta_sd, 4.5 * eta_sd / np.sqrt(2 * S))
close("y_sd", pred["y_sd"], y_sd, 4.5 * eta_sd / np.sqrt(2 * S))
close("y_q5", pred["y_q5"], eta_mean - 1.6449 * y_sd, 0.08 * y_sd)
close("y_q95", pred["y_q95"], eta_mean + 1.6449 * y_sd, 0.08 * y_sd)
if draws.shape != (S, 3): bad.append(f"--draws has shape {draws.shape}, want ({S}, 3)")
else: close("draws mean", draws.mean(0), eta_mean, 4.5 * y_sd / np.sqrt(S))
if bad: print("\n".join(bad)); sys.exit(1)
PY
then ok; else fail "linear predictive differs from the closed form"; fi
# the predictions go to stdout without --output, and repeat under a seed
"$elbo" predict --model "$tmp/lin" --data "$tmp/lin_new.csv" >"$tmp/lin_stdout.csv" 2>/dev/null
cmp -s "$tmp/lin_stdout.csv" "$tmp/lin_pred.csv" && ok || fail "predict to stdout differs from --output"

# ---- logistic regression on the built-in data ----------------------------------------
"$elbo" fit logistic --seed 1 --threads 1 --output "$tmp/logit" -q 2>/dev/null
if "$elbo" predict --model "$tmp/logit" --data "$src/data/breast_cancer.csv" --output "$tmp/logit_pred.csv" -q; then ok
else fail "predict logistic exited non-zero"; fi
if $py - "$src/data/breast_cancer.csv" "$tmp/logit_pred.csv" <<'PY'
import sys, numpy as np
d = np.genfromtxt(sys.argv[1], delimiter=",", names=True)
p = np.genfromtxt(sys.argv[2], delimiter=",", names=True)
acc = np.mean((p["y_mean"] > 0.5) == (d["malignant_is_0"] > 0.5))
ok = acc > 0.95 and np.all((p["y_mean"] >= 0) & (p["y_mean"] <= 1)) and np.all(p["eta_q5"] <= p["eta_q95"])
if not ok: print(f"accuracy {acc}"); sys.exit(1)
PY
then ok; else fail "logistic predictions do not classify the training data"; fi

# ---- LDA: transform of training documents = fitted topic proportions -----------------
awk 'BEGIN { srand(7)
  for (d = 0; d < 200; d++) { a = int(rand() * 3); b = (a + 1) % 3; mix = rand(); len = 30 + int(rand() * 40)
    delete cnt; n = 0
    for (i = 0; i < len; i++) { t = (rand() < mix) ? a : b; w = (rand() < 0.9) ? 20 * t + int(rand() * 20) : int(rand() * 60)
      if (!(w in cnt)) n++; cnt[w]++ }
    line = n; for (w = 0; w < 60; w++) if (w in cnt) line = line " " w ":" cnt[w]; print line } }' >"$tmp/corpus.dat"
for w in $(seq 0 59); do echo "w$w"; done >"$tmp/vocab.txt"
if "$elbo" fit lda --docword "$tmp/corpus.dat" --vocab "$tmp/vocab.txt" --topics 3 --method cavi --max-iter 500 \
     --tol 1e-10 --local-tol 1e-8 --local-max-iter 1000 --heldout-fraction 0 --seed 2 --output "$tmp/lda" -q --no-progress
then ok; else fail "fit lda --method cavi exited non-zero"; fi
if "$elbo" predict --model "$tmp/lda" --data "$tmp/corpus.dat" --output "$tmp/lda_pred.csv" -q; then ok
else fail "predict lda exited non-zero"; fi
if $py - "$tmp/lda/doc_topics.csv" "$tmp/lda_pred.csv" <<'PY'
import sys, numpy as np
fit = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
pred = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1)[:, 1:]
if fit.shape != pred.shape: print(fit.shape, pred.shape); sys.exit(1)
err = np.abs(fit - pred).max()
if not (err < 1e-4 and np.allclose(pred.sum(1), 1)): print(f"max |fitted - predicted| = {err}"); sys.exit(1)
PY
then ok; else fail "LDA transform of the training documents differs from the fitted proportions"; fi
# plain-text documents through the vocabulary: a text fit, and a new document of known words
printf 'apple banana cherry apple banana\ncherry apple banana cherry\nengine wheel motor engine\nwheel motor engine wheel\napple cherry banana\nmotor wheel engine\n' >"$tmp/docs.txt"
"$elbo" fit lda --docword "$tmp/docs.txt" --format text --topics 2 --method cavi --heldout-fraction 0 --seed 1 \
  --output "$tmp/lda_text" -q --no-progress 2>/dev/null
printf 'banana apple unknownword\nengine motor\n' >"$tmp/new_docs.txt"
if "$elbo" predict --model "$tmp/lda_text" --data "$tmp/new_docs.txt" --output "$tmp/text_pred.csv" -q &&
   $py - "$tmp/text_pred.csv" <<'PY'
import sys, numpy as np
p = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)[:, 1:]
# the fruit document and the engine document load on different topics
sys.exit(0 if p.shape == (2, 2) and np.argmax(p[0]) != np.argmax(p[1]) and p.max(1).min() > 0.6 else 1)
PY
then ok; else fail "predict on text documents: $(cat "$tmp/text_pred.csv" 2>/dev/null)"; fi
# a byte-order mark is dropped (it used to glue onto "banana", an unknown word then);
# invalid UTF-8 is refused naming the file and line
printf '\xef\xbb\xbfbanana apple unknownword\nengine motor\n' >"$tmp/bom_docs.txt"
if "$elbo" predict --model "$tmp/lda_text" --data "$tmp/bom_docs.txt" --output "$tmp/bom_pred.csv" -q &&
   cmp -s "$tmp/bom_pred.csv" "$tmp/text_pred.csv"; then ok
else fail "predict on text documents with a BOM differs from without"; fi
printf 'banana apple\ncaf\xe9 motor\n' >"$tmp/latin1_docs.txt"
expect_error "Latin-1 text documents" "latin1_docs.txt:2: not valid UTF-8" -- predict --model "$tmp/lda_text" \
  --data "$tmp/latin1_docs.txt" --output "$tmp/x.csv"

# ---- GMM: components of new points ----------------------------------------------------
awk 'BEGIN { srand(5); print "label,a,b"
  for (i = 0; i < 300; i++) { c = i % 2; printf "%d,%.5f,%.5f\n", c, c * 6 + rand(), c * -4 + rand() } }' >"$tmp/gmm.csv"
if "$elbo" fit gmm --data "$tmp/gmm.csv" --drop label --components 2 --method cavi --seed 1 --output "$tmp/gmm" -q \
     --no-progress; then ok; else fail "fit gmm exited non-zero"; fi
if "$elbo" predict --model "$tmp/gmm" --data "$tmp/gmm.csv" --output "$tmp/gmm_pred.csv" -q; then ok
else fail "predict gmm exited non-zero"; fi
if $py - "$tmp/gmm.csv" "$tmp/gmm_pred.csv" "$tmp/gmm/gmm.json" <<'PY'
import sys, json, numpy as np
from scipy.special import digamma, logsumexp
d = np.genfromtxt(sys.argv[1], delimiter=",", names=True)
p = np.genfromtxt(sys.argv[2], delimiter=",", names=True)
g = json.load(open(sys.argv[3]))
labels = d["label"].astype(int); comp = p["component"].astype(int)
agree = max(np.mean(comp == labels), np.mean(comp != labels))
# Bishop (10.46, 10.64-10.66) from gmm.json's mixture, independently of elbo
X = np.column_stack([d["a"], d["b"]]); D = 2
alpha, beta, nu = map(np.array, (g["weight_concentration"], g["mean_precision"], g["degrees_of_freedom"]))
logr = []
for k in range(len(alpha)):
    W = np.linalg.inv(nu[k] * np.array(g["covariances"][k]))
    e_logdet = sum(digamma((nu[k] + 1 - i) / 2) for i in range(1, D + 1)) + D * np.log(2) + np.linalg.slogdet(W)[1]
    dx = X - np.array(g["means"][k])
    logr.append(digamma(alpha[k]) - digamma(alpha.sum()) + 0.5 * e_logdet - D / 2 * np.log(2 * np.pi)
                - D / (2 * beta[k]) - nu[k] / 2 * np.einsum("ij,jk,ik->i", dx, W, dx))
logr = np.array(logr).T
r = np.exp(logr - logsumexp(logr, axis=1, keepdims=True))
err = np.abs(r - np.column_stack([p["prob_0"], p["prob_1"]])).max()
if not (agree == 1.0 and err < 1e-8): print(f"agreement {agree}, max prob error {err}"); sys.exit(1)
PY
then ok; else fail "GMM predictions do not match the clusters or Bishop's responsibilities"; fi

# ---- VAE: latent means of new images ---------------------------------------------------
shared=$src/../shared/data
if [[ -s $shared/digits/digits.csv ]]; then
  "$elbo" train vae --data "$shared/digits/digits.csv" --latent 3 --hidden 16 --epochs 1 --test-k 5 --threads 1 \
    --output "$tmp/vae" --quiet --no-progress 2>/dev/null
  if "$elbo" predict --model "$tmp/vae" --data "$shared/digits/digits.csv" --output "$tmp/z1.csv" -q &&
     "$elbo" predict --model "$tmp/vae" --data "$shared/digits/digits.csv" --output "$tmp/z2.csv" -q; then ok
  else fail "predict vae exited non-zero"; fi
  cmp -s "$tmp/z1.csv" "$tmp/z2.csv" && ok || fail "VAE latent means are not deterministic"
  [[ $(head -n1 "$tmp/z1.csv") == "row,z_0,z_1,z_2" ]] && ok || fail "VAE header: $(head -n1 "$tmp/z1.csv")"
  images=$(($(wc -l <"$shared/digits/digits.csv") - 1))
  [[ $(($(wc -l <"$tmp/z1.csv") - 1)) -eq $images ]] && ok || fail "VAE: not one row per image"
fi

# ---- bad input ---------------------------------------------------------------------------
mkdir -p "$tmp/empty"
expect_error "no model.json" "empty.*has no model.json" -- predict --model "$tmp/empty" --data "$tmp/lin_new.csv"
expect_error "missing dir" "nowhere.*not a directory" -- predict --model "$tmp/nowhere" --data "$tmp/lin_new.csv"
cp -r "$tmp/lin" "$tmp/old"
sed -i 's/elbo-model-1/elbo-model-0/' "$tmp/old/model.json"
expect_error "old format" "model.json.*elbo-model-0.*refit" -- predict --model "$tmp/old" --data "$tmp/lin_new.csv"
printf '{"format": "elbo-model-1"' >"$tmp/old/model.json"
expect_error "truncated model.json" "model.json" -- predict --model "$tmp/old" --data "$tmp/lin_new.csv"
printf 'x1,x3\n1,2\n' >"$tmp/missing_col.csv"
expect_error "missing column" "missing_col.csv:1: field 'x2'" -- predict --model "$tmp/lin" --data "$tmp/missing_col.csv"
printf 'x1,x2\n1,nan\n' >"$tmp/nan.csv"
expect_error "NaN feature" "nan.csv:2.*x2" -- predict --model "$tmp/lin" --data "$tmp/nan.csv"
printf 'x1,x2\n' >"$tmp/header_only.csv"
expect_error "no rows" "header_only.csv" -- predict --model "$tmp/lin" --data "$tmp/header_only.csv"
expect_error "missing data" "nofile.csv" -- predict --model "$tmp/lin" --data "$tmp/nofile.csv"
printf '1 99:2\n' >"$tmp/bad_doc.dat"
expect_error "word id out of range" "bad_doc.dat" -- predict --model "$tmp/lda" --data "$tmp/bad_doc.dat"
printf 'a\n1\n' >"$tmp/gmm_short.csv"
expect_error "GMM column" "'b'" -- predict --model "$tmp/gmm" --data "$tmp/gmm_short.csv"
rm "$tmp/lin/draws.csv"
expect_error "no draws.csv" "draws.csv" -- predict --model "$tmp/lin" --data "$tmp/lin_new.csv"
expect_error "no --data" "--data" -- predict --model "$tmp/lin"

echo "predict cli: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
