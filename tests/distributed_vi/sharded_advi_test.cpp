// Gradient-based ADVI over ranks (distributed::ShardedLogDensity): N simulated
// ranks (ThreadCommunicator) against one process, same seed and global batch.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>
#include <mutex>
#include <vector>

#include "distributed/thread_communicator.hpp"
#include "elbo/core/random.hpp"
#include "elbo/distributed_vi/sharded_design.hpp"
#include "elbo/distributed_vi/sharded_log_density.hpp"
#include "elbo/infer/advi.hpp"
#include "elbo/io/csv_reader.hpp"
#include "elbo/model/model_density.hpp"
#include "elbo/models/design_matrix.hpp"
#include "elbo/models/logistic_regression.hpp"

namespace {

using elbo::distributed::Communicator;
using elbo::distributed::ShardedLogDensity;
using elbo::distributed::testing::first_cause;
using elbo::distributed::testing::run_ranks;

// 300 rows, 3 features on different scales, y ~ Bernoulli(sigmoid(0.5 + x·b)).
elbo::io::Table synthetic_table() {
  auto gen = elbo::make_generator(11);
  const int64_t N = 300;
  auto X = torch::randn({N, 3}, gen, torch::kDouble) * torch::tensor({1.0, 10.0, 0.1}, torch::kDouble) +
           torch::tensor({2.0, -30.0, 0.5}, torch::kDouble);
  auto eta = 0.5 + torch::matmul((X - torch::tensor({2.0, -30.0, 0.5}, torch::kDouble)) /
                                     torch::tensor({1.0, 10.0, 0.1}, torch::kDouble),
                                 torch::tensor({1.0, -0.7, 0.3}, torch::kDouble));
  auto y = torch::bernoulli(torch::sigmoid(eta), gen);
  elbo::io::Table t;
  t.source = "<synthetic>";
  t.columns = {"a", "b", "c", "y"};
  t.rows = N;
  auto all = torch::cat({X, y.unsqueeze(1)}, 1).contiguous();
  t.values.assign(all.data_ptr<double>(), all.data_ptr<double>() + all.numel());
  return t;
}

// Rows [first, last) of a table.
elbo::io::Table rows_of(const elbo::io::Table& t, int64_t first, int64_t last) {
  elbo::io::Table out = t;
  out.rows = last - first;
  out.values.assign(t.values.begin() + first * t.cols(), t.values.begin() + last * t.cols());
  return out;
}

int64_t first_row(int64_t N, int rank, int size) { return N * rank / size; }

std::shared_ptr<const elbo::model::ConstrainedDensity> density_of(const elbo::models::DesignMatrix& d) {
  return std::make_shared<elbo::model::ModelDensity>(
      std::make_shared<elbo::models::LogisticRegression>(d.X, d.y));
}

// The rank's sharded density (standardised with the global moments).
std::shared_ptr<ShardedLogDensity> sharded(const elbo::io::Table& table, Communicator& comm) {
  const int64_t N = table.rows;
  const int64_t a = first_row(N, comm.rank(), comm.size()), b = first_row(N, comm.rank() + 1, comm.size());
  auto design = elbo::distributed::sharded_design_matrix(rows_of(table, a, b), {}, comm);
  return std::make_shared<ShardedLogDensity>(density_of(design), a, N, comm);
}

double max_rel(const at::Tensor& a, const at::Tensor& b) {
  return ((a - b).abs() / torch::clamp_min(torch::maximum(a.abs(), b.abs()), 1.0)).max().item<double>();
}

void expect_no_errors(const std::vector<std::exception_ptr>& errors) {
  if (auto e = first_cause(errors)) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      FAIL() << ex.what();
    }
  }
}

