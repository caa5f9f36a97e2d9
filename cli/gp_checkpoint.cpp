#include "gp_checkpoint.hpp"

#include <Eigen/Core>

#include <cmath>
#include <sstream>
#include <string_view>
#include <vector>

#include "elbo/core/error.hpp"
#include "elbo/io/cbor_reader.hpp"
#include "elbo/io/checksummed_file.hpp"

namespace elbo_cli {

namespace {

namespace egp = elbo::gp;

constexpr const char* kGpCheckpointKind = "gp-checkpoint";
constexpr const char* kGpCheckpointFormat = "elbo-gp-checkpoint-2";

std::vector<double> flat(const Eigen::MatrixXd& m) { return std::vector<double>(m.data(), m.data() + m.size()); }

// The rows × cols matrix of field `name` (column-major, finite values only).
Eigen::MatrixXd unflat(const nlohmann::json& parent, const char* name, Eigen::Index rows, Eigen::Index cols,
                       const std::string& path) {
  const auto v = parent.at(name).get<std::vector<double>>();
  if (static_cast<Eigen::Index>(v.size()) != rows * cols) {
    throw elbo::InputError(path, 0, name, "has " + std::to_string(v.size()) + " values, but this model has " +
                                              std::to_string(rows * cols) + ": a checkpoint of a different model");
  }
  for (double x : v) {
    if (!std::isfinite(x)) throw elbo::InputError(path, 0, name, "holds a value that is not finite");
  }
  return Eigen::Map<const Eigen::MatrixXd>(v.data(), rows, cols);
}

}  // namespace

void save_gp_checkpoint(const std::string& path, const nlohmann::json& fingerprint, const egp::Svgp& model,
                        const egp::SvgpFitState& state, int64_t step) {
  std::ostringstream rng;
  rng << state.rng;
  nlohmann::json j;
  j["format"] = kGpCheckpointFormat;
  j["fingerprint"] = fingerprint;
  j["step"] = step;
  j["adam"] = {{"lr", state.adam.learning_rate}, {"m", flat(state.adam.m)}, {"v", flat(state.adam.v)},
               {"t", state.adam.t}};
  j["rng"] = rng.str();
  j["order"] = state.order;
  j["cursor"] = state.cursor;
  j["trace"] = state.trace;
  j["kernel"] = flat(model.kernel().all_params());
  j["likelihood"] = flat(model.likelihood().all_params());
  j["inducing"] = flat(model.inducing());
  j["q_mean"] = flat(model.q_mean());
  j["q_chol"] = flat(model.q_chol());
  const std::vector<std::uint8_t> bytes = nlohmann::json::to_cbor(j);
  elbo::io::write_checksummed_file(path, kGpCheckpointKind,
                                   std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

int64_t load_gp_checkpoint(const std::string& path, const nlohmann::json& fingerprint, egp::Svgp& model,
                           egp::SvgpFitState& state, const egp::SvgpFitOptions& options, int64_t rows) {
  const std::string payload = elbo::io::read_checksummed_file(path, kGpCheckpointKind);
  const nlohmann::json j = elbo::io::parse_cbor(payload, path);
  if (!j.is_object() || !j.contains("format") || j["format"] != kGpCheckpointFormat) {
    throw elbo::InputError(path, 0, "format", "is not an elbo fit gp checkpoint of this version (delete it or drop --resume)");
  }
  if (!j.contains("fingerprint") || j["fingerprint"] != fingerprint) {
    throw elbo::InputError(path, 0, "fingerprint",
                           "is the checkpoint of a run with other data or options (" +
                               (j.contains("fingerprint") ? j["fingerprint"].dump() : std::string("none")) +
                               "); delete it or rerun with those options");
  }
  try {
    const Eigen::Index T = model.num_inducing(), D = model.inducing().cols();
    const auto& adam = j.at("adam");
    const Eigen::Index P = egp::pack_svgp(model, options).size();
    const Eigen::Index moments = static_cast<Eigen::Index>(adam.at("m").size());
    if (moments != 0 && moments != P) {
      throw elbo::InputError(path, 0, "adam", "moments have " + std::to_string(moments) + " values, the fit moves " +
                                                  std::to_string(P));
    }
    state.adam.learning_rate = adam.at("lr").get<double>();
    state.adam.m = unflat(adam, "m", moments, 1, path);
    state.adam.v = unflat(adam, "v", moments, 1, path);
    state.adam.t = adam.at("t").get<int64_t>();
    if (!(state.adam.learning_rate > 0) || !std::isfinite(state.adam.learning_rate) || state.adam.t < 0 ||
        (state.adam.v.array() < 0).any()) {
      throw elbo::InputError(path, 0, "adam", "holds a step size, count or second moment out of range");
    }
    std::istringstream rng(j.at("rng").get<std::string>());
    rng >> state.rng;
    if (!rng) throw elbo::InputError(path, 0, "rng", "malformed random-number state");
    state.order = j.at("order").get<std::vector<int64_t>>();
    if (!state.order.empty() && static_cast<int64_t>(state.order.size()) != rows) {
      throw elbo::InputError(path, 0, "order", "does not list every data row once");
    }
    for (int64_t i : state.order) {
      if (i < 0 || i >= rows) throw elbo::InputError(path, 0, "order", "holds a row outside the data");
    }
    state.cursor = j.at("cursor").get<int64_t>();
    if (state.cursor < 0 || state.cursor > static_cast<int64_t>(state.order.size())) {
      throw elbo::InputError(path, 0, "cursor", "is outside the epoch");
    }
    state.trace = j.at("trace").get<std::vector<double>>();
    state.step = j.at("step").get<int64_t>();
    if (state.step < 0 || state.step > options.steps) {
      throw elbo::InputError(path, 0, "step", "is " + std::to_string(state.step) + ", outside [0, " +
                                                  std::to_string(options.steps) + "]");
    }
    model.kernel().set_all_params(unflat(j, "kernel", model.kernel().num_params(), 1, path));
    model.likelihood().set_all_params(unflat(j, "likelihood", model.likelihood().num_params(), 1, path));
    model.inducing() = unflat(j, "inducing", T, D, path);
    model.q_mean() = unflat(j, "q_mean", T, 1, path);
    model.q_chol() = unflat(j, "q_chol", T, T, path);
  } catch (const nlohmann::json::exception& e) {
    throw elbo::InputError(path, 0, "", std::string("is a damaged fit gp checkpoint: ") + e.what());
  }
  return state.step;
}

}  // namespace elbo_cli
