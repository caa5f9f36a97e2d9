#include "elbo/amortized/encoder.hpp"

#include <torch/torch.h>

#include "elbo/amortized/planar_flow.hpp"
#include "elbo/core/error.hpp"

namespace elbo::amortized {

namespace {
// L = diag(exp(log σ)) + strictly lower part from the `tril` head (row-major order).
CholeskyGaussian cholesky_from(const at::Tensor& mean, const at::Tensor& log_std,
                               const at::Tensor& tril) {
  const int64_t d = mean.size(-1);
  auto L = torch::diag_embed(log_std.exp());
  if (tril.defined()) {
    auto idx = torch::tril_indices(d, d, -1, torch::TensorOptions().dtype(torch::kLong));
    auto off = torch::zeros({mean.size(0), d, d}, mean.options());
    off.index_put_({torch::indexing::Slice(), idx[0], idx[1]}, tril);
    L = L + off;
  }
  return CholeskyGaussian{mean, L};
}
}  // namespace

std::pair<FlowKind, int64_t> parse_flow(const std::string& spec) {
  if (spec == "none") return {FlowKind::None, 0};
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  if ((kind == "planar" || kind == "iaf") && colon != std::string::npos) {
    const std::string n = spec.substr(colon + 1);
    if (!n.empty() && n.size() < 5 && n.find_first_not_of("0123456789") == std::string::npos) {
      const int64_t k = std::stoll(n);
      if (k >= 1) return {kind == "planar" ? FlowKind::Planar : FlowKind::Iaf, k};
    }
  }
  throw ConfigError("--flow '" + spec + "' is not one of none, planar:K, iaf:K (K a positive integer)");
}

std::string flow_name(FlowKind kind, int64_t length) {
  switch (kind) {
    case FlowKind::None: return "none";
    case FlowKind::Planar: return "planar:" + std::to_string(length);
    case FlowKind::Iaf: return "iaf:" + std::to_string(length);
  }
  return "?";
}

EncoderImpl::EncoderImpl(EncoderOptions options) : options_(std::move(options)) {
  const int64_t d = options_.latent();
  if (d < 1 || options_.input() < 1) throw ConfigError("Encoder: input and latent sizes must be positive");
  if (options_.flow() != FlowKind::None && options_.flow_length() < 1) {
    throw ConfigError("Encoder: a flow needs a length of at least 1");
  }
  if (options_.covariance() == Covariance::Cholesky) tril_size_ = d * (d - 1) / 2;
  if (options_.flow() == FlowKind::Planar) planar_size_ = options_.flow_length() * (2 * d + 1);
  if (options_.flow() == FlowKind::Iaf) {
    context_size_ = options_.context() > 0 ? options_.context() : d;
    const int64_t hidden = options_.made_hidden() > 0 ? options_.made_hidden() : 2 * d;
    for (int64_t k = 0; k < options_.flow_length(); ++k) {
      iaf_.push_back(register_module("iaf" + std::to_string(k),
                                     IafStep(d, hidden, context_size_, /*reverse=*/k % 2 == 1)));
    }
  }
  net_ = register_module("net", Mlp(options_.input(), options_.hidden(),
                                    2 * d + tril_size_ + planar_size_ + context_size_,
                                    options_.activation()));
  net_->sparse_input(options_.sparse_input());
}

EncoderImpl::Heads EncoderImpl::heads(const at::Tensor& x) {
  const int64_t d = options_.latent();
  auto out = net_->forward(x);
  Heads h;
  h.mean = out.narrow(-1, 0, d);
  h.log_std = out.narrow(-1, d, d);
  int64_t at = 2 * d;
  if (tril_size_ > 0) h.tril = out.narrow(-1, at, tril_size_);
  at += tril_size_;
  if (planar_size_ > 0) h.planar = out.narrow(-1, at, planar_size_);
  at += planar_size_;
  if (context_size_ > 0) h.context = out.narrow(-1, at, context_size_);
  return h;
}

at::Tensor EncoderImpl::mean(const at::Tensor& x) { return heads(x).mean; }

PosteriorSample EncoderImpl::sample(const at::Tensor& x, int64_t k, at::Generator gen) {
  const int64_t d = options_.latent();
  Heads h = heads(x);
  PosteriorSample s;
  at::Tensor eps;
  if (options_.covariance() == Covariance::Diagonal) {
    s.diagonal = DiagonalGaussian{h.mean, h.log_std};
    s.z = s.diagonal.rsample(k, gen, &eps);
    s.log_q = s.diagonal.log_prob_from_noise(eps);
  } else {
    s.cholesky = cholesky_from(h.mean, h.log_std, h.tril);
    s.z = s.cholesky.rsample(k, gen, &eps);
    s.log_q = s.cholesky.log_prob_from_noise(eps);
  }
  if (options_.flow() == FlowKind::Planar) {
    s.has_flow = true;
    for (int64_t j = 0; j < options_.flow_length(); ++j) {
      auto p = h.planar.narrow(-1, j * (2 * d + 1), 2 * d + 1);
      auto [z, log_det] = planar_step(s.z, p.narrow(-1, 0, d), p.narrow(-1, d, d), p.select(-1, 2 * d));
      s.z = z;
      s.log_q = s.log_q - log_det;
    }
  } else if (options_.flow() == FlowKind::Iaf) {
    s.has_flow = true;
    for (auto& step : iaf_) {
      auto [z, log_det] = step->forward(s.z, h.context);
      s.z = z;
      s.log_q = s.log_q - log_det;
    }
  }
  return s;
}

at::Tensor EncoderImpl::log_prob(const at::Tensor& x, const at::Tensor& z) {
  if (options_.flow() != FlowKind::None) {
    throw ConfigError("Encoder::log_prob: not available with a flow posterior");
  }
  Heads h = heads(x);
  if (options_.covariance() == Covariance::Diagonal) return DiagonalGaussian{h.mean, h.log_std}.log_prob(z);
  return cholesky_from(h.mean, h.log_std, h.tril).log_prob(z);
}

int64_t EncoderImpl::multiply_adds() const {
  int64_t total = net_->multiply_adds();
  for (const auto& s : iaf_) total += s->made()->multiply_adds();
  return total;
}

}  // namespace elbo::amortized
