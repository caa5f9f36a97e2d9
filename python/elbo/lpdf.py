"""Log densities summed over each draw, for writing priors (Stan's `normal_lpdf`):

    prior = elbo.lpdf.normal(z["alpha"], 0, 5) + elbo.lpdf.normal(z["beta"], 0, 1)   # [K]

x is [K, *shape] (K draws of a latent, as log_joint sees it); the result is the log
density of each draw's elements, summed: [K]. With a constant loc and scale (numbers)
it is one autograd node with its gradient in closed form — a few µs where the same
expression in torch ops (or torch.distributions) costs tens, which is most of a small
Python model's time per step. With tensor loc/scale (a hierarchical prior) it is
torch.distributions.Normal, summed the same way.
"""
import numbers

import torch

from . import _elbo


def normal(x, loc=0.0, scale=1.0):
    """sum_j log N(x_kj | loc, scale) over all but the first dimension, [K]."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"elbo.lpdf.normal: x must be a torch.Tensor, got {type(x).__name__}")
    if x.dim() < 1:
        raise ValueError("elbo.lpdf.normal: x must be [K, ...] (a draw dimension first), got a scalar")
    if isinstance(loc, numbers.Real) and isinstance(scale, numbers.Real):
        if torch.jit.is_tracing():  # elbo.fit(..., jit=True): one TorchScript node
            return torch.ops.elbo.normal_prior_term(x, float(loc), float(scale))
        return _elbo.models.normal_prior_term(x, float(loc), float(scale))
    terms = torch.distributions.Normal(loc, scale).log_prob(x)
    return terms.reshape(x.shape[0], -1).sum(-1) if terms.dim() > 1 else terms
