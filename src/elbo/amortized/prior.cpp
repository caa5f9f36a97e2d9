#include "elbo/amortized/prior.hpp"

#include <torch/torch.h>

#include "elbo/amortized/gaussian.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/core/math_constants.hpp"

namespace elbo::amortized {

namespace {
}

PriorImpl::PriorImpl(int64_t latent, int64_t components) : latent_(latent), components_(components) {
  if (latent < 1 || components < 0) throw ConfigError("Prior: latent must be positive, components >= 0");
  if (components_ > 0) {
    // Means spread like draws of N(0, I) (deterministic start: a fixed generator).
    auto gen = make_generator(12345);
    means_ = register_parameter("means", at::randn({components_, latent_}, gen, torch::kFloat));
    log_stds_ = register_parameter("log_stds", torch::zeros({components_, latent_}));
    logits_ = register_parameter("logits", torch::zeros({components_}));
  }
}

at::Tensor PriorImpl::log_prob(const at::Tensor& z) {
  if (components_ == 0) return standard_normal_log_prob(z);
  auto r = (z.unsqueeze(-2) - means_) * (-log_stds_).exp();  // [..., C, D]
  auto comp = (-0.5 * r.square() - log_stds_).sum(-1) - static_cast<double>(latent_) * kHalfLog2Pi;
  return torch::logsumexp(comp + torch::log_softmax(logits_, 0), -1);
}

at::Tensor PriorImpl::sample(int64_t n, at::Generator gen, const at::TensorOptions& options) {
  auto eps = at::randn({n, latent_}, gen, options);
  if (components_ == 0) return eps;
  auto c = torch::multinomial(torch::softmax(logits_, 0).to(options.dtype()), n, /*replacement=*/true, gen);
  return means_.index_select(0, c) + log_stds_.index_select(0, c).exp() * eps;
}

int64_t parse_prior_components(const std::string& spec, const std::string& option) {
  if (spec == "normal") return 0;
  if (spec.rfind("mixture:", 0) == 0) {
    const std::string n = spec.substr(8);
    if (!n.empty() && n.size() < 5 && n.find_first_not_of("0123456789") == std::string::npos &&
        std::stoll(n) >= 1) {
      return std::stoll(n);
    }
  }
  throw ConfigError(option + " '" + spec + "' is not normal or mixture:C (C >= 1)");
}

}  // namespace elbo::amortized
