#pragma once
// A numeric table with named columns, as read from a CSV file. Plain C++
// (no LibTorch) so every reader and model can use it.
#include <cstdint>
#include <string>
#include <vector>

namespace elbo::io {

struct Table {
  std::string source;                // file name (or "<built-in ...>") for messages
  std::vector<std::string> columns;  // header names, unique
  int64_t rows = 0;
  std::vector<double> values;        // row-major, rows × columns.size()

  int64_t cols() const { return static_cast<int64_t>(columns.size()); }
  double at(int64_t row, int64_t col) const { return values[row * cols() + col]; }
  /// Index of the column named `name`; throws ConfigError naming the column,
  /// the file and the available columns when there is none.
  int64_t column_index(const std::string& name) const;
  std::vector<double> column(int64_t col) const;
};

}  // namespace elbo::io
