#pragma once
// An affine layer y = x Wᵀ + b whose input x [N, P] is mostly zeros (binarised images:
// ~13% of MNIST's pixels are on), computed on x's nonzero entries only, with the
// gradients ∂/∂W = (∂L/∂y)ᵀ x and ∂/∂b = Σ_rows ∂L/∂y formed the same way. The values are
// those of the dense product up to the order of the floating-point sums; x receives no
// gradient (it is data), so the layer applies only where x does not require one.
//
// Cost: forward and weight gradient each take nnz(x)·H multiply-adds instead of N·P·H.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace elbo::amortized {

/// Fraction of nonzero entries of x (one pass).
double nonzero_fraction(const at::Tensor& x);

/// Whether the sparse path applies to x and weight: 2-D contiguous CPU float/double
/// data of the weight's type that does not require a gradient, with at most
/// `max_density` of its entries nonzero.
bool sparse_input_applies(const at::Tensor& x, const at::Tensor& weight, double max_density);

/// y = x Wᵀ + b for weight [H, P], bias [H] (or undefined), differentiable in weight and
/// bias. Requires sparse_input_applies(x, weight, 1.0).
at::Tensor sparse_input_linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);

}  // namespace elbo::amortized
