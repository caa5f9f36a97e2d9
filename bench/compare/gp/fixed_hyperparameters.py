#!/usr/bin/python3
"""How far is the sparse GP from the exact one at the exact GP's own hyperparameters?

For each UCI set of compare.py (same split, same standardisation), the Titsias/SGPR
predictive at scikit-learn's fitted kernel (read from results.json), with T inducing
inputs picked by greedy variance under that kernel (a pivoted Cholesky of K_ff, as
`elbo fit gp --inducing-start variance` does), computed here in numpy. It separates
the two ways a collapsed fit can fall short of the exact GP: too few inducing points
(this table) and the bound's own optimum for the hyperparameters (compare.py's
table), which for the collapsed bound is known to over-estimate the noise (Bauer,
van der Wilk & Rasmussen 2016). Writes fixed_hyperparameters.md beside this script.
    /usr/bin/python3 bench/compare/gp/fixed_hyperparameters.py [T ...]
"""
import json
import os
import re
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402


def sklearn_kernel(text):
    """(amplitude, lengthscales, noise) from str(gpr.kernel_) of compare.py's kernel."""
    amp = float(re.match(r"([0-9.e+-]+)\*\*2", text).group(1)) ** 2
    ell = np.array([float(v) for v in re.search(r"length_scale=\[([^\]]+)\]", text).group(1).split(",")])
    noise = float(re.search(r"noise_level=([0-9.e+-]+)", text).group(1))
    return amp, ell, noise


def rbf(amp, ell):
    def k(A, B):
        A, B = A / ell, B / ell
        r2 = (A ** 2).sum(1)[:, None] + (B ** 2).sum(1)[None, :] - 2 * A @ B.T
        return amp * np.exp(-0.5 * np.maximum(r2, 0))
    return k


def exact_predictive(X, y, Xte, amp, ell, noise):
    k = rbf(amp, ell)
    L = np.linalg.cholesky(k(X, X) + noise * np.eye(len(X)))
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    Ks = k(X, Xte)
    V = np.linalg.solve(L, Ks)
    return Ks.T @ alpha, amp - (V ** 2).sum(0) + noise


def sgpr_predictive(X, y, Xte, amp, ell, noise, T):
    k = rbf(amp, ell)
    residual, F, picks = np.full(len(X), amp), np.zeros((len(X), T)), []
    for t in range(T):  # greedy variance: the row least explained so far
        r = residual.copy()
        r[picks] = -np.inf
        p = int(np.argmax(r))
        picks.append(p)
        F[:, t] = (k(X, X[p:p + 1])[:, 0] - F[:, :t] @ F[p, :t]) / np.sqrt(residual[p])
        residual = residual - F[:, t] ** 2
    Z = X[picks]
    L = np.linalg.cholesky(k(Z, Z) + 1e-8 * amp * np.eye(T))
    A = np.linalg.solve(L, k(Z, X)) / np.sqrt(noise)
    LB = np.linalg.cholesky(np.eye(T) + A @ A.T)
    c = np.linalg.solve(LB, A @ y) / np.sqrt(noise)
    As = np.linalg.solve(L, k(Z, Xte))
    V = np.linalg.solve(LB, As)
    return V.T @ c, amp - (As ** 2).sum(0) + (V ** 2).sum(0) + noise, residual.sum()


def main():
    Ts = [int(t) for t in sys.argv[1:]] or [512, 768, 1024, 1536, 2048]
    results = json.load(open(os.path.join(compare.HERE, "results.json")))
    out = ["# Sparse GP at the exact GP's hyperparameters", "",
           "`/usr/bin/python3 bench/compare/gp/fixed_hyperparameters.py` (its docstring says how). SGPR predictive "
           "at scikit-learn's fitted kernel, inducing inputs by greedy variance under it, M = 5000, the 1000 "
           "held-out rows of compare.py; the kernel is sklearn's as printed (3 significant digits), so the exact GP "
           "is recomputed here at it too. tr(K − Q) is what the T points leave unexplained of the prior variance; "
           "the collapsed bound pays tr(K − Q)/(2σ²) for it.", ""]
    for name, (key, title) in compare.DATASETS.items():
        rows = results.get(key)
        if not rows:
            continue
        e = rows[-1]
        M, ex = e["M"], e["sklearn"]
        amp, ell, noise = sklearn_kernel(ex["kernel"])
        X, y = compare.load_uci(name)
        Xte, yte, X, y = X[-1000:], y[-1000:], X[:M], y[:M]
        m, s = X.mean(0), X.std(0, ddof=1)
        X, Xte = (X - m) / s, (Xte - m) / s
        ym, ys = y.mean(), y.std()  # sklearn's normalize_y: population sd
        out += [f"## {title}: `{ex['kernel']}`", "",
                "| T | test RMSE | RMSE / exact | test log density | log density − exact | tr(K − Q)/(2σ²) |",
                "|---:|---:|---:|---:|---:|---:|",
                f"| exact GP (sklearn's fit) | {ex['rmse']:.4f} | 1 | {ex['lpd']:.4f} | 0 | 0 |"]
        mean, var = exact_predictive(X, (y - ym) / ys, Xte, amp, ell, noise)
        mu, v = mean * ys + ym, var * ys ** 2
        rmse, lpd = float(np.sqrt(np.mean((mu - yte) ** 2))), compare.lpd(yte, mu, v)
        out.append(f"| exact GP (here, at the printed kernel) | {rmse:.4f} | {rmse / ex['rmse']:.3f} | {lpd:.4f} | "
                   f"{lpd - ex['lpd']:+.4f} | 0 |")
        for T in Ts:
            mean, var, trace = sgpr_predictive(X, (y - ym) / ys, Xte, amp, ell, noise, T)
            mu, v = mean * ys + ym, var * ys ** 2
            rmse, lpd = float(np.sqrt(np.mean((mu - yte) ** 2))), compare.lpd(yte, mu, v)
            out.append(f"| {T} | {rmse:.4f} | {rmse / ex['rmse']:.3f} | {lpd:.4f} | {lpd - ex['lpd']:+.4f} | "
                       f"{trace / (2 * noise):.1f} |")
            print(name, T, rmse, lpd, flush=True)
        out.append("")
    open(os.path.join(compare.HERE, "fixed_hyperparameters.md"), "w").write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
