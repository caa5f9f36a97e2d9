#!/usr/bin/env bash
# End-to-end tests of `elbo fit gp` and `elbo predict` on a GP fit:
#  * collapsed fit with the inducing points at all the training rows: its ELBO is
#    the exact GP log marginal likelihood and its predictions are the exact GP's,
#    both computed independently here with numpy from the saved hyperparameters;
#  * save/reload: the predictions of a stochastic SVGP fit (rbf+linear, fewer
#    inducing points) equal numpy's predictive from model.json's Z, q(u) and
#    hyperparameters; stdout equals --output; the fit learns (RMSE, ELBO trace);
#  * a collapsed fit's inducing inputs start at the greedy-variance rows (numpy's own
#    pivoted Cholesky), an SVGP's at k-means++ centres;
#  * Poisson rates near the true ones; Student-t beats the Gaussian on data with outliers;
#  * a killed run resumed from its checkpoint ends with the same model.json;
#  * classification on the built-in breast-cancer data (every 4th row held out):
#    held-out accuracy and log predictive density at least those of elbo's
#    logistic regression on the same split (reference numbers below);
#  * bad input: one stderr line naming the file, column or option, non-zero exit.
# Usage: gp_cli_test.sh ELBO_BINARY SOURCE_DIR
set -u
elbo=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
source "$(dirname "$0")/lib.sh"
py=/usr/bin/python3

# ---- data: y = sin(2 x1) + 0.5 x2 + N(0, 0.2²), on the scale of real columns -------------
$py - "$tmp" <<'PY'
import sys, numpy as np
rng = np.random.default_rng(5)
def make(n, path):
    x1 = rng.normal(size=n); x2 = rng.normal(size=n)
    y = np.sin(2 * x1) + 0.5 * x2 + 0.2 * rng.normal(size=n)
    np.savetxt(path, np.column_stack([10 + 3 * x1, -2 + 0.5 * x2, y]), delimiter=",", header="x1,x2,y",
               comments="", fmt="%.10g")
make(60, sys.argv[1] + "/train.csv")
make(25, sys.argv[1] + "/test.csv")
make(3000, sys.argv[1] + "/big.csv")
PY

# ---- collapsed, inducing points = all rows: the exact GP ------------------------------
if "$elbo" fit gp --data "$tmp/train.csv" --target y --kernel rbf --method collapsed --inducing 60 \
     --fix-inducing --jitter 1e-12 --steps 150 --learning-rate 0.05 --threads 1 -o "$tmp/exact" -q; then ok
else fail "fit gp --method collapsed exited non-zero"; fi
if "$elbo" predict --model "$tmp/exact" --data "$tmp/test.csv" -o "$tmp/exact_pred.csv" >"$tmp/exact_out.txt"; then ok
else fail "predict (exact) exited non-zero"; fi
if $py - "$tmp/train.csv" "$tmp/test.csv" "$tmp/exact" "$tmp/exact_pred.csv" "$tmp/exact_out.txt" <<'PY'
import sys, json, re, numpy as np
tr = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1); te = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1)
model = json.load(open(sys.argv[3] + "/model.json")); summary = json.load(open(sys.argv[3] + "/summary.json"))
pred = np.genfromtxt(sys.argv[4], delimiter=",", names=True)
h = model["hyperparameters"]
s, ell = h["kernel.scale"], np.array([h["kernel.lengthscale[0]"], h["kernel.lengthscale[1]"]])
noise = h["likelihood.noise_variance"]
m, sd = tr[:, :2].mean(0), tr[:, :2].std(0, ddof=1)
ym, ysd = tr[:, 2].mean(), tr[:, 2].std(ddof=1)
X = (tr[:, :2] - m) / sd; Xs = (te[:, :2] - m) / sd; y = (tr[:, 2] - ym) / ysd
k = lambda A, B: s * np.exp(-0.5 * (((A[:, None, :] - B[None, :, :]) / ell) ** 2).sum(-1))
K = k(X, X) + noise * np.eye(len(y)); L = np.linalg.cholesky(K); alpha = np.linalg.solve(K, y)
lml = -0.5 * y @ alpha - np.log(np.diag(L)).sum() - 0.5 * len(y) * np.log(2 * np.pi)
Ks = k(X, Xs); fm = Ks.T @ alpha; fv = s - np.einsum("ij,ij->j", Ks, np.linalg.solve(K, Ks))
mean, var = fm * ysd + ym, (fv + noise) * ysd**2
lpd = np.mean(-0.5 * np.log(2 * np.pi * var) - 0.5 * (te[:, 2] - mean) ** 2 / var)
bad = []
def close(name, got, want, tol):
    if not np.all(np.abs(np.asarray(got) - want) <= tol): bad.append(f"{name}: {got} vs exact GP {want}")
