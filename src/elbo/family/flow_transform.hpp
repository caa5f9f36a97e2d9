#pragma once
// One invertible layer f of a normalizing flow (Rezende & Mohamed 2015,
// "Variational Inference with Normalizing Flows", §3): z' = f(z) with the
// change of variables log q'(z') = log q(z) − log|det ∂f/∂z|.
//
// Layers act on a batch of draws z [K, D] (any leading dims for the free
// functions of each layer, see planar_flow.hpp etc.). They are
// torch::nn::Module subclasses held by shared_ptr (used polymorphically by
// FlowFamily, like Family itself; see docs/ARCHITECTURE.md).
#include <torch/nn/module.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

namespace elbo::family {

/// z' = f(z) and log|det J_f(z)| per draw.
struct FlowOutput {
  at::Tensor z;        // [..., D]
  at::Tensor log_det;  // [...]
};

class FlowTransform : public torch::nn::Module {
 public:
  explicit FlowTransform(int64_t dim) : dim_(dim) {}
  int64_t dim() const { return dim_; }
  /// "planar", "radial", "realnvp", "iaf".
  virtual std::string layer_name() const = 0;

  /// z [K, D] → (f(z) [K, D], log|det J_f(z)| [K]); differentiable in z and
  /// the layer's parameters.
  virtual FlowOutput forward(const at::Tensor& z) = 0;
  /// f⁻¹(z') [K, D]; differentiable (exact, or a numerical root made
  /// differentiable by one Newton step, see PlanarFlow).
  virtual at::Tensor inverse(const at::Tensor& z_out) = 0;

  /// Resets the parameters so the layer is (close to) z ↦ c·z with
  /// c = initial_scale(); `gen` draws whatever must be random (hyperplanes,
  /// centres, MLP weights).
  virtual void reset_parameters(at::Generator gen) = 0;
  /// The layer right after reset_parameters() is z ↦ c·z; c (1 for all but
  /// IAF, whose gate σ = sigmoid(gate bias) < 1 at initialisation).
  virtual double initial_scale() const { return 1.0; }

  /// A deep copy (parameters and buffers).
  virtual std::shared_ptr<FlowTransform> clone_layer() const = 0;

 private:
  int64_t dim_;
};

using FlowTransformPtr = std::shared_ptr<FlowTransform>;

/// Copies every parameter and buffer of `from` into `to` by name (same
/// structure); used by clone_layer / clone_family.
void copy_module_state(const torch::nn::Module& from, torch::nn::Module& to);

}  // namespace elbo::family
