#pragma once
// Shared helpers of the models tests: the SciPy/NumPy reference values of
// tests/reference/models/generate.py and small tensor comparisons.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace elbo::models::testing {

inline const nlohmann::json& reference() {
  static const nlohmann::json ref = [] {
    const std::string path = std::string(ELBO_SOURCE_DIR) + "/tests/reference/models/reference.json";
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    return nlohmann::json::parse(in);
  }();
  return ref;
}

/// A nested JSON array of numbers as a double tensor.
inline at::Tensor tensor_of(const nlohmann::json& j) {
  if (j.is_number()) return torch::tensor(j.get<double>(), torch::kDouble);
  if (!j.empty() && j[0].is_array()) {
    std::vector<at::Tensor> rows;
    for (const auto& r : j) rows.push_back(tensor_of(r));
    return torch::stack(rows);
  }
  return torch::tensor(j.get<std::vector<double>>(), torch::kDouble);
}

/// Element-wise |a − b| ≤ atol + rtol |b|, with a readable failure.
inline void expect_close(const at::Tensor& actual, const at::Tensor& expected,
                         double rtol = 1e-12, double atol = 1e-12) {
  ASSERT_EQ(actual.sizes(), expected.sizes());
  auto a = actual.detach().to(torch::kDouble).reshape({-1});
  auto b = expected.detach().to(torch::kDouble).reshape({-1});
  for (int64_t i = 0; i < a.numel(); ++i) {
    const double x = a[i].item<double>();
    const double y = b[i].item<double>();
    EXPECT_NEAR(x, y, atol + rtol * std::abs(y)) << "at flat index " << i;
  }
}

/// Runs `f` and expects it to throw E with exactly `message`.
template <class E, class F>
void expect_throw_message(F&& f, const std::string& message) {
  try {
    f();
    ADD_FAILURE() << "expected an exception with message: " << message;
  } catch (const E& e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

/// Runs `f` and expects it to throw E with a message containing `part`.
template <class E, class F>
void expect_throw_containing(F&& f, const std::string& part) {
  try {
    f();
    ADD_FAILURE() << "expected an exception containing: " << part;
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

}  // namespace elbo::models::testing
