// The data-parallel drivers (distributed_svi.hpp, sharded_gmm.hpp) on thread
// "ranks": N ranks take the same steps as one (λ to 1e-10), one step is the
// closed-form update of Hoffman et al. (2013) on the global minibatch, CAVI over
// shards is the whole-data CAVI, a checkpoint resumed with another number of ranks
// continues the uninterrupted run, and the GMM's priors and k-means start from
// shards are those of all the rows.
#include <gtest/gtest.h>

#include <Eigen/Dense>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>

#include <unistd.h>

#include "elbo/conjugate/bayes_gmm.hpp"
#include "elbo/conjugate/cavi.hpp"
#include "elbo/conjugate/lda.hpp"
#include "elbo/core/error.hpp"
#include "elbo/distributed/distributed_svi.hpp"
#include "elbo/distributed/minibatch.hpp"
#include "elbo/distributed/sharded_gmm.hpp"
#include "elbo/io/ldac_reader.hpp"
#include "thread_communicator.hpp"

namespace elbo::distributed {
namespace {

namespace conj = elbo::conjugate;
using testing::run_ranks_or_throw;

// 120 documents from 3 topics over 30 words, one LDA-C line each.
std::vector<std::string> lda_lines() {
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<std::string> lines;
  for (int d = 0; d < 120; ++d) {
    const int a = d % 3, b = (a + 1) % 3;
    const double mix = u(rng);
    std::vector<int> counts(30, 0);
    for (int i = 0; i < 25 + d % 20; ++i) {
      const int t = u(rng) < mix ? a : b;
      const int w = u(rng) < 0.9 ? 10 * t + static_cast<int>(u(rng) * 10) : static_cast<int>(u(rng) * 30);
      ++counts[static_cast<size_t>(w)];
    }
    std::string pairs;
    int n = 0;
    for (int w = 0; w < 30; ++w)
      if (counts[static_cast<size_t>(w)] > 0) {
        pairs += " " + std::to_string(w) + ":" + std::to_string(counts[static_cast<size_t>(w)]);
        ++n;
      }
    lines.push_back(std::to_string(n) + pairs + "\n");
  }
  return lines;
}

// Rank r's contiguous block of the documents, of n ranks (uneven on purpose).
io::Corpus lda_shard(const std::vector<std::string>& lines, int r, int n) {
  const size_t M = lines.size();
  const size_t begin = M * static_cast<size_t>(r) * static_cast<size_t>(r) / (static_cast<size_t>(n) * n);
  const size_t end = M * static_cast<size_t>(r + 1) * static_cast<size_t>(r + 1) / (static_cast<size_t>(n) * n);
  std::string text;
  for (size_t i = begin; i < end; ++i) text += lines[i];
  return io::parse_ldac(text, "shard", 30);
}

// Cold E-steps (γ = 1): a warm start reads each rank's stored γ, drawn per shard.
conj::LdaOptions lda_options() {
  return conj::LdaOptions().num_topics(3).threads(1).local_init(conj::LdaLocalInit::cold);
}

double max_relative_difference(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0;
  for (Eigen::Index i = 0; i < a.size(); ++i)
    m = std::max(m, std::abs(a(i) - b(i)) / std::max({1.0, std::abs(a(i)), std::abs(b(i))}));
  return m;
}

// λ after `steps` distributed SVI steps on n thread ranks (rank 0's; every rank's must agree).
Eigen::VectorXd lda_svi(int n, int64_t steps, const std::string& checkpoint = "", int64_t resume_ranks = 0) {
  const auto lines = lda_lines();
  std::vector<Eigen::VectorXd> lambda(static_cast<size_t>(n));
  run_ranks_or_throw(n, [&](Communicator& comm) {
    conj::Lda model(lda_shard(lines, comm.rank(), n), lda_options());
    conj::Rng rng(3);
    model.initialize(rng);
    const ShardLayout layout = shard_layout(model.num_data(), comm);
    DistributedNaturalSvi svi(model, layout, comm,
                              DistributedSviOptions()
                                  .batch_size(16)
                                  .tau0(1)
                                  .kappa(0.6)
                                  .max_steps(steps)
                                  .seed(11)
                                  .statistics_size(model.global_parameters().size())
                                  .checkpoint(checkpoint));
    if (resume_ranks > 0) svi.resume(checkpoint);
    svi.run();
    EXPECT_EQ(svi.steps_taken(), steps);
    lambda[static_cast<size_t>(comm.rank())] = model.global_parameters();
  });
  for (int r = 1; r < n; ++r) EXPECT_EQ(lambda[static_cast<size_t>(r)], lambda[0]) << "rank " << r;
  return lambda[0];
}

TEST(DistributedSvi, OneStepIsTheClosedFormUpdateOnTheGlobalMinibatch) {
  const auto lines = lda_lines();
  std::string all;
  for (const auto& l : lines) all += l;
  conj::Lda model(io::parse_ldac(all, "all", 30), lda_options());
  conj::Rng rng(3);
  model.initialize(rng);
  const Eigen::VectorXd lambda0 = model.global_parameters();
  // by hand: λ1 = (1 − ρ1) λ0 + ρ1 (η + (M/S) s_B), ρ1 = (1 + τ0)^−κ, B = global_minibatch(M, S, seed, 0)
  const conj::BatchStatistics s = model.local_step_statistics(global_minibatch(120, 16, 11, 0));
  const double rho = std::pow(1.0 + 1.0, -0.6);
  const Eigen::VectorXd expected = (1 - rho) * lambda0 + rho * model.global_step(s, 120.0 / 16.0);
  model.set_global_parameters(lambda0);
  EXPECT_LT(max_relative_difference(lda_svi(1, 1), expected), 1e-13);
  EXPECT_GT(max_relative_difference(expected, lambda0), 1e-2);  // the step moved λ
}

TEST(DistributedSvi, NRanksTakeTheStepsOfOne) {
  const Eigen::VectorXd one = lda_svi(1, 30);
  for (int n : {2, 3, 4}) {
    const double d = max_relative_difference(lda_svi(n, 30), one);
    EXPECT_LT(d, 1e-10) << n << " ranks";
  }
}

TEST(DistributedSvi, ResumeWithAnotherRankCountContinuesTheRun) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("elbo_dsvi_ckpt_" + std::to_string(::getpid()) + ".json")).string();
  const Eigen::VectorXd uninterrupted = lda_svi(2, 25);
  lda_svi(2, 12, path);                              // "killed" after 12 steps
  const Eigen::VectorXd resumed = lda_svi(3, 25, path, 3);  // resumed on 3 ranks
  EXPECT_LT(max_relative_difference(resumed, uninterrupted), 1e-10);
  EXPECT_GT(max_relative_difference(lda_svi(2, 12), uninterrupted), 1e-3);  // 12 steps ≠ 25
  std::filesystem::remove(path);
}

