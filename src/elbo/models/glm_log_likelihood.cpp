#include "elbo/models/glm_log_likelihood.hpp"

#include <torch/torch.h>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/models/log_densities.hpp"

namespace elbo::models {

std::string to_string(GlmFamily family) {
  switch (family) {
    case GlmFamily::gaussian: return "gaussian";
    case GlmFamily::bernoulli_logit: return "bernoulli_logit";
    case GlmFamily::poisson_log: return "poisson_log";
  }
  return "unknown";
}

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

/// The data of one evaluation: not differentiated.
struct GlmData {
  GlmFamily family;
  at::Tensor X;       // [S, D]
  at::Tensor y;       // [S]
  at::Tensor offset;  // [S] or undefined
};

at::Tensor linear_predictor(const GlmData& data, const at::Tensor& alpha,
                            const at::Tensor& beta) {
  // η = α 1ᵀ + β Xᵀ in one GEMM.
  auto eta = at::addmm(alpha.unsqueeze(1), beta, data.X.t());
  if (data.offset.defined()) eta = eta + data.offset;
  return eta;
}

/// ℓ [K] and, when `want_r`, r = ∂ℓ/∂η [K, S]. Not differentiable: it works
/// in place on η to keep the element-wise passes over K × S few.
std::pair<at::Tensor, at::Tensor> evaluate(const GlmData& data, const at::Tensor& alpha,
                                           const at::Tensor& beta, const at::Tensor& sigma,
                                           bool want_r) {
  at::NoGradGuard no_grad;
  auto eta = linear_predictor(data, alpha, beta);  // owned: free to overwrite
  const auto S = static_cast<double>(data.X.size(0));
  at::Tensor ll, r;
  switch (data.family) {
    case GlmFamily::gaussian: {
      auto inv_var = sigma.square().reciprocal();
      auto resid = eta.neg_().add_(data.y);  // y − η
      ll = -0.5 * resid.square().sum(1) * inv_var - S * sigma.log() - S * detail::kHalfLog2Pi;
      if (want_r) r = resid.mul_(inv_var.unsqueeze(1));
      break;
    }
    case GlmFamily::bernoulli_logit: {
      // y η − log(1 + e^η) = y η + log sigmoid(−η), stable for any |η|.
      ll = eta.mv(data.y);
      auto neg_eta = eta.neg_();
      ll = ll + torch::log_sigmoid(neg_eta).sum(1);
      // y − sigmoid(η) = y − 1 + sigmoid(−η)
      if (want_r) r = neg_eta.sigmoid_().add_(data.y - 1);
      break;
    }
    case GlmFamily::poisson_log: {
      ll = eta.mv(data.y) - torch::lgamma(data.y + 1).sum();
      auto mu = eta.exp_();
      ll = ll - mu.sum(1);
      if (want_r) r = mu.neg_().add_(data.y);
      break;
    }
  }
  return {ll, r};
}

/// r = ∂ℓ/∂η [K, S] written with differentiable ops: the backward pass uses it
/// when a second derivative is asked for.
at::Tensor differentiable_score(const GlmData& data, const at::Tensor& alpha,
                                const at::Tensor& beta, const at::Tensor& sigma) {
  auto eta = linear_predictor(data, alpha, beta);
  switch (data.family) {
    case GlmFamily::gaussian: return (data.y - eta) / (sigma * sigma).unsqueeze(1);
    case GlmFamily::bernoulli_logit: return data.y - torch::sigmoid(eta);
    case GlmFamily::poisson_log: return data.y - torch::exp(eta);
  }
  return {};
}

struct GlmLogLikelihood : public torch::autograd::Function<GlmLogLikelihood> {
  static at::Tensor forward(AutogradContext* ctx, const GlmData& data,
                            const at::Tensor& alpha, const at::Tensor& beta,
                            const c10::optional<at::Tensor>& sigma) {
    at::Tensor s = sigma.has_value() ? *sigma : at::Tensor();
    auto [ll, r] = evaluate(data, alpha, beta, s, /*want_r=*/true);
    ctx->saved_data["family"] = static_cast<int64_t>(data.family);
    ctx->saved_data["X"] = data.X;
    ctx->saved_data["y"] = data.y;
    ctx->saved_data["r"] = r;
    ctx->saved_data["has_offset"] = data.offset.defined();
    if (data.offset.defined()) ctx->saved_data["offset"] = data.offset;
    ctx->saved_data["has_sigma"] = s.defined();
    if (s.defined()) {
      ctx->save_for_backward({alpha, beta, s});
    } else {
      ctx->save_for_backward({alpha, beta});
    }
    return ll;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_output) {
    const auto g = grad_output[0].unsqueeze(1);  // [K, 1]
    const auto saved = ctx->get_saved_variables();
    const bool has_sigma = ctx->saved_data["has_sigma"].toBool();
    const auto& alpha = saved[0];
    const auto& beta = saved[1];
    at::Tensor sigma = has_sigma ? saved[2] : at::Tensor();
    GlmData data{static_cast<GlmFamily>(ctx->saved_data["family"].toInt()),
                 ctx->saved_data["X"].toTensor(), ctx->saved_data["y"].toTensor(),
                 ctx->saved_data["has_offset"].toBool()
                     ? ctx->saved_data["offset"].toTensor()
                     : at::Tensor()};
    // create_graph = true runs backward with grad mode on: recompute r with
    // differentiable ops so second derivatives are right.
    at::Tensor r = at::GradMode::is_enabled() ? differentiable_score(data, alpha, beta, sigma)
                                              : ctx->saved_data["r"].toTensor();
    auto gr = g * r;  // [K, S]
    auto grad_alpha = gr.sum(1);
    auto grad_beta = gr.matmul(data.X);  // [K, S]·[S, D]
    at::Tensor grad_sigma;
    if (has_sigma && sigma.requires_grad()) {
      // ∂ℓ/∂σ = −S/σ + Σ (y − η)²/σ³ = −S/σ + σ Σ r².
      const auto S = static_cast<double>(data.X.size(0));
      grad_sigma = grad_output[0] * (-S / sigma + sigma * (r * r).sum(1));
    }
    return {at::Tensor(), grad_alpha, grad_beta, grad_sigma};
  }
};

}  // namespace

