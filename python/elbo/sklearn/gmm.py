"""BayesianGaussianMixture: scikit-learn's estimator on elbo's C++ variational GMM.

The model, its priors, the EM loop, the lower bound and the predictions are
scikit-learn's (src/elbo/conjugate/variational_gmm.hpp): all four covariance
types, the Dirichlet-process (stick-breaking) and Dirichlet-distribution weight
priors, reg_covar, n_init and warm_start; k-means initialisation is elbo's
k-means++ + Lloyd (kmeans.hpp), seeded from ``random_state``.

elbo's extra: ``n_jobs=None`` sets the C++ threads (None: all cores, as
scikit-learn's BLAS uses them; negative values as joblib).
"""
import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, DensityMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture as _SkBgmm
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted

from .. import _conjugate
from ._checks import threads_from_n_jobs


def _check_shape(value, shape, name):
    if value.shape != shape:
        raise ValueError("The parameter '%s' should have the shape of %s, but got %s"
                         % (name, shape, value.shape))


class BayesianGaussianMixture(DensityMixin, BaseEstimator):
    """Variational Bayesian estimation of a Gaussian mixture (elbo, C++).

    A drop-in for ``sklearn.mixture.BayesianGaussianMixture``: see its
    documentation for the parameters and attributes; elbo's extra ``n_jobs`` is
    described in this module's docstring.
    """

    _parameter_constraints: dict = {
        **_SkBgmm._parameter_constraints,
        "n_jobs": [None, numbers.Integral],
    }

    def __init__(
        self,
        *,
        n_components=1,
        covariance_type="full",
        tol=1e-3,
        reg_covar=1e-6,
        max_iter=100,
        n_init=1,
        init_params="kmeans",
        weight_concentration_prior_type="dirichlet_process",
        weight_concentration_prior=None,
        mean_precision_prior=None,
        mean_prior=None,
        degrees_of_freedom_prior=None,
        covariance_prior=None,
        random_state=None,
        warm_start=False,
        verbose=0,
        verbose_interval=10,
        n_jobs=None,
    ):
        self.n_components = n_components
        self.covariance_type = covariance_type
        self.tol = tol
        self.reg_covar = reg_covar
        self.max_iter = max_iter
        self.n_init = n_init
        self.init_params = init_params
        self.weight_concentration_prior_type = weight_concentration_prior_type
        self.weight_concentration_prior = weight_concentration_prior
        self.mean_precision_prior = mean_precision_prior
        self.mean_prior = mean_prior
        self.degrees_of_freedom_prior = degrees_of_freedom_prior
        self.covariance_prior = covariance_prior
        self.random_state = random_state
        self.warm_start = warm_start
        self.verbose = verbose
        self.verbose_interval = verbose_interval
        self.n_jobs = n_jobs

    # ---- priors (scikit-learn's defaults and checks) ---------------------------

    def _check_parameters(self, X):
        n_features = X.shape[1]
        self.weight_concentration_prior_ = (
            1.0 / self.n_components if self.weight_concentration_prior is None
            else self.weight_concentration_prior)
        self.mean_precision_prior_ = 1.0 if self.mean_precision_prior is None else self.mean_precision_prior
        if self.mean_prior is None:
            self.mean_prior_ = X.mean(axis=0)
        else:
            self.mean_prior_ = check_array(self.mean_prior, dtype=[np.float64, np.float32], ensure_2d=False)
            _check_shape(self.mean_prior_, (n_features,), "means")
        if self.degrees_of_freedom_prior is None:
            self.degrees_of_freedom_prior_ = n_features
        elif self.degrees_of_freedom_prior > n_features - 1.0:
            self.degrees_of_freedom_prior_ = self.degrees_of_freedom_prior
        else:
            raise ValueError("The parameter 'degrees_of_freedom_prior' should be greater than %d, but got %.3f."
                             % (n_features - 1, self.degrees_of_freedom_prior))
        ct = self.covariance_type
        if self.covariance_prior is None:
            if ct in ("full", "tied"):
                self.covariance_prior_ = np.atleast_2d(np.cov(X.T))
            else:
                var = np.var(X, axis=0, ddof=1)
                self.covariance_prior_ = var if ct == "diag" else var.mean()
        elif ct in ("full", "tied"):
            self.covariance_prior_ = check_array(self.covariance_prior, dtype=[np.float64, np.float32],
                                                 ensure_2d=False)
            _check_shape(self.covariance_prior_, (n_features, n_features), "%s covariance_prior" % ct)
            cp = self.covariance_prior_
            if not (np.allclose(cp, cp.T) and np.all(np.linalg.eigvalsh(cp) > 0.0)):
                raise ValueError("'%s covariance_prior' should be symmetric, positive-definite" % ct)
        elif ct == "diag":
            self.covariance_prior_ = check_array(self.covariance_prior, dtype=[np.float64, np.float32],
                                                 ensure_2d=False)
            _check_shape(self.covariance_prior_, (n_features,), "%s covariance_prior" % ct)
            if np.any(np.less_equal(self.covariance_prior_, 0.0)):
                raise ValueError("'%s covariance_prior' should be positive" % ct)
        else:
            if not isinstance(self.covariance_prior, numbers.Real):
                raise TypeError("covariance_prior for covariance_type='spherical' must be a positive float")
            self.covariance_prior_ = self.covariance_prior

    def _prior(self):
        ct = self.covariance_type
        cov = np.asarray(self.covariance_prior_, dtype=np.float64)
        cov = cov.reshape(1, -1) if ct == "diag" else (cov.reshape(1, 1) if ct == "spherical" else cov)
        return {
            "n_components": int(self.n_components),
            "covariance_type": ct,
            "weight_concentration_prior_type": self.weight_concentration_prior_type,
            "weight_concentration": float(self.weight_concentration_prior_),
            "mean_precision": float(self.mean_precision_prior_),
            "mean": np.asarray(self.mean_prior_, dtype=np.float64),
            "degrees_of_freedom": float(self.degrees_of_freedom_prior_),
            "covariance": cov,
            "reg_covar": float(self.reg_covar),
        }

    def _threads(self):
        return threads_from_n_jobs(self.n_jobs, 0)

    # ---- state <-> scikit-learn attributes ------------------------------------

    def _state(self):
        """The fitted attributes in the flat layout of the C++ side."""
        ct = self.covariance_type
        d = self.means_.shape[1]
        dp = self.weight_concentration_prior_type == "dirichlet_process"
        a, b = self.weight_concentration_ if dp else (self.weight_concentration_, None)
        flat = (lambda v: np.asarray(v, dtype=np.float64).reshape(-1, d)) if ct in ("full", "tied") else (
            lambda v: np.asarray(v, dtype=np.float64).reshape(self.n_components, -1))
        return {
            "weight_concentration_a": np.asarray(a, dtype=np.float64),
            "weight_concentration_b": None if b is None else np.asarray(b, dtype=np.float64),
            "mean_precision": np.asarray(self.mean_precision_, dtype=np.float64),
            "means": np.asarray(self.means_, dtype=np.float64),
            "degrees_of_freedom": np.atleast_1d(np.asarray(self.degrees_of_freedom_, dtype=np.float64)),
            "covariances": flat(self.covariances_),
            "precisions_cholesky": flat(self.precisions_cholesky_),
        }

    def _set_state(self, s):
        ct, k = self.covariance_type, self.n_components
        d = s["means"].shape[1]
        if self.weight_concentration_prior_type == "dirichlet_process":
            self.weight_concentration_ = (s["weight_concentration_a"], s["weight_concentration_b"])
        else:
            self.weight_concentration_ = s["weight_concentration_a"]
        self.mean_precision_ = s["mean_precision"]
        self.means_ = s["means"]
        dof = s["degrees_of_freedom"]
        self.degrees_of_freedom_ = dof[0] if ct == "tied" else dof
        shape = {"full": (k, d, d), "tied": (d, d), "diag": (k, d), "spherical": (k,)}[ct]
        self.covariances_ = s["covariances"].reshape(shape)
        self.precisions_cholesky_ = s["precisions_cholesky"].reshape(shape)
        self.weights_ = s["weights"]
        self.precisions_ = s["precisions"].reshape(shape)

    def _estimate(self, X, what):
        return _conjugate.gmm_estimate(
            np.asarray(X, dtype=np.float64), self.covariance_type, self.weight_concentration_prior_type,
            self._state(), np.asarray(self.mean_prior_, dtype=np.float64), self._threads(), what)

    # ---- fitting ----------------------------------------------------------------

    def _initial_state(self, X, random_state, prior):
        n, k = X.shape[0], self.n_components
        labels = resp = None
        if self.init_params == "kmeans":
            labels = _conjugate.kmeans_labels(X, k, int(random_state.randint(np.iinfo(np.int32).max)),
                                              self._threads())
        elif self.init_params == "random":
            resp = random_state.uniform(size=(n, k))
            resp /= resp.sum(axis=1)[:, np.newaxis]
        else:
            if self.init_params == "random_from_data":
                indices = random_state.choice(n, size=k, replace=False)
            else:  # "k-means++"
                indices = _conjugate.kmeans_plusplus_indices(
                    X, k, int(random_state.randint(np.iinfo(np.int32).max)), self._threads())
            labels = np.full(n, -1, dtype=np.int64)
            labels[np.asarray(indices)] = np.arange(k)
        return _conjugate.gmm_initialize(X, prior, labels=labels, resp=resp, threads=self._threads())

    def fit(self, X, y=None):
        """Estimate the variational posterior with scikit-learn's EM loop (n_init starts)."""
        self.fit_predict(X, y)
        return self

    def fit_predict(self, X, y=None):
        """Fit and return the most probable component of each sample of X."""
        self._validate_params()
        X = self._validate_data(X, dtype=[np.float64, np.float32], ensure_min_samples=2)
        if X.shape[0] < self.n_components:
            raise ValueError("Expected n_samples >= n_components but got n_components = %d, n_samples = %d"
                             % (self.n_components, X.shape[0]))
        self._check_parameters(X)
        X64 = np.ascontiguousarray(X, dtype=np.float64)
        prior = self._prior()
        do_init = not (self.warm_start and hasattr(self, "converged_"))
        n_init = self.n_init if do_init else 1
        max_lower_bound = -np.inf
        self.converged_ = False
        random_state = check_random_state(self.random_state)
        best = None
        for init in range(n_init):
            if self.verbose:
                print("Initialization %d" % init)
            state = self._initial_state(X64, random_state, prior) if do_init else self._state()
            start = -np.inf if do_init else self.lower_bound_
            state, lower_bound, n_iter, converged = _conjugate.gmm_fit(
                X64, prior, state, int(self.max_iter), float(self.tol), float(start), self._threads())
            if self.verbose:
                print("Initialization %s. lower bound %.5f, %d iterations"
                      % ("converged" if converged else "did not converge", lower_bound, n_iter))
            if self.max_iter == 0:
                best, best_n_iter = state, 0
            else:
                # as scikit-learn: converged_ if any start converged; keep the highest bound
                self.converged_ = self.converged_ or bool(converged)
                if lower_bound > max_lower_bound or max_lower_bound == -np.inf:
                    max_lower_bound, best, best_n_iter = lower_bound, state, n_iter
        if not self.converged_ and self.max_iter > 0:
            warnings.warn("Initialization %d did not converge. Try different init parameters, or increase "
                          "max_iter, tol or check for degenerate data." % n_init, ConvergenceWarning)
        self._set_state(best)
        self.n_iter_ = best_n_iter
        self.lower_bound_ = max_lower_bound
        return self._estimate(X64, "labels")

    # ---- prediction ---------------------------------------------------------------

    def score_samples(self, X):
        """Log-likelihood of each sample under the fitted mixture (scikit-learn's definition)."""
        check_is_fitted(self)
        X = self._validate_data(X, reset=False)
        return self._estimate(X, "log_prob")

    def score(self, X, y=None):
        """Mean per-sample log-likelihood of X."""
        return float(np.mean(self.score_samples(X)))

    def predict(self, X):
        """Most probable component of each sample."""
        check_is_fitted(self)
        X = self._validate_data(X, reset=False)
        return self._estimate(X, "labels")

    def predict_proba(self, X):
        """Posterior probability of each component for each sample."""
        check_is_fitted(self)
        X = self._validate_data(X, reset=False)
        return self._estimate(X, "resp")
