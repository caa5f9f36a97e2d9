"""Amortized VI: variational autoencoders on the C++ trainer (the one `elbo train vae` runs).

    net = elbo.vae.train(x, latent=20, objective="iwae:5", flow="iaf:2", epochs=10)
    net.log_likelihood(x_test, k=5000)   # importance-sampled log p(x), per point
    net.save("vae1/model.pt")            # `elbo eval vae --model vae1` reads it

x is [N, pixels] with values in [0, 1] (numpy or torch); images [N, rows, cols] are
flattened (their shape is kept for the CLI's grids).
"""
import json

import numpy as np
import torch

from . import _elbo


def _pixels(x, name="x"):
    tensor = x.detach() if isinstance(x, torch.Tensor) else torch.from_numpy(np.asarray(x, dtype=np.float32))
    tensor = tensor.to(torch.float32)
    shape = tuple(tensor.shape)
    if tensor.dim() == 3:
        tensor = tensor.reshape(shape[0], -1)
    if tensor.dim() != 2:
        raise ValueError(f"{name} must be [N, pixels] or [N, rows, cols], got shape {list(shape)}")
    if tensor.shape[0] == 0:
        raise ValueError(f"{name} has no rows")
    if not bool(torch.isfinite(tensor).all()):
        raise ValueError(f"{name} contains NaN or an infinite value")
    return tensor.contiguous(), shape


class VAE:
    """A trained VAE: history (per-epoch loss, bound, KL, seconds), log_likelihood, reconstruct,
    sample, active_units, save."""

    def __init__(self, handle):
        self._handle = handle
        self.options = json.loads(handle.options_json)

    @property
    def history(self):
        return list(self._handle.history)

    def log_likelihood(self, x, k=5000, chunk=500, seed=1):
        """Importance-sampled log p(x) with k draws of q(z|x) per point (Burda et al.):
        (per-point estimates [N], their mean, its standard error)."""
        data, _ = _pixels(x)
        if bool(((data < 0) | (data > 1)).any()) and self.options.get("likelihood") == "bernoulli":
            raise ValueError("x must be in [0, 1] for a Bernoulli decoder")
        per_point, mean, se = self._handle.log_likelihood(data, int(k), int(chunk), int(seed))
        return np.asarray(per_point), mean, se

    def reconstruct(self, x):
        data, shape = _pixels(x)
        return self._handle.reconstruct(data).reshape(shape).numpy()

    def sample(self, n, seed=1):
        """n draws of E[x | z], z ~ p(z)."""
        return self._handle.sample(int(n), int(seed)).numpy()

    def active_units(self, x, threshold=0.01):
        """(count, per-latent Cov_x(E_q[u])) — Burda et al.'s active units."""
        data, _ = _pixels(x)
        count, variance = self._handle.active_units(data, float(threshold))
        return count, np.asarray(variance)

    def save(self, path):
        self._handle.save(str(path))


def load(path):
    """A VAE saved by VAE.save or `elbo train vae` (its model.pt)."""
    return VAE(_elbo.vae.load(str(path)))


def train(x, latent=50, hidden=(200, 200), activation="tanh", likelihood="bernoulli", covariance="diagonal",
          flow="none", prior="normal", latent2=0, hidden2=(100, 100), objective="elbo", free_bits=0.0,
          epochs=10, batch_size=100, lr=1e-3, warmup=0, binarize="dynamic", seed=1, checkpoint=None,
          resume=False, progress=True):
    """Train a VAE on x [N, pixels] in [0, 1], with the options of `elbo train vae` (see its --help):
    objective elbo | iwae:K, flow none | planar:L | iaf:L, prior normal | mixture:C, covariance
    diagonal | cholesky, binarize dynamic | threshold | none, warmup epochs, free_bits nats, and
    checkpoint / resume (the state after every epoch)."""
    data, shape = _pixels(x)
    if likelihood == "bernoulli" and bool(((data < 0) | (data > 1)).any()):
        raise ValueError("x must be in [0, 1] for likelihood='bernoulli'")
    rows, cols = (shape[1], shape[2]) if len(shape) == 3 else (0, 0)
    handle = _elbo.vae.train(data, int(latent), [int(h) for h in hidden], activation, likelihood, covariance,
                             flow, prior, int(latent2), [int(h) for h in hidden2], objective, float(free_bits),
                             int(epochs), int(batch_size), float(lr), int(warmup), binarize, int(seed),
                             "" if checkpoint is None else str(checkpoint), bool(resume), bool(progress),
                             rows, cols)
    return VAE(handle)
