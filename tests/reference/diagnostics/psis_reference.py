#!/usr/bin/python3
"""Reference values for elbo::diagnostics (PSIS and posterior summaries).

An independent NumPy implementation of
  * the Zhang & Stephens (2009) empirical-Bayes fit of the generalized Pareto
    distribution, with the weakly informative prior adjustment of the loo
    package's gpdfit: k <- (M k + 10 * 0.5) / (M + 10);
  * Pareto smoothed importance sampling (Vehtari et al., JMLR 2024, arXiv
    1507.02646; algorithm as in loo's psis with r_eff = 1): the M = ceil(min(0.2 S,
    3 sqrt(S))) largest ratios above the (M+1)-th largest are replaced by GPD
    quantiles at (i - 1/2)/M, truncated at the largest raw ratio, then normalised;
  * summaries: np.mean, sample sd (ddof = 1), np.percentile (R type 7), and the
    weighted versions np.average, np.cov(aweights, ddof = 1) and the weighted
    quantile of loo's E_loo (linear interpolation of the weighted ECDF).

Run with Debian's python (it has numpy/scipy):
    /usr/bin/python3 tests/reference/diagnostics/psis_reference.py
It rewrites psis_reference.json beside this script; the inputs (log ratios,
draws) are generated here from fixed seeds and stored in the same file.
"""
import json
import os

import numpy as np
from scipy import stats
from scipy.special import logsumexp


def gpdfit(x):
    """Zhang & Stephens (2009) section 4, x sorted ascending exceedances > 0."""
    x = np.sort(np.asarray(x, dtype=float))
    n = len(x)
    prior = 3.0
    m = 30 + int(np.floor(np.sqrt(n)))
    j = np.arange(1, m + 1, dtype=float)
    xstar = x[int(np.floor(n / 4.0 + 0.5)) - 1]  # first quartile (1-based index)
    theta = 1.0 / x[-1] + (1.0 - np.sqrt(m / (j - 0.5))) / prior / xstar
    k_theta = np.log1p(-np.outer(theta, x)).mean(axis=1)
    profile = n * (np.log(-theta / k_theta) - k_theta - 1.0)
    weights = np.exp(profile - logsumexp(profile))
    theta_hat = np.sum(theta * weights)
    k = np.mean(np.log1p(-theta_hat * x))
    sigma = -k / theta_hat
    k_adjusted = (k * n + 10 * 0.5) / (n + 10)
    return k_adjusted, sigma, k


def gpd_quantile(p, k, sigma):
    return sigma * np.expm1(-k * np.log1p(-p)) / k


def psis(log_ratios):
    lr = np.asarray(log_ratios, dtype=float)
    s = len(lr)
    lw = lr - lr.max()
    tail = int(np.ceil(min(0.2 * s, 3.0 * np.sqrt(s))))
    order = np.argsort(lw, kind="stable")
    tail_ids = order[s - tail:]
    cutoff = lw[order[s - tail - 1]]
    k, sigma, _ = gpdfit(np.exp(lw[tail_ids]) - np.exp(cutoff))
    p = (np.arange(1, tail + 1) - 0.5) / tail
    lw[tail_ids] = np.log(gpd_quantile(p, k, sigma) + np.exp(cutoff))
    lw = np.minimum(lw, 0.0)
    lw = lw - logsumexp(lw)
    ess = 1.0 / np.sum(np.exp(2.0 * lw))
    return dict(k_hat=k, sigma_hat=sigma, tail_length=tail, log_weights=lw.tolist(), ess=ess)


def weighted_quantile(x, w, probs):
    """loo's E_loo quantile: interpolate the weighted ECDF (x_(i), W_i)."""
    order = np.argsort(x, kind="stable")
    xs = np.asarray(x)[order]
    ws = np.cumsum(np.asarray(w)[order])
    ws = ws / ws[-1]
    out = []
    for p in probs:
        i = int(np.argmax(ws >= p))
        if i == 0:
            out.append(xs[0])
        else:
            out.append(xs[i - 1] + (xs[i] - xs[i - 1]) * (p - ws[i - 1]) / (ws[i] - ws[i - 1]))
    return out


