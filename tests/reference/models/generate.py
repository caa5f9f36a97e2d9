#!/usr/bin/python3
"""Reference values for tests/models, computed independently with SciPy/NumPy.

Run with Debian's Python (it has scipy and numpy):
    /usr/bin/python3 tests/reference/models/generate.py
It writes tests/reference/models/reference.json next to this file. The breast-
cancer statistics need the shared data set (../shared/data relative to the repo).
"""
import json
import os

import numpy as np
from scipy import stats
from scipy.special import log_expit

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
rng = np.random.default_rng(20240611)


def tolist(a):
    return np.asarray(a, dtype=float).tolist()


def glm_draws(K, D, alpha_extra=None):
    alpha = rng.normal(0.0, 1.0, size=K)
    if alpha_extra is not None:
        alpha[-1] = alpha_extra
    beta = rng.normal(0.0, 0.8, size=(K, D))
    return alpha, beta


def eta_of(X, alpha, beta, offset=None):
    eta = alpha[:, None] + beta @ X.T
    if offset is not None:
        eta = eta + offset[None, :]
    return eta


N, D, K = 8, 3, 3
X = rng.normal(size=(N, D))
subsample = [1, 4, 6]  # S = 3 of N = 8
out = {"X": tolist(X), "subsample": subsample}

# ---- linear regression -----------------------------------------------------------
y = 0.5 + X @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.normal(size=N)
alpha, beta = glm_draws(K, D)
sigma = rng.uniform(0.3, 2.0, size=K)


def linear_log_joint(idx, alpha, beta, sigma, sa, sb, ss=None):
    prior = stats.norm.logpdf(alpha, 0, sa) + stats.norm.logpdf(beta, 0, sb).sum(1)
    if ss is not None:
        prior = prior + stats.halfnorm.logpdf(sigma, scale=ss)
    eta = eta_of(X[idx], alpha, beta)
    sig = np.broadcast_to(np.asarray(sigma, dtype=float), (K,))
    ll = stats.norm.logpdf(y[idx][None, :], eta, sig[:, None]).sum(1)
    return prior + (N / len(idx)) * ll


full = list(range(N))
known = 0.7
out["linear"] = {
    "y": tolist(y), "alpha": tolist(alpha), "beta": tolist(beta), "sigma": tolist(sigma),
    "log_joint": tolist(linear_log_joint(full, alpha, beta, sigma, 5.0, 1.0, 1.0)),
    "log_joint_subsample": tolist(linear_log_joint(subsample, alpha, beta, sigma, 5.0, 1.0, 1.0)),
    # options: prior_alpha_scale 2, prior_beta_scale 0.5, known_sigma 0.7
    "known_sigma": known, "prior_alpha_scale": 2.0, "prior_beta_scale": 0.5,
    "log_joint_known_sigma": tolist(linear_log_joint(full, alpha, beta, known, 2.0, 0.5)),
}

# Exact posterior for known sigma: w = (alpha, beta) ~ N(0, S0), y ~ N(Z w, sigma^2 I).
Z = np.hstack([np.ones((N, 1)), X])
S0 = np.diag([2.0 ** 2] + [0.5 ** 2] * D)
precision = np.linalg.inv(S0) + Z.T @ Z / known ** 2
cov = np.linalg.inv(precision)
mean = cov @ Z.T @ y / known ** 2
evidence = stats.multivariate_normal.logpdf(y, np.zeros(N), known ** 2 * np.eye(N) + Z @ S0 @ Z.T)
out["linear"]["posterior_mean"] = tolist(mean)
out["linear"]["posterior_covariance"] = tolist(cov)
out["linear"]["log_evidence"] = float(evidence)

# ---- logistic regression ---------------------------------------------------------
p = 1 / (1 + np.exp(-(0.2 + X @ np.array([1.5, -1.0, 0.0]))))
y_bin = (rng.uniform(size=N) < p).astype(float)
y_bin[0], y_bin[1] = 0.0, 1.0  # both classes present
alpha, beta = glm_draws(K, D, alpha_extra=45.0)  # last draw: |eta| ~ 45, tests stability


def logistic_log_joint(idx, alpha, beta):
    prior = stats.norm.logpdf(alpha, 0, 5.0) + stats.norm.logpdf(beta, 0, 1.0).sum(1)
    eta = eta_of(X[idx], alpha, beta)
    yy = y_bin[idx][None, :]
    ll = (yy * log_expit(eta) + (1 - yy) * log_expit(-eta)).sum(1)
    return prior + (N / len(idx)) * ll


