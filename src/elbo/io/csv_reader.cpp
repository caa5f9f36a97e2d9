#include "elbo/io/csv_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "elbo/core/error.hpp"
#include "elbo/io/text_file.hpp"
#include "elbo/io/utf8.hpp"

namespace elbo::io {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

bool is_blank_line(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return is_blank(c) || c == '\r'; });
}

/// The field text for a message: quoted, shortened when long.
std::string quoted(std::string_view s) {
  constexpr size_t kMax = 40;
  std::string out = "\"";
  if (s.size() > kMax) {
    out.append(s.substr(0, kMax));
    out += "...";
  } else {
    out.append(s);
  }
  return out + "\"";
}

bool is_missing_token(std::string_view s) {
  static constexpr std::string_view kTokens[] = {"NA", "N/A", "na", "n/a", "NULL",
                                                 "null", "None", "none", "."};
  return std::find(std::begin(kTokens), std::end(kTokens), s) != std::end(kTokens);
}

enum class FieldStatus { kOk, kEmpty, kMissing, kNonFinite, kNonNumeric, kOutOfRange };

/// Parses one whole field as a double; the entire (trimmed) field must be consumed.
FieldStatus parse_number(std::string_view field, double& out) {
  field = trim(field);
  if (field.size() >= 2 && field.front() == '"' && field.back() == '"') {
    field = trim(field.substr(1, field.size() - 2));
  }
  if (field.empty()) return FieldStatus::kEmpty;
  std::string_view digits = field;
  if (digits.front() == '+') {
    digits.remove_prefix(1);
    if (digits.empty() || digits.front() == '-' || digits.front() == '+') {
      return FieldStatus::kNonNumeric;
    }
  }
  const char* first = digits.data();
  const char* last = digits.data() + digits.size();
  const auto [ptr, ec] = std::from_chars(first, last, out, std::chars_format::general);
  if (ec == std::errc::result_out_of_range && ptr == last) {
    // Overflow is an error; underflow to a subnormal or zero is a valid number.
    std::string copy(first, last);
    errno = 0;
    out = std::strtod(copy.c_str(), nullptr);
    return std::isfinite(out) ? FieldStatus::kOk : FieldStatus::kOutOfRange;
  }
  if (ec != std::errc() || ptr != last) {
    return is_missing_token(field) ? FieldStatus::kMissing : FieldStatus::kNonNumeric;
  }
  return std::isfinite(out) ? FieldStatus::kOk : FieldStatus::kNonFinite;
}

/// Splits the header row; commas inside double quotes belong to the name and
/// "" inside quotes is a literal quote.
std::vector<std::string> split_header(std::string_view line, const std::string& source) {
  std::vector<std::string> names;
  std::string current;
  bool in_quotes = false;
  bool was_quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          current += '"';
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        current += c;
      }
    } else if (c == '"' && trim(current).empty() && !was_quoted) {
      current.clear();
      in_quotes = true;
      was_quoted = true;
    } else if (c == ',') {
      names.emplace_back(was_quoted ? current : std::string(trim(current)));
      current.clear();
      was_quoted = false;
    } else if (was_quoted) {
      if (!is_blank(c)) {
        throw InputError(source, 1, current, "unexpected text after the closing quote");
      }
    } else {
      current += c;
    }
  }
  if (in_quotes) {
    throw InputError(source, 1, "", "unterminated double quote in the header row");
  }
  names.emplace_back(was_quoted ? current : std::string(trim(current)));
  return names;
}

InputError ragged_row(const std::string& source, const std::vector<std::string>& columns,
                      long line_no, size_t nfields, bool unterminated_last_line) {
  const size_t ncol = columns.size();
  std::string what = "expected " + std::to_string(ncol) + " fields, got " + std::to_string(nfields);
  if (nfields == 0) what += " (blank line inside the data)";
  if (nfields < ncol && nfields > 0 && unterminated_last_line) {
    what += " (the last line looks truncated)";
  }
  return InputError(source, line_no, nfields < ncol ? columns[nfields] : "", what);
}

InputError bad_field(const std::string& source, long line_no, const std::string& column,
                     FieldStatus status, std::string_view text) {
  switch (status) {
    case FieldStatus::kEmpty:
      return InputError(source, line_no, column, "missing or non-finite value (empty field)");
    case FieldStatus::kMissing:
    case FieldStatus::kNonFinite:
      return InputError(source, line_no, column, "missing or non-finite value " + quoted(text));
    case FieldStatus::kOutOfRange:
      return InputError(source, line_no, column,
                        "value " + quoted(text) + " is out of range for a double");
    default:
      return InputError(source, line_no, column, "non-numeric value " + quoted(text));
  }
}

}  // namespace

