"""Bayesian hidden Markov models by structured variational inference (src/elbo/hmm).

    from elbo.hmm import GaussianHMM, CategoricalHMM

    model = GaussianHMM(n_components=3, random_state=0).fit(X, lengths)
    model.predict(X, lengths)          # Viterbi path under the posterior means
    model.predict_proba(X, lengths)    # q(z_t) of each step (forward-backward)
    model.score(X, lengths)            # log p(X) under the posterior means
    model.transmat_, model.transmat_sd_, model.means_, model.covars_, model.elbo_

hmmlearn's interface (``fit``, ``predict``, ``predict_proba``, ``score``; X of shape
(n_samples, n_features), sequences given by ``lengths``), but Bayesian: Dirichlet
priors on the start and transition probabilities, a Normal–Wishart (Gaussian) or
Dirichlet (categorical) prior on the emissions, and the fitted attributes are the
posterior means, with posterior sds beside them. ``method`` is "cavi" (structured
q: forward–backward, exact ELBO), "meanfield" (fully factorised q) or "svi"
(natural-gradient SVI over minibatches of sequences, or over buffered subchains of
``subchain_length`` steps). The work runs in C++ without the GIL; bad input raises
ValueError with elbo's message.
"""
import json

import numpy as np

from . import _hmm

__all__ = ["GaussianHMM", "CategoricalHMM"]


class _BayesianHMM:
    _emission = None

    def __init__(self, n_components=1, method="cavi", n_iter=1000, tol=1e-7, random_state=None,
                 startprob_prior=1.0, transmat_prior=1.0, subchain_length=0, buffer=20, batch_size=None,
                 n_steps=None, tau0=1.0, kappa=0.6, n_threads=0):
        self.n_components = n_components
        self.method = method
        self.n_iter = n_iter
        self.tol = tol
        self.random_state = random_state
        self.startprob_prior = startprob_prior
        self.transmat_prior = transmat_prior
        self.subchain_length = subchain_length
        self.buffer = buffer
        self.batch_size = batch_size
        self.n_steps = n_steps
        self.tau0 = tau0
        self.kappa = kappa
        self.n_threads = n_threads

    # ---- hmmlearn's methods ----
    def fit(self, X, lengths=None):
        X = self._check_X(X)
        seed = 1 if self.random_state is None else int(self.random_state)
        self._fit = _hmm.FittedHmm(
            X, self._lengths(lengths), self._emission, self.method, int(self.n_components), self._n_symbols(X),
            int(self.n_iter), float(self.tol), seed, int(self.n_threads), float(self.startprob_prior),
            float(self.transmat_prior), int(self.subchain_length), int(self.buffer), int(self.batch_size or 0),
            int(self.n_steps or 0), float(self.tau0), float(self.kappa), float(self._emission_prior()))
        p = json.loads(self._fit.parameters_json())
        self.startprob_ = np.array(p["initial"]["mean"])
        self.startprob_sd_ = np.array(p["initial"]["sd"])
        self.transmat_ = np.array(p["transition"]["mean"])
        self.transmat_sd_ = np.array(p["transition"]["sd"])
        self.transmat_concentration_ = np.array(p["transition"]["concentration"])
        self._set_emission(p["emission"])
        self.elbo_ = self._fit.elbo
        self.elbo_trace_ = list(self._fit.elbo_trace)
        self.n_iter_ = self._fit.iterations
        self.converged_ = self._fit.converged
        return self

    def score(self, X, lengths=None):
        """log p(X) under the posterior means (the forward algorithm)."""
        return self._fitted().log_likelihood(self._check_X(X), self._lengths(lengths))

    def predict(self, X, lengths=None):
        """The Viterbi path under the posterior means."""
        return np.asarray(self._fitted().viterbi(self._check_X(X), self._lengths(lengths)), dtype=np.int64)

    def predict_proba(self, X, lengths=None):
        """q(z_t = k) of every step, by forward–backward under q(π, A, θ)."""
        return np.asarray(self._fitted().posterior_marginals(self._check_X(X), self._lengths(lengths)))

    def decode(self, X, lengths=None):
        """(log p(X), Viterbi path), as hmmlearn's decode with algorithm="viterbi" gives (score, path)."""
        return self.score(X, lengths), self.predict(X, lengths)

    # ---- helpers ----
    def _fitted(self):
        if not hasattr(self, "_fit"):
            raise ValueError(f"this {type(self).__name__} is not fitted yet; call fit(X, lengths) first")
        return self._fit

    @staticmethod
    def _lengths(lengths):
        if lengths is None:
            return []
        lengths = np.asarray(lengths)
        if lengths.ndim != 1:
            raise ValueError(f"lengths must be 1-d, got shape {lengths.shape}")
        return [int(n) for n in lengths]

    def _check_X(self, X):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim == 1:
            X = X.reshape(-1, 1)
        if X.ndim != 2 or X.shape[0] == 0:
            raise ValueError(f"X must be a non-empty 2-d array (n_samples, n_features), got shape {X.shape}")
        if not np.isfinite(X).all():
            row = int(np.argwhere(~np.isfinite(X))[0][0])
            raise ValueError(f"X has a non-finite value in row {row}")
        return np.ascontiguousarray(X)

    def _n_symbols(self, X):
        return 0

    def _emission_prior(self):
        return 1.0


class GaussianHMM(_BayesianHMM):
    """Gaussian emissions with full covariances and a Normal–Wishart prior (m0 = data mean,
    β0 = 1, ν0 = n_features, W0⁻¹ = data covariance). ``means_``, ``covars_`` (E[Λ_k]⁻¹),
    ``means_sd_`` (posterior sd of each mean)."""
    _emission = "gaussian"

    def _set_emission(self, e):
        self.means_ = np.array(e["means"])
        self.covars_ = np.array(e["covariances"])
        self.means_sd_ = np.array([np.full(len(e["means"][0]), np.nan) if sd is None else sd
                                   for sd in e["means_sd"]])


class CategoricalHMM(_BayesianHMM):
    """Categorical emissions (one column of symbols 0 … n_features − 1) with a Dirichlet
    prior of concentration ``emissionprob_prior``. ``emissionprob_``, ``emissionprob_sd_``."""
    _emission = "categorical"

    def __init__(self, n_components=1, n_features=None, emissionprob_prior=1.0, **kwargs):
        super().__init__(n_components=n_components, **kwargs)
        self.n_features = n_features
        self.emissionprob_prior = emissionprob_prior

    def _emission_prior(self):
        return self.emissionprob_prior

    def _n_symbols(self, X):
        if X.shape[1] != 1:
            raise ValueError(f"CategoricalHMM takes one column of symbols, got {X.shape[1]} columns")
        if (X < 0).any() or (X != np.floor(X)).any():
            raise ValueError("CategoricalHMM symbols must be integers 0, 1, 2, ...")
        return int(self.n_features or 0)

    def _set_emission(self, e):
        self.emissionprob_ = np.array(e["probabilities_mean"])
        self.emissionprob_sd_ = np.array(e["probabilities_sd"])
        self.n_features = int(e["num_symbols"])
