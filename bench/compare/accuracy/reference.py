#!/usr/bin/python3
"""Exact reference summaries of the synthetic targets -> reference_exact.json.

Per parameter: the mean and sd in closed form and the quantiles at the levels
u_i = (i - 1/2)/100, i = 1..100 (the same levels as every run summary), either in
closed form or by root-finding on the marginal CDF computed by adaptive quadrature
(scipy.integrate.quad, tolerance 1e-12). No sampler is involved; a self-check
compares the quantiles with those of 10^6 i.i.d. exact draws.

  gaussian50: x ~ N(mu, Sigma), mu_i = sin(i), s_i = exp(cos(i)/2),
              Sigma_ij = s_i s_j 0.9^|i-j|  (i = 1..50)
  funnel:     v ~ N(0, 3^2), x_i | v ~ N(0, e^v), i = 1..9 (Neal 2003)
              x_i: mean 0, Var = E[e^v] = e^{9/2}; F(x) = E_v[Phi(x e^{-v/2})]
  banana:     x1 ~ N(0, 10^2), x2 | x1 ~ N(b (x1^2 - 100), 1), b = 0.03
              (Haario et al. 1999); x2: mean 0, Var = 1 + 2 b^2 10^4 = 19
  bimodal:    (1/2) N((-3,-3), I) + (1/2) N((3,3), I); each coordinate
              (1/2) N(-3, 1) + (1/2) N(3, 1): mean 0, Var = 10

Run with Debian's python (numpy, scipy): /usr/bin/python3 reference.py
"""
import json
import math
import os

import numpy as np
from scipy import integrate, optimize, stats

LEVELS = (np.arange(1, 101) - 0.5) / 100
HERE = os.path.dirname(os.path.abspath(__file__))


def quantiles_from_cdf(cdf, lo, hi):
    return [optimize.brentq(lambda x: cdf(x) - u, lo, hi, xtol=1e-12, rtol=1e-12) for u in LEVELS]


def param(name, mean, sd, q):
    return {"name": name, "mean": float(mean), "sd": float(sd), "quantiles": [float(v) for v in q]}


def gaussian50():
    i = np.arange(1, 51)
    mu, s = np.sin(i), np.exp(np.cos(i) / 2)
    z = stats.norm.ppf(LEVELS)
    params = [param(f"x.{k}", mu[k - 1], s[k - 1], mu[k - 1] + s[k - 1] * z) for k in i]
    Sigma = np.outer(s, s) * 0.9 ** np.abs(np.subtract.outer(i, i))
    ev = np.linalg.eigvalsh(Sigma)
    return {"description": "x ~ N(mu, Sigma), mu_i = sin(i), s_i = exp(cos(i)/2), "
                           "Sigma_ij = s_i s_j 0.9^|i-j|, D = 50",
            "covariance_eigenvalues": {"min": ev.min(), "max": ev.max()},
            "parameters": params}


def funnel():
    def cdf(x):
        f = lambda v: stats.norm.pdf(v, 0, 3) * stats.norm.cdf(x * math.exp(-v / 2))
        return integrate.quad(f, -40, 40, epsabs=1e-13, epsrel=1e-12, limit=400, points=[0])[0]
    qx = quantiles_from_cdf(cdf, -2000, 2000)
    sd_x = math.exp(9 / 4)
    params = [param("v", 0, 3, 3 * stats.norm.ppf(LEVELS))]
    params += [param(f"x.{k}", 0, sd_x, qx) for k in range(1, 10)]
    return {"description": "Neal's funnel: v ~ N(0, 3^2), x_i | v ~ N(0, e^v), i = 1..9",
            "parameters": params}


def banana(b=0.03):
    def cdf(x2):
        f = lambda x1: stats.norm.pdf(x1, 0, 10) * stats.norm.cdf(x2 - b * (x1 * x1 - 100))
        return integrate.quad(f, -80, 80, epsabs=1e-13, epsrel=1e-12, limit=400, points=[0])[0]
    q2 = quantiles_from_cdf(cdf, -10, 200)
    return {"description": "x1 ~ N(0, 10^2), x2 | x1 ~ N(0.03 (x1^2 - 100), 1)",
            "parameters": [param("x1", 0, 10, 10 * stats.norm.ppf(LEVELS)),
                           param("x2", 0, math.sqrt(1 + 2 * b * b * 1e4), q2)]}


def bimodal():
    cdf = lambda x: 0.5 * stats.norm.cdf(x + 3) + 0.5 * stats.norm.cdf(x - 3)
    q = quantiles_from_cdf(cdf, -20, 20)
    return {"description": "(1/2) N((-3,-3), I) + (1/2) N((3,3), I)",
            "parameters": [param(f"x.{k}", 0, math.sqrt(10), q) for k in (1, 2)]}


def exact_draws(name, n, rng):
    if name == "funnel":
        v = rng.normal(0, 3, n)
        return {"v": v, "x.1": rng.normal(size=n) * np.exp(v / 2)}
    if name == "banana":
        x1 = rng.normal(0, 10, n)
        return {"x1": x1, "x2": rng.normal(size=n) + 0.03 * (x1 ** 2 - 100)}
    if name == "bimodal":
        return {"x.1": rng.normal(size=n) + np.where(rng.random(n) < 0.5, -3, 3)}
    return {}


def self_check(name, ref, rng, n=1_000_000):
    by_name = {p["name"]: p for p in ref["parameters"]}
    for pname, x in exact_draws(name, n, rng).items():
        p = by_name[pname]
        q = np.quantile(x, LEVELS)
        w1 = np.mean(np.abs(q - np.array(p["quantiles"]))) / p["sd"]
        dm = abs(x.mean() - p["mean"]) / p["sd"]
        print(f"  self-check {name}/{pname}: |mean err| {dm:.4f} sd, W1(quantiles) {w1:.4f} sd "
              f"(10^6 exact draws; both ~ Monte-Carlo error)")
        assert w1 < 0.01 and dm < 0.01, (name, pname, w1, dm)


def main():
    rng = np.random.default_rng(20241124)
    out = {"quantile_levels": LEVELS.tolist(),
           "method": "closed form / quadrature (exact); see reference.py",
           "targets": {}}
    for name, f in [("gaussian50", gaussian50), ("funnel", funnel), ("banana", banana),
                    ("bimodal", bimodal)]:
        ref = f()
        self_check(name, ref, rng)
        out["targets"][name] = ref
    with open(os.path.join(HERE, "reference_exact.json"), "w") as fh:
        json.dump(out, fh, indent=1, default=float)
    print("wrote reference_exact.json")


if __name__ == "__main__":
    main()
