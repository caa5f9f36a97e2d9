#include "elbo/io/draws_reader.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "elbo/core/error.hpp"
#include "elbo/io/text_file.hpp"
#include "elbo/io/utf8.hpp"

namespace elbo::io {
namespace {

std::string_view trim_field(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return s;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (;;) {
    const size_t comma = line.find(',', start);
    fields.push_back(trim_field(line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

// strtod reads "nan", "inf", "-inf", "infinity" in any case, as a C++ stream writes them.
bool parse_draws_number(std::string_view field, double& out) {
  if (field.empty()) return false;
  const std::string s(field);
  char* end = nullptr;
  errno = 0;
  out = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

}  // namespace

std::vector<size_t> VariationalDraws::parameter_columns() const {
  std::vector<size_t> out;
  for (size_t i = 0; i < columns.size(); ++i) {
    const auto& c = columns[i];
    if (c.size() >= 2 && c.compare(c.size() - 2, 2, "__") == 0) continue;
    out.push_back(i);
  }
  return out;
}

VariationalDraws read_variational_csv(const std::string& path) {
  return parse_variational_csv(io::read_text_file(path), path);
}

VariationalDraws parse_variational_csv(std::string_view text, const std::string& source) {
  VariationalDraws d;
  d.source = source;
  long line_number = 0;
  bool have_header = false, have_mean = false;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (line_number == 1) line = strip_utf8_bom(line);
    const std::string_view content = trim_field(line);
    if (content.empty() || content.front() == '#') continue;
    const auto fields = split_fields(line);
    if (!have_header) {
      for (const auto& f : fields) {
        if (f.empty()) throw InputError(source, line_number, "", "empty column name in the header row");
        // Names reach predictions' and reports' headers, which must be UTF-8.
        require_utf8_field(f, source, line_number, "column " + std::to_string(d.columns.size() + 1), "column name");
        d.columns.emplace_back(f);
      }
      d.values.assign(d.columns.size(), {});
      have_header = true;
      continue;
    }
    if (fields.size() != d.columns.size()) {
      throw InputError(source, line_number, "",
                       fmt::format("{} fields, but the header has {} columns", fields.size(), d.columns.size()));
    }
    std::vector<double> row(fields.size());
    for (size_t i = 0; i < fields.size(); ++i) {
      if (!parse_draws_number(fields[i], row[i])) {
        throw InputError(source, line_number, d.columns[i],
                         fmt::format("not a number: \"{}\"", std::string(fields[i].substr(0, 40))));
      }
    }
    if (!have_mean) {
      d.mean = std::move(row);
      have_mean = true;
    } else {
      for (size_t i = 0; i < row.size(); ++i) d.values[i].push_back(row[i]);
    }
  }
  if (!have_header) throw InputError(source, 0, "", "no header row (an empty or comment-only file)");
  if (d.draws() == 0) {
    throw InputError(source, 0, "",
                     have_mean ? "no draws after the first row (the mean of q)" : "no rows after the header");
  }
  return d;
}

}  // namespace elbo::io
