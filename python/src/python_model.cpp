#include "python_model.hpp"

#include <torch/csrc/utils/pybind.h>

#include "elbo/core/error.hpp"

namespace py = pybind11;

namespace elbo_python {

using elbo::bijector::Constraint;

Constraint constraint_from_spec(const std::string& latent, const py::tuple& spec) {
  const std::string where = "latent '" + latent + "': ";
  if (spec.empty()) throw elbo::ConfigError(where + "empty constraint");
  const auto kind = spec[0].cast<std::string>();
  auto number = [&](size_t i) {
    if (spec.size() <= i) throw elbo::ConfigError(where + "constraint '" + kind + "' needs " +
                                                  std::to_string(i) + " bound(s)");
    return spec[i].cast<double>();
  };
  if (kind == "real") return Constraint::real();
  if (kind == "positive") return Constraint::positive();
  if (kind == "lower") return Constraint::greater_than(number(1));
  if (kind == "upper") return Constraint::less_than(number(1));
  if (kind == "interval") return Constraint::interval(number(1), number(2));
  if (kind == "unit_interval") return Constraint::unit_interval();
  if (kind == "simplex") return Constraint::simplex();
  if (kind == "cholesky") return Constraint::cholesky_factor();
  if (kind == "cholesky_corr") return Constraint::corr_cholesky();
  if (kind == "ordered") return Constraint::ordered();
  if (kind == "positive_ordered") return Constraint::positive_ordered();
  throw elbo::ConfigError(where + "unknown constraint '" + kind +
                          "' (real, positive, lower(a), upper(b), interval(a, b), unit_interval, "
                          "simplex, cholesky, cholesky_corr, ordered, positive_ordered)");
}

PythonModel::PythonModel(std::string name, std::vector<elbo::model::Latent> latents, int64_t num_data,
                         py::object evaluate, py::object derived, std::unique_ptr<TracedLogJoint> traced)
    : name_(std::move(name)),
      latents_(std::move(latents)),
      num_data_(num_data),
      evaluate_(std::move(evaluate)),
      derived_(std::move(derived)),
      traced_(std::move(traced)) {}

PythonModel::~PythonModel() {
  // The engine may drop its last reference without the GIL.
  py::gil_scoped_acquire gil;
  evaluate_ = py::object();
  derived_ = py::object();
  if (traced_) traced_->release_python();
}

namespace {

py::dict draws_dict(const elbo::model::Draws& z) {
  py::dict out;
  for (const auto& [name, value] : z.all()) out[py::str(name)] = value;
  return out;
}

}  // namespace

at::Tensor PythonModel::log_joint(const elbo::model::Draws& z, const elbo::model::Subsample& data) const {
  if (traced_) return (*traced_)(z, data);
  py::gil_scoped_acquire gil;
  try {
    py::object indices = data.is_full() ? py::none() : py::cast(data.indices());
    py::object result = evaluate_(draws_dict(z), indices, data.scale());
    return result.cast<at::Tensor>();  // elbo.Model checked it is a tensor
  } catch (py::error_already_set&) {
    // The user's own exception (with its traceback), or a KeyboardInterrupt:
    // carried past the engine's recovery handlers and re-raised at the boundary.
    throw elbo::ForeignError(std::current_exception());
  }
}

std::vector<std::pair<std::string, at::Tensor>> PythonModel::derived(const elbo::model::Draws& z) const {
  if (!derived_ || derived_.is_none()) return {};
  py::gil_scoped_acquire gil;
  try {
    std::vector<std::pair<std::string, at::Tensor>> out;
    for (auto item : derived_(draws_dict(z))) {
      auto pair = item.cast<py::tuple>();
      out.emplace_back(pair[0].cast<std::string>(), pair[1].cast<at::Tensor>());
    }
    return out;
  } catch (py::error_already_set&) {
    throw elbo::ForeignError(std::current_exception());
  }
}

}  // namespace elbo_python
