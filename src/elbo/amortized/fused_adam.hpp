#pragma once
// One Adam step (Kingma & Ba 2015, Algorithm 1) with torch::optim::Adam's ε placement,
//   m ← β1 m + (1 − β1) g,   v ← β2 v + (1 − β2) g²,
//   θ ← θ − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + ε),
// run as one pass over each parameter tensor on torch::optim::Adam's own state (its
// exp_avg, exp_avg_sq and step), so a checkpoint keeps torch's format and a run resumes
// exactly. torch's step issues ~10 tensor operations per parameter; this one loop reads
// g, m, v, θ once and writes m, v, θ once, in the same order of floating-point operations
// as ATen's vectorised kernels (mul_, add_ with α, addcmul_, sqrt, div, add_, addcdiv_).
namespace torch::optim {
class Adam;
}

namespace elbo::amortized {

/// Same maths and state as adam.step(). Falls back to adam.step() for what it does not
/// cover: AMSGrad, weight decay, several parameter groups with a closure, sparse,
/// non-contiguous or non-float/double tensors.
void fused_adam_step(torch::optim::Adam& adam);

/// Drops every parameter's gradient (the next backward pass stores fresh tensors instead
/// of adding into zeroed ones): torch's zero_grad(set_to_none = true).
void clear_gradients(torch::optim::Adam& adam);

}  // namespace elbo::amortized