out["logistic"] = {
    "y": tolist(y_bin), "alpha": tolist(alpha), "beta": tolist(beta),
    "log_joint": tolist(logistic_log_joint(full, alpha, beta)),
    "log_joint_subsample": tolist(logistic_log_joint(subsample, alpha, beta)),
}

# ---- Poisson regression ----------------------------------------------------------
exposure = rng.uniform(0.5, 2.0, size=N)
y_cnt = rng.poisson(exposure * np.exp(0.3 + X @ np.array([0.5, -0.3, 0.2]))).astype(float)
alpha, beta = glm_draws(K, D)


def poisson_log_joint(idx, alpha, beta, sa, sb, offset=None):
    prior = stats.norm.logpdf(alpha, 0, sa) + stats.norm.logpdf(beta, 0, sb).sum(1)
    eta = eta_of(X[idx], alpha, beta, None if offset is None else offset[idx])
    ll = stats.poisson.logpmf(y_cnt[idx][None, :], np.exp(eta)).sum(1)
    return prior + (N / len(idx)) * ll


out["poisson"] = {
    "y": tolist(y_cnt), "exposure": tolist(exposure), "alpha": tolist(alpha), "beta": tolist(beta),
    "log_joint": tolist(poisson_log_joint(full, alpha, beta, 5.0, 1.0)),
    "log_joint_subsample": tolist(poisson_log_joint(subsample, alpha, beta, 5.0, 1.0)),
    # options: prior_alpha_scale 3, prior_beta_scale 2, with exposure
    "log_joint_exposure": tolist(poisson_log_joint(full, alpha, beta, 3.0, 2.0, np.log(exposure))),
    "log_joint_exposure_subsample": tolist(
        poisson_log_joint(subsample, alpha, beta, 3.0, 2.0, np.log(exposure))),
}

# ---- eight schools ---------------------------------------------------------------
y8 = np.array([28, 8, -3, 7, -1, 1, 18, 12], dtype=float)
s8 = np.array([15, 10, 16, 11, 9, 11, 10, 18], dtype=float)
mu = rng.normal(4.0, 3.0, size=K)
tau = rng.uniform(0.5, 8.0, size=K)
theta = rng.normal(5.0, 6.0, size=(K, 8))
theta_tilde = rng.normal(size=(K, 8))


def eight_centred(mu, tau, theta, smu, stau):
    return (stats.norm.logpdf(mu, 0, smu) + stats.halfcauchy.logpdf(tau, scale=stau)
            + stats.norm.logpdf(theta, mu[:, None], tau[:, None]).sum(1)
            + stats.norm.logpdf(y8[None, :], theta, s8[None, :]).sum(1))


def eight_noncentred(mu, tau, tt, smu, stau):
    th = mu[:, None] + tau[:, None] * tt
    return (stats.norm.logpdf(mu, 0, smu) + stats.halfcauchy.logpdf(tau, scale=stau)
            + stats.norm.logpdf(tt).sum(1)
            + stats.norm.logpdf(y8[None, :], th, s8[None, :]).sum(1))


out["eight_schools"] = {
    "mu": tolist(mu), "tau": tolist(tau), "theta": tolist(theta),
    "theta_tilde": tolist(theta_tilde),
    "log_joint_centred": tolist(eight_centred(mu, tau, theta, 5.0, 5.0)),
    "log_joint_noncentred": tolist(eight_noncentred(mu, tau, theta_tilde, 5.0, 5.0)),
    # options: prior_mu_scale 10, prior_tau_scale 2
    "log_joint_centred_alt": tolist(eight_centred(mu, tau, theta, 10.0, 2.0)),
    "log_joint_noncentred_alt": tolist(eight_noncentred(mu, tau, theta_tilde, 10.0, 2.0)),
}

# ---- breast cancer standardisation (numpy, ddof = 1 as R's scale()) ---------------
path = os.path.join(REPO, "..", "shared", "data", "breast_cancer", "breast_cancer.csv")
with open(path) as f:
    header = f.readline().strip().split(",")
data = np.loadtxt(path, delimiter=",", skiprows=1)
feat = data[:, :-1]
out["breast_cancer"] = {
    "rows": int(data.shape[0]), "columns": header,
    "target": header[-1], "means": tolist(feat.mean(0)), "sds": tolist(feat.std(0, ddof=1)),
    "y_sum": float(data[:, -1].sum()),
    "first_row_standardised": tolist((feat[0] - feat.mean(0)) / feat.std(0, ddof=1)),
}

with open(os.path.join(HERE, "reference.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
print("wrote", os.path.join(HERE, "reference.json"))
