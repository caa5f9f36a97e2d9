#pragma once
// A log density over unconstrained θ that can also say what θ means on the
// model's own scale: the names and values written for each draw (constrained
// latents, then derived quantities such as Stan's transformed parameters and
// generated quantities). Every front-end's target is one — ModelDensity for
// models written against the C++ model API, stan::StanDensity for Stan
// programs — so the methods, draws writer and summaries serve all of them.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "elbo/model/log_density.hpp"

namespace elbo::model {

class ConstrainedDensity : public LogDensity {
 public:
  /// The model's name, as written in draws.csv's header.
  virtual std::string model_name() const = 0;
  /// CmdStan-style names of the written values ("alpha", "beta.1", "L.2.1").
  virtual std::vector<std::string> output_names() const = 0;
  /// θ [K, D] → the written values [K, P] in output_names() order. Random
  /// derived quantities (Stan's generated quantities) draw from `seed`.
  virtual at::Tensor output_values(const at::Tensor& theta, uint64_t seed) const = 0;
};

}  // namespace elbo::model
