#pragma once
// A distribution parameter given either as a plain double or as a tensor, so
// one constructor serves both Normal(0.0, 5.0) and Normal(loc, scale).
//
// The scalar path is the cheap one models take every step: it is checked with
// the scalar check functions (no tensor work, no host round-trip) and becomes a
// 0-dim double tensor. Tensor parameters are checked element-wise (unless
// set_validate_args(false)) and broadcast against each other.
#include <ATen/core/Tensor.h>

#include <initializer_list>
#include <type_traits>
#include <vector>

namespace elbo::dist {

class Param {
 public:
  /// Any arithmetic scalar (double, int, int64_t, ...): the cheap scalar path.
  template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
  Param(T value) : scalar_(static_cast<double>(value)), is_scalar_(true) {}  // NOLINT: implicit
  Param(at::Tensor value) : tensor_(std::move(value)) {}                     // NOLINT: implicit

  bool is_scalar() const { return is_scalar_; }
  /// The double given (only when is_scalar()).
  double scalar() const { return scalar_; }
  /// The value as a tensor: a 0-dim kDouble tensor for a scalar; a tensor of a
  /// non-floating dtype is converted to kDouble.
  at::Tensor tensor() const;

 private:
  at::Tensor tensor_;
  double scalar_ = 0.0;
  bool is_scalar_ = false;
};

// Checks in the vocabulary of core/check.hpp; the scalar path never touches a
// tensor, the tensor path is skipped when validate_args() is false.
void check_finite(const char* function, const char* name, const Param& value);
void check_not_nan(const char* function, const char* name, const Param& value);
void check_positive_finite(const char* function, const char* name, const Param& value);
void check_nonnegative(const char* function, const char* name, const Param& value);
void check_nonnegative_finite(const char* function, const char* name, const Param& value);
void check_probability(const char* function, const char* name, const Param& value);
void check_nonnegative_integer(const char* function, const char* name, const Param& value);

/// The promoted dtype of the tensors, kDouble when none is floating.
at::ScalarType floating_type(std::initializer_list<at::Tensor> tensors);

/// Casts the tensors to one floating dtype (their promoted type, kDouble when
/// none is floating) and broadcasts them to their common shape (DomainError
/// naming `function` when they do not broadcast).
std::vector<at::Tensor> broadcast_params(const char* function,
                                         std::initializer_list<at::Tensor> params);

/// Broadcast shape of the given shapes (DomainError naming `function` when they
/// do not broadcast).
std::vector<int64_t> broadcast_shapes(const char* function,
                                      std::initializer_list<at::IntArrayRef> shapes);

}  // namespace elbo::dist