close("ELBO = log marginal likelihood", summary["elbo"], lml, 1e-6 * max(1, abs(lml)))
close("f_mean", pred["f_mean"], fm, 1e-6); close("f_variance", pred["f_variance"], fv, 1e-6)
close("mean", pred["mean"], mean, 1e-6); close("variance", pred["variance"], var, 1e-6)
out = open(sys.argv[5]).read()
got = re.search(r"RMSE ([0-9.e+-]+), mean log predictive density (-?[0-9.]+)", out)
if not got: bad.append("no test line in: " + out)
else:
    close("RMSE", float(got.group(1)), np.sqrt(np.mean((mean - te[:, 2]) ** 2)), 1e-5)
    close("lpd", float(got.group(2)), lpd, 2e-6)
# the hyperparameters were learnt (not left at the start): noise near 0.2² on y's scale
if not (0.005 < noise * ysd**2 < 0.15): bad.append(f"noise variance {noise * ysd**2} is not near 0.04")
if bad: print("\n".join(bad)); sys.exit(1)
PY
then ok; else fail "collapsed fit with all rows as inducing points differs from the exact GP"; fi

# ---- collapsed, 12 of 60 rows: the inducing inputs start by greedy variance ---------------
# With --fix-inducing they stay where they start: the rows numpy's pivoted Cholesky of
# K_ff picks under the initial kernel (rbf, scale 1, lengthscale sqrt(2)), in its order.
if "$elbo" fit gp --data "$tmp/train.csv" --method collapsed --inducing 12 --fix-inducing --steps 5 --threads 1 \
     -o "$tmp/greedy" -q; then ok; else fail "fit gp --method collapsed --inducing 12 exited non-zero"; fi
if $py - "$tmp/train.csv" "$tmp/greedy" <<'PY'
import sys, json, numpy as np
tr = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1)
model = json.load(open(sys.argv[2] + "/model.json")); summary = json.load(open(sys.argv[2] + "/summary.json"))
X = (tr[:, :2] - tr[:, :2].mean(0)) / tr[:, :2].std(0, ddof=1)
k = lambda A, B: np.exp(-0.5 * ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1) / 2.0)
residual, F, picks = np.ones(len(X)), np.zeros((len(X), 12)), []
for t in range(12):
    p = int(np.argmax(np.where(np.isin(np.arange(len(X)), picks), -np.inf, residual)))
    picks.append(p)
    f = (k(X, X[p:p + 1])[:, 0] - F[:, :t] @ F[p, :t]) / np.sqrt(residual[p])
    F[:, t] = f; residual = residual - f ** 2
Z = np.array(model["inducing"])
bad = []
if summary["settings"]["inducing_start"] != "variance":
    bad.append(f"settings.inducing_start is {summary['settings']['inducing_start']}, not variance")
if Z.shape != (12, 2) or np.abs(Z - X[picks]).max() > 1e-8:
    bad.append(f"Z is not the greedy-variance rows {picks}")
if bad: print("\n".join(bad)); sys.exit(1)
PY
then ok; else fail "collapsed fit's inducing inputs are not the greedy-variance rows"; fi
"$elbo" fit gp --data "$tmp/train.csv" --method natural --inducing 12 --steps 2 --threads 1 -o "$tmp/kmeans" -q &&
  grep -q '"inducing_start": *"kmeans++"' "$tmp/kmeans/summary.json" && ok ||
  fail "the SVGP's inducing inputs do not start at k-means++ centres"

