#!/usr/bin/python3
"""Gaussian HMM benchmark: elbo (structured CAVI, SVI) vs pomegranate's Baum–Welch EM.

Data (two presets: well-separated and overlapping states): a K-state HMM with sticky
transitions and full-covariance Gaussian emissions in D dimensions (seeded), as S
training sequences and a further S/2 held-out sequences of the same length, written
once to CSV (id column + D columns). Both fits use K
states, k-means initialisation (inside the timed fit), 2 threads and the same
relative convergence tolerance: elbo stops when the ELBO changes by less than
tol·|ELBO|, pomegranate when the log-likelihood improves by less than
tol·|log-likelihood| (its stop_threshold is absolute, so it is set from the data).

Quality: ONE measure computed here for both from the fitted parameters (elbo: the
posterior means E[π], E[A], m_k, E[Λ_k]⁻¹; pomegranate: its maximum-likelihood
estimates): the held-out log-likelihood per step by the scaled forward algorithm,
next to the true parameters' (the oracle). Each tool's own held-out score is kept as
a cross-check. Time: fit wall time (CSV parsing and process start-up excluded; the
elbo process's whole wall time is reported too). Scaling: one sequence of T steps,
T doubling, a fixed number of iterations; seconds per iteration per 10⁶ steps for
both tools (elbo's from its per-iteration clock, pomegranate's epoch durations).
"""
import argparse
import json
import os
import subprocess
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
THREADS = 2


def make_hmm(K, D, seed, spread=1.0):
    rng = np.random.RandomState(seed)
    stay = rng.uniform(0.85, 0.95, K)
    A = np.empty((K, K))
    for i in range(K):
        off = rng.dirichlet(np.ones(K - 1)) * (1 - stay[i])
        A[i] = np.insert(off, i, stay[i])
    pi = rng.dirichlet(np.full(K, 5.0))
    means = rng.normal(0, 2.5, size=(K, D))
    covs = []
    for _ in range(K):
        L = np.tril(rng.normal(0, 0.3, size=(D, D)), -1) + np.diag(rng.uniform(0.6, 1.2, D))
        covs.append(spread * spread * (L @ L.T))
    return pi, A, means, np.array(covs)


def simulate(hmm, T, seed):
    pi, A, means, covs = hmm
    rng = np.random.RandomState(seed)
    K, D = means.shape
    cum = np.cumsum(A, axis=1)
    u = rng.uniform(size=T)
    z = np.empty(T, dtype=np.int64)
    z[0] = rng.choice(K, p=pi)
    for t in range(1, T):
        z[t] = min(int(np.searchsorted(cum[z[t - 1]], u[t], side="right")), K - 1)
    chols = np.linalg.cholesky(covs)
    X = means[z] + np.einsum("nij,nj->ni", chols[z], rng.normal(size=(T, D)))
    return X


def write_csv(path, seqs):
    D = seqs[0].shape[1]
    with open(path, "w") as f:
        f.write("id," + ",".join(f"x{j}" for j in range(D)) + "\n")
        for s, X in enumerate(seqs):
            ids = np.full((X.shape[0], 1), s)
            np.savetxt(f, np.hstack([ids, X]), delimiter=",", fmt=["%d"] + ["%.7g"] * D)


def log_gauss(X, mean, cov):
    L = np.linalg.cholesky(cov)
    y = np.linalg.solve(L, (X - mean).T)
    return -0.5 * (y * y).sum(0) - np.log(np.diag(L)).sum() - 0.5 * X.shape[1] * np.log(2 * np.pi)


def forward_log_likelihood(params, seqs):
    """Σ over sequences of log p(x) by the scaled forward algorithm."""
    pi, A, means, covs = params
    total = 0.0
    for X in seqs:
        logB = np.stack([log_gauss(X, means[k], covs[k]) for k in range(len(pi))], axis=1)
        shift = logB.max(1, keepdims=True)
        B = np.exp(logB - shift)
        alpha = pi * B[0]
        c = alpha.sum()
        total += np.log(c) + shift[0, 0]
        alpha /= c
        for t in range(1, X.shape[0]):
            alpha = (alpha @ A) * B[t]
            c = alpha.sum()
            total += np.log(c) + shift[t, 0]
            alpha /= c
    return total


def run_elbo(elbo_bin, data, K, method, tol, seed, out, extra=()):
    cmd = [elbo_bin, "fit", "hmm", "--data", data, "--sequence-column", "id", "--states", str(K),
           "--emission", "gaussian", "--method", method, "--tol", str(tol), "--threads", str(THREADS),
           "--seed", str(seed), "-o", out, "-q", *extra]
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    wall = time.perf_counter() - start
    with open(os.path.join(out, "hmm.json")) as f:
        j = json.load(f)
    j["process_seconds"] = wall
    return j


def elbo_params(j):
    p = j["parameters"]
    return (np.array(p["initial"]["mean"]), np.array(p["transition"]["mean"]),
            np.array(p["emission"]["means"]), np.array(p["emission"]["covariances"]))


