#pragma once
// The posteriors of the accuracy benchmark (README.md), as elbo models.
// Logistic regression and eight schools are the library's own models; the four
// synthetic targets, whose exact summaries reference.py computes, are:
//
//   Gaussian50:  x ~ N(μ, Σ), μ_i = sin i, s_i = exp(cos(i)/2), Σ_ij = s_i s_j 0.9^|i−j|
//   Funnel:      v ~ N(0, 3²), x_i | v ~ N(0, e^v), i = 1..9  (Neal 2003, "Slice sampling" §8)
//   Banana:      x1 ~ N(0, 10²), x2 | x1 ~ N(0.03 (x1² − 100), 1)
//                (the twisted Gaussian of Haario, Saksman & Tamminen 1999, b = 0.03)
//   Bimodal:     ½ N((−3, −3), I) + ½ N((3, 3), I)
//
// Gaussian50 is the library's models::GaussianTarget with that μ and Σ.
// All latents are unconstrained; CmdStan names ("x.1", ...) match the Stan files in stan/.
#include <ATen/core/Tensor.h>

#include <memory>
#include <string>
#include <vector>

#include "elbo/model/model.hpp"

namespace elbo::bench {

/// Gaussian50 as the library's models::GaussianTarget (closed-form gradient).
std::shared_ptr<const model::Model> make_gaussian50();

class Funnel : public model::Model {
 public:
  std::string name() const override { return "funnel"; }
  std::vector<model::Latent> latents() const override;
  at::Tensor log_joint(const model::Draws& z, const model::Subsample& data) const override;
};

class Banana : public model::Model {
 public:
  std::string name() const override { return "banana"; }
  std::vector<model::Latent> latents() const override;
  at::Tensor log_joint(const model::Draws& z, const model::Subsample& data) const override;
};

class Bimodal : public model::Model {
 public:
  std::string name() const override { return "bimodal"; }
  std::vector<model::Latent> latents() const override;
  at::Tensor log_joint(const model::Draws& z, const model::Subsample& data) const override;
};

/// The target by its benchmark name: logreg (breast cancer, features standardised by
/// the sample sd, α ~ N(0, 5), β ~ N(0, 1)), eight_schools_centered,
/// eight_schools_noncentered, gaussian50, funnel, banana, bimodal. A name ending in
/// "_autograd" gives the same model without its closed-form gradient (SVGD then
/// differentiates log_joint by autograd), for timing the two paths side by side.
/// Throws ConfigError for an unknown name.
std::shared_ptr<const model::Model> make_target(const std::string& name, const std::string& repo_dir);

/// All target names, in table order.
std::vector<std::string> target_names();

}  // namespace elbo::bench
