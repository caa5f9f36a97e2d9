"""elbo.glm: the GLM log likelihood as one autograd node for models written in Python —
values and gradients against the same likelihood written in torch ops, second
derivatives (Laplace's Hessian), its errors, and a fit through it equal to the built-in."""
import numpy as np
import pytest
import torch
from torch.distributions import Normal, Poisson

import elbo

torch.set_default_dtype(torch.float64)
from conftest import breast_cancer


def design(S=37, D=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(S, D, generator=g, dtype=torch.float64), g


def draws(K, D, g, scale=0.7):
    alpha = (scale * torch.randn(K, generator=g)).requires_grad_()
    beta = (scale * torch.randn(K, D, generator=g)).requires_grad_()
    return alpha, beta


def reference(family, X, y, alpha, beta, sigma=None, offset=None):
    """The same likelihoods in plain torch ops."""
    eta = alpha.unsqueeze(1) + beta @ X.T
    if offset is not None:
        eta = eta + offset
    if family == "bernoulli_logit":
        return (y * eta - torch.nn.functional.softplus(eta)).sum(-1)
    if family == "poisson_log":
        return Poisson(eta.exp()).log_prob(y).sum(-1)
    return Normal(eta, sigma.unsqueeze(1)).log_prob(y).sum(-1)


CASES = ["bernoulli_logit", "poisson_log", "normal"]


def problem(family, K=5, with_offset=False):
    X, g = design()
    alpha, beta = draws(K, X.shape[1], g)
    eta = (alpha.detach().unsqueeze(1) + beta.detach() @ X.T)
    if family == "bernoulli_logit":
        y = torch.bernoulli(torch.sigmoid(eta[0]), generator=g)
    elif family == "poisson_log":
        y = torch.poisson(eta[0].exp(), generator=g)
    else:
        y = eta[0] + torch.randn(X.shape[0], generator=g)
    sigma = (0.5 + torch.rand(K, generator=g)).requires_grad_() if family == "normal" else None
    offset = 0.3 * torch.randn(X.shape[0], generator=g) if with_offset else None
    return X, y, alpha, beta, sigma, offset


def call(family, X, y, alpha, beta, sigma, offset):
    if family == "normal":
        return elbo.glm.normal(X, y, alpha, beta, sigma, offset=offset)
    return getattr(elbo.glm, family)(X, y, alpha, beta, offset=offset)


@pytest.mark.parametrize("family", CASES)
@pytest.mark.parametrize("with_offset", [False, True])
def test_values_and_gradients_equal_the_torch_formulas(family, with_offset):
    X, y, alpha, beta, sigma, offset = problem(family, with_offset=with_offset)
    inputs = [alpha, beta] + ([sigma] if sigma is not None else [])
    weights = torch.linspace(0.5, 2.0, alpha.shape[0])  # a non-uniform upstream gradient
    ours = call(family, X, y, alpha, beta, sigma, offset)
    theirs = reference("gaussian" if family == "normal" else family, X, y, alpha, beta, sigma, offset)
    assert ours.shape == (alpha.shape[0],)
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-10)
    g_ours = torch.autograd.grad((weights * ours).sum(), inputs)
    g_theirs = torch.autograd.grad((weights * theirs).sum(), inputs)
    for a, b in zip(g_ours, g_theirs):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("family", CASES)
def test_first_and_second_derivatives_match_finite_differences(family):
    X, y, alpha, beta, sigma, offset = problem(family, K=2)
    if sigma is None:
        f = lambda a, b: call(family, X, y, a, b, None, None)
        inputs = (alpha, beta)
    else:
        f = lambda a, b, s: call(family, X, y, a, b, s, None)
        inputs = (alpha, beta, sigma)
    assert torch.autograd.gradcheck(f, inputs, eps=1e-6, atol=1e-6, rtol=1e-5)
    assert torch.autograd.gradgradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-4)


def test_minibatch_rows_and_a_single_draw():
    X, y, alpha, beta, _, _ = problem("bernoulli_logit", K=1)
    rows = torch.tensor([3, 0, 17])
    ours = elbo.glm.bernoulli_logit(X.index_select(0, rows), y.index_select(0, rows), alpha, beta)
    theirs = reference("bernoulli_logit", X[rows], y[rows], alpha, beta)
    torch.testing.assert_close(ours, theirs, rtol=1e-12, atol=1e-12)


