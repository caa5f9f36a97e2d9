// elbo.models: the built-in models, built from numpy/torch arrays. Their
// log joints (and closed-form gradients) are C++, so a fit of one never calls
// back into Python.
#include <torch/csrc/utils/pybind.h>
#include <torch/library.h>
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

elbo::models::GlmFamily glm_family(const std::string& family) {
  using elbo::models::GlmFamily;
  if (family == "gaussian") return GlmFamily::gaussian;
  if (family == "bernoulli_logit") return GlmFamily::bernoulli_logit;
  if (family == "poisson_log") return GlmFamily::poisson_log;
  throw elbo::ConfigError("glm: unknown family '" + family + "' (gaussian, bernoulli_logit, poisson_log)");
}

at::Tensor glm_log_likelihood_op(const std::string& family, const at::Tensor& X, const at::Tensor& y,
                                 const at::Tensor& alpha, const at::Tensor& beta,
                                 const c10::optional<at::Tensor>& sigma, const c10::optional<at::Tensor>& offset) {
  return elbo::models::glm_log_likelihood(glm_family(family), X, y, alpha, beta, sigma ? *sigma : at::Tensor(),
                                          offset ? *offset : at::Tensor());
}

}  // namespace

// The same building blocks as TorchScript operators (torch.ops.elbo.*), so that a
// log_joint traced for elbo.fit(..., jit=True) records each as one node (with
// its closed-form gradient) rather than the ops inside it.
TORCH_LIBRARY(elbo, ops) {
  ops.def("glm_log_likelihood(str family, Tensor X, Tensor y, Tensor alpha, Tensor beta, Tensor? sigma, "
          "Tensor? offset) -> Tensor",
          &glm_log_likelihood_op);
  ops.def("normal_prior_term(Tensor x, float loc, float scale) -> Tensor", &elbo::model::normal_prior_term);
}

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
               auto as_c10 = [](const std::optional<at::Tensor>& t) -> c10::optional<at::Tensor> {
                 return t ? c10::make_optional(*t) : c10::nullopt;
               };
               return glm_log_likelihood_op(family, X, y, alpha, beta, as_c10(sigma), as_c10(offset));
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
