#pragma once
// `elbo predict --model DIR --data NEW`: predictions of a fitted model (the
// fit's --output DIR, which holds model.json) for new data. One file per kind:
// predict_regression.cpp (posterior predictive of y and of the linear
// predictor), predict_lda.cpp (topic proportions of new documents),
// predict_gmm.cpp (component probabilities), predict_vae.cpp (latent means),
// predict_gp.cpp (the sparse GP's predictive mean and variance).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace elbo_cli {

struct PredictArgs {
  std::string model_dir, data, output, draws_output, format = "auto";
  uint64_t seed = 1;
  int threads = 0;
  bool quiet = false;
};

/// A prediction table: named columns of equal length, written as CSV with a
/// leading 1-based "row" column to `output` (atomically), or to stdout when
/// `output` is empty.
struct PredictionTable {
  std::vector<std::string> names;
  std::vector<std::vector<double>> columns;
  void add(const std::string& name, std::vector<double> values);
};
void write_prediction_csv(const PredictionTable& table, const std::string& output);

void predict_regression(const nlohmann::json& saved, const PredictArgs& args);
void predict_lda(const nlohmann::json& saved, const PredictArgs& args);
void predict_gmm(const nlohmann::json& saved, const PredictArgs& args);
void predict_vae(const nlohmann::json& saved, const PredictArgs& args);
void predict_gp(const nlohmann::json& saved, const PredictArgs& args);

}  // namespace elbo_cli
