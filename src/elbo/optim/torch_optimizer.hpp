#pragma once
// A torch::optim optimizer (Adam, Adagrad, RMSprop, SGD) driven by a
// StepSchedule: before each step every parameter group's learning rate is set
// to ρ_t.
#include <torch/optim/optimizer.h>

#include "elbo/optim/optimizer.hpp"

namespace elbo::optim {

/// The state a checkpoint gave `optimizer` must be that of its parameters —
/// torch's load takes any tensors, and a step on moments of another shape
/// fails (elbo's fused Adam reads them by raw pointer) or, with NaN or negative
/// moments, makes the parameters NaN. Throws c10::Error (a load error) if not.
void check_optimizer_state(torch::optim::Optimizer& optimizer);

class TorchOptimizer : public Optimizer {
 public:
  TorchOptimizer(std::string name, std::unique_ptr<torch::optim::Optimizer> optimizer,
                 StepSchedulePtr schedule);
  std::string name() const override { return name_; }
  void step(int64_t t) override;
  /// Resets gradients to undefined (PyTorch's set_to_none): backward then
  /// stores the new gradient instead of zeroing and adding into the old one.
  /// A parameter with no gradient is skipped by every torch::optim update.
  void zero_grad() override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  std::string name_;
  std::unique_ptr<torch::optim::Optimizer> optimizer_;
  StepSchedulePtr schedule_;
};

}  // namespace elbo::optim
