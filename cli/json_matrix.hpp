#pragma once
// Matrices in the CLI's JSON outputs (gmm.json, hmm.json, model.json): an array
// of rows, and back.
#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <string>

namespace elbo_cli {

/// [[m(0,0), m(0,1), ...], ...].
nlohmann::json matrix_json(const Eigen::MatrixXd& m);

/// The matrix of an array of equal-length rows; an elbo::InputError naming
/// `source` when the rows differ in length (JSON type errors propagate).
Eigen::MatrixXd matrix_from_json(const nlohmann::json& rows, const std::string& source);

}  // namespace elbo_cli
