#include "elbo/family/whitened_family.hpp"

#include <torch/torch.h>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::family {

WhitenedFamily::WhitenedFamily(FamilyPtr inner, at::Tensor shift, at::Tensor scale_tril)
    : Family(inner ? inner->dim() : 0), inner_(std::move(inner)) {
  if (!inner_) throw ConfigError("WhitenedFamily: the inner family is null");
  const int64_t D = dim();
  check_shape("WhitenedFamily", "shift", shift, {D});
  check_shape("WhitenedFamily", "scale_tril", scale_tril, {D, D});
  check_finite("WhitenedFamily", "shift", shift);
  check_finite("WhitenedFamily", "scale_tril", scale_tril);
  auto L = scale_tril.detach().to(torch::kDouble).tril().clone();
  if (!(L.diagonal() > 0).all().item<bool>()) {
    throw DomainError("WhitenedFamily: scale_tril must have a positive diagonal");
  }
  register_module("inner", inner_);
  shift_ = register_buffer("shift", shift.detach().to(torch::kDouble).clone());
  scale_tril_ = register_buffer("scale_tril", L);
  log_abs_det_ = L.diagonal().log().sum().item<double>();
}

at::Tensor WhitenedFamily::to_theta(const at::Tensor& u) const {
  return shift_ + torch::matmul(u, scale_tril_.t());
}

at::Tensor WhitenedFamily::to_u(const at::Tensor& theta) const {
  auto centred = (theta - shift_).t();
  return torch::linalg_solve_triangular(scale_tril_, centred, /*upper=*/false).t();
}

at::Tensor WhitenedFamily::rsample(int64_t num_draws, at::Generator gen) {
  return to_theta(inner_->rsample(num_draws, gen));
}

WeightedDraws WhitenedFamily::rsample_weighted(int64_t num_draws, at::Generator gen) {
  auto draws = inner_->rsample_weighted(num_draws, gen);
  draws.theta = to_theta(draws.theta);
  draws.log_q = draws.log_q - log_abs_det_;
  return draws;
}

at::Tensor WhitenedFamily::log_prob(const at::Tensor& theta) {
  return inner_->log_prob(to_u(theta)) - log_abs_det_;
}

at::Tensor WhitenedFamily::log_prob_stop_gradient(const at::Tensor& theta) {
  return inner_->log_prob_stop_gradient(to_u(theta)) - log_abs_det_;
}

at::Tensor WhitenedFamily::entropy() { return inner_->entropy() + log_abs_det_; }

at::Tensor WhitenedFamily::mean() {
  return to_theta(inner_->mean().unsqueeze(0)).squeeze(0);
}

at::Tensor WhitenedFamily::covariance() {
  return torch::matmul(scale_tril_, torch::matmul(inner_->covariance(), scale_tril_.t()));
}

void WhitenedFamily::initialize(const at::Tensor& location) {
  check_shape("WhitenedFamily::initialize", "location", location, {dim()});
  inner_->initialize(to_u(location.to(torch::kDouble).unsqueeze(0)).squeeze(0));
}

void WhitenedFamily::initialize_gaussian(const at::Tensor& mean, const at::Tensor& precision) {
  // N(mean, A⁻¹) in θ is N(L⁻¹(mean − m), (Lᵀ A L)⁻¹) in u.
  auto A = precision.to(torch::kDouble);
  inner_->initialize_gaussian(to_u(mean.to(torch::kDouble).unsqueeze(0)).squeeze(0),
                              torch::matmul(scale_tril_.t(), torch::matmul(A, scale_tril_)));
}

std::vector<at::Tensor> WhitenedFamily::canonical_parameters(const std::vector<at::Tensor>& reference) {
  return inner_->canonical_parameters(reference);
}

std::shared_ptr<Family> WhitenedFamily::clone_family() const {
  return std::make_shared<WhitenedFamily>(inner_->clone_family(), shift_, scale_tril_);
}

}  // namespace elbo::family
