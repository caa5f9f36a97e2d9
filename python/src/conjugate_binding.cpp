// elbo._conjugate: LDA and the Bayesian GMM (src/elbo/conjugate) for elbo.sklearn.
//
// Thin wrappers: numpy arrays in, numpy arrays out. A scipy CSR matrix crosses as its
// (indptr, indices, data) arrays, borrowed without a copy when they already have the
// C++ types (int64 / int32 / float64); the GIL is released around all C++ work.
// elbo's typed errors become ValueError (DomainError, ConfigError, InputError) or
// RuntimeError (NumericalError), with elbo's one-line message.
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <string>
#include <vector>

#include "elbo/conjugate/cvb0.hpp"
#include "elbo/conjugate/kmeans.hpp"
#include "elbo/conjugate/lda.hpp"
#include "elbo/conjugate/natural_svi.hpp"
#include "elbo/conjugate/online_lda.hpp"
#include "elbo/conjugate/variational_gmm.hpp"
#include "elbo/core/error.hpp"
#include "elbo/io/text_corpus.hpp"
#include "value_error_translator.hpp"

namespace py = pybind11;
namespace conj = elbo::conjugate;
using conj::RowMatrixXd;

namespace {

template <typename T>
using CArray = py::array_t<T, py::array::c_style | py::array::forcecast>;

// A CSR view of the three arrays (kept alive by the caller's references).
struct Csr {
  CArray<int64_t> indptr;
  CArray<int32_t> indices;
  CArray<double> data;
  conj::CsrView view;
  Csr(CArray<int64_t> p, CArray<int32_t> i, CArray<double> d, int64_t n_features)
      : indptr(std::move(p)), indices(std::move(i)), data(std::move(d)) {
    if (indptr.ndim() != 1 || indptr.size() < 1) throw elbo::DomainError("csr: indptr must be 1-d and non-empty");
    view.indptr = indptr.data();
    view.indices = indices.data();
    view.data = data.data();
    view.rows = indptr.size() - 1;
    view.cols = n_features;
    const int64_t nnz = view.indptr[view.rows];
    if (indices.size() < nnz || data.size() < nnz) throw elbo::DomainError("csr: indices/data shorter than indptr[-1]");
    py::gil_scoped_release release;
    view.validate();
  }
};

conj::OnlineLdaOptions lda_options(double doc_topic_prior, double topic_word_prior, int64_t max_doc_update_iter,
                                   double mean_change_tol, int threads) {
  conj::OnlineLdaOptions o;
  o.doc_topic_prior = doc_topic_prior;
  o.topic_word_prior = topic_word_prior;
  o.max_doc_update_iter = max_doc_update_iter;
  o.mean_change_tol = mean_change_tol;
  o.threads = threads;
  return o;
}

// io::Corpus (owned copy, zero counts dropped) for the collapsed samplers, which keep
// per-entry state anyway.
elbo::io::Corpus corpus_from_csr(const conj::CsrView& X) {
  elbo::io::Corpus c;
  c.source = "X";
  c.num_words = X.cols;
  c.offsets.reserve(static_cast<size_t>(X.rows + 1));
  for (int64_t d = 0; d < X.rows; ++d) {
    for (int64_t i = X.indptr[d]; i < X.indptr[d + 1]; ++i) {
      if (X.data[i] > 0) {
        c.word_ids.push_back(X.indices[i]);
        c.counts.push_back(X.data[i]);
      }
    }
    c.offsets.push_back(static_cast<int64_t>(c.word_ids.size()));
  }
  return c;
}

void bind_lda(py::module_& m) {
  m.def("lda_exp_dirichlet", [](const RowMatrixXd& lambda, int threads) {
    py::gil_scoped_release release;
    return conj::lda_exp_dirichlet_expectation(lambda, threads);
  }, py::arg("components"), py::arg("threads"),
  "exp(E[log beta]) of the KxV topic-word pseudo-counts (sklearn's exp_dirichlet_component_)");

  m.def("lda_em_pass",
        [](CArray<int64_t> indptr, CArray<int32_t> indices, CArray<double> data, int64_t n_features,
           RowMatrixXd components, RowMatrixXd exp_elog_beta, const RowMatrixXd& gamma0, bool online,
           int64_t batch_size,
           double total_samples, double learning_decay, double learning_offset, int64_t n_batch_iter,
           double doc_topic_prior, double topic_word_prior, int64_t max_doc_update_iter,
           double mean_change_tol, int threads) {
          Csr X(std::move(indptr), std::move(indices), std::move(data), n_features);
          {
            py::gil_scoped_release release;
            const auto o = lda_options(doc_topic_prior, topic_word_prior, max_doc_update_iter, mean_change_tol, threads);
            conj::lda_em_pass(X.view, gamma0, online, batch_size, total_samples, learning_decay,
                              learning_offset, o, components, exp_elog_beta, n_batch_iter);
          }
          return py::make_tuple(components, exp_elog_beta, n_batch_iter);
        },
        "One pass of batch or online variational Bayes; returns (components, exp_dirichlet_component, n_batch_iter)");

  m.def("lda_infer",
        [](CArray<int64_t> indptr, CArray<int32_t> indices, CArray<double> data, int64_t n_features,
           const RowMatrixXd& exp_elog_beta, double doc_topic_prior, int64_t max_doc_update_iter,
           double mean_change_tol, int threads, bool normalize) {
          Csr X(std::move(indptr), std::move(indices), std::move(data), n_features);
          py::gil_scoped_release release;
          RowMatrixXd gamma = conj::lda_infer(
              X.view, exp_elog_beta, lda_options(doc_topic_prior, 0.1, max_doc_update_iter, mean_change_tol, threads));
          if (normalize) {
            for (Eigen::Index d = 0; d < gamma.rows(); ++d) gamma.row(d) /= gamma.row(d).sum();
          }
          return gamma;
        },
        "Document-topic variational parameters from gamma = 1 (normalised rows if normalize)");

  m.def("lda_score",
        [](CArray<int64_t> indptr, CArray<int32_t> indices, CArray<double> data, int64_t n_features,
           const RowMatrixXd& components, const RowMatrixXd& exp_elog_beta, double doc_topic_prior,
           double topic_word_prior, int64_t max_doc_update_iter, double mean_change_tol, int threads,
           bool sub_sampling, double total_samples) {
          Csr X(std::move(indptr), std::move(indices), std::move(data), n_features);
          py::gil_scoped_release release;
          const auto o = lda_options(doc_topic_prior, topic_word_prior, max_doc_update_iter, mean_change_tol, threads);
          const RowMatrixXd gamma = conj::lda_infer(X.view, exp_elog_beta, o);
          const double bound = conj::lda_approx_bound(X.view, components, gamma, o, sub_sampling, total_samples);
          return std::make_pair(bound, conj::lda_perplexity(X.view, bound, sub_sampling, total_samples));
        },
        "(approximate bound, perplexity) of X, inferring its document-topic parameters first");

  m.def("lda_collapsed",
        [](CArray<int64_t> indptr, CArray<int32_t> indices, CArray<double> data, int64_t n_features,
           int64_t n_components, double doc_topic_prior, double topic_word_prior, bool stochastic,
           int64_t iterations, double tol, int64_t batch_size, double learning_offset,
           double learning_decay, uint64_t seed, int threads) {
          Csr X(std::move(indptr), std::move(indices), std::move(data), n_features);
          py::gil_scoped_release release;
          conj::Cvb0 model(corpus_from_csr(X.view), conj::Cvb0Options()
                                                        .num_topics(n_components)
                                                        .alpha(doc_topic_prior)
                                                        .eta(topic_word_prior)
                                                        .threads(threads)
                                                        .seed(seed)
                                                        .tolerance(tol));
          int64_t done = iterations;
          if (stochastic) {
            model.fit_stochastic(conj::Scvb0Schedule()
                                     .batch_size(batch_size)
                                     .steps(iterations)
                                     .tau0(learning_offset)
                                     .kappa(learning_decay));
          } else {
            done = model.fit_batch(iterations);
          }
          return std::make_pair(RowMatrixXd(model.topic_word_pseudo_counts()), done);
        },
        "CVB0 (batch sweeps) or SCVB0 (minibatch steps); returns (KxV pseudo-counts N_wk + eta, iterations)");

  m.def("lda_natural_svi",
        [](CArray<int64_t> indptr, CArray<int32_t> indices, CArray<double> data, int64_t n_features,
           const RowMatrixXd& components, double doc_topic_prior, double topic_word_prior,
           int64_t max_doc_update_iter, double mean_change_tol, int64_t batch_size, double learning_offset,
           double learning_decay, int64_t steps, const std::string& sampling, bool adaptive_rate,
           int64_t window, int64_t svrg_every, bool adaptive_batch, uint64_t seed, int threads) {
          Csr X(std::move(indptr), std::move(indices), std::move(data), n_features);
          py::gil_scoped_release release;
          // elbo's Lda (ConjugateModel) and natural-gradient SVI driver, with its options
          conj::Lda model(corpus_from_csr(X.view), conj::LdaOptions()
                                                       .num_topics(components.rows())
                                                       .alpha(doc_topic_prior)
                                                       .eta(topic_word_prior)
                                                       .local_max_iterations(max_doc_update_iter)
                                                       .local_tolerance(mean_change_tol)
                                                       .local_init(conj::LdaLocalInit::cold)
                                                       .threads(threads));
          model.set_topics_lambda(components);
          conj::NaturalSvi svi(model, conj::NaturalSviOptions()
                                          .batch_size(batch_size)
                                          .tau0(learning_offset)
                                          .kappa(learning_decay)
                                          .max_steps(steps)
                                          .seed(seed)
                                          .sampling(sampling == "iid" ? conj::NaturalSviOptions::Sampling::iid
                                                                      : conj::NaturalSviOptions::Sampling::reshuffle)
                                          .adaptive_rate(adaptive_rate)
                                          .window(window)
                                          .svrg_every(svrg_every)
                                          .adaptive_batch(adaptive_batch));
          svi.run();
          const int64_t K = components.rows(), V = components.cols();
          const Eigen::VectorXd& lw = model.global_parameters();  // word-major
          RowMatrixXd lambda(K, V);
          for (int64_t w = 0; w < V; ++w)
            for (int64_t k = 0; k < K; ++k) lambda(k, w) = lw(w * K + k);
          return lambda;
        },
        "elbo's natural-gradient SVI (Lda + NaturalSvi, with its options) from the given KxV pseudo-counts");
}

}  // namespace

