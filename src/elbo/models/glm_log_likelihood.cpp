#include "elbo/models/glm_log_likelihood.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/model/bernoulli_logit_terms.hpp"
#include "elbo/model/small_matmul.hpp"
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
  // Optional N(0, 1/√precision) priors on α and each β_d, and a likelihood
  // weight: out = scale·ℓ − ½ pα α² − ½ pβ Σ β_d² + prior_const.
  bool has_prior = false;
  double scale = 1.0;
  double alpha_precision = 0.0;
  double beta_precision = 0.0;
  double prior_const = 0.0;
};

/// scale·ℓ + log prior, in place on ℓ (a fresh tensor).
at::Tensor add_prior(const GlmData& data, at::Tensor ll, const at::Tensor& alpha,
                     const at::Tensor& beta) {
  if (data.scale != 1.0) ll.mul_(data.scale);
  ll.add_((beta * beta).sum(1), -0.5 * data.beta_precision);
  ll.addcmul_(alpha, alpha, -0.5 * data.alpha_precision);
  return ll.add_(data.prior_const);
}

/// Xᵀ, contiguous. The full-data X is the same tensor on every call (Subsample::rows
/// returns it), so its transpose is kept until X changes (storage, layout or version):
/// an SVGD or ADVI step then skips copying X. The cache holds a detached alias of X
/// (no Python object), which keeps X's storage alive — so an equal data pointer is the
/// same memory — and shares X's version counter.
struct TransposeCache {
  at::Tensor source, copy;
  int64_t version = -1;
};
thread_local TransposeCache transpose_cache;

const at::Tensor& transposed(const at::Tensor& X) {
  auto& cache = transpose_cache;
  const bool same = cache.source.defined() && cache.source.data_ptr() == X.data_ptr() &&
                    cache.source.sizes() == X.sizes() && cache.source.strides() == X.strides() &&
                    cache.source.scalar_type() == X.scalar_type() &&
                    cache.version == static_cast<int64_t>(X._version());
  if (!same) {
    cache.source = X.detach();
    cache.version = static_cast<int64_t>(X._version());
    cache.copy = cache.source.t().contiguous();
  }
  return cache.copy;
}

/// Double, contiguous and no grad mode: the blocked kernels of model/ apply.
bool fast_path(const GlmData& data, const at::Tensor& beta) {
  return !at::GradMode::is_enabled() && beta.scalar_type() == at::kDouble &&
         data.X.scalar_type() == at::kDouble && data.X.is_contiguous();
}

