// Posterior summaries against numpy (mean, std(ddof=1), percentile, average,
// cov(aweights, ddof=1)) and loo's weighted quantile, all from psis_reference.py.
#include "elbo/diagnostics/summary.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "diagnostics/reference_data.hpp"
#include "elbo/core/error.hpp"
#include "elbo/diagnostics/psis.hpp"
#include "elbo/diagnostics/quantile.hpp"

namespace elbo::diagnostics {
namespace {

Eigen::MatrixXd reference_draws() {
  const auto& rows = testing::reference()["summary"]["draws"];
  Eigen::MatrixXd d(rows.size(), rows[0].size());
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t j = 0; j < rows[i].size(); ++j) d(i, j) = rows[i][j].get<double>();
  }
  return d;
}

TEST(Quantile, Type7ClosedForms) {
  // R: quantile(c(1, 2, 3, 4), c(0, 0.1, 0.5, 1)) = 1, 1.3, 2.5, 4.
  auto q = quantiles_type7({4.0, 2.0, 1.0, 3.0}, {0.0, 0.1, 0.5, 1.0});
  EXPECT_NEAR(q[0], 1.0, 1e-15);
  EXPECT_NEAR(q[1], 1.3, 1e-15);
  EXPECT_NEAR(q[2], 2.5, 1e-15);
  EXPECT_NEAR(q[3], 4.0, 1e-15);
  EXPECT_EQ(quantiles_type7({7.0}, {0.3})[0], 7.0);
  EXPECT_THROW(quantiles_type7({}, {0.5}), DomainError);
  EXPECT_THROW(quantiles_type7({1.0}, {1.5}), DomainError);
}

TEST(Quantile, WeightedByHand) {
  // x = (1, 2, 3), w = (0.2, 0.3, 0.5): W = (0.2, 0.5, 1). p = 0.35 lies between
  // (0.2, 1) and (0.5, 2): 1 + 0.15/0.3 = 1.5; p = 0.1 <= W_1 gives x_(1) = 1.
  auto q = weighted_quantiles({3.0, 1.0, 2.0}, {0.5, 0.2, 0.3}, {0.1, 0.35, 0.75, 1.0});
  EXPECT_NEAR(q[0], 1.0, 1e-15);
  EXPECT_NEAR(q[1], 1.5, 1e-15);
  EXPECT_NEAR(q[2], 2.5, 1e-15);
  EXPECT_NEAR(q[3], 3.0, 1e-15);
  // Equal weights fall back to type 7.
  EXPECT_NEAR(weighted_quantiles({1.0, 2.0, 3.0, 4.0}, {2.0, 2.0, 2.0, 2.0}, {0.1})[0], 1.3,
              1e-15);
  EXPECT_THROW(weighted_quantiles({1.0, 2.0}, {1.0}, {0.5}), DomainError);
  EXPECT_THROW(weighted_quantiles({1.0, 2.0}, {1.0, -1.0}, {0.5}), DomainError);
  EXPECT_THROW(weighted_quantiles({1.0, 2.0}, {0.0, 0.0}, {0.5}), DomainError);
}

TEST(Summary, MatchesNumpyUnweighted) {
  const auto& ref = testing::reference()["summary"];
  auto names = ref["names"].get<std::vector<std::string>>();
  auto draws = reference_draws();
  auto s = summarize(draws, names);
  ASSERT_EQ(s.parameters.size(), 3u);
  EXPECT_EQ(s.probs, (std::vector<double>{0.05, 0.5, 0.95}));
  for (size_t j = 0; j < 3; ++j) {
    SCOPED_TRACE(names[j]);
    const auto& p = s.parameters[j];
    EXPECT_EQ(p.name, names[j]);
    EXPECT_NEAR(p.mean, ref["mean"][j].get<double>(), 1e-12);
    EXPECT_NEAR(p.sd, ref["sd"][j].get<double>(), 1e-12);
    auto q = ref["quantiles_default"][j].get<std::vector<double>>();
    for (size_t i = 0; i < q.size(); ++i) EXPECT_NEAR(p.quantiles[i], q[i], 1e-12);
  }
  auto custom = summarize(draws, names,
                          SummaryOptions().quantiles(ref["probs_custom"].get<std::vector<double>>()));
  for (size_t j = 0; j < 3; ++j) {
    auto q = ref["quantiles_custom"][j].get<std::vector<double>>();
    ASSERT_EQ(custom.parameters[j].quantiles.size(), q.size());
    for (size_t i = 0; i < q.size(); ++i) EXPECT_NEAR(custom.parameters[j].quantiles[i], q[i], 1e-12);
  }
}

TEST(Summary, MatchesNumpyWeightedWithPsisWeights) {
  const auto& ref = testing::reference()["summary"];
  auto names = ref["names"].get<std::vector<std::string>>();
  auto draws = reference_draws();
  // The weights are PSIS-smoothed from the stored log ratios; recompute them here.
  auto r = psis(ref["log_ratios"].get<std::vector<double>>());
  auto expected_w = ref["weights"].get<std::vector<double>>();
  Eigen::VectorXd w(expected_w.size());
  for (size_t i = 0; i < expected_w.size(); ++i) {
    w[i] = std::exp(r.log_weights[i]);
    EXPECT_NEAR(w[i], expected_w[i], 1e-12);
  }
  auto s = summarize(draws, names, w);
  for (size_t j = 0; j < 3; ++j) {
    SCOPED_TRACE(names[j]);
    EXPECT_NEAR(s.parameters[j].mean, ref["weighted_mean"][j].get<double>(), 1e-10);
    EXPECT_NEAR(s.parameters[j].sd, ref["weighted_sd"][j].get<double>(), 1e-10);
    auto q = ref["weighted_quantiles_default"][j].get<std::vector<double>>();
    for (size_t i = 0; i < q.size(); ++i) EXPECT_NEAR(s.parameters[j].quantiles[i], q[i], 1e-10);
  }
}

TEST(Summary, EqualWeightsReproduceUnweighted) {
  auto draws = reference_draws();
  std::vector<std::string> names = {"a", "b", "c"};
  auto plain = summarize(draws, names);
  auto weighted = summarize(draws, names, Eigen::VectorXd::Constant(draws.rows(), 3.0));
  for (size_t j = 0; j < 3; ++j) {
    EXPECT_NEAR(weighted.parameters[j].mean, plain.parameters[j].mean, 1e-12);
    EXPECT_NEAR(weighted.parameters[j].sd, plain.parameters[j].sd, 1e-12);
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_NEAR(weighted.parameters[j].quantiles[i], plain.parameters[j].quantiles[i], 1e-12);
    }
  }
}

TEST(Summary, Validation) {
  Eigen::MatrixXd d = Eigen::MatrixXd::Ones(4, 2);
  EXPECT_THROW(summarize(d, {"only_one"}), DomainError);
  EXPECT_THROW(summarize(Eigen::MatrixXd(0, 1), {"a"}), DomainError);
  EXPECT_THROW(summarize(d, {"a", "b"}, Eigen::VectorXd::Ones(3)), DomainError);
  EXPECT_THROW(SummaryOptions().quantiles({0.5, 1.2}), DomainError);
  auto one = summarize(Eigen::MatrixXd::Constant(1, 1, 2.0), {"x"});
  EXPECT_EQ(one.parameters[0].mean, 2.0);
  EXPECT_TRUE(std::isnan(one.parameters[0].sd));
}

}  // namespace
}  // namespace elbo::diagnostics
