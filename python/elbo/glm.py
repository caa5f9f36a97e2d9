"""GLM log likelihoods as building blocks for your own model, like Stan's
`bernoulli_logit_glm`: the one autograd node (gradient in closed form) that elbo's
built-in regressions use, instead of a graph over the K x N linear predictor.

    class Logistic(elbo.Model):
        ...
        def log_joint(self, z, data):
            prior = Normal(0, 5).log_prob(z["alpha"]) + Normal(0, 1).log_prob(z["beta"]).sum(-1)
            return prior + data.scale * elbo.glm.bernoulli_logit(data["X"], data["y"], z["alpha"], z["beta"])

With eta = alpha + X beta' for each of K draws (alpha [K], beta [K, D], X [N, D]), each
returns sum_i log p(y_i | eta_i) as [K]. Differentiable in alpha, beta and sigma; X, y
and offset are data (they must not require gradients). The values of y are not checked
on each call, for speed: y in {0, 1} for bernoulli_logit, counts for poisson_log.
"""
import atexit

import torch

from . import _elbo

# The likelihood keeps X' for the last X it saw (per thread); X is often a numpy
# array's memory, which must be let go before the interpreter shuts down.
atexit.register(_elbo.models.release_glm_caches)


def _call(family, X, y, alpha, beta, sigma=None, offset=None):
    for name, value in (("X", X), ("y", y), ("alpha", alpha), ("beta", beta), ("sigma", sigma),
                        ("offset", offset)):
        if value is not None and not isinstance(value, torch.Tensor):
            raise TypeError(f"elbo.glm.{family}: {name} must be a torch.Tensor, got {type(value).__name__}")
    for name, value in (("X", X), ("y", y), ("offset", offset)):
        if value is not None and value.requires_grad:
            raise ValueError(f"elbo.glm.{family}: {name} requires grad, but it is data: the likelihood "
                             f"differentiates alpha, beta and sigma only")
    if torch.jit.is_tracing():  # elbo.fit(..., jit=True): one TorchScript node
        return torch.ops.elbo.glm_log_likelihood(family, X, y, alpha, beta, sigma, offset)
    return _elbo.models.glm_log_likelihood(family, X, y, alpha, beta, sigma, offset)


def bernoulli_logit(X, y, alpha, beta, offset=None):
    """sum_i [y_i eta_i - log(1 + exp(eta_i))], [K]."""
    return _call("bernoulli_logit", X, y, alpha, beta, offset=offset)


def poisson_log(X, y, alpha, beta, offset=None):
    """sum_i [y_i eta_i - exp(eta_i) - log y_i!], [K]; offset: log exposure."""
    return _call("poisson_log", X, y, alpha, beta, offset=offset)


def normal(X, y, alpha, beta, sigma, offset=None):
    """sum_i log N(y_i | eta_i, sigma), [K]; sigma [K] (or a scalar tensor)."""
    if sigma is None:
        raise TypeError("elbo.glm.normal: sigma is required")
    return _call("gaussian", X, y, alpha, beta, sigma=sigma, offset=offset)