at::Tensor linear_predictor(const GlmData& data, const at::Tensor& alpha,
                            const at::Tensor& beta) {
  if (fast_path(data, beta)) {
    // η = β Xᵀ + α 1ᵀ by model::small_matmul (3–5x at::mm on [100, 30]·[30, 569]).
    const auto b = beta.contiguous();
    const auto& Xt = transposed(data.X);
    const int64_t K = b.size(0), D = b.size(1), S = data.X.size(0);
    auto eta = at::empty({K, S}, b.options());
    model::small_matmul(b.data_ptr<double>(), D, Xt.data_ptr<double>(), S, eta.data_ptr<double>(),
                        S, K, S, D);
    eta.add_(alpha.unsqueeze(1));
    if (data.offset.defined()) eta.add_(data.offset);
    return eta;
  }
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
      if (eta.scalar_type() == at::kDouble && eta.is_contiguous() &&
          data.y.scalar_type() == at::kDouble && data.y.is_contiguous()) {
        // ℓ and r = y − σ(η) in one vectorised pass over η (model/bernoulli_logit_terms.hpp).
        ll = at::empty({eta.size(0)}, eta.options());
        model::bernoulli_logit_terms(eta.data_ptr<double>(), data.y.data_ptr<double>(),
                                     eta.size(0), eta.size(1), ll.data_ptr<double>(), want_r);
        if (want_r) r = eta;
        break;
      }
      // y η − log(1 + e^η) = y η − softplus(η); softplus is evaluated as
      // log1p(e^η), or η itself above 40 where log1p(e^−η) < 5e-18: exact in
      // double precision for any |η|.
      ll = eta.mv(data.y);
      ll.sub_(at::softplus(eta, 1.0, 40.0).sum(1));
      // y − sigmoid(η) = (y − 1) + sigmoid(−η)
      if (want_r) r = eta.neg_().sigmoid_().add_(data.y - 1.0);
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
  if (data.has_prior) ll = add_prior(data, ll, alpha, beta);
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

/// r X [K, D] for r [K, S] and X [S, D] (one GEMM; model::small_matmul when it applies).
at::Tensor score_times_design(const at::Tensor& r, const at::Tensor& X) {
  if (r.scalar_type() == at::kDouble && X.scalar_type() == at::kDouble && X.is_contiguous() &&
      !at::GradMode::is_enabled()) {
    const auto rc = r.contiguous();
    const int64_t K = rc.size(0), S = rc.size(1), D = X.size(1);
    auto out = at::empty({K, D}, rc.options());
    model::small_matmul(rc.data_ptr<double>(), S, X.data_ptr<double>(), D, out.data_ptr<double>(), D,
                        K, D, S);
    return out;
  }
  return r.matmul(X);
}

/// The gradient of w_k · (log prior + scale·ℓ)_k for weights w [K] (undefined:
/// all 1, the gradient itself) given r = ∂ℓ/∂η [K, S]:
///   ∂/∂α = w (scale Σ_i r_i − pα α),   ∂/∂β = w (scale r X − pβ β).
std::pair<at::Tensor, at::Tensor> joint_gradients(const GlmData& data, const at::Tensor& alpha,
                                                  const at::Tensor& beta, const at::Tensor& r,
                                                  const at::Tensor& w) {
  const double p_alpha = data.alpha_precision, p_beta = data.beta_precision;
  const bool scaled = data.scale != 1.0;
  const at::Tensor wr = w.defined() ? (scaled ? w * data.scale : w).unsqueeze(1) * r  // [K, S]
                                    : (scaled ? r * data.scale : r);
  auto grad_alpha = w.defined() ? at::addcmul(wr.sum(1), w, alpha, -p_alpha)
                                : at::add(wr.sum(1), alpha, -p_alpha);
  auto prior_beta = w.defined() ? beta * (w * -p_beta).unsqueeze(1) : beta * -p_beta;  // fresh [K, D]
  if (wr.scalar_type() == at::kDouble && data.X.scalar_type() == at::kDouble &&
      data.X.is_contiguous() && !at::GradMode::is_enabled()) {
    // r X by model::small_matmul, added to the prior's −pβ β.
    const auto wrc = wr.contiguous();
    auto grad_beta = prior_beta.contiguous();
    const int64_t K = wrc.size(0), S = wrc.size(1), D = data.X.size(1);
    model::small_matmul(wrc.data_ptr<double>(), S, data.X.data_ptr<double>(), D,
                        grad_beta.data_ptr<double>(), D, K, D, S, /*accumulate=*/true);
    return {grad_alpha, grad_beta};
  }
  return {grad_alpha, at::addmm(prior_beta, wr, data.X)};
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
    ctx->saved_data["has_prior"] = data.has_prior;
    if (data.has_prior) {
      ctx->saved_data["scale"] = data.scale;
      ctx->saved_data["alpha_precision"] = data.alpha_precision;
      ctx->saved_data["beta_precision"] = data.beta_precision;
    }
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
    if (ctx->saved_data["has_prior"].toBool()) {
      GlmData prior{data};
      prior.has_prior = true;
      prior.scale = ctx->saved_data["scale"].toDouble();
      prior.alpha_precision = ctx->saved_data["alpha_precision"].toDouble();
      prior.beta_precision = ctx->saved_data["beta_precision"].toDouble();
      auto [grad_alpha, grad_beta] = joint_gradients(prior, alpha, beta, r, grad_output[0]);
      return {at::Tensor(), grad_alpha, grad_beta, at::Tensor()};
    }
    // ∂/∂α = g Σ_i r_i and ∂/∂β = g (r X): the weights g scale the [K] and [K, D]
    // results, not the [K, S] r.
    const auto grad_alpha = r.sum(1).mul_(grad_output[0]);
    const auto grad_beta = score_times_design(r, data.X).mul_(g);
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

namespace {

/// The checked data of a GLM with independent normal priors (glm_log_joint_normal_prior).
GlmData normal_prior_data(const char* function, GlmFamily family, const at::Tensor& X,
                          const at::Tensor& y, const at::Tensor& alpha, const at::Tensor& beta,
                          double prior_alpha_scale, double prior_beta_scale, double scale,
                          const at::Tensor& offset) {
  if (family == GlmFamily::gaussian) {
    throw DomainError(std::string(function) + ": the gaussian family has a scale parameter; " +
                      "use glm_log_likelihood and its own prior");
  }
  check_dim(function, "X", X, 2);
  check_shape(function, "y", y, {X.size(0)});
  check_dim(function, "alpha", alpha, 1);
  check_shape(function, "beta", beta, {alpha.size(0), X.size(1)});
  if (offset.defined()) check_shape(function, "offset", offset, {X.size(0)});
  check_positive_finite(function, "prior_alpha_scale", prior_alpha_scale);
  check_positive_finite(function, "prior_beta_scale", prior_beta_scale);
  GlmData data{family, X, y, offset};
  data.has_prior = true;
  data.scale = scale;
  data.alpha_precision = 1.0 / (prior_alpha_scale * prior_alpha_scale);
  data.beta_precision = 1.0 / (prior_beta_scale * prior_beta_scale);
  const auto D = static_cast<double>(X.size(1));
  // Σ of the normalising constants −log s − ½ log 2π over α and the D β's.
  data.prior_const = -(std::log(prior_alpha_scale) + detail::kHalfLog2Pi) -
                     D * (std::log(prior_beta_scale) + detail::kHalfLog2Pi);
  return data;
}

}  // namespace

at::Tensor glm_log_joint_normal_prior(GlmFamily family, const at::Tensor& X, const at::Tensor& y,
                                      const at::Tensor& alpha, const at::Tensor& beta,
                                      double prior_alpha_scale, double prior_beta_scale,
                                      double scale, const at::Tensor& offset) {
  const auto data = normal_prior_data("glm_log_joint_normal_prior", family, X, y, alpha, beta,
                                      prior_alpha_scale, prior_beta_scale, scale, offset);
  const bool needs_grad =
      at::GradMode::is_enabled() && (alpha.requires_grad() || beta.requires_grad());
  if (!needs_grad) return evaluate(data, alpha, beta, at::Tensor(), /*want_r=*/false).first;
  return GlmLogLikelihood::apply(data, alpha, beta, c10::nullopt);
}

GlmJointAndGradient glm_log_joint_normal_prior_and_gradient(
    GlmFamily family, const at::Tensor& X, const at::Tensor& y, const at::Tensor& alpha,
    const at::Tensor& beta, double prior_alpha_scale, double prior_beta_scale, double scale,
    const at::Tensor& offset) {
  const auto data = normal_prior_data("glm_log_joint_normal_prior_and_gradient", family, X, y,
                                      alpha, beta, prior_alpha_scale, prior_beta_scale, scale,
                                      offset);
  at::NoGradGuard no_grad;
  const auto a = alpha.detach(), b = beta.detach();
  auto [value, r] = evaluate(data, a, b, at::Tensor(), /*want_r=*/true);
  auto [grad_alpha, grad_beta] = joint_gradients(data, a, b, r, at::Tensor());
  return {value, grad_alpha, grad_beta};
}

void release_cached_transpose() { transpose_cache = TransposeCache(); }

}  // namespace elbo::models
