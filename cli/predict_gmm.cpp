// `elbo predict` for fit gmm: component probabilities of new points and the
// most likely component (0-based, as the fit's output numbers components).
#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "elbo/conjugate/gmm_predict.hpp"
#include "elbo/core/error.hpp"
#include "elbo/io/csv_reader.hpp"
#include "json_matrix.hpp"
#include "predict.hpp"
#include "saved_model.hpp"

namespace elbo_cli {

namespace {

Eigen::VectorXd vector_of(const nlohmann::json& j) {
  const auto v = j.get<std::vector<double>>();
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

}  // namespace

void predict_gmm(const nlohmann::json& saved, const PredictArgs& args) {
  const auto columns = saved["columns"].get<std::vector<std::string>>();
  elbo::conjugate::GmmSummary fit;
  fit.alpha = vector_of(saved["weight_concentration"]);
  fit.beta = vector_of(saved["mean_precision"]);
  fit.nu = vector_of(saved["degrees_of_freedom"]);
  const std::string path = saved_model_path(saved);
  fit.means = matrix_from_json(saved["means"], path);
  for (const auto& c : saved["covariances"]) fit.covariances.push_back(matrix_from_json(c, path));
  const auto K = fit.means.rows();
  const auto D = static_cast<Eigen::Index>(columns.size());
  if (fit.alpha.size() != K || fit.beta.size() != K || fit.nu.size() != K || fit.means.cols() != D ||
      static_cast<Eigen::Index>(fit.covariances.size()) != K) {
    throw elbo::InputError(path, 0, "", "the mixture's parameters do not have matching sizes");
  }
  for (const auto& c : fit.covariances) {
    if (c.rows() != D || c.cols() != D) {
      throw elbo::InputError(path, 0, "covariances", "are not " + std::to_string(D) + " x " + std::to_string(D));
    }
  }

  const elbo::io::Table table = elbo::io::read_csv(args.data);
  if (table.rows < 1) throw elbo::InputError(args.data, 0, "", "has no data rows");
  std::vector<int64_t> cols;
  for (const auto& c : columns) {
    // A missing column is the new data's fault (exit 1), not an option's.
    if (std::find(table.columns.begin(), table.columns.end(), c) == table.columns.end()) {
      throw elbo::InputError(args.data, 1, c, "the fitted model's column is missing from the new data");
    }
    cols.push_back(table.column_index(c));
  }
  Eigen::MatrixXd X(table.rows, D);
  for (int64_t i = 0; i < table.rows; ++i) {
    for (Eigen::Index j = 0; j < D; ++j) {
      const double v = table.at(i, cols[j]);
      if (!std::isfinite(v)) {
        throw elbo::InputError(args.data, i + 2, columns[j], "is " + std::to_string(v) + ", but must be finite");
      }
      X(i, j) = v;
    }
  }
  const Eigen::MatrixXd r = elbo::conjugate::gmm_predict_proba(fit, X);
  PredictionTable out;
  for (Eigen::Index k = 0; k < K; ++k) {
    out.add("prob_" + std::to_string(k), std::vector<double>(r.col(k).data(), r.col(k).data() + r.rows()));
  }
  std::vector<double> best(static_cast<size_t>(r.rows()));
  for (Eigen::Index n = 0; n < r.rows(); ++n) {
    Eigen::Index k;
    r.row(n).maxCoeff(&k);
    best[n] = static_cast<double>(k);
  }
  out.add("component", std::move(best));
  write_prediction_csv(out, args.output);
  if (!args.quiet && !args.output.empty()) {
    std::printf("predicted the components of %lld rows of %s: wrote %s\n", static_cast<long long>(X.rows()),
                args.data.c_str(), args.output.c_str());
  }
}

}  // namespace elbo_cli