TEST(ShardedDesign, EqualsTheRowsOfTheSingleProcessDesign) {
  const auto table = synthetic_table();
  const auto single = elbo::models::design_matrix(table);
  std::vector<at::Tensor> X(3), means(3), sds(3);
  expect_no_errors(run_ranks(3, [&](Communicator& comm) {
    const int64_t a = first_row(table.rows, comm.rank(), 3), b = first_row(table.rows, comm.rank() + 1, 3);
    auto d = elbo::distributed::sharded_design_matrix(rows_of(table, a, b), {}, comm);
    X[comm.rank()] = d.X;
    means[comm.rank()] = d.means;
    sds[comm.rank()] = d.sds;
  }));
  EXPECT_LT(max_rel(torch::cat(X, 0), single.X), 1e-12);
  for (int r = 0; r < 3; ++r) {
    EXPECT_LT(max_rel(means[r], single.means), 1e-13);
    EXPECT_LT(max_rel(sds[r], single.sds), 1e-13);
    EXPECT_TRUE(torch::equal(means[r], means[0]));  // identical on every rank
  }
}

// log p and its autograd gradient through the custom function, for the full data
// and for a minibatch of global indices (some ranks hold none of a tiny one).
TEST(ShardedLogDensity, ValueAndGradientEqualTheSingleProcessOnes) {
  const auto table = synthetic_table();
  auto single = density_of(elbo::models::design_matrix(table));
  const int64_t N = table.rows;
  auto gen = elbo::make_generator(3);
  const auto theta0 = torch::randn({5, 4}, gen, torch::kDouble) * 0.5;
  const auto weights = torch::rand({5}, gen, torch::kDouble);
  std::vector<elbo::model::Subsample> batches{
      elbo::model::Subsample::all(N), elbo::model::Subsample::of(torch::randperm(N, gen).narrow(0, 0, 40), N),
      elbo::model::Subsample::of(torch::tensor({7}, torch::kLong), N),
      elbo::model::Subsample::all(N).tempered(0.3)};
  for (const auto& batch : batches) {
    auto x = theta0.clone().requires_grad_(true);
    auto ref = single->log_prob(x, batch);
    (ref * weights).sum().backward();
    const at::Tensor ref_grad = x.grad().clone();
    const auto ref_lg = single->log_prob_and_gradient(theta0, batch);
    for (int ranks : {1, 2, 3}) {
      std::mutex m;
      std::vector<at::Tensor> values(ranks), grads(ranks), lg_values(ranks), lg_grads(ranks);
      expect_no_errors(run_ranks(ranks, [&](Communicator& comm) {
        auto p = sharded(table, comm);
        auto xr = theta0.clone().requires_grad_(true);
        auto v = p->log_prob(xr, batch);
        (v * weights).sum().backward();
        auto lg = p->log_prob_and_gradient(theta0, batch);
        std::lock_guard<std::mutex> lock(m);
        values[comm.rank()] = v.detach();
        grads[comm.rank()] = xr.grad().clone();
        lg_values[comm.rank()] = lg.log_p;
        lg_grads[comm.rank()] = lg.gradient;
      }));
      for (int r = 0; r < ranks; ++r) {
        EXPECT_LT(max_rel(values[r], ref.detach()), 1e-10) << ranks << " ranks";
        EXPECT_LT(max_rel(grads[r], ref_grad), 1e-10) << ranks << " ranks";
        EXPECT_LT(max_rel(lg_values[r], ref_lg.log_p), 1e-10) << ranks << " ranks";
        EXPECT_LT(max_rel(lg_grads[r], ref_lg.gradient), 1e-10) << ranks << " ranks";
        EXPECT_TRUE(torch::equal(grads[r], grads[0]));  // bit-identical on every rank
      }
    }
  }
}

TEST(ShardedLogDensity, HessianEqualsTheSingleProcessOne) {
  const auto table = synthetic_table();
  auto single = density_of(elbo::models::design_matrix(table));
  const auto theta = torch::tensor({0.3, 0.8, -0.5, 0.2}, torch::kDouble);
  const auto ref = single->hessian(theta);
  std::vector<at::Tensor> H(2);
  expect_no_errors(run_ranks(2, [&](Communicator& comm) { H[comm.rank()] = sharded(table, comm)->hessian(theta); }));
  EXPECT_LT(max_rel(H[0], ref), 1e-10);
  EXPECT_TRUE(torch::equal(H[0], H[1]));
}

