#include "elbo/dist/param.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/dist/distribution.hpp"

namespace elbo::dist {

at::Tensor Param::tensor() const {
  if (is_scalar_) return at::scalar_tensor(scalar_, at::TensorOptions().dtype(at::kDouble));
  if (!at::isFloatingType(tensor_.scalar_type())) return tensor_.to(at::kDouble);
  return tensor_;
}

void check_finite(const char* function, const char* name, const Param& value) {
  if (value.is_scalar()) {
    elbo::check_finite(function, name, value.scalar());
  } else if (validate_args()) {
    elbo::check_finite(function, name, value.tensor());
  }
}

void check_not_nan(const char* function, const char* name, const Param& value) {
  if (value.is_scalar()) {
    if (std::isnan(value.scalar())) {
      throw DomainError(check_message(function, name, -1, value.scalar(), "not NaN"));
    }
  } else if (validate_args()) {
    elbo::check_not_nan(function, name, value.tensor());
  }
}

void check_positive_finite(const char* function, const char* name, const Param& value) {
  if (value.is_scalar()) {
    elbo::check_positive_finite(function, name, value.scalar());
  } else if (validate_args()) {
    elbo::check_positive_finite(function, name, value.tensor());
  }
}

void check_nonnegative(const char* function, const char* name, const Param& value) {
  if (value.is_scalar()) {
    elbo::check_nonnegative(function, name, value.scalar());
  } else if (validate_args()) {
    elbo::check_nonnegative(function, name, value.tensor());
  }
}

void check_nonnegative_finite(const char* function, const char* name, const Param& value) {
  check_nonnegative(function, name, value);
  check_finite(function, name, value);
}

void check_probability(const char* function, const char* name, const Param& value) {
  if (value.is_scalar()) {
    elbo::check_probability(function, name, value.scalar());
  } else if (validate_args()) {
    elbo::check_probability(function, name, value.tensor());
  }
}

void check_nonnegative_integer(const char* function, const char* name, const Param& value) {
  if (value.is_scalar()) {
    double v = value.scalar();
    if (!(v >= 0 && std::isfinite(v) && v == std::round(v))) {
      throw DomainError(check_message(function, name, -1, v, "a nonnegative integer"));
    }
  } else if (validate_args()) {
    elbo::check_nonnegative_integer(function, name, value.tensor());
  }
}

at::ScalarType floating_type(std::initializer_list<at::Tensor> tensors) {
  at::ScalarType dtype = tensors.begin()->scalar_type();
  for (const auto& t : tensors) dtype = at::promote_types(dtype, t.scalar_type());
  return at::isFloatingType(dtype) ? dtype : at::kDouble;
}

std::vector<at::Tensor> broadcast_params(const char* function,
                                         std::initializer_list<at::Tensor> params) {
  std::vector<at::Tensor> out(params);
  bool all_scalar = true;
  for (const auto& t : out) all_scalar = all_scalar && t.dim() == 0;
  at::ScalarType dtype = out.front().scalar_type();
  for (const auto& t : out) dtype = at::promote_types(dtype, t.scalar_type());
  if (!at::isFloatingType(dtype)) dtype = at::kDouble;
  for (auto& t : out) {
    if (t.scalar_type() != dtype) t = t.to(dtype);
  }
  if (all_scalar) return out;
  std::vector<int64_t> shape;
  for (const auto& t : out) shape = broadcast_shapes(function, {shape, t.sizes()});
  for (auto& t : out) {
    if (t.sizes() != at::IntArrayRef(shape)) t = t.expand(shape);
  }
  return out;
}

std::vector<int64_t> broadcast_shapes(const char* function,
                                      std::initializer_list<at::IntArrayRef> shapes) {
  std::vector<int64_t> out;
  for (auto shape : shapes) {
    std::vector<int64_t> s(shape.begin(), shape.end());
    if (s.size() > out.size()) out.insert(out.begin(), s.size() - out.size(), 1);
    if (out.size() > s.size()) s.insert(s.begin(), out.size() - s.size(), 1);
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i] == s[i] || s[i] == 1) continue;
      if (out[i] == 1) {
        out[i] = s[i];
        continue;
      }
      std::string msg = std::string(function) + ": parameter shapes do not broadcast (";
      bool first = true;
      for (auto sh : shapes) {
        if (!first) msg += ", ";
        msg += shape_string(sh);
        first = false;
      }
      throw DomainError(msg + ")");
    }
  }
  return out;
}

}  // namespace elbo::dist
