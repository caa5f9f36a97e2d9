"""A model written in Python runs on the C++ engine exactly as a built-in one does."""
import math

import numpy as np
import pytest
import torch
from torch.distributions import Normal

import elbo

# elbo works in double; torch.distributions makes float32 tensors of Python floats
# (Normal(0.0, 5.0)) unless the default dtype is double.
torch.set_default_dtype(torch.float64)
from conftest import breast_cancer


class PythonLogistic(elbo.Model):
    """The built-in logistic regression (models/logistic_regression.hpp), written in torch."""

    def __init__(self, D, N):
        self.latents = [elbo.Latent("alpha"), elbo.Latent("beta", shape=(D,))]
        self.num_data = N

    def log_joint(self, z, data):
        eta = z.column("alpha") + z["beta"] @ data["X"].T  # [K, N]
        likelihood = (data["y"] * eta - torch.nn.functional.softplus(eta, 1.0, 40.0)).sum(-1)  # the built-in softplus threshold
        prior = Normal(0.0, 5.0).log_prob(z["alpha"]) + Normal(0.0, 1.0).log_prob(z["beta"]).sum(-1)
        return prior + data.scale * likelihood


@pytest.fixture(scope="module")
def logistic_data():
    X, y = breast_cancer()
    return {"X": X, "y": y}


