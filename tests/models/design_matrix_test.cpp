// design_matrix: standardisation statistics on the breast-cancer table against
// NumPy (ddof = 1), the mapping back to the original scale, and checked inputs.
// The table is parsed here by hand so the test does not depend on io's reader.
#include "elbo/models/design_matrix.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <limits>
#include <sstream>

#include "elbo/core/error.hpp"
#include "models/reference.hpp"

namespace elbo::models {
namespace {

using testing::expect_close;
using testing::reference;
using testing::tensor_of;

const nlohmann::json& cancer_ref() { return reference()["breast_cancer"]; }

io::Table read_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  io::Table t;
  t.source = path;
  std::string line, cell;
  auto next_line = [&] {
    if (!std::getline(in, line)) return false;
    if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF file
    return true;
  };
  next_line();
  std::istringstream header(line);
  while (std::getline(header, cell, ',')) t.columns.push_back(cell);
  while (next_line()) {
    if (line.empty()) continue;
    std::istringstream row(line);
    while (std::getline(row, cell, ',')) t.values.push_back(std::stod(cell));
    ++t.rows;
  }
  return t;
}

const io::Table& breast_cancer() {
  static const io::Table t =
      read_csv(std::string(ELBO_SHARED_DATA_DIR) + "/breast_cancer/breast_cancer.csv");
  return t;
}

io::Table small_table() {
  io::Table t;
  t.source = "small.csv";
  t.columns = {"a", "b", "c", "y"};
  t.rows = 4;
  t.values = {1, 10, 0.5, 1,  //
              2, 20, 0.1, 0,  //
              4, 15, 0.2, 1,  //
              7, 11, 0.9, 3};
  return t;
}

TEST(DesignMatrix, BreastCancerStandardisationMatchesNumpy) {
  const auto& table = breast_cancer();
  ASSERT_EQ(table.rows, cancer_ref()["rows"].get<int64_t>());
  auto d = design_matrix(table);
  EXPECT_TRUE(d.standardized);
  EXPECT_EQ(d.target_name, cancer_ref()["target"].get<std::string>());
  auto columns = cancer_ref()["columns"].get<std::vector<std::string>>();
  ASSERT_EQ(d.feature_names.size(), 30u);
  for (size_t j = 0; j < 30; ++j) EXPECT_EQ(d.feature_names[j], columns[j]);
  ASSERT_EQ(d.X.sizes(), (std::vector<int64_t>{569, 30}));
  expect_close(d.means, tensor_of(cancer_ref()["means"]), 1e-12, 0);
  expect_close(d.sds, tensor_of(cancer_ref()["sds"]), 1e-12, 0);
  expect_close(d.X[0], tensor_of(cancer_ref()["first_row_standardised"]), 1e-10, 1e-12);
  EXPECT_DOUBLE_EQ(d.y.sum().item<double>(), cancer_ref()["y_sum"].get<double>());
}

TEST(DesignMatrix, StandardisedColumnsHaveMeanZeroAndSampleSdOne) {
  auto d = design_matrix(small_table());
  expect_close(d.X.mean(0), torch::zeros({3}, torch::kDouble), 0, 1e-14);
  expect_close(d.X.std(0, /*unbiased=*/true), torch::ones({3}, torch::kDouble), 1e-14, 0);
  expect_close(d.y, torch::tensor({1.0, 0.0, 1.0, 3.0}, torch::kDouble), 0, 0);
  // Column a = (1, 2, 4, 7): mean 3.5, sample variance (6.25+2.25+0.25+12.25)/3 = 7.
  EXPECT_DOUBLE_EQ(d.means[0].item<double>(), 3.5);
  EXPECT_NEAR(d.sds[0].item<double>(), std::sqrt(7.0), 1e-15);
}

TEST(DesignMatrix, OriginalScaleCoefficientsGiveTheSameLinearPredictor) {
  // α + Z β = α' + X_raw β' for every row and every draw.
  auto table = small_table();
  auto d = design_matrix(table);
  auto raw = design_matrix(table, DesignMatrixOptions().standardize(false));
  auto alpha = torch::tensor({0.3, -1.2}, torch::kDouble);
  auto beta = torch::tensor({{1.0, -0.5, 2.0}, {0.1, 0.2, -0.3}}, torch::kDouble);
  auto [alpha_orig, beta_orig] = d.to_original_scale(alpha, beta);
  auto eta_std = alpha.unsqueeze(1) + beta.matmul(d.X.t());
  auto eta_raw = alpha_orig.unsqueeze(1) + beta_orig.matmul(raw.X.t());
  expect_close(eta_raw, eta_std, 1e-13, 1e-13);
  auto [a2, b2] = raw.to_original_scale(alpha, beta);  // identity without standardising
  expect_close(a2, alpha, 0, 0);
  expect_close(b2, beta, 0, 0);
}

TEST(DesignMatrix, TargetByNameAndNoStandardisation) {
  auto d = design_matrix(small_table(), DesignMatrixOptions().target("b").standardize(false));
  EXPECT_FALSE(d.standardized);
  EXPECT_EQ(d.target_name, "b");
  EXPECT_EQ(d.feature_names, (std::vector<std::string>{"a", "c", "y"}));
  expect_close(d.y, torch::tensor({10.0, 20.0, 15.0, 11.0}, torch::kDouble), 0, 0);
  expect_close(d.X.select(1, 1), torch::tensor({0.5, 0.1, 0.2, 0.9}, torch::kDouble), 0, 0);
  expect_close(d.means, torch::zeros({3}, torch::kDouble), 0, 0);
  expect_close(d.sds, torch::ones({3}, torch::kDouble), 0, 0);
}

TEST(DesignMatrix, RejectsBadTables) {
  testing::expect_throw_message<ConfigError>(
      [] { design_matrix(small_table(), DesignMatrixOptions().target("z")); },
      "--target z: no such column in small.csv (columns: a, b, c, y)");

  auto constant = small_table();
  for (int64_t i = 0; i < constant.rows; ++i) constant.values[i * 4 + 1] = 0.3;
  testing::expect_throw_containing<DomainError>([&] { design_matrix(constant); },
                                                "column 'b' of small.csv is constant");
  EXPECT_NO_THROW(design_matrix(constant, DesignMatrixOptions().standardize(false)));
  auto tiny = small_table();  // small but varying values are not constant
  for (int64_t i = 0; i < tiny.rows; ++i) tiny.values[i * 4 + 1] *= 1e-20;
  EXPECT_NO_THROW(design_matrix(tiny));

  auto nan = small_table();
  nan.values[2 * 4 + 2] = std::numeric_limits<double>::quiet_NaN();
  testing::expect_throw_containing<DomainError>([&] { design_matrix(nan); },
                                                "column 'c' of small.csv is nan at row 3");

  io::Table one_column;
  one_column.columns = {"y"};
  one_column.rows = 2;
  one_column.values = {1, 2};
  EXPECT_THROW(design_matrix(one_column), ConfigError);

  auto one_row = small_table();
  one_row.rows = 1;
  one_row.values.resize(4);
  EXPECT_THROW(design_matrix(one_row), DomainError);
  EXPECT_NO_THROW(design_matrix(one_row, DesignMatrixOptions().standardize(false)));
}

}  // namespace
}  // namespace elbo::models
