#pragma once
// The data file of `fit linear|logistic|poisson` and of their `predict`: a CSV
// with a header row, or CmdStan-style JSON {"N", "D", "X": [[..]], "y": [..]}
// read as a table with columns X.1..X.D and y.
#include <string>

#include "elbo/io/table.hpp"

namespace elbo_cli {

/// Reads `path` (".json" by extension, else CSV). With require_y false a JSON
/// file may leave out "y" (new rows to predict). A missing file, bad JSON
/// fields and inconsistent N / D are elbo::InputError naming the file and field.
elbo::io::Table read_regression_table(const std::string& path, bool require_y = true);

}  // namespace elbo_cli
