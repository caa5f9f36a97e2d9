"""elbo.sklearn.BayesianGaussianMixture: scikit-learn's estimator checks, agreement
with scikit-learn's own estimator on iris, attribute meaning, errors."""
import os
import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture as SkBgmm
from sklearn.utils.estimator_checks import check_estimator

from elbo.sklearn import BayesianGaussianMixture

SHARED = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
IRIS = os.path.join(SHARED, "data", "iris", "iris.csv")
COVARIANCE_TYPES = ["full", "tied", "diag", "spherical"]
WEIGHT_PRIORS = ["dirichlet_process", "dirichlet_distribution"]


@pytest.fixture(scope="module")
def iris():
    if not os.path.exists(IRIS):
        pytest.skip("iris not found at %s (the shared data directory ../shared next to the repo)" % IRIS)
    data = np.loadtxt(IRIS, delimiter=",", skiprows=1)
    X = data[:, :4]  # last column is the species
    assert X.shape == (150, 4)
    return X


def test_check_estimator():
    # scikit-learn's whole estimator suite, no check skipped (no _xfail_checks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(BayesianGaussianMixture())


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("prior", WEIGHT_PRIORS)
def test_iris_lower_bound_matches_sklearn_kmeans_init(iris, covariance_type, prior):
    # scikit-learn's default initialisation (k-means) with the same settings; the
    # k-means random streams differ (elbo's k-means is C++), so the runs may end in
    # different local optima: n_init = 5 on both sides keeps the best of five.
    settings = dict(n_components=3, covariance_type=covariance_type, weight_concentration_prior_type=prior,
                    n_init=5, max_iter=500, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkBgmm(**settings).fit(iris)
        el = BayesianGaussianMixture(**settings).fit(iris)
    print("%s/%s: lower bound sklearn %.4f, elbo %.4f" % (covariance_type, prior, sk.lower_bound_,
                                                         el.lower_bound_))
    assert abs(el.lower_bound_ - sk.lower_bound_) <= 0.01 * abs(sk.lower_bound_)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize("prior", WEIGHT_PRIORS)
def test_iris_same_initialisation_gives_sklearn_fit(iris, covariance_type, prior):
    # init_params="random" draws the initial responsibilities from random_state as
    # scikit-learn does, so the whole EM trajectory is scikit-learn's.
    settings = dict(n_components=4, covariance_type=covariance_type, weight_concentration_prior_type=prior,
                    init_params="random", max_iter=500, random_state=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkBgmm(**settings).fit(iris)
        el = BayesianGaussianMixture(**settings).fit(iris)
    assert el.lower_bound_ == pytest.approx(sk.lower_bound_, rel=1e-6)
    assert el.n_iter_ == sk.n_iter_
    assert el.converged_ == sk.converged_
    for name in ("weights_", "means_", "covariances_", "precisions_", "precisions_cholesky_",
                 "mean_precision_", "degrees_of_freedom_"):
        np.testing.assert_allclose(getattr(el, name), getattr(sk, name), rtol=1e-5, atol=1e-8, err_msg=name)
    np.testing.assert_allclose(np.asarray(el.weight_concentration_), np.asarray(sk.weight_concentration_),
                               rtol=1e-5)
    np.testing.assert_allclose(el.score_samples(iris), sk.score_samples(iris), rtol=1e-6)
    np.testing.assert_allclose(el.predict_proba(iris), sk.predict_proba(iris), atol=1e-6)
    assert el.score(iris) == pytest.approx(sk.score(iris), rel=1e-6)


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
def test_attributes_have_sklearn_shapes_and_meaning(iris, covariance_type):
    K, D = 3, 4
    gmm = BayesianGaussianMixture(n_components=K, covariance_type=covariance_type, random_state=0,
                                  max_iter=300).fit(iris)
    shape = {"full": (K, D, D), "tied": (D, D), "diag": (K, D), "spherical": (K,)}[covariance_type]
    assert gmm.covariances_.shape == gmm.precisions_.shape == gmm.precisions_cholesky_.shape == shape
    assert gmm.means_.shape == (K, D) and gmm.weights_.shape == (K,)
    assert gmm.weights_.sum() == pytest.approx(1.0)
    assert gmm.n_features_in_ == D and gmm.converged_ and gmm.n_iter_ >= 1
    # stick-breaking (the default prior): weight_concentration_ is the pair of Beta parameters
    a, b = gmm.weight_concentration_
    assert a.shape == b.shape == (K,)
    # E[π_k] = a_k/(a_k+b_k) ∏_{j<k} b_j/(a_j+b_j), renormalised over the K sticks
    sticks = a / (a + b) * np.concatenate([[1.0], np.cumprod(b / (a + b))[:-1]])
    np.testing.assert_allclose(gmm.weights_, sticks / sticks.sum())
    if covariance_type in ("full", "tied"):
        covs = gmm.covariances_.reshape(-1, D, D)
        chol = gmm.precisions_cholesky_.reshape(-1, D, D)
        for c, p, L in zip(covs, gmm.precisions_.reshape(-1, D, D), chol):
            np.testing.assert_allclose(p, np.linalg.inv(c), rtol=1e-8)
            np.testing.assert_allclose(L @ L.T, p, rtol=1e-8)
    else:
        np.testing.assert_allclose(gmm.precisions_, 1.0 / gmm.covariances_)
    resp = gmm.predict_proba(iris)
    np.testing.assert_allclose(resp.sum(axis=1), 1.0)
    np.testing.assert_array_equal(gmm.predict(iris), resp.argmax(axis=1))
    assert gmm.score(iris) == pytest.approx(gmm.score_samples(iris).mean())
    np.testing.assert_array_equal(gmm.fit_predict(iris), gmm.predict(iris))


def test_dirichlet_process_with_surplus_components_matches_sklearn(iris):
    # Ten sticks for three species with a small concentration: the stick-breaking
    # posterior (weights, sticks' Beta parameters, bound) is scikit-learn's.
    settings = dict(n_components=10, weight_concentration_prior=1e-3, init_params="random_from_data",
                    max_iter=1000, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sk = SkBgmm(**settings).fit(iris)
        el = BayesianGaussianMixture(**settings).fit(iris)
    np.testing.assert_allclose(el.weights_, sk.weights_, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(el.weight_concentration_[1], sk.weight_concentration_[1], rtol=1e-6)
    assert el.lower_bound_ == pytest.approx(sk.lower_bound_, rel=1e-6)


def test_warm_start_continues():
    rng = np.random.RandomState(0)
    X = np.vstack([rng.normal(0, 1, (200, 2)), rng.normal(6, 1, (200, 2))])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        gmm = BayesianGaussianMixture(n_components=2, max_iter=2, warm_start=True, random_state=0).fit(X)
        first = gmm.lower_bound_
        gmm.fit(X)
    assert gmm.lower_bound_ >= first - 1e-9


def test_errors_name_the_argument(iris):
    with pytest.raises(ValueError, match="covariance_type"):
        BayesianGaussianMixture(covariance_type="banded").fit(iris)
    with pytest.raises(ValueError, match="weight_concentration_prior_type"):
        BayesianGaussianMixture(weight_concentration_prior_type="pitman_yor").fit(iris)
    with pytest.raises(ValueError, match="n_components"):
        BayesianGaussianMixture(n_components=0).fit(iris)
    with pytest.raises(ValueError, match="degrees_of_freedom_prior"):
        BayesianGaussianMixture(degrees_of_freedom_prior=2.0).fit(iris)
    with pytest.raises(ValueError, match="means"):
        BayesianGaussianMixture(mean_prior=[0.0, 1.0]).fit(iris)
    with pytest.raises(ValueError, match="covariance_prior"):
        BayesianGaussianMixture(covariance_prior=-np.eye(4)).fit(iris)
    with pytest.raises(ValueError, match="n_samples >= n_components"):
        BayesianGaussianMixture(n_components=5).fit(iris[:4])
    bad = iris.copy()
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        BayesianGaussianMixture().fit(bad)
    fitted = BayesianGaussianMixture(random_state=0).fit(iris)
    with pytest.raises(ValueError, match="features"):
        fitted.predict(iris[:, :3])


def test_pickle_roundtrip(iris):
    gmm = BayesianGaussianMixture(n_components=3, covariance_type="diag", random_state=0).fit(iris)
    again = pickle.loads(pickle.dumps(gmm))
    np.testing.assert_array_equal(again.predict_proba(iris), gmm.predict_proba(iris))
    np.testing.assert_array_equal(again.score_samples(iris), gmm.score_samples(iris))
