#pragma once
// Probabilistic PCA (Tipping & Bishop 1999) as a linear-Gaussian VAE:
//   z ~ N(0, I_D),  x | z ~ N(W z + μ, σ² I_P),
// whose marginal is x ~ N(μ, W Wᵀ + σ² I) and whose exact posterior is
//   z | x ~ N(M⁻¹ Wᵀ (x − μ), σ² M⁻¹),  M = Wᵀ W + σ² I.
#include <torch/torch.h>

#include <cmath>

#include "elbo/amortized/vae.hpp"
#include "elbo/core/random.hpp"

namespace elbo::amortized::testing {

struct Ppca {
  at::Tensor W, mu;  // [P, D], [P]
  double sigma;

  int64_t p() const { return W.size(0); }
  int64_t d() const { return W.size(1); }

  static Ppca make() {
    auto W = torch::tensor({{1.0, 0.5}, {-0.7, 1.2}, {0.3, -0.4}, {2.0, 0.1}, {0.0, 0.8}}, torch::kDouble);
    auto mu = torch::tensor({0.5, -1.0, 0.0, 2.0, 0.3}, torch::kDouble);
    return {W, mu, 0.6};
  }

  at::Tensor sample(int64_t n, uint64_t seed) const {
    auto gen = make_generator(seed);
    auto z = at::randn({n, d()}, gen, torch::kDouble);
    return torch::matmul(z, W.t()) + mu + sigma * at::randn({n, p()}, gen, torch::kDouble);
  }

  /// log N(x; μ, WWᵀ + σ²I) per row, by the textbook formula.
  at::Tensor log_marginal(const at::Tensor& x) const {
    auto C = torch::matmul(W, W.t()) + sigma * sigma * torch::eye(p(), torch::kDouble);
    auto diff = x - mu;
    auto quad = (torch::matmul(diff, torch::inverse(C)) * diff).sum(-1);
    return -0.5 * (quad + torch::logdet(C) + static_cast<double>(p()) * std::log(2 * M_PI));
  }

  at::Tensor posterior_map() const {  // M⁻¹ Wᵀ, [D, P]
    auto M = torch::matmul(W.t(), W) + sigma * sigma * torch::eye(d(), torch::kDouble);
    return torch::matmul(torch::inverse(M), W.t());
  }
  at::Tensor posterior_cov() const {
    auto M = torch::matmul(W.t(), W) + sigma * sigma * torch::eye(d(), torch::kDouble);
    return sigma * sigma * torch::inverse(M);
  }

  /// A linear VAE in double with the decoder set to (W, μ, σ) and frozen.
  Vae vae(Covariance cov) const {
    Vae vae(VaeOptions(p(), d()).hidden({}).likelihood(Likelihood::Gaussian).covariance(cov));
    vae->to(torch::kDouble);
    torch::NoGradGuard g;
    auto out = vae->decoder()->net()->output_layer();
    out->weight.copy_(W);
    out->bias.copy_(mu);
    vae->decoder()->log_scale().fill_(std::log(sigma));
    for (auto& t : vae->decoder()->parameters()) t.set_requires_grad(false);
    return vae;
  }

  /// Sets a linear encoder to the exact posterior (weights of the scale heads zero).
  void set_exact_encoder(Vae& vae) const {
    torch::NoGradGuard g;
    auto lin = vae->encoder()->net()->output_layer();
    lin->weight.zero_();
    lin->bias.zero_();
    const int64_t D = d();
    auto A = posterior_map();
    lin->weight.narrow(0, 0, D).copy_(A);
    lin->bias.narrow(0, 0, D).copy_(-torch::matmul(A, mu));
    auto L = torch::linalg_cholesky(posterior_cov());
    lin->bias.narrow(0, D, D).copy_(L.diagonal().log());
    if (vae->options().covariance() == Covariance::Cholesky) {
      auto idx = torch::tril_indices(D, D, -1, torch::kLong);
      lin->bias.narrow(0, 2 * D, D * (D - 1) / 2).copy_(L.index({idx[0], idx[1]}));
    }
  }
};

}  // namespace elbo::amortized::testing