def test_a_changed_design_is_not_served_from_the_cache():
    # The likelihood keeps X' for the X it last saw; an in-place change must be seen.
    X, y, alpha, beta, _, _ = problem("bernoulli_logit")
    with torch.no_grad():
        first = elbo.glm.bernoulli_logit(X, y, alpha, beta)
        X.mul_(2.0)
        second = elbo.glm.bernoulli_logit(X, y, alpha, beta)
        torch.testing.assert_close(second, reference("bernoulli_logit", X, y, alpha, beta), rtol=1e-12, atol=1e-12)
    assert not torch.allclose(first, second)


def test_errors_name_the_argument():
    X, y, alpha, beta, _, _ = problem("bernoulli_logit")
    with pytest.raises(ValueError, match="X requires grad"):
        elbo.glm.bernoulli_logit(X.clone().requires_grad_(), y, alpha, beta)
    with pytest.raises(ValueError, match="beta"):
        elbo.glm.bernoulli_logit(X, y, alpha, beta[:, :2])
    with pytest.raises(ValueError, match="y"):
        elbo.glm.poisson_log(X, y[:5], alpha, beta)
    with pytest.raises(TypeError, match="must be a torch.Tensor"):
        elbo.glm.bernoulli_logit(X.numpy(), y, alpha, beta)
    with pytest.raises(TypeError, match="sigma is required"):
        elbo.glm.normal(X, y, alpha, beta, None)


class GlmLogistic(elbo.Model):
    """The built-in logistic regression, with elbo.glm for the likelihood."""

    def __init__(self, D, N):
        self.latents = [elbo.Latent("alpha"), elbo.Latent("beta", shape=(D,))]
        self.num_data = N

    def log_joint(self, z, data):
        prior = Normal(0.0, 5.0).log_prob(z["alpha"]) + Normal(0.0, 1.0).log_prob(z["beta"]).sum(-1)
        return prior + data.scale * elbo.glm.bernoulli_logit(data["X"], data["y"], z["alpha"], z["beta"])


@pytest.mark.parametrize("options", [dict(), dict(family="meanfield", batch_size=50, max_iter=300),
                                     dict(method="laplace")])
def test_a_fit_through_elbo_glm_equals_the_builtin(options):
    X, y = breast_cancer()
    builtin = elbo.fit(elbo.models.LogisticRegression(X, y), seed=3, draws=300, progress=False, **options)
    python = elbo.fit(GlmLogistic(X.shape[1], X.shape[0]), {"X": X, "y": y}, seed=3, draws=300,
                      progress=False, **options)
    # The same density: the Python log joint at the built-in fit's draws is its log p.
    z = elbo.Draws({k: torch.from_numpy(v) for k, v in builtin.draws.items()})
    with torch.no_grad():
        direct = GlmLogistic(X.shape[1], X.shape[0]).log_joint(
            z, elbo.Batch({"X": torch.from_numpy(X), "y": torch.from_numpy(y)})).numpy()
    np.testing.assert_allclose(direct, builtin.log_p, rtol=1e-12)
    # As in test_user_model: sums in another order, amplified by the optimizer's steps.
    for name in builtin.draws:
        np.testing.assert_allclose(python.draws[name], builtin.draws[name], rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("shape", [(6,), (6, 3), (6, 2, 2)])
def test_lpdf_normal_equals_torch_distributions_summed_per_draw(shape):
    x = torch.randn(*shape).requires_grad_()
    ours = elbo.lpdf.normal(x, 0.4, 1.7)
    theirs = Normal(0.4, 1.7).log_prob(x).reshape(shape[0], -1).sum(-1)
    torch.testing.assert_close(ours, theirs, rtol=1e-13, atol=1e-12)
    weights = torch.linspace(0.5, 2.0, shape[0])
    torch.testing.assert_close(torch.autograd.grad((weights * ours).sum(), x)[0],
                               torch.autograd.grad((weights * theirs).sum(), x)[0], rtol=1e-12, atol=1e-12)
    assert torch.autograd.gradgradcheck(lambda t: elbo.lpdf.normal(t, 0.4, 1.7), (x,))
    # A tensor scale (a hierarchical prior) takes torch.distributions, same sum.
    tau = torch.tensor(1.7, requires_grad=True)
    torch.testing.assert_close(elbo.lpdf.normal(x, 0.4, tau), theirs, rtol=1e-13, atol=1e-12)
    with pytest.raises(ValueError, match="scale"):
        elbo.lpdf.normal(x, 0.0, -1.0)
    with pytest.raises(ValueError, match="draw dimension"):
        elbo.lpdf.normal(torch.tensor(1.0))
