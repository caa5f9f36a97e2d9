// The SVI driver with the bounds of objective/: Rényi (α = 0.5, with and
// without DReG), IWAE (plain: 30% of a posterior sd; DReG: 5%) and the
// annealed ELBO fit a mean-field Gaussian to the exact Normal–Normal
// posterior (the maximiser of both bounds when the posterior is in the
// family: they equal log p(x) there and never exceed it); an annealed run
// checkpointed mid-schedule and resumed reproduces the uninterrupted one
// exactly (β_t comes from the driver's step through set_iteration); the driver
// declares no convergence while β < 1.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <filesystem>
#include <unistd.h>

#include "elbo/core/random.hpp"
#include "elbo/family/mean_field_gaussian.hpp"
#include "elbo/infer/svi.hpp"
#include "elbo/model/model_density.hpp"
#include "elbo/objective/make_objective.hpp"
#include "infer/gaussian_targets.hpp"

namespace elbo::infer {
namespace {

std::shared_ptr<testing::NormalNormal> bounds_normal_normal() {
  auto gen = make_generator(7);
  auto x = 1.5 + 0.8 * torch::randn({20}, gen, torch::kDouble);
  return std::make_shared<testing::NormalNormal>(x, 0.8, 0.0, 2.0);
}

SviOptions svi_options(int64_t iterations) {
  SviOptions o;
  o.max_iterations = iterations;
  o.eval_every = 100000;  // no convergence stop: a fixed-length run
  o.average_iterates = true;
  o.seed = 5;
  return o;
}

/// A 1-D mean-field q fitted to bounds_normal_normal() by 3000 constant steps of 0.05.
std::shared_ptr<family::MeanFieldGaussian> fit(const std::shared_ptr<testing::NormalNormal>& model,
                                               std::shared_ptr<objective::Objective> objective) {
  auto density = std::make_shared<model::ModelDensity>(model);
  auto q = std::make_shared<family::MeanFieldGaussian>(1);
  optim::OptimizerOptions opt;
  opt.eta = 0.05;
  opt.schedule = "constant";
  Svi svi(density, q, std::move(objective), opt, svi_options(3000));
  svi.run();
  return q;
}

class BoundsSvi : public ::testing::TestWithParam<std::pair<std::string, bool>> {};

TEST_P(BoundsSvi, RecoversTheNormalNormalPosterior) {
  const auto [spec, dreg] = GetParam();
  auto model = bounds_normal_normal();
  auto q = fit(model, objective::make_objective(spec, 8, dreg));
  const double mean = q->loc.item<double>(), sd = q->log_scale.exp().item<double>();
  const double post_sd = std::sqrt(model->posterior_var());
  // The plain IWAE gradient of q's parameters has a signal-to-noise ratio that
  // falls with K (Rainforth et al. 2018, "Tighter variational bounds are not
  // necessarily better"): at the same constant step it ends ~20% off in sd
  // (0.217 vs 0.178 here); DReG fixes that and meets the 5% of the others.
  const double tol = (spec == "iwae:8" && !dreg) ? 0.3 : 0.05;
  EXPECT_NEAR(mean, model->posterior_mean(), tol * post_sd) << spec;
  EXPECT_NEAR(sd, post_sd, tol * post_sd) << spec;
}

INSTANTIATE_TEST_SUITE_P(Objectives, BoundsSvi,
                         ::testing::Values(std::make_pair(std::string("renyi:0.5"), false),
                                           std::make_pair(std::string("renyi:0.5"), true),
                                           std::make_pair(std::string("iwae:8"), false),
                                           std::make_pair(std::string("iwae:8"), true),
                                           std::make_pair(std::string("annealed:500"), true)));

// CHIVI's χ² bound is minimised at the exact posterior too, but its gradient weighs
// draws by (p/q)²: once q's sd falls below the posterior's/√2, E_q[(p/q)²] is
// infinite and few-draw estimates drive q to collapse. On this 1-D posterior it
// collapses (sd → 1e-14) at K = 8 and K = 64 and converges at K = 512.
TEST(ChiSvi, RecoversTheNormalNormalPosteriorWithManyDraws) {
  auto model = bounds_normal_normal();
  auto q = fit(model, objective::make_objective("chi", 512));
  const double post_sd = std::sqrt(model->posterior_var());
  EXPECT_NEAR(q->loc.item<double>(), model->posterior_mean(), 0.05 * post_sd);
  EXPECT_NEAR(q->log_scale.exp().item<double>(), post_sd, 0.05 * post_sd);
}

TEST(AnnealedSvi, ResumesBitForBitMidSchedule) {
  auto dir = std::filesystem::temp_directory_path() / ("elbo_anneal_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string ckpt = (dir / "state.pt").string();
  auto run = [&](int64_t iterations, const std::string& checkpoint, bool resume) {
    auto density = std::make_shared<model::ModelDensity>(bounds_normal_normal());
    auto q = std::make_shared<family::MeanFieldGaussian>(1);
    auto o = svi_options(iterations);
    o.average_iterates = false;
    o.batch_size = 5;
    o.checkpoint_path = checkpoint;
    o.checkpoint_every = 60;
    Svi svi(density, q, objective::make_objective("annealed:100:0.01:geometric", 2), {}, o);
    if (resume) svi.resume();
    svi.run();
    return torch::cat({q->loc.detach(), q->log_scale.detach()});
  };
  auto full = run(150, "", false);
  run(70, ckpt, false);  // "killed" after step 70; the checkpoint is from step 60 (β < 1)
  auto resumed = run(150, ckpt, true);
  EXPECT_TRUE(torch::equal(full, resumed)) << full << resumed;
  std::filesystem::remove_all(dir);
}

// While β < 1 the driver must not stop on a flat ELBO trace: with a loose tolerance
// the plain ELBO run converges within a few hundred steps, the annealed one only
// after its 1000-step schedule.
TEST(AnnealedSvi, DoesNotConvergeBeforeTheScheduleEnds) {
  auto run = [](const std::string& spec) {
    auto density = std::make_shared<model::ModelDensity>(bounds_normal_normal());
    auto q = std::make_shared<family::MeanFieldGaussian>(1);
    SviOptions o;
    o.max_iterations = 5000;
    o.eval_every = 50;
    o.tol_rel_obj = 0.01;
    o.average_iterates = false;
    o.seed = 5;
    optim::OptimizerOptions opt;
    opt.eta = 0.05;
    opt.schedule = "constant";
    Svi svi(density, q, objective::make_objective(spec, 4), opt, o);
    return svi.run();
  };
  auto plain = run("elbo");
  ASSERT_TRUE(plain.converged);
  EXPECT_LT(plain.iterations, 1000);
  auto annealed = run("annealed:1000");
  EXPECT_TRUE(annealed.converged) << annealed.message;
  EXPECT_GE(annealed.iterations, 1000);
  EXPECT_LT(annealed.iterations, 5000);
}

}  // namespace
}  // namespace elbo::infer
