// elbo._gp: the sparse variational GP (src/elbo/gp) behind elbo.gp.
//
// numpy arrays in and out (rows are points); the fit and the predictions run in
// C++ without the GIL. elbo's typed errors become ValueError with elbo's message.
#include <dlfcn.h>
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "elbo/core/error.hpp"
#include "elbo/gp/collapsed_bound.hpp"
#include "elbo/gp/kernel_spec.hpp"
#include "elbo/gp/likelihoods.hpp"
#include "elbo/gp/svgp.hpp"
#include "elbo/gp/svgp_fit.hpp"
#include "elbo/gp_optim/collapsed_lbfgs.hpp"
#include "value_error_translator.hpp"

namespace py = pybind11;
namespace gp = elbo::gp;

namespace {

using CDoubles = py::array_t<double, py::array::c_style | py::array::forcecast>;

gp::Matrix rows_of(const CDoubles& X, const char* what) {
  if (X.ndim() != 2)
    throw elbo::DomainError(std::string(what) + " must be 2-d (n_samples, n_features), got " +
                            std::to_string(X.ndim()) + "-d");
  gp::Matrix out(X.shape(0), X.shape(1));
  const double* p = X.data();
  for (Eigen::Index i = 0; i < out.rows(); ++i)
    for (Eigen::Index j = 0; j < out.cols(); ++j) out(i, j) = p[i * out.cols() + j];
  if (!out.allFinite()) throw elbo::DomainError(std::string(what) + " has non-finite values");
  return out;
}

gp::SvgpMethod method_of(const std::string& m) {
  if (m == "collapsed") return gp::SvgpMethod::collapsed;
  if (m == "natural") return gp::SvgpMethod::natural_gradient;
  if (m == "adam") return gp::SvgpMethod::adam;
  throw elbo::ConfigError("method must be 'collapsed', 'natural' or 'adam', got '" + m + "'");
}

void set_blas_threads(int threads) {
  if (threads <= 0) return;
  if (auto set = reinterpret_cast<void (*)(int)>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(threads);
}

struct FitSettings {
  std::string kernel = "rbf", likelihood = "gaussian", method = "collapsed", optimizer = "lbfgs",
              inducing_start = "auto";
  int64_t num_inducing = 0, steps = 1000, batch_size = 1024;
  double learning_rate = 0.01, natural_step = 0.1, noise = 1.0, lengthscale = 1.0, jitter = 1e-6;
  bool learn_inducing = true;
  uint64_t seed = 1;
  int threads = 0;
};

class FittedGp {
 public:
  FittedGp(const CDoubles& X_in, const CDoubles& y_in, const py::object& inducing_points, const FitSettings& s) {
    const gp::Matrix X = rows_of(X_in, "X");
    if (y_in.ndim() != 1 || y_in.shape(0) != X.rows())
      throw elbo::DomainError("y must be 1-d with one value per row of X (" + std::to_string(X.rows()) + ")");
    const gp::Vector y = Eigen::Map<const gp::Vector>(y_in.data(), y_in.shape(0));
    gp::Matrix Z;
    if (!inducing_points.is_none()) Z = rows_of(inducing_points.cast<CDoubles>(), "inducing");
    py::gil_scoped_release release;
    set_blas_threads(s.threads);
    gp::SvgpFitOptions options;
    options.method = method_of(s.method);
    options.steps = s.steps;
    options.batch_size = s.batch_size;
    options.learning_rate = s.learning_rate;
    options.natural_step = s.natural_step;
    options.learn_inducing = s.learn_inducing;
    options.seed = s.seed;
    auto likelihood = gp::make_likelihood(s.likelihood, s.noise);
    likelihood->check_targets(y, "y", "y");
    if (options.method == gp::SvgpMethod::collapsed && s.likelihood != "gaussian")
      throw elbo::ConfigError("method 'collapsed' needs likelihood 'gaussian', got '" + s.likelihood + "'");
    if (s.optimizer != "lbfgs" && s.optimizer != "adam")
      throw elbo::ConfigError("optimizer must be 'lbfgs' or 'adam', got '" + s.optimizer + "'");
    const bool lbfgs = options.method == gp::SvgpMethod::collapsed && s.optimizer == "lbfgs";
    auto kernel = gp::make_kernel(s.kernel, X.cols(), s.lengthscale);
    if (Z.size() == 0)
      Z = gp::starting_inducing_points(s.inducing_start, options.method, *kernel, X, s.num_inducing, s.seed);
    else
      gp::resolve_inducing_start(s.inducing_start, options.method);  // a bad name is an error either way
    if (Z.cols() != X.cols())
      throw elbo::DomainError("inducing points have " + std::to_string(Z.cols()) + " columns, X has " +
                              std::to_string(X.cols()));
    model_ = std::make_unique<gp::Svgp>(std::move(kernel), std::move(likelihood), std::move(Z), s.jitter);
    if (lbfgs) {  // the bound's own optimum, as SGPR fits it (gp_optim/)
      gp::CollapsedLbfgsOptions lo;
      lo.max_iterations = s.steps;
      lo.learn_inducing = s.learn_inducing;
      const auto outcome = gp::fit_collapsed_lbfgs(*model_, X, y, lo,
                                                   [this](int64_t, double bound) { trace_.push_back(bound); });
      iterations_ = outcome.iterations;
      converged_ = outcome.converged;
    } else {
      gp::SvgpFitState state = gp::start_svgp_fit(X.rows(), options);
      gp::fit_svgp(*model_, X, y, options, state);
      trace_ = state.trace;
      iterations_ = state.step;
    }
    // The last Adam step moved the hyperparameters: put q(v) back at its optimum
    // (after L-BFGS it is there already; the bound is reported either way).
    if (options.method == gp::SvgpMethod::collapsed) {
      if (!lbfgs) model_->natural_gradient_step(X, y, 1.0, 1.0);
      const auto& g = dynamic_cast<const gp::GaussianLikelihood&>(model_->likelihood());
      bound_ = gp::collapsed_bound(model_->kernel(), X, y, model_->inducing(), g.noise_variance(), s.jitter).value;
    }
  }

  py::tuple predict(const CDoubles& X_in, bool latent) const {
    const gp::Matrix X = rows_of(X_in, "X");
    if (X.cols() != model_->inducing().cols())
      throw elbo::DomainError("X has " + std::to_string(X.cols()) + " columns, the model was fitted on " +
                              std::to_string(model_->inducing().cols()));
    gp::Vector m, v, mean, var;
    {
      py::gil_scoped_release release;
      model_->predict_latent(X, m, v);
      if (latent) {
        mean = m;
        var = v;
      } else {
        model_->likelihood().predict(m, v, mean, var);
      }
    }
    return py::make_tuple(mean, var);
  }

  const std::vector<double>& trace() const { return trace_; }
  double bound() const { return bound_; }
  int64_t iterations() const { return iterations_; }
  bool converged() const { return converged_; }
  gp::Matrix inducing() const { return model_->inducing(); }
  std::vector<std::string> param_names() const {
    std::vector<std::string> out;
    model_->kernel().param_names("kernel.", out);
    std::vector<std::string> lik;
    model_->likelihood().param_names(lik);
    for (auto& n : lik) out.push_back("likelihood." + n);
    return out;
  }
  std::vector<double> params() const {
    std::vector<double> out;
    model_->kernel().constrained_params(out);
    model_->likelihood().constrained_params(out);
    return out;
  }

 private:
  std::unique_ptr<gp::Svgp> model_;
  std::vector<double> trace_;
  double bound_ = std::numeric_limits<double>::quiet_NaN();
  int64_t iterations_ = 0;  // L-BFGS iterations or SVGP steps run
  bool converged_ = false;  // L-BFGS's convergence test passed
};

}  // namespace

PYBIND11_MODULE(_gp, m) {
  m.doc() = "elbo's sparse variational GP (use elbo.gp, not this module)";
  elbo_python::register_value_error_translator();
  py::class_<FittedGp>(m, "FittedGp")
      .def(py::init([](const CDoubles& X, const CDoubles& y, const py::object& inducing_points, int64_t num_inducing,
                       const std::string& kernel, const std::string& likelihood, const std::string& method,
                       int64_t steps, int64_t batch_size, double learning_rate, double natural_step, double noise,
                       double lengthscale, double jitter, bool learn_inducing, uint64_t seed, int threads,
                       const std::string& optimizer, const std::string& inducing_start) {
             FitSettings s;
             s.num_inducing = num_inducing;
             s.kernel = kernel;
             s.likelihood = likelihood;
             s.method = method;
             s.steps = steps;
             s.batch_size = batch_size;
             s.learning_rate = learning_rate;
             s.natural_step = natural_step;
             s.noise = noise;
             s.lengthscale = lengthscale;
             s.jitter = jitter;
             s.learn_inducing = learn_inducing;
             s.seed = seed;
             s.threads = threads;
             s.optimizer = optimizer;
             s.inducing_start = inducing_start;
             return std::make_unique<FittedGp>(X, y, inducing_points, s);
           }),
           py::arg("X"), py::arg("y"), py::arg("inducing_points"), py::arg("num_inducing"), py::arg("kernel"),
           py::arg("likelihood"), py::arg("method"), py::arg("steps"), py::arg("batch_size"),
           py::arg("learning_rate"), py::arg("natural_step"), py::arg("noise"), py::arg("lengthscale"),
           py::arg("jitter"), py::arg("learn_inducing"), py::arg("seed"), py::arg("threads"), py::arg("optimizer"),
           py::arg("inducing_start"))
      .def("predict", &FittedGp::predict, py::arg("X"), py::arg("latent"))
      .def_property_readonly("trace", &FittedGp::trace)
      .def_property_readonly("bound", &FittedGp::bound)
      .def_property_readonly("iterations", &FittedGp::iterations)
      .def_property_readonly("converged", &FittedGp::converged)
      .def_property_readonly("inducing", &FittedGp::inducing)
      .def_property_readonly("param_names", &FittedGp::param_names)
      .def_property_readonly("params", &FittedGp::params);
}
