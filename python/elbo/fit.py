"""elbo.fit: every method and option of `elbo fit`, on a model written in Python or built in.

The keyword arguments are the CLI's options with '_' for '-' (max_iter for --max-iter,
grad_draws for --grad-draws); booleans switch flags (average=False is --no-average).
They are parsed and checked by the CLI's own code, so defaults and messages are the same.
"""
import difflib
import functools
import json
import math
import re

import numpy as np
import torch

from . import _elbo
from .model import Model, as_data

_OPTION = re.compile(r"--([a-z][a-z0-9-]*)")

# Options with their own meaning here (not passed to the CLI parser).
_PYTHON_ONLY = {"init", "output", "progress", "strict", "quiet", "jit"}


@functools.lru_cache(maxsize=1)
def _option_names():
    """The CLI's option names without dashes (max-iter, no-average, ...), minus output/help."""
    return frozenset(n for n in _elbo.fit_option_names() if n not in ("output", "help", "quiet"))


def _python_name(message):
    """The CLI's message with each --option written as the keyword argument."""
    return _OPTION.sub(lambda m: m.group(1).replace("-", "_"), message)


def _arguments(options):
    arguments = []
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is None:
            continue
        if isinstance(value, bool):
            arguments.append(f"{flag}={'true' if value else 'false'}")
        elif isinstance(value, (int, float, str, np.integer, np.floating)):
            if isinstance(value, (float, np.floating)) and not math.isfinite(value):
                raise ValueError(f"{key} is {value}; it must be a finite number")
            arguments += [flag, str(value)]
        else:
            raise TypeError(f"{key} must be a number, string or bool, got {type(value).__name__}")
    return arguments


def _engine_model(model, data, jit):
    if isinstance(model, _elbo.Model):  # built in: its data is inside
        if data:
            raise ValueError(f"model '{model.name}' is built in and holds its data; do not pass data")
        if jit:
            raise ValueError(f"jit=True traces a log_joint written in Python; model '{model.name}' is built "
                             f"in (C++ already)")
        return model, "<built-in model data>"
    if isinstance(model, Model):
        return model._engine_model(as_data(data), jit=bool(jit)), "<python data>"
    raise TypeError(f"model must be an elbo.Model (or one of elbo.models), got {type(model).__name__}")


