"""LatentDirichletAllocation: scikit-learn's estimator on elbo's C++ LDA.

Batch and online variational Bayes (Hoffman, Blei & Bach 2010) as scikit-learn
runs them (src/elbo/conjugate/online_lda.hpp): the same initialisation (the
topic-word pseudo-counts and each pass's starting document-topic parameters are
drawn from ``random_state`` exactly as scikit-learn draws them), the same E-step,
M-steps, bound and perplexity, in threaded C++ on the CSR arrays of the corpus.

elbo's extras (keyword arguments; the defaults are scikit-learn's behaviour):

* ``method="vb"``: variational Bayes as scikit-learn (``learning_method`` picks
  batch or online). ``"cvb0"``: collapsed variational Bayes with the zero-order
  approximation (Asuncion et al. 2009), ``max_iter`` sweeps; ``"scvb0"``: its
  stochastic version (Foulds et al. 2013), ``max_iter`` passes of minibatches of
  ``batch_size`` with step size ``(learning_offset + t)^-learning_decay``. After a
  collapsed fit ``components_`` holds the expected topic-word counts plus
  ``topic_word_prior`` (the same meaning: pseudo-counts whose normalised rows are
  the topics), and transform/perplexity/score use the VB E-step on them.
* ``collapsed_tol=1e-4``: CVB0 stops when the mean change of the per-entry topic
  distributions falls below it.
* ``method="svi"``: elbo's natural-gradient SVI driver (natural_svi.hpp) on its
  ConjugateModel LDA, ``max_iter`` passes of ``len(X) // batch_size`` random
  minibatches, step ``(learning_offset + t)^-learning_decay`` (learning_decay in
  (0.5, 1]), with its options: ``svi_sampling`` ("reshuffle" or "iid"),
  ``svi_adaptive_rate`` (Ranganath et al. 2013), ``svi_window`` (averaged
  statistics of the last W minibatches), ``svi_svrg_every`` (SVRG control variate,
  0: off), ``svi_adaptive_batch`` (norm-test batch growth).
"""
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.decomposition import LatentDirichletAllocation as _SkLda
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, check_non_negative

from .. import _conjugate
from ._checks import csr_arrays, threads_from_n_jobs

_INIT_GAMMA = 100.0  # Gamma(100, 1/100) draws, as Hoffman et al. (2010) and scikit-learn


