#include "elbo/family/categorical_family.hpp"

#include <torch/torch.h>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/dist/relaxed_categorical.hpp"
#include "elbo/family/overdispersion.hpp"

namespace elbo::family {

namespace {
int64_t checked_dim(int64_t num_latents, int64_t num_classes) {
  check_option_positive("CategoricalFamily", "num_latents", static_cast<double>(num_latents));
  if (num_classes < 2) {
    throw ConfigError(check_message("CategoricalFamily", "num_classes", -1,
                                    static_cast<double>(num_classes), "at least 2"));
  }
  return num_latents * num_classes;
}
}  // namespace

CategoricalFamily::CategoricalFamily(int64_t num_latents, int64_t num_classes)
    : Family(checked_dim(num_latents, num_classes)),
      num_latents_(num_latents),
      num_classes_(num_classes) {
  logits = register_parameter("logits", torch::zeros({num_latents, num_classes}, torch::kDouble));
}

at::Tensor CategoricalFamily::rsample(int64_t, at::Generator) {
  throw DomainError(
      "categorical family: discrete draws have no reparameterisation; use a score-function "
      "objective (reinforce) or the Gumbel-softmax relaxation");
}

at::Tensor CategoricalFamily::sample(int64_t num_draws, at::Generator gen) {
  torch::NoGradGuard no_grad;
  auto probs = logits.softmax(-1);                                    // [N, C]
  auto index = torch::multinomial(probs, num_draws, /*replacement=*/true, gen);  // [N, K]
  auto one_hot = torch::zeros({num_draws, num_latents_, num_classes_}, logits.options());
  one_hot.scatter_(2, index.t().unsqueeze(2), 1.0);
  return one_hot.reshape({num_draws, dim()});
}

at::Tensor CategoricalFamily::log_prob_factors(const at::Tensor& theta) {
  auto log_p = logits.log_softmax(-1);  // [N, C]
  return (theta.reshape({theta.size(0), num_latents_, num_classes_}) * log_p).sum(-1);
}

at::Tensor CategoricalFamily::log_prob(const at::Tensor& theta) {
  return log_prob_factors(theta).sum(-1);
}

at::Tensor CategoricalFamily::log_prob_stop_gradient(const at::Tensor& theta) {
  auto log_p = logits.detach().log_softmax(-1);
  return (theta.reshape({theta.size(0), num_latents_, num_classes_}) * log_p).sum({1, 2});
}

at::Tensor CategoricalFamily::entropy() {
  auto log_p = logits.log_softmax(-1);
  return -(log_p.exp() * log_p).sum();
}

at::Tensor CategoricalFamily::mean() { return logits.detach().softmax(-1).reshape({dim()}); }

at::Tensor CategoricalFamily::covariance() {
  auto p = logits.detach().softmax(-1);
  auto cov = torch::zeros({dim(), dim()}, p.options());
  for (int64_t n = 0; n < num_latents_; ++n) {
    auto pn = p[n];
    cov.narrow(0, n * num_classes_, num_classes_)
        .narrow(1, n * num_classes_, num_classes_)
        .copy_(torch::diag(pn) - torch::outer(pn, pn));
  }
  return cov;
}

void CategoricalFamily::initialize(const at::Tensor& location) {
  check_shape("CategoricalFamily::initialize", "location", location, {dim()});
  check_finite("CategoricalFamily::initialize", "location", location);
  torch::NoGradGuard no_grad;
  auto w = location.to(torch::kDouble).clamp(0.05, 1.0).reshape({num_latents_, num_classes_});
  logits.copy_(w.log() - w.sum(-1, true).log());
}

std::shared_ptr<Family> CategoricalFamily::clone_family() const {
  auto copy = std::make_shared<CategoricalFamily>(num_latents_, num_classes_);
  torch::NoGradGuard no_grad;
  copy->logits.copy_(logits);
  return copy;
}

std::vector<std::vector<int64_t>> CategoricalFamily::factor_coordinates() const {
  std::vector<std::vector<int64_t>> out;
  for (int64_t n = 0; n < num_latents_; ++n) {
    std::vector<int64_t> cols;
    for (int64_t c = 0; c < num_classes_; ++c) cols.push_back(n * num_classes_ + c);
    out.push_back(cols);
  }
  return out;
}

std::vector<at::Tensor> CategoricalFamily::parameter_factors() {
  auto rows = torch::arange(num_latents_, torch::TensorOptions().dtype(torch::kLong));
  return {rows.unsqueeze(1).expand({num_latents_, num_classes_}).contiguous()};
}

std::vector<at::Tensor> CategoricalFamily::score(const at::Tensor& theta) {
  torch::NoGradGuard no_grad;
  return {theta.reshape({theta.size(0), num_latents_, num_classes_}) - logits.softmax(-1)};
}

std::shared_ptr<Family> CategoricalFamily::overdispersed(double tau) const {
  check_overdispersion("CategoricalFamily::overdispersed", tau);
  auto copy = std::make_shared<CategoricalFamily>(num_latents_, num_classes_);
  torch::NoGradGuard no_grad;
  copy->logits.copy_(logits / tau);
  copy->logits.set_requires_grad(false);
  return copy;
}

at::Tensor CategoricalFamily::rsample_relaxed(int64_t num_draws, double temperature,
                                              bool straight_through, at::Generator gen) {
  dist::RelaxedCategorical relaxed(temperature, logits);
  auto y = straight_through ? relaxed.rsample_straight_through({num_draws}, gen)
                            : relaxed.rsample({num_draws}, gen);
  return y.reshape({num_draws, dim()});
}

}  // namespace elbo::family
