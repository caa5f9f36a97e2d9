#pragma once
// Stein variational gradient descent (Liu & Wang 2016, "Stein Variational
// Gradient Descent: A General Purpose Bayesian Inference Algorithm", NeurIPS,
// Alg. 1): n particles θ_i ∈ R^D move along the kernelised Stein direction
//
//   φ(θ_i) = (1/n) Σ_j [ k(θ_j, θ_i) ∇log p(θ_j) + ∇_{θ_j} k(θ_j, θ_i) ],
//   θ_i ← θ_i + ε φ(θ_i),
//
// the first term pulling particles to high density, the second pushing them
// apart. ∇log p comes from LogDensity::log_prob_and_gradient: in closed form
// when the model has it (e.g. the GLMs, models::GaussianTarget), else autograd. Kernels: RBF k = exp(−‖x − y‖²/h) with the median heuristic
// h = med²/log n (med = median pairwise distance; paper §5), and the inverse
// multiquadric k = (1 + ‖x − y‖²/h)^(−1/2) (Gorham & Mackey 2017). One step
// evaluates log p and its gradient on all n particles as one [n, D] batch;
// the Stein direction and the Adagrad / sgd update run fused over reused
// contiguous buffers (stein_kernel.hpp). Step rules: the paper's code's Adagrad with momentum
// (h_t = α h_{t−1} + (1 − α) φ², θ += ε φ / (1e-6 + √h_t)), Adam from
// torch::optim, or plain θ += ε φ. The normalised Adagrad step does not shrink
// as φ → 0: the ensemble ends in a cycle of amplitude ~ε/2 around the fixed
// point, so choose ε by the accuracy wanted. With batch_size < M, ∇log p is estimated
// on a seeded minibatch (the model scales its likelihood by M/S).
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "elbo/infer/stein_kernel.hpp"
#include "elbo/model/log_density.hpp"

namespace torch::optim {
class Adam;
}  // namespace torch::optim

namespace elbo::infer {

enum class SvgdStepRule { adagrad, adam, sgd };

struct SvgdOptions {
  TORCH_ARG(int64_t, num_particles) = 100;
  TORCH_ARG(int64_t, max_iterations) = 1000;
  /// ε (the base step of Adagrad / Adam, or the plain step for sgd).
  TORCH_ARG(double, step_size) = 0.1;
  TORCH_ARG(SvgdStepRule, step_rule) = SvgdStepRule::adagrad;
  /// Momentum α of the paper's Adagrad.
  TORCH_ARG(double, adagrad_alpha) = 0.9;
  TORCH_ARG(SvgdKernel, kernel) = SvgdKernel::rbf;
  /// Fixed bandwidth h > 0; 0 uses the median heuristic h = med²/log n every step.
  TORCH_ARG(double, bandwidth) = 0.0;
  /// Minibatch size S; 0 or ≥ M uses all data.
  TORCH_ARG(int64_t, batch_size) = 0;
  TORCH_ARG(uint64_t, seed) = 1;
  /// Initial particles θ_i ~ N(init_location, init_scale² I); location undefined: 0.
  TORCH_ARG(at::Tensor, init_location) = {};
  TORCH_ARG(double, init_scale) = 1.0;
  /// Given initial particles [n, D] (then num_particles is taken from them).
  TORCH_ARG(at::Tensor, init_particles) = {};
  /// Record a trace point every this many steps (and after the last); 0: never.
  TORCH_ARG(int64_t, trace_every) = 100;
};

struct SvgdTracePoint {
  int64_t iteration;
  double mean_log_prob;  // (1/n) Σ_i log p(θ_i) on the step's minibatch, before the update
  double phi_norm;       // ‖φ‖_F / √n, the root-mean-square Stein direction
  double bandwidth;      // h used in the step
};

struct SvgdResult {
  at::Tensor particles;  // [n, D]
  std::vector<SvgdTracePoint> trace;
  int64_t iterations = 0;
  double seconds = 0.0;
};

/// φ for particles [n, D] with ∇log p [n, D] and bandwidth h (> 0): [n, D].
at::Tensor stein_direction(const at::Tensor& particles, const at::Tensor& grad_log_p,
                           SvgdKernel kernel, double bandwidth);

/// The median heuristic med²/log n over the pairwise distances of [n, D]
/// particles; 1 when n = 1 or all particles coincide.
double median_bandwidth(const at::Tensor& particles);

class Svgd {
 public:
  Svgd(std::shared_ptr<const model::LogDensity> p, SvgdOptions options);
  ~Svgd();

  /// One update of every particle.
  void step();
  /// Runs max_iterations steps from the current particles.
  SvgdResult run();

  const at::Tensor& particles() const { return particles_; }
  int64_t iteration() const { return iteration_; }

 private:
  std::shared_ptr<const model::LogDensity> p_;
  SvgdOptions options_;
  at::Generator gen_;
  at::Tensor particles_;        // [n, D] contiguous, a leaf (Adam's parameter)
  SteinWorkspace stein_;
  std::vector<double> phi_;              // [n, D]
  SteinAdagrad adagrad_;                 // the paper's Adagrad with momentum
  std::unique_ptr<torch::optim::Adam> adam_;
  int64_t iteration_ = 0;
  std::vector<SvgdTracePoint> trace_;
};

}  // namespace elbo::infer
