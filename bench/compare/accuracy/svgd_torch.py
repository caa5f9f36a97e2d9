#!/usr/bin/python3
"""A straightforward vectorised PyTorch SVGD (Liu & Wang 2016, Alg. 1), the same update
as elbo::infer::Svgd: RBF kernel k = exp(-||x - y||^2 / h) with the median bandwidth
h = med^2 / log n recomputed every step, phi = (K grad + repulsion) / n, the paper's
Adagrad with momentum (alpha = 0.9, eps = 0.05), 100 particles, grad log p by autograd
on the [n, D] batch. Targets: the logistic-regression posterior (breast cancer, features
standardised by the sample sd, alpha ~ N(0, 5), beta ~ N(0, 1)) and the 50-D Gaussian.
Prints and writes per-iteration wall and process-CPU times (median of 5 repeats after
20 warm-up steps).

  /usr/bin/python3 svgd_torch.py [iterations per repeat] [threads] [out.json]
"""
import csv
import json
import math
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from blas_threads import set_blas_threads  # noqa: E402

torch.set_default_dtype(torch.float64)
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))


def logreg_log_p():
    with open(os.path.join(REPO, "data", "breast_cancer.csv")) as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], torch.tensor([[float(v) for v in r] for r in rows[1:]])
    j = header.index("malignant_is_0")
    y = body[:, j]
    X = torch.cat([body[:, :j], body[:, j + 1:]], 1)
    X = (X - X.mean(0)) / X.std(0)  # sample sd (N - 1), as R's scale()

    def log_p(theta):  # [n, 1 + D] -> [n]
        alpha, beta = theta[:, 0], theta[:, 1:]
        eta = alpha[:, None] + beta @ X.T
        lik = (y * eta - torch.nn.functional.softplus(eta)).sum(1)
        return lik - 0.5 * (alpha / 5) ** 2 - 0.5 * (beta ** 2).sum(1)
    return log_p, X.shape[1] + 1


def gaussian50_log_p():
    i = torch.arange(1, 51, dtype=torch.float64)
    mu, s = torch.sin(i), torch.exp(torch.cos(i) / 2)
    Sigma = s[:, None] * s[None, :] * 0.9 ** (i[:, None] - i[None, :]).abs()
    P = torch.cholesky_inverse(torch.linalg.cholesky(Sigma))

    def log_p(x):
        d = x - mu
        return -0.5 * ((d @ P) * d).sum(1)
    return log_p, 50


def svgd_step(x, log_p, state, eps=0.05, alpha=0.9):
    x = x.detach().requires_grad_(True)
    grad = torch.autograd.grad(log_p(x).sum(), x)[0]
    x = x.detach()
    n = x.shape[0]
    sq = (x * x).sum(1)
    d2 = (sq[:, None] + sq[None, :] - 2 * x @ x.T).clamp_min(0)
    iu = torch.triu_indices(n, n, 1)
    h = d2[iu[0], iu[1]].median().item() / math.log(n)
    K = torch.exp(-d2 / h)
    phi = (K @ grad + (2 / h) * (x * K.sum(1, keepdim=True) - K @ x)) / n
    if state.get("hist") is None:
        state["hist"] = phi * phi
    else:
        state["hist"] = alpha * state["hist"] + (1 - alpha) * phi * phi
    return x + eps * phi / (state["hist"].sqrt() + 1e-6)


def time_target(log_p, dim, iters):
    g = torch.Generator().manual_seed(1)
    x = torch.randn(100, dim, generator=g)
    state = {}
    for _ in range(20):
        x = svgd_step(x, log_p, state)
    per, cpu = [], []
    for _ in range(5):
        t0, c0 = time.perf_counter(), time.process_time()
        for _ in range(iters):
            x = svgd_step(x, log_p, state)
        cpu.append((time.process_time() - c0) / iters)
        per.append((time.perf_counter() - t0) / iters)
    per.sort()
    cpu.sort()
    return {"dim": dim, "particles": 100, "iterations_per_repeat": iters,
            "seconds_per_iteration_median": per[2], "seconds_per_iteration_min": per[0],
            "seconds_per_iteration_all": per, "cpu_seconds_per_iteration_median": cpu[2],
            "cpu_seconds_per_iteration_all": cpu}


def main():
    iters = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    out = sys.argv[3] if len(sys.argv) > 3 else os.path.join(HERE, "runs", "svgd_timing_torch.json")
    torch.set_num_threads(threads)
    set_blas_threads(threads)
    res = {"torch_version": torch.__version__, "threads": threads}
    for name, make in [("logreg", logreg_log_p), ("gaussian50", gaussian50_log_p)]:
        log_p, dim = make()
        res[name] = time_target(log_p, dim, iters)
        print(f"{name}: {res[name]['seconds_per_iteration_median'] * 1e3:.3f} ms/iteration wall, "
              f"{res[name]['cpu_seconds_per_iteration_median'] * 1e3:.3f} ms CPU (median of 5)")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as fh:
        json.dump(res, fh, indent=1)


if __name__ == "__main__":
    main()
