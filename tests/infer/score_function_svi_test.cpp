// SVI with the black-box score-function estimator (+ optimal control variate
// + Rao–Blackwellisation) on a chain of three Bernoulli latents reaches the
// optimum of the exact mean-field ELBO, found by deterministic gradient ascent
// on the ELBO computed by enumerating the 8 states.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <memory>

#include "elbo/family/bernoulli_family.hpp"
#include "elbo/infer/svi.hpp"
#include "elbo/model/model_density.hpp"
#include "elbo/objective/make_score_objective.hpp"
#include "objective/discrete_targets.hpp"

namespace elbo::infer {
namespace {

// The best mean-field ELBO over several starts (exact gradient ascent).
double exact_optimum(const testing::BinaryChain& model) {
  double best = -INFINITY;
  for (double start : {-2.0, 0.0, 2.0}) {
    auto logits = torch::full({3}, start, torch::kDouble).requires_grad_(true);
    torch::optim::Adam adam({logits}, torch::optim::AdamOptions(0.05));
    for (int i = 0; i < 3000; ++i) {
      adam.zero_grad();
      (-testing::binary_chain_elbo(model, logits)).backward();
      adam.step();
    }
    best = std::max(best, testing::binary_chain_elbo(model, logits.detach()).item<double>());
  }
  return best;
}

TEST(ScoreFunctionSvi, ReachesTheExactMeanFieldOptimumOnBernoulliLatents) {
  auto model = std::make_shared<testing::BinaryChain>(1.5);
  auto p = std::make_shared<model::ModelDensity>(model);
  auto q = std::make_shared<family::BernoulliFamily>(3);
  optim::OptimizerOptions adam;
  adam.method = "adam";
  adam.eta = 0.05;
  adam.schedule = "constant";
  SviOptions options;
  options.max_iterations = 2000;
  options.eval_every = 100;
  options.tol_rel_obj = 1e-12;  // run to the end; average the last 20%
  options.average_iterates = true;
  options.seed = 3;
  const double start = testing::binary_chain_elbo(*model, q->logits.detach()).item<double>();
  Svi svi(p, q, objective::make_score_objective("reinforce+cv+rb", 10), adam, options);
  svi.run();
  const double fitted = testing::binary_chain_elbo(*model, q->logits.detach()).item<double>();
  const double best = exact_optimum(*model);
  std::printf("exact ELBO: start %.4f, fitted %.4f, optimum %.4f\n", start, fitted, best);
  EXPECT_LT(start, best - 0.1);  // the fit has somewhere to go
  // Tolerance 0.01 nats of the exact (enumerated) ELBO.
  EXPECT_NEAR(fitted, best, 0.01) << "fitted logits " << q->logits;
}

}  // namespace
}  // namespace elbo::infer