TEST(DistributedSvi, ResumeRejectsACheckpointOfAnotherSeed) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("elbo_dsvi_seed_" + std::to_string(::getpid()) + ".json")).string();
  lda_svi(1, 3, path);
  const auto lines = lda_lines();
  conj::Lda model(lda_shard(lines, 0, 1), lda_options());
  conj::Rng rng(3);
  model.initialize(rng);
  SingleProcessCommunicator comm;
  DistributedNaturalSvi svi(model, shard_layout(model.num_data(), comm), comm,
                            DistributedSviOptions().batch_size(16).seed(12).statistics_size(
                                model.global_parameters().size()));
  EXPECT_THROW(svi.resume(path), InputError);
  EXPECT_THROW(svi.resume(path + ".missing"), InputError);
  std::filesystem::remove(path);
}

TEST(DistributedSvi, OptionsAreValidated) {
  EXPECT_THROW(DistributedSviOptions().statistics_size(0).validate(), ConfigError);
  EXPECT_THROW(DistributedSviOptions().statistics_size(4).kappa(0.5).validate(), ConfigError);
  EXPECT_THROW(DistributedSviOptions().statistics_size(4).batch_size(0).validate(), ConfigError);
  EXPECT_THROW(DistributedSviOptions().statistics_size(4).checkpoint_every(2).validate(), ConfigError);
  EXPECT_NO_THROW(DistributedSviOptions().statistics_size(4).validate());
}

TEST(DistributedSvi, AllreduceStatisticsPadsAnEmptyShard) {
  std::vector<conj::BatchStatistics> out(3);
  run_ranks_or_throw(3, [&](Communicator& comm) {
    conj::BatchStatistics local;
    if (comm.rank() != 1) {  // rank 1 holds none of the batch
      local.sufficient = Eigen::VectorXd::Constant(4, comm.rank() + 1.0);
      local.local_bound = 0.5 * comm.rank();
      local.size = 2 + comm.rank();
    }
    out[static_cast<size_t>(comm.rank())] = allreduce_statistics(local, 4, comm);
  });
  for (const auto& s : out) {
    EXPECT_EQ(s.sufficient, Eigen::VectorXd::Constant(4, 1.0 + 3.0));
    EXPECT_DOUBLE_EQ(s.local_bound, 1.0);
    EXPECT_EQ(s.size, 2 + 4);
  }
}

TEST(DistributedCavi, ShardsGiveTheWholeDataCavi) {
  const auto lines = lda_lines();
  std::string all;
  for (const auto& l : lines) all += l;
  conj::Lda whole(io::parse_ldac(all, "all", 30), lda_options());
  conj::Rng rng(3);
  whole.initialize(rng);
  const auto reference = conj::cavi(whole, conj::CaviOptions().max_iterations(6).tolerance(0));
  std::vector<double> trace;
  Eigen::VectorXd lambda;
  run_ranks_or_throw(2, [&](Communicator& comm) {
    conj::Lda model(lda_shard(lines, comm.rank(), 2), lda_options());
    conj::Rng r(3);
    model.initialize(r);
    const auto result = distributed_cavi(model, model.global_parameters().size(), comm,
                                         conj::CaviOptions().max_iterations(6).tolerance(0));
    if (comm.is_root()) {
      trace = result.elbo_trace;
      lambda = model.global_parameters();
    }
  });
  ASSERT_EQ(trace.size(), reference.elbo_trace.size());
  for (size_t i = 0; i < trace.size(); ++i) EXPECT_NEAR(trace[i], reference.elbo_trace[i], 1e-9 * std::abs(trace[i]));
  EXPECT_LT(max_relative_difference(lambda, whole.global_parameters()), 1e-10);
  EXPECT_GT(reference.elbo_trace.back(), reference.elbo_trace.front());  // CAVI climbed
}

