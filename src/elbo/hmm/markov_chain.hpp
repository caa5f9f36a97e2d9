#pragma once
// Properties of a finite Markov chain with a row-stochastic transition matrix P.
#include <Eigen/Core>

namespace elbo::hmm {

/// The stationary distribution ω (ωᵀ P = ωᵀ, Σ ω = 1) by least squares on
/// [(Pᵀ − I); 1ᵀ] ω = [0; 1]; for a reducible chain, one of its stationary
/// distributions. Entries are clipped at 0 and renormalised.
Eigen::VectorXd stationary_distribution(const Eigen::MatrixXd& P);

}  // namespace elbo::hmm