def run_pomegranate(seqs, K, stop_threshold, max_iterations, seed):
    from pomegranate import HiddenMarkovModel, MultivariateGaussianDistribution
    np.random.seed(seed)
    start = time.perf_counter()
    model, history = HiddenMarkovModel.from_samples(
        MultivariateGaussianDistribution, n_components=K, X=seqs, algorithm="baum-welch",
        stop_threshold=stop_threshold, max_iterations=max_iterations, n_jobs=THREADS,
        verbose=False, return_history=True)
    secs = time.perf_counter() - start
    return model, history, secs


def pomegranate_params(model, K):
    names = [s.name for s in model.states]
    emitting = [i for i, s in enumerate(model.states) if s.distribution is not None][:K]
    start = names.index(model.start.name)
    dense = model.dense_transition_matrix()
    pi = dense[start, emitting]
    A = dense[np.ix_(emitting, emitting)]
    means = np.array([model.states[i].distribution.parameters[0] for i in emitting])
    covs = np.array([model.states[i].distribution.parameters[1] for i in emitting])
    return pi, A, means, covs


# The comparisons: well-separated states (EM converges in a few iterations) and
# overlapping ones (about a hundred iterations, and local optima).
PRESETS = {
    "separated": {"states": 4, "dim": 3, "sequences": 40, "length": 5000, "spread": 1.0},
    "overlapping": {"states": 5, "dim": 2, "sequences": 20, "length": 4000, "spread": 2.0},
}


