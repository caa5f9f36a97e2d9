"""elbo.gp: a collapsed fit with every row as an inducing point is the exact GP.

With Z = X the Titsias bound is the exact log marginal likelihood and the sparse
predictive is the exact GP's; both are computed here independently with numpy at
the hyperparameters elbo fitted, and must agree to 1e-6. L-BFGS (the collapsed
default) ends at a stationary point of that likelihood (numpy's finite differences);
the collapsed fit's inducing inputs start at numpy's own greedy-variance rows.
"""
import numpy as np
import pytest

import elbo


def synthetic(n, seed):
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 2)
    y = np.sin(2 * X[:, 0]) + 0.5 * X[:, 1] + 0.1 * rng.randn(n)
    return X, y


def exact_gp(X, y, Xs, scale, lengthscales, noise):
    def k(A, B):
        d = (A[:, None, :] - B[None, :, :]) / lengthscales
        return scale * np.exp(-0.5 * (d ** 2).sum(-1))

    K = k(X, X) + noise * np.eye(len(X))
    L = np.linalg.cholesky(K)
    alpha = np.linalg.solve(L.T, np.linalg.solve(L, y))
    log_ml = -0.5 * y @ alpha - np.log(np.diag(L)).sum() - 0.5 * len(X) * np.log(2 * np.pi)
    Ks = k(X, Xs)
    V = np.linalg.solve(L, Ks)
    return log_ml, Ks.T @ alpha, scale - (V ** 2).sum(0)


def kernel_params(model):
    p = model.params
    scale = p["kernel.scale"]
    lengthscales = np.array([v for name, v in p.items() if "lengthscale" in name])
    return scale, lengthscales, p["likelihood.noise_variance"]


def test_collapsed_fit_with_all_rows_inducing_is_the_exact_gp():
    X, y = synthetic(60, 0)
    Xs, _ = synthetic(25, 1)
    model = elbo.gp.fit(X, y, inducing=X, kernel="rbf", likelihood="gaussian", method="collapsed", steps=40,
                        seed=3, learning_rate=0.05, noise=0.1, jitter=1e-12, learn_inducing=False,
                        optimizer="adam")
    assert model.elbo_trace.shape == (40,)
    assert np.all(np.isfinite(model.elbo_trace))
    assert model.elbo_trace[-1] > model.elbo_trace[0]  # Adam climbed the bound
    np.testing.assert_array_equal(model.inducing, X)
    scale, lengthscales, noise = kernel_params(model)
    assert lengthscales.shape == (2,)
    log_ml, mean, var = exact_gp(X, y, Xs, scale, lengthscales, noise)
    assert model.bound == pytest.approx(log_ml, abs=1e-6)
    m, v = model.predict(Xs, latent=True)
    np.testing.assert_allclose(m, mean, rtol=0, atol=1e-6)
    np.testing.assert_allclose(v, var, rtol=0, atol=1e-6)
    my, vy = model.predict(Xs)  # the predictive of y adds the noise variance
    np.testing.assert_allclose(my, mean, rtol=0, atol=1e-6)
    np.testing.assert_allclose(vy, var + noise, rtol=0, atol=1e-6)


def log_ml_gradient(X, y, log_params, h=1e-5):
    """Central differences of the exact log marginal likelihood in (log scale, log
    lengthscales, log noise)."""
    def f(p):
        return exact_gp(X, y, X[:1], np.exp(p[0]), np.exp(p[1:-1]), np.exp(p[-1]))[0]
    g = np.zeros(len(log_params))
    for i in range(len(log_params)):
        e = np.zeros(len(log_params)); e[i] = h
        g[i] = (f(log_params + e) - f(log_params - e)) / (2 * h)
    return g


def test_collapsed_lbfgs_reaches_the_exact_gps_type_ii_maximum():
    X, y = synthetic(60, 0)
    model = elbo.gp.fit(X, y, inducing=X, method="collapsed", steps=100, noise=0.1, jitter=1e-12,
                        learn_inducing=False)  # optimizer="lbfgs", the default
    assert model.converged and model.iterations < 100
    trace = model.elbo_trace
    assert len(trace) == model.iterations and np.all(np.diff(trace) >= -1e-9)  # L-BFGS never went down
    scale, lengthscales, noise = kernel_params(model)
    log_ml, _, _ = exact_gp(X, y, X[:1], scale, lengthscales, noise)
    assert model.bound == pytest.approx(log_ml, abs=1e-6)
    # A stationary point of the exact marginal likelihood, above where 40 Adam steps get.
    g = log_ml_gradient(X, y, np.log(np.r_[scale, lengthscales, noise]))
    assert np.abs(g).max() < 1e-3, g
    adam = elbo.gp.fit(X, y, inducing=X, method="collapsed", steps=40, learning_rate=0.05, noise=0.1, jitter=1e-12,
                       learn_inducing=False, optimizer="adam")
    assert model.bound > adam.bound


def test_collapsed_inducing_points_start_at_the_greedy_variance_rows():
    X, y = synthetic(80, 5)
    model = elbo.gp.fit(X, y, inducing=10, method="collapsed", steps=2, learn_inducing=False)
    # numpy's pivoted Cholesky of K_ff under the initial kernel (scale 1, lengthscale 1)
    k = lambda A, B: np.exp(-0.5 * ((A[:, None, :] - B[None, :, :]) ** 2).sum(-1))
    residual, F, picks = np.ones(len(X)), np.zeros((len(X), 10)), []
    for t in range(10):
        p = int(np.argmax(np.where(np.isin(np.arange(len(X)), picks), -np.inf, residual)))
        picks.append(p)
        F[:, t] = (k(X, X[p:p + 1])[:, 0] - F[:, :t] @ F[p, :t]) / np.sqrt(residual[p])
        residual = residual - F[:, t] ** 2
    np.testing.assert_allclose(model.inducing, X[picks], rtol=0, atol=1e-12)
    kmeans = elbo.gp.fit(X, y, inducing=10, method="collapsed", steps=2, learn_inducing=False,
                         inducing_start="kmeans++")
    assert not np.allclose(kmeans.inducing, X[picks])


def test_natural_svgp_with_kmeans_inducing_points_predicts_held_out_rows():
    X, y = synthetic(2000, 2)
    Xs, ys = synthetic(300, 3)
    model = elbo.gp.fit(X, y, inducing=32, kernel="rbf", method="natural", steps=300, batch_size=256,
                        learning_rate=0.02, natural_step=0.2, noise=0.1, seed=1)
    assert model.inducing.shape == (32, 2)
    mean, var = model.predict(Xs)
    rmse = np.sqrt(np.mean((mean - ys) ** 2))
    assert rmse < 0.2, rmse  # noise sd 0.1; predicting the mean would give about 0.8
    assert np.all(var > 0)
    assert np.isnan(model.bound)


def test_bad_input_is_a_value_error():
    X, y = synthetic(20, 4)
    with pytest.raises(ValueError, match="method"):
        elbo.gp.fit(X, y, inducing=5, method="exact")
    with pytest.raises(ValueError):
        elbo.gp.fit(X, y, inducing=50)  # more inducing points than rows
    with pytest.raises(ValueError, match="optimizer"):
        elbo.gp.fit(X, y, inducing=5, optimizer="newton")
    with pytest.raises(ValueError, match="inducing_start"):
        elbo.gp.fit(X, y, inducing=5, inducing_start="random")
    with pytest.raises(ValueError, match="one value per row"):
        elbo.gp.fit(X, y[:-1], inducing=5)
