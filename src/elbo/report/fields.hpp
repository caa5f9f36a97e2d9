#pragma once
// A fit summary's JSON values as the report shows them: numbers with six
// significant digits, nested settings flattened to "settings.eta", long
// arrays (traces, per-parameter tables) left to their own sections.
#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <utility>
#include <vector>

namespace elbo::report {

/// The number in `v`, NaN when it is not a number (null, a string such as "inf").
double number_or_nan(const nlohmann::json& v);

/// Six significant digits ("%.6g"); nan / inf / -inf spelled out.
std::string format_number(double v);

/// A scalar as text (strings unquoted, null as "none"); a short array of
/// scalars as "[a, b, c]"; anything else as its compact JSON.
std::string format_value(const nlohmann::json& v);

/// The object's scalar and short-array fields in key order, nested objects as
/// "outer.inner"; keys in `skip` and arrays longer than `max_array` (or of
/// objects) are left out.
std::vector<std::pair<std::string, std::string>> flatten_fields(const nlohmann::json& object,
                                                                const std::set<std::string>& skip,
                                                                size_t max_array = 8);

/// A two-column table of (name, value) pairs, escaped.
std::string fields_table(const std::vector<std::pair<std::string, std::string>>& fields,
                         const std::string& css_class = "fields");

}  // namespace elbo::report