Table read_csv(const std::string& path) { return parse_csv(read_text_file(path), path); }

Table parse_csv(std::string_view text, const std::string& source) {
  text = strip_utf8_bom(text);
  const bool ends_with_newline = !text.empty() && text.back() == '\n';
  // Blank lines (and whitespace) at the end of the file are not rows.
  size_t end = text.size();
  while (end > 0 && (is_blank(text[end - 1]) || text[end - 1] == '\r' || text[end - 1] == '\n')) {
    --end;
  }
  if (end == 0) throw InputError(source, 0, "", "file is empty (a header row of column names is required)");
  const char* const base = text.data();

  // ---- header ---------------------------------------------------------------------
  const char* nl = static_cast<const char*>(std::memchr(base, '\n', end));
  size_t header_end = nl ? static_cast<size_t>(nl - base) : end;
  std::string_view header_line(base, header_end);
  if (!header_line.empty() && header_line.back() == '\r') header_line.remove_suffix(1);
  if (is_blank_line(header_line)) {
    throw InputError(source, 1, "", "line 1 is blank; a header row of column names is required");
  }

  Table table;
  table.source = source;
  table.columns = split_header(header_line, source);
  const size_t ncol = table.columns.size();
  {
    std::unordered_map<std::string_view, size_t> seen;
    bool all_numeric = true;
    for (size_t j = 0; j < ncol; ++j) {
      const std::string& name = table.columns[j];
      if (name.empty()) {
        throw InputError(source, 1, "column " + std::to_string(j + 1),
                         "empty column name in the header row");
      }
      // Names go into summary.json and draws.csv headers, which must be UTF-8.
      require_utf8_field(name, source, 1, "column " + std::to_string(j + 1), "column name");
      const auto [it, inserted] = seen.emplace(name, j);
      if (!inserted) {
        throw InputError(source, 1, name,
                         "duplicate column name (columns " + std::to_string(it->second + 1) +
                             " and " + std::to_string(j + 1) + ")");
      }
      double unused;
      if (parse_number(name, unused) != FieldStatus::kOk) all_numeric = false;
    }
    if (all_numeric) {
      throw InputError(source, 1, "",
                       "the first line is all numbers; a header row of column names is required");
    }
  }

  // ---- data rows -----------------------------------------------------------------
  if (header_end >= end) {
    throw InputError(source, 1, "", "header row only, no data rows");
  }
  const size_t approx_rows = static_cast<size_t>(std::count(base + header_end + 1, base + end, '\n')) + 1;
  table.values.reserve(approx_rows * ncol);

  long line_no = 1;
  size_t pos = header_end + 1;
  while (pos < end) {
    ++line_no;
    nl = static_cast<const char*>(std::memchr(base + pos, '\n', end - pos));
    const size_t line_end = nl ? static_cast<size_t>(nl - base) : end;
    std::string_view line(base + pos, line_end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const bool last_line = line_end >= end;
    const char* p = line.data();
    const char* const line_stop = line.data() + line.size();
    size_t j = 0;
    for (; j < ncol && p <= line_stop; ++j) {
      // Fast path: a plain number directly followed by ',' or the line end.
      double value = 0.0;
      const auto [ptr, ec] = std::from_chars(p, line_stop, value);
      if (ec == std::errc() && ptr != p && (ptr == line_stop || *ptr == ',') && std::isfinite(value)) {
        table.values.push_back(value);
        p = ptr + 1;
        continue;
      }
      // Slow path: spaces, quotes, '+', missing values and errors.
      const char* comma = static_cast<const char*>(std::memchr(p, ',', line_stop - p));
      if (comma == nullptr) comma = line_stop;
      const std::string_view field(p, static_cast<size_t>(comma - p));
      const FieldStatus status = parse_number(field, value);
      if (status != FieldStatus::kOk) {
        // A ragged row is the better explanation of a bad field.
        const size_t nfields = is_blank_line(line) ? 0 : static_cast<size_t>(std::count(line.begin(), line.end(), ',')) + 1;
        if (nfields != ncol) throw ragged_row(source, table.columns, line_no, nfields, last_line && !ends_with_newline);
        throw bad_field(source, line_no, table.columns[j], status, trim(field));
      }
      table.values.push_back(value);
      p = comma + 1;
    }
    if (j < ncol || p <= line_stop) {
      // Too few fields (ran out of line) or too many (text left after the last one).
      const size_t nfields = is_blank_line(line) ? 0 : static_cast<size_t>(std::count(line.begin(), line.end(), ',')) + 1;
      throw ragged_row(source, table.columns, line_no, nfields, last_line && !ends_with_newline);
    }
    ++table.rows;
    pos = line_end + 1;
  }
  return table;
}

}  // namespace elbo::io
