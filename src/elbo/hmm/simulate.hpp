#pragma once
// Draws from a known HMM (tests, benchmarks, examples).
#include <Eigen/Core>

#include <vector>

#include "elbo/conjugate/conjugate_model.hpp"
#include "elbo/hmm/forward_backward.hpp"

namespace elbo::hmm {

struct SimulatedChain {
  RowMatrix observations;       // T×D (categorical: T×1 symbols)
  std::vector<int32_t> states;  // T
};

/// States from Cat(initial), then rows of `transition` (K×K, row-stochastic).
std::vector<int32_t> simulate_states(const Eigen::VectorXd& initial, const Eigen::MatrixXd& transition,
                                     int64_t length, conjugate::Rng& rng);

/// x_t ~ N(means.row(z_t), covariances[z_t]).
SimulatedChain simulate_gaussian_hmm(const Eigen::VectorXd& initial, const Eigen::MatrixXd& transition,
                                     const Eigen::MatrixXd& means, const std::vector<Eigen::MatrixXd>& covariances,
                                     int64_t length, conjugate::Rng& rng);

/// x_t ~ Cat(probabilities.row(z_t)) (K×V).
SimulatedChain simulate_categorical_hmm(const Eigen::VectorXd& initial, const Eigen::MatrixXd& transition,
                                        const Eigen::MatrixXd& probabilities, int64_t length, conjugate::Rng& rng);

}  // namespace elbo::hmm
