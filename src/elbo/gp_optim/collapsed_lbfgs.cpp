#include "elbo/gp_optim/collapsed_lbfgs.hpp"

#include <torch/torch.h>

#include <cmath>
#include <utility>

#include "elbo/core/error.hpp"
#include "elbo/gp/collapsed_bound.hpp"
#include "elbo/gp/likelihoods.hpp"
#include "elbo/gp/svgp_fit.hpp"
#include "elbo/optim/lbfgs.hpp"

namespace elbo::gp {

namespace {

at::Tensor to_tensor(const Vector& v) {
  return torch::from_blob(const_cast<double*>(v.data()), {v.size()}, torch::kDouble).clone();
}

Vector to_vector(const at::Tensor& t) {
  const auto c = t.to(torch::kDouble).contiguous();
  return Eigen::Map<const Vector>(c.data_ptr<double>(), c.size(0));
}

}  // namespace

CollapsedLbfgsOutcome fit_collapsed_lbfgs(Svgp& model, const Matrix& X, const Vector& y,
                                          const CollapsedLbfgsOptions& options,
                                          const CollapsedLbfgsCallback& callback) {
  if (!dynamic_cast<const GaussianLikelihood*>(&model.likelihood()))
    throw ConfigError("the collapsed bound needs the Gaussian likelihood, not " + model.likelihood().name());
  // The packing of the Adam fits (svgp_fit.hpp): kernel θ, log σ², then Z if learnt.
  SvgpFitOptions packing;
  packing.method = SvgpMethod::collapsed;
  packing.learn_inducing = options.learn_inducing;
  const Eigen::Index Pk = model.kernel().num_params();
  Svgp trial = model;  // line-search points are evaluated here, not in the caller's model

  auto bound_and_gradient = [&](const at::Tensor& xt) -> std::pair<double, at::Tensor> {
    unpack_svgp(trial, packing, to_vector(xt));
    const double noise = dynamic_cast<const GaussianLikelihood&>(trial.likelihood()).noise_variance();
    CollapsedBoundGradient g;
    const double value = collapsed_bound(trial.kernel(), X, y, trial.inducing(), noise, trial.jitter(), &g).value;
    Vector grad(xt.size(0));
    grad.head(Pk) = g.kernel;
    grad[Pk] = g.log_noise;
    if (options.learn_inducing) grad.tail(g.inducing.size()) = Eigen::Map<const Vector>(g.inducing.data(), g.inducing.size());
    return {value, to_tensor(grad)};
  };

  optim::LbfgsOptions lo;
  lo.max_iterations(options.max_iterations).history_size(options.history_size);
  const optim::LbfgsResult r = optim::lbfgs_maximize(
      bound_and_gradient, to_tensor(pack_svgp(model, packing)), lo,
      [&](int64_t iteration, const at::Tensor& x, double value) {
        unpack_svgp(model, packing, to_vector(x));
        if (callback) callback(iteration, value);
      });
  unpack_svgp(model, packing, to_vector(r.x));
  const double noise = dynamic_cast<const GaussianLikelihood&>(model.likelihood()).noise_variance();
  const CollapsedBound optimum = collapsed_bound(model.kernel(), X, y, model.inducing(), noise, model.jitter());
  model.q_mean() = optimum.q_mean;
  model.q_chol() = optimum.q_chol;

  CollapsedLbfgsOutcome out;
  out.iterations = r.iterations;
  out.evaluations = r.evaluations;
  out.converged = r.converged();
  out.status = optim::to_string(r.status);
  return out;
}

}  // namespace elbo::gp
