#!/usr/bin/python3
"""Calibration row: 4000 i.i.d. exact draws of each synthetic target (seeds 1..3),
summarised exactly like a method's draws -> runs/exact_runs.json (method "exact:4000").
It shows each metric's floor at 4000 draws: e.g. on the funnel the sample sd of x_i is
so heavy-tailed (E x^4 = 3 e^18) that even exact draws rarely give an sd ratio in
[0.9, 1.1].   /usr/bin/python3 exact_runs.py
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
LEVELS = (np.arange(1, 101) - 0.5) / 100


def draws(name, n, rng):
    if name == "gaussian50":
        i = np.arange(1, 51)
        s = np.exp(np.cos(i) / 2)
        S = np.outer(s, s) * 0.9 ** np.abs(np.subtract.outer(i, i))
        x = np.sin(i) + rng.normal(size=(n, 50)) @ np.linalg.cholesky(S).T
        return {f"x.{k}": x[:, k - 1] for k in i}
    if name == "funnel":
        v = rng.normal(0, 3, n)
        out = {"v": v}
        for k in range(1, 10):
            out[f"x.{k}"] = rng.normal(size=n) * np.exp(v / 2)
        return out
    if name == "banana":
        x1 = rng.normal(0, 10, n)
        return {"x1": x1, "x2": rng.normal(size=n) + 0.03 * (x1 ** 2 - 100)}
    c = np.where(rng.random(n) < 0.5, -3.0, 3.0)
    return {"x.1": c + rng.normal(size=n), "x.2": c + rng.normal(size=n)}


def main():
    runs = []
    for name in ["gaussian50", "funnel", "banana", "bimodal"]:
        for seed in (1, 2, 3):
            d = draws(name, 4000, np.random.default_rng(1000 + seed))
            params = [{"name": k, "mean": float(x.mean()), "sd": float(x.std(ddof=1)),
                       "quantiles": np.quantile(x, LEVELS).tolist()} for k, x in d.items()]
            runs.append({"system": "exact", "method": "exact:4000", "target": name, "seed": seed,
                         "draws": 4000, "pareto_k": None, "wall_seconds": None,
                         "parameters": params})
    os.makedirs(os.path.join(HERE, "runs"), exist_ok=True)
    with open(os.path.join(HERE, "runs", "exact_runs.json"), "w") as fh:
        json.dump({"runs": runs}, fh)


if __name__ == "__main__":
    main()
