"""elbo.vae: the C++ amortized trainer from Python, on a small binary data set."""
import numpy as np
import pytest

import elbo

# 400 images of 16 pixels: two prototypes with 10% of the pixels flipped.
RNG = np.random.default_rng(0)
PROTOTYPES = (RNG.random((2, 16)) > 0.5).astype(np.float32)
X = np.abs(PROTOTYPES[RNG.integers(0, 2, 400)] - (RNG.random((400, 16)) < 0.1)).astype(np.float32)


def small(**options):
    settings = dict(latent=2, hidden=[16], epochs=8, batch_size=50, lr=1e-2, seed=1, progress=False)
    settings.update(options)
    return elbo.vae.train(X, **settings)


def test_training_raises_the_bound_and_is_reproducible():
    a, b = small(), small()
    bounds = [record["bound"] for record in a.history]
    assert len(bounds) == 8
    assert bounds[-1] > bounds[0] + 1.0  # nats per image
    assert bounds == [record["bound"] for record in b.history]  # same seed, same run
    np.testing.assert_array_equal(a.reconstruct(X[:5]), b.reconstruct(X[:5]))


def test_log_likelihood_is_above_the_elbo_and_survives_save_and_load(tmp_path):
    net = small()
    per_point, mean, se = net.log_likelihood(X[:100], k=200, seed=3)
    assert per_point.shape == (100,) and np.isfinite(per_point).all() and se > 0
    _, elbo_1, _ = net.log_likelihood(X[:100], k=1, seed=3)  # k = 1: the ELBO estimate
    assert mean > elbo_1  # IWAE_K >= ELBO (Burda et al.); here by far more than the noise
    # Bernoulli log-likelihood of 16 pixels is at most 0 and beats the uniform 16 log(1/2).
    assert mean < 0 and mean > 16 * np.log(0.5)
    net.save(tmp_path / "model.pt")
    again = elbo.vae.load(tmp_path / "model.pt")
    np.testing.assert_array_equal(again.log_likelihood(X[:100], k=200, seed=3)[0], per_point)


def test_samples_and_active_units():
    net = small(prior="mixture:2")
    draws = net.sample(50, seed=2)
    assert draws.shape == (50, 16) and ((draws >= 0) & (draws <= 1)).all()
    count, variance = net.active_units(X)
    assert variance.shape == (2,) and count == int((variance > 0.01).sum()) and count >= 1


@pytest.mark.parametrize("x,options,message", [
    (X[:, :, None, None], {}, "must be [N, pixels]"),
    (X[:0], {}, "no rows"),
    (np.where(np.eye(400, 16) > 0, np.nan, X), {}, "NaN"),
    (X * 3, {}, "in [0, 1]"),
    (X, {"prior": "mixture:0"}, "vae.train: prior 'mixture:0' is not normal or mixture:C"),
])
def test_bad_input_is_a_value_error_naming_it(x, options, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace("]", r"\]")):
        elbo.vae.train(x, latent=2, hidden=[8], epochs=1, progress=False, **options)
