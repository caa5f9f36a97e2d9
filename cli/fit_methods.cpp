#include "fit_methods.hpp"

#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <limits>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/infer/advi.hpp"
#include "elbo/infer/boosting.hpp"
#include "elbo/infer/constant_sgd.hpp"
#include "elbo/infer/laplace.hpp"
#include "elbo/infer/svgd.hpp"

namespace elbo_cli {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

MethodFit fit_advi(std::shared_ptr<const elbo::model::ConstrainedDensity> density, const FitCliOptions& o,
                   const MethodProgress& progress, const at::Tensor& init) {
  auto advi_options = to_advi_options(o);
  advi_options.init_point = init;
  auto fit = elbo::infer::advi(
      std::move(density), advi_options,
      [&](const elbo::infer::SviProgress& p) {
        if (progress) progress(p.iteration, p.max_iterations, p.last_elbo);
      },
      o.resume);
  MethodFit out;
  out.density = fit.density;
  out.q = fit.q;
  out.iterations = fit.svi.iterations;
  out.converged = fit.svi.converged;
  out.message = fit.svi.message;
  out.trace = fit.svi.trace;
  out.eta = fit.eta;
  out.start = fit.init_message.empty() ? o.init : fit.init_message;
  out.resumed = fit.svi.resumed;
  out.details = {{"skipped_steps", fit.svi.skipped_steps},
                 {"dropped_draws", fit.svi.dropped_draws},
                 {"averaged_iterations", fit.svi.averaged_iterations}};
  return out;
}

MethodFit fit_laplace(std::shared_ptr<const elbo::model::ConstrainedDensity> density,
                      const at::Tensor& init) {
  MethodFit out;
  out.density = std::move(density);
  auto fit = elbo::infer::laplace(out.density, elbo::infer::LaplaceOptions().init(init));
  out.q = fit.q;
  out.iterations = fit.iterations;
  out.converged = fit.converged;
  out.message = fit.converged
                    ? "mode found (L-BFGS, " + elbo::optim::to_string(fit.status) + " test)"
                    : "L-BFGS did not converge (" + elbo::optim::to_string(fit.status) + ")";
  if (!fit.message.empty()) out.message += "; " + fit.message;
  out.start = init.defined() ? "--init" : "zero";
  out.details = {{"log_density_at_mode", fit.log_density_at_mode},
                 {"gradient_norm", fit.gradient_norm},
                 {"lbfgs_status", elbo::optim::to_string(fit.status)},
                 {"jittered", fit.jittered},
                 {"jitter", fit.jitter},
                 {"min_eigenvalue", fit.min_eigenvalue}};
  return out;
}

MethodFit fit_boosting(std::shared_ptr<const elbo::model::ConstrainedDensity> density, const FitCliOptions& o,
                       const MethodProgress& progress) {
  elbo::check_option_positive("fit", "--components", static_cast<double>(o.components));
  auto advi = to_advi_options(o);
  if (std::isnan(advi.optimizer.eta)) advi.optimizer.eta = elbo::family::kDefaultStepSize;
  if (o.family != "fullrank" && o.family != "meanfield") {
    throw elbo::ConfigError("--method boosting grows a mixture of Gaussians; --family must be "
                            "fullrank or meanfield (it is '" + o.family + "')");
  }
  MethodFit out;
  out.density = std::move(density);
  auto options = elbo::infer::BoostingOptions()
                     .num_components(o.components)
                     .full_rank(o.family == "fullrank")
                     .grad_draws(o.grad_draws)
                     .optimizer(advi.optimizer)
                     .svi(advi.svi);
  if (progress) progress(0, o.components, kNaN);
  auto fit = elbo::infer::variational_boosting(out.density, options);
  out.q = fit.q;
  nlohmann::json stages = nlohmann::json::array();
  for (const auto& stage : fit.stages) {
    out.iterations += stage.svi.iterations;
    out.trace.push_back({static_cast<int64_t>(out.trace.size() + 1), stage.elbo, kNaN});
    stages.push_back({{"components", stage.components}, {"accepted", stage.accepted},
                      {"weight", stage.weight}, {"elbo", stage.elbo},
                      {"iterations", stage.svi.iterations}, {"converged", stage.svi.converged}});
    if (progress) progress(static_cast<int64_t>(out.trace.size()), o.components, stage.elbo);
  }
  out.message = std::to_string(fit.q->num_components()) + " components after " +
                std::to_string(fit.stages.size()) + " stages";
  out.bound = "mixture ELBO (per stage)";
  out.eta = advi.optimizer.eta;
  out.start = "zero";
  out.details = {{"stages", stages}};
  return out;
}

MethodFit fit_svgd(std::shared_ptr<const elbo::model::ConstrainedDensity> density, const FitCliOptions& o,
                   const MethodProgress& progress) {
  MethodFit out;
  out.density = std::move(density);
  const double eta = std::isnan(o.eta) ? 0.1 : o.eta;
  auto options = elbo::infer::SvgdOptions()
                     .num_particles(o.particles)
                     .max_iterations(expected_iterations(o))
                     .step_size(eta)
                     .batch_size(o.batch_size)
                     .seed(o.seed)
                     .trace_every(std::max<int64_t>(1, o.eval_every));
  if (o.kernel == "imq") options.kernel(elbo::infer::SvgdKernel::imq);
  elbo::infer::Svgd svgd(out.density, options);
  const int64_t total = options.max_iterations();
  const auto start = std::chrono::steady_clock::now();
  for (int64_t t = 0; t < total; ++t) {
    svgd.step();
    if (progress && (t + 1) % 10 == 0) progress(t + 1, total, kNaN);
  }
  out.particles = svgd.particles().detach();
  out.iterations = total;
  out.message = "SVGD moved " + std::to_string(o.particles) + " particles";
  out.eta = eta;
  out.start = "particles ~ N(0, I)";
  out.details = {{"particles", o.particles}, {"kernel", o.kernel},
                 {"seconds", seconds_since(start)}};
  return out;
}

MethodFit fit_constant_sgd(std::shared_ptr<const elbo::model::ConstrainedDensity> density, const FitCliOptions& o,
                           const MethodProgress& progress) {
  MethodFit out;
  out.density = std::move(density);
  if (out.density->num_data() == 0) {
    throw elbo::ConfigError("--method constant_sgd needs a model with exchangeable data points "
                            "to subsample (this model has none)");
  }
  auto options = elbo::infer::ConstantSgdOptions()
                     .batch_size(o.batch_size > 0 ? o.batch_size : 10)
                     .step_size(std::isnan(o.eta) ? 0.0 : o.eta)
                     .precondition(o.precondition)
                     .num_draws(o.draws)
                     .burn_in(1000)
                     .seed(o.seed);
  if (progress) progress(0, 1, kNaN);
  auto fit = elbo::infer::constant_sgd(out.density, options);
  if (progress) progress(1, 1, kNaN);
  out.particles = fit.draws;
  out.iterations = fit.iterations;
  out.message = "kept " + std::to_string(fit.draws.size(0)) + " constant-SGD iterates";
  out.eta = fit.step_size;
  out.start = "MAP (L-BFGS)";
  out.details = {{"step_size", fit.step_size}, {"batch_size", options.batch_size()},
                 {"preconditioned", o.precondition}, {"seconds", fit.seconds}};
  return out;
}

}  // namespace

int64_t expected_iterations(const FitCliOptions& o) {
  if (o.max_iterations > 0) return o.max_iterations;
  return o.method == "svgd" ? 2000 : 10000;
}

MethodFit fit_method(std::shared_ptr<const elbo::model::ConstrainedDensity> density, const FitCliOptions& o,
                     const MethodProgress& progress, const at::Tensor& init) {
  if (o.method != "advi" && o.objective != "elbo") {
    throw elbo::ConfigError("--objective applies to --method advi (it is '" + o.method + "')");
  }
  if (o.resume && o.method != "advi") {
    throw elbo::ConfigError("--resume applies to --method advi (it is '" + o.method + "')");
  }
  if (o.method == "advi") return fit_advi(std::move(density), o, progress, init);
  if (o.method == "laplace") return fit_laplace(std::move(density), init);
  if (o.method == "boosting") return fit_boosting(std::move(density), o, progress);
  if (o.method == "svgd") return fit_svgd(std::move(density), o, progress);
  if (o.method == "constant_sgd") return fit_constant_sgd(std::move(density), o, progress);
  throw elbo::ConfigError("--method is '" + o.method +
                          "', but must be advi, laplace, boosting, svgd or constant_sgd");
}

}  // namespace elbo_cli
