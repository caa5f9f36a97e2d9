#include "targets.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/io/csv_reader.hpp"
#include "elbo/model/autograd_only.hpp"
#include "elbo/models/design_matrix.hpp"
#include "elbo/models/eight_schools.hpp"
#include "elbo/models/gaussian_target.hpp"
#include "elbo/models/logistic_regression.hpp"

namespace elbo::bench {

namespace {
constexpr double kHalfLog2Pi = 0.91893853320467274178;
const auto kD = torch::kDouble;
}  // namespace

std::shared_ptr<const model::Model> make_gaussian50() {
  const int64_t D = 50;
  auto i = torch::arange(1, D + 1, kD);
  auto s = torch::exp(torch::cos(i) / 2);
  auto lag = (i.unsqueeze(1) - i.unsqueeze(0)).abs();
  return std::make_shared<models::GaussianTarget>(torch::sin(i),
                                                  s.unsqueeze(1) * s.unsqueeze(0) * torch::pow(0.9, lag));
}


std::vector<model::Latent> Funnel::latents() const { return {{"v", {}}, {"x", {9}}}; }

at::Tensor Funnel::log_joint(const model::Draws& z, const model::Subsample&) const {
  const auto& v = z["v"];  // [K]
  const auto& x = z["x"];  // [K, 9]
  auto log_v = -v * v / 18.0;
  // log N(x_i | 0, e^{v/2}) summed: −Σ x_i² e^{−v}/2 − 9 v/2 (constants dropped).
  auto log_x = -0.5 * (x * x).sum(1) * torch::exp(-v) - 4.5 * v;
  return log_v + log_x;
}

std::vector<model::Latent> Banana::latents() const { return {{"x1", {}}, {"x2", {}}}; }

at::Tensor Banana::log_joint(const model::Draws& z, const model::Subsample&) const {
  const auto& x1 = z["x1"];
  auto r = z["x2"] - 0.03 * (x1 * x1 - 100.0);
  return -x1 * x1 / 200.0 - 0.5 * r * r;
}

std::vector<model::Latent> Bimodal::latents() const { return {{"x", {2}}}; }

at::Tensor Bimodal::log_joint(const model::Draws& z, const model::Subsample&) const {
  const auto& x = z["x"];
  auto a = -0.5 * (x + 3.0).square().sum(1);
  auto b = -0.5 * (x - 3.0).square().sum(1);
  return torch::logaddexp(a, b) - std::log(2.0) - 2 * kHalfLog2Pi;
}

std::vector<std::string> target_names() {
  return {"logreg", "eight_schools_centered", "eight_schools_noncentered", "gaussian50",
          "funnel", "banana", "bimodal"};
}

std::shared_ptr<const model::Model> make_target(const std::string& name, const std::string& repo_dir) {
  const std::string suffix = "_autograd";
  if (name.size() > suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
    return std::make_shared<model::AutogradOnly>(make_target(name.substr(0, name.size() - suffix.size()), repo_dir));
  }
  if (name == "logreg") {
    auto table = io::read_csv(repo_dir + "/data/breast_cancer.csv");
    auto design = models::design_matrix(table, models::DesignMatrixOptions().target("malignant_is_0"));
    return std::make_shared<models::LogisticRegression>(
        design.X, design.y,
        models::LogisticRegressionOptions().prior_alpha_scale(5.0).prior_beta_scale(1.0));
  }
  if (name == "eight_schools_centered") {
    return std::make_shared<models::EightSchools>(models::EightSchoolsOptions().non_centered(false));
  }
  if (name == "eight_schools_noncentered") {
    return std::make_shared<models::EightSchools>(models::EightSchoolsOptions().non_centered(true));
  }
  if (name == "gaussian50") return make_gaussian50();
  if (name == "funnel") return std::make_shared<Funnel>();
  if (name == "banana") return std::make_shared<Banana>();
  if (name == "bimodal") return std::make_shared<Bimodal>();
  throw ConfigError("accuracy_bench: unknown target '" + name +
                    "'; expected logreg, eight_schools_centered, eight_schools_noncentered, "
                    "gaussian50, funnel, banana or bimodal");
}

}  // namespace elbo::bench