void bind_gmm(py::module_& m);

PYBIND11_MODULE(_conjugate, m) {
  m.doc() = "elbo's conjugate models (use elbo.sklearn, not this module)";
  elbo_python::register_value_error_translator();
  bind_lda(m);
  bind_gmm(m);
}

// ---- Bayesian Gaussian mixture (variational_gmm.hpp) ----

namespace {

conj::CovarianceType covariance_type(const std::string& s) {
  if (s == "full") return conj::CovarianceType::full;
  if (s == "tied") return conj::CovarianceType::tied;
  if (s == "diag") return conj::CovarianceType::diag;
  if (s == "spherical") return conj::CovarianceType::spherical;
  throw elbo::DomainError("covariance_type must be one of 'full', 'tied', 'diag', 'spherical', got '" + s + "'");
}

conj::WeightPriorType weight_prior_type(const std::string& s) {
  if (s == "dirichlet_process") return conj::WeightPriorType::dirichlet_process;
  if (s == "dirichlet_distribution") return conj::WeightPriorType::dirichlet_distribution;
  throw elbo::DomainError("weight_concentration_prior_type must be 'dirichlet_process' or "
                          "'dirichlet_distribution', got '" + s + "'");
}

conj::VgmmPrior prior_from(const py::dict& p) {
  conj::VgmmPrior prior;
  prior.n_components = p["n_components"].cast<int64_t>();
  prior.covariance_type = covariance_type(p["covariance_type"].cast<std::string>());
  prior.weight_prior = weight_prior_type(p["weight_concentration_prior_type"].cast<std::string>());
  prior.weight_concentration = p["weight_concentration"].cast<double>();
  prior.mean_precision = p["mean_precision"].cast<double>();
  prior.mean = p["mean"].cast<Eigen::VectorXd>();
  prior.degrees_of_freedom = p["degrees_of_freedom"].cast<double>();
  prior.covariance = p["covariance"].cast<RowMatrixXd>();
  prior.reg_covar = p["reg_covar"].cast<double>();
  return prior;
}

conj::VgmmState state_from(const py::dict& s) {
  conj::VgmmState state;
  state.concentration_a = s["weight_concentration_a"].cast<Eigen::VectorXd>();
  if (s.contains("weight_concentration_b") && !s["weight_concentration_b"].is_none()) {
    state.concentration_b = s["weight_concentration_b"].cast<Eigen::VectorXd>();
  }
  state.mean_precision = s["mean_precision"].cast<Eigen::VectorXd>();
  state.means = s["means"].cast<RowMatrixXd>();
  state.degrees_of_freedom = s["degrees_of_freedom"].cast<Eigen::VectorXd>();
  state.covariances = s["covariances"].cast<RowMatrixXd>();
  state.precisions_cholesky = s["precisions_cholesky"].cast<RowMatrixXd>();
  return state;
}

py::dict state_to(const conj::VgmmPrior& prior, const conj::VgmmState& state) {
  py::dict s;
  s["weights"] = conj::vgmm_weights(prior.weight_prior, state);
  s["precisions"] = conj::vgmm_precisions(prior.covariance_type, state);
  s["weight_concentration_a"] = state.concentration_a;
  s["weight_concentration_b"] = state.concentration_b.size() ? py::cast(state.concentration_b) : py::none();
  s["mean_precision"] = state.mean_precision;
  s["means"] = state.means;
  s["degrees_of_freedom"] = state.degrees_of_freedom;
  s["covariances"] = state.covariances;
  s["precisions_cholesky"] = state.precisions_cholesky;
  return s;
}

}  // namespace

