#include "elbo/distributed_vi/sharded_log_density.hpp"

#include <torch/torch.h>

#include <chrono>
#include <cstdint>

#include "elbo/core/error.hpp"

namespace elbo::distributed {

namespace {

// out = (1/size) Σ_r local_r(θ) forward; backward: (1/size) Σ_r grad_out · ∂local_r/∂θ.
// The local value is evaluated inside forward on a detached copy of θ with its
// own graph, so backward can differentiate it and reduce the [K, D] gradient
// (reducing grad_out instead would only give each rank its own rows' gradient).
class ShardedSum : public torch::autograd::Function<ShardedSum> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& theta,
                            const ShardedLogDensity* self, const model::Subsample* local) {
    at::Tensor x = theta.detach().requires_grad_(true);
    at::Tensor value;
    {
      torch::AutoGradMode enable(true);
      value = self->local().log_prob(x, *local);
    }
    ctx->saved_data["x"] = x;
    ctx->saved_data["value"] = value;
    ctx->saved_data["self"] = static_cast<int64_t>(reinterpret_cast<intptr_t>(self));
    at::Tensor out = value.detach().to(torch::kDouble).contiguous().clone();
    self->average_over_ranks(out);
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grad_outputs) {
    const auto* self =
        reinterpret_cast<const ShardedLogDensity*>(static_cast<intptr_t>(ctx->saved_data["self"].toInt()));
    const at::Tensor x = ctx->saved_data["x"].toTensor();
    const at::Tensor value = ctx->saved_data["value"].toTensor();
    at::Tensor grad;
    if (value.requires_grad()) {
      torch::AutoGradMode enable(true);
      grad = torch::autograd::grad({value}, {x}, {grad_outputs[0].to(value.scalar_type())},
                                   /*retain_graph=*/false, /*create_graph=*/false, /*allow_unused=*/true)[0];
    }
    // Every rank reduces, whether or not its local value depends on θ.
    grad = grad.defined() ? grad.to(torch::kDouble).contiguous().clone() : torch::zeros_like(x, torch::kDouble);
    self->average_over_ranks(grad);
    return {grad.to(x.scalar_type()), at::Tensor(), at::Tensor()};
  }
};

}  // namespace

ShardedLogDensity::ShardedLogDensity(std::shared_ptr<const model::ConstrainedDensity> local, int64_t first_row,
                                     int64_t total_rows, Communicator& comm)
    : local_(std::move(local)), first_(first_row), total_(total_rows), comm_(&comm) {
  if (!local_) throw ConfigError("ShardedLogDensity: the local density is null");
  local_rows_ = local_->num_data();
  if (local_rows_ < 1) {
    throw ConfigError("ShardedLogDensity: the local density has no data rows (num_data() = " +
                      std::to_string(local_rows_) + ")");
  }
  if (first_ < 0 || first_ + local_rows_ > total_) {
    throw ConfigError("ShardedLogDensity: rows [" + std::to_string(first_) + ", " +
                      std::to_string(first_ + local_rows_) + ") are not inside the " + std::to_string(total_) +
                      " global rows");
  }
}

void ShardedLogDensity::average_over_ranks(at::Tensor& t) const {
  if (t.scalar_type() != torch::kDouble || !t.is_contiguous()) t = t.to(torch::kDouble).contiguous();
  const auto start = std::chrono::steady_clock::now();
  comm_->allreduce_sum(t.data_ptr<double>(), t.numel());
  stats_.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stats_.reductions += 1;
  stats_.bytes += 8 * t.numel();
  if (comm_->size() > 1) t.div_(static_cast<double>(comm_->size()));
}

model::Subsample ShardedLogDensity::local_subsample(const model::Subsample& global) const {
  const double size = static_cast<double>(comm_->size());
  const double beta = global.likelihood_weight();
  if (global.is_full()) return model::Subsample::all(local_rows_).tempered(beta * size);
  if (global.total() != total_) {
    throw ConfigError("ShardedLogDensity: a minibatch of " + std::to_string(global.total()) +
                      " rows, but the data set has " + std::to_string(total_));
  }
  const at::Tensor& idx = global.indices();
  const at::Tensor mask = idx.ge(first_).logical_and(idx.lt(first_ + local_rows_));
  at::Tensor local_idx = idx.masked_select(mask) - first_;
  const int64_t n = local_idx.numel();
  if (n == 0) {
    // None of the minibatch is here: this rank contributes prior + Jacobian only.
    return model::Subsample::of(torch::zeros({1}, torch::kLong), local_rows_).tempered(0.0);
  }
  // Subsample::of scales by local_rows / n; the weight makes it size·β·M/S.
  const double global_scale = static_cast<double>(global.total()) / static_cast<double>(global.size());
  const double local_scale = static_cast<double>(local_rows_) / static_cast<double>(n);
  const double weight = beta * size * global_scale / local_scale;
  auto local = model::Subsample::of(local_idx, local_rows_);
  return weight == 1.0 ? local : local.tempered(weight);
}

at::Tensor ShardedLogDensity::log_prob(const at::Tensor& theta, const model::Subsample& data) const {
  const model::Subsample local = local_subsample(data);
  if (torch::GradMode::is_enabled() && theta.requires_grad()) {
    return ShardedSum::apply(theta, this, &local);
  }
  at::Tensor out = local_->log_prob(theta, local).detach().to(torch::kDouble).contiguous().clone();
  average_over_ranks(out);
  return out;
}

model::LogProbAndGradient ShardedLogDensity::log_prob_and_gradient(const at::Tensor& theta,
                                                                   const model::Subsample& data) const {
  const model::Subsample local = local_subsample(data);
  auto lg = local_->log_prob_and_gradient(theta, local);
  const int64_t K = lg.log_p.numel();
  // One reduction of [K | K·D].
  at::Tensor both = torch::cat({lg.log_p.reshape({K}).to(torch::kDouble),
                                lg.gradient.reshape({-1}).to(torch::kDouble)})
                        .contiguous();
  average_over_ranks(both);
  return {both.narrow(0, 0, K).view(lg.log_p.sizes()).clone(),
          both.narrow(0, K, both.numel() - K).view(lg.gradient.sizes()).clone()};
}

at::Tensor ShardedLogDensity::hessian(const at::Tensor& theta) const {
  // Each rank's weighted terms on its rows, then averaged: Σ_r is linear.
  at::Tensor H = model::autograd_hessian(*local_, theta.to(torch::kDouble),
                                         local_subsample(model::Subsample::all(total_)))
                     .contiguous();
  average_over_ranks(H);
  return H;
}

}  // namespace elbo::distributed
