// The sparse-input affine layer against the dense one (torch::linear and its autograd):
// outputs and gradients agree to rounding, in double with non-binary values and in
// float with binary ones, also inside an Mlp; x gets no gradient; bad shapes are named.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "elbo/amortized/mlp.hpp"
#include "elbo/amortized/sparse_input_linear.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"

namespace elbo::amortized {
namespace {

at::Tensor sparse_data(int64_t n, int64_t p, double density, at::ScalarType type, bool binary, uint64_t seed) {
  auto gen = make_generator(seed);
  auto opts = torch::TensorOptions().dtype(type);
  auto mask = (at::rand({n, p}, gen, opts) < density).to(type);
  if (binary) return mask;
  return mask * at::randn({n, p}, gen, opts);
}

struct Grads {
  at::Tensor y, w, b;
};

Grads run(bool sparse, const at::Tensor& x, const at::Tensor& w0, const at::Tensor& b0, const at::Tensor& c) {
  auto w = w0.detach().clone().requires_grad_(true);
  auto b = b0.detach().clone().requires_grad_(true);
  auto y = sparse ? sparse_input_linear(x, w, b) : torch::linear(x, w, b);
  (torch::tanh(y) * c).sum().backward();
  return {y.detach(), w.grad(), b.grad()};
}

TEST(SparseInputLinear, EqualsDenseInDoubleWithValues) {
  const auto x = sparse_data(13, 37, 0.2, at::kDouble, /*binary=*/false, 1);
  auto gen = make_generator(2);
  const auto w = at::randn({9, 37}, gen, at::kDouble), b = at::randn({9}, gen, at::kDouble);
  const auto c = at::randn({13, 9}, gen, at::kDouble);
  const Grads dense = run(false, x, w, b, c), sparse = run(true, x, w, b, c);
  EXPECT_TRUE(torch::allclose(sparse.y, dense.y, 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(sparse.w, dense.w, 1e-12, 1e-12));
  EXPECT_TRUE(torch::allclose(sparse.b, dense.b, 1e-12, 1e-12));
  // Columns of x that are all zero get exactly zero weight gradient.
  const auto dead = (x != 0).sum(0) == 0;
  ASSERT_GT(dead.sum().item<int64_t>(), 0);
  EXPECT_EQ(sparse.w.index({torch::indexing::Slice(), dead}).abs().max().item<double>(), 0.0);
}

TEST(SparseInputLinear, EqualsDenseInFloatWithBinaryInput) {
  const auto x = sparse_data(100, 784, 0.13, at::kFloat, /*binary=*/true, 3);
  auto gen = make_generator(4);
  const auto w = 0.05 * at::randn({203, 784}, gen, at::kFloat), b = at::randn({203}, gen, at::kFloat);  // 203: vector tail
  const auto c = at::randn({100, 203}, gen, at::kFloat);
  const Grads dense = run(false, x, w, b, c), sparse = run(true, x, w, b, c);
  EXPECT_TRUE(torch::allclose(sparse.y, dense.y, 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(sparse.w, dense.w, 1e-5, 1e-5));
  EXPECT_TRUE(torch::allclose(sparse.b, dense.b, 1e-5, 1e-5));
}

TEST(SparseInputLinear, MlpWithSparseInputEqualsDenseMlp) {
  const auto x = sparse_data(20, 30, 0.15, at::kDouble, /*binary=*/true, 5);
  torch::manual_seed(3);
  Mlp dense(30, std::vector<int64_t>{16, 8}, 4, Activation::Tanh);
  dense->to(at::kDouble);
  torch::manual_seed(3);
  Mlp sparse(30, std::vector<int64_t>{16, 8}, 4, Activation::Tanh);
  sparse->to(at::kDouble);
  sparse->sparse_input(0.3);
  auto yd = dense->forward(x), ys = sparse->forward(x);
  EXPECT_NEAR(sparse->last_input_density(), (x != 0).sum().item<double>() / 600.0, 1e-15);
  EXPECT_EQ(dense->last_input_density(), 1.0);
  EXPECT_EQ(sparse->input_layer_multiply_adds(), 30 * 16);
  EXPECT_EQ(sparse->multiply_adds(), 30 * 16 + 16 * 8 + 8 * 4);
  EXPECT_TRUE(torch::allclose(ys, yd, 1e-12, 1e-12));
  yd.square().sum().backward();
  ys.square().sum().backward();
  auto pd = dense->parameters(), ps = sparse->parameters();
  ASSERT_EQ(pd.size(), ps.size());
  for (size_t i = 0; i < pd.size(); ++i) EXPECT_TRUE(torch::allclose(ps[i].grad(), pd[i].grad(), 1e-12, 1e-12)) << i;
  // Too dense for the threshold: the dense path, density reported as 1.
  sparse->sparse_input(0.01);
  sparse->forward(x);
  EXPECT_EQ(sparse->last_input_density(), 1.0);
}

TEST(SparseInputLinear, AppliesOnlyToPlainData) {
  const auto x = sparse_data(4, 6, 0.3, at::kDouble, true, 6);
  const auto w = torch::zeros({3, 6}, at::kDouble);
  EXPECT_TRUE(sparse_input_applies(x, w, 1.0));
  EXPECT_FALSE(sparse_input_applies(x.to(at::kFloat), w, 1.0));            // type mismatch
  EXPECT_FALSE(sparse_input_applies(x.t(), torch::zeros({3, 4}, at::kDouble), 1.0));  // not contiguous
  EXPECT_FALSE(sparse_input_applies(x.clone().requires_grad_(true), w, 1.0));
  EXPECT_FALSE(sparse_input_applies(torch::ones({4, 6}, at::kDouble), w, 0.5));
  EXPECT_DOUBLE_EQ(nonzero_fraction(torch::tensor({0.0, 2.0, 0.0, -1.0}, at::kDouble)), 0.5);
  EXPECT_THROW(sparse_input_linear(x, torch::zeros({3, 5}, at::kDouble), at::Tensor()), ConfigError);
}

}  // namespace
}  // namespace elbo::amortized
