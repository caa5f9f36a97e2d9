#include "elbo/hmm/simulate.hpp"

#include <Eigen/Cholesky>

#include <random>

namespace elbo::hmm {

namespace {
int32_t draw_index(const double* p, int64_t n, conjugate::Rng& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  double u = unit(rng), cumulative = 0.0;
  for (int64_t k = 0; k < n; ++k) {
    cumulative += p[k];
    if (u < cumulative) return static_cast<int32_t>(k);
  }
  return static_cast<int32_t>(n - 1);
}
}  // namespace

std::vector<int32_t> simulate_states(const Eigen::VectorXd& initial, const Eigen::MatrixXd& transition,
                                     int64_t length, conjugate::Rng& rng) {
  const int64_t K = initial.size();
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> P = transition;
  std::vector<int32_t> z(static_cast<size_t>(length));
  for (int64_t t = 0; t < length; ++t) {
    const double* p = t == 0 ? initial.data() : P.data() + z[static_cast<size_t>(t - 1)] * K;
    z[static_cast<size_t>(t)] = draw_index(p, K, rng);
  }
  return z;
}

SimulatedChain simulate_gaussian_hmm(const Eigen::VectorXd& initial, const Eigen::MatrixXd& transition,
                                     const Eigen::MatrixXd& means, const std::vector<Eigen::MatrixXd>& covariances,
                                     int64_t length, conjugate::Rng& rng) {
  SimulatedChain out;
  out.states = simulate_states(initial, transition, length, rng);
  const int64_t D = means.cols();
  std::vector<Eigen::MatrixXd> chol;
  for (const auto& c : covariances) chol.push_back(c.llt().matrixL());
  std::normal_distribution<double> normal;
  out.observations.resize(length, D);
  Eigen::VectorXd e(D);
  for (int64_t t = 0; t < length; ++t) {
    const int32_t k = out.states[static_cast<size_t>(t)];
    for (int64_t d = 0; d < D; ++d) e(d) = normal(rng);
    out.observations.row(t) = means.row(k) + (chol[static_cast<size_t>(k)] * e).transpose();
  }
  return out;
}

SimulatedChain simulate_categorical_hmm(const Eigen::VectorXd& initial, const Eigen::MatrixXd& transition,
                                        const Eigen::MatrixXd& probabilities, int64_t length, conjugate::Rng& rng) {
  SimulatedChain out;
  out.states = simulate_states(initial, transition, length, rng);
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> P = probabilities;
  out.observations.resize(length, 1);
  for (int64_t t = 0; t < length; ++t) {
    out.observations(t, 0) = draw_index(P.data() + out.states[static_cast<size_t>(t)] * P.cols(), P.cols(), rng);
  }
  return out;
}

}  // namespace elbo::hmm