class LatentDirichletAllocation(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Latent Dirichlet allocation with online or batch variational Bayes (elbo, C++).

    A drop-in for ``sklearn.decomposition.LatentDirichletAllocation``: see its
    documentation for the parameters and attributes; elbo's extras ``method`` and
    ``collapsed_tol`` are described in this module's docstring.
    """

    _parameter_constraints: dict = {
        **_SkLda._parameter_constraints,
        "method": [StrOptions({"vb", "cvb0", "scvb0", "svi"})],
        "collapsed_tol": [Interval(numbers.Real, 0, None, closed="left")],
        "svi_sampling": [StrOptions({"reshuffle", "iid"})],
        "svi_adaptive_rate": ["boolean"],
        "svi_window": [Interval(numbers.Integral, 1, None, closed="left")],
        "svi_svrg_every": [Interval(numbers.Integral, 0, None, closed="left")],
        "svi_adaptive_batch": ["boolean"],
    }

    def __init__(
        self,
        n_components=10,
        *,
        doc_topic_prior=None,
        topic_word_prior=None,
        learning_method="batch",
        learning_decay=0.7,
        learning_offset=10.0,
        max_iter=10,
        batch_size=128,
        evaluate_every=-1,
        total_samples=1e6,
        perp_tol=1e-1,
        mean_change_tol=1e-3,
        max_doc_update_iter=100,
        n_jobs=None,
        verbose=0,
        random_state=None,
        method="vb",
        collapsed_tol=1e-4,
        svi_sampling="reshuffle",
        svi_adaptive_rate=False,
        svi_window=1,
        svi_svrg_every=0,
        svi_adaptive_batch=False,
    ):
        self.n_components = n_components
        self.doc_topic_prior = doc_topic_prior
        self.topic_word_prior = topic_word_prior
        self.learning_method = learning_method
        self.learning_decay = learning_decay
        self.learning_offset = learning_offset
        self.max_iter = max_iter
        self.batch_size = batch_size
        self.evaluate_every = evaluate_every
        self.total_samples = total_samples
        self.perp_tol = perp_tol
        self.mean_change_tol = mean_change_tol
        self.max_doc_update_iter = max_doc_update_iter
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state
        self.method = method
        self.collapsed_tol = collapsed_tol
        self.svi_sampling = svi_sampling
        self.svi_adaptive_rate = svi_adaptive_rate
        self.svi_window = svi_window
        self.svi_svrg_every = svi_svrg_every
        self.svi_adaptive_batch = svi_adaptive_batch

    # ---- validation and state -------------------------------------------------

    def _check_non_neg_array(self, X, reset_n_features, whom):
        dtype = [np.float64, np.float32] if reset_n_features else self.components_.dtype
        X = self._validate_data(X, reset=reset_n_features, accept_sparse="csr", dtype=dtype)
        check_non_negative(X, whom)
        return X

    def _threads(self):
        # scikit-learn's n_jobs=None is one job; elbo runs that many C++ threads.
        return threads_from_n_jobs(self.n_jobs, 1)

    def _init_latent_vars(self, n_features, dtype=np.float64):
        self.random_state_ = check_random_state(self.random_state)
        self.n_batch_iter_ = 1
        self.n_iter_ = 0
        k = self.n_components
        self.doc_topic_prior_ = 1.0 / k if self.doc_topic_prior is None else self.doc_topic_prior
        self.topic_word_prior_ = 1.0 / k if self.topic_word_prior is None else self.topic_word_prior
        components = self.random_state_.gamma(_INIT_GAMMA, 1.0 / _INIT_GAMMA, (k, n_features))
        self._set_components(components, dtype)

    def _set_components(self, components, dtype):
        self.components_ = np.asarray(components).astype(dtype, copy=False)
        self.exp_dirichlet_component_ = _conjugate.lda_exp_dirichlet(
            np.asarray(components, dtype=np.float64), self._threads()).astype(dtype, copy=False)

    def _em_pass(self, X, online, total_samples):
        """One pass over X (batch: one EM step; online: its minibatches in order)."""
        n_samples = X.shape[0]
        # the starting document-topic parameters scikit-learn would draw, in its order
        gamma0 = self.random_state_.gamma(_INIT_GAMMA, 1.0 / _INIT_GAMMA, (n_samples, self.n_components))
        dtype = self.components_.dtype
        components, exp_component, self.n_batch_iter_ = _conjugate.lda_em_pass(
            *csr_arrays(X), X.shape[1], np.asarray(self.components_, dtype=np.float64),
            np.asarray(self.exp_dirichlet_component_, dtype=np.float64), gamma0,
            online, int(self.batch_size), float(total_samples), float(self.learning_decay),
            float(self.learning_offset), int(self.n_batch_iter_), float(self.doc_topic_prior_),
            float(self.topic_word_prior_), int(self.max_doc_update_iter), float(self.mean_change_tol),
            self._threads())
        self.components_ = components.astype(dtype, copy=False)
        self.exp_dirichlet_component_ = exp_component.astype(dtype, copy=False)

    def _score(self, X, sub_sampling=False):
        """(bound, perplexity) of X (checked), inferring its document-topic parameters."""
        return _conjugate.lda_score(
            *csr_arrays(X), X.shape[1], np.asarray(self.components_, dtype=np.float64),
            np.asarray(self.exp_dirichlet_component_, dtype=np.float64), float(self.doc_topic_prior_),
            float(self.topic_word_prior_), int(self.max_doc_update_iter), float(self.mean_change_tol),
            self._threads(), bool(sub_sampling), float(self.total_samples))

    def _fit_collapsed(self, X):
        n_samples = X.shape[0]
        stochastic = self.method == "scvb0"
        steps = self.max_iter * max(1, -(-n_samples // self.batch_size)) if stochastic else self.max_iter
        seed = int(self.random_state_.randint(np.iinfo(np.int32).max))
        components, done = _conjugate.lda_collapsed(
            *csr_arrays(X), X.shape[1], int(self.n_components), float(self.doc_topic_prior_),
            float(self.topic_word_prior_), stochastic, int(steps), float(self.collapsed_tol),
            int(self.batch_size), float(self.learning_offset), float(self.learning_decay), seed,
            self._threads())
        self._set_components(components, X.dtype)
        if stochastic:
            self.n_batch_iter_ += int(steps)
        self.n_iter_ = int(done) if not stochastic else self.max_iter

    def _fit_natural_svi(self, X):
        if not 0.5 < self.learning_decay <= 1.0:
            raise ValueError("learning_decay must be in (0.5, 1] for method='svi', got %r" % self.learning_decay)
        steps = self.max_iter * max(1, X.shape[0] // self.batch_size)
        seed = int(self.random_state_.randint(np.iinfo(np.int32).max))
        components = _conjugate.lda_natural_svi(
            *csr_arrays(X), X.shape[1], np.asarray(self.components_, dtype=np.float64),
            float(self.doc_topic_prior_), float(self.topic_word_prior_), int(self.max_doc_update_iter),
            float(self.mean_change_tol), int(self.batch_size), float(self.learning_offset),
            float(self.learning_decay), int(steps), self.svi_sampling, bool(self.svi_adaptive_rate),
            int(self.svi_window), int(self.svi_svrg_every), bool(self.svi_adaptive_batch), seed,
            self._threads())
        self._set_components(components, X.dtype)
        self.n_batch_iter_ += int(steps)
        self.n_iter_ = self.max_iter

    # ---- scikit-learn API -----------------------------------------------------

    def fit(self, X, y=None):
        """Learn the model for the data X with variational Bayes (batch or online)."""
        self._validate_params()
        X = self._check_non_neg_array(X, reset_n_features=True, whom="LatentDirichletAllocation.fit")
        self._init_latent_vars(X.shape[1], dtype=X.dtype)
        if self.method == "svi":
            if self.max_iter > 0:
                self._fit_natural_svi(X)
        elif self.method != "vb":
            if self.max_iter > 0:
                self._fit_collapsed(X)
        else:
            online = self.learning_method == "online"
            last_bound = None
            for i in range(self.max_iter):
                self._em_pass(X, online, X.shape[0])
                if self.evaluate_every > 0 and (i + 1) % self.evaluate_every == 0:
                    _, bound = self._score(X)
                    if self.verbose:
                        print("iteration: %d of max_iter: %d, perplexity: %.4f" % (i + 1, self.max_iter, bound))
                    if last_bound and abs(last_bound - bound) < self.perp_tol:
                        break
                    last_bound = bound
                elif self.verbose:
                    print("iteration: %d of max_iter: %d" % (i + 1, self.max_iter))
                self.n_iter_ += 1
        _, self.bound_ = self._score(X)
        return self

    def partial_fit(self, X, y=None):
        """Online VB with minibatch updates (scikit-learn's partial_fit)."""
        first_time = not hasattr(self, "components_")
        if first_time:
            self._validate_params()
        X = self._check_non_neg_array(X, reset_n_features=first_time,
                                      whom="LatentDirichletAllocation.partial_fit")
        if first_time:
            self._init_latent_vars(X.shape[1], dtype=X.dtype)
        if X.shape[1] != self.components_.shape[1]:
            raise ValueError(
                "The provided data has %d dimensions while the model was trained with feature size %d."
                % (X.shape[1], self.components_.shape[1]))
        self._em_pass(X, True, self.total_samples)
        return self

    def _unnormalized_transform(self, X):
        return _conjugate.lda_infer(
            *csr_arrays(X), X.shape[1], np.asarray(self.exp_dirichlet_component_, dtype=np.float64),
            float(self.doc_topic_prior_), int(self.max_doc_update_iter), float(self.mean_change_tol),
            self._threads(), False)

    def transform(self, X):
        """Document-topic distribution of X (rows sum to one)."""
        check_is_fitted(self)
        X = self._check_non_neg_array(X, reset_n_features=False, whom="LatentDirichletAllocation.transform")
        doc_topic = _conjugate.lda_infer(
            *csr_arrays(X), X.shape[1], np.asarray(self.exp_dirichlet_component_, dtype=np.float64),
            float(self.doc_topic_prior_), int(self.max_doc_update_iter), float(self.mean_change_tol),
            self._threads(), True)
        return doc_topic.astype(self.components_.dtype, copy=False)

    def score(self, X, y=None):
        """Approximate log-likelihood (the variational bound) of X."""
        check_is_fitted(self)
        X = self._check_non_neg_array(X, reset_n_features=False, whom="LatentDirichletAllocation.score")
        return self._score(X)[0]

    def perplexity(self, X, sub_sampling=False):
        """exp(-bound / number of words) of X (scikit-learn's definition)."""
        check_is_fitted(self)
        X = self._check_non_neg_array(X, reset_n_features=False, whom="LatentDirichletAllocation.perplexity")
        return self._score(X, sub_sampling)[1]

    @property
    def _n_features_out(self):
        return self.components_.shape[0]

    def _more_tags(self):
        # Computation is in double precision; float32 input gives float32 output.
        return {"preserves_dtype": [np.float64, np.float32], "requires_positive_X": True}
