// elbo.fit on the engine: a model (Python-written or built in) becomes a
// ModelDensity and goes through the CLI's own fit runner (cli/fit_runner), so
// options, defaults, validation, methods, the verdict and the written files
// are those of `elbo fit`. The options arrive as the CLI's arguments
// (elbo/fit.py maps keyword arguments to them) and are parsed by the same
// CLI11 declaration.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <torch/csrc/utils/pybind.h>
#include <torch/torch.h>

#include <Python.h>

#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "advi_cli.hpp"
#include "bindings.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/io/progress_bar.hpp"
#include "elbo/model/model_density.hpp"
#include "fit_methods.hpp"
#include "fit_runner.hpp"
#include "python_model.hpp"

namespace py = pybind11;

namespace elbo_python {

namespace {

using elbo::model::Model;
using elbo::model::ModelDensity;

/// What elbo.Fit keeps of a finished fit.
struct FitHandle {
  std::shared_ptr<const ModelDensity> density;
  elbo_cli::FitCliOptions options;
  elbo_cli::FitContext context;
  elbo_cli::FitOutcome outcome;
};

elbo_cli::FitCliOptions parse_fit_arguments(const std::vector<std::string>& arguments) {
  elbo_cli::FitCliOptions options;
  CLI::App app("elbo.fit");
  elbo_cli::add_fit_options(app, options);
  std::vector<std::string> reversed(arguments.rbegin(), arguments.rend());  // CLI11 pops from the back
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    throw elbo::ConfigError(e.what());
  }
  return options;
}

// Ctrl-C during C++-only work: Python's handler has only set a flag, so the
// loop asks (under the GIL) at each progress report and unwinds as a
// KeyboardInterrupt.
void check_python_signals() {
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) throw elbo::ForeignError(std::make_exception_ptr(py::error_already_set()));
}

std::vector<elbo::model::Latent> latents_from_python(const py::list& specs) {
  std::vector<elbo::model::Latent> latents;
  for (auto item : specs) {
    auto spec = item.cast<py::tuple>();  // (name, shape, constraint tuple)
    elbo::model::Latent latent;
    latent.name = spec[0].cast<std::string>();
    latent.shape = spec[1].cast<std::vector<int64_t>>();
    latent.constraint = constraint_from_spec(latent.name, spec[2].cast<py::tuple>());
    latents.push_back(std::move(latent));
  }
  return latents;
}

FitHandle run(std::shared_ptr<const Model> model, const std::vector<std::string>& arguments,
              bool progress, const py::object& init_values, const std::string& data_source) {
  FitHandle handle;
  handle.options = parse_fit_arguments(arguments);
  handle.options.quiet = true;
  handle.density = std::make_shared<ModelDensity>(model);
  handle.context.model_label = model->name();
  handle.context.data_source = data_source;

  at::Tensor init;  // constrained values from Python → the unconstrained start
  if (!init_values.is_none()) {
    elbo::model::Draws draws;
    for (const auto& slot : handle.density->slots()) {
      const auto& name = slot.latent.name;
      auto values = init_values.cast<py::dict>();
      if (!values.contains(name)) throw elbo::ConfigError("init: no value for latent '" + name + "'");
      auto value = values[py::str(name)].cast<at::Tensor>().to(torch::kDouble);
      std::vector<int64_t> shape = {1};
      shape.insert(shape.end(), slot.latent.shape.begin(), slot.latent.shape.end());
      if (value.numel() != c10::multiply_integers(slot.latent.shape)) {
        throw elbo::ConfigError("init: latent '" + name + "' has " + std::to_string(value.numel()) +
                                " values, expected " +
                                std::to_string(c10::multiply_integers(slot.latent.shape)));
      }
      draws.set(name, value.reshape(shape));
    }
    init = handle.density->unconstrain(draws).squeeze(0);
  }

  std::exception_ptr foreign;
  {
    py::gil_scoped_release release;
    try {
      const std::string label =
          handle.options.method == "advi" ? "advi " + handle.options.family : handle.options.method;
      elbo::io::ProgressBar bar(elbo_cli::expected_iterations(handle.options), label,
                                progress && elbo::io::stderr_is_terminal());
      handle.outcome = elbo_cli::compute_fit(
          handle.density, handle.options, handle.context, init,
          [&](int64_t iteration, int64_t total, double value) {
            (void)total;
            check_python_signals();
            bar.update(iteration, std::isnan(value) ? std::string("") : fmt::format("{:.6g}", value));
          });
      bar.finish();
    } catch (const elbo::ForeignError& e) {
      foreign = e.original();
    }
  }
  if (foreign) std::rethrow_exception(foreign);  // the user's exception, as raised
  return handle;
}

}  // namespace

