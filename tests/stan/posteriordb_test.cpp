// Every posteriordb program in ../shared/posteriordb compiles (through the
// syntax upgrade and stanc2), loads its data, evaluates at a point, and writes
// every parameter of its reference posterior under the reference's name; on
// each, Stan's gradient agrees with central finite differences of log p.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>

#include "stan_test_util.hpp"

namespace elbo::stan {
namespace {

std::vector<std::string> posterior_names() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(test::posteriordb_dir(), ec)) {
    const auto p = e.path();
    if (p.extension() == ".stan") out.push_back(p.stem().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// "beta[2,1]" → "beta.2.1", as elbo's draws name it.
std::string dotted(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (c == '[' || c == ',') out += '.';
    else if (c != ']' && c != ' ') out += c;
  }
  return out;
}

std::vector<std::string> reference_parameters(const std::string& name) {
  std::ifstream in(test::posteriordb_dir() + "/" + name + ".reference.csv");
  std::string line;
  std::getline(in, line);  // header
  std::vector<std::string> out;
  while (std::getline(in, line)) {
    // Names may hold commas inside brackets: the name ends at the first comma after ']'.
    size_t end = line.find(']') != std::string::npos ? line.find(',', line.find(']')) : line.find(',');
    out.push_back(dotted(line.substr(0, end)));
  }
  return out;
}

class Posteriordb : public ::testing::TestWithParam<std::string> {};

TEST_P(Posteriordb, CompilesLoadsAndHasExactGradients) {
  const std::string name = GetParam();
  const std::string base = test::posteriordb_dir() + "/" + name;
  auto p = load_stan_model(base + ".stan", base + ".data.json", test::test_options());
  const auto names = p->output_names();
  for (const auto& param : reference_parameters(name)) {
    EXPECT_NE(std::find(names.begin(), names.end(), param), names.end()) << param;
  }
  // A point near the origin (Stan's inits are uniform(-2, 2); small, so ODEs stay tame).
  auto gen = at::make_generator<at::CPUGeneratorImpl>(17);
  const int64_t D = p->dim();
  auto theta = 0.3 * torch::randn({1, D}, gen, torch::kDouble);
  auto r = p->log_prob_and_gradient(theta, p->all_data());
  ASSERT_TRUE(std::isfinite(r.log_p.item<double>())) << name << " log p at the test point";
  // Central differences, h = 1e-6: truncation O(h²), rounding O(eps |log p| / h).
  const double h = 1e-6;
  auto points = theta.repeat({2 * D, 1});
  for (int64_t i = 0; i < D; ++i) {
    points[2 * i][i] += h;
    points[2 * i + 1][i] -= h;
  }
  auto lp = p->log_prob(points);
  const double scale = std::max(1.0, std::abs(r.log_p.item<double>()));
  for (int64_t i = 0; i < D; ++i) {
    const double fd = (lp[2 * i].item<double>() - lp[2 * i + 1].item<double>()) / (2 * h);
    const double g = r.gradient[0][i].item<double>();
    EXPECT_NEAR(g, fd, 1e-5 * std::max(1.0, std::abs(g)) + 1e-9 * scale / h)
        << name << ": d log p / d " << p->unconstrained_names()[i];
  }
}

INSTANTIATE_TEST_SUITE_P(Programs, Posteriordb, ::testing::ValuesIn(posterior_names()),
                         [](const auto& info) {
                           return std::regex_replace(info.param, std::regex("[^A-Za-z0-9]"), "_");
                         });
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Posteriordb);

}  // namespace
}  // namespace elbo::stan
