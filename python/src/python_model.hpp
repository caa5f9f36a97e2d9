#pragma once
// A model written in Python, seen by the engine as an elbo::model::Model: the
// latents come from the Python declaration, and log_joint calls back into
// Python (with the GIL) on torch tensors that carry the engine's autograd
// graph, so gradients flow through the Python-built ops. Everything else
// (bijectors, families, objectives, optimizers, diagnostics) is the C++ one.
#include <pybind11/pybind11.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "elbo/model/model.hpp"
#include "traced_log_joint.hpp"

namespace elbo_python {

/// A constraint as Python spells it: ("lower", 0.0), ("interval", 0.0, 1.0),
/// ("simplex",), ... Throws ConfigError naming the latent for an unknown kind.
elbo::bijector::Constraint constraint_from_spec(const std::string& latent, const pybind11::tuple& spec);

class PythonModel : public elbo::model::Model {
 public:
  /// `evaluate(z: dict[str, Tensor], indices: Tensor | None, scale: float)
  /// -> Tensor[K]` is elbo.Model's adapter around the user's log_joint (it
  /// selects the minibatch rows); `derived(z) -> list[(str, Tensor)]` or None.
  /// With `traced` (jit=True), log_joint runs as TorchScript and `evaluate` is unused.
  PythonModel(std::string name, std::vector<elbo::model::Latent> latents, int64_t num_data,
              pybind11::object evaluate, pybind11::object derived, std::unique_ptr<TracedLogJoint> traced);
  ~PythonModel() override;

  std::string name() const override { return name_; }
  std::vector<elbo::model::Latent> latents() const override { return latents_; }
  int64_t num_data() const override { return num_data_; }
  at::Tensor log_joint(const elbo::model::Draws& z, const elbo::model::Subsample& data) const override;
  std::vector<std::pair<std::string, at::Tensor>> derived(const elbo::model::Draws& z) const override;

 private:
  std::string name_;
  std::vector<elbo::model::Latent> latents_;
  int64_t num_data_;
  pybind11::object evaluate_;
  pybind11::object derived_;
  std::unique_ptr<TracedLogJoint> traced_;
};

}  // namespace elbo_python
