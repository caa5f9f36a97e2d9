#pragma once
// elbo.fit(..., jit=True): a Python model's log_joint run as TorchScript. The
// first call at each input shape asks Python (with the GIL) to trace log_joint
// with torch.jit.trace on those inputs; the trace comes back serialized and is
// loaded here, and every later call at that shape runs it from C++ without the
// GIL or Python's per-op dispatch. Data enter the trace as inputs (not baked-in
// constants), so minibatches of one size share a trace.
#include <pybind11/pybind11.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <ATen/Tensor.h>

#include "elbo/model/model.hpp"

namespace torch::jit {
struct Module;
}

namespace elbo_python {

class TracedLogJoint {
 public:
  /// `trace(latents: list[Tensor], data: list[Tensor], scale: Tensor, indices: Tensor | None)
  /// -> bytes` is elbo.Model's tracer (a saved torch.jit.ScriptModule); `data` are the
  /// model's data tensors in its order, `by_row[i]` true for those a minibatch subsamples.
  TracedLogJoint(std::vector<std::string> latent_names, std::vector<at::Tensor> data, std::vector<bool> by_row,
                 pybind11::object trace);

  at::Tensor operator()(const elbo::model::Draws& z, const elbo::model::Subsample& data) const;

  /// Drops the Python tracer; the caller holds the GIL.
  void release_python() { trace_ = pybind11::object(); }

 private:
  std::shared_ptr<torch::jit::Module> module_for(const std::vector<at::Tensor>& latents,
                                                 const std::vector<at::Tensor>& data, const at::Tensor& scale,
                                                 const at::Tensor& indices) const;

  std::vector<std::string> latent_names_;
  std::vector<at::Tensor> data_;
  std::vector<bool> by_row_;
  pybind11::object trace_;
  mutable std::mutex mutex_;  // guards modules_ (the engine may evaluate from several threads)
  mutable std::map<std::vector<int64_t>, std::shared_ptr<torch::jit::Module>> modules_;
};

}  // namespace elbo_python
