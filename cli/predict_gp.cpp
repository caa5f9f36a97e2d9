// `elbo predict` for fit gp: the predictive mean and variance of y at new rows
// (Gaussian / Student-t: y on the data's scale; Bernoulli: P(y = 1); Poisson: the
// rate), and the latent f's; `batch` rows at a time, so a million test rows never
// form an M*×M* (or T×M*) matrix. When the rows have the target column, one line
// reports the RMSE (accuracy for Bernoulli) and the mean log predictive density.
#include <fmt/format.h>

#include <Eigen/Core>
#include <cmath>
#include <cstdio>

#include "elbo/core/error.hpp"
#include "elbo/io/csv_reader.hpp"
#include "gp_model_io.hpp"
#include "predict.hpp"
#include "regression_table.hpp"
#include "saved_model.hpp"

namespace elbo_cli {

void predict_gp(const nlohmann::json& saved, const PredictArgs& args) {
  const std::string path = saved_model_path(saved);
  const SavedGp gp = gp_from_json(saved, path);
  const GpScaling& s = gp.scaling;
  const elbo::io::Table table = read_regression_table(args.data, /*require_y=*/false);
  if (table.rows < 1) throw elbo::InputError(args.data, 0, "", "has no data rows");
  const Eigen::MatrixXd X = gp_features_of(table, s);
  const auto& likelihood = gp.model->likelihood();
  const std::string lik = likelihood.name();
  const bool scaled = lik == "gaussian" || lik == "student_t";

  int64_t target_col = -1;
  for (int64_t j = 0; j < table.cols(); ++j)
    if (table.columns[static_cast<size_t>(j)] == s.target) target_col = j;
  Eigen::VectorXd y;
  if (target_col >= 0) {
    y.resize(table.rows);
    for (int64_t i = 0; i < table.rows; ++i) y[i] = table.at(i, target_col);
    likelihood.check_targets(y, table.source, s.target);
  }

  const Eigen::Index N = X.rows(), batch = 65536;
  std::vector<double> f_mean(N), f_var(N), mean(N), var(N);
  double sq = 0, correct = 0, lpd = 0;
  for (Eigen::Index start = 0; start < N; start += batch) {
    const Eigen::Index n = std::min(batch, N - start);
    Eigen::VectorXd fm, fv, pm, pv;
    gp.model->predict_latent(X.middleRows(start, n), fm, fv);
    likelihood.predict(fm, fv, pm, pv);
    if (scaled) {
      pm = pm.array() * s.target_sd + s.target_mean;
      pv = pv.array() * (s.target_sd * s.target_sd);
    }
    if (target_col >= 0) {
      Eigen::VectorXd yb = y.segment(start, n);
      if (scaled) yb = (yb.array() - s.target_mean) / s.target_sd;
      const Eigen::VectorXd lp = likelihood.log_predictive(yb, fm, fv);
      lpd += lp.sum() - (scaled ? static_cast<double>(n) * std::log(s.target_sd) : 0.0);
      for (Eigen::Index i = 0; i < n; ++i) {
        const double yi = y[start + i];
        sq += (pm[i] - yi) * (pm[i] - yi);
        correct += ((pm[i] > 0.5) == (yi > 0.5)) ? 1.0 : 0.0;
      }
    }
    for (Eigen::Index i = 0; i < n; ++i) {
      f_mean[start + i] = fm[i];
      f_var[start + i] = fv[i];
      mean[start + i] = pm[i];
      var[start + i] = pv[i];
    }
  }
  PredictionTable out;
  out.add("mean", std::move(mean));
  out.add("variance", std::move(var));
  out.add("f_mean", std::move(f_mean));
  out.add("f_variance", std::move(f_var));
  write_prediction_csv(out, args.output);
  if (args.quiet) return;
  std::FILE* info = args.output.empty() ? stderr : stdout;
  if (target_col >= 0) {
    const double rows = static_cast<double>(N);
    const std::string score = lik.rfind("bernoulli", 0) == 0 ? fmt::format("accuracy {:.6f}", correct / rows)
                                                             : fmt::format("RMSE {:.6g}", std::sqrt(sq / rows));
    std::fprintf(info, "%s\n", fmt::format("test: {} rows of {}, {}, mean log predictive density {:.6f}", N,
                                           args.data, score, lpd / rows).c_str());
  }
  if (!args.output.empty()) {
    std::fprintf(info, "predicted %lld rows of %s: wrote %s\n", static_cast<long long>(N), args.data.c_str(),
                 args.output.c_str());
  }
}

}  // namespace elbo_cli
