#!/usr/bin/python3
"""Sparse GP benchmark: elbo's SVGP (`elbo fit gp`) against scikit-learn's exact
GaussianProcessRegressor, and elbo's scaling to 10⁶ rows.

1. Real data (UCI kin8nm, ../shared/data/uci/kin8nm: 8192 rows, 8 features; UCI power
   plant, 9568 rows, 4 features; `--datasets`): per dataset one seeded shuffle, the
   last 1000 rows held out, the first M rows training (M = 1000, 2000, 5000 by default). Both tools get features standardised by the
   training mean and sample sd, and an ARD squared-exponential kernel with a
   scale and Gaussian noise: sklearn `ConstantKernel * RBF(ones(8)) + WhiteKernel`,
   `normalize_y=True`, L-BFGS on the exact log marginal likelihood (one start);
   elbo `--kernel rbf` (target centred and scaled the same way), once with the
   collapsed (Titsias) bound on all rows and once with minibatch natural-gradient
   SVGP. Quality: test RMSE and mean test log predictive density of y,
   log N(y; mean, var), computed here from each tool's predictive mean and variance
   (elbo's own printed numbers are a cross-check). Time: the fit's wall time
   (sklearn: `fit`; elbo: choosing the inducing inputs plus the fit loop, from
   summary.json, CSV parsing and process start-up excluded; the whole process's wall
   time is reported too). The collapsed fits run L-BFGS (60 iterations at T = 768, 25
   at T = 1024, 15 at T = 1536) from greedy-variance inducing inputs, the CLI's
   defaults for --method collapsed.
2. Scaling: synthetic y = sin(2 x₁) + 0.5 x₂ x₃ − 0.3 x₄² + N(0, 0.1²) on 4 standard
   normal features, M from 62,500 doubling to 1,000,000, T = 256 (and 1024), batch
   S = 1024: seconds per step over a fixed number of steps, and the time of one
   epoch (M/S steps) from it; peak resident memory of the whole process
   (/usr/bin/time -v), and of predicting 10⁶ rows.
3. Floor: time per step at T = 512, S = 1024 against the dominant BLAS work of a
   step — the T×S triangular solve and L_Sᵀ A product forward (T²S each), their
   backward passes (2T²S), the kernel cross-covariance and its backward (≈ 4TSD),
   the T×T Cholesky, its backward and the KL (≈ T³) — at this machine's measured
   GFLOP/s (numpy's BLAS, 2048² GEMM, 2 threads).
"""
import argparse
import json
import os
import re
import subprocess
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
UCI_ROOT = os.path.join(REPO, "..", "shared", "data", "uci")
# Results key and title per dataset ("real" is kin8nm's, as before).
DATASETS = {"kin8nm": ("real", "UCI kin8nm (8 features)"),
            "power-plant": ("real:power-plant", "UCI power plant (4 features)")}
THREADS = 2


def elbo_bin():
    return os.environ.get("ELBO_BIN", os.path.join(REPO, "build", "elbo"))


def write_csv(path, X, y):
    cols = [f"x{j + 1}" for j in range(X.shape[1])] + ["y"]
    np.savetxt(path, np.column_stack([X, y]), delimiter=",", header=",".join(cols), comments="", fmt="%.10g")


