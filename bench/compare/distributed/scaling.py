"""Strong and weak scaling of `mpirun -np N elbo fit lda|gmm` (issue 19), and
strong scaling of gradient-based ADVI (`mpirun -np N elbo fit logistic`).

Data are generated here, from fixed seeds:
  LDA: documents drawn from a K-topic LDA (Dirichlet(0.1) topic proportions,
       Dirichlet(0.05) topics over V words), written in LDA-C format;
  GMM: points from K Gaussians in D dimensions, written as CSV.
Strong scaling: one data set and one global minibatch S for every rank count.
Weak scaling: data and S grow with the rank count (per-rank work constant).

Each run is `mpirun -np N elbo fit ... --threads 1` (one thread per rank); rank 0's
summary.json gives the fit time, its time inside the statistics allreduce (which
includes waiting for slower ranks) and the payload of one allreduce. Time per
step = the SVI loop's time / steps (initialisation and the final ELBO excluded). The payload of LDA is K·V + 2 doubles per step
whatever the number of ranks, so a projection for a cluster is
  t_step(N) ≈ t_local(1 rank) / N + t_allreduce(bytes, N),
with t_allreduce from the network's bandwidth (2 (N−1)/N · bytes / B for a ring).
Peak memory per rank: the largest max-RSS over ranks (/usr/bin/time).

ADVI (`--only advi` reruns just these rows, keeping the others in results.json):
logistic regression on R rows × D features, full-rank q, K = 8 draws per
gradient, `--init zero` (so the fit time is the SVI loop and its ELBO
evaluations), full batch and a minibatch, over 1 and 2 ranks. Each step
allreduces K log p values forward and K × D gradients back (8 (K + K·D) bytes);
time per step = the fit's time / steps; the allreduce share = rank 0's time in
the allreduces (waiting for the slower rank included) / the whole distributed
pipeline's time (fit, draws, PSIS).

Out of core (`--only out-of-core` reruns just these rows): a corpus of
--out-of-core-docs documents per rank (default 10⁶) generated from an LDA,
fitted with `fit lda --out-of-core` (each rank validates its byte range and
reads each minibatch back from disk) under `--max-memory 1G`, weak scaling over
1, 2 and 4 ranks, against the in-memory fit of the 1-rank corpus; the largest
corpus in memory on one process must be refused by the memory check.
"""
import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ELBO = os.environ.get("ELBO_BIN", "elbo")
MPIEXEC = shutil.which("mpiexec") or "mpiexec"
CORES = os.cpu_count() or 1


def write_lda_corpus(path, docs, vocab, topics, seed, mean_length=80):
    rng = np.random.default_rng(seed)
    beta = rng.dirichlet(np.full(vocab, 0.05), size=topics)
    with open(path, "w") as f:
        for _ in range(docs):
            theta = rng.dirichlet(np.full(topics, 0.1))
            n = max(1, rng.poisson(mean_length))
            words = rng.choice(vocab, size=n, p=theta @ beta)
            ids, counts = np.unique(words, return_counts=True)
            f.write(f"{len(ids)} " + " ".join(f"{i}:{c}" for i, c in zip(ids, counts)) + "\n")


def write_large_corpus(path, docs, vocab, topics, seed, mean_length=30, chunk=20000):
    """write_lda_corpus for millions of documents: tokens drawn in vectorised chunks."""
    rng = np.random.default_rng(seed)
    cbeta = np.cumsum(rng.dirichlet(np.full(vocab, 0.05), size=topics), axis=1)
    with open(path, "w") as f:
        for start in range(0, docs, chunk):
            n = min(chunk, docs - start)
            ctheta = np.cumsum(rng.dirichlet(np.full(topics, 0.1), size=n), axis=1)
            doc = np.repeat(np.arange(n), np.maximum(1, rng.poisson(mean_length, size=n)))
            z = np.minimum((rng.random(doc.size)[:, None] > ctheta[doc]).sum(1), topics - 1)
            u = rng.random(doc.size)
            w = np.empty(doc.size, dtype=np.int64)
            for k in range(topics):
                m = z == k
                w[m] = np.minimum(np.searchsorted(cbeta[k], u[m]), vocab - 1)
            keys, counts = np.unique(doc * vocab + w, return_counts=True)
            d, words = keys // vocab, keys % vocab
            bounds = np.searchsorted(d, np.arange(n + 1))
            pairs = [f"{a}:{b}" for a, b in zip(words.tolist(), counts.tolist())]
            f.write("".join(f"{bounds[i + 1] - bounds[i]} " + " ".join(pairs[bounds[i]:bounds[i + 1]]) + "\n"
                            for i in range(n)))


