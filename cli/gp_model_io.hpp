#pragma once
// The sparse GP in DIR/model.json (format elbo-model-1, "model": "gp"), written
// by `elbo fit gp` and read by `elbo predict`: the feature columns and their
// standardisation, the target's (Gaussian and Student-t targets are centred and
// scaled), the kernel (spec, unconstrained parameters, and their named
// constrained values for reading), the likelihood (name, parameters, Student-t
// degrees of freedom), the jitter, the inducing inputs Z (T×D, standardised
// scale) and the whitened q(v) = N(q_mean, q_chol q_cholᵀ).
#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>
#include <vector>

#include "elbo/gp/svgp.hpp"
#include "elbo/io/table.hpp"

namespace elbo_cli {

struct GpScaling {
  std::vector<std::string> features;
  std::string target;
  bool standardized = true;
  Eigen::VectorXd means, sds;       // per feature (0 and 1 when not standardised)
  double target_mean = 0, target_sd = 1;  // y_model = (y − target_mean) / target_sd
};

/// Kernel and likelihood hyperparameters as {"name": constrained value, …}.
nlohmann::json gp_hyperparameters_json(const elbo::gp::Svgp& model);

/// The fields of model.json (without "format" and "model").
nlohmann::json gp_model_json(const elbo::gp::Svgp& model, const GpScaling& scaling, double student_df);

struct SavedGp {
  std::unique_ptr<elbo::gp::Svgp> model;
  GpScaling scaling;
};

/// The model of a model.json written by gp_model_json; an elbo::InputError
/// naming `path` and the field for any missing, mistyped or inconsistent field.
SavedGp gp_from_json(const nlohmann::json& saved, const std::string& path);

/// The rows of `table` as the model's inputs: the feature columns by name (any
/// order; other columns ignored), standardised as in the fit. A missing column
/// is a ConfigError naming it and the file.
Eigen::MatrixXd gp_features_of(const elbo::io::Table& table, const GpScaling& scaling);

}  // namespace elbo_cli
