#pragma once
// The update rule of a stochastic-gradient method. Parameters' .grad() hold
// the gradient of the loss (= −surrogate); step(t) applies one update with the
// step size of iteration t. State is serialisable for checkpoints.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "elbo/optim/step_schedule.hpp"

namespace torch::serialize {
class OutputArchive;
class InputArchive;
}  // namespace torch::serialize

namespace elbo::optim {

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;
  virtual void step(int64_t t) = 0;
  virtual void zero_grad() = 0;
  virtual void save(torch::serialize::OutputArchive& archive) const = 0;
  virtual void load(torch::serialize::InputArchive& archive) = 0;
};

using OptimizerPtr = std::unique_ptr<Optimizer>;

/// Which optimizer and step-size policy; parsed from the CLI.
struct OptimizerOptions {
  /// "adam", "adagrad", "rmsprop", "sgd" (torch::optim) or "stan" (Stan's
  /// ADVI adaptive step-size sequence).
  std::string method = "adam";
  /// Base step size η.
  double eta = 0.1;
  /// "constant" or "robbins_monro" (torch optimizers only).
  std::string schedule = "robbins_monro";
  double tau = 1000.0;
  double kappa = 0.75;
};

/// Builds the optimizer; throws ConfigError on unknown names or bad values.
OptimizerPtr make_optimizer(const OptimizerOptions& options, std::vector<at::Tensor> params);

}  // namespace elbo::optim