def write_gmm_points(path, rows, dim, components, seed):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 6, size=(components, dim))
    labels = rng.integers(0, components, size=rows)
    X = centres[labels] + rng.normal(0, 1, size=(rows, dim))
    with open(path, "w") as f:
        f.write(",".join(f"x{j}" for j in range(dim)) + "\n")
        np.savetxt(f, X, delimiter=",", fmt="%.6f")


def mpirun_elbo(ranks, args, check=True):
    """`elbo ARGS` on `ranks` ranks, one thread each: (wall seconds, max RSS in kB of each rank),
    or with check=False (exit code, stderr)."""
    cmd = [MPIEXEC, "--allow-run-as-root", "--oversubscribe", "-np", str(ranks),
           "/usr/bin/time", "-f", "maxrss_kb=%M", ELBO] + args + ["--distributed", "--threads", "1"]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if not check:
        return p.returncode, p.stderr
    if p.returncode != 0:
        sys.exit(f"scaling.py: {' '.join(cmd)} failed:\n{p.stderr}")
    return wall, [int(m) for m in re.findall(r"maxrss_kb=(\d+)", p.stderr)]


def run(ranks, args, out):
    wall, rss = mpirun_elbo(ranks, args + ["-q", "--no-progress", "-o", out])
    summary = json.load(open(os.path.join(out, "summary.json" if args[1] == "lda" else "gmm.json")))
    d = summary["distributed"]
    steps = summary["steps"]
    return {
        "ranks": ranks,
        "oversubscribed": ranks > CORES,
        "steps": steps,
        "batch_size": summary["batch_size"],
        "seconds_per_step": d["svi_seconds"] / steps,
        "local_step_seconds_per_step": d["local_step_seconds"] / steps,
        "allreduce_seconds_per_step": d["allreduce_seconds"] / steps,
        "communication_share": d["allreduce_seconds"] / d["svi_seconds"],
        "fit_seconds": summary["fit_seconds"],
        "bytes_per_allreduce": d["bytes_per_allreduce"],
        "load_seconds": summary["load_seconds"],
        "wall_seconds": wall,
        "peak_rss_mb_per_rank": max(rss) / 1024 if rss else None,
    }


def write_logistic_data(path, rows, dim, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, dim)) * rng.uniform(0.5, 3, size=dim) + rng.normal(0, 5, size=dim)
    eta = 0.2 + ((X - X.mean(0)) / X.std(0)) @ rng.normal(0, 0.5, size=dim)
    y = (rng.random(rows) < 1 / (1 + np.exp(-eta))).astype(int)
    with open(path, "w") as f:
        f.write(",".join(f"x{j}" for j in range(dim)) + ",y\n")
        np.savetxt(f, np.column_stack([X, y]), delimiter=",", fmt=["%.6f"] * dim + ["%d"])


def run_advi(ranks, args, out):
    wall, rss = mpirun_elbo(ranks, args + ["-q", "-o", out])
    summary = json.load(open(os.path.join(out, "summary.json")))
    d = summary["distributed"]
    steps = summary["iterations"]
    return {
        "ranks": ranks,
        "oversubscribed": ranks > CORES,
        "steps": steps,
        "batch_size": summary["settings"]["batch_size"] or summary["data"]["rows"],
        "seconds_per_step": summary["timings"]["fit_seconds"] / steps,
        "allreduce_seconds_per_step": d["allreduce_seconds"] / steps,
        "communication_share": d["allreduce_share"],
        "fit_seconds": summary["timings"]["fit_seconds"],
        "pipeline_seconds": d["fit_seconds"],
        "allreduces": d["allreduces"],
        "bytes_per_step": d["bytes_per_step"],
        "load_seconds": d["load_seconds"],
        "wall_seconds": wall,
        "peak_rss_mb_per_rank": max(rss) / 1024 if rss else None,
    }