void bind_gmm(py::module_& m) {
  m.def("kmeans_labels",
        [](const RowMatrixXd& X, int64_t n_clusters, uint64_t seed, int threads) {
          py::gil_scoped_release release;
          conj::Rng rng(seed);
          return conj::kmeans_labels(X, n_clusters, 300, 0, threads, rng);
        },
        "Labels of k-means++ seeding + Lloyd (scikit-learn's KMeans(n_init=1) up to its random stream)");
  m.def("kmeans_plusplus_indices",
        [](const RowMatrixXd& X, int64_t n_clusters, uint64_t seed, int threads) {
          py::gil_scoped_release release;
          conj::Rng rng(seed);
          std::vector<int64_t> indices;
          conj::kmeans_plus_plus(X, n_clusters, threads, rng, &indices);
          return indices;
        },
        "Rows chosen by greedy k-means++ seeding");
  m.def("gmm_initialize",
        [](const RowMatrixXd& X, const py::dict& prior_dict, py::object labels, py::object resp, int threads) {
          const conj::VgmmPrior prior = prior_from(prior_dict);
          std::vector<int64_t> lab;
          RowMatrixXd r;
          const bool have_labels = !labels.is_none();
          if (have_labels) {
            lab = labels.cast<std::vector<int64_t>>();
          } else {
            r = resp.cast<RowMatrixXd>();
          }
          conj::VgmmState state;
          {
            py::gil_scoped_release release;
            prior.validate(X.cols());
            const conj::VgmmStatistics stats =
                have_labels ? conj::vgmm_statistics_from_labels(X, prior.mean, lab, prior.n_components,
                                                                prior.covariance_type, threads)
                            : conj::vgmm_statistics_from_resp(X, prior.mean, r, prior.covariance_type, threads);
            conj::vgmm_m_step(prior, stats, state);
          }
          return state_to(prior, state);
        },
        py::arg("X"), py::arg("prior"), py::arg("labels") = py::none(), py::arg("resp") = py::none(),
        py::arg("threads") = 0, "M-step from hard labels (-1: none) or dense responsibilities");
  m.def("gmm_fit",
        [](const RowMatrixXd& X, const py::dict& prior_dict, const py::dict& state_dict, int64_t max_iter,
           double tol, double start_bound, int threads) {
          const conj::VgmmPrior prior = prior_from(prior_dict);
          conj::VgmmState state = state_from(state_dict);
          conj::VgmmFitResult r;
          {
            py::gil_scoped_release release;
            prior.validate(X.cols());
            r = conj::vgmm_fit(prior, state, X, max_iter, tol, start_bound, threads);
          }
          return py::make_tuple(state_to(prior, state), r.lower_bound, r.iterations, r.converged);
        },
        "scikit-learn's variational EM loop; returns (state, lower_bound, n_iter, converged)");
  m.def("gmm_estimate",
        [](const RowMatrixXd& X, const std::string& cov_type, const std::string& wp_type,
           const py::dict& state_dict, const Eigen::VectorXd& shift, int threads, const std::string& what) {
          const conj::VgmmState state = state_from(state_dict);
          const auto type = covariance_type(cov_type);
          const auto wp = weight_prior_type(wp_type);
          RowMatrixXd log_resp;
          Eigen::VectorXd lpn;
          std::vector<int64_t> labels;
          {
            py::gil_scoped_release release;
            if (what == "labels") {
              conj::vgmm_estimate(type, wp, state, X, shift, threads, nullptr, nullptr, &labels);
            } else if (what == "log_resp") {
              conj::vgmm_estimate(type, wp, state, X, shift, threads, &log_resp, &lpn, nullptr);
            } else if (what == "resp") {
              conj::vgmm_estimate(type, wp, state, X, shift, threads, &log_resp, nullptr, nullptr);
              log_resp = (log_resp.array() < -700.0).select(0.0, log_resp.array().exp()).matrix();
            } else if (what == "log_prob") {
              conj::vgmm_estimate(type, wp, state, X, shift, threads, nullptr, &lpn, nullptr);
            } else {
              throw elbo::DomainError("gmm_estimate: unknown quantity '" + what + "'");
            }
          }
          if (what == "labels") return py::object(py::array_t<int64_t>(labels.size(), labels.data()));
          if (what == "log_resp") return py::object(py::make_tuple(log_resp, lpn));
          if (what == "resp") return py::object(py::cast(log_resp));
          return py::object(py::cast(lpn));
        },
        "'labels' (argmax), 'log_resp' (log_resp, log_prob_norm), 'resp' (predict_proba) or 'log_prob' (per-sample log-likelihood)");
}
