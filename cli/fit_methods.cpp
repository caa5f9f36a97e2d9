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
#include "elbo/infer/pathfinder.hpp"
#include "elbo/infer/posterior_start.hpp"
#include "elbo/family/whitened_family.hpp"
#include "elbo/model/whitened_density.hpp"
#include "elbo/infer/svgd.hpp"
#include "fit_auto.hpp"

namespace elbo_cli {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

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
  nlohmann::json restarts = nlohmann::json::array();
  for (const auto& r : fit.svi.restarts) {
    restarts.push_back({{"iteration", r.iteration},
                        {"elbo", std::isfinite(r.elbo) ? nlohmann::json(r.elbo) : nlohmann::json(nullptr)},
                        {"best_elbo", std::isfinite(r.best_elbo) ? nlohmann::json(r.best_elbo) : nlohmann::json(nullptr)},
                        {"eta", r.eta}, {"reason", r.reason}});
  }
  out.details = {{"skipped_steps", fit.svi.skipped_steps},
                 {"dropped_draws", fit.svi.dropped_draws},
                 {"averaged_iterations", fit.svi.averaged_iterations},
                 {"whitened", fit.whitened},
                 {"restarts", restarts}};
  out.dropped_draws = fit.svi.dropped_draws;
  out.gradient_draws = fit.svi.iterations * advi_options.grad_draws;
  out.restarts = static_cast<int64_t>(fit.svi.restarts.size());
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

MethodFit fit_pathfinder(std::shared_ptr<const elbo::model::ConstrainedDensity> density,
                         const FitCliOptions& o, const MethodProgress& progress,
                         const at::Tensor& init) {
  elbo::check_option_positive("fit", "--num-paths", static_cast<double>(o.num_paths));
  MethodFit out;
  out.density = std::move(density);
  auto options = elbo::infer::PathfinderOptions().num_paths(o.num_paths).seed(o.seed);
  if (o.max_iterations > 0) options.lbfgs().max_iterations(o.max_iterations);
  if (init.defined()) options.init(init);
  if (progress) progress(0, 1, kNaN);
  auto fit = elbo::infer::pathfinder(out.density, options);
  if (progress) progress(1, 1, kNaN);
  out.q = fit.q;
  nlohmann::json paths = nlohmann::json::array();
  int64_t failed = 0;
  bool any_converged = false;
  for (const auto& path : fit.paths) {
    out.iterations += path.iterations;
    failed += path.failed ? 1 : 0;
    any_converged = any_converged || (!path.failed && path.status <= elbo::optim::LbfgsStatus::parameter);
    paths.push_back({{"elbo", std::isfinite(path.elbo) ? nlohmann::json(path.elbo) : nlohmann::json(nullptr)},
                     {"best_iteration", path.best_iteration}, {"iterations", path.iterations},
                     {"lbfgs_status", elbo::optim::to_string(path.status)},
                     {"failed", path.failed}, {"message", path.message}});
    if (!path.failed) {
      out.trace.push_back({static_cast<int64_t>(out.trace.size() + 1), path.elbo, kNaN});
    }
  }
  // A path ends at a mode (Stan's tests) or, without one, where its best
  // Gaussian was found; either way the approximation is the best along it.
  out.converged = failed == 0;
  out.message = std::to_string(fit.paths.size() - failed) + " of " +
                std::to_string(fit.paths.size()) + " paths" +
                (failed ? " (" + std::to_string(failed) + " failed)" : "") +
                (any_converged ? "; L-BFGS converged" : "; no path reached a mode");
  out.bound = "ELBO (best per path)";
  // The paper's last step: PSIS importance resampling of the pooled draws.
  out.resample = o.resample == "never" ? "auto" : o.resample;
  out.start = init.defined() ? "--init" : "uniform(-2, 2) per path";
  out.details = {{"paths", paths}, {"best_path", fit.best_path},
                 {"gradient_evaluations", fit.gradient_evaluations},
                 {"density_evaluations", fit.density_evaluations}, {"seconds", fit.seconds}};
  return out;
}

// The coordinates SVGD and boosting work in: standardised by the posterior's
// start (mode and scale, infer/posterior_start), as ADVI's families are, so
// the same step sizes and N(0, I) initial particles suit every posterior.
struct Whitening {
  std::shared_ptr<const elbo::model::LogDensity> target;  // p, or p in whitened coordinates
  std::shared_ptr<const elbo::model::WhitenedDensity> whitened;  // null when not whitened
  std::string message;
};

Whitening whiten_for(const std::shared_ptr<const elbo::model::ConstrainedDensity>& density,
                     const FitCliOptions& o, const at::Tensor& init, bool diagonal) {
  Whitening out{density, nullptr, ""};
  if (o.init == "zero" || o.init == "random") {
    out.message = "--init " + o.init + ": not whitened";
    return out;
  }
  elbo::infer::PosteriorStartOptions start_options;
  if (init.defined()) start_options.laplace.init(init.to(torch::kDouble));
  start_options.pathfinder_seed = o.seed;
  auto start = elbo::infer::find_posterior_start(density, start_options);
  if (!start.found) {
    out.message = "not whitened (" + start.message + ")";
    return out;
  }
  auto L = diagonal ? torch::diag(start.scale_tril.square().sum(1).sqrt()) : start.scale_tril;
  out.whitened = std::make_shared<elbo::model::WhitenedDensity>(density, start.mode, L);
  out.target = out.whitened;
  out.message = std::string("in coordinates whitened by the start (") + start.message + ")";
  return out;
}

MethodFit fit_boosting(std::shared_ptr<const elbo::model::ConstrainedDensity> density, const FitCliOptions& o,
                       const MethodProgress& progress, const at::Tensor& init) {
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
  // Components in whitened coordinates (diagonal for mean-field ones).
  auto whitening = whiten_for(out.density, o, init, o.family == "meanfield");
  auto fit = elbo::infer::variational_boosting(whitening.target, options);
  out.q = fit.q;
  if (whitening.whitened) {
    out.q = std::make_shared<elbo::family::WhitenedFamily>(fit.q, whitening.whitened->shift(),
                                                          whitening.whitened->scale_tril());
  }
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
  out.start = "zero, " + whitening.message;
  out.details = {{"stages", stages}, {"whitened", whitening.whitened != nullptr}};
  return out;
}

MethodFit fit_svgd(std::shared_ptr<const elbo::model::ConstrainedDensity> density, const FitCliOptions& o,
                   const MethodProgress& progress, const at::Tensor& init) {
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
  // Particles start N(0, I) in whitened coordinates: around the mode, one
  // posterior sd apart, whatever the posterior's scales.
  auto whitening = whiten_for(out.density, o, init, false);
  elbo::infer::Svgd svgd(whitening.target, options);
  const int64_t total = options.max_iterations();
  const auto start = std::chrono::steady_clock::now();
  for (int64_t t = 0; t < total; ++t) {
    svgd.step();
    if (progress && (t + 1) % 10 == 0) progress(t + 1, total, kNaN);
  }
  out.particles = svgd.particles().detach();
  if (whitening.whitened) out.particles = whitening.whitened->to_theta(out.particles);
  out.iterations = total;
  out.message = "SVGD moved " + std::to_string(o.particles) + " particles";
  out.eta = eta;
  out.start = "particles ~ N(0, I), " + whitening.message;
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
  if (o.method != "advi" && o.method != "auto" && o.objective != "elbo") {
    throw elbo::ConfigError("--objective applies to --method advi (it is '" + o.method + "')");
  }
  if (o.resume && o.method != "advi") {
    throw elbo::ConfigError("--resume applies to --method advi (it is '" + o.method + "')");
  }
  if (o.method == "advi") return fit_advi(std::move(density), o, progress, init);
  if (o.method == "auto") return fit_auto(std::move(density), o, progress, init);
  if (o.method == "laplace") return fit_laplace(std::move(density), init);
  if (o.method == "pathfinder") return fit_pathfinder(std::move(density), o, progress, init);
  if (o.method == "boosting") return fit_boosting(std::move(density), o, progress, init);
  if (o.method == "svgd") return fit_svgd(std::move(density), o, progress, init);
  if (o.method == "constant_sgd") return fit_constant_sgd(std::move(density), o, progress);
  throw elbo::ConfigError("--method is '" + o.method +
                          "', but must be auto, advi, laplace, pathfinder, boosting, svgd or constant_sgd");
}

}  // namespace elbo_cli
