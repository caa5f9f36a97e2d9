// infer/mode_check: random-start L-BFGS finds the mode a q fitted at the other
// one misses, and finds nothing wrong with a q that covers every mode.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <memory>

#include "elbo/family/full_rank_gaussian.hpp"
#include "elbo/family/gaussian_mixture.hpp"
#include "elbo/infer/mode_check.hpp"
#include "infer/accurate_targets.hpp"

namespace elbo::infer {
namespace {

using torch::kDouble;

std::shared_ptr<family::FullRankGaussian> gaussian_at(const at::Tensor& mean) {
  auto q = std::make_shared<family::FullRankGaussian>(mean.size(0));
  torch::NoGradGuard no_grad;
  q->loc().copy_(mean);
  return q;
}

TEST(ModeCheck, FindsTheModeAQAtTheOtherOneMisses) {
  // ½ N((−3, −3), I) + ½ N((3, 3), I): q = N((3, 3), I) covers one mode.
  auto m = torch::full({2}, 3.0, kDouble);
  testing::TwoModeDensity p(-m, m);
  auto q = gaussian_at(m);
  ModeCheckOptions options;
  options.num_starts = 8;
  const double fit_log_p = p.log_prob(m.unsqueeze(0)).item<double>();
  auto check = check_other_modes(p, *q, fit_log_p, options);
  EXPECT_TRUE(check.missed) << check.message;
  EXPECT_GT(check.converged, 0);
  bool found_other = false;
  for (const auto& mode : check.modes) {
    if (mode.missed) {
      EXPECT_LT((mode.point + m).abs().max().item<double>(), 1e-3);  // the mode at (−3, −3)
      EXPECT_NEAR(mode.distance2, 72.0, 0.5);                      // |(−6, −6)|² under I
      found_other = true;
    }
  }
  EXPECT_TRUE(found_other);
  EXPECT_NE(check.message.find("misses a mode"), std::string::npos);
}

TEST(ModeCheck, AMixtureOverBothModesAndAUnimodalFitPass) {
  auto m = torch::full({2}, 3.0, kDouble);
  testing::TwoModeDensity p(-m, m);
  auto mixture = std::make_shared<family::GaussianMixture>(2, 2);
  mixture->set_components(torch::stack({-m, m}), torch::eye(2, kDouble).expand({2, 2, 2}).contiguous(),
                          torch::full({2}, 0.5, kDouble));
  ModeCheckOptions options;
  options.num_starts = 8;
  const double fit_log_p = p.log_prob(m.unsqueeze(0)).item<double>();
  EXPECT_FALSE(check_other_modes(p, *mixture, fit_log_p, options).missed);

  // One Gaussian target, q at its mode: every start ends inside q.
  testing::GaussianTarget g(torch::tensor({100.0, -0.01}, kDouble),
                            torch::diag(torch::tensor({400.0, 1e-6}, kDouble)));
  auto q = std::make_shared<family::FullRankGaussian>(2);
  {
    torch::NoGradGuard no_grad;
    q->loc().copy_(g.mean());
    q->log_diag().copy_(torch::tensor({std::log(20.0), std::log(1e-3)}, kDouble));
  }
  auto check = check_other_modes(g, *q, 0.0, options);
  EXPECT_FALSE(check.missed) << check.message;
  EXPECT_EQ(check.converged, options.num_starts);
}

}  // namespace
}  // namespace elbo::infer
