#include "elbo/report/fields.hpp"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "elbo/report/html.hpp"

namespace elbo::report {
namespace {

bool is_scalar(const nlohmann::json& v) { return v.is_primitive(); }

void flatten_into(const nlohmann::json& object, const std::string& prefix, const std::set<std::string>& skip,
                  size_t max_array, std::vector<std::pair<std::string, std::string>>& out) {
  for (const auto& [key, value] : object.items()) {
    const std::string name = prefix.empty() ? key : prefix + "." + key;
    if (skip.count(key) || skip.count(name)) continue;
    if (value.is_object()) {
      if (value.empty()) continue;
      flatten_into(value, name, skip, max_array, out);
    } else if (value.is_array()) {
      bool scalars = true;
      for (const auto& e : value) scalars = scalars && is_scalar(e);
      if (scalars && value.size() <= max_array) out.emplace_back(name, format_value(value));
    } else {
      out.emplace_back(name, format_value(value));
    }
  }
}

}  // namespace

double number_or_nan(const nlohmann::json& v) {
  return v.is_number() ? v.get<double>() : std::numeric_limits<double>::quiet_NaN();
}

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  return fmt::format("{:.6g}", v);
}

std::string format_value(const nlohmann::json& v) {
  if (v.is_null()) return "none";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_integer()) return v.dump();
  if (v.is_number()) return format_number(v.get<double>());
  if (v.is_array()) {
    bool scalars = true;
    for (const auto& e : v) scalars = scalars && is_scalar(e);
    if (scalars) {
      std::string out = "[";
      for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + format_value(v[i]);
      return out + "]";
    }
  }
  return v.dump();
}

std::vector<std::pair<std::string, std::string>> flatten_fields(const nlohmann::json& object,
                                                                const std::set<std::string>& skip,
                                                                size_t max_array) {
  std::vector<std::pair<std::string, std::string>> out;
  if (object.is_object()) flatten_into(object, "", skip, max_array, out);
  return out;
}

std::string fields_table(const std::vector<std::pair<std::string, std::string>>& fields,
                         const std::string& css_class) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& [name, value] : fields) {
    rows.push_back({"<th>" + escape_html(name) + "</th>", "<td>" + escape_html(value) + "</td>"});
  }
  return html_table({}, rows, css_class);
}

}  // namespace elbo::report
