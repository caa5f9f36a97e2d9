#include "gp_model_io.hpp"

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/gp/kernel_spec.hpp"
#include "elbo/gp/likelihood.hpp"
#include "json_matrix.hpp"

namespace elbo_cli {

namespace {

std::vector<double> gp_vector_values(const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); }

Eigen::VectorXd gp_vector_of(const nlohmann::json& j) {
  const auto v = j.get<std::vector<double>>();
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

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
  SavedGp out;
  GpScaling& s = out.scaling;
  s.features = saved.at("features").get<std::vector<std::string>>();
  s.target = saved.at("target").get<std::string>();
  s.standardized = saved.at("standardized").get<bool>();
  s.means = gp_vector_of(saved.at("means"));
  s.sds = gp_vector_of(saved.at("sds"));
  s.target_mean = saved.at("target_mean").get<double>();
  s.target_sd = saved.at("target_sd").get<double>();
  const auto D = static_cast<Eigen::Index>(s.features.size());
  Eigen::MatrixXd Z = matrix_from_json(saved.at("inducing"), path);
  const Eigen::VectorXd mu = gp_vector_of(saved.at("q_mean"));
  const Eigen::MatrixXd Ls = matrix_from_json(saved.at("q_chol"), path);
  const Eigen::Index T = Z.rows();
  if (s.means.size() != D || s.sds.size() != D || Z.cols() != D || T < 1 || mu.size() != T || Ls.rows() != T ||
      Ls.cols() != T) {
    throw elbo::InputError(path, 0, "", "the GP's features, inducing points and q(u) do not have matching sizes");
  }
  const auto& kj = saved.at("kernel");
  auto kernel = elbo::gp::make_kernel(kj.at("spec").get<std::string>(), D);
  const Eigen::VectorXd kp = gp_vector_of(kj.at("params"));
  if (kp.size() != kernel->num_params()) {
    throw elbo::InputError(path, 0, "kernel", "has " + std::to_string(kp.size()) + " parameters, but kernel '" +
                                                  kernel->spec() + "' on " + std::to_string(D) + " inputs takes " +
                                                  std::to_string(kernel->num_params()));
  }
  kernel->set_all_params(kp);
  const auto& lj = saved.at("likelihood");
  auto likelihood = elbo::gp::make_likelihood(lj.at("name").get<std::string>(), 1.0, lj.at("student_df").get<double>());
  const Eigen::VectorXd lp = gp_vector_of(lj.at("params"));
  if (lp.size() != likelihood->num_params()) {
    throw elbo::InputError(path, 0, "likelihood", "has the wrong number of parameters");
  }
  likelihood->set_all_params(lp);
  out.model = std::make_unique<elbo::gp::Svgp>(std::move(kernel), std::move(likelihood), std::move(Z),
                                               saved.at("jitter").get<double>());
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
