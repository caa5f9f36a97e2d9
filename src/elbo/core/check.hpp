#pragma once
// One checking vocabulary with one message format, after Stan's
// check_positive(function, name, value):
//   "normal: Scale parameter[2] is -1, but must be positive"
// Every check throws elbo::DomainError (or ConfigError for options) with
// that message; callers never format their own.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "elbo/core/error.hpp"

namespace elbo {

/// Formats the shared message: "<function>: <name>[<index>] is <value>, but must be <must>".
/// An index < 0 is left out.
std::string check_message(const std::string& function, const std::string& name,
                          int64_t index, double value, const std::string& must);

// ---- scalars -------------------------------------------------------------------
void check_finite(const char* function, const char* name, double value);
void check_positive(const char* function, const char* name, double value);
void check_nonnegative(const char* function, const char* name, double value);
void check_positive_finite(const char* function, const char* name, double value);
void check_probability(const char* function, const char* name, double value);
void check_bounded(const char* function, const char* name, double value, double low,
                   double high);
void check_greater(const char* function, const char* name, double value, double low);
/// For option values (K >= 1, draws > 0): throws ConfigError instead of DomainError.
void check_option_positive(const char* function, const char* name, double value);

// ---- tensors (element-wise, message names the first offending flat index) ------
void check_finite(const char* function, const char* name, const at::Tensor& value);
void check_not_nan(const char* function, const char* name, const at::Tensor& value);
void check_positive(const char* function, const char* name, const at::Tensor& value);
void check_nonnegative(const char* function, const char* name, const at::Tensor& value);
void check_positive_finite(const char* function, const char* name, const at::Tensor& value);
void check_probability(const char* function, const char* name, const at::Tensor& value);
void check_bounded(const char* function, const char* name, const at::Tensor& value,
                   double low, double high);
/// Last dimension sums to one (within tol) with non-negative entries.
void check_simplex(const char* function, const char* name, const at::Tensor& value,
                   double tol = 1e-8);
/// Last two dimensions form a lower-triangular matrix with positive diagonal.
void check_cholesky_factor(const char* function, const char* name, const at::Tensor& value);
/// Last two dimensions are square and symmetric (within tol).
void check_symmetric(const char* function, const char* name, const at::Tensor& value,
                     double tol = 1e-8);
void check_same_shape(const char* function, const char* name_a, const at::Tensor& a,
                      const char* name_b, const at::Tensor& b);
/// Shape must equal `expected` exactly.
void check_shape(const char* function, const char* name, const at::Tensor& value,
                 const std::vector<int64_t>& expected);
/// value.dim() == dims.
void check_dim(const char* function, const char* name, const at::Tensor& value, int64_t dims);
/// Integer-valued (for counts) and >= 0.
void check_nonnegative_integer(const char* function, const char* name,
                               const at::Tensor& value);

std::string shape_string(at::IntArrayRef shape);

}  // namespace elbo
