#pragma once
// Reader of the draws.csv every `elbo fit` writes: CmdStan's variational CSV
// ("# ..." comment lines, a header row, the mean of q as the first row, then
// one row per draw). Unlike io::read_csv it keeps comment lines out of the
// data and accepts nan / inf / -inf, which a draw's log density may be.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace elbo::io {

struct VariationalDraws {
  std::string source;
  std::vector<std::string> columns;          // every column, lp__ etc. included
  std::vector<double> mean;                  // the first row: q's mean (0 for the __ columns)
  std::vector<std::vector<double>> values;   // [column][draw], the rows after the mean
  int64_t draws() const { return values.empty() ? 0 : static_cast<int64_t>(values.front().size()); }
  /// Indices of the parameter columns: all but the sampler's (names ending in "__").
  std::vector<size_t> parameter_columns() const;
};

/// Reads the file at `path`. A missing file, no header, a row of the wrong
/// length, a field that is not a number or no draw after the mean row is an
/// elbo::InputError naming the file, the line and the column.
VariationalDraws read_variational_csv(const std::string& path);

/// The same from text; `source` names it in messages.
VariationalDraws parse_variational_csv(std::string_view text, const std::string& source);

}  // namespace elbo::io
