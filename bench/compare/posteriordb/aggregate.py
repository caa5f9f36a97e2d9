#!/usr/bin/python3
"""Metrics of the posteriordb benchmark -> results.json and results.md (the one place
where metrics are computed; plain Python, no numpy).

Inputs (beside this script):
  runs/elbo/<setting>/<NAME>_seed<S>/summary.json   elbo fit stan (run.sh), method elbo:<setting>
  runs/elbo/<setting>/<NAME>_seed<S>/run.json       run.sh's record: exit status, process wall time
  runs/stan/<algorithm>/<NAME>_seed<S>.json         stan_advi.R, method stan:<algorithm>
and the reference summaries <posteriordb>/<NAME>.reference.csv (param,mean,sd,q05,q50,q95;
"beta[1]" is matched to the runs' "beta.1").

Per run:   err   = max over reference parameters of |mean - ref mean| / ref sd
           sdr   = sd / ref sd of the parameter farthest from 1 in log (max |log sdr|)
           k-hat = PSIS k-hat of log p - log q as reported by the run (None if missing)
           converged, time (elbo: timings.total_seconds = fit + draws + summary, compile
           excluded; Stan: the vb() call, compile excluded)
A run is failed if it reports an error, has no summary, or lacks a reference parameter.
Per cell (posterior x method): medians over the successful seeds; a cell with fewer than
half of its runs successful is "failed".
  pass    = cell ok and median err <= 0.25 (stat_comp_benchmarks' criterion)
  flagged = median k-hat >= 0.7, or k-hat missing in at least half of the ok runs, or
            elbo's own verdict reliable: false in at least half of them, or
            converged in fewer than half of the ok runs; a failed cell is flagged (it errs)
  silent failure = not pass and not flagged
The same pass / flagged / silent tests are also applied to every single run (a user
running one seed sees one run), counted per method in results.json and results.md.
"""
import csv
import datetime
import glob
import json
import math
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PDB = os.environ.get("PDB_DIR", os.path.join(HERE, "..", "..", "..", "..", "shared", "posteriordb"))
METHODS = ["elbo:default", "elbo:best", "stan:meanfield", "stan:fullrank"]
PASS_ERR = 0.25
K_FLAG = 0.7


def dotted(name):
    """'beta[1]' / 'theta[1, 2]' -> 'beta.1' / 'theta.1.2' (CmdStan CSV names)."""
    return re.sub(r"\.$", "", re.sub(r"[\[\], ]+", ".", name))


def load_json(path):
    try:
        with open(path) as fh:
            return json.load(fh)
    except (OSError, ValueError) as e:
        return {"error": f"unreadable {os.path.relpath(path, HERE)}: {e}"}


def references():
    refs = {}
    for f in sorted(glob.glob(os.path.join(PDB, "*.reference.csv"))):
        name = os.path.basename(f)[: -len(".reference.csv")]
        with open(f) as fh:
            refs[name] = [{"name": dotted(r["param"]), "stan_name": r["param"],
                           "mean": float(r["mean"]), "sd": float(r["sd"])}
                          for r in csv.DictReader(fh)]
    if not refs:
        sys.exit(f"aggregate.py: no *.reference.csv in {PDB}")
    return refs


def num(x):
    """A finite float or None (JSON null, NaN, inf, strings all -> None)."""
    if isinstance(x, bool) or x is None:
        return None
    try:
        x = float(x)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def khat(x):
    """k-hat: a finite float, inf (stan_advi.R writes "Inf" when loo's tail fit fails), or None."""
    if isinstance(x, str) and x.strip().lower() in ("inf", "+inf", "infinity"):
        return math.inf
    return num(x)


RUN_RE = re.compile(r"^(?P<name>.+)_seed(?P<seed>\d+)$")


