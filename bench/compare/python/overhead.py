#!/usr/bin/env python3
"""Issue 14's Python benchmarks (one run, side by side), on Bayesian logistic regression
with the breast-cancer data (569 x 30, standardised):

1. Overhead: ADVI's per-iteration time with the model written in Python (elbo.fit) against
   the same built-in model through the CLI (`elbo fit logistic`), at K = 1 and K = 16
   gradient draws; also the built-in model through elbo.fit (the binding alone). The
   Python model is timed in three formulations of the same density: (a) torch ops with
   torch.distributions priors (a direct port), (b) the likelihood by elbo.glm (one
   autograd node, as the built-in's), priors by torch.distributions, (c) elbo.glm with
   the priors by elbo.lpdf.normal (one node each). The built-in fuses prior and likelihood
   into one node; (a) and (b) pay PyTorch's per-op cost (a few µs per op and its backward)
   on the K x N predictor and the priors, which is model arithmetic, not the binding.
   Each formulation is also timed with jit=True: log_joint traced to TorchScript, which the
   engine runs from C++ without Python's dispatch (the same draws, bit for bit).
2. Against PyTorch by hand: a plain Adam loop on a full-rank Gaussian (reparameterised,
   analytic entropy, the same K, step size and iterations) against elbo.fit with the same
   Python model and settings: per-iteration time and the ELBO each reaches, estimated the
   same way (20,000 draws of each q).

Each fit runs a fixed number of iterations (no early stop, no averaging, a zero start, no
mode check). Per-iteration time is the slope between fits of SHORT and ITERATIONS
iterations, (min fit time at ITERATIONS - min at SHORT) / (ITERATIONS - SHORT): one-off
costs (jit's traces, the first calls, the final draws) cancel, for every row alike.
Writes results/overhead.json and results/overhead.md.

    PYTHONPATH=build/python /usr/bin/python3 bench/compare/python/overhead.py [--repeats 3]
"""
import argparse
import json
import math
import os
import pathlib
import subprocess
import tempfile
import time

import numpy as np
import torch
from torch.distributions import Normal

import elbo

# elbo works in double; torch.distributions makes float32 tensors of Python floats
# (Normal(0.0, 5.0)) unless the default dtype is double.
torch.set_default_dtype(torch.float64)

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parents[2]
ITERATIONS = 2000
SHORT = 500


def data():
    table = np.loadtxt(REPO / "data" / "breast_cancer.csv", delimiter=",", skiprows=1)
    X, y = table[:, :-1], table[:, -1]
    return (X - X.mean(0)) / X.std(0, ddof=1), y


class Logistic(elbo.Model):
    def __init__(self, D, N):
        self.latents = [elbo.Latent("alpha"), elbo.Latent("beta", shape=(D,))]
        self.num_data = N

    def log_joint(self, z, data):
        eta = z.column("alpha") + z["beta"] @ data["X"].T
        likelihood = (data["y"] * eta - torch.nn.functional.softplus(eta, 1.0, 40.0)).sum(-1)  # the built-in softplus threshold
        prior = Normal(0.0, 5.0).log_prob(z["alpha"]) + Normal(0.0, 1.0).log_prob(z["beta"]).sum(-1)
        return prior + data.scale * likelihood


class GlmLogistic(Logistic):
    """(b): the likelihood by elbo.glm."""

    def log_joint(self, z, data):
        prior = Normal(0.0, 5.0).log_prob(z["alpha"]) + Normal(0.0, 1.0).log_prob(z["beta"]).sum(-1)
        return prior + data.scale * elbo.glm.bernoulli_logit(data["X"], data["y"], z["alpha"], z["beta"])


class GlmLpdfLogistic(Logistic):
    """(c): elbo.glm for the likelihood, elbo.lpdf for the priors (one node each)."""

    def log_joint(self, z, data):
        prior = elbo.lpdf.normal(z["alpha"], 0.0, 5.0) + elbo.lpdf.normal(z["beta"], 0.0, 1.0)
        return prior + data.scale * elbo.glm.bernoulli_logit(data["X"], data["y"], z["alpha"], z["beta"])


def settings(k, iterations=ITERATIONS, family="fullrank"):
    return dict(family=family, grad_draws=k, max_iter=iterations, tol_rel_obj=1e-12, average=False,
                init="zero", mode_check=False, stl=False, optimizer="adam", schedule="constant", eta=0.01,
                draws=100, seed=1)