at::Tensor glm_log_likelihood(GlmFamily family, const at::Tensor& X, const at::Tensor& y,
                              const at::Tensor& alpha, const at::Tensor& beta,
                              const at::Tensor& sigma, const at::Tensor& offset) {
  static const char* kFunction = "glm_log_likelihood";
  check_dim(kFunction, "X", X, 2);
  check_shape(kFunction, "y", y, {X.size(0)});
  check_dim(kFunction, "alpha", alpha, 1);
  check_shape(kFunction, "beta", beta, {alpha.size(0), X.size(1)});
  if (offset.defined()) check_shape(kFunction, "offset", offset, {X.size(0)});
  const bool gaussian = family == GlmFamily::gaussian;
  if (gaussian != sigma.defined()) {
    throw DomainError(std::string(kFunction) + ": sigma must be given for the gaussian " +
                      "family and only for it (family " + to_string(family) + ")");
  }
  at::Tensor s = sigma;
  if (gaussian) {
    if (s.dim() == 0) s = s.expand({alpha.size(0)});
    check_shape(kFunction, "sigma", s, {alpha.size(0)});
  }
  GlmData data{family, X, y, offset};

  const bool needs_grad = at::GradMode::is_enabled() &&
                          (alpha.requires_grad() || beta.requires_grad() ||
                           (gaussian && s.requires_grad()));
  if (!needs_grad) return evaluate(data, alpha, beta, s, /*want_r=*/false).first;
  return GlmLogLikelihood::apply(data, alpha, beta,
                                 gaussian ? c10::optional<at::Tensor>(s) : c10::nullopt);
}

}  // namespace elbo::models
