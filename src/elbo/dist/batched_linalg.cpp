#include "elbo/dist/batched_linalg.hpp"

#include <torch/torch.h>

namespace elbo::dist {

at::Tensor apply_to_columns(const at::Tensor& v, int64_t batch_ndim,
                            const std::function<at::Tensor(const at::Tensor&)>& f) {
  auto x = v;
  while (x.dim() < batch_ndim + 1) x = x.unsqueeze(0);
  int64_t sample_ndim = x.dim() - batch_ndim - 1;
  auto sample_shape = x.sizes().slice(0, sample_ndim).vec();
  std::vector<int64_t> flat_shape{-1};
  for (int64_t i = sample_ndim; i < x.dim(); ++i) flat_shape.push_back(x.size(i));
  x = x.reshape(flat_shape);  // [N, batch..., D]
  std::vector<int64_t> to_columns;
  for (int64_t i = 1; i < x.dim(); ++i) to_columns.push_back(i);
  to_columns.push_back(0);
  auto y = f(x.permute(to_columns));  // [batch'..., D', N]
  std::vector<int64_t> from_columns{y.dim() - 1};
  for (int64_t i = 0; i + 1 < y.dim(); ++i) from_columns.push_back(i);
  y = y.permute(from_columns);  // [N, batch'..., D']
  std::vector<int64_t> out_shape = sample_shape;
  for (int64_t i = 1; i < y.dim(); ++i) out_shape.push_back(y.size(i));
  return y.reshape(out_shape);
}

at::Tensor batched_matvec(const at::Tensor& matrix, const at::Tensor& v) {
  return apply_to_columns(v, matrix.dim() - 2,
                          [&](const at::Tensor& cols) { return at::matmul(matrix, cols); });
}

at::Tensor batched_tril_solve(const at::Tensor& tril, const at::Tensor& v) {
  return apply_to_columns(v, tril.dim() - 2, [&](const at::Tensor& cols) {
    return at::linalg_solve_triangular(tril, cols, /*upper=*/false);
  });
}

at::Tensor half_log_det(const at::Tensor& tril) {
  return tril.diagonal(0, -2, -1).log().sum(-1);
}

}  // namespace elbo::dist
