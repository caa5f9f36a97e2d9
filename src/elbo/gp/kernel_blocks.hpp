#pragma once
// A kernel against many rows, by blocks of rows on as many threads as the BLAS pool has
// (--threads):
// K_zx and its backprop are the O(T M D) elementwise part of a collapsed-bound
// evaluation (exp, distances), single-threaded Eigen code that would otherwise
// leave the second core to OpenBLAS's idle pool. Kernels are pure functions of
// their arguments, so the blocks run concurrently; the split depends only on the
// sizes and the thread count, so results are reproducible.
#include "elbo/gp/kernel.hpp"

namespace elbo::gp {

/// kernel.cross(Z, X), T×M.
Matrix cross_by_blocks(const Kernel& kernel, const Matrix& Z, const Matrix& X);

/// kernel.backprop(Z, X, G, grad, dZ).
void backprop_by_blocks(const Kernel& kernel, const Matrix& Z, const Matrix& X, const Matrix& G, double* grad,
                        Matrix* dZ);

}  // namespace elbo::gp
