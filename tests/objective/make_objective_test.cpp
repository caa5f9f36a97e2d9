// make_objective: each spec form builds the documented objective with the
// documented options; invalid specs are ConfigErrors naming --objective.
#include <gtest/gtest.h>

#include <string>

#include "elbo/core/error.hpp"
#include "elbo/objective/annealed_elbo.hpp"
#include "elbo/objective/chi_upper_bound.hpp"
#include "elbo/objective/iwae_bound.hpp"
#include "elbo/objective/make_objective.hpp"
#include "elbo/objective/reparam_elbo.hpp"
#include "elbo/objective/renyi_bound.hpp"

namespace elbo::objective {
namespace {

template <class T>
const T& as(const std::shared_ptr<Objective>& o) {
  auto* p = dynamic_cast<const T*>(o.get());
  if (!p) throw std::runtime_error("wrong objective type: " + o->name());
  return *p;
}

TEST(MakeObjective, ParsesEveryForm) {
  auto elbo = make_objective("elbo", 3, true);
  EXPECT_EQ(as<ReparamElbo>(elbo).options().num_draws(), 3);
  EXPECT_TRUE(as<ReparamElbo>(elbo).options().stick_the_landing());

  auto renyi = make_objective("renyi:0.5", 4);
  EXPECT_EQ(as<RenyiBound>(renyi).options().alpha(), 0.5);
  EXPECT_EQ(as<RenyiBound>(renyi).options().num_draws(), 4);
  EXPECT_FALSE(as<RenyiBound>(renyi).options().doubly_reparameterized());
  EXPECT_EQ(renyi->name(), "renyi:0.5");
  EXPECT_EQ(as<RenyiBound>(make_objective("renyi:-1", 2)).options().alpha(), -1.0);
  EXPECT_TRUE(as<RenyiBound>(make_objective("renyi:2.5", 2, true)).options().doubly_reparameterized());
  EXPECT_TRUE(as<RenyiBound>(make_objective("vrmax", 8)).options().vr_max());

  EXPECT_EQ(as<IwaeBound>(make_objective("iwae:16", 1)).options().num_draws(), 16);
  EXPECT_EQ(as<IwaeBound>(make_objective("iwae", 5)).options().num_draws(), 5);
  EXPECT_TRUE(as<IwaeBound>(make_objective("iwae:16", 1, true)).options().doubly_reparameterized());

  auto chi = make_objective("chi", 10);
  EXPECT_EQ(as<ChiUpperBound>(chi).options().n(), 2.0);
  EXPECT_EQ(chi->bound_kind(), BoundKind::upper);
  EXPECT_EQ(elbo->bound_kind(), BoundKind::lower);
  EXPECT_EQ(as<ChiUpperBound>(make_objective("chi:3", 10)).options().n(), 3.0);

  auto annealed = make_objective("annealed:500", 2, true);
  EXPECT_EQ(as<AnnealedElbo>(annealed).options().anneal_steps(), 500);
  EXPECT_EQ(as<AnnealedElbo>(annealed).options().elbo().num_draws(), 2);
  EXPECT_TRUE(as<AnnealedElbo>(annealed).options().elbo().stick_the_landing());
  auto geo = make_objective("annealed:100:0.05:geometric", 1);
  EXPECT_EQ(as<AnnealedElbo>(geo).options().initial_beta(), 0.05);
  EXPECT_EQ(as<AnnealedElbo>(geo).options().schedule(), AnnealSchedule::geometric);
}

TEST(MakeObjective, InvalidSpecsNameTheOptionAndTheValidForms) {
  for (const std::string spec :
       {"", "elbo:2", "kl", "renyi", "renyi:1", "renyi:abc", "renyi:0.5x", "renyi:nan", "iwae:0",
        "iwae:-3", "iwae:2.5", "chi:1", "chi:0.5", "chi:x", "annealed", "annealed:0", "annealed:10:2",
        "annealed:10:0:geometric", "annealed:10:0.1:cosine", "annealed:1:1:linear:4", "vrmax:3",
        "RENYI:0.5"}) {
    try {
      make_objective(spec, 1);
      ADD_FAILURE() << "accepted '" << spec << "'";
    } catch (const ConfigError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("--objective"), std::string::npos) << what;
      EXPECT_NE(what.find("renyi:<alpha>"), std::string::npos) << what;
      EXPECT_EQ(what.find('\n'), std::string::npos) << what;
    }
  }
  EXPECT_THROW(make_objective("vrmax", 4, true), ConfigError);
  EXPECT_THROW(make_objective("chi", 4, true), ConfigError);
  EXPECT_THROW(make_objective("elbo", 0), ConfigError);
}

}  // namespace
}  // namespace elbo::objective