// ADVI (Laplace start, whitening, Adam, evaluations, averaging) on 2 and 3 ranks ends
// at the 1-process fit's λ: full batch and a minibatch of 64.
void expect_same_fit(int64_t batch_size, const std::string& family, const std::string& objective = "elbo") {
  torch::set_num_threads(1);
  const auto table = synthetic_table();
  elbo::infer::AdviOptions options;
  options.family = family;
  options.objective = objective;
  options.svi.max_iterations = 1000;
  options.svi.eval_every = 100;
  options.svi.tol_rel_obj = 1e-12;  // no early stop: every one of the 1000 steps is compared
  options.svi.batch_size = batch_size;
  options.svi.seed = 5;
  auto reference = elbo::infer::advi(density_of(elbo::models::design_matrix(table)), options);
  const auto ref_params = reference.q->canonical_parameters();
  ASSERT_EQ(reference.svi.iterations, 1000);
  for (int ranks : {1, 2, 3}) {
    std::vector<std::vector<at::Tensor>> params(ranks);
    std::vector<at::Tensor> means(ranks), covariances(ranks);
    std::vector<int64_t> iterations(ranks);
    expect_no_errors(run_ranks(ranks, [&](Communicator& comm) {
      auto fit = elbo::infer::advi(std::shared_ptr<const elbo::model::ConstrainedDensity>(sharded(table, comm)),
                                   options);
      params[comm.rank()] = fit.q->canonical_parameters();
      means[comm.rank()] = fit.q->mean();
      covariances[comm.rank()] = fit.q->covariance();
      iterations[comm.rank()] = fit.svi.iterations;
    }));
    double worst = 0;
    for (int r = 0; r < ranks; ++r) {
      EXPECT_EQ(iterations[r], reference.svi.iterations);
      EXPECT_LT(max_rel(means[r], reference.q->mean()), 1e-8);
      EXPECT_LT(max_rel(covariances[r], reference.q->covariance()), 1e-8);
      ASSERT_EQ(params[r].size(), ref_params.size());
      for (size_t i = 0; i < ref_params.size(); ++i) {
        worst = std::max(worst, max_rel(params[r][i], ref_params[i]));
        EXPECT_LT(max_rel(params[r][i], ref_params[i]), 1e-8)
            << ranks << " ranks, batch " << batch_size << ", parameter " << i;
        EXPECT_TRUE(torch::equal(params[r][i], params[0][i]));  // the ranks agree exactly
      }
    }
    std::printf("%d rank(s), batch %lld, %s, %s: largest relative difference of lambda from 1 process %.3g\n",
                ranks, static_cast<long long>(batch_size), family.c_str(), objective.c_str(), worst);
  }
  // and the fit is the posterior's: the intercept and the first (standardised)
  // coefficient near the generating 0.5 and 1.0
  const auto mean = reference.q->mean();
  EXPECT_NEAR(mean[0].item<double>(), 0.5, 0.4);
  EXPECT_NEAR(mean[1].item<double>(), 1.0, 0.4);
}

TEST(ShardedAdvi, TwoRanksEqualOneProcessFullBatch) { expect_same_fit(0, "fullrank"); }
TEST(ShardedAdvi, TwoRanksEqualOneProcessMinibatch) { expect_same_fit(64, "meanfield"); }
// The average over ranks is the one-process log p itself, so any bound is exact.
TEST(ShardedAdvi, TwoRanksEqualOneProcessRenyi) { expect_same_fit(100, "fullrank", "renyi:0.5"); }
TEST(ShardedAdvi, TwoRanksEqualOneProcessIwae) { expect_same_fit(0, "meanfield", "iwae:4"); }

}  // namespace
