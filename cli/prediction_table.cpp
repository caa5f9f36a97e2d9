// The CSV that `elbo predict` writes: a 1-based "row" column, then one column
// per predicted quantity (declared in predict.hpp).
#include <fmt/format.h>

#include <cstdio>

#include "elbo/io/atomic_file.hpp"
#include "predict.hpp"

namespace elbo_cli {

void PredictionTable::add(const std::string& name, std::vector<double> values) {
  names.push_back(name);
  columns.push_back(std::move(values));
}

void write_prediction_csv(const PredictionTable& table, const std::string& output) {
  const size_t rows = table.columns.empty() ? 0 : table.columns.front().size();
  std::string csv = "row";
  for (const auto& n : table.names) csv += "," + n;
  csv += '\n';
  csv.reserve(csv.size() + rows * table.columns.size() * 12);
  for (size_t i = 0; i < rows; ++i) {
    csv += std::to_string(i + 1);
    for (const auto& c : table.columns) csv += fmt::format(",{:.9g}", c[i]);
    csv += '\n';
  }
  if (output.empty()) {
    std::fwrite(csv.data(), 1, csv.size(), stdout);
    std::fflush(stdout);
  } else {
    elbo::io::write_file_atomically(output, csv);
  }
}

}  // namespace elbo_cli