def advi_runs(ranks, quick, tmp):
    rows, dim, steps = (50000, 20, 200) if quick else (200000, 20, 300)
    data = os.path.join(tmp, "advi.csv")
    write_logistic_data(data, rows, dim, 6)
    out = []
    for batch in (0, rows // 10):
        for n in ranks:
            r = run_advi(n, ["fit", "logistic", "--data", data, "--family", "fullrank", "--init", "zero",
                             "--max-iter", str(steps), "--batch-size", str(batch), "--no-mode-check",
                             "--draws", "100", "--seed", "3"], os.path.join(tmp, f"advi{n}_{batch}"))
            out.append({"model": "advi_logistic", "scaling": "strong", "rows": rows, "features": dim, **r})
            print(f"advi, batch {batch or rows}, {n} ranks: done", file=sys.stderr)
    base = {row["batch_size"]: row for row in out if row["ranks"] == min(ranks)}
    for row in out:
        # projection (one rank per node, 10 GbE): the 1-rank step split over N ranks,
        # plus two latency-bound allreduces (the payload is a few kB) per step
        n = row["ranks"]
        one = base[row["batch_size"]]["seconds_per_step"] - base[row["batch_size"]]["allreduce_seconds_per_step"]
        ring = 2 * (2 * (n - 1) / n * row["bytes_per_step"] / 2 / 1.25e9 + 20e-6 * 2 * (n - 1))
        row["projected_seconds_per_step_10GbE"] = one * min(ranks) / n + ring
    return out


def advi_markdown(results):
    runs = [r for r in results["runs"] if r["model"] == "advi_logistic"]
    if not runs:
        return []
    a = results["settings"]["advi"]
    lines = ["", "## ADVI (`mpirun -np N elbo fit logistic`, distributed::ShardedLogDensity)", "",
             f"Logistic regression, {runs[0]['rows']} rows × {runs[0]['features']} features, full-rank q, "
             "K = 8 draws per gradient, `--init zero`, strong scaling (one data set, one global S). "
             f"Load average (1 min) before / after these runs: {a['load_average_1min']['before']:.1f} / "
             f"{a['load_average_1min']['after']:.1f}. ms/step = the fit's time / steps (ELBO evaluations "
             "every 100 steps included); comm share = rank 0's time in the allreduces (including waiting "
             "for the slower rank) / the distributed pipeline's time. Each step reduces K log p values "
             "forward and K × D gradients back: 8 (K + K·D) bytes, whatever the rows. Projected: the 1-rank "
             "step divided by N plus two latency-bound allreduces on 10 GbE (20 µs per hop).",
             "",
             "| S | ranks | steps | ms/step | speed-up | allreduce ms/step | comm share | allreduces | bytes/step | peak RSS MB/rank | projected ms/step (10 GbE) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    base = {r["batch_size"]: r for r in runs if r["ranks"] == min(x["ranks"] for x in runs)}
    for r in runs:
        flag = " (oversubscribed)" if r["oversubscribed"] else ""
        lines.append(f"| {r['batch_size']} | {r['ranks']}{flag} | {r['steps']} | {1e3 * r['seconds_per_step']:.2f} | "
                     f"{base[r['batch_size']]['seconds_per_step'] / r['seconds_per_step']:.2f}x | "
                     f"{1e3 * r['allreduce_seconds_per_step']:.3f} | {100 * r['communication_share']:.1f}% | "
                     f"{r['allreduces']} | {r['bytes_per_step']} | {r['peak_rss_mb_per_rank']:.0f} | "
                     f"{1e3 * r['projected_seconds_per_step_10GbE']:.2f} |")
    lines += ["", "ADVI rows: `bash bench/compare/distributed/run.sh --only advi" + (" --quick" if a["quick"] else "") +
              "` (rerun alone; the LDA/GMM rows above are kept)."]
    return lines


OUT_OF_CORE_BUDGET = "1G"  # --max-memory of the out-of-core section


def out_of_core_runs(docs_per_rank, tmp):
    """Weak scaling on LDA-C corpora read from disk per minibatch (--out-of-core): n·DOCS documents
    and S = 4096·n over n = 1, 2, 4 ranks, 20 steps, under --max-memory 1G; beside them the
    in-memory fit of the 1-rank corpus, the in-memory fit of the largest corpus (refused by the
    budget: its message is kept) and the largest corpus out of core on one process."""
    K, V, S, steps = 20, 5000, 4096, 20
    ranks = (1, 2, 4)
    largest = os.path.join(tmp, f"ooc{ranks[-1]}.dat")
    t0 = time.perf_counter()
    write_large_corpus(largest, docs_per_rank * ranks[-1], V, K, 7)
    generate = time.perf_counter() - t0
    corpora = {ranks[-1]: largest}
    for n in ranks[:-1]:  # the first n·DOCS documents of the largest corpus
        corpora[n] = os.path.join(tmp, f"ooc{n}.dat")
        with open(largest) as src, open(corpora[n], "w") as dst:
            for i, line in enumerate(src):
                if i == n * docs_per_rank:
                    break
                dst.write(line)
    fit = ["fit", "lda", "--topics", str(K), "--method", "svi", "--max-iter", str(steps),
           "--max-memory", OUT_OF_CORE_BUDGET]
    out = []

    def add(n, corpus_ranks, batch, out_of_core, label):
        corpus = corpora[corpus_ranks]
        args = fit + ["--docword", corpus, "--batch-size", str(batch)] + (["--out-of-core"] if out_of_core else [])
        r = run(n, args, os.path.join(tmp, f"ooc_{label}_{n}"))
        out.append({"model": "lda", "scaling": "out_of_core", "label": label, "out_of_core": out_of_core,
                    "documents": corpus_ranks * docs_per_rank, "file_bytes": os.path.getsize(corpus), **r})
        print(f"out of core: {label}, {n} ranks: done", file=sys.stderr)

    add(1, 1, S, False, "in memory")
    for n in ranks:
        add(n, n, S * n, True, "weak, out of core")
    add(1, ranks[-1], S, True, "largest corpus, one process")
    code, err = mpirun_elbo(1, fit + ["--docword", largest, "--batch-size", str(S), "-q", "--no-progress",
                                      "-o", os.path.join(tmp, "ooc_refused")], check=False)
    refused = {"exit_code": code, "message": next((l for l in err.splitlines() if l.startswith("elbo: error")), ""),
               "documents": ranks[-1] * docs_per_rank, "file_bytes": os.path.getsize(largest)}
    settings = {"documents_per_rank": docs_per_rank, "topics": K, "vocabulary": V, "steps": steps,
                "max_memory": OUT_OF_CORE_BUDGET, "generate_seconds": generate, "refused_in_memory": refused}
    return out, settings


def out_of_core_markdown(results):
    runs = [r for r in results["runs"] if r["scaling"] == "out_of_core"]
    if not runs:
        return []
    o = results["settings"]["out_of_core"]
    ref = o["refused_in_memory"]
    lines = ["", "## Out of core (`--out-of-core`): corpora streamed from disk", "",
             f"LDA, K = {o['topics']}, V = {o['vocabulary']}, {o['steps']} SVI steps, one thread per rank, "
             f"every run under `--max-memory {o['max_memory']}`. Weak scaling: {o['documents_per_rank']} "
             "documents and S = 4096 per rank (generated from an LDA by `write_large_corpus`; the smaller "
             "corpora are the first lines of the largest). Out of core, each rank validates its byte range "
             "once in 8 MB blocks, keeps 12 bytes per document (offset and length) and reads each "
             "minibatch's documents back with pread; in memory, it holds its documents and their γ. "
             "load s = opening the corpus (the validating pass, or reading and parsing the shard). Peak RSS "
             "includes about 170 MB that every elbo process has (LibTorch and OpenBLAS are linked in). "
             f"Load average (1 min) before / after: {o['load_average_1min']['before']:.1f} / "
             f"{o['load_average_1min']['after']:.1f}.",
             "",
             "| run | ranks | documents | file MB | S | load s | ms/step | local ms/step | allreduce ms/step | comm share | peak RSS MB/rank |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in runs:
        flag = " (oversubscribed)" if r["oversubscribed"] else ""
        lines.append(f"| {r['label']} | {r['ranks']}{flag} | {r['documents']} | {r['file_bytes'] / 1e6:.0f} | "
                     f"{r['batch_size']} | {r['load_seconds']:.2f} | {1e3 * r['seconds_per_step']:.2f} | "
                     f"{1e3 * r['local_step_seconds_per_step']:.2f} | {1e3 * r['allreduce_seconds_per_step']:.3f} | "
                     f"{100 * r['communication_share']:.1f}% | {r['peak_rss_mb_per_rank']:.0f} |")
    verdict = (f"refused before reading it, exit {ref['exit_code']}: `{ref['message']}`" if ref["exit_code"] != 0
               else "not refused (the corpus fits the budget)")
    lines += ["", f"The same {ref['documents']}-document corpus ({ref['file_bytes'] / 1e6:.0f} MB) in memory on one "
              f"process under the same budget: {verdict}", "",
              "Out-of-core rows: `bash bench/compare/distributed/run.sh --only out-of-core` (rerun alone; the "
              "other rows are kept)."]
    return lines


def replace_section(md, title, lines):
    """md with its "## TITLE" section replaced by `lines`, or `lines` inserted before the ADVI section."""
    parts = re.split(r"(?m)^(?=## )", md)  # the preamble, then one part per "## " section
    new = "\n".join(lines).strip("\n") + "\n\n"
    at = next((i for i, p in enumerate(parts) if p.startswith("## " + title)), None)
    if at is None:
        parts.insert(next((i for i, p in enumerate(parts) if p.startswith("## ADVI")), len(parts)), new)
    else:
        parts[at] = new
    return "".join(parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small data and few steps (about 2 minutes)")
    ap.add_argument("--ranks", default="1,2,4,8")
    ap.add_argument("--only", choices=["all", "advi", "out-of-core"], default="all",
                    help="advi: rerun only the ADVI rows (ranks 1, 2); out-of-core: only the --out-of-core "
                         "section; both keep the other rows of results.json")
    ap.add_argument("--out-of-core-docs", type=int, default=1000000, metavar="DOCS",
                    help="documents per rank of the out-of-core weak-scaling runs")
    ap.add_argument("--advi-ranks", default="1,2")
    ap.add_argument("--large", type=int, default=0, metavar="DOCS",
                    help="also an LDA run on a corpus of DOCS documents (e.g. 1000000) over 1, 2, 4 ranks, "
                         "for the peak memory per rank")
    opts = ap.parse_args()
    ranks = [int(r) for r in opts.ranks.split(",")]
    q = opts.quick
    advi_ranks = [int(r) for r in opts.advi_ranks.split(",")]
    if opts.only == "out-of-core":
        with open(os.path.join(HERE, "results.json")) as f:
            results = json.load(f)
        results["runs"] = [r for r in results["runs"] if r["scaling"] != "out_of_core"]
        tmp = tempfile.mkdtemp(prefix="elbo-dist-bench-")
        before = os.getloadavg()[0]
        try:
            rows, settings = out_of_core_runs(opts.out_of_core_docs, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        settings["load_average_1min"] = {"before": before, "after": os.getloadavg()[0]}
        results["runs"] += rows
        results["settings"]["out_of_core"] = settings
        with open(os.path.join(HERE, "results.json"), "w") as f:
            json.dump(results, f, indent=2)
        with open(os.path.join(HERE, "results.md")) as f:
            md = replace_section(f.read(), "Out of core", out_of_core_markdown(results))
        with open(os.path.join(HERE, "results.md"), "w") as f:
            f.write(md)
        print(md)
        return
    if opts.only == "advi":
        with open(os.path.join(HERE, "results.json")) as f:
            results = json.load(f)
        results["runs"] = [r for r in results["runs"] if r["model"] != "advi_logistic"]
        tmp = tempfile.mkdtemp(prefix="elbo-dist-bench-")
        before = os.getloadavg()[0]
        try:
            results["runs"] += advi_runs(advi_ranks, q, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        results["settings"]["advi"] = {"quick": q, "load_average_1min": {"before": before,
                                                                         "after": os.getloadavg()[0]}}
        with open(os.path.join(HERE, "results.json"), "w") as f:
            json.dump(results, f, indent=2)
        with open(os.path.join(HERE, "results.md")) as f:
            md = f.read()
        md = md.split("\n## ADVI")[0].rstrip("\n") + "\n" + "\n".join(advi_markdown(results)) + "\n"
        with open(os.path.join(HERE, "results.md"), "w") as f:
            f.write(md)
        print(md)
        return
    K, V = 20, 5000
    lda_docs, lda_S, lda_steps = (4000, 256, 40) if q else (20000, 1024, 100)
    gK, gD = 8, 10
    gmm_rows, gmm_S, gmm_steps = (40000, 2000, 40) if q else (200000, 10000, 100)
    load_before = os.getloadavg()[0]
    tmp = tempfile.mkdtemp(prefix="elbo-dist-bench-")
    results = {"machine": {"cores": CORES, "platform": platform.platform(),
                           "mpiexec": subprocess.run([MPIEXEC, "--version"], capture_output=True,
                                                     text=True).stdout.splitlines()[0]},
               "settings": {"quick": q, "lda": {"topics": K, "vocabulary": V},
                            "gmm": {"components": gK, "dim": gD}, "threads_per_rank": 1},
               "runs": []}
    try:
        # strong scaling: one data set, one S
        corpus = os.path.join(tmp, "strong.dat")
        write_lda_corpus(corpus, lda_docs, V, K, 1)
        points = os.path.join(tmp, "strong.csv")
        write_gmm_points(points, gmm_rows, gD, gK, 2)
        for n in ranks:
            r = run(n, ["fit", "lda", "--docword", corpus, "--topics", str(K), "--method", "svi",
                        "--batch-size", str(lda_S), "--max-iter", str(lda_steps)], os.path.join(tmp, f"ls{n}"))
            results["runs"].append({"model": "lda", "scaling": "strong", "documents": lda_docs, **r})
            r = run(n, ["fit", "gmm", "--data", points, "--components", str(gK), "--method", "svi",
                        "--batch-size", str(gmm_S), "--max-iter", str(gmm_steps)], os.path.join(tmp, f"gs{n}"))
            results["runs"].append({"model": "gmm", "scaling": "strong", "rows": gmm_rows, **r})
            print(f"strong, {n} ranks: done", file=sys.stderr)
        # weak scaling: data and S ∝ ranks
        for n in ranks:
            corpus = os.path.join(tmp, f"weak{n}.dat")
            write_lda_corpus(corpus, lda_docs * n // 2, V, K, 3)
            r = run(n, ["fit", "lda", "--docword", corpus, "--topics", str(K), "--method", "svi",
                        "--batch-size", str(lda_S * n // 2), "--max-iter", str(lda_steps)],
                    os.path.join(tmp, f"lw{n}"))
            results["runs"].append({"model": "lda", "scaling": "weak", "documents": lda_docs * n // 2, **r})
            os.remove(corpus)
            points = os.path.join(tmp, f"weak{n}.csv")
            write_gmm_points(points, gmm_rows * n // 2, gD, gK, 4)
            r = run(n, ["fit", "gmm", "--data", points, "--components", str(gK), "--method", "svi",
                        "--batch-size", str(gmm_S * n // 2), "--max-iter", str(gmm_steps)],
                    os.path.join(tmp, f"gw{n}"))
            results["runs"].append({"model": "gmm", "scaling": "weak", "rows": gmm_rows * n // 2, **r})
            os.remove(points)
            print(f"weak, {n} ranks: done", file=sys.stderr)
        if opts.large > 0:
            # one corpus too large to hold twice: each rank reads and keeps only its shard
            corpus = os.path.join(tmp, "large.dat")
            t0 = time.perf_counter()
            write_large_corpus(corpus, opts.large, V, K, 5)
            results["settings"]["large"] = {"documents": opts.large, "file_bytes": os.path.getsize(corpus),
                                            "generate_seconds": time.perf_counter() - t0}
            for n in [r for r in (1, 2, 4) if r in ranks or r == 1]:
                r = run(n, ["fit", "lda", "--docword", corpus, "--topics", str(K), "--method", "svi",
                            "--batch-size", "4096", "--max-iter", "20"], os.path.join(tmp, f"big{n}"))
                results["runs"].append({"model": "lda", "scaling": "large", "documents": opts.large, **r})
                print(f"large, {n} ranks: done", file=sys.stderr)
            os.remove(corpus)
        ooc = []
        if opts.out_of_core_docs > 0:
            ooc_before = os.getloadavg()[0]
            ooc, results["settings"]["out_of_core"] = out_of_core_runs(opts.out_of_core_docs, tmp)
            results["settings"]["out_of_core"]["load_average_1min"] = {"before": ooc_before,
                                                                       "after": os.getloadavg()[0]}
        advi_before = os.getloadavg()[0]
        advi = advi_runs(advi_ranks, q, tmp)
        results["settings"]["advi"] = {"quick": q, "load_average_1min": {"before": advi_before,
                                                                         "after": os.getloadavg()[0]}}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # projection to a cluster: local time splits over N ranks, the allreduce moves
    # 2 (N−1)/N · bytes over a link of 1.25 GB/s (10 GbE) with 20 µs latency per step
    results["machine"]["load_average_1min"] = {"before": load_before, "after": os.getloadavg()[0]}
    base = {}
    for row in results["runs"]:
        key = (row["model"], row["scaling"])
        if row["ranks"] == min(ranks):
            base[key] = row
        n, b = row["ranks"], row["bytes_per_allreduce"]
        ring = 2 * (n - 1) / n * b / 1.25e9 + 20e-6 * 2 * (n - 1)
        # one rank's step without its allreduce: local step + global step
        one = base[key]["seconds_per_step"] - base[key]["allreduce_seconds_per_step"]
        local = base[key]["local_step_seconds_per_step"]
        row["projected_seconds_per_step_10GbE"] = (one - local) + local * (
            min(ranks) / n if row["scaling"] in ("strong", "large") else 1) + ring

    results["runs"] += ooc + advi
    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    lines = ["# Distributed SVI scaling (`mpirun -np N elbo fit lda|gmm --method svi`)", "",
             f"Machine: {CORES} cores ({results['machine']['platform']}); {results['machine']['mpiexec']}; "
             "one thread per rank; loopback (shared memory / TCP). Runs with more ranks than cores are "
             "**oversubscribed**: they share the cores, so they measure the protocol's overhead, not a speed-up.",
             f"Load average (1 min) before / after: {results['machine']['load_average_1min']['before']:.1f} / "
             f"{results['machine']['load_average_1min']['after']:.1f} — other jobs on the machine inflate "
             "the multi-rank times (an allreduce waits for the slowest rank).",
             "",
             f"LDA: K = {K}, V = {V} (allreduce payload K·V + 2 doubles); GMM: K = {gK}, D = {gD} "
             "(K + K(D + D²) + 2 doubles). Strong: one data set and one global S; weak: data and S ∝ ranks "
             "(N/2 × the strong size). Communication share = rank 0's time in the statistics allreduce "
             "(including waiting for the slowest rank) / SVI loop time. Projected: the 1-rank step with its "
             "local step divided by N (strong; weak: unchanged) plus a ring allreduce of the payload on "
             "10 GbE (1.25 GB/s, 20 µs per hop), i.e. one rank per node.",
             "",
             "| model | scaling | ranks | data | S | ms/step | local ms/step | allreduce ms/step | comm share | bytes/allreduce | peak RSS MB/rank | projected ms/step (10 GbE) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results["runs"]:
        if r["model"] == "advi_logistic" or r["scaling"] == "out_of_core":
            continue
        data = r.get("documents", r.get("rows"))
        flag = " (oversubscribed)" if r["oversubscribed"] else ""
        lines.append(f"| {r['model']} | {r['scaling']} | {r['ranks']}{flag} | {data} | {r['batch_size']} | "
                     f"{1e3 * r['seconds_per_step']:.2f} | {1e3 * r['local_step_seconds_per_step']:.2f} | "
                     f"{1e3 * r['allreduce_seconds_per_step']:.3f} | {100 * r['communication_share']:.1f}% | "
                     f"{r['bytes_per_allreduce']} | {r['peak_rss_mb_per_rank']:.0f} | "
                     f"{1e3 * r['projected_seconds_per_step_10GbE']:.2f} |")
    if opts.large > 0:
        L = results["settings"]["large"]
        lines += ["", f"Large: one LDA-C corpus of {L['documents']} documents ({L['file_bytes'] / 1e6:.0f} MB), "
                  "S = 4096, 20 steps, over 1, 2 and 4 ranks: each rank reads and holds only its byte range "
                  "(the documents and their γ), so the peak RSS per rank falls with the rank count; about "
                  "170 MB of every rank is the elbo binary itself (LibTorch is linked in). The shard is read "
                  "whole into memory, not streamed while fitting."]
    lines += ["", "Generated by `bash bench/compare/distributed/run.sh" + (" --quick" if q else "") +
              (f" --large {opts.large}" if opts.large else "") + "`; the ADVI section alone by "
              "`bash bench/compare/distributed/run.sh --only advi`."]
    lines += out_of_core_markdown(results)
    lines += advi_markdown(results)
    with open(os.path.join(HERE, "results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
