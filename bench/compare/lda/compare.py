#!/usr/bin/python3
"""Side-by-side LDA benchmark on the AP corpus (2,246 documents, 10,473 words).

Every system gets the same training documents, the same document-completion split
of the held-out documents (10% of documents; each one's tokens shuffled and cut in
half: θ estimated on the first half, the second half scored), the same priors
(α = η = 1/K) and 2 threads. Held-out perplexity is computed by ONE estimator for
all systems (heldout_perplexity below: the E-step with the topics fixed at their
mean, then exp(−Σ log Σ_k θ̄_k β̄_kw / tokens)); elbo's own C++ value of the same
estimator is recorded as a cross-check. Perplexity is traced against fit time
(evaluation time excluded) so "time to reach the best peer's final perplexity" can
be read off. Results: results.json and results.md beside this script.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.special import digamma

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
AP = os.path.join(REPO, "..", "shared", "data", "ap")
THREADS = 2


# ---------------------------------------------------------------- data -------------
def read_ldac(path):
    docs = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            ids, cts = [], []
            for p in parts[1:]:
                i, c = p.split(":")
                ids.append(int(i))
                cts.append(int(c))
            docs.append((np.array(ids, dtype=np.int64), np.array(cts, dtype=np.float64)))
    return docs


def write_ldac(path, docs):
    with open(path, "w") as f:
        for ids, cts in docs:
            f.write(str(len(ids)) + "".join(f" {i}:{int(c)}" for i, c in zip(ids, cts)) + "\n")


def split(docs, fraction, seed):
    rng = np.random.RandomState(seed)
    order = rng.permutation(len(docs))
    n_held = int(round(fraction * len(docs)))
    held = sorted(order[:n_held])
    train = sorted(order[n_held:])
    obs, ev = [], []
    for d in held:
        ids, cts = docs[d]
        tokens = np.repeat(ids, cts.astype(np.int64))
        rng.shuffle(tokens)
        half = len(tokens) // 2
        for part, out in ((tokens[:half], obs), (tokens[half:], ev)):
            u, c = np.unique(part, return_counts=True)
            out.append((u, c.astype(np.float64)))
    return [docs[d] for d in train], obs, ev


def to_csr(docs, V):
    from scipy.sparse import csr_matrix
    indptr = np.cumsum([0] + [len(i) for i, _ in docs])
    indices = np.concatenate([i for i, _ in docs])
    data = np.concatenate([c for _, c in docs])
    return csr_matrix((data, indices, indptr), shape=(len(docs), V))


# ------------------------------------------------------- the one estimator ---------
def heldout_perplexity(topics, alpha, obs, ev, max_iter=100, tol=1e-3):
    """Document completion; mirrors elbo::conjugate::document_completion_score."""
    topics = topics / topics.sum(axis=1, keepdims=True)
    K = topics.shape[0]
    ll, n = 0.0, 0.0
    for (oi, oc), (ei, ec) in zip(obs, ev):
        gamma = np.ones(K)
        if len(oi):
            b = topics[:, oi]
            et = np.exp(digamma(gamma) - digamma(gamma.sum()))
            for _ in range(max_iter):
                p = et @ b + 1e-100
                new = alpha + et * (b @ (oc / p))
                change = np.abs(new - gamma).mean()
                gamma = new
                et = np.exp(digamma(gamma) - digamma(gamma.sum()))
                if change < tol:
                    break
        else:
            gamma = np.full(K, alpha)
        theta = gamma / gamma.sum()
        if len(ei):
            ll += float(ec @ np.log(theta @ topics[:, ei]))
            n += ec.sum()
    return float(np.exp(-ll / n))


# ---------------------------------------------------------------- systems ----------
class Trace:
    def __init__(self, name, alpha, obs, ev):
        self.name, self.alpha, self.obs, self.ev = name, alpha, obs, ev
        self.points = []
        self.fit_seconds = 0.0

    def record(self, label, topics):
        p = heldout_perplexity(topics, self.alpha, self.obs, self.ev)
        self.points.append({"iteration": label, "seconds": self.fit_seconds, "perplexity": p})
        print(f"  {self.name:>22s}  {label:>5}  {self.fit_seconds:8.2f} s  perplexity {p:9.2f}", flush=True)


def run_sklearn(kind, train_csr, K, alpha, obs, ev, iters, batch_size, seed):
    from sklearn.decomposition import LatentDirichletAllocation
    from sklearn.utils import gen_batches
    from joblib import Parallel, effective_n_jobs

    t = Trace(f"sklearn-{kind}", alpha, obs, ev)
    lda = LatentDirichletAllocation(
        n_components=K, doc_topic_prior=alpha, topic_word_prior=alpha,
        learning_method=kind, learning_decay=0.7, learning_offset=10.0,
        batch_size=batch_size, max_iter=iters, n_jobs=THREADS, random_state=seed,
        total_samples=train_csr.shape[0])
    # The loop of LatentDirichletAllocation.fit (sklearn 1.2), unrolled so the topics
    # can be scored after every pass; the scoring time is not counted.
    start = time.perf_counter()
    lda._check_params() if hasattr(lda, "_check_params") else lda._validate_params()
    X = lda._check_non_neg_array(train_csr, reset_n_features=True, whom="bench")
    lda._init_latent_vars(X.shape[1])
    n_jobs = effective_n_jobs(lda.n_jobs)
    with Parallel(n_jobs=n_jobs, verbose=0) as parallel:
        t.fit_seconds += time.perf_counter() - start
        for i in range(iters):
            start = time.perf_counter()
            if kind == "online":
                for idx in gen_batches(X.shape[0], batch_size):
                    lda._em_step(X[idx, :], total_samples=X.shape[0], batch_update=False, parallel=parallel)
            else:
                lda._em_step(X, total_samples=X.shape[0], batch_update=True, parallel=parallel)
            lda.n_iter_ += 1  # as fit(); _em_step advances n_batch_iter_ itself
            t.fit_seconds += time.perf_counter() - start
            t.record(i + 1, lda.components_)
    return t


def run_gensim(train_docs, V, K, alpha, obs, ev, passes, batch_size, seed):
    from gensim.models import LdaModel
    t = Trace("gensim-LdaModel", alpha, obs, ev)
    corpus = [list(zip(ids.tolist(), cts.astype(int).tolist())) for ids, cts in train_docs]
    id2word = {i: str(i) for i in range(V)}
    start = time.perf_counter()
    model = LdaModel(num_topics=K, id2word=id2word, alpha=np.full(K, alpha), eta=alpha,
                     chunksize=batch_size, decay=0.7, offset=10.0, random_state=seed,
                     update_every=1, iterations=100, gamma_threshold=1e-3, eval_every=None)
    t.fit_seconds += time.perf_counter() - start
    for p in range(passes):
        start = time.perf_counter()
        # update() adds len(corpus) to state.numdocs on every call, which would scale
        # the minibatch statistics by p·M in pass p; one update(passes=P) call keeps
        # M, so reset it to get the same semantics pass by pass.
        model.state.numdocs = 0
        model.update(corpus, passes=1, chunks_as_numpy=True)
        t.fit_seconds += time.perf_counter() - start
        t.record(p + 1, model.get_topics())
    return t


def run_elbo(elbo, method, files, K, alpha, obs, ev, iters, batch_size, seed, extra=(), label=None):
    name = label or (f"elbo-{method}" + ("".join(extra).replace("--", "+") if extra else ""))
    t = Trace(name, alpha, obs, ev)
    out = tempfile.mkdtemp(prefix=f"lda_{method}_")
    n_train = sum(1 for _ in open(files["train"]))
    steps_per_pass = max(1, -(-n_train // batch_size))
    if method in ("svi", "scvb0"):
        n_iter, every = iters * steps_per_pass, steps_per_pass
    else:
        n_iter, every = iters, 1
    cmd = [elbo, "fit", "lda", "--docword", files["train"], "--topics", str(K),
           "--method", method, "--threads", str(THREADS), "--seed", str(seed),
           "--heldout-observed", files["obs"], "--heldout-evaluated", files["ev"],
           "--alpha", str(alpha), "--eta", str(alpha), "--batch-size", str(batch_size),
           "--tau0", "10", "--kappa", "0.7", "--max-iter", str(n_iter), "--tol", "0",
           "--eval-every", str(every), "--output", out, "--no-progress", "-q", *extra]
    subprocess.run(cmd, check=True)
    summary = json.load(open(os.path.join(out, "summary.json")))
    topics = np.loadtxt(os.path.join(out, "topics.csv"), delimiter=",")
    for row in summary.get("trace", []):
        t.points.append({"iteration": row["iteration"] // every, "seconds": row["seconds"],
                         "perplexity": row["perplexity"]})
        print(f"  {name:>22s}  {row['iteration'] // every:>5}  {row['seconds']:8.2f} s  "
              f"perplexity {row['perplexity']:9.2f}", flush=True)
    t.fit_seconds = summary["fit_seconds"]
    t.final_batch_size = summary.get("batch_size")
    # cross-check: this script's estimator on elbo's final topics
    t.python_estimator_final = heldout_perplexity(topics, alpha, obs, ev)
    t.elbo_estimator_final = summary["heldout_perplexity"]
    return t


def svi_variants(steps_per_pass):
    """(row label, extra `elbo fit lda` flags) of the SVI variants measured at K = 20."""
    return [
        ("elbo-svi (adaptive rate)", ["--adaptive-rate"]),
        ("elbo-svi (adaptive minibatch)", ["--adaptive-batch"]),
        (f"elbo-svi (SVRG, snapshot every {steps_per_pass} steps)", ["--svrg-every", str(steps_per_pass)]),
        ("elbo-svi (window W = 4)", ["--window", "4"]),
        ("elbo-svi (importance sampling ∝ length)", ["--importance-sampling"]),
        ("elbo-svi (streaming, in order)", ["--streaming"]),
    ]


# ---------------------------------------------------------------- report -----------
def time_to_reach(trace, target):
    for p in trace.points:
        if p["perplexity"] <= target:
            return p["seconds"]
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--topics", type=int, nargs="+", default=[20])
    ap.add_argument("--passes", type=int, default=10, help="passes/iterations for every system")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quick", action="store_true", help="3 passes (smoke test)")
    ap.add_argument("--skip", nargs="*", default=[], help="systems to skip (e.g. sklearn-batch)")
    ap.add_argument("--no-doubling", action="store_true", help="skip the corpus-doubling timings")
    ap.add_argument("--tricks-topics", type=int, nargs="*", default=[20],
                    help="K values (among --topics) at which elbo's SVI variants are also run")
    args = ap.parse_args()
    passes = 3 if args.quick else args.passes
    elbo = os.environ.get("ELBO_BIN", os.path.join(REPO, "build-bench", "elbo"))

    docs = read_ldac(os.path.join(AP, "ap.dat"))
    V = sum(1 for _ in open(os.path.join(AP, "vocab.txt")))
    train, obs, ev = split(docs, 0.1, 0)
    work = tempfile.mkdtemp(prefix="lda_bench_")
    files = {"train": os.path.join(work, "train.dat"), "obs": os.path.join(work, "obs.dat"),
             "ev": os.path.join(work, "ev.dat")}
    write_ldac(files["train"], train)
    write_ldac(files["obs"], obs)
    write_ldac(files["ev"], ev)
    train_csr = to_csr(train, V)
    print(f"AP: {len(train)} training documents, {len(obs)} held out, {V} words, "
          f"{int(sum(c.sum() for _, c in docs))} tokens; {THREADS} threads per system")

    results = {"corpus": "AP", "train_documents": len(train), "heldout_documents": len(obs),
               "vocabulary": V, "threads": THREADS, "passes": passes,
               "batch_size": args.batch_size, "runs": []}
    for K in args.topics:
        alpha = 1.0 / K
        print(f"\nK = {K}")
        traces = []
        systems = [
            ("elbo-svi", lambda: run_elbo(elbo, "svi", files, K, alpha, obs, ev, passes, args.batch_size, args.seed)),
            ("elbo-scvb0", lambda: run_elbo(elbo, "scvb0", files, K, alpha, obs, ev, passes, args.batch_size, args.seed)),
            ("elbo-cvb0", lambda: run_elbo(elbo, "cvb0", files, K, alpha, obs, ev, 5 * passes, args.batch_size, args.seed)),
            ("elbo-cavi", lambda: run_elbo(elbo, "cavi", files, K, alpha, obs, ev, 5 * passes, args.batch_size, args.seed)),
            ("sklearn-online", lambda: run_sklearn("online", train_csr, K, alpha, obs, ev, passes, args.batch_size, args.seed)),
            ("sklearn-batch", lambda: run_sklearn("batch", train_csr, K, alpha, obs, ev, passes, args.batch_size, args.seed)),
            ("gensim-LdaModel", lambda: run_gensim(train, V, K, alpha, obs, ev, passes, args.batch_size, args.seed)),
        ]
        if K in args.tricks_topics:
            # SVI "tricks of the trade" (NaturalSviOptions), each alone on top of the
            # default elbo-svi run: same passes, minibatch, τ0, κ, seed and estimator.
            steps_per_pass = max(1, -(-len(train) // args.batch_size))
            for label, flags in svi_variants(steps_per_pass):
                systems.insert(1 + len([n for n, _ in systems if n.startswith("elbo-svi ")]),
                               (label, lambda f=flags, l=label: run_elbo(elbo, "svi", files, K, alpha, obs, ev, passes,
                                                                          args.batch_size, args.seed, f, l)))
        failures = []
        for name, run in systems:
            if name in args.skip:
                continue
            try:
                traces.append(run())
            except subprocess.CalledProcessError:
                if not name.startswith("elbo-svi ("):
                    raise
                failures.append(name)  # a variant that fails is reported, not fatal
                print(f"  {name}: failed (see its error above)", flush=True)
        peers = [t for t in traces if not t.name.startswith("elbo")]
        best_peer = min(peers, key=lambda t: t.points[-1]["perplexity"]) if peers else None
        rows = []
        for t in traces:
            row = {"system": t.name, "final_perplexity": t.points[-1]["perplexity"],
                   "fit_seconds": t.fit_seconds, "trace": t.points}
            if getattr(t, "final_batch_size", None) is not None:
                row["final_batch_size"] = t.final_batch_size
            if hasattr(t, "python_estimator_final"):
                row["final_perplexity_python_estimator"] = t.python_estimator_final
                row["final_perplexity_elbo_estimator"] = t.elbo_estimator_final
            if best_peer is not None:
                target = best_peer.points[-1]["perplexity"]
                row["seconds_to_best_peer_final"] = time_to_reach(t, target)
            rows.append(row)
        results["runs"].append({"topics": K, "alpha": alpha, "eta": alpha, "failed_systems": failures,
                                "best_peer": best_peer.name if best_peer else None,
                                "best_peer_final_perplexity": best_peer.points[-1]["perplexity"] if best_peer else None,
                                "best_peer_seconds": best_peer.fit_seconds if best_peer else None,
                                "systems": rows})

    if not args.no_doubling:
        # time of ONE pass (one iteration for batch methods) on 1/4, 1/2 and all of the
        # training documents, K = first --topics value
        K = args.topics[0]
        alpha = 1.0 / K
        doubling = []
        for frac in (4, 2, 1):
            sub = train[: len(train) // frac]
            sub_files = dict(files)
            sub_files["train"] = os.path.join(work, f"train_{frac}.dat")
            write_ldac(sub_files["train"], sub)
            sub_csr = to_csr(sub, V)
            row = {"documents": len(sub)}
            row["elbo-svi"] = run_elbo(elbo, "svi", sub_files, K, alpha, obs, ev, 1, args.batch_size, args.seed).fit_seconds
            row["elbo-scvb0"] = run_elbo(elbo, "scvb0", sub_files, K, alpha, obs, ev, 1, args.batch_size, args.seed).fit_seconds
            row["elbo-cvb0"] = run_elbo(elbo, "cvb0", sub_files, K, alpha, obs, ev, 1, args.batch_size, args.seed).fit_seconds
            row["sklearn-online"] = run_sklearn("online", sub_csr, K, alpha, obs, ev, 1, args.batch_size, args.seed).fit_seconds
            row["sklearn-batch"] = run_sklearn("batch", sub_csr, K, alpha, obs, ev, 1, args.batch_size, args.seed).fit_seconds
            row["gensim-LdaModel"] = run_gensim(sub, V, K, alpha, obs, ev, 1, args.batch_size, args.seed).fit_seconds
            doubling.append(row)
        results["doubling"] = {"topics": K, "rows": doubling}

    with open(os.path.join(HERE, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    lines = ["# LDA on AP: held-out perplexity (document completion) vs fit time", "",
             f"{results['train_documents']} training / {results['heldout_documents']} held-out documents, "
             f"{THREADS} threads per system, {passes} passes (CAVI/CVB0: {5 * passes} iterations), "
             f"minibatch {args.batch_size}, α = η = 1/K. One perplexity estimator for all systems.", ""]
    for run in results["runs"]:
        lines += [f"## K = {run['topics']}", "",
                  f"Best peer: {run['best_peer']} (final perplexity {run['best_peer_final_perplexity']:.1f} "
                  f"in {run['best_peer_seconds']:.1f} s)." if run["best_peer"] else "", "",
                  "| system | final perplexity | fit time (s) | time to best peer's final (s) |",
                  "|---|---:|---:|---:|"]
        for r in run["systems"]:
            reach = r.get("seconds_to_best_peer_final")
            lines.append(f"| {r['system']} | {r['final_perplexity']:.1f} | {r['fit_seconds']:.2f} | "
                         f"{'—' if reach is None else f'{reach:.2f}'} |")
        lines.append("")
        variants = [r for r in run["systems"] if r["system"] == "elbo-svi" or r["system"].startswith("elbo-svi (")]
        if len(variants) > 1:
            def at(r, p):
                pts = [q for q in r["trace"] if q["iteration"] == p]
                return f"{pts[0]['perplexity']:.1f}" if pts else "—"
            lines += [f"### SVI variants at K = {run['topics']} (each trick alone, otherwise as elbo-svi)", "",
                      "| variant | perplexity after 1 pass | after 3 passes | final | fit time (s) | final minibatch |",
                      "|---|---:|---:|---:|---:|---:|"]
            for r in variants:
                lines.append(f"| {r['system']} | {at(r, 1)} | {at(r, 3)} | {r['final_perplexity']:.1f} | "
                             f"{r['fit_seconds']:.2f} | {r.get('final_batch_size', '—')} |")
            for name in run.get("failed_systems", []):
                lines.append(f"| {name} | failed | | | | |")
            lines += ["", "Passes are counted in steps of the initial minibatch (S = "
                      f"{results['batch_size']}); the adaptive-minibatch run grows S, so it sees more documents "
                      "in the same number of steps. SVRG's fit time includes its full-data snapshots.", ""]
    if "doubling" in results:
        names = [k for k in results["doubling"]["rows"][0] if k != "documents"]
        lines += [f"## Time for one pass (batch methods: one iteration) as the corpus doubles, "
                  f"K = {results['doubling']['topics']}", "",
                  "| documents | " + " | ".join(names) + " |",
                  "|---:|" + "---:|" * len(names)]
        for r in results["doubling"]["rows"]:
            lines.append(f"| {r['documents']} | " + " | ".join(f"{r[n]:.2f}" for n in names) + " |")
        lines.append("")
    with open(os.path.join(HERE, "results.md"), "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
