// elbo.models: the built-in models, built from numpy/torch arrays. Their
// log joints (and closed-form gradients) are C++, so a fit of one never calls
// back into Python.
#include <torch/csrc/utils/pybind.h>
#include <torch/torch.h>

#include <optional>

#include "bindings.hpp"
#include "elbo/core/error.hpp"
#include "elbo/model/autograd_only.hpp"
#include "elbo/model/normal_prior_term.hpp"
#include "elbo/models/eight_schools.hpp"
#include "elbo/models/gaussian_target.hpp"
#include "elbo/models/glm_log_likelihood.hpp"
#include "elbo/models/linear_regression.hpp"
#include "elbo/models/logistic_regression.hpp"
#include "elbo/models/poisson_regression.hpp"

namespace py = pybind11;

namespace elbo_python {

namespace {

// A model keeps its own copy of the data: never the caller's buffer (a later
// change to the numpy array must not change the model), and never a tensor that
// has a Python object (the GLMs cache Xᵀ in a thread_local, whose destructor runs
// after the interpreter has gone).
at::Tensor as_double(const at::Tensor& t) {
  return t.detach().to(torch::kDouble).contiguous().clone();
}

}  // namespace

void bind_models(py::module_& m) {
  using elbo::model::Model;
  using namespace elbo::models;
  auto models = m.def_submodule("models");

  models.def("logistic_regression",
             [](const at::Tensor& X, const at::Tensor& y, double prior_alpha_scale,
                double prior_beta_scale) -> std::shared_ptr<Model> {
               return std::make_shared<LogisticRegression>(
                   as_double(X), as_double(y),
                   LogisticRegressionOptions().prior_alpha_scale(prior_alpha_scale).prior_beta_scale(
                       prior_beta_scale));
             },
             py::arg("X"), py::arg("y"), py::arg("prior_alpha_scale"), py::arg("prior_beta_scale"));

  models.def("linear_regression",
             [](const at::Tensor& X, const at::Tensor& y, double prior_alpha_scale, double prior_beta_scale,
                double prior_sigma_scale, std::optional<double> sigma) -> std::shared_ptr<Model> {
               return std::make_shared<LinearRegression>(
                   as_double(X), as_double(y),
                   LinearRegressionOptions()
                       .prior_alpha_scale(prior_alpha_scale)
                       .prior_beta_scale(prior_beta_scale)
                       .prior_sigma_scale(prior_sigma_scale)
                       .known_sigma(sigma));
             },
             py::arg("X"), py::arg("y"), py::arg("prior_alpha_scale"), py::arg("prior_beta_scale"),
             py::arg("prior_sigma_scale"), py::arg("sigma"));

  models.def("poisson_regression",
             [](const at::Tensor& X, const at::Tensor& y, double prior_alpha_scale, double prior_beta_scale,
                std::optional<at::Tensor> exposure) -> std::shared_ptr<Model> {
               return std::make_shared<PoissonRegression>(
                   as_double(X), as_double(y),
                   PoissonRegressionOptions().prior_alpha_scale(prior_alpha_scale).prior_beta_scale(
                       prior_beta_scale),
                   exposure ? as_double(*exposure) : at::Tensor());
             },
             py::arg("X"), py::arg("y"), py::arg("prior_alpha_scale"), py::arg("prior_beta_scale"),
             py::arg("exposure"));

  models.def("eight_schools",
             [](const at::Tensor& y, const at::Tensor& sigma, bool non_centered, double prior_mu_scale,
                double prior_tau_scale) -> std::shared_ptr<Model> {
               return std::make_shared<EightSchools>(as_double(y), as_double(sigma),
                                                     EightSchoolsOptions()
                                                         .non_centered(non_centered)
                                                         .prior_mu_scale(prior_mu_scale)
                                                         .prior_tau_scale(prior_tau_scale));
             },
             py::arg("y"), py::arg("sigma"), py::arg("non_centered"), py::arg("prior_mu_scale"),
             py::arg("prior_tau_scale"));

  // The model without its closed-form gradient (callers differentiate log_joint),
  // to compare with a model written in Python on the same arithmetic path.
  models.def("autograd_only", [](std::shared_ptr<Model> inner) -> std::shared_ptr<Model> {
    return std::make_shared<elbo::model::AutogradOnly>(std::move(inner));
  });

  // A building block for models written in Python (elbo.glm): the GLM log
  // likelihood the built-in regressions use, one autograd node with its
  // gradient in closed form, on the caller's tensors (no copy).
  models.def("glm_log_likelihood",
             [](const std::string& family, const at::Tensor& X, const at::Tensor& y, const at::Tensor& alpha,
                const at::Tensor& beta, std::optional<at::Tensor> sigma, std::optional<at::Tensor> offset) {
               GlmFamily kind;
               if (family == "gaussian") kind = GlmFamily::gaussian;
               else if (family == "bernoulli_logit") kind = GlmFamily::bernoulli_logit;
               else if (family == "poisson_log") kind = GlmFamily::poisson_log;
               else throw elbo::ConfigError("glm: unknown family '" + family +
                                            "' (gaussian, bernoulli_logit, poisson_log)");
               return glm_log_likelihood(kind, X, y, alpha, beta, sigma ? *sigma : at::Tensor(),
                                         offset ? *offset : at::Tensor());
             },
             py::arg("family"), py::arg("X"), py::arg("y"), py::arg("alpha"), py::arg("beta"),
             py::arg("sigma"), py::arg("offset"));
  // Registered with atexit by elbo.glm: X may be a numpy array's memory, which
  // must be released while the interpreter still runs.
  models.def("release_glm_caches", &release_cached_transpose);

  // elbo.lpdf.normal with constant loc and scale: a latent's normal prior as one node.
  models.def("normal_prior_term", &elbo::model::normal_prior_term, py::arg("x"), py::arg("loc"),
             py::arg("scale"));

  models.def("gaussian_target",
             [](const at::Tensor& mean, const at::Tensor& covariance) -> std::shared_ptr<Model> {
               return std::make_shared<GaussianTarget>(as_double(mean), as_double(covariance));
             },
             py::arg("mean"), py::arg("covariance"));
}

}  // namespace elbo_python