# ---- stochastic SVGP, rbf+linear: save/reload and learning ----------------------------
common=(fit gp --data "$tmp/train.csv" --kernel rbf+linear --likelihood gaussian --method natural --inducing 15
        --batch-size 20 --steps 600 --learning-rate 0.02 --natural-step 0.2 --seed 3 --threads 1)
if "$elbo" "${common[@]}" -o "$tmp/svgp" -q; then ok; else fail "fit gp --method natural exited non-zero"; fi
"$elbo" predict --model "$tmp/svgp" --data "$tmp/test.csv" -o "$tmp/svgp_pred.csv" -q || fail "predict (svgp) exited non-zero"
"$elbo" predict --model "$tmp/svgp" --data "$tmp/test.csv" >"$tmp/svgp_stdout.csv" 2>/dev/null
cmp -s "$tmp/svgp_stdout.csv" "$tmp/svgp_pred.csv" && ok || fail "predict to stdout differs from --output"
if $py - "$tmp/train.csv" "$tmp/test.csv" "$tmp/svgp" "$tmp/svgp_pred.csv" <<'PY'
import sys, json, numpy as np
tr = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1); te = np.loadtxt(sys.argv[2], delimiter=",", skiprows=1)
model = json.load(open(sys.argv[3] + "/model.json")); summary = json.load(open(sys.argv[3] + "/summary.json"))
pred = np.genfromtxt(sys.argv[4], delimiter=",", names=True)
bad = []
if model["model"] != "gp" or model["format"] != "elbo-model-1" or model["kernel"]["spec"] != "rbf+linear":
    bad.append(f"model.json header: {model['model']} {model['format']} {model['kernel']['spec']}")
h = model["hyperparameters"]
s1, s2 = h["kernel.rbf[0].scale"], h["kernel.linear[1].scale"]
ell = np.array([h["kernel.rbf[0].lengthscale[0]"], h["kernel.rbf[0].lengthscale[1]"]])
noise = h["likelihood.noise_variance"]
m, sd = np.array(model["means"]), np.array(model["sds"])
if np.abs(m - tr[:, :2].mean(0)).max() > 1e-9 or np.abs(sd - tr[:, :2].std(0, ddof=1)).max() > 1e-9:
    bad.append("the saved standardisation is not the training columns' mean and sample sd")
ym, ysd = model["target_mean"], model["target_sd"]
k = lambda A, B: s1 * np.exp(-0.5 * (((A[:, None, :] - B[None, :, :]) / ell) ** 2).sum(-1)) + s2 * A @ B.T
Z = np.array(model["inducing"]); mu = np.array(model["q_mean"]); Ls = np.array(model["q_chol"])
Xs = (te[:, :2] - m) / sd
Kzz = k(Z, Z); Kzz += model["jitter"] * np.mean(np.diag(Kzz)) * np.eye(len(Z))
L = np.linalg.cholesky(Kzz); A = np.linalg.solve(L, k(Z, Xs))
fm = A.T @ mu; fv = np.diag(k(Xs, Xs)) - (A * A).sum(0) + ((Ls.T @ A) ** 2).sum(0)
def close(name, got, want, tol):
    if not np.all(np.abs(np.asarray(got) - want) <= tol): bad.append(f"{name}: {got} vs {want}")
close("f_mean", pred["f_mean"], fm, 1e-6); close("f_variance", pred["f_variance"], fv, 1e-6)
close("mean", pred["mean"], fm * ysd + ym, 1e-6); close("variance", pred["variance"], (fv + noise) * ysd**2, 1e-6)
rmse = np.sqrt(np.mean((pred["mean"] - te[:, 2]) ** 2))
if not rmse < 0.4: bad.append(f"test RMSE {rmse} (noise sd 0.2; a constant predictor has about 1)")
tr_ = np.array(summary["elbo_trace"])
if len(tr_) != 600 or not tr_[-50:].mean() > tr_[:50].mean() + 5: bad.append(f"ELBO trace did not rise: {tr_[:3]} ... {tr_[-3:]}")
if not summary["timings"]["seconds_per_step"] > 0: bad.append("no timings")
if bad: print("\n".join(bad)); sys.exit(1)
PY
then ok; else fail "SVGP predictions differ from model.json's predictive, or the fit did not learn"; fi

