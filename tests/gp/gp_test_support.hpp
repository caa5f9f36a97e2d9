#pragma once
// Shared fixtures of the gp tests: seeded synthetic data and finite differences.
#include <Eigen/Core>

#include <cmath>
#include <functional>
#include <random>

namespace elbo::gp::testing {

/// M rows of D standard normal inputs and y = sin(2 x₁) + 0.5 x₂ + noise.
inline void synthetic_regression(int M, int D, uint64_t seed, Eigen::MatrixXd& X, Eigen::VectorXd& y,
                                 double noise_sd = 0.2) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01;
  X.resize(M, D);
  y.resize(M);
  for (int i = 0; i < M; ++i) {
    for (int d = 0; d < D; ++d) X(i, d) = n01(rng);
    y[i] = std::sin(2 * X(i, 0)) + (D > 1 ? 0.5 * X(i, 1) : 0.0) + noise_sd * n01(rng);
  }
}

/// Central difference of f at x in every coordinate.
inline Eigen::VectorXd numeric_gradient(const std::function<double(const Eigen::VectorXd&)>& f, Eigen::VectorXd x,
                                        double h = 1e-5) {
  Eigen::VectorXd g(x.size());
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const double x0 = x[i];
    x[i] = x0 + h;
    const double up = f(x);
    x[i] = x0 - h;
    const double down = f(x);
    x[i] = x0;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

}  // namespace elbo::gp::testing
