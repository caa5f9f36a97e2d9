"""Your own model: latents (name, shape, constraint) and log_joint(z, data) -> Tensor[K].

z holds each latent on its constrained scale as a tensor [K, *shape] (K draws at once);
data is the fit's data as torch tensors (a minibatch of rows when the model declares
num_data and the fit a batch_size), with data.scale the factor (N / batch size) that
multiplies the likelihood. The engine (bijectors, families, objectives, optimizers)
is elbo's C++ one; autograd runs through the torch ops of log_joint.
"""
import re

import numpy as np
import torch

from . import _elbo

_CONSTRAINT = re.compile(r"^\s*([a-z_]+)\s*(?:\((.*)\))?\s*$")
_NO_ARGUMENTS = {"real", "positive", "unit_interval", "simplex", "cholesky", "cholesky_corr",
                 "ordered", "positive_ordered"}


def lower(a):
    """Support (a, inf): `elbo.Latent("sigma", constraint=elbo.lower(0))`."""
    return ("lower", float(a))


def upper(b):
    """Support (-inf, b)."""
    return ("upper", float(b))


def interval(a, b):
    """Support (a, b)."""
    return ("interval", float(a), float(b))


def constraint_spec(latent, constraint):
    """A constraint as the engine takes it: ("interval", 0.0, 1.0), ("simplex",), ...

    Accepts the strings "real", "positive", "unit_interval", "simplex", "cholesky",
    "cholesky_corr", "ordered", "positive_ordered", "lower(a)", "upper(b)",
    "interval(a, b)", or the tuples of elbo.lower / upper / interval.
    """
    if isinstance(constraint, tuple):
        return (str(constraint[0]),) + tuple(float(v) for v in constraint[1:])
    if not isinstance(constraint, str):
        raise TypeError(f"latent '{latent}': constraint must be a string such as 'positive' or "
                        f"'interval(0, 1)', got {type(constraint).__name__}")
    match = _CONSTRAINT.match(constraint)
    if not match:
        raise ValueError(f"latent '{latent}': cannot read the constraint '{constraint}'")
    kind, arguments = match.group(1), match.group(2)
    if arguments is None or not arguments.strip():
        return (kind,)
    try:
        values = tuple(float(v) for v in arguments.split(","))
    except ValueError:
        raise ValueError(f"latent '{latent}': the bounds of '{constraint}' are not numbers") from None
    return (kind,) + values


class Latent:
    """A latent variable: name, shape per draw (() for a scalar) and constraint."""

    def __init__(self, name, shape=(), constraint="real"):
        if not isinstance(name, str) or not re.match(r"^[A-Za-z][A-Za-z0-9_]*$", name):
            raise ValueError(f"latent name {name!r} is not an identifier (letters, digits, _)")
        if isinstance(shape, int):
            shape = (shape,)
        shape = tuple(int(s) for s in shape)
        if any(s < 1 for s in shape):
            raise ValueError(f"latent '{name}': shape {shape} has a size below 1")
        self.name, self.shape, self.constraint = name, shape, constraint
        self.spec = constraint_spec(name, constraint)

    def __repr__(self):
        return f"Latent({self.name!r}, shape={self.shape}, constraint={self.constraint!r})"


class Draws(dict):
    """z: each latent's draws [K, *shape] by name."""

    def column(self, name):
        """A scalar latent as [K, 1], to broadcast against [N] data (never z[name] + x)."""
        value = self[name]
        if value.dim() != 1:
            raise ValueError(f"Draws.column('{name}'): the latent is not a scalar "
                             f"(its draws have shape {list(value.shape)})")
        return value.unsqueeze(1)


class Batch(dict):
    """The data a log_joint call sees, as torch tensors, with `scale` (the likelihood's
    factor: N / batch size on a minibatch, 1 on all data) and `indices` (the rows, or
    None for all of them)."""

    def __init__(self, values, scale=1.0, indices=None):
        super().__init__(values)
        self.scale = scale
        self.indices = indices