# ---- counts and outliers: Poisson rates, Student-t against a Gaussian -------------------
$py - "$tmp" <<'PY'
import sys, numpy as np
rng = np.random.default_rng(8)
x = rng.uniform(-3, 3, 400); rate = np.exp(1 + np.sin(x))
np.savetxt(sys.argv[1] + "/counts.csv", np.column_stack([x, rng.poisson(rate)]), delimiter=",",
           header="x,n", comments="", fmt="%.10g")
xs = np.linspace(-2.5, 2.5, 50)
np.savetxt(sys.argv[1] + "/counts_new.csv", np.column_stack([xs, np.exp(1 + np.sin(xs))]), delimiter=",",
           header="x,rate", comments="", fmt="%.10g")
x = rng.uniform(-3, 3, 200); y = np.sin(x) + 0.1 * rng.normal(size=200)
y[rng.choice(200, 12, replace=False)] += rng.choice([-1, 1], 12) * rng.uniform(4, 8, 12)  # 6% gross outliers
np.savetxt(sys.argv[1] + "/outliers.csv", np.column_stack([x, y]), delimiter=",", header="x,y", comments="", fmt="%.10g")
np.savetxt(sys.argv[1] + "/clean.csv", np.column_stack([xs, np.sin(xs)]), delimiter=",", header="x,y", comments="", fmt="%.10g")
PY
"$elbo" fit gp --data "$tmp/counts.csv" --likelihood poisson --inducing 20 --steps 400 --batch-size 100 \
  --learning-rate 0.02 --natural-step 0.3 --seed 2 --threads 1 -o "$tmp/pois" -q || fail "fit gp --likelihood poisson exited non-zero"
"$elbo" predict --model "$tmp/pois" --data "$tmp/counts_new.csv" -o "$tmp/pois_pred.csv" -q || fail "predict (poisson) exited non-zero"
for lik in student_t gaussian; do
  "$elbo" fit gp --data "$tmp/outliers.csv" --likelihood $lik --inducing 20 --steps 400 --batch-size 1000 \
    --learning-rate 0.02 --natural-step 0.3 --seed 2 --threads 1 -o "$tmp/out_$lik" -q || fail "fit gp --likelihood $lik exited non-zero"
  "$elbo" predict --model "$tmp/out_$lik" --data "$tmp/clean.csv" -o "$tmp/out_${lik}_pred.csv" -q || fail "predict ($lik) exited non-zero"
done
if $py - "$tmp" <<'PY'
import sys, numpy as np
t = sys.argv[1]
new = np.genfromtxt(t + "/counts_new.csv", delimiter=",", names=True)
p = np.genfromtxt(t + "/pois_pred.csv", delimiter=",", names=True)
bad = []
rel = np.max(np.abs(p["mean"] - new["rate"]) / new["rate"])
if not rel < 0.35: bad.append(f"Poisson rates off by up to {rel:.2f} of the true rate")
if np.any(p["variance"] <= 0): bad.append("Poisson predictive variance not positive")
clean = np.genfromtxt(t + "/clean.csv", delimiter=",", names=True)["y"]
r = {lik: np.sqrt(np.mean((np.genfromtxt(t + f"/out_{lik}_pred.csv", delimiter=",", names=True)["mean"] - clean) ** 2))
     for lik in ("student_t", "gaussian")}
if not (r["student_t"] < 0.15 and r["student_t"] < 0.7 * r["gaussian"]):
    bad.append(f"Student-t RMSE {r['student_t']:.3f} vs Gaussian {r['gaussian']:.3f} on data with outliers")
