// A Stan program compiled by elbo is the same density as elbo's built-in
// model of the same maths (log-density differences and gradients to 1e-8, the
// same fit under the same seed), its gradients agree with finite differences,
// and its draws carry Stan's names, transforms and generated quantities.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/infer/advi.hpp"
#include "elbo/model/model_density.hpp"
#include "elbo/models/eight_schools.hpp"
#include "elbo/models/logistic_regression.hpp"
#include "stan_test_util.hpp"

namespace elbo::stan {
namespace {

using test::load;
using test::program_path;

const char* kEightSchoolsData =
    R"({"J": 8, "y": [28, 8, -3, 7, -1, 1, 18, 12], "sigma": [15, 10, 16, 11, 9, 11, 10, 18]})";

struct LogisticCase {
  at::Tensor X, y;
  std::string json;
};

LogisticCase logistic_case(int64_t N = 40, int64_t D = 3) {
  auto gen = at::make_generator<at::CPUGeneratorImpl>(7);
  LogisticCase c;
  c.X = torch::randn({N, D}, gen, torch::kDouble);
  auto eta = 0.3 + c.X.matmul(torch::tensor({1.0, -0.5, 0.25}, torch::kDouble).narrow(0, 0, D));
  c.y = (torch::rand({N}, gen, torch::kDouble) < torch::sigmoid(eta)).to(torch::kDouble);
  std::string X = "[", y = "[";
  for (int64_t i = 0; i < N; ++i) {
    X += (i ? ",[" : "[");
    for (int64_t d = 0; d < D; ++d) X += (d ? "," : "") + std::to_string(c.X[i][d].item<double>());
    X += "]";
    y += (i ? "," : "") + std::to_string(static_cast<int>(c.y[i].item<double>()));
  }
  c.json = "{\"N\": " + std::to_string(N) + ", \"D\": " + std::to_string(D) + ", \"X\": " + X +
           "], \"y\": " + y + "]}";
  // The JSON text rounds X to 6 decimals; the built-in model must see the same numbers.
  c.X = torch::round(c.X * 1e6) / 1e6;
  return c;
}

// Same differences of log p between points, same gradients.
void expect_same_density(const model::LogDensity& stan, const model::LogDensity& builtin,
                         const at::Tensor& theta, double tol) {
  auto a = stan.log_prob_and_gradient(theta, stan.all_data());
  auto b = builtin.log_prob_and_gradient(theta, builtin.all_data());
  auto da = a.log_p - a.log_p[0];
  auto db = b.log_p - b.log_p[0];
  for (int64_t k = 0; k < theta.size(0); ++k) {
    EXPECT_NEAR(da[k].item<double>(), db[k].item<double>(), tol) << "point " << k;
  }
  EXPECT_LT((a.gradient - b.gradient).abs().max().item<double>(), tol);
}

TEST(StanDensity, LogisticRegressionIsTheBuiltInDensity) {
  auto c = logistic_case();
  auto stan = load(program_path("logistic_builtin.stan"), c.json, "logistic.json");
  model::ModelDensity builtin(std::make_shared<models::LogisticRegression>(c.X, c.y));
  ASSERT_EQ(stan->dim(), builtin.dim());
  auto gen = at::make_generator<at::CPUGeneratorImpl>(3);
  auto theta = torch::randn({6, stan->dim()}, gen, torch::kDouble);
  expect_same_density(*stan, builtin, theta, 1e-8);
  EXPECT_EQ(stan->output_names(), builtin.output_names());
}

TEST(StanDensity, EightSchoolsIsTheBuiltInDensity) {
  auto stan = load(program_path("eight_schools_builtin.stan"), kEightSchoolsData);
  model::ModelDensity builtin(std::make_shared<models::EightSchools>());
  ASSERT_EQ(stan->dim(), 10);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(4);
  auto theta = torch::randn({6, 10}, gen, torch::kDouble);
  expect_same_density(*stan, builtin, theta, 1e-8);
}

TEST(StanDensity, AutogradThroughTheProgramIsItsGradient) {
  auto stan = load(program_path("eight_schools_builtin.stan"), kEightSchoolsData);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(5);
  auto theta = torch::randn({4, 10}, gen, torch::kDouble).requires_grad_(true);
  auto log_p = stan->log_prob(theta);
  (2.0 * log_p).sum().backward();
  auto direct = stan->log_prob_and_gradient(theta.detach(), stan->all_data());
  EXPECT_LT((theta.grad() - 2.0 * direct.gradient).abs().max().item<double>(), 1e-12);
  EXPECT_LT((log_p.detach() - direct.log_p).abs().max().item<double>(), 1e-12);
}

TEST(StanDensity, HessianMatchesAutogradOfTheBuiltInModel) {
  auto c = logistic_case();
  auto stan = load(program_path("logistic_builtin.stan"), c.json, "logistic.json");
  model::ModelDensity builtin(std::make_shared<models::LogisticRegression>(c.X, c.y));
  auto theta = torch::tensor({0.2, -0.4, 0.7, 0.1}, torch::kDouble);
  auto H_stan = stan->hessian(theta);
  auto H_builtin = builtin.hessian(theta);
  EXPECT_LT((H_stan - H_builtin).abs().max().item<double>(), 1e-7 * H_builtin.abs().max().item<double>());
}

TEST(StanDensity, SameFitAsTheBuiltInModelUnderTheSameSeed) {
  auto c = logistic_case();
  auto stan = load(program_path("logistic_builtin.stan"), c.json, "logistic.json");
  auto builtin = std::make_shared<model::ModelDensity>(std::make_shared<models::LogisticRegression>(c.X, c.y));
  infer::AdviOptions o;
  o.family = "meanfield";
  o.grad_draws = 8;
  o.init = "zero";
  o.svi.max_iterations = 1500;
  o.svi.seed = 11;
  auto a = infer::advi(stan, o);
  auto b = infer::advi(builtin, o);
  EXPECT_EQ(a.svi.iterations, b.svi.iterations);
  EXPECT_LT((a.q->mean() - b.q->mean()).abs().max().item<double>(), 1e-6);
  EXPECT_LT((a.q->covariance().diagonal() - b.q->covariance().diagonal()).abs().max().item<double>(), 1e-6);
}

TEST(StanDensity, DrawsCarryStanNamesTransformsAndGeneratedQuantities) {
  auto stan = load(program_path("eight_schools_builtin.stan"), kEightSchoolsData);
  std::vector<std::string> expected{"mu", "tau"};
  for (int j = 1; j <= 8; ++j) expected.push_back("theta." + std::to_string(j));
  EXPECT_EQ(stan->parameter_names(), expected);
  expected.push_back("y_rep");
  EXPECT_EQ(stan->output_names(), expected);
  auto theta = torch::zeros({3, 10}, torch::kDouble);
  theta.select(1, 1).copy_(torch::tensor({-1.0, 0.0, 2.0}, torch::kDouble));
  auto values = stan->output_values(theta, 42);
  ASSERT_EQ(values.sizes(), (std::vector<int64_t>{3, 11}));
  for (int k = 0; k < 3; ++k) {
    EXPECT_NEAR(values[k][1].item<double>(), std::exp(theta[k][1].item<double>()), 1e-12);
  }
  // y_rep ~ N(theta[1], sigma[1] = 15): random, reproducible from the seed, per point.
  EXPECT_TRUE(torch::equal(values, stan->output_values(theta, 42)));
  EXPECT_FALSE(torch::equal(values.select(1, 10), stan->output_values(theta, 43).select(1, 10)));
  EXPECT_EQ(values[0][10].item<double>(), stan->output_values(theta.narrow(0, 0, 1), 42)[0][10].item<double>());
}

TEST(StanDensity, InitValuesMapThroughTheProgramsTransforms) {
  auto stan = load(program_path("eight_schools_builtin.stan"), kEightSchoolsData);
  StanData inits(io::parse_json_data(
      R"({"mu": 1.5, "tau": 2.0, "theta": [1, 2, 3, 4, 5, 6, 7, 8]})", "inits.json"));
  auto theta = stan->unconstrain(inits);
  EXPECT_NEAR(theta[0].item<double>(), 1.5, 1e-12);
  EXPECT_NEAR(theta[1].item<double>(), std::log(2.0), 1e-12);
  EXPECT_NEAR(theta[9].item<double>(), 8.0, 1e-12);
  StanData bad(io::parse_json_data(R"({"mu": 1.5, "tau": -2.0, "theta": [1, 2, 3, 4, 5, 6, 7, 8]})",
                                   "bad_inits.json"));
  EXPECT_THROW(stan->unconstrain(bad), InputError);
}

TEST(StanDensity, ThreadsGiveTheSameValues) {
  auto c = logistic_case(200, 3);
  auto stan = load(program_path("logistic_builtin.stan"), c.json, "logistic200.json");
  auto gen = at::make_generator<at::CPUGeneratorImpl>(9);
  auto theta = torch::randn({400, 4}, gen, torch::kDouble);
  const int threads = at::get_num_threads();
  at::set_num_threads(1);
  auto serial = stan->log_prob_and_gradient(theta, stan->all_data());
  at::set_num_threads(2);
  for (int i = 0; i < 3; ++i) {  // the first call measures, later ones may thread
    auto parallel = stan->log_prob_and_gradient(theta, stan->all_data());
    EXPECT_TRUE(torch::equal(serial.log_p, parallel.log_p));
    EXPECT_TRUE(torch::equal(serial.gradient, parallel.gradient));
  }
  at::set_num_threads(threads);
}

TEST(StanDensity, RejectedPointsHaveMinusInfinityNotAnError) {
  auto stan = load(test::write_temp("reject.stan",
                                    "parameters { real x; }\n"
                                    "model { if (x > 1) reject(\"x is \", x); x ~ normal(0, 1); }\n"),
                   "");
  auto theta = torch::tensor({{0.5}, {2.0}}, torch::kDouble);
  auto r = stan->log_prob_and_gradient(theta, stan->all_data());
  EXPECT_NEAR(r.log_p[0].item<double>(), -0.125, 1e-12);
  EXPECT_NEAR(r.gradient[0][0].item<double>(), -0.5, 1e-12);
  EXPECT_EQ(r.log_p[1].item<double>(), -std::numeric_limits<double>::infinity());
}

}  // namespace
}  // namespace elbo::stan
