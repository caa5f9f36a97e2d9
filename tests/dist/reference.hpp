#pragma once
// Test helpers: the SciPy reference values of tests/reference/dist/reference.json
// (written by tests/reference/dist/generate.py) and a factory from a case's
// distribution name and parameters.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/dist/bernoulli.hpp"
#include "elbo/dist/beta.hpp"
#include "elbo/dist/binomial.hpp"
#include "elbo/dist/categorical.hpp"
#include "elbo/dist/cauchy.hpp"
#include "elbo/dist/dirichlet.hpp"
#include "elbo/dist/exponential.hpp"
#include "elbo/dist/gamma.hpp"
#include "elbo/dist/half_normal.hpp"
#include "elbo/dist/kl_divergence.hpp"
#include "elbo/dist/independent.hpp"
#include "elbo/dist/inverse_gamma.hpp"
#include "elbo/dist/log_normal.hpp"
#include "elbo/dist/low_rank_multivariate_normal.hpp"
#include "elbo/dist/multivariate_normal.hpp"
#include "elbo/dist/normal.hpp"
#include "elbo/dist/poisson.hpp"
#include "elbo/dist/student_t.hpp"

namespace elbo::dist::testing {

using nlohmann::json;

inline const json& reference() {
  static const json j = [] {
    std::ifstream in(ELBO_SOURCE_DIR "/tests/reference/dist/reference.json");
    if (!in) throw std::runtime_error("cannot open tests/reference/dist/reference.json");
    return json::parse(in);
  }();
  return j;
}

inline double number(const json& v) {
  if (v.is_string()) {
    const auto s = v.get<std::string>();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    return std::numeric_limits<double>::quiet_NaN();
  }
  return v.get<double>();
}

/// {"shape": [...], "data": [...]} → kDouble tensor.
inline at::Tensor tensor(const json& t) {
  std::vector<double> data;
  for (const auto& v : t.at("data")) data.push_back(number(v));
  auto shape = t.at("shape").get<std::vector<int64_t>>();
  return torch::tensor(data, torch::kDouble).reshape(shape);
}

inline std::shared_ptr<Distribution> make(const std::string& dist, const json& params) {
  auto p = [&](const char* key) { return tensor(params.at(key)); };
  if (dist == "normal") return std::make_shared<Normal>(p("loc"), p("scale"));
  if (dist == "log_normal") return std::make_shared<LogNormal>(p("loc"), p("scale"));
  if (dist == "half_normal") return std::make_shared<HalfNormal>(p("scale"));
  if (dist == "cauchy") return std::make_shared<Cauchy>(p("loc"), p("scale"));
  if (dist == "student_t") return std::make_shared<StudentT>(p("df"), p("loc"), p("scale"));
  if (dist == "gamma") return std::make_shared<Gamma>(p("concentration"), p("rate"));
  if (dist == "inverse_gamma")
    return std::make_shared<InverseGamma>(p("concentration"), p("scale"));
  if (dist == "beta") return std::make_shared<Beta>(p("concentration1"), p("concentration0"));
  if (dist == "exponential") return std::make_shared<Exponential>(p("rate"));
  if (dist == "bernoulli") return std::make_shared<Bernoulli>(p("logits"));
  if (dist == "bernoulli_probs") return std::make_shared<Bernoulli>(Bernoulli::from_probs(p("probs")));
  if (dist == "binomial") return std::make_shared<Binomial>(p("total_count"), p("logits"));
  if (dist == "binomial_probs")
    return std::make_shared<Binomial>(Binomial::from_probs(p("total_count"), p("probs")));
  if (dist == "poisson") return std::make_shared<Poisson>(p("rate"));
  if (dist == "categorical") return std::make_shared<Categorical>(p("logits"));
  if (dist == "categorical_probs")
    return std::make_shared<Categorical>(Categorical::from_probs(p("probs")));
  if (dist == "dirichlet") return std::make_shared<Dirichlet>(p("concentration"));
  if (dist == "multivariate_normal")
    return std::make_shared<MultivariateNormal>(p("loc"), p("scale_tril"));
  if (dist == "multivariate_normal_cov")
    return std::make_shared<MultivariateNormal>(
        MultivariateNormal::from_covariance(p("loc"), p("covariance")));
  if (dist == "low_rank_multivariate_normal")
    return std::make_shared<LowRankMultivariateNormal>(p("loc"), p("cov_factor"),
                                                       p("cov_diag"));
  if (dist == "independent_normal")
    return std::make_shared<Independent>(Normal(p("loc"), p("scale")), 1);
  throw std::runtime_error("unknown reference distribution " + dist);
}

/// Element-wise |actual − expected| ≤ atol + rtol |expected|, with matching
/// infinities and NaNs, and identical shapes.
inline ::testing::AssertionResult all_close(const at::Tensor& actual, const at::Tensor& expected,
                                            double rtol, double atol) {
  if (actual.sizes() != expected.sizes()) {
    return ::testing::AssertionFailure()
           << "shape " << actual.sizes() << " != expected " << expected.sizes();
  }
  auto a = actual.detach().to(torch::kDouble).contiguous().reshape({-1});
  auto e = expected.to(torch::kDouble).contiguous().reshape({-1});
  for (int64_t i = 0; i < a.numel(); ++i) {
    double x = a[i].item<double>();
    double y = e[i].item<double>();
    bool ok = (std::isnan(y) && std::isnan(x)) || (std::isinf(y) && x == y) ||
              (std::isfinite(y) && std::isfinite(x) && std::abs(x - y) <= atol + rtol * std::abs(y));
    if (!ok) {
      return ::testing::AssertionFailure()
             << "element " << i << ": " << x << " != expected " << y << "\nactual   "
             << actual << "\nexpected " << expected;
    }
  }
  return ::testing::AssertionSuccess();
}

}  // namespace elbo::dist::testing