if bad: print("\n".join(bad)); sys.exit(1)
print(f"poisson max rel err {rel:.3f}; outliers: student_t {r['student_t']:.3f}, gaussian {r['gaussian']:.3f}")
PY
then ok; else fail "Poisson rates or Student-t robustness"; fi

# ---- a killed run resumes from its checkpoint to the same model -----------------------
common=(fit gp --data "$tmp/big.csv" --kernel rbf --inducing 48 --batch-size 128 --steps 1500 --seed 4
        --threads 1 --checkpoint-every 25 -q --no-progress)
"$elbo" "${common[@]}" -o "$tmp/whole" || fail "uninterrupted fit gp failed"
ckpt="$tmp/gp.ckpt"
"$elbo" "${common[@]}" -o "$tmp/killed" --checkpoint "$ckpt" &
pid=$!
for _ in $(seq 1 1000); do [[ -f "$ckpt" ]] && break; sleep 0.01; done
sleep 0.1
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
[[ -f "$ckpt" ]] && ok || fail "no checkpoint was written before the kill"
[[ -f "$tmp/killed/model.json" ]] && fail "the run finished before it was killed (make it longer)"
"$elbo" "${common[@]}" -o "$tmp/killed" --checkpoint "$ckpt" --resume || fail "resume failed"
if [[ -s "$tmp/whole/model.json" ]] && cmp -s "$tmp/whole/model.json" "$tmp/killed/model.json"; then ok
else fail "the resumed run's model.json differs from the uninterrupted run's"; fi
grep -q '"resumed_from_step": [1-9]' "$tmp/killed/summary.json" && ok || fail "summary.json does not record the resume"
printf 'not a checkpoint' >"$tmp/bad.ckpt"
expect_error "corrupt checkpoint" "bad.ckpt" -- "${common[@]}" -o "$tmp/x" --checkpoint "$tmp/bad.ckpt" --resume
expect_error "checkpoint of other options" "gp.ckpt.*other data or options" -- "${common[@]/1500/1400}" -o "$tmp/x" \
  --checkpoint "$ckpt" --resume

# ---- classification: breast cancer, every 4th row held out -----------------------------
# elbo's logistic regression on this split (fit logistic --data bc_train.csv --seed 1, then
# predict: y_mean as P(y = 1)): accuracy 0.979021 (140 of 143), mean log predictive density -0.066437.
awk -F, 'NR == 1 { print > "'"$tmp"'/bc_train.csv"; print > "'"$tmp"'/bc_test.csv"; next }
         (NR - 2) % 4 == 0 { print > "'"$tmp"'/bc_test.csv"; next } { print > "'"$tmp"'/bc_train.csv" }' \
  "$src/data/breast_cancer.csv"
for lik in bernoulli bernoulli_logit; do
  if "$elbo" fit gp --data "$tmp/bc_train.csv" --target malignant_is_0 --likelihood $lik --kernel rbf+linear \
       --inducing 64 --batch-size 1024 --steps 400 --learning-rate 0.02 --natural-step 0.5 --seed 1 --threads 1 \
       -o "$tmp/bc_$lik" -q; then ok; else fail "fit gp --likelihood $lik exited non-zero"; fi
  "$elbo" predict --model "$tmp/bc_$lik" --data "$tmp/bc_test.csv" -o "$tmp/bc_pred.csv" >"$tmp/bc_out.txt" ||
    fail "predict ($lik) exited non-zero"
  if $py - "$tmp/bc_out.txt" "$tmp/bc_pred.csv" "$tmp/bc_test.csv" <<'PY'
