// GaussianMixtureAssignments: log_joint equals the density written out by hand
// (scalar loops over std::log / std::exp), the declared terms sum to it and
// each term reads only its declared latents; bad input is rejected.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/models/gaussian_mixture_assignments.hpp"

namespace elbo::models {
namespace {

double log_normal(double x, double m, double sd) {
  return -0.5 * std::pow((x - m) / sd, 2) - std::log(sd) - 0.5 * std::log(2 * M_PI);
}

TEST(GaussianMixtureAssignments, LogJointMatchesHandWrittenDensity) {
  const auto opts = torch::TensorOptions().dtype(torch::kDouble);
  auto x = torch::tensor({{0.3, -1.0}, {2.0, 0.5}, {-1.5, 1.2}}, opts);  // N=3, P=2
  auto w = torch::tensor({0.2, 0.8}, opts);
  GaussianMixtureAssignments model(
      x, 2, GaussianMixtureAssignmentsOptions().prior_mean_scale(2.0).observation_sd(0.7).weights(w));
  auto mu = torch::tensor({{{0.1, -0.4}, {1.5, 0.9}}, {{-2.0, 0.0}, {0.5, 0.5}}}, opts);  // K=2
  auto z = torch::tensor({{{1, 0}, {0, 1}, {1, 0}}, {{0, 1}, {0, 1}, {1, 0}}}, opts);
  model::Draws d;
  d.set("mu", mu);
  d.set("z", z);
  auto lp = model.log_joint(d, model::Subsample::all(1));
  auto terms = model.log_joint_terms(d, model::Subsample::all(1));
  ASSERT_EQ(terms.sizes(), (std::vector<int64_t>{2, 5}));
  EXPECT_TRUE(torch::allclose(terms.sum(1), lp, 1e-12, 1e-12));
  for (int64_t k = 0; k < 2; ++k) {
    double expected = 0.0;
    for (int64_t c = 0; c < 2; ++c) {
      for (int64_t p = 0; p < 2; ++p) expected += log_normal(mu[k][c][p].item<double>(), 0.0, 2.0);
    }
    for (int64_t n = 0; n < 3; ++n) {
      const int64_t c = z[k][n][0].item<double>() > 0.5 ? 0 : 1;
      expected += std::log(w[c].item<double>());
      for (int64_t p = 0; p < 2; ++p) {
        expected += log_normal(x[n][p].item<double>(), mu[k][c][p].item<double>(), 0.7);
      }
    }
    EXPECT_NEAR(lp[k].item<double>(), expected, 1e-10);
  }
}

TEST(GaussianMixtureAssignments, TermsReadOnlyTheirDeclaredScopes) {
  auto x = torch::tensor({0.5, -1.0, 2.0}, torch::kDouble);
  GaussianMixtureAssignments model(x, 2);
  auto scopes = model.log_joint_term_scopes();
  ASSERT_EQ(scopes.size(), 5u);
  EXPECT_EQ(scopes[1][0].latent, "z");
  EXPECT_EQ(scopes[1][0].elements, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(scopes[4][0].latent, "mu");
  EXPECT_EQ(scopes[4][0].elements, (std::vector<int64_t>{1}));
  // Changing z row 0 changes term 0 only; changing mu row 1 leaves prior term 3 alone.
  auto mu = torch::tensor({{{-1.0}, {1.0}}}, torch::kDouble);
  auto z = torch::tensor({{{1, 0}, {0, 1}, {0, 1}}}, torch::kDouble);
  model::Draws a, b, c;
  a.set("mu", mu);
  a.set("z", z);
  b.set("mu", mu);
  b.set("z", torch::tensor({{{0, 1}, {0, 1}, {0, 1}}}, torch::kDouble));
  c.set("mu", torch::tensor({{{-1.0}, {3.0}}}, torch::kDouble));
  c.set("z", z);
  auto all = model::Subsample::all(1);
  auto ta = model.log_joint_terms(a, all), tb = model.log_joint_terms(b, all),
       tc = model.log_joint_terms(c, all);
  auto changed_b = (ta - tb).abs().gt(1e-12).to(torch::kLong)[0];
  auto changed_c = (ta - tc).abs().gt(1e-12).to(torch::kLong)[0];
  EXPECT_TRUE(torch::equal(changed_b, torch::tensor({1, 0, 0, 0, 0}, torch::kLong)));
  EXPECT_EQ(changed_c[3].item<int64_t>(), 0);
  EXPECT_EQ(changed_c[4].item<int64_t>(), 1);
}

TEST(GaussianMixtureAssignments, RejectsBadInput) {
  auto x = torch::tensor({0.5, -1.0}, torch::kDouble);
  EXPECT_THROW(GaussianMixtureAssignments(x, 1), ConfigError);
  EXPECT_THROW(GaussianMixtureAssignments(
                   x, 2, GaussianMixtureAssignmentsOptions().observation_sd(-1.0)),
               ConfigError);
  EXPECT_THROW(GaussianMixtureAssignments(
                   x, 2, GaussianMixtureAssignmentsOptions().weights(torch::tensor({0.3, 0.3}, torch::kDouble))),
               DomainError);
  EXPECT_THROW(GaussianMixtureAssignments(torch::tensor({0.5, std::nan("")}, torch::kDouble), 2), DomainError);
}

}  // namespace
}  // namespace elbo::models
