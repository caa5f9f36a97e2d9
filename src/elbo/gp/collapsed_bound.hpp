#pragma once
// The collapsed variational bound of Titsias (2009) for the Gaussian likelihood:
//   log N(y; 0, Q + σ²I) − tr(K_ff − Q)/(2σ²),  Q = K_fz K_zz⁻¹ K_zf,
// computed in O(M T²) through the T×T matrix I + A Aᵀ, A = L⁻¹ K_zf / σ, never an
// M×M matrix. With Z = X it is the exact GP log marginal likelihood. Also the
// bound's optimal q(u), in the whitened coordinates v = L⁻¹u of the SVGP, and
// (optionally) the bound's gradient — what L-BFGS climbs (gp_optim/).
#include <Eigen/Core>

#include "elbo/gp/kernel.hpp"

namespace elbo::gp {

struct CollapsedBound {
  double value = 0;          // the bound
  Eigen::VectorXd q_mean;    // optimal whitened q(v) mean, T
  Eigen::MatrixXd q_chol;    // its covariance's lower Cholesky factor, T×T
};

/// ∂bound/∂ the kernel's unconstrained parameters, log σ², and Z (T×D).
struct CollapsedBoundGradient {
  Vector kernel;
  double log_noise = 0;
  Matrix inducing;
};

/// Rows of X are inputs, Z the inducing inputs, σ² the noise variance. With
/// `grad`, also the gradient, by the envelope theorem: the SVGP ELBO's partial
/// derivatives at the optimal q(v) held fixed, in 4 M T² flops (one trsm, one
/// syrk, one gemm) plus O(T³) — the SVGP step's route costs about 10 M T².
CollapsedBound collapsed_bound(const Kernel& kernel, const Matrix& X, const Vector& y, const Matrix& Z,
                               double noise_variance, double jitter = 1e-6, CollapsedBoundGradient* grad = nullptr);

}  // namespace elbo::gp
