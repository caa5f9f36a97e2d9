#pragma once
// Checked reads of the fields of a saved file (model.json and its nested
// objects). A field that is missing, of another type, not finite or out of
// range is one elbo::InputError naming the file and the field ("kernel.spec"),
// never a JSON library exception or, for a missing key, undefined behaviour.
#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace elbo_cli {

class SavedFields {
 public:
  /// `object` must outlive this view; `path` is the file named in errors.
  SavedFields(const nlohmann::json& object, std::string path, std::string prefix = "");

  const std::string& path() const { return path_; }
  bool has(const std::string& name) const;
  /// The nested object `name` (its fields are named "name.field").
  SavedFields object(const std::string& name) const;
  /// The raw value; any JSON type.
  const nlohmann::json& at(const std::string& name) const;

  std::string string(const std::string& name) const;
  bool boolean(const std::string& name) const;
  /// A finite number, within [lo, hi].
  double number(const std::string& name, double lo = -std::numeric_limits<double>::max(),
                double hi = std::numeric_limits<double>::max()) const;
  /// A whole number within [lo, hi].
  int64_t integer(const std::string& name, int64_t lo, int64_t hi) const;
  /// An array of finite numbers.
  std::vector<double> numbers(const std::string& name) const;
  Eigen::VectorXd vector(const std::string& name) const;
  std::vector<std::string> strings(const std::string& name) const;
  /// An array of equal-length rows of finite numbers.
  Eigen::MatrixXd matrix(const std::string& name) const;
  /// `value` as the matrix of field `name` (an element of an array field).
  Eigen::MatrixXd matrix_of(const nlohmann::json& value, const std::string& name) const;

  /// An InputError about field `name` of this file.
  [[noreturn]] void fail(const std::string& name, const std::string& what) const;

 private:
  std::string full(const std::string& name) const { return prefix_ + name; }

  const nlohmann::json& object_;
  std::string path_;
  std::string prefix_;
};

}  // namespace elbo_cli