void bind_fit(py::module_& m) {
  py::class_<Model, std::shared_ptr<Model>>(m, "Model", "A model the engine can fit")
      .def_property_readonly("name", &Model::name)
      .def_property_readonly("num_data", &Model::num_data)
      .def("latents", [](const Model& model) {
        py::list out;
        for (const auto& l : model.latents()) out.append(py::make_tuple(l.name, l.shape));
        return out;
      });

  m.def("python_model",
        [](const std::string& name, const py::list& latents, int64_t num_data, py::object evaluate,
           py::object derived, py::object traced) -> std::shared_ptr<Model> {
          auto specs = latents_from_python(latents);
          std::unique_ptr<TracedLogJoint> traced_log_joint;
          if (!traced.is_none()) {  // (data tensors, by-row flags, tracer): jit=True
            auto parts = traced.cast<py::tuple>();
            std::vector<std::string> names;
            for (const auto& latent : specs) names.push_back(latent.name);
            traced_log_joint = std::make_unique<TracedLogJoint>(
                std::move(names), parts[0].cast<std::vector<at::Tensor>>(), parts[1].cast<std::vector<bool>>(),
                parts[2]);
          }
          return std::make_shared<PythonModel>(name, std::move(specs), num_data, std::move(evaluate),
                                               std::move(derived), std::move(traced_log_joint));
        },
        py::arg("name"), py::arg("latents"), py::arg("num_data"), py::arg("evaluate"),
        py::arg("derived") = py::none(), py::arg("traced") = py::none());

  // The CLI's long option names (with negations such as no-average), for keyword checks.
  m.def("fit_option_names", [] {
    elbo_cli::FitCliOptions options;
    CLI::App app("elbo.fit");
    elbo_cli::add_fit_options(app, options);
    std::vector<std::string> names;
    for (const auto* option : app.get_options()) {
      for (const auto& name : option->get_lnames()) names.push_back(name);
      for (const auto& name : option->get_fnames()) names.push_back(name);
    }
    return names;
  });

  m.def("check_fit_arguments", [](const std::vector<std::string>& arguments) {
    elbo_cli::to_advi_options(parse_fit_arguments(arguments));
  });

  py::class_<FitHandle, std::shared_ptr<FitHandle>>(m, "FitResult")
      .def_property_readonly("names", [](const FitHandle& h) { return h.outcome.draws.names; })
      .def_property_readonly("values", [](const FitHandle& h) { return h.outcome.draws.values; })
      .def_property_readonly("log_p", [](const FitHandle& h) { return h.outcome.draws.log_p; })
      .def_property_readonly("log_q", [](const FitHandle& h) { return h.outcome.draws.log_q; })
      .def_property_readonly("log_weights", [](const FitHandle& h) { return h.outcome.draws.log_weights; })
      .def_property_readonly("summary_json", [](const FitHandle& h) { return h.outcome.summary.dump(); })
      .def_property_readonly("has_density", [](const FitHandle& h) {
        return h.outcome.fit->q && h.outcome.fit->q->family_name() != "pointmass";
      })
      .def_property_readonly("dim", [](const FitHandle& h) { return h.density->dim(); })
      .def("write_cmdstan_csv", [](const FitHandle& h, const std::string& path) {
        elbo_cli::write_draws_csv(h.outcome, h.options, h.context, path);
      })
      .def("write", [](const FitHandle& h, const std::string& output) {
        auto options = h.options;
        options.output = output;
        options.quiet = true;
        options.strict = false;
        elbo_cli::write_fit(h.outcome, options, h.context);
      })
      // q's density at unconstrained θ [n, D].
      .def("q_log_prob", [](const FitHandle& h, const at::Tensor& theta) {
        torch::NoGradGuard no_grad;
        return h.outcome.fit->q->log_prob(theta.to(torch::kDouble)).detach();
      })
      .def("log_abs_det_jacobian", [](const FitHandle& h, const at::Tensor& theta) {
        torch::NoGradGuard no_grad;
        return h.density->log_abs_det_jacobian(theta.to(torch::kDouble)).detach();
      })
      .def("unconstrain", [](const FitHandle& h, const py::dict& values) {
        elbo::model::Draws draws;
        for (auto [name, value] : values) {
          draws.set(name.cast<std::string>(), value.cast<at::Tensor>().to(torch::kDouble));
        }
        return h.density->unconstrain(draws);
      })
      // n draws of q: (θ [n, D], the written values [n, P]).
      .def("q_sample", [](const FitHandle& h, int64_t n, uint64_t seed) {
        if (n < 1) throw elbo::ConfigError("sample: n is " + std::to_string(n) + "; it must be >= 1");
        torch::NoGradGuard no_grad;
        auto gen = elbo::make_generator(seed);
        auto theta = h.outcome.fit->q->sample(n, gen).detach();
        return py::make_tuple(theta, h.density->output_values(theta, seed));
      });

  m.def("fit", &run, py::arg("model"), py::arg("arguments"), py::arg("progress"),
        py::arg("init") = py::none(), py::arg("data_source") = "<python>");
}

}  // namespace elbo_python
