#include "elbo/core/check.hpp"

#include <torch/torch.h>

#include <cmath>
#include <sstream>

namespace elbo {

std::string check_message(const std::string& function, const std::string& name,
                          int64_t index, double value, const std::string& must) {
  std::ostringstream out;
  out.precision(10);
  out << function << ": " << name;
  if (index >= 0) out << "[" << index << "]";
  out << " is " << value << ", but must be " << must;
  return out.str();
}

namespace {

[[noreturn]] void fail(const char* function, const char* name, int64_t index,
                       double value, const std::string& must) {
  throw DomainError(check_message(function, name, index, value, must));
}

// Finds the first element where `bad` is true and throws with its flat index.
void fail_first(const char* function, const char* name, const at::Tensor& value,
                const at::Tensor& bad, const std::string& must) {
  auto flat_bad = bad.reshape({-1});
  if (!flat_bad.any().item<bool>()) return;
  int64_t index = flat_bad.nonzero().index({0, 0}).item<int64_t>();
  double v = value.reshape({-1}).index({index}).item<double>();
  fail(function, name, value.numel() == 1 ? -1 : index, v, must);
}

at::Tensor as_double(const at::Tensor& value) {
  return value.detach().to(torch::kDouble);
}

}  // namespace

void check_finite(const char* function, const char* name, double value) {
  if (!std::isfinite(value)) fail(function, name, -1, value, "finite");
}
void check_positive(const char* function, const char* name, double value) {
  if (!(value > 0)) fail(function, name, -1, value, "positive");
}
void check_nonnegative(const char* function, const char* name, double value) {
  if (!(value >= 0)) fail(function, name, -1, value, "nonnegative");
}
void check_positive_finite(const char* function, const char* name, double value) {
  if (!(value > 0) || !std::isfinite(value)) fail(function, name, -1, value, "positive finite");
}
void check_probability(const char* function, const char* name, double value) {
  if (!(value >= 0 && value <= 1)) fail(function, name, -1, value, "in [0, 1]");
}
void check_bounded(const char* function, const char* name, double value, double low,
                   double high) {
  if (!(value >= low && value <= high)) {
    std::ostringstream must;
    must << "in [" << low << ", " << high << "]";
    fail(function, name, -1, value, must.str());
  }
}
void check_greater(const char* function, const char* name, double value, double low) {
  if (!(value > low)) {
    std::ostringstream must;
    must << "greater than " << low;
    fail(function, name, -1, value, must.str());
  }
}
void check_option_positive(const char* function, const char* name, double value) {
  if (!(value > 0)) throw ConfigError(check_message(function, name, -1, value, "positive"));
}

void check_finite(const char* function, const char* name, const at::Tensor& value) {
  auto v = as_double(value);
  fail_first(function, name, v, ~torch::isfinite(v), "finite");
}
void check_not_nan(const char* function, const char* name, const at::Tensor& value) {
  auto v = as_double(value);
  fail_first(function, name, v, torch::isnan(v), "not NaN");
}
void check_positive(const char* function, const char* name, const at::Tensor& value) {
  auto v = as_double(value);
  fail_first(function, name, v, ~(v > 0), "positive");
}
void check_nonnegative(const char* function, const char* name, const at::Tensor& value) {
  auto v = as_double(value);
  fail_first(function, name, v, ~(v >= 0), "nonnegative");
}
void check_positive_finite(const char* function, const char* name, const at::Tensor& value) {
  auto v = as_double(value);
  fail_first(function, name, v, ~((v > 0) & torch::isfinite(v)), "positive finite");
}
void check_probability(const char* function, const char* name, const at::Tensor& value) {
  auto v = as_double(value);
  fail_first(function, name, v, ~((v >= 0) & (v <= 1)), "in [0, 1]");
}
void check_bounded(const char* function, const char* name, const at::Tensor& value,
                   double low, double high) {
  auto v = as_double(value);
  std::ostringstream must;
  must << "in [" << low << ", " << high << "]";
  fail_first(function, name, v, ~((v >= low) & (v <= high)), must.str());
}
void check_simplex(const char* function, const char* name, const at::Tensor& value,
                   double tol) {
  auto v = as_double(value);
  if (v.dim() < 1 || v.size(-1) < 1) {
    throw DomainError(std::string(function) + ": " + name +
                      " must have a non-empty last dimension to be a simplex");
  }
  check_nonnegative(function, name, v);
  auto sums = v.sum(-1);
  auto bad = (sums - 1).abs() > tol;
  if (bad.any().item<bool>()) {
    int64_t index = bad.reshape({-1}).nonzero().index({0, 0}).item<int64_t>();
    double s = sums.reshape({-1}).index({index}).item<double>();
    throw DomainError(check_message(function, std::string("sum of ") + name,
                                    sums.numel() == 1 ? -1 : index, s,
                                    "1 (a simplex)"));
  }
}
void check_cholesky_factor(const char* function, const char* name, const at::Tensor& value) {
  auto v = as_double(value);
  if (v.dim() < 2 || v.size(-1) != v.size(-2)) {
    throw DomainError(std::string(function) + ": " + name + " has shape " +
                      shape_string(v.sizes()) + ", but must be square");
  }
  auto upper = v.triu(1);
  fail_first(function, name, v, upper != 0, "zero above the diagonal (lower triangular)");
  auto diag = v.diagonal(0, -2, -1);
  fail_first(function, (std::string("diagonal of ") + name).c_str(), diag, ~(diag > 0),
             "positive");
}
void check_symmetric(const char* function, const char* name, const at::Tensor& value,
                     double tol) {
  auto v = as_double(value);
  if (v.dim() < 2 || v.size(-1) != v.size(-2)) {
    throw DomainError(std::string(function) + ": " + name + " has shape " +
                      shape_string(v.sizes()) + ", but must be square");
  }
  auto diff = (v - v.transpose(-1, -2)).abs();
  fail_first(function, name, v, diff > tol, "symmetric");
}
void check_same_shape(const char* function, const char* name_a, const at::Tensor& a,
                      const char* name_b, const at::Tensor& b) {
  if (a.sizes() != b.sizes()) {
    throw DomainError(std::string(function) + ": " + name_a + " has shape " +
                      shape_string(a.sizes()) + " but " + name_b + " has shape " +
                      shape_string(b.sizes()) + "; they must match");
  }
}
void check_shape(const char* function, const char* name, const at::Tensor& value,
                 const std::vector<int64_t>& expected) {
  if (value.sizes() != at::IntArrayRef(expected)) {
    throw DomainError(std::string(function) + ": " + name + " has shape " +
                      shape_string(value.sizes()) + ", but must have shape " +
                      shape_string(expected));
  }
}
void check_dim(const char* function, const char* name, const at::Tensor& value,
               int64_t dims) {
  if (value.dim() != dims) {
    throw DomainError(std::string(function) + ": " + name + " has " +
                      std::to_string(value.dim()) + " dimensions (shape " +
                      shape_string(value.sizes()) + "), but must have " +
                      std::to_string(dims));
  }
}
void check_nonnegative_integer(const char* function, const char* name,
                               const at::Tensor& value) {
  auto v = as_double(value);
  fail_first(function, name, v, ~((v >= 0) & (v == v.round())), "a nonnegative integer");
}

std::string shape_string(at::IntArrayRef shape) {
  std::string out = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

}  // namespace elbo