def run_timed(cmd):
    """Runs cmd under /usr/bin/time -v; returns (wall seconds, peak RSS MB, stdout)."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-v"] + cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {p.stderr[-2000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", p.stderr)
    return wall, (int(rss.group(1)) / 1024 if rss else float("nan")), p.stdout


def lpd(y, mean, var):
    return float(np.mean(-0.5 * np.log(2 * np.pi * var) - 0.5 * (y - mean) ** 2 / var))


def load_uci(name, seed=0):
    root = os.path.join(UCI_ROOT, name)
    data = np.loadtxt(os.path.join(root, "data.txt"))
    feats = np.loadtxt(os.path.join(root, "index_features.txt"), dtype=int)
    target = int(np.loadtxt(os.path.join(root, "index_target.txt")))
    rng = np.random.RandomState(seed)
    idx = rng.permutation(len(data))
    return data[idx][:, feats], data[idx][:, target]


def sklearn_exact(Xtr, ytr, Xte):
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
    D = Xtr.shape[1]
    kernel = ConstantKernel(1.0) * RBF(np.full(D, np.sqrt(D))) + WhiteKernel(0.1)
    gpr = GaussianProcessRegressor(kernel=kernel, normalize_y=True, n_restarts_optimizer=0, random_state=0)
    t0 = time.perf_counter()
    gpr.fit(Xtr, ytr)
    fit = time.perf_counter() - t0
    mean, sd = gpr.predict(Xte, return_std=True)  # WhiteKernel is in k(x*, x*): sd is y's
    return {"fit_seconds": fit, "mean": mean, "var": sd**2, "lml": float(gpr.log_marginal_likelihood_value_),
            "kernel": str(gpr.kernel_)}


def elbo_fit(train, test, outdir, args):
    cmd = [elbo_bin(), "fit", "gp", "--data", train, "--target", "y", "--threads", str(THREADS), "-q",
           "--no-progress", "-o", outdir] + args
    wall, rss, _ = run_timed(cmd)
    summary = json.load(open(os.path.join(outdir, "summary.json")))
    pred_csv = os.path.join(outdir, "pred.csv")
    p = subprocess.run([elbo_bin(), "predict", "--model", outdir, "--data", test, "-o", pred_csv],
                       capture_output=True, text=True, check=True)
    pred = np.genfromtxt(pred_csv, delimiter=",", names=True)
    own = re.search(r"RMSE ([0-9.e+-]+), mean log predictive density (-?[0-9.]+)", p.stdout)
    t = summary["timings"]
    return {"fit_seconds": t["init_seconds"] + t["fit_seconds"], "process_seconds": wall, "peak_mb": rss,
            "mean": pred["mean"], "var": pred["variance"], "elbo": summary["elbo"],
            "own": (float(own.group(1)), float(own.group(2))) if own else None}


def real_data(name, sizes, tmp, results):
    key = DATASETS[name][0]
    X, y = load_uci(name)
    Xte_raw, yte = X[-1000:], y[-1000:]
    rows = []
    for M in sizes:
        Xtr_raw, ytr = X[:M], y[:M]
        m, s = Xtr_raw.mean(0), Xtr_raw.std(0, ddof=1)
        train, test = os.path.join(tmp, f"{name}_train_{M}.csv"), os.path.join(tmp, f"{name}_test.csv")
        write_csv(train, Xtr_raw, ytr)
        write_csv(test, Xte_raw, yte)
        entry = {"M": M}
        print(f"{name} M = {M}: sklearn exact GP ...", flush=True)
        ex = sklearn_exact((Xtr_raw - m) / s, ytr, (Xte_raw - m) / s)
        entry["sklearn"] = {"fit_seconds": ex["fit_seconds"], "rmse": float(np.sqrt(np.mean((ex["mean"] - yte) ** 2))),
                            "lpd": lpd(yte, ex["mean"], ex["var"]), "lml": ex["lml"], "kernel": ex["kernel"]}
        print("   ", entry["sklearn"], flush=True)
        # Collapsed: L-BFGS (the default) from greedy-variance inducing inputs (the
        # collapsed method's default start), --steps bounding the iterations.
        runs = {
            "elbo collapsed T=768": ["--method", "collapsed", "--inducing", "768", "--steps", "60"],
            "elbo collapsed T=1024": ["--method", "collapsed", "--inducing", "1024", "--steps", "25"],
            "elbo collapsed T=1536": ["--method", "collapsed", "--inducing", "1536", "--steps", "15"],
            "elbo natural T=256": ["--method", "natural", "--inducing", "256", "--batch-size", "512",
                                   "--steps", "600", "--learning-rate", "0.02", "--natural-step", "0.2"],
        }
        for run, a in runs.items():
            if int(a[a.index("--inducing") + 1]) >= M:
                continue  # T = M is the exact GP itself
            print(f"    {run} ...", flush=True)
            r = elbo_fit(train, test, os.path.join(tmp, f"{key}_{M}_{run.split()[1]}"), a)
            entry[run] = {"fit_seconds": r["fit_seconds"], "process_seconds": r["process_seconds"],
                           "rmse": float(np.sqrt(np.mean((r["mean"] - yte) ** 2))), "lpd": lpd(yte, r["mean"], r["var"]),
                           "elbo": r["elbo"], "own_rmse_lpd": r["own"], "args": a}
            print("   ", {k: v for k, v in entry[run].items() if k != "args"}, flush=True)
        rows.append(entry)
        results[key] = rows
        save(results)


def synthetic(M, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(M, 4)
    y = np.sin(2 * X[:, 0]) + 0.5 * X[:, 1] * X[:, 2] - 0.3 * X[:, 3] ** 2 + 0.1 * rng.randn(M)
    return X, y


def scaling(sizes, Ts, steps_by_T, tmp, results):
    rows = []
    S = 1024
    for M in sizes:
        X, y = synthetic(M)
        path = os.path.join(tmp, f"syn_{M}.csv")
        write_csv(path, X, y)
        for T in Ts:
            steps = steps_by_T[T]
            out = os.path.join(tmp, f"syn_{M}_{T}")
            print(f"scaling M = {M}, T = {T}, {steps} steps ...", flush=True)
            wall, rss, _ = run_timed([elbo_bin(), "fit", "gp", "--data", path, "--inducing", str(T), "--batch-size",
                                      str(S), "--steps", str(steps), "--threads", str(THREADS), "-q", "--no-progress",
                                      "--no-final-elbo", "-o", out])
            t = json.load(open(os.path.join(out, "summary.json")))["timings"]
            row = {"M": M, "T": T, "S": S, "steps": steps, "seconds_per_step": t["seconds_per_step"],
                   "epoch_seconds": t["seconds_per_step"] * M / S, "final_elbo_seconds": t["final_elbo_seconds"],
                   "load_seconds": t["load_seconds"], "init_seconds": t["init_seconds"], "process_seconds": wall,
                   "peak_mb": rss}
            if M == sizes[-1] and T == Ts[0]:
                pw, prss, _ = run_timed([elbo_bin(), "predict", "--model", out, "--data", path, "-o",
                                         os.path.join(tmp, "syn_pred.csv"), "-q"])
                row["predict_all_rows_seconds"], row["predict_peak_mb"] = pw, prss
            print("   ", row, flush=True)
            rows.append(row)
            results["scaling"] = rows
            save(results)
        os.remove(path)


def gemm_gflops():
    n = 2048
    a, b = np.random.rand(n, n), np.random.rand(n, n)
    a @ b
    t0 = time.perf_counter()
    reps = 5
    for _ in range(reps):
        a @ b
    return 2 * n**3 * reps / (time.perf_counter() - t0) / 1e9


def floor(tmp, results):
    M, T, S, D, steps = 65536, 512, 1024, 4, 20
    X, y = synthetic(M, seed=1)
    path = os.path.join(tmp, "floor.csv")
    write_csv(path, X, y)
    out = os.path.join(tmp, "floor")
    run_timed([elbo_bin(), "fit", "gp", "--data", path, "--inducing", str(T), "--batch-size", str(S), "--steps",
               str(steps), "--threads", str(THREADS), "-q", "--no-progress", "--no-final-elbo", "-o", out])
    sps = json.load(open(os.path.join(out, "summary.json")))["timings"]["seconds_per_step"]
    gf = gemm_gflops()
    flops = 4 * T * T * S + 4 * T * S * D + T**3
    results["floor"] = {"T": T, "S": S, "D": D, "seconds_per_step": sps, "gemm_gflops": gf, "flops_per_step": flops,
                        "floor_seconds": flops / (gf * 1e9), "ratio": sps / (flops / (gf * 1e9))}
    print(results["floor"], flush=True)
    save(results)


def save(results):
    json.dump(results, open(os.path.join(HERE, "results.json"), "w"), indent=1)


def real_markdown(rows, title):
    out = [f"## {title}, 1000 held-out rows, ARD squared-exponential kernel", "",
            "| M | fit | fit time (s) | test RMSE | test log density / row | RMSE / exact | log density − exact | exact time / this |",
            "|---:|---|---:|---:|---:|---:|---:|---:|"]
    for e in rows:
        ex = e["sklearn"]
        out.append(f"| {e['M']} | sklearn exact GP | {ex['fit_seconds']:.2f} | {ex['rmse']:.4f} | {ex['lpd']:.4f} | 1 | 0 | 1 |")
        for name in [k for k in e if k.startswith("elbo")]:
            x = e[name]
            out.append(f"| {e['M']} | {name} | {x['fit_seconds']:.2f} (process {x['process_seconds']:.1f}) | "
                       f"{x['rmse']:.4f} | {x['lpd']:.4f} | {x['rmse'] / ex['rmse']:.3f} | {x['lpd'] - ex['lpd']:+.4f} | "
                       f"{ex['fit_seconds'] / x['fit_seconds']:.2f}× |")
    last = rows[-1]
    ex = last["sklearn"]
    out += ["", f"Against issue 17's targets at M = {last['M']} (RMSE and test log density within 5% of the exact "
            "GP's, at least 10x faster):"]
    for name in [k for k in last if k.startswith("elbo")]:
        x = last[name]
        rm, ld, sp = x["rmse"] / ex["rmse"] - 1, (ex["lpd"] - x["lpd"]) / abs(ex["lpd"]), ex["fit_seconds"] / x["fit_seconds"]
        out.append(f"- {name}: RMSE {100 * rm:+.1f}% ({'met' if rm <= 0.05 else 'not met'}), log density "
                   f"{-100 * ld:+.1f}% ({'met' if ld <= 0.05 else 'not met'}), {sp:.2f}x faster "
                   f"({'met' if sp >= 10 else 'not met'}).")
    out += ["", "sklearn's fitted kernels: " + "; ".join(f"M = {e['M']}: `{e['sklearn']['kernel']}`" for e in rows), ""]
    return out


def write_markdown(results):
    r = results
    out = ["# Sparse GP: elbo (fit gp) vs scikit-learn's exact GaussianProcessRegressor", "",
           "`bash bench/compare/gp/run.sh` (compare.py's docstring says how each number is made). "
           f"{r['machine']['cores']} cores, {r['machine']['threads']} threads for each tool; load average (1 min) "
           f"at the start and end: {r['machine'].get('load_start', float('nan')):.1f}, "
           f"{r['machine'].get('load_end', float('nan')):.1f} (other jobs shared the machine: above 2, every time "
           "here is inflated alike).", ""]
    if r["machine"].get("notes"):
        out += [r["machine"]["notes"], ""]
    for dataset, (key, title) in DATASETS.items():
        if key in r:
            out += real_markdown(r[key], title)
    if "scaling" in r:
        out += ["## Scaling: synthetic data (4 features), batch S = 1024, natural-gradient SVGP", "",
                "| M | T | steps timed | s / step | one epoch (M/S steps, s) | epoch s per 10⁶ rows | CSV load (s) | peak RSS (MB) |",
                "|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for x in r["scaling"]:
            out.append(f"| {x['M']:,} | {x['T']} | {x['steps']} | {x['seconds_per_step']:.4f} | {x['epoch_seconds']:.1f} | "
                       f"{x['epoch_seconds'] * 1e6 / x['M']:.1f} | {x['load_seconds']:.1f} | {x['peak_mb']:.0f} |")
        for x in r["scaling"]:
            if "predict_all_rows_seconds" in x:
                out += ["", f"`elbo predict` on all {x['M']:,} training rows (T = {x['T']}, batches of 65,536 rows): "
                        f"{x['predict_all_rows_seconds']:.1f} s, peak RSS {x['predict_peak_mb']:.0f} MB."]
        out.append("")
    if "floor" in r:
        f = r["floor"]
        out += ["## Time per step against its BLAS floor", "",
                f"T = {f['T']}, S = {f['S']}, D = {f['D']}: {f['seconds_per_step']:.4f} s per step; the dominant work "
                f"(4T²S + 4TSD + T³ = {f['flops_per_step'] / 1e9:.2f} GFLOP) at the measured {f['gemm_gflops']:.1f} GFLOP/s "
                f"(numpy GEMM, 2 threads) takes {f['floor_seconds']:.4f} s: ratio **{f['ratio']:.1f}×**.", ""]
    if "before_blas" in r:
        out += before_after(r)
    open(os.path.join(HERE, "results.md"), "w").write("\n".join(out) + "\n")


def before_after(r):
    """The table of the runs before the GP's kernels called OpenBLAS (results.json's
    before_blas: the earlier build's own numbers) beside this run's."""
    b = r["before_blas"]
    out = ["## Before and after calling OpenBLAS directly", "", b["note"], "",
           "| measurement | before: Eigen (SSE2, 1 thread) | after: this build (OpenBLAS, 2 threads) | speed-up |",
           "|---|---:|---:|---:|"]
    if "floor" in r and "floor" in b:
        x, y = b["floor"], r["floor"]
        out.append(f"| T = 512, S = 1024 step (s; floor ratio) | {x['seconds_per_step']:.4f} ({x['ratio']:.1f}×) | "
                   f"{y['seconds_per_step']:.4f} ({y['ratio']:.1f}×) | {x['seconds_per_step'] / y['seconds_per_step']:.2f}× |")
    now = {e["M"]: e for e in r.get("real", [])}
    for e in b.get("real", []):
        if e["M"] not in now:
            continue
        for name in ["sklearn"] + [k for k in e if k.startswith("elbo") and k in now[e["M"]]]:
            x, y = e[name]["fit_seconds"], now[e["M"]][name]["fit_seconds"]
            label = "sklearn exact GP (same code both times)" if name == "sklearn" else name
            out.append(f"| kin8nm M = {e['M']}, {label}: fit (s) | {x:.1f} | {y:.1f} | {x / y:.2f}× |")
    new = {(x["M"], x["T"]): x for x in r.get("scaling", [])}
    for x in b.get("scaling", []):
        y = new.get((x["M"], x["T"]))
        if y is not None and x["M"] in (62500, 1000000):
            out.append(f"| synthetic M = {x['M']:,}, T = {x['T']}: s / step | {x['seconds_per_step']:.4f} | "
                       f"{y['seconds_per_step']:.4f} | {x['seconds_per_step'] / y['seconds_per_step']:.2f}× |")
    return out + [""]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,2000,5000")
    ap.add_argument("--datasets", default="kin8nm,power-plant", help="UCI sets for the real-data part")
    ap.add_argument("--scaling-sizes", default="62500,125000,250000,500000,1000000")
    ap.add_argument("--T", default="256,1024")
    ap.add_argument("--steps-256", type=int, default=40)
    ap.add_argument("--steps-1024", type=int, default=5)
    ap.add_argument("--skip", default="", help="comma list of parts to skip: real,scaling,floor")
    ap.add_argument("--markdown-only", action="store_true", help="rewrite results.md from results.json")
    a = ap.parse_args()
    if a.markdown_only:
        write_markdown(json.load(open(os.path.join(HERE, "results.json"))))
        return
    skip = set(a.skip.split(",")) - {""}
    results = {"machine": {"cores": os.cpu_count(), "threads": THREADS, "load_start": os.getloadavg()[0]}}
    if os.path.exists(os.path.join(HERE, "results.json")):
        results.update({k: v for k, v in json.load(open(os.path.join(HERE, "results.json"))).items() if k != "machine"})
    with tempfile.TemporaryDirectory() as tmp:
        if "real" not in skip:
            for name in a.datasets.split(","):
                real_data(name, [int(s) for s in a.sizes.split(",")], tmp, results)
        if "scaling" not in skip:
            Ts = [int(t) for t in a.T.split(",")]
            scaling([int(s) for s in a.scaling_sizes.split(",")], Ts, {256: a.steps_256, 1024: a.steps_1024, 512: 100},
                    tmp, results)
        if "floor" not in skip:
            floor(tmp, results)
    results["machine"]["load_end"] = os.getloadavg()[0]
    save(results)
    write_markdown(results)


if __name__ == "__main__":
    main()
