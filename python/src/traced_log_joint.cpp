#include "traced_log_joint.hpp"

#include <torch/csrc/utils/pybind.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/script.h>

#include <sstream>
#include <stdexcept>

#include "elbo/core/error.hpp"

namespace py = pybind11;

namespace elbo_python {

TracedLogJoint::TracedLogJoint(std::vector<std::string> latent_names, std::vector<at::Tensor> data,
                               std::vector<bool> by_row, py::object trace)
    : latent_names_(std::move(latent_names)),
      data_(std::move(data)),
      by_row_(std::move(by_row)),
      trace_(std::move(trace)) {}

namespace {

// What a trace is specialised on: every input's dtype and sizes, and whether
// the call is on a minibatch (then the row indices are an input too).
void append_signature(std::vector<int64_t>& key, const at::Tensor& t) {
  key.push_back(static_cast<int64_t>(t.scalar_type()));
  key.push_back(t.dim());
  for (auto size : t.sizes()) key.push_back(size);
}

}  // namespace

std::shared_ptr<torch::jit::Module> TracedLogJoint::module_for(const std::vector<at::Tensor>& latents,
                                                               const std::vector<at::Tensor>& data,
                                                               const at::Tensor& scale,
                                                               const at::Tensor& indices) const {
  std::vector<int64_t> key{indices.defined() ? 1 : 0};
  for (const auto& t : latents) append_signature(key, t);
  for (const auto& t : data) append_signature(key, t);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = modules_.find(key);
    if (found != modules_.end()) return found->second;
  }
  std::string saved;
  {
    py::gil_scoped_acquire gil;
    try {
      py::list z, d;
      for (const auto& t : latents) z.append(t.detach());
      for (const auto& t : data) d.append(t);
      py::object bytes = trace_(z, d, scale, indices.defined() ? py::cast(indices) : py::none());
      saved = bytes.cast<std::string>();
    } catch (py::error_already_set&) {
      throw elbo::ForeignError(std::current_exception());  // the user's error, or why it cannot be traced
    }
  }
  std::istringstream stream(saved);
  auto module = std::make_shared<torch::jit::Module>(torch::jit::load(stream));
  module->eval();
  std::lock_guard<std::mutex> lock(mutex_);
  return modules_.emplace(std::move(key), std::move(module)).first->second;
}

at::Tensor TracedLogJoint::operator()(const elbo::model::Draws& z, const elbo::model::Subsample& subsample) const {
  std::vector<at::Tensor> latents;
  latents.reserve(latent_names_.size());
  for (const auto& name : latent_names_) latents.push_back(z[name]);
  std::vector<at::Tensor> data;
  data.reserve(data_.size());
  for (size_t i = 0; i < data_.size(); ++i) data.push_back(by_row_[i] ? subsample.rows(data_[i]) : data_[i]);
  const at::Tensor scale = at::scalar_tensor(subsample.scale(), at::kDouble);
  const at::Tensor& indices = subsample.indices();
  auto module = module_for(latents, data, scale, indices);

  std::vector<c10::IValue> inputs;
  inputs.reserve(latents.size() + data.size() + 2);
  for (auto& t : latents) inputs.emplace_back(std::move(t));
  for (auto& t : data) inputs.emplace_back(std::move(t));
  inputs.emplace_back(scale);
  if (indices.defined()) inputs.emplace_back(indices);
  try {
    // Op by op, with eager autograd (no profiling runs, guards or symbolic
    // autodiff): the arithmetic of jit=False, so the two agree bit for bit.
    torch::jit::GraphOptimizerEnabledGuard no_optimisation(false);
    return module->forward(std::move(inputs)).toTensor();
  } catch (const c10::Error& error) {
    // Raised as the eager log_joint's own errors are (a RuntimeError past the
    // engine's recovery handlers), not taken for a bad point.
    throw elbo::ForeignError(std::make_exception_ptr(
        std::runtime_error(std::string("log_joint (jit=True, traced): ") + error.what_without_backtrace())));
  }
}

}  // namespace elbo_python
