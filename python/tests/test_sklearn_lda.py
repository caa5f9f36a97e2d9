"""elbo.sklearn.LatentDirichletAllocation: scikit-learn's estimator checks, agreement
with scikit-learn's own estimator on the AP corpus, attribute meaning, errors."""
import os
import pickle
import time
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import digamma
from sklearn.decomposition import LatentDirichletAllocation as SkLda
from sklearn.utils.estimator_checks import check_estimator

from elbo.sklearn import LatentDirichletAllocation

SHARED = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared"))
AP = os.path.join(SHARED, "data", "ap", "ap.dat")
AP_VOCABULARY = 10473


def read_ldac(path, n_words):
    """LDA-C lines "N id:count ..." as a CSR document-word matrix."""
    indptr, indices, data = [0], [], []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            for entry in parts[1:]:
                w, c = entry.split(":")
                indices.append(int(w))
                data.append(float(c))
            indptr.append(len(indices))
    return sp.csr_matrix((np.array(data), np.array(indices, dtype=np.int32), np.array(indptr)),
                         shape=(len(indptr) - 1, n_words))


@pytest.fixture(scope="module")
def ap():
    if not os.path.exists(AP):
        pytest.skip("AP corpus not found at %s (the shared data directory ../shared next to the repo)" % AP)
    X = read_ldac(AP, AP_VOCABULARY)
    assert X.shape == (2246, AP_VOCABULARY)
    return X


def small_corpus(seed=0, n_docs=60, n_words=40):
    rng = np.random.RandomState(seed)
    return sp.csr_matrix(rng.poisson(0.6, size=(n_docs, n_words)).astype(float))


def test_check_estimator():
    # scikit-learn's whole estimator suite, no check skipped (no _xfail_checks)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_estimator(LatentDirichletAllocation())


@pytest.mark.parametrize("learning_method", ["batch", "online"])
def test_ap_perplexity_matches_sklearn(ap, learning_method):
    # Full AP corpus, K = 20, scikit-learn's defaults otherwise except max_iter = 5
    # (to keep the test short; both sides run the same settings).
    settings = dict(n_components=20, learning_method=learning_method, max_iter=5, random_state=0)
    t = time.perf_counter()
    sk = SkLda(**settings).fit(ap)
    t_sk = time.perf_counter() - t
    t = time.perf_counter()
    el = LatentDirichletAllocation(**settings, n_jobs=2).fit(ap)
    t_el = time.perf_counter() - t
    print("%s: perplexity sklearn %.3f (%.1f s), elbo %.3f (%.1f s)" % (learning_method, sk.bound_, t_sk,
                                                                       el.bound_, t_el))
    assert abs(el.bound_ - sk.bound_) <= 0.01 * sk.bound_
    # the same initialisation and updates: agreement is far closer than 1%
    assert el.bound_ == pytest.approx(sk.bound_, rel=1e-5)
    assert el.n_batch_iter_ == sk.n_batch_iter_
    assert el.n_iter_ == sk.n_iter_ == 5
    np.testing.assert_allclose(el.components_, sk.components_, rtol=1e-4, atol=1e-6)


def test_attributes_have_sklearn_meaning(ap):
    X = ap[:300]
    lda = LatentDirichletAllocation(n_components=7, max_iter=3, random_state=1).fit(X)
    K, V = 7, AP_VOCABULARY
    assert lda.components_.shape == (K, V)
    assert lda.n_features_in_ == V
    # components_: topic-word pseudo-counts, λ = η + expected counts (batch M-step)
    assert np.all(lda.components_ > lda.topic_word_prior_ - 1e-12)
    assert lda.components_.sum() == pytest.approx(lda.topic_word_prior_ * K * V + X.sum(), rel=1e-6)
    # exp_dirichlet_component_ = exp(E[log β]) = exp(ψ(λ_kw) − ψ(Σ_w λ_kw))
    expected = np.exp(digamma(lda.components_) - digamma(lda.components_.sum(axis=1))[:, None])
    np.testing.assert_allclose(lda.exp_dirichlet_component_, expected, rtol=1e-10)
    theta = lda.transform(X)
    assert theta.shape == (300, K)
    np.testing.assert_allclose(theta.sum(axis=1), 1.0)
    assert lda.n_iter_ == 3 and lda.n_batch_iter_ == 4
    assert lda.doc_topic_prior_ == lda.topic_word_prior_ == 1.0 / K
    assert lda.bound_ == pytest.approx(lda.perplexity(X))
    assert lda.perplexity(X) == pytest.approx(np.exp(-lda.score(X) / X.sum()))
    # transform and perplexity agree with scikit-learn's on the same fitted state
    sk = SkLda(n_components=K)
    for name in ("components_", "exp_dirichlet_component_", "doc_topic_prior_", "topic_word_prior_",
                 "n_features_in_"):
        setattr(sk, name, getattr(lda, name))
    sk.n_batch_iter_ = lda.n_batch_iter_
    np.testing.assert_allclose(theta, sk.transform(X), rtol=1e-6, atol=1e-9)
    assert lda.perplexity(X) == pytest.approx(sk.perplexity(X), rel=1e-8)
    assert lda.perplexity(X, sub_sampling=True) == pytest.approx(sk.perplexity(X, sub_sampling=True), rel=1e-8)


