"""scikit-learn drop-ins backed by elbo's C++ conjugate models (src/elbo/conjugate).

    from elbo.sklearn import LatentDirichletAllocation, BayesianGaussianMixture

Same constructor parameters, defaults, attributes and methods as
``sklearn.decomposition.LatentDirichletAllocation`` and
``sklearn.mixture.BayesianGaussianMixture``; the E-steps, M-steps, bounds and
predictions run in C++ (threaded, the GIL released). elbo's extras are extra
keyword arguments whose defaults give scikit-learn's behaviour.
"""
from .gmm import BayesianGaussianMixture
from .lda import LatentDirichletAllocation

__all__ = ["LatentDirichletAllocation", "BayesianGaussianMixture"]
