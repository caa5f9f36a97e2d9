#include "elbo/models/design_matrix.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::models {

namespace {
constexpr const char* kDesignMatrixName = "design_matrix";

std::string source_of(const io::Table& table) {
  return table.source.empty() ? std::string("<table>") : table.source;
}

// The target's column index. (Looked up here rather than with Table::column_index
// so that elbo_models does not need to link elbo_io.)
int64_t target_index(const io::Table& table, const std::string& target) {
  if (target.empty()) return table.cols() - 1;
  for (int64_t j = 0; j < table.cols(); ++j) {
    if (table.columns[j] == target) return j;
  }
  std::string available;
  for (const auto& c : table.columns) available += (available.empty() ? "" : ", ") + c;
  throw ConfigError("--target " + target + ": no such column in " + source_of(table) + " (columns: " +
                    available + ")");
}
}  // namespace

DesignMatrix design_matrix(const io::Table& table, const DesignMatrixOptions& options) {
  const int64_t N = table.rows;
  const int64_t C = table.cols();
  if (C < 2) {
    throw ConfigError(std::string(kDesignMatrixName) + ": " + source_of(table) + " has " +
                      std::to_string(C) +
                      " column(s), but a design needs a target and at least one feature");
  }
  if (N < 1) {
    throw DomainError(check_message(kDesignMatrixName, "number of rows", -1, static_cast<double>(N),
                                    "at least 1"));
  }
  if (static_cast<int64_t>(table.values.size()) != N * C) {
    throw DomainError(std::string(kDesignMatrixName) + ": " + source_of(table) + " has " +
                      std::to_string(table.values.size()) + " values, but " +
                      std::to_string(N) + " rows × " + std::to_string(C) +
                      " columns need " + std::to_string(N * C));
  }
  for (int64_t i = 0; i < N; ++i) {
    for (int64_t j = 0; j < C; ++j) {
      const double v = table.at(i, j);
      if (!std::isfinite(v)) {
        throw DomainError(std::string(kDesignMatrixName) + ": column '" + table.columns[j] + "' of " +
                          source_of(table) + " is " + std::to_string(v) + " at row " +
                          std::to_string(i + 1) + ", but must be finite");
      }
    }
  }

  const int64_t t = target_index(table, options.target());
  auto all = torch::from_blob(const_cast<double*>(table.values.data()), {N, C},
                              torch::kDouble)
                 .clone();
  std::vector<int64_t> feature_cols;
  DesignMatrix out;
  for (int64_t j = 0; j < C; ++j) {
    if (j == t) continue;
    feature_cols.push_back(j);
    out.feature_names.push_back(table.columns[j]);
  }
  out.target_name = table.columns[t];
  out.y = all.select(1, t).contiguous();
  auto X = all.index_select(1, torch::tensor(feature_cols, torch::kLong)).contiguous();
  const int64_t D = X.size(1);

  out.standardized = options.standardize();
  if (!out.standardized) {
    out.X = X;
    out.means = torch::zeros({D}, torch::kDouble);
    out.sds = torch::ones({D}, torch::kDouble);
    return out;
  }
  if (N < 2) {
    throw DomainError(check_message(kDesignMatrixName, "number of rows", -1, static_cast<double>(N),
                                    "at least 2 to standardise the features"));
  }
  out.means = X.mean(0);
  auto centred = X - out.means;
  out.sds = (centred * centred).sum(0).div(static_cast<double>(N - 1)).sqrt();
  auto sds = out.sds.accessor<double, 1>();
  auto magnitude = std::get<0>(X.abs().max(0));
  auto mag = magnitude.accessor<double, 1>();
  for (int64_t j = 0; j < D; ++j) {
    // A column whose spread is at the round-off level of its values is constant
    // (the mean of N equal values need not be exactly that value).
    if (!(sds[j] > 1e-12 * mag[j])) {
      throw DomainError(std::string(kDesignMatrixName) + ": column '" + out.feature_names[j] + "' of " +
                        source_of(table) +
                        " is constant (standard deviation 0), so it cannot be "
                        "standardised; drop it or disable standardisation");
    }
  }
  out.X = (centred / out.sds).contiguous();
  return out;
}

std::pair<at::Tensor, at::Tensor> DesignMatrix::to_original_scale(
    const at::Tensor& alpha, const at::Tensor& beta) const {
  check_dim(kDesignMatrixName, "alpha", alpha, 1);
  check_shape(kDesignMatrixName, "beta", beta, {alpha.size(0), sds.size(0)});
  if (!standardized) return {alpha, beta};
  auto beta_orig = beta / sds.to(beta.scalar_type());
  auto alpha_orig = alpha - beta_orig.matmul(means.to(beta.scalar_type()));
  return {alpha_orig, beta_orig};
}

at::Tensor DesignMatrix::features_of(const io::Table& table) const {
  const int64_t M = table.rows;
  const int64_t D = static_cast<int64_t>(feature_names.size());
  if (M < 1) {
    throw DomainError(std::string(kDesignMatrixName) + ": " + source_of(table) + " has no data rows");
  }
  std::vector<int64_t> cols;
  for (const auto& name : feature_names) {
    int64_t found = -1;
    for (int64_t j = 0; j < table.cols(); ++j) {
      if (table.columns[j] == name) found = j;
    }
    if (found < 0) {
      std::string available;
      for (const auto& c : table.columns) available += (available.empty() ? "" : ", ") + c;
      throw InputError(source_of(table), 1, name,
                       "the fitted model's feature column is missing (columns: " + available + ")");
    }
    cols.push_back(found);
  }
  auto X = torch::empty({M, D}, torch::kDouble);
  auto x = X.accessor<double, 2>();
  auto m = means.accessor<double, 1>();
  auto s = sds.accessor<double, 1>();
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t j = 0; j < D; ++j) {
      const double v = table.at(i, cols[j]);
      if (!std::isfinite(v)) {
        throw DomainError(std::string(kDesignMatrixName) + ": column '" + feature_names[j] + "' of " +
                          source_of(table) + " is " + std::to_string(v) + " at row " +
                          std::to_string(i + 1) + ", but must be finite");
      }
      x[i][j] = (v - m[j]) / s[j];
    }
  }
  return X;
}

}  // namespace elbo::models
