// elbo._hmm: the Bayesian hidden Markov model (src/elbo/hmm) behind elbo.hmm.
//
// numpy arrays in and out; sequences as hmmlearn's `lengths`. The GIL is released
// around the C++ work. elbo's typed errors become ValueError with elbo's message.
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "elbo/conjugate/cavi.hpp"
#include "elbo/conjugate/natural_svi.hpp"
#include "elbo/core/error.hpp"
#include "elbo/hmm/bayesian_hmm.hpp"
#include "elbo/hmm/categorical_emission.hpp"
#include "elbo/hmm/gaussian_emission.hpp"
#include "value_error_translator.hpp"

namespace py = pybind11;
namespace conj = elbo::conjugate;
namespace hmm = elbo::hmm;

namespace {

using CDoubles = py::array_t<double, py::array::c_style | py::array::forcecast>;

hmm::RowMatrix observations(const CDoubles& X) {
  if (X.ndim() != 2) throw elbo::DomainError("X must be 2-d (n_samples, n_features), got " + std::to_string(X.ndim()) + "-d");
  hmm::RowMatrix out(X.shape(0), X.shape(1));
  std::copy(X.data(), X.data() + X.size(), out.data());
  return out;
}

// hmmlearn's lengths → offsets [0, …, T]; empty lengths: one sequence.
std::vector<int64_t> offsets(const std::vector<int64_t>& lengths, int64_t rows) {
  if (lengths.empty()) return {0, rows};
  std::vector<int64_t> starts{0};
  for (const int64_t n : lengths) {
    if (n < 1) throw elbo::DomainError("lengths must be positive, got " + std::to_string(n));
    starts.push_back(starts.back() + n);
  }
  if (starts.back() != rows) {
    throw elbo::DomainError("lengths sum to " + std::to_string(starts.back()) + " but X has " +
                            std::to_string(rows) + " rows");
  }
  return starts;
}

struct FitSettings {
  std::string emission, method;
  int64_t n_states = 1, n_symbols = 0, max_iter = 1000, subchain_length = 0, buffer = 20, batch_size = 0, steps = 0;
  double tol = 1e-7, initial_prior = 1.0, transition_prior = 1.0, emission_prior = 1.0, tau0 = 1.0, kappa = 0.6;
  uint64_t seed = 1;
  int threads = 0;
};

class FittedHmm {
 public:
  FittedHmm(const CDoubles& X_in, const std::vector<int64_t>& lengths, const FitSettings& s) {
    const hmm::RowMatrix X = observations(X_in);
    const std::vector<int64_t> starts = offsets(lengths, X.rows());
    py::gil_scoped_release release;
    if (s.method != "cavi" && s.method != "meanfield" && s.method != "svi") {
      throw elbo::ConfigError("method must be 'cavi', 'meanfield' or 'svi', got '" + s.method + "'");
    }
    std::unique_ptr<hmm::Emission> emission;
    if (s.emission == "gaussian") {
      emission = std::make_unique<hmm::GaussianEmission>(
          X, hmm::GaussianEmissionOptions().num_states(s.n_states).threads(s.threads));
    } else {
      int64_t V = s.n_symbols;
      if (V <= 0) V = X.size() > 0 ? static_cast<int64_t>(X.maxCoeff()) + 1 : 1;
      emission = std::make_unique<hmm::CategoricalEmission>(
          hmm::CategoricalEmissionOptions().num_states(s.n_states).num_symbols(V).concentration(s.emission_prior));
    }
    hmm::BayesianHmmOptions options;
    options.initial_concentration(s.initial_prior)
        .transition_concentration(s.transition_prior)
        .local_factors(s.method == "meanfield" ? hmm::LocalFactors::mean_field : hmm::LocalFactors::structured)
        .subchain_length(s.method == "svi" ? s.subchain_length : 0)
        .buffer_length(s.buffer)
        .threads(s.threads);
    model_ = std::make_unique<hmm::BayesianHmm>(X, starts, std::move(emission), options);
    conj::Rng rng(s.seed);
    model_->initialize(rng);
    if (s.method == "svi") {
      const int64_t M = model_->num_data();
      const int64_t S = std::max<int64_t>(1, std::min<int64_t>(s.batch_size > 0 ? s.batch_size : M, M));
      const int64_t steps = s.steps > 0 ? s.steps : std::max<int64_t>(1, 10 * M / S);
      conj::NaturalSvi svi(*model_, conj::NaturalSviOptions().batch_size(S).tau0(s.tau0).kappa(s.kappa)
                                        .max_steps(steps).seed(s.seed));
      svi.run();
      iterations_ = svi.steps_taken();
      converged_ = true;
    } else {
      const auto r = conj::cavi(*model_, conj::CaviOptions().max_iterations(s.max_iter).tolerance(s.tol));
      trace_ = r.elbo_trace;
      iterations_ = r.iterations;
      converged_ = r.converged;
    }
    elbo_ = model_->exact_elbo();
  }