def elbo_runs():
    runs = []
    for d in sorted(glob.glob(os.path.join(HERE, "runs", "elbo", "*", "*_seed*"))):
        if not os.path.isdir(d):
            continue
        m = RUN_RE.match(os.path.basename(d))
        if not m:
            continue
        setting = os.path.basename(os.path.dirname(d))
        rec = load_json(os.path.join(d, "run.json")) if os.path.exists(os.path.join(d, "run.json")) else {}
        sp = os.path.join(d, "summary.json")
        s = load_json(sp) if os.path.exists(sp) else {}
        r = {"system": "elbo", "method": f"elbo:{setting}", "posterior": m["name"],
             "seed": int(m["seed"]), "dir": os.path.relpath(d, HERE)}
        timings = s.get("timings") or {}
        r["time_seconds"] = num(timings.get("total_seconds", s.get("time_seconds")))
        r["fit_seconds"] = num(timings.get("fit_seconds"))
        r["compile_seconds"] = num(s.get("compile_seconds"))  # may be absent: unknown
        r["process_seconds"] = num(rec.get("wall_seconds"))
        r["exit_status"] = rec.get("exit_status")
        r["pareto_k"] = khat(s.get("pareto_k"))
        r["converged"] = s.get("converged")
        r["reliable"] = s.get("reliable")  # elbo's verdict (None before it existed)
        r["gradient_evaluations"] = gradient_evaluations(s)
        r["iterations"] = s.get("iterations")
        r["summary"] = s.get("summary")
        if "error" in s:
            r["error"] = s["error"]
        elif not s:
            r["error"] = (f"no summary.json (exit status {rec.get('exit_status')})"
                          + (f": {rec['stderr_tail']}" if rec.get("stderr_tail") else ""))
        elif not isinstance(s.get("summary"), dict):
            r["error"] = "summary.json has no summary"
        runs.append(r)
    return runs