import sys, re, numpy as np
out = open(sys.argv[1]).read()
g = re.search(r"accuracy ([0-9.]+), mean log predictive density (-?[0-9.]+)", out)
if not g: print("no test line: " + out); sys.exit(1)
acc, lpd = float(g.group(1)), float(g.group(2))
p = np.genfromtxt(sys.argv[2], delimiter=",", names=True)["mean"]
y = np.genfromtxt(sys.argv[3], delimiter=",", names=True)["malignant_is_0"]
own_acc = np.mean((p > 0.5) == (y > 0.5))
own_lpd = np.mean(np.log(np.where(y > 0.5, p, 1 - p)))
bad = []
if abs(own_acc - acc) > 1e-6 or abs(own_lpd - lpd) > 1e-4: bad.append(f"reported {acc} {lpd}, from the CSV {own_acc} {own_lpd}")
if acc < 0.979020 or lpd < -0.066437: bad.append(f"GP accuracy {acc}, lpd {lpd}: below logistic regression's 0.979021, -0.066437")
if bad: print("\n".join(bad)); sys.exit(1)
print(f"acc {acc} lpd {lpd}")
PY
  then ok; else fail "GP classification ($lik) is worse than logistic regression on breast cancer"; fi
done

# ---- bad input: one line, non-zero exit ------------------------------------------------
printf 'x1,x2,y\n1,2,3\n4,abc,6\n7,8,9\n' >"$tmp/nonnum.csv"
expect_error "non-numeric value" "nonnum.csv:3.*x2" -- fit gp --data "$tmp/nonnum.csv" -o "$tmp/x"
printf 'x1,x2,y\n1,2,3\n4,,6\n7,8,9\n' >"$tmp/missing.csv"
expect_error "missing value" "missing.csv:3.*x2" -- fit gp --data "$tmp/missing.csv" -o "$tmp/x"
printf 'x1,x2,y\n1,5,3\n4,5,6\n7,5,9\n' >"$tmp/const.csv"
expect_error "constant column" "'x2'.*const.csv.*constant" -- fit gp --data "$tmp/const.csv" -o "$tmp/x"
expect_error "missing target column" "nope.*train.csv" -- fit gp --data "$tmp/train.csv" --target nope -o "$tmp/x"
expect_error "more inducing points than rows" "--inducing is 61.*train.csv.*60 rows" -- \
  fit gp --data "$tmp/train.csv" --inducing 61 -o "$tmp/x"
expect_error "optimizer needs collapsed" "--optimizer is for --method collapsed" -- \
  fit gp --data "$tmp/train.csv" --optimizer adam -o "$tmp/x"
expect_error "unknown inducing start" "--inducing-start" -- \
  fit gp --data "$tmp/train.csv" --inducing-start random -o "$tmp/x"
expect_error "collapsed needs gaussian" "--method collapsed.*gaussian" -- \
  fit gp --data "$tmp/train.csv" --method collapsed --likelihood poisson -o "$tmp/x"
expect_error "bernoulli target not 0/1" "train.csv:2.*'?y'?.*not 0 or 1" -- \
  fit gp --data "$tmp/train.csv" --likelihood bernoulli -o "$tmp/x"
expect_error "unknown kernel" "unknown kernel 'rbff'" -- fit gp --data "$tmp/train.csv" --kernel rbff -o "$tmp/x"
expect_error "bad learning rate" "--learning-rate" -- fit gp --data "$tmp/train.csv" --learning-rate 0 -o "$tmp/x"
printf 'x1,y\n1,2\n' >"$tmp/no_x2.csv"
expect_error "predict without a feature column" "no_x2.csv.*'x2'" -- predict --model "$tmp/svgp" --data "$tmp/no_x2.csv"
printf 'x1,x2\n1,nan\n' >"$tmp/nan.csv"
expect_error "predict on NaN" "nan.csv:2" -- predict --model "$tmp/svgp" --data "$tmp/nan.csv"
# exit codes: 1 for data, 2 for options
"$elbo" fit gp --data "$tmp/nonnum.csv" -o "$tmp/x" 2>/dev/null; [[ $? -eq 1 ]] && ok || fail "bad data: exit code is not 1"
"$elbo" fit gp --data "$tmp/train.csv" --inducing 61 -o "$tmp/x" 2>/dev/null; [[ $? -eq 2 ]] && ok || fail "bad option: exit code is not 2"

echo "gp cli: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
