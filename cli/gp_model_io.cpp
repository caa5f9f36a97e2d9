#include "gp_model_io.hpp"

#include <cmath>
#include <limits>

#include "elbo/core/error.hpp"
#include "elbo/gp/kernel_spec.hpp"
#include "elbo/gp/likelihood.hpp"
#include "json_matrix.hpp"
#include "saved_fields.hpp"

namespace elbo_cli {

namespace {

std::vector<double> gp_vector_values(const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); }

}  // namespace

nlohmann::json gp_hyperparameters_json(const elbo::gp::Svgp& model) {
  nlohmann::json out = nlohmann::json::object();
  std::vector<std::string> names;
  std::vector<double> values;
  model.kernel().param_names("kernel.", names);
  model.kernel().constrained_params(values);
  model.likelihood().param_names(names);
  model.likelihood().constrained_params(values);
  for (size_t i = 0; i < names.size() && i < values.size(); ++i) {
    const std::string& n = names[i];
    out[n.rfind("kernel.", 0) == 0 ? n : "likelihood." + n] = values[i];
  }
  return out;
}

nlohmann::json gp_model_json(const elbo::gp::Svgp& model, const GpScaling& s, double student_df) {
  nlohmann::json j;
  j["features"] = s.features;
  j["target"] = s.target;
  j["standardized"] = s.standardized;
  j["means"] = gp_vector_values(s.means);
  j["sds"] = gp_vector_values(s.sds);
  j["target_mean"] = s.target_mean;
  j["target_sd"] = s.target_sd;
  j["kernel"] = {{"spec", model.kernel().spec()}, {"params", gp_vector_values(model.kernel().all_params())}};
  j["likelihood"] = {{"name", model.likelihood().name()},
                     {"params", gp_vector_values(model.likelihood().all_params())},
                     {"student_df", student_df}};
  j["hyperparameters"] = gp_hyperparameters_json(model);
  j["jitter"] = model.jitter();
  j["inducing"] = matrix_json(model.inducing());
  j["q_mean"] = gp_vector_values(model.q_mean());
  j["q_chol"] = matrix_json(model.q_chol());
  return j;
}

SavedGp gp_from_json(const nlohmann::json& saved, const std::string& path) {
  const SavedFields f(saved, path);
  SavedGp out;
  GpScaling& s = out.scaling;
  s.features = f.strings("features");
  s.target = f.string("target");
  s.standardized = f.boolean("standardized");
  s.means = f.vector("means");
  s.sds = f.vector("sds");
  s.target_mean = f.number("target_mean");
  s.target_sd = f.number("target_sd", std::numeric_limits<double>::min());
  for (Eigen::Index j = 0; j < s.sds.size(); ++j) {
    if (!(s.sds[j] > 0)) f.fail("sds", "holds " + std::to_string(s.sds[j]) + ", but a scale must be positive");
  }
  const auto D = static_cast<Eigen::Index>(s.features.size());
  Eigen::MatrixXd Z = f.matrix("inducing");
  const Eigen::VectorXd mu = f.vector("q_mean");
  const Eigen::MatrixXd Ls = f.matrix("q_chol");
  const Eigen::Index T = Z.rows();
  if (D < 1 || s.means.size() != D || s.sds.size() != D || Z.cols() != D || T < 1 || mu.size() != T ||
      Ls.rows() != T || Ls.cols() != T) {
    throw elbo::InputError(path, 0, "", "the GP's features, inducing points and q(u) do not have matching sizes");
  }
  const SavedFields kj = f.object("kernel");
  // A spec the kernel parser refuses is the file's fault here, not an option's.
  std::unique_ptr<elbo::gp::Kernel> kernel;
  try {
    kernel = elbo::gp::make_kernel(kj.string("spec"), D);
  } catch (const elbo::ConfigError& e) {
    kj.fail("spec", e.what());
  }
  const Eigen::VectorXd kp = kj.vector("params");
  if (kp.size() != kernel->num_params()) {
    kj.fail("params", "has " + std::to_string(kp.size()) + " values, but kernel '" + kernel->spec() + "' on " +
                          std::to_string(D) + " inputs takes " + std::to_string(kernel->num_params()));
  }
  kernel->set_all_params(kp);
  const SavedFields lj = f.object("likelihood");
  std::unique_ptr<elbo::gp::Likelihood> likelihood;
  try {
    likelihood = elbo::gp::make_likelihood(lj.string("name"), 1.0, lj.number("student_df"));
  } catch (const elbo::ConfigError& e) {
    lj.fail("name", e.what());
  }
  const Eigen::VectorXd lp = lj.vector("params");
  if (lp.size() != likelihood->num_params()) {
    lj.fail("params", "has " + std::to_string(lp.size()) + " values, but the likelihood takes " +
                          std::to_string(likelihood->num_params()));
  }
  likelihood->set_all_params(lp);
  out.model = std::make_unique<elbo::gp::Svgp>(std::move(kernel), std::move(likelihood), std::move(Z),
                                               f.number("jitter", 0.0, 1.0));
  out.model->q_mean() = mu;
  out.model->q_chol() = Ls;
  return out;
}

Eigen::MatrixXd gp_features_of(const elbo::io::Table& table, const GpScaling& s) {
  const auto D = static_cast<Eigen::Index>(s.features.size());
  std::vector<int64_t> cols;
  for (const auto& name : s.features) cols.push_back(table.column_index(name));
  Eigen::MatrixXd X(table.rows, D);
  for (int64_t i = 0; i < table.rows; ++i) {
    for (Eigen::Index j = 0; j < D; ++j) {
      const double v = table.at(i, cols[static_cast<size_t>(j)]);
      if (!std::isfinite(v)) {
        throw elbo::InputError(table.source, static_cast<long>(i) + 2, s.features[static_cast<size_t>(j)],
                               "is not a finite number");
      }
      X(i, j) = (v - s.means[j]) / s.sds[j];
    }
  }
  return X;
}

}  // namespace elbo_cli
