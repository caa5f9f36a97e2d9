// Stochastic VI for the HMM with conjugate::NaturalSvi: subchains of one long
// sequence with buffered edges (Foti et al. 2014) and minibatches of sequences both
// reach the batch (CAVI) optimum's ELBO within 0.1%; a batch of every block is the
// whole-sequence computation; buffers shrink the error of a block's statistics.
#include <gtest/gtest.h>

#include <cmath>

#include "elbo/conjugate/natural_svi.hpp"
#include "hmm_test_support.hpp"

using namespace elbo::hmm;
using namespace hmm_test;
namespace conj = elbo::conjugate;

namespace {

double cavi_optimum(BayesianHmm& model, uint64_t seed) {
  conj::Rng rng(seed);
  model.initialize(rng);
  return conj::cavi(model, conj::CaviOptions().max_iterations(500).tolerance(1e-10)).elbo_trace.back();
}

// Σ over blocks, each in a batch of its own, minus the whole-data statistics: the
// relative error of the transition counts.
double block_statistics_error(const RowMatrix& X, int64_t L, int64_t buffer) {
  auto whole = gaussian_model(X, {}, 3);
  conj::Rng rng(5);
  whole->initialize(rng);
  conj::cavi(*whole, conj::CaviOptions().max_iterations(30));
  auto blocks = gaussian_model(X, {}, 3, BayesianHmmOptions().subchain_length(L).buffer_length(buffer));
  blocks->set_global_parameters(whole->global_parameters());
  const Eigen::VectorXd full = whole->local_step_statistics(whole->all_points()).sufficient;
  Eigen::VectorXd summed = Eigen::VectorXd::Zero(full.size());
  for (int64_t u = 0; u < blocks->num_data(); ++u) summed += blocks->local_step_statistics({u}).sufficient;
  return (summed.segment(3, 9) - full.segment(3, 9)).norm() / full.segment(3, 9).norm();
}

}  // namespace

TEST(HmmSvi, SubchainsWithBuffersReachTheBatchOptimumWithinATenthOfAPercent) {
  const SimulatedChain data = simulate(three_state_gaussian(1.0), 60'000, 31);
  auto batch = gaussian_model(data.observations, {}, 3);
  const double optimum = cavi_optimum(*batch, 2);

  auto model = gaussian_model(data.observations, {}, 3, BayesianHmmOptions().subchain_length(100).buffer_length(10));
  ASSERT_EQ(model->num_data(), 600);
  conj::Rng rng(2);
  model->initialize(rng);
  conj::NaturalSvi svi(*model, conj::NaturalSviOptions().batch_size(20).tau0(1).kappa(0.6).max_steps(600).seed(7));
  svi.run();  // 600 steps of 2000 steps each: 20 passes over the chain
  const double reached = model->exact_elbo();
  EXPECT_LT(std::abs(reached - optimum), 1e-3 * std::abs(optimum))
      << "SVI ELBO " << reached << ", CAVI optimum " << optimum;
  RecordProperty("relative_gap", std::to_string((optimum - reached) / std::abs(optimum)));
}

TEST(HmmSvi, MinibatchesOfSequencesReachTheBatchOptimumWithinATenthOfAPercent) {
  const KnownHmm truth = three_state_gaussian(1.0);
  const SimulatedChain data = simulate(truth, 30'000, 41);
  std::vector<int64_t> starts;
  for (int64_t s = 0; s <= 300; ++s) starts.push_back(100 * s);
  auto batch = gaussian_model(data.observations, starts, 3);
  const double optimum = cavi_optimum(*batch, 3);
  auto model = gaussian_model(data.observations, starts, 3);
  ASSERT_EQ(model->num_data(), 300);
  conj::Rng rng(3);
  model->initialize(rng);
  conj::NaturalSvi svi(*model, conj::NaturalSviOptions().batch_size(30).tau0(1).kappa(0.6).max_steps(300).seed(9));
  svi.run();
  const double reached = svi.full_elbo();
  EXPECT_LT(std::abs(reached - optimum), 1e-3 * std::abs(optimum))
      << "SVI ELBO " << reached << ", CAVI optimum " << optimum;
}

TEST(HmmSvi, ABatchOfEveryBlockIsTheWholeSequenceComputation) {
  const SimulatedChain data = simulate(three_state_gaussian(), 5'000, 51);
  const std::vector<int64_t> starts{0, 1'234, 5'000};
  auto whole = gaussian_model(data.observations, starts, 3);
  auto blocks = gaussian_model(data.observations, starts, 3, BayesianHmmOptions().subchain_length(64).buffer_length(4));
  conj::Rng a(1), b(1);
  whole->initialize(a);
  blocks->initialize(b);
  ASSERT_EQ(whole->global_parameters(), blocks->global_parameters());
  EXPECT_EQ(blocks->num_data(), (1'234 + 63) / 64 + (3'766 + 63) / 64);
  const conj::BatchStatistics s1 = whole->local_step_statistics(whole->all_points());
  const conj::BatchStatistics s2 = blocks->local_step_statistics(blocks->all_points());
  EXPECT_LT((s1.sufficient - s2.sufficient).cwiseAbs().maxCoeff(), 1e-9 * s1.sufficient.cwiseAbs().maxCoeff());
  EXPECT_NEAR(whole->elbo(s1), blocks->elbo(s2), 1e-9 * std::abs(whole->elbo(s1)));
  EXPECT_NEAR(blocks->exact_elbo(), whole->exact_elbo(), 1e-9 * std::abs(whole->exact_elbo()));
}

TEST(HmmSvi, BuffersShrinkTheErrorOfBlockStatistics) {
  const SimulatedChain data = simulate(three_state_gaussian(1.2), 20'000, 61);
  const double none = block_statistics_error(data.observations, 50, 0);
  const double some = block_statistics_error(data.observations, 50, 20);
  EXPECT_LT(some, none);
  EXPECT_LT(some, 1e-3);
  RecordProperty("error_without_buffer", std::to_string(none));
  RecordProperty("error_with_buffer", std::to_string(some));
}

TEST(HmmSvi, FactorisedQRunsOverBlocksToo) {
  const SimulatedChain data = simulate(three_state_gaussian(1.0), 10'000, 71);
  auto batch = gaussian_model(data.observations, {}, 3, BayesianHmmOptions().local_factors(LocalFactors::mean_field));
  const double optimum = cavi_optimum(*batch, 2);
  auto model = gaussian_model(data.observations, {}, 3,
                              BayesianHmmOptions().local_factors(LocalFactors::mean_field).subchain_length(100));
  conj::Rng rng(2);
  model->initialize(rng);
  conj::NaturalSvi svi(*model, conj::NaturalSviOptions().batch_size(20).tau0(1).kappa(0.6).max_steps(300).seed(3));
  svi.run();
  EXPECT_LT(std::abs(model->exact_elbo() - optimum), 1e-2 * std::abs(optimum));
}
