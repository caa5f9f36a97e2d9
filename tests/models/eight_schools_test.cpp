// EightSchools: centred and non-centred log joints against SciPy, and the two
// parameterisations related by the Jacobian of θ = μ + τ θ̃.
#include "elbo/models/eight_schools.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "elbo/core/error.hpp"
#include "models/reference.hpp"

namespace elbo::models {
namespace {

using model::Draws;
using model::Subsample;
using testing::expect_close;
using testing::reference;
using testing::tensor_of;

const nlohmann::json& schools_ref() { return reference()["eight_schools"]; }

Draws centred_draws() {
  Draws z;
  z.set("mu", tensor_of(schools_ref()["mu"]));
  z.set("tau", tensor_of(schools_ref()["tau"]));
  z.set("theta", tensor_of(schools_ref()["theta"]));
  return z;
}

Draws noncentred_draws() {
  Draws z;
  z.set("mu", tensor_of(schools_ref()["mu"]));
  z.set("tau", tensor_of(schools_ref()["tau"]));
  z.set("theta_tilde", tensor_of(schools_ref()["theta_tilde"]));
  return z;
}

TEST(EightSchools, ClassicDataAndLatents) {
  EightSchools m;
  EXPECT_EQ(m.name(), "eight_schools");
  EXPECT_EQ(m.num_data(), 0);
  EXPECT_EQ(m.num_groups(), 8);
  expect_close(m.y(), torch::tensor({28., 8., -3., 7., -1., 1., 18., 12.}, torch::kDouble));
  expect_close(m.sigma(), torch::tensor({15., 10., 16., 11., 9., 11., 10., 18.}, torch::kDouble));
  auto latents = m.latents();
  ASSERT_EQ(latents.size(), 3u);
  EXPECT_EQ(latents[0].name, "mu");
  EXPECT_EQ(latents[1].name, "tau");
  EXPECT_EQ(latents[1].constraint.kind, bijector::Constraint::Kind::positive);
  EXPECT_EQ(latents[2].name, "theta");
  EXPECT_EQ(latents[2].shape, std::vector<int64_t>{8});
  EXPECT_EQ(EightSchools(EightSchoolsOptions().non_centered(true)).latents()[2].name,
            "theta_tilde");
}

TEST(EightSchools, CentredLogJointMatchesScipy) {
  EightSchools m;
  expect_close(m.log_joint(centred_draws(), Subsample::all(1)),
               tensor_of(schools_ref()["log_joint_centred"]));
  EightSchools alt(EightSchoolsOptions().prior_mu_scale(10).prior_tau_scale(2));
  expect_close(alt.log_joint(centred_draws(), Subsample::all(1)),
               tensor_of(schools_ref()["log_joint_centred_alt"]));
}

TEST(EightSchools, NonCentredLogJointMatchesScipy) {
  EightSchools m(EightSchoolsOptions().non_centered(true));
  expect_close(m.log_joint(noncentred_draws(), Subsample::all(1)),
               tensor_of(schools_ref()["log_joint_noncentred"]));
  EightSchools alt(
      EightSchoolsOptions().non_centered(true).prior_mu_scale(10).prior_tau_scale(2));
  expect_close(alt.log_joint(noncentred_draws(), Subsample::all(1)),
               tensor_of(schools_ref()["log_joint_noncentred_alt"]));
}

TEST(EightSchools, ParameterisationsDifferByTheJacobian) {
  // θ = μ + τ θ̃ has dθ/dθ̃ = τ I_J: log p_nc(μ, τ, θ̃) = log p_c(μ, τ, θ) + J log τ.
  EightSchools centred;
  EightSchools noncentred(EightSchoolsOptions().non_centered(true));
  auto z_nc = noncentred_draws();
  auto theta = noncentred.theta(z_nc);
  Draws z_c;
  z_c.set("mu", z_nc["mu"]);
  z_c.set("tau", z_nc["tau"]);
  z_c.set("theta", theta);
  expect_close(centred.theta(z_c), theta, 0, 0);
  expect_close(noncentred.log_joint(z_nc, Subsample::all(1)),
               centred.log_joint(z_c, Subsample::all(1)) + 8 * z_nc["tau"].log(), 1e-12,
               1e-12);
}

TEST(EightSchools, ThetaOfNonCentredDraws) {
  EightSchools m(EightSchoolsOptions().non_centered(true));
  auto z = noncentred_draws();
  auto mu = tensor_of(schools_ref()["mu"]);
  auto tau = tensor_of(schools_ref()["tau"]);
  auto tt = tensor_of(schools_ref()["theta_tilde"]);
  auto theta = m.theta(z);
  ASSERT_EQ(theta.sizes(), (std::vector<int64_t>{3, 8}));
  for (int64_t k = 0; k < 3; ++k) {
    for (int64_t j = 0; j < 8; ++j) {
      EXPECT_DOUBLE_EQ(theta[k][j].item<double>(),
                       mu[k].item<double>() + tau[k].item<double>() * tt[k][j].item<double>());
    }
  }
}

TEST(EightSchools, NonCentredReportsThetaAsDerivedQuantity) {
  EightSchools nc(EightSchoolsOptions().non_centered(true));
  auto z = noncentred_draws();
  auto derived = nc.derived(z);
  ASSERT_EQ(derived.size(), 1u);
  EXPECT_EQ(derived[0].first, "theta");
  expect_close(derived[0].second,
               tensor_of(schools_ref()["mu"]).unsqueeze(1) +
                   tensor_of(schools_ref()["tau"]).unsqueeze(1) * tensor_of(schools_ref()["theta_tilde"]),
               0, 0);
  EXPECT_TRUE(EightSchools().derived(centred_draws()).empty());
}

TEST(EightSchools, RejectsBadData) {
  auto y = torch::tensor({1.0, 2.0, 3.0}, torch::kDouble);
  testing::expect_throw_message<DomainError>(
      [&] { EightSchools(y, torch::tensor({1.0, 0.0, 2.0}, torch::kDouble)); },
      "eight_schools: sigma[1] is 0, but must be positive finite");
  EXPECT_THROW(EightSchools(y, torch::ones({4}, torch::kDouble)), DomainError);
  EXPECT_THROW(EightSchools(EightSchoolsOptions().prior_tau_scale(-1)), ConfigError);
  EightSchools m(y, torch::ones({3}, torch::kDouble));
  EXPECT_EQ(m.num_groups(), 3);
  EXPECT_THROW(m.log_joint(centred_draws(), Subsample::all(1)), DomainError);  // J = 8 draws
}

}  // namespace
}  // namespace elbo::models
