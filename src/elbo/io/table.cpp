#include "elbo/io/table.hpp"

#include <string>

#include "elbo/core/error.hpp"

namespace elbo::io {

int64_t Table::column_index(const std::string& name) const {
  for (int64_t j = 0; j < cols(); ++j) {
    if (columns[j] == name) return j;
  }
  std::string available;
  for (const auto& c : columns) {
    if (!available.empty()) available += ", ";
    available += c;
  }
  throw ConfigError(source + ": no column named '" + name + "' (columns are: " +
                    available + ")");
}

std::vector<double> Table::column(int64_t col) const {
  if (col < 0 || col >= cols()) {
    throw ConfigError(source + ": column index " + std::to_string(col) +
                      " is out of range for a table with " + std::to_string(cols()) +
                      " columns");
  }
  std::vector<double> out(static_cast<size_t>(rows));
  const int64_t stride = cols();
  for (int64_t i = 0; i < rows; ++i) out[i] = values[i * stride + col];
  return out;
}

}  // namespace elbo::io
