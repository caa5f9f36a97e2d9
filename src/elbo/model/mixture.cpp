#include "elbo/model/mixture.hpp"

#include <torch/torch.h>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::model {

at::Tensor align_draws(const at::Tensor& t, int64_t rank) {
  if (t.dim() > rank) {
    throw DomainError("align_draws: a tensor of shape " + shape_string(t.sizes()) +
                      " has more than " + std::to_string(rank) + " dimensions");
  }
  if (t.dim() == 0 || t.dim() == rank) return t;
  auto shape = t.sizes().vec();
  shape.resize(rank, 1);
  return t.reshape(shape);
}

at::Tensor log_mix(const at::Tensor& log_weights, const at::Tensor& component_log_probs) {
  const auto& lp = component_log_probs;
  if (lp.dim() < 1) throw DomainError("log_mix: component_log_probs must have a component dimension");
  if (log_weights.dim() < 1 || log_weights.size(-1) != lp.size(-1)) {
    throw DomainError("log_mix: log_weights of shape " + shape_string(log_weights.sizes()) +
                      " and component_log_probs of shape " + shape_string(lp.sizes()) +
                      " must have the same number of components (last dimension)");
  }
  auto w = log_weights;
  if (w.dim() >= 2 && w.dim() < lp.dim()) {
    // [K, C] against [K, N, ..., C]: one weight vector per draw, for every data point.
    auto shape = w.sizes().vec();
    shape.insert(shape.end() - 1, lp.dim() - w.dim(), 1);
    w = w.reshape(shape);
  }
  return torch::logsumexp(w + lp, -1);
}

at::Tensor log_mix(const at::Tensor& theta, const at::Tensor& lp1, const at::Tensor& lp2) {
  const int64_t rank = std::max(lp1.dim(), lp2.dim());
  auto t = align_draws(theta, rank);
  auto terms = torch::stack(torch::broadcast_tensors(
                                {torch::log(t) + lp1, torch::log1p(-t) + lp2}),
                            -1);
  return torch::logsumexp(terms, -1);
}

at::Tensor log_sum_exp(const at::Tensor& x, int64_t dim) { return torch::logsumexp(x, dim); }

}  // namespace elbo::model
