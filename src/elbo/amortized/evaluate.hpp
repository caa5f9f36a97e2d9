#pragma once
// Evaluation of a trained VAE:
//   importance-sampled log-likelihood  log p̂(x) = log (1/K) Σ_k p(x, z_k)/q(z_k|x)
//     with a large K (Burda et al. 2016, §5.2: K = 5000), accumulated over chunks of
//     draws with a running log-sum-exp so memory stays O(chunk × batch);
//     the mean over test points and its standard error sd/√N;
//   active units (Burda et al. 2016, §5.2): A_u = Cov_x(E_{q(u|x)}[u]) > 0.01 for each
//     first-layer latent u, with E_q[u] the encoder's base-Gaussian mean.
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "elbo/amortized/vae.hpp"

namespace elbo::amortized {

struct LogLikelihoodOptions {
  TORCH_ARG(int64_t, samples) = 5000;  // K
  TORCH_ARG(int64_t, chunk) = 500;     // draws per pass
  TORCH_ARG(int64_t, batch) = 100;     // data points per pass
  /// Called after each batch with the number of points done.
  TORCH_ARG(std::function<void(int64_t)>, progress) = nullptr;
};

struct LogLikelihoodEstimate {
  std::vector<double> per_point;  // log p̂(x_n)
  double mean = 0;
  double standard_error = 0;      // sd over points / √N
};

LogLikelihoodEstimate importance_log_likelihood(Vae& vae, const at::Tensor& x,
                                                const LogLikelihoodOptions& options,
                                                at::Generator gen);

struct ActiveUnits {
  std::vector<double> variance;  // Cov_x(E_q[u]) for each latent u
  int64_t active = 0;            // count with variance > threshold
};

/// Active units of the encoder's mean map `mean` over the rows of x (batched).
ActiveUnits active_units(const std::function<at::Tensor(const at::Tensor&)>& mean,
                         const at::Tensor& x, double threshold = 0.01, int64_t batch = 1000);
ActiveUnits active_units(Vae& vae, const at::Tensor& x, double threshold = 0.01);

}  // namespace elbo::amortized
