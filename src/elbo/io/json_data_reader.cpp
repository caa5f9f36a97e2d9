#include "elbo/io/json_data_reader.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "elbo/core/error.hpp"
#include "elbo/io/text_file.hpp"
#include "elbo/io/utf8.hpp"

namespace elbo::io {
namespace {

using nlohmann::json;

constexpr int64_t kMaxExactInteger = int64_t{1} << 53;  // doubles hold every integer up to 2^53

std::string shape_text(const std::vector<int64_t>& shape) {
  if (shape.empty()) return "scalar";
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) out += ",";
    out += shape[i] < 0 ? std::string("*") : std::to_string(shape[i]);
  }
  return out + "]";
}

std::string index_text(const std::vector<int64_t>& index) {
  std::string out = "[";
  for (size_t i = 0; i < index.size(); ++i) {
    if (i > 0) out += ",";
    out += std::to_string(index[i] + 1);
  }
  return out + "]";
}

std::string element_text(const std::vector<int64_t>& index) {
  return index.empty() ? std::string("value") : "element " + index_text(index) + " (1-based)";
}

bool is_nonfinite_string(const std::string& s) {
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "nan" || lower == "inf" || lower == "+inf" || lower == "-inf" ||
         lower == "infinity" || lower == "+infinity" || lower == "-infinity";
}

class Converter {
 public:
  Converter(const std::string& source, const std::string& name)
      : source_(source), name_(name) {}

  Array convert(const json& value) {
    Array out;
    for (const json* node = &value; node->is_array(); node = &(*node)[0]) {
      out.shape.push_back(static_cast<int64_t>(node->size()));
      if (node->empty()) break;
    }
    int64_t total = 1;
    for (int64_t extent : out.shape) total *= extent;
    out.values.reserve(static_cast<size_t>(total));
    std::vector<int64_t> index;
    walk(value, out, index);
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw InputError(source_, 0, name_, what); }

  void walk(const json& node, Array& out, std::vector<int64_t>& index) {
    const size_t depth = index.size();
    if (depth < out.shape.size()) {
      if (!node.is_array()) {
        fail("ragged nested array: " + element_text(index) + " is a single value where an array of " +
             std::to_string(out.shape[depth]) + " entries was expected (shape " +
             shape_text(out.shape) + ")");
      }
      if (static_cast<int64_t>(node.size()) != out.shape[depth]) {
        fail("ragged nested array: " + element_text(index) + " has " +
             std::to_string(node.size()) + " entries, expected " +
             std::to_string(out.shape[depth]) + " (shape " + shape_text(out.shape) + ")");
      }
      index.push_back(0);
      for (const json& child : node) {
        walk(child, out, index);
        ++index.back();
      }
      index.pop_back();
      return;
    }
    leaf(node, out, index);
  }

  void leaf(const json& node, Array& out, const std::vector<int64_t>& index) {
    const std::string where = element_text(index);
    switch (node.type()) {
      case json::value_t::number_integer: {
        const auto v = node.get<int64_t>();
        if (v > kMaxExactInteger || v < -kMaxExactInteger) {
          fail(where + " " + std::to_string(v) + " is too large to represent exactly");
        }
        out.values.push_back(static_cast<double>(v));
        return;
      }
      case json::value_t::number_unsigned: {
        const auto v = node.get<uint64_t>();
        if (v > static_cast<uint64_t>(kMaxExactInteger)) {
          fail(where + " " + std::to_string(v) + " is too large to represent exactly");
        }
        out.values.push_back(static_cast<double>(v));
        return;
      }
      case json::value_t::number_float: {
        const double v = node.get<double>();
        if (!std::isfinite(v)) fail(where + " is a missing or non-finite value");
        out.integer = false;
        out.values.push_back(v);
        return;
      }
      case json::value_t::null:
        fail(where + " is null (missing values are not supported)");
      case json::value_t::boolean:
        fail(where + " is the boolean " + node.dump() + "; numbers are required (use 0/1)");
      case json::value_t::string: {
        const auto& s = node.get_ref<const std::string&>();
        if (is_nonfinite_string(s)) {
          fail(where + " is the missing or non-finite value \"" + s +
               "\" (NaN/Inf strings are not supported)");
        }
        fail(where + " is non-numeric: \"" + s.substr(0, 40) + (s.size() > 40 ? "..." : "") + "\"");
      }
      case json::value_t::object:
        fail(where + " is a JSON object; tuples/objects are not supported");
      case json::value_t::array:
        fail("ragged nested array: " + where + " is an array where a number was expected (shape " +
             shape_text(out.shape) + ")");
      default:
        fail(where + " has an unsupported JSON type");
    }
  }

  const std::string& source_;
  const std::string& name_;
};

/// "[json.exception.parse_error.101] parse error at line 2, column 5: syntax error ..."
/// → "syntax error ...".
std::string parser_reason(const std::string& what) {
  const auto at = what.find("parse error");
  if (at != std::string::npos) {
    const auto colon = what.find(": ", at);
    if (colon != std::string::npos) return what.substr(colon + 2);
  }
  const auto bracket = what.find("] ");
  return bracket != std::string::npos ? what.substr(bracket + 2) : what;
}

}  // namespace

// ---- parsing ----------------------------------------------------------------------

DataSet read_json_data(const std::string& path) {
  return parse_json_data(read_text_file(path), path);
}

