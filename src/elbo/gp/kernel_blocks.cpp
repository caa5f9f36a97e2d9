#include "elbo/gp/kernel_blocks.hpp"

#include <algorithm>
#include <exception>
#include <functional>
#include <thread>
#include <vector>

#include "elbo/gp/dense_blas.hpp"

namespace elbo::gp {

namespace {

// Runs body(begin, end, block) on contiguous row ranges of [0, rows), one thread each.
int run_blocks(Eigen::Index rows, const std::function<void(Eigen::Index, Eigen::Index, int)>& body) {
  const int blocks = static_cast<int>(std::clamp<Eigen::Index>(rows / 1024, 1, blas::pool_threads()));
  std::vector<std::thread> threads;
  std::vector<std::exception_ptr> errors(static_cast<size_t>(blocks));
  for (int b = 0; b < blocks; ++b) {
    const Eigen::Index begin = rows * b / blocks, end = rows * (b + 1) / blocks;
    auto run = [&, b, begin, end] {
      try {
        body(begin, end, b);
      } catch (...) {
        errors[static_cast<size_t>(b)] = std::current_exception();
      }
    };
    if (b + 1 == blocks) run();  // the last block on this thread
    else threads.emplace_back(run);
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);
  return blocks;
}

}  // namespace

Matrix cross_by_blocks(const Kernel& kernel, const Matrix& Z, const Matrix& X) {
  Matrix K(Z.rows(), X.rows());
  run_blocks(X.rows(), [&](Eigen::Index begin, Eigen::Index end, int) {
    K.middleCols(begin, end - begin) = kernel.cross(Z, X.middleRows(begin, end - begin));
  });
  return K;
}

void backprop_by_blocks(const Kernel& kernel, const Matrix& Z, const Matrix& X, const Matrix& G, double* grad,
                        Matrix* dZ) {
  const Eigen::Index P = kernel.num_params();
  std::vector<Vector> grads(static_cast<size_t>(blas::pool_threads()), Vector::Zero(P));
  std::vector<Matrix> dZs(grads.size(), dZ ? Matrix::Zero(Z.rows(), Z.cols()) : Matrix());
  const int blocks = run_blocks(X.rows(), [&](Eigen::Index begin, Eigen::Index end, int b) {
    const auto i = static_cast<size_t>(b);
    kernel.backprop(Z, X.middleRows(begin, end - begin), G.middleCols(begin, end - begin), grads[i].data(),
                    dZ ? &dZs[i] : nullptr);
  });
  for (size_t i = 0; i < static_cast<size_t>(blocks); ++i) {  // in block order: the sum's rounding is fixed
    Eigen::Map<Vector>(grad, P) += grads[i];
    if (dZ) *dZ += dZs[i];
  }
}

}  // namespace elbo::gp
