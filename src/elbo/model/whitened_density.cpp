#include "elbo/model/whitened_density.hpp"

#include <torch/torch.h>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::model {

WhitenedDensity::WhitenedDensity(std::shared_ptr<const LogDensity> p, at::Tensor shift,
                                 at::Tensor scale_tril)
    : p_(std::move(p)) {
  if (!p_) throw ConfigError("WhitenedDensity: the log density is null");
  const int64_t D = p_->dim();
  check_shape("WhitenedDensity", "shift", shift, {D});
  check_shape("WhitenedDensity", "scale_tril", scale_tril, {D, D});
  check_finite("WhitenedDensity", "shift", shift);
  check_finite("WhitenedDensity", "scale_tril", scale_tril);
  shift_ = shift.detach().to(torch::kDouble).clone();
  scale_tril_ = scale_tril.detach().to(torch::kDouble).tril();
  auto diag = scale_tril_.diagonal();
  if (!(diag > 0).all().item<bool>()) {
    throw DomainError("WhitenedDensity: scale_tril must have a positive diagonal");
  }
  diagonal_ = torch::equal(scale_tril_, torch::diag(diag));
  log_abs_det_ = diag.log().sum().item<double>();
}

int64_t WhitenedDensity::dim() const { return p_->dim(); }
int64_t WhitenedDensity::num_data() const { return p_->num_data(); }

at::Tensor WhitenedDensity::to_theta(const at::Tensor& u) const {
  return shift_ + torch::matmul(u, scale_tril_.t());
}

at::Tensor WhitenedDensity::to_u(const at::Tensor& theta) const {
  auto centred = (theta - shift_).t();  // [D, K]
  return torch::linalg_solve_triangular(scale_tril_, centred, /*upper=*/false).t();
}

at::Tensor WhitenedDensity::log_prob(const at::Tensor& u, const Subsample& data) const {
  return p_->log_prob(to_theta(u), data) + log_abs_det_;
}

LogProbAndGradient WhitenedDensity::log_prob_and_gradient(const at::Tensor& u,
                                                          const Subsample& data) const {
  auto out = p_->log_prob_and_gradient(to_theta(u.detach()), data);
  out.log_p = out.log_p + log_abs_det_;
  out.gradient = torch::matmul(out.gradient, scale_tril_);
  return out;
}

at::Tensor WhitenedDensity::hessian(const at::Tensor& u) const {
  auto h = p_->hessian(to_theta(u.detach().unsqueeze(0)).squeeze(0));
  return torch::matmul(scale_tril_.t(), torch::matmul(h, scale_tril_));
}

at::Tensor WhitenedDensity::log_prob_terms(const at::Tensor& u, const Subsample& data) const {
  if (!diagonal_) return log_prob(u, data).unsqueeze(1);
  auto terms = p_->log_prob_terms(to_theta(u), data);
  // The constant goes with the first term so rows still sum to log_prob.
  auto shift = torch::zeros({terms.size(1)}, terms.options());
  shift[0] = log_abs_det_;
  return terms + shift;
}

std::vector<std::vector<int64_t>> WhitenedDensity::term_coordinates() const {
  return diagonal_ ? p_->term_coordinates() : std::vector<std::vector<int64_t>>{};
}

}  // namespace elbo::model
