#pragma once
// A compiled Stan program with its data, as an elbo density: log p(θ) on
// Stan's unconstrained scale (Stan's own transforms and log-Jacobians; its
// propto density, constants dropped, as Stan's algorithms use it), its
// gradient from Stan's reverse-mode autodiff, and the draws on the model's
// scale through write_array — parameters, transformed parameters and
// generated quantities under Stan's own names. Every elbo method runs on it.
//
//   auto p = elbo::stan::load_stan_model("eight_schools.stan", "eight_schools.json");
//   auto fit = elbo::infer::advi(p, options);
#include <ATen/core/Tensor.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "elbo/model/constrained_density.hpp"
#include "elbo/stan/stan_compiler.hpp"
#include "elbo/stan/stan_data.hpp"
#include "elbo/stan/stan_library.hpp"

namespace elbo::stan {

class StanDensity : public model::ConstrainedDensity {
 public:
  /// Constructs the program's model from `data` (InputError naming the data
  /// source and variable when Stan rejects it); `seed` drives transformed data's RNG.
  StanDensity(std::shared_ptr<const StanLibrary> library, const StanData& data, uint32_t seed = 0);
  ~StanDensity() override;
  StanDensity(const StanDensity&) = delete;
  StanDensity& operator=(const StanDensity&) = delete;

  int64_t dim() const override { return dim_; }
  using model::LogDensity::log_prob;
  /// Differentiable in θ (one autograd node whose backward is Stan's gradient).
  at::Tensor log_prob(const at::Tensor& theta, const model::Subsample& data) const override;
  model::LogProbAndGradient log_prob_and_gradient(const at::Tensor& theta,
                                                  const model::Subsample& data) const override;
  /// Five-point central differences of Stan's gradient (4D gradients in one batch).
  at::Tensor hessian(const at::Tensor& theta) const override;

  std::string model_name() const override { return name_; }
  /// Parameters, transformed parameters and generated quantities.
  std::vector<std::string> output_names() const override { return output_names_; }
  at::Tensor output_values(const at::Tensor& theta, uint64_t seed) const override;

  const std::vector<std::string>& parameter_names() const { return parameter_names_; }
  const std::vector<std::string>& unconstrained_names() const { return unconstrained_names_; }
  /// θ [D] from constrained parameter values (an --init file); InputError on a bad value.
  at::Tensor unconstrain(const StanData& values) const;

  /// log p [K] and, when `gradient` is not null, ∇ [K, D] at K row-major points,
  /// with the Jacobian; threads over points when the batch is worth it.
  void evaluate(int64_t num_points, const double* theta, double* log_p, double* gradient) const;

 private:
  std::shared_ptr<const StanLibrary> library_;
  elbo_stan_model* model_ = nullptr;
  std::string name_;
  int64_t dim_ = 0;
  std::vector<std::string> parameter_names_, output_names_, unconstrained_names_;
  mutable std::atomic<double> seconds_per_point_{0.0};  // measured, decides threading
};

struct StanModelOptions {
  StanCompileOptions compile;
  uint32_t seed = 0;  // transformed data's RNG
};

/// Compiles `stan_file` (or takes it from the cache), reads `data_file`
/// (CmdStan JSON; empty: no data) and constructs the model. `compiled`, when
/// given, receives what the compiler did (cache hit, timings, syntax changes).
std::shared_ptr<StanDensity> load_stan_model(const std::string& stan_file,
                                             const std::string& data_file,
                                             const StanModelOptions& options = {},
                                             CompiledStanProgram* compiled = nullptr);

}  // namespace elbo::stan
