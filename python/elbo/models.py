"""The built-in models, whose log joints (and gradients) run in C++:

    elbo.fit(elbo.models.LogisticRegression(X, y), family="fullrank")

X is used as given (the CLI standardises features by default; do so yourself if wanted).
"""
import numpy as np
import torch

from . import _elbo
from .model import as_data


def _arrays(**arrays):
    return as_data({k: v for k, v in arrays.items() if v is not None}, where="data")


def LogisticRegression(X, y, prior_alpha_scale=5.0, prior_beta_scale=1.0):
    """alpha ~ N(0, s_a), beta_d ~ N(0, s_b), y_i ~ Bernoulli(sigmoid(alpha + x_i' beta)); y in {0, 1}."""
    d = _arrays(X=X, y=y)
    return _elbo.models.logistic_regression(d["X"], d["y"], prior_alpha_scale, prior_beta_scale)


def LinearRegression(X, y, prior_alpha_scale=5.0, prior_beta_scale=1.0, prior_sigma_scale=1.0, sigma=None):
    """y_i ~ N(alpha + x_i' beta, sigma); sigma ~ HalfNormal(s_sigma) unless given (known noise sd)."""
    d = _arrays(X=X, y=y)
    return _elbo.models.linear_regression(d["X"], d["y"], prior_alpha_scale, prior_beta_scale,
                                          prior_sigma_scale, None if sigma is None else float(sigma))


def PoissonRegression(X, y, prior_alpha_scale=5.0, prior_beta_scale=1.0, exposure=None):
    """y_i ~ Poisson(t_i exp(alpha + x_i' beta)), with exposure t (default 1)."""
    d = _arrays(X=X, y=y, exposure=exposure)
    return _elbo.models.poisson_regression(d["X"], d["y"], prior_alpha_scale, prior_beta_scale,
                                           d.get("exposure"))


def EightSchools(y=None, sigma=None, non_centered=False, prior_mu_scale=5.0, prior_tau_scale=5.0):
    """Rubin's eight schools (the classic data unless y and sigma are given)."""
    if y is None:
        y = [28.0, 8.0, -3.0, 7.0, -1.0, 1.0, 18.0, 12.0]
    if sigma is None:
        sigma = [15.0, 10.0, 16.0, 11.0, 9.0, 11.0, 10.0, 18.0]
    d = _arrays(y=np.asarray(y, dtype=float), sigma=np.asarray(sigma, dtype=float))
    return _elbo.models.eight_schools(d["y"], d["sigma"], bool(non_centered), prior_mu_scale, prior_tau_scale)


def GaussianTarget(mean, covariance):
    """N(mean, covariance) as a target (tests and benchmarks of the methods)."""
    d = _arrays(mean=mean, covariance=covariance)
    return _elbo.models.gaussian_target(d["mean"], d["covariance"])


def AutogradOnly(model):
    """`model` without its closed-form gradient: every caller differentiates its log joint
    (as for a model written in Python), to compare the two or time both paths."""
    return _elbo.models.autograd_only(model)


Model = _elbo.Model
__all__ = ["LogisticRegression", "LinearRegression", "PoissonRegression", "EightSchools", "GaussianTarget",
           "AutogradOnly"]
