#pragma once
// A regression design from a numeric table: the target column becomes y [N],
// the others X [N, D]. By default each feature is standardised,
//   z_ij = (x_ij − m_j) / s_j,  m_j = column mean,  s_j = sample standard
//   deviation (N − 1 denominator, as R's scale()),
// and the means and sds are kept so coefficients can be mapped back: for
// η = α + Σ_j β_j z_j = α' + Σ_j β'_j x_j,
//   β'_j = β_j / s_j,   α' = α − Σ_j β_j m_j / s_j.
// The response is never standardised.
#include <ATen/core/Tensor.h>
#include <torch/arg.h>

#include <string>
#include <utility>
#include <vector>

#include "elbo/io/table.hpp"

namespace elbo::models {

struct DesignMatrixOptions {
  /// Name of the response column; empty: the last column.
  TORCH_ARG(std::string, target) = "";
  /// Centre and scale every feature column (sample sd).
  TORCH_ARG(bool, standardize) = true;
};

struct DesignMatrix {
  at::Tensor X;  // [N, D] double (standardised when `standardized`)
  at::Tensor y;  // [N] double
  std::vector<std::string> feature_names;  // D names, table order
  std::string target_name;
  bool standardized = false;
  at::Tensor means;  // [D] column means of the raw features (0 if not standardised)
  at::Tensor sds;    // [D] sample sds of the raw features (1 if not standardised)

  /// Maps draws of the coefficients on the standardised scale, alpha [K] and
  /// beta [K, D], to the original feature scale (identity when not standardised).
  std::pair<at::Tensor, at::Tensor> to_original_scale(const at::Tensor& alpha,
                                                      const at::Tensor& beta) const;

  /// X [M, D] of new rows for prediction: this design's feature columns, found
  /// by name in `table` (any order; other columns, the target among them, are
  /// ignored) and scaled with this design's means and sds. Throws ConfigError
  /// naming a missing column and the source, DomainError for no rows or a
  /// non-finite value (naming column and row).
  at::Tensor features_of(const io::Table& table) const;
};

/// Builds the design from `table`. Throws ConfigError when the target column is
/// missing (naming it, the source and the available columns) or the table has no
/// feature column; DomainError (naming column and row) for a non-finite value,
/// and, when standardising, for fewer than 2 rows or a constant column.
DesignMatrix design_matrix(const io::Table& table, const DesignMatrixOptions& options = {});

}  // namespace elbo::models
