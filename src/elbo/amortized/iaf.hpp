#pragma once
// Inverse autoregressive flow (Kingma, Salimans, Józefowicz, Chen, Sutskever &
// Welling 2016, Algorithm 1 / eq. 11–14) with a context vector h from the encoder:
//   [m, s] = MADE(z, h),  σ = sigmoid(s),  z' = σ ⊙ z + (1 − σ) ⊙ m,
//   log|det ∂z'/∂z| = Σ_d log σ_d,
// where m_d, s_d depend only on z_{<d} (Germain et al. 2015, MADE masks), so the
// Jacobian is triangular. Steps alternate the variable order (reverse).
#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <cstdint>
#include <utility>

namespace elbo::amortized {

/// Masked autoencoder: z [.., D] and context h [.., C] → (m, s), each [.., D],
/// output d a function of z_{<d} and h only. Two masked hidden layers of `hidden` units.
class MadeImpl : public torch::nn::Module {
 public:
  MadeImpl(int64_t dim, int64_t hidden, int64_t context);
  std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& z, const at::Tensor& h);
  int64_t multiply_adds() const;

 private:
  int64_t dim_, hidden_, context_;
  at::Tensor w1_, b1_, c1_, w2_, b2_, wm_, bm_, ws_, bs_;
  at::Tensor mask1_, mask2_, mask_out_;
};
TORCH_MODULE(Made);

/// One IAF step; `reverse` flips the variable order first (volume preserving).
class IafStepImpl : public torch::nn::Module {
 public:
  IafStepImpl(int64_t dim, int64_t hidden, int64_t context, bool reverse);
  /// z [K, N, D], h [N, C] → (z', log|det J| [K, N]).
  std::pair<at::Tensor, at::Tensor> forward(const at::Tensor& z, const at::Tensor& h);
  Made made() const { return made_; }

 private:
  Made made_;
  bool reverse_;
};
TORCH_MODULE(IafStep);

}  // namespace elbo::amortized
