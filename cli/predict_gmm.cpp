// `elbo predict` for fit gmm: component probabilities of new points and the
// most likely component (0-based, as the fit's output numbers components).
#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "elbo/conjugate/gmm_predict.hpp"
#include "elbo/core/error.hpp"
#include "elbo/io/csv_reader.hpp"
#include "saved_fields.hpp"
#include "predict.hpp"
#include "saved_model.hpp"

namespace elbo_cli {

void predict_gmm(const nlohmann::json& saved, const PredictArgs& args) {
  const std::string path = saved_model_path(saved);
  const SavedFields f(saved, path);
  const auto columns = f.strings("columns");
  elbo::conjugate::GmmSummary fit;
  fit.alpha = f.vector("weight_concentration");
  fit.beta = f.vector("mean_precision");
  fit.nu = f.vector("degrees_of_freedom");
  fit.means = f.matrix("means");
  const auto& covariances = f.at("covariances");
  if (!covariances.is_array()) f.fail("covariances", "must be an array of matrices");
  for (const auto& c : covariances) fit.covariances.push_back(f.matrix_of(c, "covariances"));
  const auto K = fit.means.rows();
  const auto D = static_cast<Eigen::Index>(columns.size());
  if (K < 1 || D < 1 || fit.alpha.size() != K || fit.beta.size() != K || fit.nu.size() != K ||
      fit.means.cols() != D || static_cast<Eigen::Index>(fit.covariances.size()) != K) {
    throw elbo::InputError(path, 0, "", "the mixture's parameters do not have matching sizes");
  }
  for (Eigen::Index k = 0; k < K; ++k) {
    if (!(fit.alpha[k] > 0)) f.fail("weight_concentration", "holds a value that is not positive");
    if (!(fit.beta[k] > 0)) f.fail("mean_precision", "holds a value that is not positive");
    if (!(fit.nu[k] > static_cast<double>(D) - 1)) f.fail("degrees_of_freedom", "holds a value not above D - 1");
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
