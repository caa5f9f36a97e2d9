// Image data: the shipped-with-scikit-learn digits CSV, its errors, the synthetic set,
// binarisation.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "elbo/amortized/gaussian.hpp"
#include "elbo/amortized/image_data.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"

namespace elbo::amortized {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = (std::filesystem::temp_directory_path() /
                     ("elbo_img_" + std::to_string(::getpid()) + "_" + name)).string();
  std::ofstream(path) << text;
  return path;
}

std::string header(int p, bool label) {
  std::string h;
  for (int j = 0; j < p; ++j) h += (j ? ",px" : "px") + std::to_string(j);
  return h + (label ? ",digit\n" : "\n");
}

TEST(ImageData, DigitsCsv) {
  const std::string path = std::string(ELBO_SHARED_DATA_DIR) + "/digits/digits.csv";
  if (!std::filesystem::exists(path)) GTEST_SKIP();
  const ImageData d = load_images(path);
  EXPECT_EQ(d.size(), 1797);  // UCI optdigits test part, as in sklearn.datasets.load_digits
  EXPECT_EQ(d.rows, 8);
  EXPECT_EQ(d.cols, 8);
  ASSERT_EQ(d.labels.size(), 1797u);
  EXPECT_EQ(d.labels[0], 0);
  EXPECT_EQ(d.labels[1], 1);
  // First row of the file: 0,0,5,13,9,1,0,0,...
  EXPECT_FLOAT_EQ(d.x[0][2].item<float>(), 5.0f / 16.0f);
  EXPECT_FLOAT_EQ(d.x[0][3].item<float>(), 13.0f / 16.0f);
  EXPECT_GE(d.x.min().item<float>(), 0.0f);
  EXPECT_LE(d.x.max().item<float>(), 1.0f);
}

void expect_error(const std::string& text, const std::string& phrase) {
  const auto path = write_temp("e.csv", text);
  try {
    load_images(path);
    ADD_FAILURE() << "no error for " << text;
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

TEST(ImageData, DigitsCsvErrors) {
  std::string row4 = "0,1,2,3\n";
  expect_error(header(4, false) + "0,1,17,3\n", "pixel value 17.000000 out of range");
  expect_error(header(4, false) + "0,1,2.5,3\n", "out of range");
  expect_error(header(4, false) + row4 + "0,-1,0,0\n", ":3: field 'px1'");
  expect_error(header(3, false) + "0,1,2\n", "3 pixel columns do not form a square image");
  expect_error("px0,px2,px1,px3\n0,0,0,0\n", "in order");
  expect_error("px0,px1,px2,px3,colour\n0,0,0,0,1\n", "unexpected column");
  expect_error(header(4, true) + "0,0,0,0,-2\n", "label must be a non-negative integer");
  expect_error(header(4, false), "no data rows");
}

TEST(ImageData, SyntheticShapesAndBinarisation) {
  const ImageData a = synthetic_shapes(40, 12, 7), b = synthetic_shapes(40, 12, 7), c = synthetic_shapes(40, 12, 8);
  EXPECT_TRUE(torch::equal(a.x, b.x));
  EXPECT_FALSE(torch::equal(a.x, c.x));
  EXPECT_EQ(a.x.sizes(), (std::vector<int64_t>{40, 144}));
  EXPECT_GE(a.x.min().item<float>(), 0.0f);
  EXPECT_LE(a.x.max().item<float>(), 1.0f);
  for (int64_t i = 0; i < 40; ++i) EXPECT_GT(a.x[i].sum().item<float>(), 3.0f) << i;  // every image has ink
  EXPECT_EQ(a.labels[5], 1);
  const auto t = binarize_threshold(torch::tensor({0.2f, 0.5f, 0.51f}));
  EXPECT_TRUE(torch::equal(t, torch::tensor({0.0f, 0.0f, 1.0f})));
  auto gen = make_generator(1);
  const auto p = torch::full({20000}, 0.3f);
  const double mean = binarize_dynamic(p, gen).mean().item<double>();
  EXPECT_NEAR(mean, 0.3, 4 * std::sqrt(0.21 / 20000));
  const ImageData s = a.slice(30, 10);
  EXPECT_TRUE(torch::equal(s.x, a.x.narrow(0, 30, 10)));
  EXPECT_EQ(s.labels[0], a.labels[30]);
  EXPECT_THROW(a.slice(35, 10), ConfigError);
}

TEST(Gaussians, CholeskyAgainstClosedFormAndDiagonal) {
  auto gen = make_generator(3);
  const int64_t n = 4, d = 3;
  auto mean = at::randn({n, d}, gen, torch::kDouble);
  auto A = at::randn({n, d, d}, gen, torch::kDouble);
  auto cov = torch::matmul(A, A.transpose(1, 2)) + torch::eye(d, torch::kDouble);
  CholeskyGaussian q{mean, torch::linalg_cholesky(cov)};
  auto z = at::randn({5, n, d}, gen, torch::kDouble);
  // log N(z; μ, Σ) by the textbook formula.
  auto diff = z - mean;
  auto quad = (torch::matmul(diff.unsqueeze(-2), torch::inverse(cov)).squeeze(-2) * diff).sum(-1);
  auto expect = -0.5 * (quad + torch::logdet(cov) + d * std::log(2 * M_PI));
  EXPECT_TRUE(torch::allclose(q.log_prob(z), expect, 1e-10, 1e-10));
  EXPECT_TRUE(torch::allclose(q.entropy(), 0.5 * (torch::logdet(cov) + d * (1 + std::log(2 * M_PI))), 1e-10));
  // KL to N(0, I): ½(tr Σ + μᵀμ − d − log|Σ|).
  auto kl = 0.5 * (cov.diagonal(0, 1, 2).sum(-1) + mean.square().sum(-1) - d - torch::logdet(cov));
  EXPECT_TRUE(torch::allclose(q.kl_standard_normal(), kl, 1e-10));
  // A diagonal L is the diagonal Gaussian.
  auto log_std = at::randn({n, d}, gen, torch::kDouble);
  DiagonalGaussian g{mean, log_std};
  CholeskyGaussian c{mean, torch::diag_embed(log_std.exp())};
  EXPECT_TRUE(torch::allclose(g.log_prob(z), c.log_prob(z), 1e-12));
  EXPECT_TRUE(torch::allclose(g.entropy(), c.entropy(), 1e-12));
  EXPECT_TRUE(torch::allclose(g.kl_standard_normal_per_dim().sum(-1), c.kl_standard_normal(), 1e-12));
  at::Tensor eps;
  auto zs = g.rsample(3, gen, &eps);
  EXPECT_TRUE(torch::allclose(g.log_prob(zs), g.log_prob_from_noise(eps), 1e-12));
}

}  // namespace
}  // namespace elbo::amortized
