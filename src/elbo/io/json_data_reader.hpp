#pragma once
// Strict reader for CmdStan-style JSON data files:
//   {"N": 3, "y": [1, 2, 3], "X": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]}
// Each top-level key is a variable: a number (scalar) or nested arrays of
// numbers of any rank, rectangular, stored row-major (the JSON nesting order,
// as in CmdStan's JSON format, section "JSON Format for CmdStan").
//
// Rejected with an elbo::InputError naming file and variable: malformed JSON
// (with the parser's line and byte offset), duplicate keys, null, booleans,
// strings (including CmdStan's "NaN"/"Inf"/"-Inf", not supported for now),
// objects (tuples), ragged nested arrays; accessors reject a missing variable,
// a wrong rank, a shape that differs from the expected one, a non-integer
// where an integer is required.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace elbo::io {

/// One data variable: shape (empty for a scalar) and row-major values.
struct Array {
  std::vector<int64_t> shape;
  std::vector<double> values;
  bool integer = true;  // every element was written as a JSON integer

  int64_t rank() const { return static_cast<int64_t>(shape.size()); }
  int64_t size() const { return static_cast<int64_t>(values.size()); }
};

/// The variables of one data file, with checked accessors. An expected size of
/// -1 means "any".
class DataSet {
 public:
  DataSet() = default;
  DataSet(std::string source, std::map<std::string, Array> arrays)
      : source_(std::move(source)), arrays_(std::move(arrays)) {}

  const std::string& source() const { return source_; }
  const std::map<std::string, Array>& arrays() const { return arrays_; }
  bool contains(const std::string& name) const { return arrays_.count(name) > 0; }

  /// The variable as stored; throws when it is missing.
  const Array& get(const std::string& name) const;
  /// A scalar real (an integer is a valid real, as in Stan).
  double real(const std::string& name) const;
  /// A scalar integer.
  int64_t integer(const std::string& name) const;
  /// A rank-1 array of reals with `size` elements.
  std::vector<double> vector(const std::string& name, int64_t size = -1) const;
  /// A rank-1 array of integers with `size` elements.
  std::vector<int64_t> integer_vector(const std::string& name, int64_t size = -1) const;
  /// A rank-2 array (rows × cols, row-major).
  Array matrix(const std::string& name, int64_t rows = -1, int64_t cols = -1) const;
  /// An array of the given shape (-1 entries match any extent). An empty JSON
  /// array [] matches any shape with a zero extent.
  Array array(const std::string& name, const std::vector<int64_t>& shape) const;

 private:
  std::string source_;
  std::map<std::string, Array> arrays_;
};

/// Reads and parses the JSON data file at `path`.
DataSet read_json_data(const std::string& path);

/// Parses JSON data `text`; `source` names it in messages.
DataSet parse_json_data(std::string_view text, const std::string& source);

}  // namespace elbo::io
