"""Sparse variational Gaussian processes with inducing points (src/elbo/gp).

    import elbo
    model = elbo.gp.fit(X, y, inducing=256, kernel="rbf+linear", likelihood="gaussian",
                        method="collapsed", steps=300, seed=1)
    mean, variance = model.predict(X_new)               # of y (the likelihood's predictive)
    mean, variance = model.predict(X_new, latent=True)  # of the latent f
    model.elbo_trace, model.params, model.bound

``inducing`` is a number of inducing points or an array of them, shape
(T, n_features); a number is placed by ``inducing_start``: "auto" (the default:
greedy variance selection for "collapsed", k-means++ centres of X otherwise),
"kmeans++" or "variance" (the rows a pivoted Cholesky of K_ff picks, Burt et al.
2020). ``method``: "collapsed" (Titsias's bound, full batch, Gaussian likelihood),
"natural" (minibatch SVGP with natural-gradient steps on q(u)) or "adam" (minibatch
SVGP, Adam on everything). The collapsed bound is climbed by ``optimizer``
"lbfgs" (the default, as SGPR does: ``steps`` bounds the iterations) or "adam"
(``steps`` full-batch Adam steps at ``learning_rate``). Kernels and likelihoods are those
of ``elbo fit gp``: kernels "rbf", "matern12|32|52", "linear", "periodic", joined
with "+" and "*" (each "+" term has its own scale); likelihoods "gaussian", "bernoulli" (probit),
"bernoulli_logit", "poisson", "student_t". X is used as given (not standardised).
The work runs in C++ without the GIL; bad input raises ValueError.
"""
import numpy as np

from . import _gp

__all__ = ["fit", "GP"]


class GP:
    """A fitted sparse GP: ``predict``, ``elbo_trace`` (one ELBO estimate per step;
    L-BFGS: the bound at each iterate), ``params`` (kernel and likelihood
    hyperparameters by name), ``inducing`` (T × D), ``bound`` (the collapsed bound at
    the end, method "collapsed" only), ``iterations`` (steps or L-BFGS iterations run)
    and ``converged`` (L-BFGS's convergence test passed)."""

    def __init__(self, engine):
        self._engine = engine

    def predict(self, X, latent=False):
        X = np.ascontiguousarray(X, dtype=np.float64)
        if X.ndim == 1:
            X = X[:, None]
        mean, variance = self._engine.predict(X, latent)
        return np.asarray(mean), np.asarray(variance)

    @property
    def elbo_trace(self):
        return np.asarray(self._engine.trace)

    @property
    def params(self):
        return dict(zip(self._engine.param_names, self._engine.params))

    @property
    def inducing(self):
        return np.asarray(self._engine.inducing)

    @property
    def bound(self):
        return self._engine.bound

    @property
    def iterations(self):
        return self._engine.iterations

    @property
    def converged(self):
        return self._engine.converged


def fit(X, y, inducing=256, kernel="rbf", likelihood="gaussian", method="collapsed", steps=1000, seed=1,
        batch_size=1024, learning_rate=0.01, natural_step=0.1, noise=1.0, lengthscale=1.0, jitter=1e-6,
        learn_inducing=True, threads=0, optimizer="lbfgs", inducing_start="auto"):
    """Fits a sparse GP to rows X (n, D) and targets y (n,); returns a GP."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    y = np.ascontiguousarray(y, dtype=np.float64)
    if np.ndim(inducing) == 0:
        points, count = None, int(inducing)
    else:
        points, count = np.ascontiguousarray(inducing, dtype=np.float64), 0
        if points.ndim == 1:
            points = points[:, None]
    engine = _gp.FittedGp(X, y, points, count, kernel, likelihood, method, int(steps), int(batch_size),
                          float(learning_rate), float(natural_step), float(noise), float(lengthscale), float(jitter),
                          bool(learn_inducing), int(seed), int(threads), str(optimizer), str(inducing_start))
    return GP(engine)