def fit(model, data=None, *, init=None, output=None, progress=True, strict=False, jit=False, **options):
    """Fit q to the posterior of `model` given `data` (a dict of arrays); returns a Fit.

    method: advi (default), auto, laplace, pathfinder, boosting, svgd, constant_sgd.
    family: fullrank (default), meanfield, lowrank:R, pointmass, flow:iaf*4, mixture:C[:diag],
    copula, hierarchical. objective: elbo, renyi:A, vrmax, iwae:K, chi, annealed:T,
    reinforce[+cv][+rb][+odis:T], gumbel:T[+st]. Also draws, seed, grad_draws, max_iter,
    optimizer, eta, schedule, tau, kappa, adapt, eval_every, eval_draws, tol_rel_obj,
    window, batch_size, average, stl, resample (auto|always|never|force), resample_pool,
    num_paths, components, particles, kernel, precondition, mode_check, budget, threads,
    checkpoint, checkpoint_every, resume, sig_figs: as `elbo fit --help` describes them.

    init: "auto" | "zero" | "random" | "laplace", or a dict of constrained values per latent.
    output: a directory to write draws.csv and summary.json into, as the CLI does.
    progress: a progress bar on stderr when it is a terminal. strict: raise
    elbo.UnreliableFitError when the verdict is not reliable (after writing output).
    jit: trace log_joint to TorchScript (torch.jit.trace, once per input shape) and run it
    from C++ without Python — faster for small models, and right only when log_joint's
    Python control flow does not depend on values (see elbo.jit).
    """
    known = _option_names()
    for key in options:
        if key.replace("_", "-") not in known or key in _PYTHON_ONLY:
            close = difflib.get_close_matches(key, sorted(k.replace("-", "_") for k in known), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise TypeError(f"fit() got an unexpected keyword argument '{key}'{hint}")
    engine_model, source = _engine_model(model, data, jit)
    arguments = _arguments(options)
    init_values = None
    if isinstance(init, str):
        arguments += ["--init", init]
    elif isinstance(init, dict):
        init_values = {k: torch.as_tensor(np.asarray(v, dtype=np.float64)) for k, v in init.items()}
    elif init is not None:
        raise TypeError(f"init must be a string or a dict of values, got {type(init).__name__}")
    try:
        result = _elbo.fit(engine_model, arguments, bool(progress), init_values, source)
    except ValueError as error:
        message = _python_name(str(error))
        raise ValueError(message) from None
    out = Fit(result, engine_model)
    if output is not None:
        out.write(output)
    if strict and not out.reliable:
        raise _elbo.UnreliableFitError("strict: the fit is not reliable: " + "; ".join(out.reasons))
    return out


def _shapes(names):
    """CmdStan names ("beta.2", "L.2.1") → {base: (columns, shape)}, in order of appearance."""
    groups = {}
    for column, name in enumerate(names):
        base, *index = name.split(".")
        groups.setdefault(base, []).append((column, tuple(int(i) for i in index)))
    out = {}
    for base, entries in groups.items():
        columns = [c for c, _ in entries]
        if not entries[0][1]:
            out[base] = (columns, ())
        else:
            shape = tuple(max(ix[d] for _, ix in entries) for d in range(len(entries[0][1])))
            out[base] = (columns, shape)
    return out


def _by_name(values, names):
    """[S, P] flat CmdStan columns → {name: [S, *shape]} (CmdStan is column-major)."""
    out = {}
    for base, (columns, shape) in _shapes(names).items():
        block = values[:, columns]
        out[base] = block[:, 0] if not shape else block.reshape((values.shape[0],) + shape[::-1]).transpose(
            (0,) + tuple(range(len(shape), 0, -1)))
    return out


class Fit:
    """A finished fit: draws (constrained scale) by name, the summary, k-hat, the ELBO trace,
    timings and the verdict; log_prob / sample of q where q has a density."""

    def __init__(self, result, model):
        self._result = result
        self._model = model
        self.info = json.loads(result.summary_json)  # everything summary.json holds
        self.names = list(result.names)
        values = result.values.numpy()
        self.draws = _by_name(values, self.names)
        self.log_p = result.log_p.numpy()
        self.log_q = result.log_q.numpy()
        k = self.info.get("pareto_k")
        self.khat = float("nan") if k is None else float(k)
        self.reliable = bool(self.info["reliable"])
        self.reasons = list(self.info["reliability"]["reasons"])
        self.converged = bool(self.info["converged"])
        trace = self.info["elbo_trace"]
        self.elbo_iterations = np.array([t["iteration"] for t in trace], dtype=np.int64)
        self.elbo_trace = np.array([np.nan if t["elbo"] is None else t["elbo"] for t in trace])
        self.elbo = float("nan") if self.info["elbo"] is None else float(self.info["elbo"])
        self.timings = dict(self.info["timings"])
        self.method = self.info["method"]

    def __repr__(self):
        return (f"<elbo.Fit {self.method} {self.info['family']}: {len(self.names)} values, "
                f"{self.log_p.shape[0]} draws, k-hat {self.khat:.3g}, "
                f"{'reliable' if self.reliable else 'NOT reliable'}>")

    def summary(self):
        """mean, sd, 5/50/95% quantiles per value (PSIS-weighted when k-hat allows, as the CLI)
        and k-hat; a pandas DataFrame when pandas is installed, else a dict of dicts."""
        rows = {name: dict(self.info["summary"][name], khat=self.khat) for name in self.names}
        try:
            import pandas
        except ImportError:
            return rows
        frame = pandas.DataFrame.from_dict(rows, orient="index", dtype=float)
        frame = frame[["mean", "sd", "q5", "q50", "q95", "khat"]]
        frame.attrs["weighting"] = self.info["summary_weighting"]
        return frame

    def write_cmdstan_csv(self, path):
        """draws.csv as the CLI writes it (CmdStan's variational CSV)."""
        self._result.write_cmdstan_csv(str(path))

    def write(self, output):
        """draws.csv and summary.json into the directory `output`, as `elbo fit -o` does."""
        self._result.write(str(output))

    def _need_density(self, what):
        if not self._result.has_density:
            raise ValueError(f"{what}: method '{self.method}' gives draws, not a density q")

    def log_prob(self, theta, unconstrained=False):
        """log q at points: a dict of constrained values per latent, each [n, *shape] (the
        density of the constrained variables, Jacobian included), or with
        unconstrained=True an array [n, D] of the engine's unconstrained coordinates."""
        self._need_density("log_prob")
        if unconstrained:
            point = torch.as_tensor(np.asarray(theta, dtype=np.float64))
            if point.dim() == 1:
                point = point.unsqueeze(0)
            if point.dim() != 2 or point.shape[1] != self._result.dim:
                raise ValueError(f"log_prob: theta must be [n, {self._result.dim}], got {list(point.shape)}")
            return self._result.q_log_prob(point).numpy()
        if not isinstance(theta, dict):
            raise TypeError("log_prob: theta must be a dict of constrained values per latent "
                            "(or unconstrained=True with an [n, D] array)")
        values = {k: torch.as_tensor(np.asarray(v, dtype=np.float64)) for k, v in theta.items()}
        point = self._result.unconstrain(values)
        return (self._result.q_log_prob(point) - self._result.log_abs_det_jacobian(point)).numpy()

    def sample(self, n, seed=None):
        """n fresh draws of q, constrained, by name (as `draws`)."""
        self._need_density("sample")
        seed = int(self.info["settings"]["seed"]) + 1 if seed is None else int(seed)
        _, values = self._result.q_sample(int(n), seed)
        return _by_name(values.numpy(), self.names)
