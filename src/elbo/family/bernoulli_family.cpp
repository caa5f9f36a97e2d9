#include "elbo/family/bernoulli_family.hpp"

#include <torch/torch.h>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/dist/relaxed_bernoulli.hpp"
#include "elbo/family/overdispersion.hpp"

namespace elbo::family {

BernoulliFamily::BernoulliFamily(int64_t dim) : Family(dim) {
  check_option_positive("BernoulliFamily", "dim", static_cast<double>(dim));
  logits = register_parameter("logits", torch::zeros({dim}, torch::kDouble));
}

at::Tensor BernoulliFamily::rsample(int64_t, at::Generator) {
  throw DomainError(
      "bernoulli family: discrete draws have no reparameterisation; use a score-function "
      "objective (reinforce) or the Gumbel-softmax relaxation");
}

at::Tensor BernoulliFamily::sample(int64_t num_draws, at::Generator gen) {
  torch::NoGradGuard no_grad;
  auto p = logits.sigmoid().expand({num_draws, dim()});
  return torch::bernoulli(p, gen);
}

at::Tensor BernoulliFamily::log_prob_factors(const at::Tensor& theta) {
  return theta * logits - torch::softplus(logits);
}

at::Tensor BernoulliFamily::log_prob(const at::Tensor& theta) {
  return (theta * logits).sum(-1) - torch::softplus(logits).sum();
}

at::Tensor BernoulliFamily::log_prob_stop_gradient(const at::Tensor& theta) {
  auto l = logits.detach();
  return (theta * l).sum(-1) - torch::softplus(l).sum();
}

at::Tensor BernoulliFamily::entropy() {
  return (torch::softplus(logits) - logits * logits.sigmoid()).sum();
}

at::Tensor BernoulliFamily::mean() { return logits.detach().sigmoid(); }

at::Tensor BernoulliFamily::covariance() {
  auto p = mean();
  return torch::diag(p * (1 - p));
}

void BernoulliFamily::initialize(const at::Tensor& location) {
  check_shape("BernoulliFamily::initialize", "location", location, {dim()});
  check_finite("BernoulliFamily::initialize", "location", location);
  torch::NoGradGuard no_grad;
  auto p = location.to(torch::kDouble).clamp(0.05, 0.95);
  logits.copy_(p.log() - (-p).log1p());
}

std::shared_ptr<Family> BernoulliFamily::clone_family() const {
  auto copy = std::make_shared<BernoulliFamily>(dim());
  torch::NoGradGuard no_grad;
  copy->logits.copy_(logits);
  return copy;
}

std::vector<std::vector<int64_t>> BernoulliFamily::factor_coordinates() const {
  std::vector<std::vector<int64_t>> out;
  for (int64_t d = 0; d < dim(); ++d) out.push_back({d});
  return out;
}

std::vector<at::Tensor> BernoulliFamily::parameter_factors() {
  return {torch::arange(dim(), torch::TensorOptions().dtype(torch::kLong))};
}

std::vector<at::Tensor> BernoulliFamily::score(const at::Tensor& theta) {
  torch::NoGradGuard no_grad;
  return {theta - logits.sigmoid()};
}

std::shared_ptr<Family> BernoulliFamily::overdispersed(double tau) const {
  check_overdispersion("BernoulliFamily::overdispersed", tau);
  auto copy = std::make_shared<BernoulliFamily>(dim());
  torch::NoGradGuard no_grad;
  copy->logits.copy_(logits / tau);
  copy->logits.set_requires_grad(false);
  return copy;
}

at::Tensor BernoulliFamily::rsample_relaxed(int64_t num_draws, double temperature,
                                            bool straight_through, at::Generator gen) {
  dist::RelaxedBernoulli relaxed(temperature, logits);
  return straight_through ? relaxed.rsample_straight_through({num_draws}, gen)
                          : relaxed.rsample({num_draws}, gen);
}

}  // namespace elbo::family
