"""elbo.fit(..., jit=True): log_joint traced to TorchScript and run by the engine from C++.
The trace runs the same ops with eager autograd, so a fit agrees with jit=False bit for bit;
a trace that cannot be right is an error, never a silently different model."""
import io

import numpy as np
import pytest
import torch
from torch.distributions import Normal

import elbo
import elbo.jit

torch.set_default_dtype(torch.float64)
from conftest import breast_cancer


class Logistic(elbo.Model):
    """torch ops and torch.distributions (formulation (a) of the overhead benchmark)."""

    def __init__(self, D, N):
        self.latents = [elbo.Latent("alpha"), elbo.Latent("beta", shape=(D,))]
        self.num_data = N

    def log_joint(self, z, data):
        eta = z.column("alpha") + z["beta"] @ data["X"].T
        likelihood = (data["y"] * eta - torch.nn.functional.softplus(eta, 1.0, 40.0)).sum(-1)
        prior = Normal(0.0, 5.0).log_prob(z["alpha"]) + Normal(0.0, 1.0).log_prob(z["beta"]).sum(-1)
        return prior + data.scale * likelihood


class GlmLogistic(Logistic):
    """elbo.glm and elbo.lpdf: single TorchScript operators in the trace."""

    def log_joint(self, z, data):
        prior = elbo.lpdf.normal(z["alpha"], 0.0, 5.0) + elbo.lpdf.normal(z["beta"], 0.0, 1.0)
        return prior + data.scale * elbo.glm.bernoulli_logit(data["X"], data["y"], z["alpha"], z["beta"])


@pytest.fixture(scope="module")
def data():
    X, y = breast_cancer()
    return {"X": X, "y": y}


def same_fit(model, data, **options):
    eager = elbo.fit(model, data, progress=False, seed=3, **options)
    traced = elbo.fit(model, data, progress=False, seed=3, jit=True, **options)
    for name in eager.draws:
        np.testing.assert_array_equal(traced.draws[name], eager.draws[name])
    np.testing.assert_array_equal(traced.elbo_trace, eager.elbo_trace)
    return eager, traced


@pytest.mark.parametrize("cls", [Logistic, GlmLogistic])
@pytest.mark.parametrize("options", [
    dict(max_iter=300),                                               # full-rank ADVI, K = 1
    dict(family="meanfield", grad_draws=16, max_iter=200),
    dict(family="meanfield", batch_size=64, max_iter=200, average=False),  # minibatches: rows as inputs
    dict(grad_draws=16, threads=2, max_iter=100),                     # calls from two engine threads
    dict(method="laplace"),
])
def test_jit_fit_equals_the_eager_fit_bit_for_bit(cls, options, data):
    X = data["X"]
    same_fit(cls(X.shape[1], X.shape[0]), data, **options)


def test_glm_and_lpdf_are_single_operators_with_their_gradient(data):
    X, y = torch.tensor(data["X"]), torch.tensor(data["y"])
    model = GlmLogistic(X.shape[1], X.shape[0])
    trace = elbo.jit.log_joint_tracer("GlmLogistic", ["alpha", "beta"], ["X", "y"], model.log_joint)
    alpha, beta = torch.randn(4), torch.randn(4, X.shape[1]) * 0.1
    module = torch.jit.load(io.BytesIO(trace([alpha, beta], [X, y], torch.tensor(1.0), None)))
    graph = str(module.inlined_graph)
    assert graph.count("elbo::glm_log_likelihood") == 1
    assert graph.count("elbo::normal_prior_term") == 2
    a, b = alpha.clone().requires_grad_(), beta.clone().requires_grad_()
    out = module(a, b, X, y, torch.tensor(0.5))
    out.sum().backward()
    a2, b2 = alpha.clone().requires_grad_(), beta.clone().requires_grad_()
    eta = a2.unsqueeze(1) + b2 @ X.T
    reference = (Normal(0.0, 5.0).log_prob(a2) + Normal(0.0, 1.0).log_prob(b2).sum(-1)
                 + 0.5 * (y * eta - torch.nn.functional.softplus(eta)).sum(-1))
    reference.sum().backward()
    torch.testing.assert_close(out, reference, rtol=1e-12, atol=1e-10)
    torch.testing.assert_close(a.grad, a2.grad, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(b.grad, b2.grad, rtol=1e-10, atol=1e-10)


def test_control_flow_on_values_is_refused():
    def log_joint(z, data):  # a branch on the first draw's value: a trace freezes one side
        x = z["x"]
        return -0.5 * (x * x).sum(-1) if bool(x[0, 0] > 0) else -(x * x).sum(-1)

    model = elbo.Model(latents=[elbo.Latent("x", shape=(2,))], log_joint=log_joint)
    with pytest.raises(ValueError, match=r"jit=True: the trace of .*does not reproduce it.*jit=False"):
        elbo.fit(model, progress=False, grad_draws=8, jit=True, seed=1)


class Square(torch.autograd.Function):  # Python code the tracer cannot save
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * x * g


def test_a_value_frozen_into_the_trace_is_refused():
    def log_joint(z, data):  # same graph on every input, different numbers: only the check sees it
        x = z["x"]
        return -0.5 * (x * x).sum(-1) - 0.0 * x[:, 0] + float(x[0, 0])

    model = elbo.Model(latents=[elbo.Latent("x", shape=(2,))], log_joint=log_joint)
    with pytest.raises(ValueError, match=r"jit=True: the trace of .*does not reproduce it"):
        elbo.fit(model, progress=False, grad_draws=8, jit=True, seed=1)


def test_python_autograd_function_cannot_be_jit_traced():
    model = elbo.Model(latents=[elbo.Latent("x", shape=(2,))],
                       log_joint=lambda z, d: -0.5 * Square.apply(z["x"]).sum(-1))
    with pytest.raises(ValueError, match=r"cannot be saved as TorchScript.*jit=False"):
        elbo.fit(model, progress=False, jit=True)
    assert elbo.fit(model, progress=False, max_iter=50).draws["x"].shape[1] == 2  # fine eagerly


class Boom(Exception):
    pass


def test_the_users_exception_propagates_as_itself_under_jit():
    def log_joint(z, data):
        raise Boom("inside my model")

    model = elbo.Model(latents=[elbo.Latent("x", shape=(2,))], log_joint=log_joint)
    with pytest.raises(Boom, match="inside my model"):
        elbo.fit(model, progress=False, jit=True)


def test_wrong_shape_is_the_same_error_under_jit():
    model = elbo.Model(latents=[elbo.Latent("x", shape=(2,))],
                       log_joint=lambda z, d: Normal(0.0, 1.0).log_prob(z["x"]))
    with pytest.raises(ValueError, match=r"log_joint.*\[K\]|shape"):
        elbo.fit(model, progress=False, jit=True)


def test_jit_on_a_built_in_model_is_refused(data):
    builtin = elbo.models.LogisticRegression(data["X"], data["y"])
    with pytest.raises(ValueError, match="jit=True traces a log_joint written in Python"):
        elbo.fit(builtin, progress=False, jit=True)
