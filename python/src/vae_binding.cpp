// elbo.vae: the amortized trainer (src/elbo/amortized) on arrays from Python —
// the same networks, objectives, warm-up, free bits, checkpoints and
// importance-sampled log-likelihood as `elbo train vae` / `elbo eval vae`,
// and the same model file (save / load), so the CLI can evaluate it.
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <torch/csrc/utils/pybind.h>
#include <torch/torch.h>

#include <Python.h>

#include <cmath>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "elbo/amortized/decoder.hpp"
#include "elbo/amortized/encoder.hpp"
#include "elbo/amortized/evaluate.hpp"
#include "elbo/amortized/image_data.hpp"
#include "elbo/amortized/mlp.hpp"
#include "elbo/amortized/objective.hpp"
#include "elbo/amortized/prior.hpp"
#include "elbo/amortized/trainer.hpp"
#include "elbo/amortized/vae.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/io/progress_bar.hpp"

namespace py = pybind11;
namespace am = elbo::amortized;

namespace elbo_python {

namespace {

struct VaeHandle {
  am::Vae vae{nullptr};
  std::vector<am::EpochRecord> history;
  std::string objective;
  int64_t resumed_from = 0;
};

void check_at_least(const char* name, double value, double low) {
  if (!(value >= low)) {
    throw elbo::ConfigError(fmt::format("vae.train: {} is {}, but must be at least {}", name, value, low));
  }
}

void check_signals() {
  py::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) throw elbo::ForeignError(std::make_exception_ptr(py::error_already_set()));
}

// Runs `work` without the GIL; a KeyboardInterrupt raised in it is re-raised here.
template <class F>
void without_gil(F&& work) {
  std::exception_ptr foreign;
  {
    py::gil_scoped_release release;
    try {
      work();
    } catch (const elbo::ForeignError& e) {
      foreign = e.original();
    }
  }
  if (foreign) std::rethrow_exception(foreign);
}

at::Tensor images(const at::Tensor& x, int64_t input, const char* name) {
  auto out = x.detach().to(torch::kFloat).contiguous();
  if (out.dim() != 2) throw elbo::ConfigError(fmt::format("{} must be [N, pixels], got {} dimensions", name, out.dim()));
  if (input > 0 && out.size(1) != input) {
    throw elbo::ConfigError(fmt::format("{} has {} columns but the model takes {}", name, out.size(1), input));
  }
  return out;
}

}  // namespace