// 3 clusters in 2-D, 90 rows; rank r of n gets rows [90 r / n, 90 (r + 1) / n).
Eigen::MatrixXd gmm_rows() {
  std::mt19937 rng(8);
  std::normal_distribution<double> z(0, 1);
  Eigen::MatrixXd X(90, 2);
  for (int i = 0; i < 90; ++i) {
    const int k = i % 3;
    X(i, 0) = 5.0 * k + 0.6 * z(rng);
    X(i, 1) = (k == 1 ? 4.0 : -1.0) + 0.4 * z(rng);
  }
  return X;
}
Eigen::MatrixXd gmm_block(const Eigen::MatrixXd& X, int r, int n) {
  const Eigen::Index b = X.rows() * r / n, e = X.rows() * (r + 1) / n;
  return X.middleRows(b, e - b);
}

TEST(ShardedGmm, GlobalMomentsAreThoseOfAllRows) {
  const Eigen::MatrixXd X = gmm_rows();
  const Eigen::VectorXd mean = X.colwise().mean().transpose();
  const Eigen::MatrixXd c = X.rowwise() - mean.transpose();
  const Eigen::MatrixXd cov = c.transpose() * c / 89.0;
  run_ranks_or_throw(3, [&](Communicator& comm) {
    const GlobalMoments m = global_moments(gmm_block(X, comm.rank(), 3), comm);
    EXPECT_LT((m.mean - mean).cwiseAbs().maxCoeff(), 1e-12);
    EXPECT_LT((m.covariance - cov).cwiseAbs().maxCoeff(), 1e-12);
  });
}

// GMM λ after k-means and `steps` distributed SVI steps on n ranks.
Eigen::VectorXd gmm_svi(int n, int64_t steps) {
  const Eigen::MatrixXd X = gmm_rows();
  Eigen::VectorXd lambda;
  run_ranks_or_throw(n, [&](Communicator& comm) {
    const Eigen::MatrixXd mine = gmm_block(X, comm.rank(), n);
    const ShardLayout layout = shard_layout(mine.rows(), comm);
    const GlobalMoments m = global_moments(mine, comm);
    conj::BayesGmm model(mine, conj::BayesGmmOptions().num_components(3).mean_prior(m.mean).covariance_prior(
                                   m.covariance).threads(1));
    model.set_global_parameters(model.global_step(kmeans_statistics(mine, layout, 3, 20, 4, m.mean, comm), 1.0));
    DistributedNaturalSvi svi(model, layout, comm,
                              DistributedSviOptions().batch_size(20).max_steps(steps).seed(2).statistics_size(
                                  gmm_statistics_size(3, 2)));
    svi.run();
    if (comm.is_root()) lambda = model.global_parameters();
  });
  return lambda;
}

TEST(ShardedGmm, NRanksTakeTheStepsOfOne) {
  const Eigen::VectorXd one = gmm_svi(1, 25);
  EXPECT_LT(max_relative_difference(gmm_svi(3, 25), one), 1e-10);
  EXPECT_GT(max_relative_difference(gmm_svi(3, 2), one), 1e-4);  // the steps changed λ
}

TEST(ShardedGmm, KmeansStartMatchesWholeDataDefaultPriors) {
  // One rank with explicit global moments = BayesGmm's own defaults (data mean,
  // ddof-1 covariance): the same λ from the same hard assignments.
  const Eigen::MatrixXd X = gmm_rows();
  SingleProcessCommunicator comm;
  const GlobalMoments m = global_moments(X, comm);
  conj::BayesGmm explicit_priors(X, conj::BayesGmmOptions().num_components(3).mean_prior(m.mean).covariance_prior(
                                        m.covariance).threads(1));
  conj::BayesGmm defaults(X, conj::BayesGmmOptions().num_components(3).threads(1));
  const conj::BatchStatistics s = kmeans_statistics(X, shard_layout(90, comm), 3, 20, 4, m.mean, comm);
  EXPECT_EQ(s.size, 90);
  EXPECT_DOUBLE_EQ(s.sufficient.head(3).sum(), 90.0);
  EXPECT_LT(max_relative_difference(explicit_priors.global_step(s, 1.0), defaults.global_step(s, 1.0)), 1e-12);
  // the three clusters are found: each component holds 30 rows
  for (int k = 0; k < 3; ++k) EXPECT_DOUBLE_EQ(s.sufficient(k), 30.0);
}

}  // namespace
}  // namespace elbo::distributed
