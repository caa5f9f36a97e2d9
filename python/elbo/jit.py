"""elbo.fit(..., jit=True): log_joint traced once per input shape with torch.jit.trace, so
the engine runs it as TorchScript from C++ (no GIL, no Python dispatch per op).

The trace records the torch ops that one call runs. It is right for a log_joint whose
Python control flow does not depend on the values of z or the data (loops over fixed
sizes and branches on shapes are fine); it is checked on a second set of draws, and a
trace that does not reproduce log_joint there is an error rather than a silent change.
elbo.glm and elbo.lpdf enter the trace as single TorchScript operators (torch.ops.elbo).
"""
import io
import warnings

import torch

from .model import Batch, Draws


class _Forward(torch.nn.Module):
    def __init__(self, function):
        super().__init__()
        self.function = function

    def forward(self, *inputs):
        return self.function(*inputs)


def log_joint_tracer(model_name, latent_names, data_keys, log_joint):
    """trace(latents, data, scale, indices) -> bytes: a saved ScriptModule computing
    log_joint from the inputs (latents..., data..., scale[, indices]) in that order."""
    n, m = len(latent_names), len(data_keys)

    def trace(latents, data, scale, indices):
        def function(*inputs):
            z = Draws(zip(latent_names, inputs[:n]))
            batch = Batch(dict(zip(data_keys, inputs[n:n + m])), inputs[n + m],
                          inputs[n + m + 1] if indices is not None else None)
            out = log_joint(z, batch)
            if not isinstance(out, torch.Tensor):
                raise TypeError(f"{model_name}.log_joint must return a torch.Tensor of shape [K], got "
                                f"{type(out).__name__}")
            return out

        tail = (scale,) if indices is None else (scale, indices)
        example = tuple(latents) + tuple(data) + tail
        # The check re-runs log_joint eagerly on other draws (each latent's rows rolled:
        # other values, the same support) and compares with the trace.
        other = tuple(t.roll(1, 0) for t in latents) + tuple(data) + tail
        try:
            with warnings.catch_warnings():
                # The check only warns when the outputs differ; here that is an error.
                warnings.filterwarnings("error", message="Output nr", category=torch.jit.TracerWarning)
                # torch.distributions checks its arguments and the sample's support with
                # Python bools; frozen in the trace, harmless (the engine's draws are in
                # the support), and not the user's to fix.
                warnings.filterwarnings("ignore", category=torch.jit.TracerWarning,
                                        module=r"torch\.distributions")
                traced = torch.jit.trace(_Forward(function), example, check_inputs=[other])
        except (torch.jit.TracingCheckError, torch.jit.TracerWarning) as error:
            first = str(error).strip().splitlines()[0] if str(error).strip() else "outputs differ"
            raise ValueError(f"jit=True: the trace of {model_name}.log_joint does not reproduce it on other "
                             f"draws ({first}); its Python control flow depends on the values of z or the "
                             f"data: fit with jit=False") from None
        buffer = io.BytesIO()
        try:
            torch.jit.save(traced, buffer)
        except RuntimeError as error:
            first = str(error).strip().splitlines()[0]
            raise ValueError(f"jit=True: {model_name}.log_joint cannot be saved as TorchScript ({first}): "
                             f"fit with jit=False") from None
        return buffer.getvalue()

    return trace
