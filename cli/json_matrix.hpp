#pragma once
// Matrices in the CLI's JSON outputs (gmm.json, hmm.json, model.json): an array
// of rows (read back, checked, by SavedFields::matrix).
#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <string>

namespace elbo_cli {

/// [[m(0,0), m(0,1), ...], ...].
nlohmann::json matrix_json(const Eigen::MatrixXd& m);

}  // namespace elbo_cli