def cli_arguments(options):
    out = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        out += [f"{flag}={'true' if value else 'false'}"] if isinstance(value, bool) else [flag, str(value)]
    return out


def fit_seconds_cli(k, iterations):
    cli = os.environ.get("ELBO_CLI", str(REPO / "build" / "elbo"))
    with tempfile.TemporaryDirectory() as out:
        subprocess.run([cli, "fit", "logistic", "--quiet", "-o", out, "--threads", "1"] +
                       cli_arguments(settings(k, iterations)), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        summary = json.loads((pathlib.Path(out) / "summary.json").read_text())
    assert summary["iterations"] == iterations
    return summary["timings"]["fit_seconds"]


def fit_python(model, d, k, iterations, jit=False):
    fit = elbo.fit(model, d, progress=False, threads=1, jit=jit, **settings(k, iterations))
    assert fit.info["iterations"] == iterations
    return fit.timings["fit_seconds"], fit


def slope(times):
    """Per-iteration seconds from {iterations: [fit seconds of each repeat]}."""
    return (min(times[ITERATIONS]) - min(times[SHORT])) / (ITERATIONS - SHORT)


def torch_by_hand(X, y, k, lr=0.01, iterations=ITERATIONS, seed=1):
    """A plain PyTorch ADVI: q = N(m, L L'), reparameterised draws, analytic entropy, Adam."""
    torch.manual_seed(seed)
    Xt, yt = torch.tensor(X), torch.tensor(y)
    D = X.shape[1] + 1
    m = torch.zeros(D, dtype=torch.float64, requires_grad=True)
    raw = torch.zeros(D, D, dtype=torch.float64, requires_grad=True)  # strictly lower part
    log_diag = torch.zeros(D, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.Adam([m, raw, log_diag], lr=lr)
    mask = torch.tril(torch.ones(D, D, dtype=torch.float64), -1)

    def scale_tril():
        return raw * mask + torch.diag(log_diag.exp())

    def log_p(theta):
        alpha, beta = theta[:, 0], theta[:, 1:]
        eta = alpha.unsqueeze(1) + beta @ Xt.T
        return (Normal(0.0, 5.0).log_prob(alpha) + Normal(0.0, 1.0).log_prob(beta).sum(-1)
                + (yt * eta - torch.nn.functional.softplus(eta, 1.0, 40.0)).sum(-1))  # the built-in softplus threshold

    start = time.perf_counter()
    for _ in range(iterations):
        optimizer.zero_grad()
        theta = m + torch.randn(k, D, dtype=torch.float64) @ scale_tril().T
        entropy = log_diag.sum()
        loss = -(log_p(theta).mean() + entropy)
        loss.backward()
        optimizer.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        L = scale_tril()
        q = torch.distributions.MultivariateNormal(m, scale_tril=L)
        theta = q.sample((20000,))
        value = float((log_p(theta) - q.log_prob(theta)).mean())
    return seconds / iterations, value


def elbo_estimate(fit, model, d, n=20000):
    draws = fit.sample(n, seed=12345)
    z = elbo.Draws({k: torch.tensor(v) for k, v in draws.items()})
    batch = elbo.Batch({k: torch.as_tensor(v, dtype=torch.float64) for k, v in d.items()})
    with torch.no_grad():
        log_p = model.log_joint(z, batch).numpy()
    return float((log_p - fit.log_prob(draws)).mean())


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    X, y = data()
    d = {"X": X, "y": y}
    formulations = {"torch": Logistic(X.shape[1], X.shape[0]), "glm": GlmLogistic(X.shape[1], X.shape[0]),
                    "glm_lpdf": GlmLpdfLogistic(X.shape[1], X.shape[0])}
    builtin = elbo.models.LogisticRegression(X, y)
    rows = []
    for k in (1, 16):
        lengths = (SHORT, ITERATIONS)
        cli, binding = {n: [] for n in lengths}, {n: [] for n in lengths}
        python = {name: {n: [] for n in lengths} for name in formulations}
        traced = {name: {n: [] for n in lengths} for name in formulations}
        by_hand, fits = [], {}
        for _ in range(args.repeats):  # interleaved, so drifts in machine load hit all
            for n in lengths:
                cli[n].append(fit_seconds_cli(k, n))
                for name, model in formulations.items():
                    t, fits[name] = fit_python(model, d, k, n)
                    python[name][n].append(t)
                    t, jit_fit = fit_python(model, d, k, n, jit=True)
                    traced[name][n].append(t)
                    assert np.array_equal(jit_fit.draws["beta"], fits[name].draws["beta"]), "jit changed the fit"
                binding[n].append(fit_python(builtin, None, k, n)[0])
            by_hand.append(torch_by_hand(X, y, k))
        elbo_value = elbo_estimate(fits["torch"], formulations["torch"], d)  # the last fit: ITERATIONS
        torch_seconds = [t for t, _ in by_hand]
        per_cli = slope(cli)
        per_python = {name: slope(v) for name, v in python.items()}
        per_traced = {name: slope(v) for name, v in traced.items()}
        row = {
            "K": k,
            "iterations": [SHORT, ITERATIONS],
            "cli_builtin_s_per_iter": per_cli,
            "python_model_s_per_iter": per_python,
            "binding_builtin_s_per_iter": slope(binding),
            "torch_by_hand_s_per_iter": min(torch_seconds),
            "overhead_python_vs_cli": {name: v / per_cli for name, v in per_python.items()},
            "python_model_jit_s_per_iter": per_traced,
            "overhead_python_jit_vs_cli": {name: v / per_cli for name, v in per_traced.items()},
            "torch_by_hand_vs_elbo_python": min(torch_seconds) / per_python["torch"],
            "elbo_python_final_elbo": elbo_value,
            "torch_by_hand_final_elbo": by_hand[-1][1],
        }
        rows.append(row)
        print(json.dumps(row))
    out = {"benchmark": "python overhead (logistic regression, breast cancer, full-rank ADVI, Adam 0.01, "
                        f"{ITERATIONS} iterations, 1 thread)",
           "repeats": args.repeats, "rows": rows,
           "targets": {"overhead_K1": 1.5, "overhead_K16": 1.1}}
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "overhead.json").write_text(json.dumps(out, indent=2) + "\n")
    lines = [f"Per-iteration ms: the slope between fits of {SHORT} and {ITERATIONS} iterations (min of the "
             f"{args.repeats} interleaved repeats at each length). Python (a) torch ops + torch.distributions, (b) elbo.glm "
             "likelihood + torch.distributions priors, (c) elbo.glm + elbo.lpdf priors; ratio = "
             "Python / CLI built-in; jit: the same model with jit=True (log_joint traced to TorchScript, "
             "the same draws bit for bit). 'By hand' is the plain PyTorch loop on formulation (a).", "",
             "| K | CLI built-in | built-in via elbo.fit | Python (a) | (b) | (c) | ratio (a) / (b) / (c) | "
             "jit (a) | (b) | (c) | jit ratio (a) / (b) / (c) | target | "
             "PyTorch by hand | by hand / elbo (a) | ELBO elbo (a) | ELBO by hand |",
             "|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        target = 1.5 if r["K"] == 1 else 1.1
        p, o = r["python_model_s_per_iter"], r["overhead_python_vs_cli"]
        pj, oj = r["python_model_jit_s_per_iter"], r["overhead_python_jit_vs_cli"]
        lines.append(f"| {r['K']} | {1e3 * r['cli_builtin_s_per_iter']:.3f} | {1e3 * r['binding_builtin_s_per_iter']:.3f} | "
                     f"{1e3 * p['torch']:.3f} | {1e3 * p['glm']:.3f} | {1e3 * p['glm_lpdf']:.3f} | "
                     f"{o['torch']:.2f} / {o['glm']:.2f} / {o['glm_lpdf']:.2f} | "
                     f"{1e3 * pj['torch']:.3f} | {1e3 * pj['glm']:.3f} | {1e3 * pj['glm_lpdf']:.3f} | "
                     f"{oj['torch']:.2f} / {oj['glm']:.2f} / {oj['glm_lpdf']:.2f} | ≤ {target} | "
                     f"{1e3 * r['torch_by_hand_s_per_iter']:.3f} | {r['torch_by_hand_vs_elbo_python']:.2f} | "
                     f"{r['elbo_python_final_elbo']:.2f} | {r['torch_by_hand_final_elbo']:.2f} |")
    (HERE / "results" / "overhead.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