void bind_vae(py::module_& m) {
  auto vae = m.def_submodule("vae");
  py::class_<VaeHandle, std::shared_ptr<VaeHandle>>(vae, "Vae")
      .def_property_readonly("history", [](const VaeHandle& h) {
        py::list out;
        for (const auto& r : h.history) {
          py::dict d;
          d["epoch"] = r.epoch, d["loss"] = r.loss, d["bound"] = r.bound, d["kl"] = r.kl;
          d["recon"] = r.recon, d["beta"] = r.beta, d["seconds"] = r.seconds;
          out.append(d);
        }
        return out;
      })
      .def_property_readonly("objective", [](const VaeHandle& h) { return h.objective; })
      .def_property_readonly("resumed_from", [](const VaeHandle& h) { return h.resumed_from; })
      .def_property_readonly("options_json", [](const VaeHandle& h) {
        return am::vae_options_to_json(h.vae->options()).dump();
      })
      .def("log_likelihood",
           [](VaeHandle& h, const at::Tensor& x, int64_t k, int64_t chunk, uint64_t seed) {
             check_at_least("k", static_cast<double>(k), 1);
             check_at_least("chunk", static_cast<double>(chunk), 1);
             auto data = images(x, h.vae->options().input(), "x");
             am::LogLikelihoodEstimate estimate;
             without_gil([&] {
               torch::NoGradGuard no_grad;
               h.vae->eval();
               auto gen = elbo::make_generator(seed);
               estimate = am::importance_log_likelihood(
                   h.vae, data,
                   am::LogLikelihoodOptions().samples(k).chunk(chunk).progress([](int64_t) { check_signals(); }),
                   gen);
             });
             return py::make_tuple(estimate.per_point, estimate.mean, estimate.standard_error);
           },
           py::arg("x"), py::arg("k"), py::arg("chunk"), py::arg("seed"))
      .def("reconstruct", [](VaeHandle& h, const at::Tensor& x) {
        torch::NoGradGuard no_grad;
        h.vae->eval();
        return h.vae->reconstruct(images(x, h.vae->options().input(), "x")).detach();
      })
      .def("sample", [](VaeHandle& h, int64_t n, uint64_t seed) {
        check_at_least("n", static_cast<double>(n), 1);
        torch::NoGradGuard no_grad;
        h.vae->eval();
        auto gen = elbo::make_generator(seed);
        return h.vae->sample_means(n, gen).detach();
      })
      .def("active_units", [](VaeHandle& h, const at::Tensor& x, double threshold) {
        torch::NoGradGuard no_grad;
        h.vae->eval();
        auto units = am::active_units(h.vae, images(x, h.vae->options().input(), "x"), threshold);
        return py::make_tuple(units.active, units.variance);
      })
      .def("save", [](VaeHandle& h, const std::string& path) { am::save_vae(h.vae, path); });

  vae.def("load", [](const std::string& path) {
    auto h = std::make_shared<VaeHandle>();
    h->vae = am::load_vae(path);
    return h;
  });

  vae.def(
      "train",
      [](const at::Tensor& x, int64_t latent, std::vector<int64_t> hidden, const std::string& activation,
         const std::string& likelihood_name, const std::string& covariance, const std::string& flow_spec,
         const std::string& prior, int64_t latent2, std::vector<int64_t> hidden2,
         const std::string& objective_spec, double free_bits, int64_t epochs, int64_t batch_size, double lr,
         int64_t warmup, const std::string& binarize, uint64_t seed, const std::string& checkpoint, bool resume,
         bool progress, int64_t image_rows, int64_t image_cols) {
        check_at_least("latent", static_cast<double>(latent), 1);
        check_at_least("latent2", static_cast<double>(latent2), 0);
        check_at_least("epochs", static_cast<double>(epochs), 1);
        check_at_least("batch_size", static_cast<double>(batch_size), 1);
        check_at_least("warmup", static_cast<double>(warmup), 0);
        check_at_least("free_bits", free_bits, 0);
        if (!(lr > 0) || !std::isfinite(lr)) throw elbo::ConfigError("vae.train: lr must be positive");
        for (int64_t v : hidden) check_at_least("hidden", static_cast<double>(v), 1);
        for (int64_t v : hidden2) check_at_least("hidden2", static_cast<double>(v), 1);
        if (resume && checkpoint.empty()) throw elbo::ConfigError("vae.train: resume needs checkpoint=FILE");
        if (binarize != "dynamic" && binarize != "threshold" && binarize != "none") {
          throw elbo::ConfigError("vae.train: binarize '" + binarize + "' is not dynamic, threshold or none");
        }
        if (covariance != "diagonal" && covariance != "cholesky") {
          throw elbo::ConfigError("vae.train: covariance '" + covariance + "' is not diagonal or cholesky");
        }
        am::ObjectiveOptions objective = am::parse_objective(objective_spec);
        if (objective.bound() == am::Bound::Iwae && free_bits > 0) {
          throw elbo::ConfigError("vae.train: free_bits applies to the ELBO only, not to IWAE");
        }
        objective.free_bits(free_bits);
        const auto [flow, flow_length] = am::parse_flow(flow_spec);
        if (flow != am::FlowKind::None && latent2 > 0) {
          throw elbo::ConfigError("vae.train: flow needs one stochastic layer (latent2=0)");
        }
        const am::Likelihood likelihood = am::parse_likelihood(likelihood_name);
        if (likelihood == am::Likelihood::Gaussian && binarize != "none") {
          throw elbo::ConfigError("vae.train: likelihood='gaussian' needs binarize='none'");
        }
        auto data = images(x, 0, "x");
        if (data.size(0) < 1) throw elbo::ConfigError("vae.train: x has no rows");
        if (binarize == "threshold") data = am::binarize_threshold(data);

        auto h = std::make_shared<VaeHandle>();
        h->objective = am::objective_name(objective);
        torch::manual_seed(seed);  // weight initialisation, as the CLI
        h->vae = am::Vae(am::VaeOptions(data.size(1), latent)
                             .hidden(hidden)
                             .activation(am::parse_activation(activation))
                             .likelihood(likelihood)
                             .covariance(covariance == "cholesky" ? am::Covariance::Cholesky
                                                                  : am::Covariance::Diagonal)
                             .flow(flow)
                             .flow_length(flow_length)
                             .prior_components(am::parse_prior_components(prior, "vae.train: prior"))
                             .latent2(latent2)
                             .hidden2(hidden2)
                             .image_rows(image_rows)
                             .image_cols(image_cols));
        const bool show = progress && elbo::io::stderr_is_terminal();
        std::unique_ptr<elbo::io::ProgressBar> bar;
        int64_t bar_epoch = 0;
        am::VaeTrainer trainer(
            h->vae, am::TrainOptions()
                        .epochs(epochs)
                        .batch_size(batch_size)
                        .learning_rate(lr)
                        .objective(objective)
                        .warmup_epochs(warmup)
                        .dynamic_binarization(binarize == "dynamic")
                        .seed(seed)
                        .checkpoint(checkpoint)
                        .on_step([&](int64_t step, int64_t steps, double loss) {
                          check_signals();
                          if (!bar) {
                            bar = std::make_unique<elbo::io::ProgressBar>(
                                steps, fmt::format("epoch {}", bar_epoch + 1), show);
                          }
                          bar->update(step, fmt::format("loss {:.2f}", loss));
                        })
                        .on_epoch([&](const am::EpochRecord& r) {
                          if (bar) bar->finish();
                          bar.reset();
                          bar_epoch = r.epoch;
                        }));
        if (resume && std::filesystem::exists(checkpoint)) {
          trainer.load_state(checkpoint);
          h->resumed_from = trainer.epoch();
          bar_epoch = h->resumed_from;
        }
        without_gil([&] { trainer.train(data); });
        h->history = trainer.history();
        h->vae->eval();
        return h;
      },
      py::arg("x"), py::arg("latent"), py::arg("hidden"), py::arg("activation"), py::arg("likelihood"),
      py::arg("covariance"), py::arg("flow"), py::arg("prior"), py::arg("latent2"), py::arg("hidden2"),
      py::arg("objective"), py::arg("free_bits"), py::arg("epochs"), py::arg("batch_size"), py::arg("lr"),
      py::arg("warmup"), py::arg("binarize"), py::arg("seed"), py::arg("checkpoint"), py::arg("resume"),
      py::arg("progress"), py::arg("image_rows"), py::arg("image_cols"));
}

}  // namespace elbo_python