def test_partial_fit_matches_sklearn():
    X = small_corpus()
    el = LatentDirichletAllocation(n_components=4, batch_size=16, total_samples=1000, random_state=3)
    sk = SkLda(n_components=4, batch_size=16, total_samples=1000, random_state=3)
    for _ in range(3):
        el.partial_fit(X)
        sk.partial_fit(X)
    assert el.n_batch_iter_ == sk.n_batch_iter_
    np.testing.assert_allclose(el.components_, sk.components_, rtol=1e-6)
    with pytest.raises(ValueError, match="features"):
        el.partial_fit(sp.csr_matrix(np.ones((3, 5))))


def test_sparse_input_is_never_densified():
    class NoDense(sp.csr_matrix):
        def toarray(self, *a, **k):
            raise AssertionError("densified")

        todense = toarray

    X = small_corpus()
    dense = LatentDirichletAllocation(n_components=3, random_state=0).fit(X.toarray())
    sparse = LatentDirichletAllocation(n_components=3, random_state=0).fit(NoDense(X))
    np.testing.assert_allclose(dense.components_, sparse.components_)
    np.testing.assert_allclose(sparse.transform(NoDense(X)), dense.transform(X.toarray()))
    # int64 indices and integer counts are accepted as they are
    X64 = sp.csr_matrix((X.data.astype(np.int64), X.indices.astype(np.int64), X.indptr.astype(np.int64)),
                        shape=X.shape)
    np.testing.assert_allclose(LatentDirichletAllocation(n_components=3, random_state=0).fit(X64).components_,
                               dense.components_)


def test_errors_name_the_argument():
    X = small_corpus()
    with pytest.raises(ValueError, match="n_components"):
        LatentDirichletAllocation(n_components=0).fit(X)
    with pytest.raises(ValueError, match="learning_method"):
        LatentDirichletAllocation(learning_method="sgd").fit(X)
    with pytest.raises(ValueError, match="method"):
        LatentDirichletAllocation(method="gibbs").fit(X)
    with pytest.raises(TypeError, match="max_iter"):
        LatentDirichletAllocation(max_iter="10").fit(X)
    negative = X.copy()
    negative.data[0] = -1.0
    with pytest.raises(ValueError, match="Negative values"):
        LatentDirichletAllocation().fit(negative)
    nan = X.toarray()
    nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        LatentDirichletAllocation().fit(nan)


def test_pickle_roundtrip():
    X = small_corpus()
    lda = LatentDirichletAllocation(n_components=3, learning_method="online", random_state=0).fit(X)
    again = pickle.loads(pickle.dumps(lda))
    np.testing.assert_array_equal(again.transform(X), lda.transform(X))
    assert again.perplexity(X) == lda.perplexity(X)


@pytest.mark.parametrize("method", ["cvb0", "scvb0"])
def test_collapsed_methods(ap, method):
    # elbo's extras: collapsed VB (CVB0) and its stochastic version on 500 AP documents
    X = ap[:500]
    lda = LatentDirichletAllocation(n_components=10, method=method, max_iter=10, random_state=0, n_jobs=2)
    theta = lda.fit_transform(X)
    np.testing.assert_allclose(theta.sum(axis=1), 1.0)
    assert lda.components_.shape == (10, AP_VOCABULARY)
    assert np.all(lda.components_ >= lda.topic_word_prior_ - 1e-12)
    # a better fit than the random initialisation, and in the range of VB's
    vb = LatentDirichletAllocation(n_components=10, max_iter=10, random_state=0, n_jobs=2).fit(X)
    init = LatentDirichletAllocation(n_components=10, max_iter=0, random_state=0).fit(X)
    assert lda.bound_ < init.bound_
    assert lda.bound_ < 1.5 * vb.bound_


@pytest.mark.parametrize("options", [dict(), dict(svi_adaptive_rate=True), dict(svi_svrg_every=5),
                                     dict(svi_window=3, svi_sampling="iid")])
def test_natural_svi_extras(ap, options):
    # elbo's SVI driver and its tricks as keyword arguments, 500 AP documents, 5 passes
    X = ap[:500]
    lda = LatentDirichletAllocation(n_components=10, method="svi", learning_method="online", max_iter=5,
                                    batch_size=64, random_state=0, n_jobs=2, **options).fit(X)
    init = LatentDirichletAllocation(n_components=10, max_iter=0, random_state=0).fit(X)
    online = LatentDirichletAllocation(n_components=10, learning_method="online", max_iter=5, batch_size=64,
                                       random_state=0, n_jobs=2).fit(X)
    assert lda.n_batch_iter_ == 1 + 5 * (500 // 64)
    assert lda.bound_ < init.bound_
    assert lda.bound_ < 1.5 * online.bound_
    with pytest.raises(ValueError, match="learning_decay"):
        LatentDirichletAllocation(method="svi", learning_decay=0.5).fit(X)