def as_data(data, where="data"):
    """The user's data as torch tensors (float64 for floats), NaN and inf refused."""
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise TypeError(f"{where} must be a dict of arrays, got {type(data).__name__}")
    out = {}
    for key, value in data.items():
        if not isinstance(key, str):
            raise TypeError(f"{where}: keys must be strings, got {key!r}")
        if isinstance(value, torch.Tensor):
            tensor = value.detach()
        else:
            try:
                array = np.asarray(value)
            except Exception as error:  # noqa: BLE001 - report which entry
                raise TypeError(f"{where}['{key}']: cannot be read as an array ({error})") from None
            if array.dtype == object or array.dtype.kind in "USV":
                raise TypeError(f"{where}['{key}']: must be numeric, got dtype {array.dtype}")
            tensor = torch.from_numpy(np.ascontiguousarray(array))
        if tensor.is_floating_point():
            tensor = tensor.to(torch.float64)
            bad = ~torch.isfinite(tensor)
            if bool(bad.any()):
                index = tuple(int(i) for i in bad.nonzero()[0])
                what = "NaN" if bool(torch.isnan(tensor).any()) else "an infinite value"
                at = f" at index {index[0] if len(index) == 1 else index}" if index else ""
                raise ValueError(f"{where}['{key}'] contains {what}{at}")
        elif tensor.dtype in (torch.int8, torch.int16, torch.int32, torch.uint8):
            tensor = tensor.to(torch.int64)
        out[key] = tensor
    return out


class Model:
    """A model: `latents` (a list of Latent, or a method returning one), `log_joint(z, data)`
    returning [K], optional `num_data` (exchangeable rows a minibatch may subsample; the
    rows of every data array whose first dimension is num_data) and `derived(z)` (a dict
    of quantities reported with the draws, each [K, *shape]).

    Subclass it, or give plain functions: `elbo.Model(latents=[...], log_joint=f)`.
    """

    latents = ()
    num_data = None
    name = None

    def __init__(self, latents=None, log_joint=None, num_data=None, derived=None, name=None):
        if latents is not None:
            self.latents = latents
        if log_joint is not None:
            self.log_joint = log_joint
        if num_data is not None:
            self.num_data = num_data
        if derived is not None:
            self.derived = derived
        if name is not None:
            self.name = name

    def log_joint(self, z, data):  # pragma: no cover - the user's
        raise NotImplementedError("a Model needs log_joint(z, data) -> Tensor[K]")

    def derived(self, z):
        return {}

    # ---- the engine's view ---------------------------------------------------------
    def _model_name(self):
        return self.name or type(self).__name__

    def _latents(self):
        latents = self.latents() if callable(self.latents) else self.latents
        latents = list(latents)
        if not latents:
            raise ValueError(f"model '{self._model_name()}' declares no latents")
        seen = set()
        for latent in latents:
            if not isinstance(latent, Latent):
                raise TypeError(f"model '{self._model_name()}': latents must be elbo.Latent, got "
                                f"{type(latent).__name__}")
            if latent.name in seen:
                raise ValueError(f"model '{self._model_name()}': latent '{latent.name}' is declared twice")
            seen.add(latent.name)
        return latents

    def _engine_model(self, data, jit=False):
        """The C++ model: this one's latents, with log_joint called back on `data` (or,
        with jit, traced to TorchScript that the engine runs itself: elbo.jit)."""
        name = self._model_name()
        full = Batch(data)
        num_data = 0 if self.num_data is None else int(self.num_data)
        if num_data < 0:
            raise ValueError(f"model '{name}': num_data is {num_data}; it must be >= 0")
        row_keys = [k for k, v in data.items() if v.dim() >= 1 and v.shape[0] == num_data]
        if num_data and not row_keys:
            raise ValueError(f"model '{name}': num_data is {num_data} but no data array has "
                             f"{num_data} rows")
        log_joint = self.log_joint

        def evaluate(z, indices, scale):
            if indices is None:
                batch = full if scale == 1.0 else Batch(data, scale)
            else:
                batch = Batch({k: (v.index_select(0, indices) if k in row_keys else v)
                               for k, v in data.items()}, scale, indices)
            out = log_joint(Draws(z), batch)
            if not isinstance(out, torch.Tensor):
                raise TypeError(f"{name}.log_joint must return a torch.Tensor of shape [K], got "
                                f"{type(out).__name__}")
            return out

        derived_fn = None
        if type(self).derived is not Model.derived or "derived" in self.__dict__:
            user_derived = self.derived

            def derived_fn(z):
                values = user_derived(Draws(z))
                if not isinstance(values, dict):
                    raise TypeError(f"{name}.derived must return a dict of tensors")
                return [(k, torch.as_tensor(v)) for k, v in values.items()]

        latents = self._latents()
        specs = [(l.name, list(l.shape), l.spec) for l in latents]
        traced = None
        if jit:
            from .jit import log_joint_tracer
            keys = list(data)
            tracer = log_joint_tracer(name, [l.name for l in latents], keys, log_joint)
            traced = ([data[k] for k in keys], [k in row_keys for k in keys], tracer)
        return _elbo.python_model(name, specs, num_data, evaluate, derived_fn, traced)
