#include "json_matrix.hpp"

#include <vector>

namespace elbo_cli {

nlohmann::json matrix_json(const Eigen::MatrixXd& m) {
  nlohmann::json out = nlohmann::json::array();
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    std::vector<double> row(static_cast<size_t>(m.cols()));
    for (Eigen::Index j = 0; j < m.cols(); ++j) row[static_cast<size_t>(j)] = m(i, j);
    out.push_back(row);
  }
  return out;
}

}  // namespace elbo_cli
