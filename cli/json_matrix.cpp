#include "json_matrix.hpp"

#include <vector>

#include "elbo/core/error.hpp"

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

Eigen::MatrixXd matrix_from_json(const nlohmann::json& j, const std::string& source) {
  const auto rows = j.get<std::vector<std::vector<double>>>();
  const auto cols = rows.empty() ? Eigen::Index{0} : static_cast<Eigen::Index>(rows[0].size());
  Eigen::MatrixXd m(static_cast<Eigen::Index>(rows.size()), cols);
  for (size_t i = 0; i < rows.size(); ++i) {
    if (static_cast<Eigen::Index>(rows[i].size()) != cols) {
      throw elbo::InputError(source, 0, "", "holds a matrix whose rows differ in length");
    }
    for (Eigen::Index c = 0; c < cols; ++c) m(static_cast<Eigen::Index>(i), c) = rows[i][static_cast<size_t>(c)];
  }
  return m;
}

}  // namespace elbo_cli
