#include "saved_fields.hpp"

#include <cmath>

#include "elbo/core/error.hpp"

namespace elbo_cli {

namespace {

const char* type_name(const nlohmann::json& v) { return v.type_name(); }

}  // namespace

SavedFields::SavedFields(const nlohmann::json& object, std::string path, std::string prefix)
    : object_(object), path_(std::move(path)), prefix_(std::move(prefix)) {
  if (!object_.is_object()) {
    throw elbo::InputError(path_, 0, prefix_.empty() ? "" : prefix_.substr(0, prefix_.size() - 1),
                           std::string("is a JSON ") + type_name(object_) + ", not an object");
  }
}

void SavedFields::fail(const std::string& name, const std::string& what) const {
  throw elbo::InputError(path_, 0, full(name), what);
}

bool SavedFields::has(const std::string& name) const { return object_.contains(name); }

const nlohmann::json& SavedFields::at(const std::string& name) const {
  const auto it = object_.find(name);
  if (it == object_.end()) fail(name, "is missing: the file is damaged or not written by this elbo");
  return *it;
}

SavedFields SavedFields::object(const std::string& name) const { return SavedFields(at(name), path_, full(name) + "."); }

std::string SavedFields::string(const std::string& name) const {
  const auto& v = at(name);
  if (!v.is_string()) fail(name, std::string("is a JSON ") + type_name(v) + ", but must be a string");
  return v.get<std::string>();
}

bool SavedFields::boolean(const std::string& name) const {
  const auto& v = at(name);
  if (!v.is_boolean()) fail(name, std::string("is a JSON ") + type_name(v) + ", but must be true or false");
  return v.get<bool>();
}

double SavedFields::number(const std::string& name, double lo, double hi) const {
  const auto& v = at(name);
  if (!v.is_number()) fail(name, std::string("is a JSON ") + type_name(v) + ", but must be a number");
  const double x = v.get<double>();
  if (!std::isfinite(x) || x < lo || x > hi) {
    fail(name, "is " + v.dump() + ", outside [" + nlohmann::json(lo).dump() + ", " + nlohmann::json(hi).dump() + "]");
  }
  return x;
}

int64_t SavedFields::integer(const std::string& name, int64_t lo, int64_t hi) const {
  const auto& v = at(name);
  if (!v.is_number_integer()) fail(name, "is " + v.dump() + ", but must be a whole number");
  // A JSON integer above 2^63 arrives as unsigned: out of any range we accept.
  if (v.is_number_unsigned() && v.get<uint64_t>() > static_cast<uint64_t>(hi)) {
    fail(name, "is " + v.dump() + ", above " + std::to_string(hi));
  }
  const int64_t x = v.get<int64_t>();
  if (x < lo || x > hi) fail(name, "is " + v.dump() + ", outside [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return x;
}

std::vector<double> SavedFields::numbers(const std::string& name) const {
  const auto& v = at(name);
  if (!v.is_array()) fail(name, std::string("is a JSON ") + type_name(v) + ", but must be an array of numbers");
  std::vector<double> out;
  out.reserve(v.size());
  for (const auto& e : v) {
    if (!e.is_number() || !std::isfinite(e.get<double>())) {
      fail(name, "holds " + e.dump().substr(0, 40) + ", but must hold finite numbers only");
    }
    out.push_back(e.get<double>());
  }
  return out;
}

Eigen::VectorXd SavedFields::vector(const std::string& name) const {
  const auto v = numbers(name);
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

std::vector<std::string> SavedFields::strings(const std::string& name) const {
  const auto& v = at(name);
  if (!v.is_array()) fail(name, std::string("is a JSON ") + type_name(v) + ", but must be an array of strings");
  std::vector<std::string> out;
  out.reserve(v.size());
  for (const auto& e : v) {
    if (!e.is_string()) fail(name, "holds " + e.dump().substr(0, 40) + ", but must hold strings only");
    out.push_back(e.get<std::string>());
  }
  return out;
}

Eigen::MatrixXd SavedFields::matrix_of(const nlohmann::json& v, const std::string& name) const {
  if (!v.is_array()) fail(name, std::string("is a JSON ") + type_name(v) + ", but must be an array of rows");
  const size_t rows = v.size();
  const size_t cols = rows == 0 || !v[0].is_array() ? 0 : v[0].size();
  Eigen::MatrixXd m(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(cols));
  for (size_t i = 0; i < rows; ++i) {
    const auto& row = v[i];
    if (!row.is_array() || row.size() != cols) fail(name, "is not a matrix: its rows differ in length or are not arrays");
    for (size_t j = 0; j < cols; ++j) {
      const auto& e = row[j];
      if (!e.is_number() || !std::isfinite(e.get<double>())) {
        fail(name, "holds " + e.dump().substr(0, 40) + ", but must hold finite numbers only");
      }
      m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = e.get<double>();
    }
  }
  return m;
}

Eigen::MatrixXd SavedFields::matrix(const std::string& name) const { return matrix_of(at(name), name); }

}  // namespace elbo_cli
