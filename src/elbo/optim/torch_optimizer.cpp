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
  try {
    optimizer_->load(archive);
  } catch (const c10::Error&) {
    throw;
  } catch (const std::exception& e) {
    // LibTorch's loaders read counters with item<int64_t>(): a forged float too large
    // for one throws c10's bare std::runtime_error ("cannot be converted ... without
    // overflow"); made a c10::Error, the load error it is.
    TORCH_CHECK(false, "optimizer state: ", e.what());
  }
  check_optimizer_state(*optimizer_);
}

void check_optimizer_state(torch::optim::Optimizer& optimizer) {
  namespace to = torch::optim;
  int64_t index = 0;
  for (auto& group : optimizer.param_groups()) {
    for (auto& p : group.params()) {
      const int64_t i = index++;
      auto it = optimizer.state().find(c10::guts::to_string(p.unsafeGetTensorImpl()));
      if (it == optimizer.state().end()) continue;
      int64_t step = 0;
      std::vector<at::Tensor> required, optional;  // moments; the last required ones non-negative
      std::vector<at::Tensor> nonnegative;
      if (auto* s = dynamic_cast<to::AdamParamState*>(it->second.get())) {
        step = s->step();
        required = {s->exp_avg(), s->exp_avg_sq()};
        nonnegative = {s->exp_avg_sq(), s->max_exp_avg_sq()};
        optional = {s->max_exp_avg_sq()};
      } else if (auto* s = dynamic_cast<to::AdagradParamState*>(it->second.get())) {
        step = s->step();
        required = nonnegative = {s->sum()};
      } else if (auto* s = dynamic_cast<to::RMSpropParamState*>(it->second.get())) {
        step = s->step();
        required = nonnegative = {s->square_avg()};
        optional = {s->momentum_buffer(), s->grad_avg()};
      } else if (auto* s = dynamic_cast<to::SGDParamState*>(it->second.get())) {
        optional = {s->momentum_buffer()};
      }
      const auto like_p = [&](const at::Tensor& t) {
        return t.sizes().equals(p.sizes()) && t.scalar_type() == p.scalar_type() && torch::isfinite(t).all().item<bool>();
      };
      // Bounded so that the next step's `step + 1` cannot overflow (a forged 2^63 - 1 was UB).
      bool ok = step >= 0 && step <= (int64_t{1} << 53);
      for (const auto& t : required) ok = ok && t.defined() && like_p(t);
      for (const auto& t : optional) ok = ok && (!t.defined() || like_p(t));
      for (const auto& t : nonnegative) ok = ok && (!t.defined() || (t >= 0).all().item<bool>());
      TORCH_CHECK(ok, "optimizer state of parameter ", i,
                  ": a step outside [0, 2^53], or moments not of the parameter's shape and dtype, not finite or negative");
    }
  }
}

}  // namespace elbo::optim
