#pragma once
// Shared pieces of the HMM tests: a known 3-state Gaussian HMM, fitting helpers,
// and label matching by brute force over the 3! permutations.
#include <Eigen/Core>

#include <algorithm>
#include <memory>
#include <numeric>
#include <vector>

#include "elbo/conjugate/cavi.hpp"
#include "elbo/hmm/bayesian_hmm.hpp"
#include "elbo/hmm/categorical_emission.hpp"
#include "elbo/hmm/gaussian_emission.hpp"
#include "elbo/hmm/simulate.hpp"

namespace hmm_test {

using elbo::hmm::RowMatrix;

struct KnownHmm {
  Eigen::VectorXd initial;
  Eigen::MatrixXd transition, means;
  std::vector<Eigen::MatrixXd> covariances;
};

/// Three sticky states in 2-D whose emissions overlap a little.
inline KnownHmm three_state_gaussian(double spread = 0.8) {
  KnownHmm h;
  h.initial = Eigen::Vector3d(0.5, 0.3, 0.2);
  h.transition.resize(3, 3);
  h.transition << 0.90, 0.07, 0.03,  //
      0.05, 0.85, 0.10,              //
      0.10, 0.05, 0.85;
  h.means.resize(3, 2);
  h.means << -2.0, 0.0,  //
      0.0, 2.0,          //
      2.0, 0.0;
  for (int k = 0; k < 3; ++k) {
    Eigen::Matrix2d c;
    c << spread * spread, 0.3 * spread * spread * (k - 1), 0.3 * spread * spread * (k - 1), spread * spread;
    h.covariances.push_back(c);
  }
  return h;
}

inline elbo::hmm::SimulatedChain simulate(const KnownHmm& h, int64_t T, uint64_t seed) {
  elbo::conjugate::Rng rng(seed);
  return elbo::hmm::simulate_gaussian_hmm(h.initial, h.transition, h.means, h.covariances, T, rng);
}

inline std::unique_ptr<elbo::hmm::BayesianHmm> gaussian_model(const RowMatrix& X, std::vector<int64_t> starts,
                                                              int64_t K, elbo::hmm::BayesianHmmOptions options = {}) {
  options.threads(2);
  auto emission = std::make_unique<elbo::hmm::GaussianEmission>(
      X, elbo::hmm::GaussianEmissionOptions().num_states(K).threads(2));
  return std::make_unique<elbo::hmm::BayesianHmm>(X, std::move(starts), std::move(emission), options);
}

/// perm[k] = the true state matched to fitted state k, minimising Σ_k ‖mean_k − truth_perm[k]‖².
inline std::vector<int> match_labels(const Eigen::MatrixXd& fitted, const Eigen::MatrixXd& truth) {
  std::vector<int> perm(static_cast<size_t>(truth.rows())), best;
  std::iota(perm.begin(), perm.end(), 0);
  double best_cost = INFINITY;
  do {
    double cost = 0;
    for (Eigen::Index k = 0; k < fitted.rows(); ++k) cost += (fitted.row(k) - truth.row(perm[k])).squaredNorm();
    if (cost < best_cost) {
      best_cost = cost;
      best = perm;
    }
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

}  // namespace hmm_test
