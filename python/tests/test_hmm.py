"""elbo.hmm: GaussianHMM and CategoricalHMM recover a simulated 3-state HMM, and their
predict / predict_proba / score agree with each other; bad input is a ValueError."""
import numpy as np
import pytest

from elbo.hmm import CategoricalHMM, GaussianHMM

A = np.array([[0.90, 0.07, 0.03], [0.05, 0.85, 0.10], [0.10, 0.05, 0.85]])
MEANS = np.array([[-2.0, 0.0], [0.0, 2.0], [2.0, 0.0]])


def simulate(T, seed, emit):
    rng = np.random.RandomState(seed)
    z = np.empty(T, dtype=np.int64)
    z[0] = rng.choice(3)
    for t in range(1, T):
        z[t] = rng.choice(3, p=A[z[t - 1]])
    return emit(z, rng), z


def gaussian(z, rng):
    return MEANS[z] + 0.7 * rng.normal(size=(len(z), 2))


def match(fitted_means):
    """perm[k] = true state of fitted state k (nearest true mean; the simulated means are far apart)."""
    return np.array([int(np.argmin(((MEANS - m) ** 2).sum(1))) for m in fitted_means])


def test_gaussian_hmm_recovers_the_transition_matrix_and_states():
    X, z = simulate(20000, 1, gaussian)
    lengths = [8000, 12000]
    model = GaussianHMM(n_components=3, random_state=2).fit(X, lengths)
    perm = match(model.means_)
    assert sorted(perm) == [0, 1, 2]
    np.testing.assert_allclose(model.transmat_, A[np.ix_(perm, perm)], atol=0.03)
    assert (model.transmat_sd_ > 0).all() and (model.transmat_sd_ < 0.01).all()
    assert model.converged_ and np.all(np.diff(model.elbo_trace_) >= -1e-9 * np.abs(model.elbo_trace_[:-1]))
    path = model.predict(X, lengths)
    assert (perm[path] == z).mean() > 0.97
    proba = model.predict_proba(X, lengths)
    np.testing.assert_allclose(proba.sum(1), 1.0, atol=1e-10)
    assert (proba.argmax(1) == path).mean() > 0.98
    assert np.isfinite(model.score(X, lengths)) and model.score(X, lengths) / len(X) > -3.5
    assert model.decode(X[:500])[1].shape == (500,)


def test_structured_q_beats_the_factorised_q_and_svi_reaches_cavi():
    X, _ = simulate(6000, 3, gaussian)
    cavi = GaussianHMM(n_components=3, random_state=1).fit(X)
    meanfield = GaussianHMM(n_components=3, method="meanfield", random_state=1).fit(X)
    svi = GaussianHMM(n_components=3, method="svi", subchain_length=100, batch_size=10, n_steps=300,
                      random_state=1).fit(X)
    assert cavi.elbo_ > meanfield.elbo_
    assert abs(svi.elbo_ - cavi.elbo_) < 1e-3 * abs(cavi.elbo_)


def test_categorical_hmm_recovers_the_emission_probabilities():
    B = np.array([[0.7, 0.2, 0.05, 0.05], [0.05, 0.7, 0.2, 0.05], [0.05, 0.05, 0.2, 0.7]])
    X, _ = simulate(20000, 5, lambda z, rng: np.array([[rng.choice(4, p=B[k])] for k in z]))
    best = max((CategoricalHMM(n_components=3, random_state=s).fit(X) for s in (1, 2)), key=lambda m: m.elbo_)
    perm = [int(np.argmin(np.abs(B - row).sum(1))) for row in best.emissionprob_]
    assert sorted(perm) == [0, 1, 2]
    np.testing.assert_allclose(best.emissionprob_, B[perm], atol=0.04)
    assert best.n_features == 4


def test_bad_input_is_a_value_error():
    X, _ = simulate(100, 7, gaussian)
    with pytest.raises(ValueError, match="lengths sum to 90"):
        GaussianHMM(n_components=2).fit(X, [40, 50])
    with pytest.raises(ValueError, match="non-finite value in row 3"):
        bad = X.copy()
        bad[3, 1] = np.nan
        GaussianHMM(n_components=2).fit(bad)
    with pytest.raises(ValueError, match="at least 1"):
        GaussianHMM(n_components=0).fit(X)
    with pytest.raises(ValueError, match="method"):
        GaussianHMM(n_components=2, method="gibbs").fit(X)
    with pytest.raises(ValueError, match="integers"):
        CategoricalHMM(n_components=2).fit(np.array([[0.0], [1.5], [1.0]]))
    with pytest.raises(ValueError, match="not fitted"):
        GaussianHMM().predict(X)