def main():
    rng = np.random.RandomState(20240611)
    cases = []

    def add(name, log_ratios):
        result = psis(log_ratios)
        result.update(name=name, log_ratios=np.asarray(log_ratios).tolist())
        cases.append(result)

    # q = N(0, 0.5^2) for p = N(0, 1): heavy-tailed ratios.
    theta = 0.5 * rng.randn(1000)
    add("normal_q_sd_0.5", stats.norm.logpdf(theta) - stats.norm.logpdf(theta, scale=0.5))
    # q = N(0, 2^2) for p = N(0, 1): bounded ratios (negative k).
    theta = 2.0 * rng.randn(1000)
    add("normal_q_sd_2", stats.norm.logpdf(theta) - stats.norm.logpdf(theta, scale=2.0))
    # p = Student-t(3), q = N(0, 1): very heavy tail.
    theta = rng.randn(800)
    add("student_t3_over_normal", stats.t.logpdf(theta, 3) - stats.norm.logpdf(theta))
    # A small sample: tail of ceil(0.2 * 60) = 12 draws.
    theta = 0.7 * rng.randn(60) + 0.3
    add("small_sample", stats.norm.logpdf(theta) - stats.norm.logpdf(theta, 0.3, 0.7))

    # GPD fits on raw exceedances.
    fits = []
    for name, x in [("one_to_five", np.arange(1.0, 6.0)),
                    ("gpd_k_0.5_n_50", stats.genpareto.rvs(0.5, scale=2.0, size=50,
                                                         random_state=rng))]:
        k, sigma, k_raw = gpdfit(x)
        fits.append(dict(name=name, x=np.asarray(x).tolist(), k=k, sigma=sigma, k_raw=k_raw))

    # Summaries of draws [S, P] with and without the PSIS weights of their log ratios.
    s, names = 500, ["alpha", "beta.1", "sigma"]
    draws = np.column_stack([rng.randn(s) * 2.0 + 1.0, rng.standard_t(4, size=s),
                             np.exp(0.5 * rng.randn(s))])
    summary_log_ratios = 0.8 * rng.randn(s)
    weights = np.exp(np.asarray(psis(summary_log_ratios)["log_weights"]))
    probs_default = [0.05, 0.5, 0.95]
    probs_custom = [0.025, 0.25, 0.75, 0.975]
    summary = dict(
        names=names, draws=draws.tolist(), log_ratios=summary_log_ratios.tolist(),
        weights=weights.tolist(), probs_default=probs_default, probs_custom=probs_custom,
        mean=draws.mean(axis=0).tolist(), sd=draws.std(axis=0, ddof=1).tolist(),
        quantiles_default=[np.percentile(draws[:, j], [100 * p for p in probs_default]).tolist()
                           for j in range(3)],
        quantiles_custom=[np.percentile(draws[:, j], [100 * p for p in probs_custom]).tolist()
                          for j in range(3)],
        weighted_mean=[float(np.average(draws[:, j], weights=weights)) for j in range(3)],
        weighted_sd=[float(np.sqrt(np.cov(draws[:, j], aweights=weights, ddof=1)))
                     for j in range(3)],
        weighted_quantiles_default=[weighted_quantile(draws[:, j], weights, probs_default)
                                    for j in range(3)])

    out = dict(generator="tests/reference/diagnostics/psis_reference.py",
               numpy=np.__version__, psis=cases, gpdfit=fits, summary=summary)
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "psis_reference.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    for c in cases:
        print(f"{c['name']}: k_hat = {c['k_hat']:.6f}, ess = {c['ess']:.2f}")
    for fit in fits:
        print(f"gpdfit {fit['name']}: k = {fit['k']:.7f} (raw {fit['k_raw']:.7f}), "
              f"sigma = {fit['sigma']:.7f}")


if __name__ == "__main__":
    main()
