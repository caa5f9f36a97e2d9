#include "elbo/bijector/triangular_index.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::bijector::detail {

int64_t triangle_size(int64_t dim, bool strict) {
  return strict ? dim * (dim - 1) / 2 : dim * (dim + 1) / 2;
}

int64_t triangle_dim(const char* function, int64_t n, bool strict) {
  // n = D(D ± 1)/2  ⇔  D = (sqrt(8n + 1) ∓ 1)/2.
  double root = std::sqrt(8.0 * static_cast<double>(n) + 1.0);
  int64_t dim = std::llround(strict ? (root + 1.0) / 2.0 : (root - 1.0) / 2.0);
  if (n < 0 || triangle_size(dim, strict) != n) {
    throw DomainError(check_message(function, "last dimension of y", -1,
                                    static_cast<double>(n),
                                    strict ? "D(D-1)/2 for some integer D"
                                           : "D(D+1)/2 for some integer D"));
  }
  return dim;
}

TriangularIndex triangular_index(int64_t dim, bool strict, const at::Device& device) {
  TriangularIndex index;
  index.dim = dim;
  index.size = triangle_size(dim, strict);
  auto long_options = torch::TensorOptions().dtype(torch::kLong);
  auto rc = torch::tril_indices(dim, dim, strict ? -1 : 0, long_options);
  auto rows = rc[0];
  auto cols = rc[1];
  index.position = rows * dim + cols;
  index.is_diagonal = rows == cols;
  index.scatter = torch::full({dim * dim}, index.size, long_options);
  index.scatter.index_put_({index.position}, torch::arange(index.size, long_options));
  index.position = index.position.to(device);
  index.is_diagonal = index.is_diagonal.to(device);
  index.scatter = index.scatter.to(device);
  return index;
}

at::Tensor to_matrix(const at::Tensor& v, const TriangularIndex& index) {
  auto shape = v.sizes().vec();
  shape.back() = 1;
  auto padded = torch::cat({v, torch::zeros(shape, v.options())}, -1);
  auto flat = padded.index_select(-1, index.scatter);
  shape.back() = index.dim;
  shape.push_back(index.dim);
  return flat.reshape(shape);
}

at::Tensor from_matrix(const at::Tensor& m, const TriangularIndex& index) {
  return m.flatten(-2).index_select(-1, index.position);
}

}  // namespace elbo::bijector::detail
