#pragma once
// Index bookkeeping shared by the Cholesky-factor bijectors: the free elements
// of a D×D lower-triangular matrix in Stan's order (row-major over the
// triangle: (0,0), (1,0), (1,1), (2,0), ... ; with `strict`, the diagonal is
// left out: (1,0), (2,0), (2,1), ...). Internal to the bijector module.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace elbo::bijector::detail {

struct TriangularIndex {
  int64_t dim = 0;        // D
  int64_t size = 0;       // number of free elements n
  at::Tensor position;    // [n] flat index row·D + col of each free element
  at::Tensor is_diagonal; // [n] bool
  at::Tensor scatter;     // [D·D] index into (free values ++ [0]): n for the zeros
};

/// D(D+1)/2 (or D(D−1)/2 with strict) free elements of a D×D triangle.
int64_t triangle_size(int64_t dim, bool strict);
/// The D with triangle_size(D, strict) == n; throws DomainError naming
/// `function` when there is none.
int64_t triangle_dim(const char* function, int64_t n, bool strict);
TriangularIndex triangular_index(int64_t dim, bool strict, const at::Device& device);

/// Places free values v [..., n] into D×D matrices [..., D, D] (zeros elsewhere).
at::Tensor to_matrix(const at::Tensor& v, const TriangularIndex& index);
/// The free values [..., n] of matrices [..., D, D].
at::Tensor from_matrix(const at::Tensor& m, const TriangularIndex& index);

}  // namespace elbo::bijector::detail