@pytest.mark.parametrize("options", [
    dict(),                                            # the default: whitened full-rank ADVI
    dict(family="meanfield", grad_draws=1, max_iter=300),
    dict(method="laplace"),
])
def test_python_logistic_equals_the_builtin(logistic_data, options):
    X, y = logistic_data["X"], logistic_data["y"]
    builtin = elbo.fit(elbo.models.LogisticRegression(X, y), seed=3, draws=500, progress=False, **options)
    python = elbo.fit(PythonLogistic(X.shape[1], X.shape[0]), logistic_data, seed=3, draws=500,
                      progress=False, **options)
    assert python.names == builtin.names
    # Same density at the same point: the Python log joint of the built-in fit's own
    # draws is the built-in log density, to rounding.
    z = elbo.Draws({"alpha": torch.from_numpy(builtin.draws["alpha"]),
                    "beta": torch.from_numpy(builtin.draws["beta"])})
    data = {"X": torch.from_numpy(X), "y": torch.from_numpy(y)}
    direct = PythonLogistic(X.shape[1], X.shape[0]).log_joint(z, elbo.Batch(data, 1.0, None)).numpy()
    np.testing.assert_allclose(direct, builtin.log_p, rtol=1e-12)
    # Same fit: the engine takes the same path. Sums in another order differ in the
    # last bits, and L-BFGS/Adam over hundreds of steps amplify that to ~1e-7 (measured:
    # 2e-9 default, 2e-8 mean-field, 1.4e-7 Laplace, also for AutogradOnly(builtin)).
    tol = dict(rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(python.elbo_trace, builtin.elbo_trace, **tol)
    for name in builtin.draws:
        np.testing.assert_allclose(python.draws[name], builtin.draws[name], **tol)
    np.testing.assert_allclose(python.log_q, builtin.log_q, **tol)
    assert python.draws["beta"].shape == (500, 30)
    assert python.draws["alpha"].shape == (500,)


def test_minibatches_subsample_rows_and_scale(logistic_data):
    X, y = logistic_data["X"], logistic_data["y"]
    seen = []

    class Recording(PythonLogistic):
        def log_joint(self, z, data):
            seen.append((data["X"].shape[0], data.scale))
            return super().log_joint(z, data)

    fit = elbo.fit(Recording(X.shape[1], X.shape[0]), logistic_data, family="meanfield", batch_size=50,
                   max_iter=200, mode_check=False, init="zero", seed=1, draws=200, progress=False)
    batches = [s for s in seen if s[0] == 50]
    assert batches, "no minibatch of 50 rows reached log_joint"
    assert all(math.isclose(scale, 569 / 50) for _, scale in batches)
    builtin = elbo.fit(elbo.models.LogisticRegression(X, y), family="meanfield", batch_size=50, max_iter=200,
                       mode_check=False, init="zero", seed=1, draws=200, progress=False)
    np.testing.assert_allclose(fit.draws["beta"], builtin.draws["beta"], rtol=1e-9, atol=1e-9)


def test_constraints_shapes_and_derived_quantities():
    # y ~ N(mu, sigma), sigma > 0; a simplex and a correlation Cholesky factor with flat-ish priors.
    rng = np.random.default_rng(0)
    y = rng.normal(1.0, 2.0, size=50)

    class M(elbo.Model):
        latents = [elbo.Latent("mu"), elbo.Latent("sigma", constraint="positive"),
                   elbo.Latent("w", shape=(3,), constraint="simplex"),
                   elbo.Latent("p", constraint="interval(0, 1)"),
                   elbo.Latent("L", shape=(2, 2), constraint="cholesky_corr")]

        def log_joint(self, z, data):
            lik = Normal(z.column("mu"), z.column("sigma")).log_prob(data["y"]).sum(-1)
            return (Normal(0, 10).log_prob(z["mu"]) + Normal(0, 5).log_prob(z["sigma"]) + lik
                    + torch.distributions.Dirichlet(torch.full((3,), 2.0, dtype=torch.float64)).log_prob(z["w"])
                    + torch.distributions.Beta(2.0, 2.0).log_prob(z["p"]))

        def derived(self, z):
            return {"variance": z["sigma"] ** 2}

    fit = elbo.fit(M(), {"y": y}, draws=1000, seed=2, progress=False)
    d = fit.draws
    assert d["mu"].shape == (1000,) and d["w"].shape == (1000, 3) and d["L"].shape == (1000, 2, 2)
    assert (d["sigma"] > 0).all() and ((d["p"] > 0) & (d["p"] < 1)).all()
    np.testing.assert_allclose(d["w"].sum(1), 1.0, atol=1e-12)
    np.testing.assert_allclose(d["L"][:, 0, 1], 0.0, atol=1e-15)  # lower triangular, rows of norm 1
    np.testing.assert_allclose((d["L"] ** 2).sum(2), 1.0, atol=1e-12)
    np.testing.assert_allclose(d["variance"], d["sigma"] ** 2, rtol=1e-5)  # draws.csv precision
    # The posterior of mu is about N(mean(y), sd(y)/sqrt(50)).
    assert abs(d["mu"].mean() - y.mean()) < 0.1 * y.std() + 3 * y.std() / math.sqrt(50) / math.sqrt(1000)


def test_plain_functions_and_the_fit_object(tmp_path):
    def log_joint(z, data):
        return Normal(0.0, 1.0).log_prob(z["x"]).sum(-1)

    model = elbo.Model(latents=[elbo.Latent("x", shape=(2,))], log_joint=log_joint, name="standard_normal")
    fit = elbo.fit(model, draws=2000, seed=5, progress=False)
    assert fit.draws["x"].shape == (2000, 2)
    assert fit.reliable and fit.khat < 0.7
    # q is the exact N(0, I): its log density at points is the standard normal's.
    points = {"x": np.array([[0.0, 0.0], [1.0, -2.0]])}
    expected = Normal(0.0, 1.0).log_prob(torch.tensor(points["x"])).sum(-1).numpy()
    np.testing.assert_allclose(fit.log_prob(points), expected, atol=0.05)
    fresh = fit.sample(3000, seed=9)
    assert fresh["x"].shape == (3000, 2)
    assert abs(fresh["x"].std() - 1.0) < 0.05
    summary = fit.summary()
    assert list(summary.columns[:5]) == ["mean", "sd", "q5", "q50", "q95"] and "khat" in summary.columns
    assert list(summary.index) == ["x.1", "x.2"]
    assert abs(summary.loc["x.1", "sd"] - 1.0) < 0.05
    assert fit.timings["fit_seconds"] > 0 and len(fit.elbo_trace) >= 1
    # The CLI's own files.
    fit.write_cmdstan_csv(tmp_path / "draws.csv")
    lines = [l for l in (tmp_path / "draws.csv").read_text().splitlines() if not l.startswith("#")]
    assert lines[0].split(",")[:4] == ["lp__", "log_p__", "log_g__", "x.1"]
    assert len(lines) == 1 + 1 + 2000  # header, mean row, draws
    fit.write(tmp_path / "run")
    assert (tmp_path / "run" / "summary.json").exists()


def test_log_prob_on_the_constrained_scale_has_the_jacobian():
    # sigma > 0 is fitted as log sigma: q_sigma(s) = q_theta(log s) / s.
    def log_joint(z, data):
        return torch.distributions.Gamma(3.0, 2.0).log_prob(z["sigma"])

    model = elbo.Model(latents=[elbo.Latent("sigma", constraint="positive")], log_joint=log_joint)
    fit = elbo.fit(model, draws=500, seed=4, progress=False)
    s = np.array([0.25, 1.0, 2.5])
    np.testing.assert_allclose(fit.log_prob({"sigma": s}),
                               fit.log_prob(np.log(s)[:, None], unconstrained=True) - np.log(s), rtol=1e-12)


def test_same_seed_same_fit_and_init_dict():
    model = elbo.models.EightSchools(non_centered=True)
    a = elbo.fit(model, seed=11, draws=300, progress=False)
    b = elbo.fit(model, seed=11, draws=300, progress=False)
    np.testing.assert_array_equal(a.draws["theta"], b.draws["theta"])
    c = elbo.fit(model, method="laplace", init={"mu": 1.0, "tau": 2.0, "theta_tilde": np.zeros(8)},
                 seed=1, draws=100, progress=False)
    assert c.draws["theta"].shape == (100, 8)


def test_interrupted_fit_resumes_from_its_checkpoint(tmp_path, logistic_data):
    """Ctrl-C mid-fit (a KeyboardInterrupt raised inside log_joint, as Python's handler
    does) propagates as itself; the checkpoint then resumes to the uninterrupted result."""
    X = logistic_data["X"]
    options = dict(family="meanfield", max_iter=600, tol_rel_obj=1e-9, checkpoint_every=100, init="zero",
                   mode_check=False, seed=4, draws=100, progress=False)
    calls = {"n": 0}

    class Interrupted(PythonLogistic):
        def log_joint(self, z, data):
            calls["n"] += 1
            if calls["n"] == 450:
                raise KeyboardInterrupt
            return super().log_joint(z, data)

    model = PythonLogistic(X.shape[1], X.shape[0])
    full = elbo.fit(model, logistic_data, **options)
    ckpt = tmp_path / "run.ckpt"
    with pytest.raises(KeyboardInterrupt):
        elbo.fit(Interrupted(X.shape[1], X.shape[0]), logistic_data, checkpoint=str(ckpt), **options)
    assert ckpt.exists()
    resumed = elbo.fit(model, logistic_data, checkpoint=str(ckpt), resume=True, **options)
    assert resumed.info["resumed"]
    np.testing.assert_array_equal(resumed.draws["beta"], full.draws["beta"])
