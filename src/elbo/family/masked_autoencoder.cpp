#include "elbo/family/masked_autoencoder.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::family {

namespace {

void validate(const MaskedAutoencoderOptions& o) {
  check_option_positive("MaskedAutoencoder", "dim", static_cast<double>(o.dim()));
  check_option_positive("MaskedAutoencoder", "outputs_per_dim",
                        static_cast<double>(o.outputs_per_dim()));
  if (o.hidden().empty()) throw ConfigError("MaskedAutoencoder: needs at least one hidden layer");
  for (auto h : o.hidden()) {
    check_option_positive("MaskedAutoencoder", "hidden size", static_cast<double>(h));
  }
  if (o.context_dim() < 0) throw ConfigError("MaskedAutoencoder: context_dim must be >= 0");
  if (!o.order().empty()) {
    auto sorted = o.order();
    std::sort(sorted.begin(), sorted.end());
    bool ok = static_cast<int64_t>(sorted.size()) == o.dim();
    for (int64_t i = 0; ok && i < o.dim(); ++i) ok = sorted[i] == i;
    if (!ok) {
      throw ConfigError("MaskedAutoencoder: order must be a permutation of 0.." +
                        std::to_string(o.dim() - 1));
    }
  }
}

}  // namespace

MaskedAutoencoder::MaskedAutoencoder(MaskedAutoencoderOptions options, at::Generator gen)
    : options_(std::move(options)) {
  validate(options_);
  const int64_t D = options_.dim();
  const int64_t P = options_.outputs_per_dim();
  degrees_.assign(D, 0);
  for (int64_t i = 0; i < D; ++i) {
    degrees_[options_.order().empty() ? i : options_.order()[i]] = i + 1;
  }
  auto opts = torch::TensorOptions().dtype(torch::kDouble);
  // Without context: m(k) = 1 + k mod (D − 1) (0 when D = 1). With context,
  // degree-0 units (m(k) = k mod D) see the context but no x, and feed every
  // output, so the context reaches the first variable of the ordering too.
  const bool context = options_.context_dim() > 0;
  auto hidden_degrees = [D, context](int64_t size) {
    std::vector<int64_t> m(size);
    for (int64_t k = 0; k < size; ++k) {
      m[k] = context ? k % D : D == 1 ? 0 : 1 + k % (D - 1);
    }
    return m;
  };
  std::vector<int64_t> in_deg = degrees_;
  int64_t in_size = D;
  const auto& hidden = options_.hidden();
  for (size_t l = 0; l <= hidden.size(); ++l) {
    const bool output = l == hidden.size();
    const int64_t out_size = output ? P * D : hidden[l];
    std::vector<int64_t> out_deg;
    if (output) {
      for (int64_t p = 0; p < P; ++p) out_deg.insert(out_deg.end(), degrees_.begin(), degrees_.end());
    } else {
      out_deg = hidden_degrees(out_size);
    }
    auto mask = torch::zeros({out_size, in_size}, opts);
    auto acc = mask.accessor<double, 2>();
    for (int64_t o = 0; o < out_size; ++o) {
      for (int64_t i = 0; i < in_size; ++i) {
        const bool connected = (l == 0) ? out_deg[o] >= in_deg[i]
                               : output ? out_deg[o] > in_deg[i]
                                        : out_deg[o] >= in_deg[i];
        acc[o][i] = connected ? 1.0 : 0.0;
      }
    }
    const std::string suffix = std::to_string(l);
    weights.push_back(register_parameter("weight" + suffix, torch::zeros({out_size, in_size}, opts)));
    biases.push_back(register_parameter("bias" + suffix, torch::zeros({out_size}, opts)));
    masks.push_back(register_buffer("mask" + suffix, mask));
    in_deg = out_deg;
    in_size = out_size;
  }
  if (options_.context_dim() > 0) {
    context_weight = register_parameter(
        "context_weight", torch::zeros({hidden[0], options_.context_dim()}, opts));
  }
  reset_parameters(std::move(gen));
}

void MaskedAutoencoder::reset_parameters(at::Generator gen) {
  torch::NoGradGuard no_grad;
  const size_t last = weights.size() - 1;
  for (size_t l = 0; l < weights.size(); ++l) {
    auto& W = weights[l];
    biases[l].zero_();
    if (l == last && options_.zero_output()) {
      W.zero_();
      continue;
    }
    const double bound = 1.0 / std::sqrt(static_cast<double>(W.size(1)));
    W.copy_((torch::rand(W.sizes(), gen, W.options()) * 2.0 - 1.0) * bound);
  }
  if (context_weight.defined()) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(context_weight.size(1)));
    context_weight.copy_(
        (torch::rand(context_weight.sizes(), gen, context_weight.options()) * 2.0 - 1.0) * bound);
  }
}

at::Tensor MaskedAutoencoder::forward(const at::Tensor& x, const at::Tensor& context) {
  const int64_t D = options_.dim();
  if (x.dim() < 1 || x.size(-1) != D) {
    throw DomainError("MaskedAutoencoder: input has shape " + shape_string(x.sizes()) +
                      ", but its last dimension must be " + std::to_string(D));
  }
  const bool has_context = options_.context_dim() > 0;
  if (has_context != context.defined()) {
    throw DomainError(has_context ? "MaskedAutoencoder: a context input is required"
                                  : "MaskedAutoencoder: built without context_dim, got a context");
  }
  if (has_context && context.size(-1) != options_.context_dim()) {
    throw DomainError("MaskedAutoencoder: context has shape " + shape_string(context.sizes()) +
                      ", but its last dimension must be " + std::to_string(options_.context_dim()));
  }
  at::Tensor h = x;
  const size_t last = weights.size() - 1;
  for (size_t l = 0; l < weights.size(); ++l) {
    h = at::linear(h, weights[l] * masks[l], biases[l]);
    if (l == 0 && has_context) h = h + at::linear(context, context_weight);
    if (l != last) h = torch::tanh(h);
  }
  auto sizes = x.sizes().vec();
  sizes.back() = options_.outputs_per_dim();
  sizes.push_back(D);
  return h.reshape(sizes);
}

}  // namespace elbo::family