def gradient_evaluations(s):
    """Evaluations of log p and its gradient by the fit itself (the cost measure of
    the Pathfinder paper): Pathfinder's L-BFGS evaluations plus its ELBO draws;
    ADVI's draws per step times steps plus its ELBO evaluations (the start's L-BFGS
    and the verdict's mode check are not counted). None when unknown."""
    d = s.get("method_details") or {}
    if "gradient_evaluations" in d:
        return num(d.get("gradient_evaluations", 0)) + num(d.get("density_evaluations", 0) or 0)
    st = s.get("settings") or {}
    it, k = num(s.get("iterations")), num(st.get("grad_draws"))
    if s.get("method") == "advi" and it is not None and k is not None:
        every, draws = num(st.get("eval_every")) or 100, num(st.get("eval_draws")) or 100
        return it * k + (it // every) * draws
    return None


def stan_runs():
    runs = []
    for f in sorted(glob.glob(os.path.join(HERE, "runs", "stan", "*", "*_seed*.json"))):
        s = load_json(f)
        m = RUN_RE.match(os.path.basename(f)[:-5])
        alg = os.path.basename(os.path.dirname(f))
        r = {"system": "stan", "method": s.get("method", f"stan:{alg}"),
             "posterior": s.get("posterior", m["name"] if m else None),
             "seed": s.get("seed", int(m["seed"]) if m else None),
             "time_seconds": num(s.get("wall_seconds")), "compile_seconds": num(s.get("compile_seconds")),
             "pareto_k": khat(s.get("pareto_k")), "converged": s.get("converged"),
             "iterations": s.get("iterations"), "summary": s.get("summary"),
             "file": os.path.relpath(f, HERE)}
        if s.get("error"):
            r["error"] = s["error"]
        elif not isinstance(s.get("summary"), dict):
            r["error"] = "no summary"
        runs.append(r)
    return runs


def carried_stan_runs(path):
    """Stan's runs as an earlier results.json recorded them (metrics included): used
    when runs/stan/ is empty (`--stan-from FILE`), since the Stan side does not change
    with elbo's code. Each keeps the date of the run it comes from."""
    d = load_json(path)
    out = []
    for r in d.get("runs", []):
        if r.get("system") == "stan" and ("metrics" in r or "error" in r):
            r = dict(r)
            r["pareto_k"] = khat(r.get("pareto_k"))
            if "metrics" in r:  # results.json writes inf as "Inf"
                r["metrics"] = {k: (float(v) if isinstance(v, str) and v.lower().lstrip("+-") in ("inf", "infinity") else v)
                                for k, v in r["metrics"].items()}
            r["carried_from"] = d.get("generated")
            out.append(r)
    return out


def run_metrics(run, ref):
    summ = run["summary"]
    missing = [p["name"] for p in ref if p["name"] not in summ]
    if missing:
        return None, f"parameters missing from the run: {', '.join(missing[:5])}"
    errs, sdrs = [], []
    for p in ref:
        q = summ[p["name"]]
        mean, sd = num(q.get("mean")), num(q.get("sd"))
        errs.append(abs(mean - p["mean"]) / p["sd"] if mean is not None else math.inf)
        sdrs.append(sd / p["sd"] if sd is not None else math.inf)

    def logdev(r):
        return abs(math.log(r)) if r > 0 and math.isfinite(r) else math.inf

    i = max(range(len(errs)), key=lambda j: errs[j])
    j = max(range(len(sdrs)), key=lambda k: logdev(sdrs[k]))
    return {"err": errs[i], "err_param": ref[i]["stan_name"], "sdr_worst": sdrs[j],
            "sdr_param": ref[j]["stan_name"]}, None


def is_flagged(k, converged, reliable=None):
    """k-hat >= 0.7, k-hat missing, not converged, or the run's own verdict says
    reliable: false (elbo's summary.json; it adds the S-dependent k-hat threshold and
    the random-start mode check)."""
    return k is None or k >= K_FLAG or converged is not True or reliable is False


def med(xs):
    xs = [x for x in xs if x is not None and not (isinstance(x, float) and math.isnan(x))]
    return statistics.median(xs) if xs else None


def med_sdr(xs):
    """Median of sd ratios on the log scale (the geometric middle, robust to 0 and inf)."""
    xs = [x for x in xs if x is not None]
    if not xs:
        return None
    ls = sorted(math.log(x) if x > 0 else -math.inf for x in xs)
    n = len(ls)
    m = ls[n // 2] if n % 2 else (ls[n // 2 - 1] + ls[n // 2]) / 2
    return math.exp(m) if not math.isnan(m) else None


def cell_of(runs):
    ok = [r for r in runs if "metrics" in r]
    cell = {"runs": len(runs), "ok_runs": len(ok), "seeds": sorted(r["seed"] for r in runs),
            "errors": sorted({" ".join(str(r["error"]).split())[:200] for r in runs if "error" in r})}
    if not ok or len(ok) * 2 < len(runs):
        cell.update(status="failed", passed=False, flagged=True, silent_failure=False)
        return cell
    cell["status"] = "ok"
    cell["err"] = med([r["metrics"]["err"] for r in ok])
    cell["sdr_worst"] = med_sdr([r["metrics"]["sdr_worst"] for r in ok])
    cell["pareto_k"] = med([r.get("pareto_k") for r in ok])
    cell["pareto_k_missing"] = sum(r.get("pareto_k") is None for r in ok)
    cell["converged"] = sum(r.get("converged") is True for r in ok)
    cell["time_seconds"] = med([r.get("time_seconds") for r in ok])
    cell["compile_seconds"] = med([r.get("compile_seconds") for r in ok])
    cell["iterations"] = med([num(r.get("iterations")) for r in ok])
    cell["passed"] = cell["err"] <= PASS_ERR
    cell["unreliable"] = sum(r.get("reliable") is False for r in ok)
    cell["flagged"] = (cell["pareto_k"] is None or cell["pareto_k"] >= K_FLAG
                       or cell["pareto_k_missing"] * 2 >= len(ok) or cell["converged"] * 2 < len(ok)
                       or cell["unreliable"] * 2 >= len(ok))
    cell["silent_failure"] = not cell["passed"] and not cell["flagged"]
    return cell


def clean(x):
    """JSON-safe: inf -> "Inf" (k-hat), NaN -> null."""
    if isinstance(x, float) and not math.isfinite(x):
        return None if math.isnan(x) else ("Inf" if x > 0 else "-Inf")
    if isinstance(x, dict):
        return {k: clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [clean(v) for v in x]
    return x


def fmt(x, d=2):
    if x is None:
        return "—"
    if isinstance(x, float) and math.isinf(x):
        return "inf"
    if abs(x) >= 1000 or (0 < abs(x) < 0.005 and d <= 2):
        return f"{x:.1e}"
    return f"{x:.{d}f}"


def main():
    refs = references()
    stan = stan_runs()
    stan_from = None
    if "--stan-from" in sys.argv:
        path = sys.argv[sys.argv.index("--stan-from") + 1]
        if not stan:
            stan = carried_stan_runs(path)
            stan_from = load_json(path).get("generated")
    runs = elbo_runs() + stan
    for r in runs:
        if "carried_from" in r:
            continue  # metrics as recorded then
        if r["posterior"] not in refs:
            r["error"] = r.get("error") or f"unknown posterior {r['posterior']}"
            continue
        if "error" in r:
            continue
        m, err = run_metrics(r, refs[r["posterior"]])
        if err:
            r["error"] = err
            continue
        r["metrics"] = m
        r["passed"] = m["err"] <= PASS_ERR
        r["flagged"] = is_flagged(r.get("pareto_k"), r.get("converged"), r.get("reliable"))
        r["silent_failure"] = not r["passed"] and not r["flagged"]
    methods = [m for m in METHODS if any(r["method"] == m for r in runs)]
    methods += sorted({r["method"] for r in runs} - set(METHODS))
    posteriors = sorted(refs)
    cells = {}
    for r in runs:
        cells.setdefault((r["posterior"], r["method"]), []).append(r)
    cells = {k: cell_of(v) for k, v in cells.items()}

    totals = {}
    for m in methods:
        cs = [cells[(p, m)] for p in posteriors if (p, m) in cells]
        rs = [r for r in runs if r["method"] == m]
        rok = [r for r in rs if "metrics" in r]
        totals[m] = {
            "posteriors_run": len(cs), "posteriors_total": len(posteriors),
            "passed": sum(c["passed"] for c in cs), "failed_cells": sum(c["status"] != "ok" for c in cs),
            "flagged_misses": sum(c["status"] == "ok" and not c["passed"] and c["flagged"] for c in cs),
            "silent_failures": sum(c["silent_failure"] for c in cs),
            "silent_failure_posteriors": [p for p in posteriors if cells.get((p, m), {}).get("silent_failure")],
            "pass_rate": sum(c["passed"] for c in cs) / len(cs) if cs else None,
            "runs": len(rs), "runs_failed": len(rs) - len(rok),
            "runs_passed": sum(r["passed"] for r in rok),
            "runs_silent_failures": sum(r["silent_failure"] for r in rok),
            "median_time_seconds": med([c.get("time_seconds") for c in cs if c["status"] == "ok"]),
            "total_time_seconds": sum(r["time_seconds"] for r in rs if r.get("time_seconds") is not None),
            "median_compile_seconds": med([c.get("compile_seconds") for c in cs if c["status"] == "ok"]),
            "median_gradient_evaluations": med([r.get("gradient_evaluations") for r in rok]),
        }

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    out = {"generated": now, "definitions": __doc__, "posteriordb": PDB, "stan_runs_from": stan_from,
           "pass_criterion": f"median over seeds of max |mean - ref mean| / ref sd <= {PASS_ERR}",
           "flag_criterion": f"k-hat >= {K_FLAG}, k-hat missing, not converged, or (elbo) reliable: false",
           "methods": methods, "totals": totals,
           "cells": [{"posterior": p, "method": m, **cells[(p, m)]}
                     for p in posteriors for m in methods if (p, m) in cells],
           "runs": [{k: v for k, v in r.items() if k != "summary"} for r in runs]}
    with open(os.path.join(HERE, "results.json"), "w") as fh:
        json.dump(clean(out), fh, indent=1, default=lambda x: None, allow_nan=False)

    L = ["# posteriordb benchmark: elbo vs Stan's ADVI\n"]
    if stan_from:
        L.append(f"Stan's runs are those of the run of {stan_from} (carried from an earlier "
                 f"results.json with `--stan-from`: the same programs, data, rstan and settings; "
                 f"only elbo's side was rerun).")
        L.append("")
    L.append(f"Generated {now} by `aggregate.py` from `runs/` (definitions in README.md). "
             f"Each cell: median over seeds of err = max over parameters of |mean − ref mean| / "
             f"ref sd, sdr = the sd ratio farthest from 1 (in log), k̂ = PSIS k̂, t = seconds "
             f"(elbo: fit + draws + summary; Stan: the vb() call; compilation excluded). "
             f"**bold** err = pass (≤ {PASS_ERR}); ⚠ = a miss that no diagnostic flagged "
             f"(k̂ < {K_FLAG} and converged): a silent failure; 'failed' = fewer than half of "
             f"the seeds ran; blank = not run.\n")
    L.append("| posterior | params | " + " | ".join(methods) + " |")
    L.append("|---|---:|" + "---|" * len(methods))
    shown = [p for p in posteriors if any((p, m) in cells for m in methods)]
    for p in shown:
        row = []
        for m in methods:
            c = cells.get((p, m))
            if c is None:
                row.append("")
            elif c["status"] != "ok":
                row.append(f"failed ({c['runs'] - c['ok_runs']}/{c['runs']})")
            else:
                e = fmt(c["err"])
                e = f"**{e}**" if c["passed"] else e + (" ⚠" if c["silent_failure"] else "")
                row.append(f"{e} / {fmt(c['sdr_worst'])} / {fmt(c['pareto_k'])} / {fmt(c['time_seconds'], 1)}")
        L.append(f"| {p} | {len(refs[p])} | " + " | ".join(row) + " |")
    L.append(f"\nCell: err / sdr / k̂ / t. {len(shown)} of the {len(posteriors)} posteriors have runs.\n")
    L.append("## Summary\n")
    L.append("| method | pass | pass rate | failed | misses flagged | silent failures | "
             "runs passed | silent failures (single runs) | median t s | total t s | median compile s | "
             "median evaluations of log p |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for m in methods:
        t = totals[m]
        L.append(f"| {m} | {t['passed']}/{t['posteriors_run']} | "
                 f"{fmt(100 * t['pass_rate'], 0) + ' %' if t['pass_rate'] is not None else '—'} | "
                 f"{t['failed_cells']} | {t['flagged_misses']} | {t['silent_failures']} | "
                 f"{t['runs_passed']}/{t['runs']} | {t['runs_silent_failures']} | "
                 f"{fmt(t['median_time_seconds'], 2)} | {fmt(t['total_time_seconds'], 0)} | "
                 f"{fmt(t['median_compile_seconds'], 1)} | "
                 f"{fmt(t['median_gradient_evaluations'], 0) if t['median_gradient_evaluations'] is not None else '—'} |")
    L.append("")
    L.append(f"pass = posteriors whose median err ≤ {PASS_ERR}, of those run; misses flagged = "
             f"misses with median k̂ ≥ {K_FLAG}, k̂ missing, no convergence, or (elbo) reliable: false in at least half of the runs; silent failures = "
             "misses with none of these (listed below); failed cells count as misses that are "
             "flagged. The single-run columns apply the same tests to every seed.\n")
    for m in methods:
        if totals[m]["silent_failure_posteriors"]:
            L.append(f"- silent failures of {m}: " + ", ".join(totals[m]["silent_failure_posteriors"]))
    errs = [(p, m, c["errors"]) for (p, m), c in sorted(cells.items()) if c["errors"]]
    if errs:
        L.append("\n## Errors\n")
        for p, m, es in errs:
            L.append(f"- {p}, {m}: " + "; ".join(f"`{e}`" for e in es))
    with open(os.path.join(HERE, "results.md"), "w") as fh:
        fh.write("\n".join(L) + "\n")
    print("\n".join(L))


if __name__ == "__main__":
    main()
