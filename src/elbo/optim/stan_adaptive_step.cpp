#include "elbo/optim/stan_adaptive_step.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"

namespace elbo::optim {

namespace {
constexpr double kAlpha = 0.1;  // weight of the newest squared gradient
constexpr double kTau = 1.0;
constexpr double kEpsilon = 1e-16;
}  // namespace

StanAdaptiveStep::StanAdaptiveStep(std::vector<at::Tensor> params, double eta)
    : params_(std::move(params)), eta_(eta) {
  check_positive_finite("StanAdaptiveStep", "eta", eta);
  for (const auto& p : params_) running_sq_.push_back(torch::zeros_like(p));
}

void StanAdaptiveStep::step(int64_t /*t*/) {
  torch::NoGradGuard no_grad;
  ++steps_taken_;
  const double envelope = eta_ * std::pow(static_cast<double>(steps_taken_), -0.5 + kEpsilon);
  for (size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i];
    if (!p.grad().defined()) continue;
    auto g = p.grad();
    if (steps_taken_ == 1) {
      running_sq_[i].copy_(g.square());
    } else {
      running_sq_[i].mul_(1 - kAlpha).add_(g.square(), kAlpha);
    }
    // Descent on the loss = ascent on the ELBO.
    p.sub_(envelope * g / (kTau + running_sq_[i].sqrt()));
  }
}

void StanAdaptiveStep::zero_grad() {
  for (auto& p : params_) {
    if (p.grad().defined()) p.mutable_grad().zero_();
  }
}

void StanAdaptiveStep::save(torch::serialize::OutputArchive& archive) const {
  archive.write("stan_steps_taken", torch::tensor(steps_taken_));
  archive.write("stan_eta", torch::tensor(eta_, torch::kDouble));  // found by the search
  for (size_t i = 0; i < running_sq_.size(); ++i) {
    archive.write("stan_running_sq_" + std::to_string(i), running_sq_[i]);
  }
}

void StanAdaptiveStep::load(torch::serialize::InputArchive& archive) {
  // Checked as TorchOptimizer's state (check_optimizer_state): c10::Error, a load error.
  torch::Tensor steps;
  archive.read("stan_steps_taken", steps);
  // An integer tensor: item<int64_t>() of a huge float throws c10's bare overflow error.
  TORCH_CHECK(steps.scalar_type() == torch::kLong && steps.numel() == 1 && steps.item<int64_t>() >= 0,
              "stan_steps_taken is not a count");
  torch::Tensor eta;
  archive.read("stan_eta", eta);
  TORCH_CHECK(eta.numel() == 1 && std::isfinite(eta.item<double>()) && eta.item<double>() > 0,
              "stan_eta is not a positive step size");
  for (size_t i = 0; i < running_sq_.size(); ++i) {
    torch::Tensor value;
    archive.read("stan_running_sq_" + std::to_string(i), value);
    TORCH_CHECK(value.sizes().equals(running_sq_[i].sizes()) && torch::isfinite(value).all().item<bool>() &&
                    (value >= 0).all().item<bool>(),
                "stan_running_sq_", i, " is not a finite non-negative tensor of the parameter's shape");
    running_sq_[i].copy_(value);
  }
  steps_taken_ = steps.item<int64_t>();
  eta_ = eta.item<double>();
}

}  // namespace elbo::optim