  std::string parameters_json() const { return model_->parameters_json().dump(); }

  double log_likelihood(const CDoubles& X_in, const std::vector<int64_t>& lengths) const {
    const hmm::RowMatrix X = observations(X_in);
    const std::vector<int64_t> starts = offsets(lengths, X.rows());
    py::gil_scoped_release release;
    return model_->log_likelihood(X, starts);
  }

  hmm::RowMatrix posterior_marginals(const CDoubles& X_in, const std::vector<int64_t>& lengths) const {
    const hmm::RowMatrix X = observations(X_in);
    const std::vector<int64_t> starts = offsets(lengths, X.rows());
    py::gil_scoped_release release;
    return model_->posterior_marginals(X, starts);
  }

  std::vector<int32_t> viterbi(const CDoubles& X_in, const std::vector<int64_t>& lengths) const {
    const hmm::RowMatrix X = observations(X_in);
    const std::vector<int64_t> starts = offsets(lengths, X.rows());
    py::gil_scoped_release release;
    return model_->viterbi_path(X, starts);
  }

  const hmm::RowMatrix& training_marginals() const { return model_->marginals(); }
  double elbo() const { return elbo_; }
  const std::vector<double>& trace() const { return trace_; }
  int64_t iterations() const { return iterations_; }
  bool converged() const { return converged_; }

 private:
  std::unique_ptr<hmm::BayesianHmm> model_;
  std::vector<double> trace_;
  double elbo_ = 0.0;
  int64_t iterations_ = 0;
  bool converged_ = false;
};

}  // namespace

PYBIND11_MODULE(_hmm, m) {
  m.doc() = "elbo's Bayesian HMM (use elbo.hmm, not this module)";
  elbo_python::register_value_error_translator();
  py::class_<FittedHmm>(m, "FittedHmm")
      .def(py::init([](const CDoubles& X, const std::vector<int64_t>& lengths, const std::string& emission,
                       const std::string& method, int64_t n_states, int64_t n_symbols, int64_t max_iter, double tol,
                       uint64_t seed, int threads, double initial_prior, double transition_prior,
                       int64_t subchain_length, int64_t buffer, int64_t batch_size, int64_t steps, double tau0,
                       double kappa, double emission_prior) {
             FitSettings s;
             s.emission = emission;
             s.method = method;
             s.n_states = n_states;
             s.n_symbols = n_symbols;
             s.max_iter = max_iter;
             s.tol = tol;
             s.seed = seed;
             s.threads = threads;
             s.initial_prior = initial_prior;
             s.transition_prior = transition_prior;
             s.subchain_length = subchain_length;
             s.buffer = buffer;
             s.batch_size = batch_size;
             s.steps = steps;
             s.tau0 = tau0;
             s.kappa = kappa;
             s.emission_prior = emission_prior;
             return std::make_unique<FittedHmm>(X, lengths, s);
           }),
           py::arg("X"), py::arg("lengths"), py::arg("emission"), py::arg("method"), py::arg("n_states"),
           py::arg("n_symbols"), py::arg("max_iter"), py::arg("tol"), py::arg("seed"), py::arg("threads"),
           py::arg("initial_prior"), py::arg("transition_prior"), py::arg("subchain_length"), py::arg("buffer"),
           py::arg("batch_size"), py::arg("steps"), py::arg("tau0"), py::arg("kappa"),
           py::arg("emission_prior"))
      .def("parameters_json", &FittedHmm::parameters_json)
      .def("log_likelihood", &FittedHmm::log_likelihood)
      .def("posterior_marginals", &FittedHmm::posterior_marginals)
      .def("viterbi", &FittedHmm::viterbi)
      .def_property_readonly("training_marginals", &FittedHmm::training_marginals)
      .def_property_readonly("elbo", &FittedHmm::elbo)
      .def_property_readonly("elbo_trace", &FittedHmm::trace)
      .def_property_readonly("iterations", &FittedHmm::iterations)
      .def_property_readonly("converged", &FittedHmm::converged);
}
