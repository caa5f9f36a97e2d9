#pragma once
// Strict reader for numeric CSV tables (a header row of column names, then rows
// of numbers). Comma separator, '.' decimal point; tolerates a UTF-8 byte-order
// mark, CRLF line ends, double quotes around header names (and around numbers),
// spaces around fields and blank lines at the end of the file.
//
// Every problem is an elbo::InputError naming file, line and column, e.g.
//   data.csv:17: field 'age': non-numeric value "forty"
// Missing values (empty field, NA, NaN, inf) are rejected: the models have no
// missing-data handling, so a silent NaN would only fail later and obscurely.
#include <string>
#include <string_view>

#include "elbo/io/table.hpp"

namespace elbo::io {

/// Reads the CSV file at `path` (in one read) and parses it with parse_csv.
Table read_csv(const std::string& path);

/// Parses CSV `text`; `source` names it in messages and becomes Table::source.
Table parse_csv(std::string_view text, const std::string& source);

}  // namespace elbo::io
