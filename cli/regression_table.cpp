#include "regression_table.hpp"

#include <filesystem>

#include "elbo/core/error.hpp"
#include "elbo/io/csv_reader.hpp"
#include "elbo/io/json_data_reader.hpp"

namespace elbo_cli {

namespace {

elbo::io::Table table_from_json(const std::string& path, bool require_y) {
  auto data = elbo::io::read_json_data(path);
  auto X = data.matrix("X");
  const int64_t N = X.shape[0], D = X.shape[1];
  const bool has_y = require_y || data.contains("y");
  std::vector<double> y;
  if (has_y) y = data.vector("y", N);
  if (data.contains("N") && data.integer("N") != N) {
    throw elbo::InputError(path, 0, "N", "N is " + std::to_string(data.integer("N")) +
                                             " but X has " + std::to_string(N) + " rows");
  }
  if (data.contains("D") && data.integer("D") != D) {
    throw elbo::InputError(path, 0, "D", "D is " + std::to_string(data.integer("D")) +
                                             " but X has " + std::to_string(D) + " columns");
  }
  elbo::io::Table table;
  table.source = path;
  for (int64_t j = 0; j < D; ++j) table.columns.push_back("X." + std::to_string(j + 1));
  if (has_y) table.columns.push_back("y");
  table.rows = N;
  table.values.reserve(N * (D + 1));
  for (int64_t i = 0; i < N; ++i) {
    for (int64_t j = 0; j < D; ++j) table.values.push_back(X.values[i * D + j]);
    if (has_y) table.values.push_back(y[i]);
  }
  return table;
}

}  // namespace

elbo::io::Table read_regression_table(const std::string& path, bool require_y) {
  if (!std::filesystem::exists(path)) {
    throw elbo::InputError(path, 0, "", "file does not exist");
  }
  if (std::filesystem::path(path).extension() == ".json") return table_from_json(path, require_y);
  return elbo::io::read_csv(path);
}

}  // namespace elbo_cli
