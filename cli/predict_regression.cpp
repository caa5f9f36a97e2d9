// `elbo predict` for fit linear|logistic|poisson: the posterior predictive at
// new rows from the fit's draws (draws.csv), weighted as the fit's summary was
// (PSIS weights recomputed from log_p__ − log_g__ when summary.json says "psis").
#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "elbo/core/error.hpp"
#include "elbo/diagnostics/psis.hpp"
#include "elbo/io/atomic_file.hpp"
#include "elbo/io/draws_reader.hpp"
#include "elbo/models/design_matrix.hpp"
#include "elbo/models/regression_predictive.hpp"
#include "elbo/report/fit_directory.hpp"
#include "predict.hpp"
#include "saved_fields.hpp"
#include "regression_table.hpp"
#include "saved_model.hpp"

namespace elbo_cli {

namespace {

namespace fs = std::filesystem;

at::Tensor tensor_of(const std::vector<double>& v) {
  return torch::tensor(v, torch::kDouble);
}

// The draws column `name`, an InputError naming the file when it is missing.
const std::vector<double>& draws_column(const elbo::io::VariationalDraws& d, const std::string& name) {
  for (size_t j = 0; j < d.columns.size(); ++j) {
    if (d.columns[j] == name) return d.values[j];
  }
  throw elbo::InputError(d.source, 0, name, "column is missing (not the draws of this model)");
}

// Normalised PSIS weights when the fit's summary used them, else undefined.
at::Tensor fit_weights(const std::string& dir, const elbo::io::VariationalDraws& d) {
  const auto summary_path = (fs::path(dir) / "summary.json").string();
  std::error_code ec;
  if (!fs::exists(summary_path, ec)) return {};
  const auto summary = elbo::report::read_json_file(summary_path);
  if (summary.value("summary_weighting", std::string()) != "psis") return {};
  const auto& log_p = draws_column(d, "log_p__");
  const auto& log_g = draws_column(d, "log_g__");
  std::vector<double> ratios(log_p.size());
  for (size_t s = 0; s < ratios.size(); ++s) {
    ratios[s] = std::isfinite(log_p[s]) ? log_p[s] - log_g[s] : -INFINITY;
  }
  auto lw = elbo::diagnostics::psis(ratios).log_weights;
  return tensor_of(lw).exp();
}

}  // namespace

void predict_regression(const nlohmann::json& saved, const PredictArgs& args) {
  const SavedFields f(saved, saved_model_path(saved));
  const auto kind = elbo::models::regression_kind(f.string("model"));
  elbo::models::DesignMatrix design;
  design.feature_names = f.strings("features");
  design.target_name = f.string("target");
  design.standardized = f.boolean("standardized");
  design.means = tensor_of(f.numbers("means"));
  design.sds = tensor_of(f.numbers("sds"));
  const int64_t D = static_cast<int64_t>(design.feature_names.size());
  if (design.means.numel() != D || design.sds.numel() != D) {
    throw elbo::InputError(saved_model_path(saved), 0, "means",
                           "means and sds do not have one entry per feature");
  }

  const auto draws_path = (fs::path(args.model_dir) / f.string("draws")).string();
  const auto d = elbo::io::read_variational_csv(draws_path);
  elbo::models::RegressionDraws draws;
  draws.alpha = tensor_of(draws_column(d, "alpha"));
  const int64_t S = draws.alpha.size(0);
  draws.beta = torch::empty({S, D}, torch::kDouble);
  for (int64_t j = 0; j < D; ++j) {
    draws.beta.select(1, j).copy_(tensor_of(draws_column(d, "beta." + std::to_string(j + 1))));
  }
  if (kind == elbo::models::RegressionKind::linear) {
    draws.sigma = f.has("sigma") && f.at("sigma").is_number()
                      ? torch::full({S}, f.number("sigma", std::numeric_limits<double>::min()), torch::kDouble)
                                             : tensor_of(draws_column(d, "sigma"));
  }
  draws.weights = fit_weights(args.model_dir, d);

  const auto table = read_regression_table(args.data, /*require_y=*/false);
  const auto X = design.features_of(table);
  const auto p = elbo::models::predict_regression(kind, draws, X, args.seed);

  PredictionTable out;
  auto add = [&out](const std::string& prefix, const elbo::models::PredictiveSummary& s) {
    auto vec = [](const at::Tensor& t) {
      auto c = t.contiguous();
      return std::vector<double>(c.data_ptr<double>(), c.data_ptr<double>() + c.numel());
    };
    out.add(prefix + "_mean", vec(s.mean));
    out.add(prefix + "_sd", vec(s.sd));
    out.add(prefix + "_q5", vec(s.q5));
    out.add(prefix + "_q50", vec(s.q50));
    out.add(prefix + "_q95", vec(s.q95));
  };
  add("eta", p.linear_predictor);
  add("y", p.response);
  write_prediction_csv(out, args.output);

  if (!args.draws_output.empty()) {
    const int64_t M = X.size(0);
    std::string csv;
    for (int64_t m = 0; m < M; ++m) csv += (m ? ",y." : "y.") + std::to_string(m + 1);
    csv += '\n';
    auto y = p.response_draws.contiguous();
    const double* v = y.data_ptr<double>();
    for (int64_t s = 0; s < S; ++s) {
      for (int64_t m = 0; m < M; ++m) csv += fmt::format("{}{:.9g}", m ? "," : "", v[s * M + m]);
      csv += '\n';
    }
    elbo::io::write_file_atomically(args.draws_output, csv);
  }
  if (!args.quiet && !args.output.empty()) {
    std::printf("predicted %lld rows of %s with %lld draws%s: wrote %s\n", static_cast<long long>(X.size(0)),
                args.data.c_str(), static_cast<long long>(S), draws.weights.defined() ? " (PSIS-weighted)" : "",
                args.output.c_str());
  }
}

}  // namespace elbo_cli
