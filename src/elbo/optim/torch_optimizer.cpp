#include "elbo/optim/torch_optimizer.hpp"

#include <torch/torch.h>

namespace elbo::optim {

TorchOptimizer::TorchOptimizer(std::string name,
                               std::unique_ptr<torch::optim::Optimizer> optimizer,
                               StepSchedulePtr schedule)
    : name_(std::move(name)), optimizer_(std::move(optimizer)), schedule_(std::move(schedule)) {}

void TorchOptimizer::step(int64_t t) {
  const double lr = schedule_->rate(t);
  for (auto& group : optimizer_->param_groups()) group.options().set_lr(lr);
  optimizer_->step();
}

void TorchOptimizer::zero_grad() {
  for (auto& group : optimizer_->param_groups()) {
    for (auto& p : group.params()) p.mutable_grad() = at::Tensor();
  }
}

void TorchOptimizer::save(torch::serialize::OutputArchive& archive) const {
  optimizer_->save(archive);
}

void TorchOptimizer::load(torch::serialize::InputArchive& archive) {
  optimizer_->load(archive);
}

}  // namespace elbo::optim
