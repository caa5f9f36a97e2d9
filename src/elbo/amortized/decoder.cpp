#include "elbo/amortized/decoder.hpp"

#include <torch/torch.h>

#include "elbo/amortized/bernoulli_log_likelihood.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/math_constants.hpp"

namespace elbo::amortized {

namespace {
}

Likelihood parse_likelihood(const std::string& name) {
  if (name == "bernoulli") return Likelihood::Bernoulli;
  if (name == "gaussian") return Likelihood::Gaussian;
  throw ConfigError("--likelihood '" + name + "' is not one of bernoulli, gaussian");
}

std::string likelihood_name(Likelihood l) { return l == Likelihood::Bernoulli ? "bernoulli" : "gaussian"; }

DecoderImpl::DecoderImpl(DecoderOptions options) : options_(std::move(options)) {
  const bool per_point = options_.likelihood() == Likelihood::Gaussian &&
                         options_.scale() == GaussianScale::PerPoint;
  net_ = register_module("net", Mlp(options_.latent(), options_.hidden(),
                                    (per_point ? 2 : 1) * options_.output(), options_.activation()));
  if (options_.likelihood() == Likelihood::Gaussian && options_.scale() == GaussianScale::Shared) {
    log_scale_ = register_parameter("log_scale", torch::zeros({options_.output()}));
  }
}

std::pair<at::Tensor, at::Tensor> DecoderImpl::gaussian(const at::Tensor& z) {
  if (options_.likelihood() != Likelihood::Gaussian) {
    throw ConfigError("Decoder::gaussian: the likelihood is not Gaussian");
  }
  auto out = net_->forward(z);
  if (options_.scale() == GaussianScale::Shared) return {out, log_scale_.expand_as(out)};
  const int64_t p = options_.output();
  return {out.narrow(-1, 0, p), out.narrow(-1, p, p)};
}

at::Tensor DecoderImpl::log_likelihood(const at::Tensor& x, const at::Tensor& z) {
  if (options_.likelihood() == Likelihood::Bernoulli) {
    // log p = x·l − softplus(l), summed over pixels (fused; the plain expression otherwise).
    return bernoulli_log_likelihood(x, net_->forward(z));
  }
  auto [mu, log_sigma] = gaussian(z);
  auto r = (x - mu) * (-log_sigma).exp();
  return (-0.5 * r.square() - log_sigma).sum(-1) - static_cast<double>(options_.output()) * kHalfLog2Pi;
}

at::Tensor DecoderImpl::mean(const at::Tensor& z) {
  if (options_.likelihood() == Likelihood::Bernoulli) return torch::sigmoid(net_->forward(z));
  return gaussian(z).first;
}

}  // namespace elbo::amortized
