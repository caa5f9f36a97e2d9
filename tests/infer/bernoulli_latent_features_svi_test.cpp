// SVI on the Bernoulli latent-feature model (one-layer sigmoid belief network)
// with binarised 8×8 digits (../shared/data/digits, pixel ≥ 8 of 0–16 → 1):
// q = MeanFieldGaussian(W, b) × Bernoulli(z), fitted with the Gumbel-softmax
// estimator; the ELBO (estimated with exact discrete draws, 2000 of them)
// rises substantially from the start.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "elbo/core/random.hpp"
#include "elbo/family/bernoulli_family.hpp"
#include "elbo/family/mean_field_gaussian.hpp"
#include "elbo/family/product_family.hpp"
#include "elbo/infer/svi.hpp"
#include "elbo/model/model_density.hpp"
#include "elbo/models/bernoulli_latent_features.hpp"
#include "elbo/objective/make_score_objective.hpp"

namespace elbo::infer {
namespace {

// The first `rows` images, binarised.
at::Tensor read_digits(int64_t rows) {
  std::ifstream in(std::string(ELBO_SHARED_DATA_DIR) + "/digits/digits.csv");
  std::string line;
  std::getline(in, line);  // header px0..px63,digit
  std::vector<double> values;
  int64_t n = 0;
  while (n < rows && std::getline(in, line)) {
    std::stringstream ss(line);
    std::string cell;
    for (int j = 0; j < 64 && std::getline(ss, cell, ','); ++j) values.push_back(std::stod(cell) >= 8 ? 1.0 : 0.0);
    ++n;
  }
  return torch::tensor(values, torch::kDouble).reshape({n, 64});
}

double elbo_estimate(const model::LogDensity& p, family::Family& q, uint64_t seed) {
  auto objective = objective::make_score_objective("reinforce", 2000);
  auto gen = make_generator(seed);
  return objective->estimate(p, q, model::Subsample::all(1), gen).value;
}

TEST(BernoulliLatentFeaturesSvi, GumbelSoftmaxRaisesTheElboOnDigits) {
  auto x = read_digits(100);
  ASSERT_EQ(x.size(0), 100) << "digits.csv not found under " << ELBO_SHARED_DATA_DIR;
  const int64_t K = 8, D = 64, N = 100;
  auto model = std::make_shared<models::BernoulliLatentFeatures>(x, K);
  auto p = std::make_shared<model::ModelDensity>(model);
  auto gauss = std::make_shared<family::MeanFieldGaussian>(K * D + D);
  auto bern = std::make_shared<family::BernoulliFamily>(N * K);
  {
    torch::NoGradGuard no_grad;
    gauss->log_scale.fill_(-2.0);
    gauss->loc.normal_(0.0, 0.1, make_generator(1));  // break the features' symmetry
  }
  auto q = std::make_shared<family::ProductFamily>(std::vector<family::FamilyPtr>{gauss, bern});
  const double start = elbo_estimate(*p, *q, 2);

  optim::OptimizerOptions adam;
  adam.method = "adam";
  adam.eta = 0.05;
  adam.schedule = "constant";
  SviOptions options;
  options.max_iterations = 800;
  options.eval_every = 800;
  options.tol_rel_obj = 1e-12;
  options.seed = 3;
  Svi svi(p, q, objective::make_score_objective("gumbel:0.5", 4), adam, options);
  svi.run();
  const double fitted = elbo_estimate(*p, *q, 2);
  // Reference: pixels independent with their empirical frequency (a model with
  // no features at its MLE) — the fit must beat the start by far and approach it.
  auto f = x.mean(0).clamp(1e-3, 1 - 1e-3);
  const double independent = (x * f.log() + (1 - x) * (1 - f).log()).sum().item<double>();
  std::printf("ELBO: start %.1f, after 800 steps %.1f; independent-pixel log-likelihood %.1f\n", start,
              fitted, independent);
  EXPECT_GT(fitted, start + 0.5 * (independent - start));  // more than half-way from start
  EXPECT_GT(fitted - start, 1000.0);                       // substantially (nats, 6400 pixels)
}

}  // namespace
}  // namespace elbo::infer
