#include <torch/torch.h>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/optim/optimizer.hpp"
#include "elbo/optim/stan_adaptive_step.hpp"
#include "elbo/optim/torch_optimizer.hpp"

namespace elbo::optim {

namespace {

StepSchedulePtr make_schedule(const OptimizerOptions& o) {
  if (o.schedule == "constant") return std::make_shared<ConstantStep>(o.eta);
  if (o.schedule == "robbins_monro") return std::make_shared<RobbinsMonroStep>(o.eta, o.tau, o.kappa);
  throw ConfigError("--schedule: unknown step-size schedule '" + o.schedule +
                    "'; expected constant or robbins_monro");
}

}  // namespace

OptimizerPtr make_optimizer(const OptimizerOptions& o, std::vector<at::Tensor> params) {
  if (!(o.eta > 0) || !std::isfinite(o.eta)) {
    throw ConfigError(check_message("optimizer", "eta", -1, o.eta, "positive finite"));
  }
  if (o.method == "stan") return std::make_unique<StanAdaptiveStep>(std::move(params), o.eta);
  auto schedule = make_schedule(o);
  std::unique_ptr<torch::optim::Optimizer> opt;
  if (o.method == "adam") {
    opt = std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(o.eta));
  } else if (o.method == "adagrad") {
    opt = std::make_unique<torch::optim::Adagrad>(params, torch::optim::AdagradOptions(o.eta));
  } else if (o.method == "rmsprop") {
    opt = std::make_unique<torch::optim::RMSprop>(params, torch::optim::RMSpropOptions(o.eta));
  } else if (o.method == "sgd") {
    opt = std::make_unique<torch::optim::SGD>(params, torch::optim::SGDOptions(o.eta));
  } else {
    throw ConfigError("--optimizer: unknown optimizer '" + o.method +
                      "'; expected adam, adagrad, rmsprop, sgd or stan");
  }
  return std::make_unique<TorchOptimizer>(o.method, std::move(opt), std::move(schedule));
}

}  // namespace elbo::optim
