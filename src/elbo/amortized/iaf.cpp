#include "elbo/amortized/iaf.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/error.hpp"

namespace elbo::amortized {

MadeImpl::MadeImpl(int64_t dim, int64_t hidden, int64_t context)
    : dim_(dim), hidden_(hidden), context_(context) {
  if (dim < 1 || hidden < 1 || context < 0) {
    throw ConfigError("Made: dimension and hidden size must be positive");
  }
  // Degrees: inputs 1..D; hidden units cycle through 1..D−1 (0 when D = 1: they
  // then see the context only); output d may use hidden units of degree < d.
  auto in_deg = torch::arange(1, dim + 1, torch::kLong);
  auto hid_deg = dim > 1 ? torch::arange(hidden, torch::kLong).remainder(dim - 1) + 1
                         : torch::zeros({hidden}, torch::kLong);
  mask1_ = register_buffer("mask1", (hid_deg.unsqueeze(1) >= in_deg.unsqueeze(0)).to(torch::kFloat));
  mask2_ = register_buffer("mask2", (hid_deg.unsqueeze(1) >= hid_deg.unsqueeze(0)).to(torch::kFloat));
  mask_out_ = register_buffer("mask_out", (in_deg.unsqueeze(1) > hid_deg.unsqueeze(0)).to(torch::kFloat));
  auto init = [](int64_t out, int64_t in) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(std::max<int64_t>(in, 1)));
    return torch::empty({out, in}).uniform_(-bound, bound);
  };
  w1_ = register_parameter("w1", init(hidden, dim));
  b1_ = register_parameter("b1", torch::zeros({hidden}));
  c1_ = register_parameter("c1", init(hidden, std::max<int64_t>(context, 1)).narrow(1, 0, context).clone());
  w2_ = register_parameter("w2", init(hidden, hidden));
  b2_ = register_parameter("b2", torch::zeros({hidden}));
  wm_ = register_parameter("wm", init(dim, hidden) * 0.1);
  bm_ = register_parameter("bm", torch::zeros({dim}));
  ws_ = register_parameter("ws", init(dim, hidden) * 0.1);
  // Forget-gate bias: σ starts near sigmoid(1.5) ≈ 0.82, close to the identity (Kingma et al. §4).
  bs_ = register_parameter("bs", torch::full({dim}, 1.5));
}

std::pair<at::Tensor, at::Tensor> MadeImpl::forward(const at::Tensor& z, const at::Tensor& h) {
  auto a1 = torch::matmul(z, (w1_ * mask1_).t()) + b1_;
  if (context_ > 0) a1 = a1 + torch::matmul(h, c1_.t());
  auto h1 = torch::elu(a1);
  auto h2 = torch::elu(torch::matmul(h1, (w2_ * mask2_).t()) + b2_);
  auto m = torch::matmul(h2, (wm_ * mask_out_).t()) + bm_;
  auto s = torch::matmul(h2, (ws_ * mask_out_).t()) + bs_;
  return {m, s};
}

int64_t MadeImpl::multiply_adds() const {
  return hidden_ * dim_ + hidden_ * context_ + hidden_ * hidden_ + 2 * dim_ * hidden_;
}

IafStepImpl::IafStepImpl(int64_t dim, int64_t hidden, int64_t context, bool reverse)
    : made_(register_module("made", Made(dim, hidden, context))), reverse_(reverse) {}

std::pair<at::Tensor, at::Tensor> IafStepImpl::forward(const at::Tensor& z_in, const at::Tensor& h) {
  auto z = reverse_ ? z_in.flip(-1) : z_in;
  auto [m, s] = made_->forward(z, h);
  auto sigma = torch::sigmoid(s);
  auto z_new = sigma * z + (1.0 - sigma) * m;
  auto log_det = torch::log_sigmoid(s).sum(-1);
  return {z_new, log_det};
}

}  // namespace elbo::amortized