def compare_fits(elbo_bin, preset, args, tmp):
    """elbo CAVI, elbo SVI and pomegranate on one simulated data set; returns the results."""
    K, D = preset["states"], preset["dim"]
    length, sequences = preset["length"], preset["sequences"]
    if args.quick:
        sequences, length = 8, 2000
    hmm = make_hmm(K, D, args.seed, preset["spread"])
    train = [simulate(hmm, length, 1000 + s) for s in range(sequences)]
    heldout = [simulate(hmm, length, 5000 + s) for s in range(max(1, sequences // 2))]
    n_heldout = sum(x.shape[0] for x in heldout)
    out = {"preset": dict(preset, sequences=sequences, length=length), "train_steps": sum(len(x) for x in train),
           "heldout_steps": n_heldout, "oracle_heldout_per_step": forward_log_likelihood(hmm, heldout) / n_heldout}
    train_csv = os.path.join(tmp, "train.csv")
    heldout_csv = os.path.join(tmp, "heldout.csv")
    write_csv(train_csv, train)
    write_csv(heldout_csv, heldout)
    fits = {}
    for method in ("cavi", "svi"):
        extra = ["--heldout", heldout_csv]
        if method == "svi":
            extra += ["--passes", "10"]
        j = run_elbo(elbo_bin, train_csv, K, method, args.tol, args.seed, os.path.join(tmp, method), extra)
        fits[f"elbo {method}"] = {
            "fit_seconds": j["fit_seconds"], "process_seconds": j["process_seconds"],
            "iterations": j.get("iterations", j.get("steps")),
            "converged": j.get("converged"), "elbo": j["elbo"],
            "train_log_likelihood": j["log_likelihood"],
            "heldout_per_step": forward_log_likelihood(elbo_params(j), heldout) / n_heldout,
            "own_heldout_per_step": j.get("heldout_log_likelihood_per_step"),
        }
    # pomegranate's threshold is absolute: the same relative tolerance as elbo's
    stop = args.tol * abs(fits["elbo cavi"]["train_log_likelihood"])
    model, history, secs = run_pomegranate(train, K, stop, 100000, args.seed)
    own = sum(model.log_probability(x) for x in heldout) / n_heldout
    fits["pomegranate baum-welch"] = {
        "fit_seconds": secs, "iterations": len(history.epochs), "stop_threshold": stop,
        "train_log_likelihood": float(history.log_probabilities[-1]) if history.log_probabilities else None,
        "heldout_per_step": forward_log_likelihood(pomegranate_params(model, K), heldout) / n_heldout,
        "own_heldout_per_step": own,
    }
    out["fits"] = fits
    print(f"{preset}: {fits}", flush=True)
    return out, hmm


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--presets", default="separated,overlapping", help=f"comma-separated, of {sorted(PRESETS)}")
    ap.add_argument("--tol", type=float, default=1e-8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scaling", default="125000,250000,500000,1000000,2000000",
                    help="T of the doubling table (one sequence each, the first preset's HMM)")
    ap.add_argument("--scaling-iterations", type=int, default=6)
    ap.add_argument("--pomegranate-scaling-max", type=int, default=1000000,
                    help="largest T pomegranate runs in the doubling table")
    ap.add_argument("--quick", action="store_true", help="small sizes, for a smoke test")
    args = ap.parse_args()
    if args.quick:
        args.scaling = "50000,100000"
    elbo_bin = os.environ["ELBO_BIN"]
    # Timings on a shared 2-core machine mean little without its load.
    results = {"settings": vars(args), "threads": THREADS, "comparisons": [],
               "load_average_start": os.getloadavg()[0]}

    with tempfile.TemporaryDirectory() as tmp:
        scaling_hmm = None
        for name in args.presets.split(","):
            comparison, hmm = compare_fits(elbo_bin, PRESETS[name], args, tmp)
            comparison["name"] = name
            results["comparisons"].append(comparison)
            scaling_hmm = scaling_hmm or (hmm, PRESETS[name]["states"])

        # ---- time per iteration per 10⁶ steps as T doubles ----
        hmm, K = scaling_hmm
        scaling = []
        for T in [int(v) for v in args.scaling.split(",")]:
            X = simulate(hmm, T, 9000 + T % 1000)
            path = os.path.join(tmp, f"scale_{T}.csv")
            write_csv(path, [X])
            j = run_elbo(elbo_bin, path, K, "cavi", 0.0, args.seed, os.path.join(tmp, f"scale_{T}"),
                         ["--max-iter", str(args.scaling_iterations)])
            its = np.diff(j["iteration_seconds"])
            row = {"T": T, "elbo_seconds_per_iteration": float(its.mean()),
                   "elbo_seconds_per_iteration_per_1e6": float(its.mean()) / (T / 1e6),
                   "elbo_initialization_seconds": j["initialization_seconds"]}
            if T <= args.pomegranate_scaling_max:
                _, h, _ = run_pomegranate([X], K, 0.0, args.scaling_iterations, args.seed)
                d = np.array(h.epoch_durations[1:] if len(h.epoch_durations) > 1 else h.epoch_durations)
                row["pomegranate_seconds_per_iteration"] = float(d.mean())
                row["pomegranate_seconds_per_iteration_per_1e6"] = float(d.mean()) / (T / 1e6)
            scaling.append(row)
            os.remove(path)
            print(f"scaling T={T}: {row}", flush=True)
        results["scaling"] = scaling
    results["load_average_end"] = os.getloadavg()[0]

    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    write_markdown(results)
    print(open(os.path.join(HERE, "results.md")).read())


def write_markdown(r):
    s = r["settings"]
    lines = [
        "# Gaussian HMM: elbo vs pomegranate (Baum–Welch)",
        "",
        f"Simulated HMMs with sticky transitions and full-covariance Gaussian emissions; relative "
        f"tolerance {s['tol']} for both; {r['threads']} threads each; `bash bench/compare/hmm/run.sh` "
        "(compare.py says how each number is made). Held-out log-likelihood per step by one forward "
        "algorithm for both (elbo: posterior means; pomegranate: its EM estimates), each tool's own "
        "score in brackets; wall time of the fit (k-means initialisation included, CSV parsing and "
        "process start-up not).",
        "",
        f"Load average (1 min) at the start and end of the run: {r.get('load_average_start', float('nan')):.1f}, "
        f"{r.get('load_average_end', float('nan')):.1f} (2 cores; above 2, every time here is inflated alike).",
    ]
    for c in r["comparisons"]:
        p = c["preset"]
        lines += ["", f"## {c['name']}: K = {p['states']}, D = {p['dim']}, emission sd × {p['spread']}, "
                      f"{p['sequences']} sequences × {p['length']} steps ({c['train_steps']} steps), "
                      f"{c['heldout_steps']} held-out steps", "",
                  "| fit | wall time to convergence (s) | iterations | held-out log-lik / step | (own score) |",
                  "|---|---:|---:|---:|---:|"]
        for name, f in c["fits"].items():
            own = f.get("own_heldout_per_step")
            lines.append(f"| {name} | {f['fit_seconds']:.3f} | {f['iterations']} | {f['heldout_per_step']:.5f} | "
                         + (f"({own:.5f}) |" if own is not None else " |"))
        lines.append(f"| true parameters (oracle) | | | {c['oracle_heldout_per_step']:.5f} | |")
        pg = c["fits"]["pomegranate baum-welch"]["fit_seconds"]
        ec = c["fits"]["elbo cavi"]
        lines += ["", f"pomegranate time / elbo CAVI time: **{pg / ec['fit_seconds']:.1f}×** (elbo's whole "
                      f"process, with ~1 s of LibTorch start-up and CSV parsing: {ec['process_seconds']:.2f} s, "
                      f"{pg / ec['process_seconds']:.1f}×)."]
    lines += ["", "## Time per iteration as T doubles (one sequence, the first HMM above)", "",
              "| T | elbo s/iteration | elbo s/iteration per 10⁶ steps | pomegranate s/iteration | pomegranate per 10⁶ steps |",
              "|---:|---:|---:|---:|---:|"]
    for row in r["scaling"]:
        pgi = row.get("pomegranate_seconds_per_iteration")
        pg6 = row.get("pomegranate_seconds_per_iteration_per_1e6")
        lines.append(f"| {row['T']} | {row['elbo_seconds_per_iteration']:.4f} | "
                     f"{row['elbo_seconds_per_iteration_per_1e6']:.4f} | "
                     f"{'' if pgi is None else f'{pgi:.4f}'} | {'' if pg6 is None else f'{pg6:.4f}'} |")
    with open(os.path.join(HERE, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