DataSet parse_json_data(std::string_view text, const std::string& source) {
  constexpr int kMaxJsonNesting = 64;
  text = strip_utf8_bom(text);
  // JSON text is UTF-8 (RFC 8259); checked first so the message has line and column
  // (the parser's names only a byte offset and repeats the bad bytes).
  require_utf8(text, source);
  if (std::all_of(text.begin(), text.end(),
                  [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; })) {
    throw InputError(source, 0, "", "file is empty (a JSON object of data variables is expected)");
  }
  std::set<std::string> keys;
  const json::parser_callback_t on_event = [&](int depth, json::parse_event_t event,
                                               json& parsed) {
    // Data variables are arrays of rank a few; a bound on nesting keeps a hostile file
    // from driving the converter's recursion (and the stack) arbitrarily deep.
    if ((event == json::parse_event_t::array_start || event == json::parse_event_t::object_start) &&
        depth >= kMaxJsonNesting) {
      throw InputError(source, 0, "",
                       "JSON nested more than " + std::to_string(kMaxJsonNesting) +
                           " levels deep (data variables are arrays of at most a few dimensions)");
    }
    if (event == json::parse_event_t::key && depth == 1) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!keys.insert(key).second) throw InputError(source, 0, key, "duplicate variable name");
    }
    return true;
  };
  json root;
  try {
    root = json::parse(text.begin(), text.end(), on_event);
  } catch (const json::parse_error& e) {
    const size_t byte = std::min<size_t>(e.byte, text.size());
    const long line =
        1 + static_cast<long>(std::count(text.begin(), text.begin() + (byte > 0 ? byte - 1 : 0), '\n'));
    throw InputError(source, line, "",
                     "malformed JSON at byte " + std::to_string(e.byte) + ": " + parser_reason(e.what()));
  } catch (const json::exception& e) {
    throw InputError(source, 0, "", std::string("malformed JSON: ") + parser_reason(e.what()));
  }
  if (!root.is_object()) {
    throw InputError(source, 0, "",
                     "the top level must be a JSON object of named variables, got a JSON " +
                         std::string(root.type_name()));
  }
  std::map<std::string, Array> arrays;
  for (const auto& [name, value] : root.items()) {
    arrays.emplace(name, Converter(source, name).convert(value));
  }
  return DataSet(source, std::move(arrays));
}

// ---- accessors --------------------------------------------------------------------

const Array& DataSet::get(const std::string& name) const {
  const auto it = arrays_.find(name);
  if (it == arrays_.end()) {
    std::string have;
    size_t listed = 0;
    for (const auto& entry : arrays_) {
      if (listed == 20) {
        have += ", ...";
        break;
      }
      have += (listed++ == 0 ? "" : ", ") + entry.first;
    }
    throw InputError(source_, 0, name,
                     "missing variable" + (have.empty() ? std::string(" (the data is empty)")
                                                        : " (the data has: " + have + ")"));
  }
  return it->second;
}

Array DataSet::array(const std::string& name, const std::vector<int64_t>& shape) const {
  Array a = get(name);
  // [] is an empty array of any rank (CmdStan writes zero-size containers so).
  if (a.rank() == 1 && a.shape[0] == 0 && shape.size() != 1) {
    const bool has_zero = std::any_of(shape.begin(), shape.end(), [](int64_t e) { return e == 0; });
    const bool has_any = std::any_of(shape.begin(), shape.end(), [](int64_t e) { return e < 0; });
    if (!shape.empty() && (has_zero || has_any)) {
      a.shape = shape;
      for (auto& e : a.shape) e = std::max<int64_t>(e, 0);  // unknown extents become 0
      return a;
    }
  }
  bool matches = a.shape.size() == shape.size();
  for (size_t i = 0; matches && i < shape.size(); ++i) {
    matches = shape[i] < 0 || shape[i] == a.shape[i];
  }
  if (!matches) {
    const auto rank_text = [](size_t r) {
      return r == 0 ? std::string("a scalar") : "an array of rank " + std::to_string(r);
    };
    if (a.shape.size() != shape.size()) {
      throw InputError(source_, 0, name,
                       "expected " + rank_text(shape.size()) + " (shape " + shape_text(shape) +
                           "), got " + rank_text(a.shape.size()) + " (shape " +
                           shape_text(a.shape) + ")");
    }
    throw InputError(source_, 0, name,
                     "wrong size: expected shape " + shape_text(shape) + ", got " +
                         shape_text(a.shape));
  }
  return a;
}

double DataSet::real(const std::string& name) const { return array(name, {}).values[0]; }

int64_t DataSet::integer(const std::string& name) const {
  const Array& a = get(name);
  const double v = array(name, {}).values[0];
  if (!a.integer) {
    throw InputError(source_, 0, name,
                     "expected an integer, got the real number " + nlohmann::json(v).dump());
  }
  return static_cast<int64_t>(v);
}

std::vector<double> DataSet::vector(const std::string& name, int64_t size) const {
  return array(name, {size}).values;
}

std::vector<int64_t> DataSet::integer_vector(const std::string& name, int64_t size) const {
  const Array a = array(name, {size});
  if (!a.integer) {
    const auto bad = std::find_if(a.values.begin(), a.values.end(),
                                  [](double v) { return v != std::floor(v); });
    throw InputError(source_, 0, name,
                     "expected integers, got real numbers" +
                         (bad != a.values.end()
                              ? " (element [" + std::to_string(bad - a.values.begin() + 1) +
                                    "] is " + nlohmann::json(*bad).dump() + ")"
                              : std::string(" (written with a decimal point or exponent)")));
  }
  return std::vector<int64_t>(a.values.begin(), a.values.end());
}

Array DataSet::matrix(const std::string& name, int64_t rows, int64_t cols) const {
  return array(name, {rows, cols});
}

}  // namespace elbo::io
