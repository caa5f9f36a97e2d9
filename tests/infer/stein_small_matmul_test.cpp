// model::small_matmul (the blocked product offered for a GLM's η = β Xᵀ and
// r X, where SVGD's logistic-regression step spends its time) against at::mm:
// ragged shapes on both edges, leading dimensions larger than the width,
// C += A·B, and K = 0.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "elbo/core/random.hpp"
#include "elbo/model/small_matmul.hpp"

namespace elbo::model {
namespace {

using torch::kDouble;

TEST(SteinSmallMatmul, MatchesMatmul) {
  auto gen = make_generator(31);
  for (int64_t M : {1, 7, 8, 13, 100}) {
    for (int64_t N : {1, 6, 8, 30, 569}) {
      for (int64_t K : {1, 3, 30}) {
        // Views into wider buffers: leading dimensions exceed the widths.
        auto A_buf = torch::randn({M, K + 3}, gen, kDouble);
        auto B_buf = torch::randn({K, N + 5}, gen, kDouble);
        auto A = A_buf.narrow(1, 0, K);
        auto B = B_buf.narrow(1, 0, N);
        auto expected = A.matmul(B);
        auto C_buf = torch::full({M, N + 2}, -7.0, kDouble);
        small_matmul(A_buf.data_ptr<double>(), K + 3, B_buf.data_ptr<double>(), N + 5,
                     C_buf.data_ptr<double>(), N + 2, M, N, K);
        const double scale = std::max(1.0, expected.abs().max().item<double>());
        EXPECT_LT((C_buf.narrow(1, 0, N) - expected).abs().max().item<double>(), 1e-14 * scale)
            << M << " " << N << " " << K;
        EXPECT_TRUE((C_buf.narrow(1, N, 2) == -7.0).all().item<bool>());  // untouched
        // C += A·B.
        small_matmul(A_buf.data_ptr<double>(), K + 3, B_buf.data_ptr<double>(), N + 5,
                     C_buf.data_ptr<double>(), N + 2, M, N, K, /*accumulate=*/true);
        EXPECT_LT((C_buf.narrow(1, 0, N) - 2.0 * expected).abs().max().item<double>(),
                  2e-14 * scale);
      }
    }
  }
}

TEST(SteinSmallMatmul, LogisticRegressionShapesAndEmptyInner) {
  auto gen = make_generator(32);
  // η = β Xᵀ ([100, 30]·[30, 569]) and the gradient r X ([100, 569]·[569, 30]).
  auto beta = torch::randn({100, 30}, gen, kDouble);
  auto X = torch::randn({569, 30}, gen, kDouble);
  auto Xt = X.t().contiguous();
  auto eta = torch::empty({100, 569}, kDouble);
  small_matmul(beta.data_ptr<double>(), 30, Xt.data_ptr<double>(), 569, eta.data_ptr<double>(),
               569, 100, 569, 30);
  EXPECT_LT((eta - beta.matmul(Xt)).abs().max().item<double>(), 1e-13);
  auto r = torch::rand({100, 569}, gen, kDouble) - 0.5;
  auto grad = torch::empty({100, 30}, kDouble);
  small_matmul(r.data_ptr<double>(), 569, X.data_ptr<double>(), 30, grad.data_ptr<double>(), 30,
               100, 30, 569);
  EXPECT_LT((grad - r.matmul(X)).abs().max().item<double>(), 1e-12);
  // K = 0: the empty sum.
  auto C = torch::full({9, 9}, 3.0, kDouble);
  small_matmul(beta.data_ptr<double>(), 30, Xt.data_ptr<double>(), 569, C.data_ptr<double>(), 9,
               9, 9, 0);
  EXPECT_TRUE((C == 0.0).all().item<bool>());
}

}  // namespace
}  // namespace elbo::model
