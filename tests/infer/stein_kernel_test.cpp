// The fused Stein direction (stein_kernel.hpp) and the fused SVGD step against
// the straightforward tensor version they replaced (kept here as the reference):
// pairwise distances by one matmul, the median by torch.median over the upper
// triangle, φ = (K g + c (x Σ_j W_ij − W x)) / n, the paper's Adagrad in tensor
// ops. Both kernels, fixed and median bandwidths, n = 1, odd n and n = 100,
// D not a multiple of the vector width.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <memory>
#include <vector>

#include "elbo/core/random.hpp"
#include "elbo/infer/stein_kernel.hpp"
#include "elbo/infer/svgd.hpp"
#include "elbo/model/log_density.hpp"

namespace elbo::infer {
namespace {

using torch::kDouble;

at::Tensor ref_pairwise_sq_distances(const at::Tensor& x) {
  auto sq = x.square().sum(1);
  return (sq.unsqueeze(1) + sq.unsqueeze(0) - 2.0 * x.matmul(x.t())).clamp_min_(0.0);
}

double ref_median_bandwidth(const at::Tensor& x) {
  const int64_t n = x.size(0);
  if (n < 2) return 1.0;
  auto d2 = ref_pairwise_sq_distances(x);
  auto iu = torch::triu_indices(n, n, 1, torch::TensorOptions().dtype(torch::kLong));
  const double med2 = d2.index({iu[0], iu[1]}).median().item<double>();
  const double h = med2 / std::log(static_cast<double>(n));
  return (std::isfinite(h) && h > 0.0) ? h : 1.0;
}

at::Tensor ref_stein_direction(const at::Tensor& x, const at::Tensor& g, SvgdKernel kernel,
                               double h) {
  const double n = static_cast<double>(x.size(0));
  auto d2 = ref_pairwise_sq_distances(x);
  at::Tensor K, W;
  double c;
  if (kernel == SvgdKernel::rbf) {
    K = torch::exp(-d2 / h);
    W = K;
    c = 2.0 / h;
  } else {
    K = torch::rsqrt(1.0 + d2 / h);
    W = K.pow(3);
    c = 1.0 / h;
  }
  auto repulsive = c * (x * W.sum(1, /*keepdim=*/true) - W.matmul(x));
  return (K.matmul(g) + repulsive) / n;
}

/// max |a − b| / max(1, max |b|).
double rel_err(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>() / std::max(1.0, b.abs().max().item<double>());
}

TEST(SteinKernel, MedianBandwidthMatchesTorchMedian) {
  auto gen = make_generator(11);
  for (int64_t n : {1, 2, 3, 7, 37, 100}) {
    for (int64_t D : {1, 3, 31, 50}) {
      auto x = 1.5 * torch::randn({n, D}, gen, kDouble) + 0.3;
      const double expected = ref_median_bandwidth(x);
      EXPECT_NEAR(median_bandwidth(x), expected, 1e-12 * expected) << n << " x " << D;
    }
  }
  // All particles at one point: the heuristic's med² = 0, so h falls back to 1.
  EXPECT_EQ(median_bandwidth(torch::ones({5, 2}, kDouble)), 1.0);
}

TEST(SteinKernel, MedianStaysExactWhenTheWorkspaceIsReused) {
  // A reused workspace brackets the median by the last call's (± an adaptive
  // width), else by a sample's order statistics, else selects over all values:
  // each path must give torch.median's value, however far the particles move
  // between calls (small drifts, jumps in scale, ties, coincident particles).
  auto gen = make_generator(13);
  const int64_t n = 100, D = 5;
  SteinWorkspace work;
  auto x = torch::randn({n, D}, gen, kDouble);
  for (int step = 0; step < 80; ++step) {
    switch (step % 16) {
      case 5: x = 30.0 * x; break;   // every distance ×900: the last median's bracket misses
      case 9: x = x / 1000.0; break;
      case 12:  // two clusters of 50 identical particles: 2450 zeros and 2500 equal values
        x = torch::cat({torch::zeros({n / 2, D}, kDouble), torch::ones({n - n / 2, D}, kDouble)});
        break;
      case 13: x = x + 1e-3 * torch::randn({n, D}, gen, kDouble); break;
      default: x = x + 0.02 * torch::randn({n, D}, gen, kDouble); break;
    }
    const double expected = ref_median_bandwidth(x);
    EXPECT_NEAR(work.median_bandwidth(x.data_ptr<double>(), n, D), expected, 1e-12 * expected)
        << "step " << step;
  }
}

TEST(SteinKernel, BandPassIsTheSameVectorisedOrNot) {
  // The median's band pass, AVX-512 (where the CPU has it) against the scalar
  // loop: the same count below lo and the same gathered values in order.
  auto gen = make_generator(14);
  for (int64_t n : {2, 9, 17, 100}) {
    const int64_t np = (n + 7) / 8 * 8;
    auto d2 = torch::rand({n, np}, gen, kDouble);
    d2.index_put_({torch::indexing::Slice(), 3 % np}, 0.5);  // ties at the bracket's edge
    const int64_t m = n * (n - 1) / 2;
    std::vector<double> a(m + 8), b(m + 8);
    int64_t below_a = -1, count_a = -1, below_b = -2, count_b = -2;
    stein_band_pass(d2.data_ptr<double>(), np, n, 0.3, 0.5, a.data(), &below_a, &count_a, true);
    stein_band_pass(d2.data_ptr<double>(), np, n, 0.3, 0.5, b.data(), &below_b, &count_b, false);
    EXPECT_EQ(below_a, below_b) << n;
    ASSERT_EQ(count_a, count_b) << n;
    for (int64_t i = 0; i < count_a; ++i) EXPECT_EQ(a[i], b[i]) << n << " " << i;
    // The scalar pass against a plain count.
    int64_t below = 0, inside = 0;
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t j = i + 1; j < n; ++j) {
        const double v = d2[i][j].item<double>();
        below += v < 0.3;
        inside += v >= 0.3 && v <= 0.5;
      }
    }
    EXPECT_EQ(below_b, below);
    EXPECT_EQ(count_b, inside);
  }
}

TEST(SteinKernel, DirectionMatchesTensorVersion) {
  auto gen = make_generator(12);
  for (int64_t n : {1, 2, 5, 37, 100}) {
    for (int64_t D : {1, 7, 31, 50}) {
      auto x = torch::randn({n, D}, gen, kDouble);
      auto g = 3.0 * torch::randn({n, D}, gen, kDouble);
      const double med = ref_median_bandwidth(x);
      for (auto kernel : {SvgdKernel::rbf, SvgdKernel::imq}) {
        for (double h : {0.0, 0.05, 0.8, 40.0}) {  // 0.05: e^(−r²/h) underflows
          const double h_ref = h > 0.0 ? h : med;
          auto expected = ref_stein_direction(x, g, kernel, h_ref);
          SteinWorkspace work;
          auto phi = torch::empty({n, D}, kDouble);
          const double used = work.direction(x.data_ptr<double>(), g.data_ptr<double>(), n, D,
                                             kernel, h, phi.data_ptr<double>());
          EXPECT_NEAR(used, h_ref, 1e-12 * h_ref);
          EXPECT_LT(rel_err(phi, expected), 1e-12)
              << n << " x " << D << " kernel " << static_cast<int>(kernel) << " h " << h;
          if (h > 0.0) {
            EXPECT_LT(rel_err(stein_direction(x, g, kernel, h), expected), 1e-12);
          }
        }
      }
    }
  }
}

TEST(SteinKernel, WorkspaceReusedAcrossShapes) {
  // One workspace through changing n and D gives what a fresh one gives.
  auto gen = make_generator(13);
  SteinWorkspace work;
  for (auto [n, D] : {std::pair<int64_t, int64_t>{100, 50}, {3, 2}, {100, 50}, {64, 8}, {1, 4}}) {
    auto x = torch::randn({n, D}, gen, kDouble);
    auto g = torch::randn({n, D}, gen, kDouble);
    auto phi = torch::empty({n, D}, kDouble);
    const double h = work.direction(x.data_ptr<double>(), g.data_ptr<double>(), n, D,
                                    SvgdKernel::rbf, 0.0, phi.data_ptr<double>());
    EXPECT_LT(rel_err(phi, ref_stein_direction(x, g, SvgdKernel::rbf, h)), 1e-12);
  }
}

TEST(SteinKernel, BadBandwidthAndShapes) {
  auto x = torch::zeros({4, 2}, kDouble);
  EXPECT_ANY_THROW(stein_direction(x, x, SvgdKernel::rbf, 0.0));
  EXPECT_ANY_THROW(stein_direction(x, torch::zeros({4, 3}, kDouble), SvgdKernel::rbf, 1.0));
}

/// A correlated Gaussian log density in torch ops.
class Gaussian : public model::LogDensity {
 public:
  explicit Gaussian(int64_t D) {
    auto i = torch::arange(1, D + 1, kDouble);
    mean_ = torch::sin(i);
    auto lag = (i.unsqueeze(1) - i.unsqueeze(0)).abs();
    precision_ = torch::inverse(torch::pow(0.7, lag));
  }
  int64_t dim() const override { return mean_.size(0); }
  using LogDensity::log_prob;
  at::Tensor log_prob(const at::Tensor& theta, const model::Subsample&) const override {
    auto d = theta - mean_;
    return -0.5 * (d.matmul(precision_) * d).sum(1);
  }

 private:
  at::Tensor mean_, precision_;
};

/// The tensor version of Svgd::step: autograd gradient of Σ log p, the
/// reference direction, the paper's Adagrad or the plain step.
at::Tensor ref_steps(const model::LogDensity& p, at::Tensor x, int64_t steps, SvgdKernel kernel,
                     double bandwidth, SvgdStepRule rule, double eps, double alpha) {
  at::Tensor hist;
  for (int64_t t = 0; t < steps; ++t) {
    auto leaf = x.detach().requires_grad_(true);
    auto grad = torch::autograd::grad({p.log_prob(leaf).sum()}, {leaf})[0];
    const double h = bandwidth > 0.0 ? bandwidth : ref_median_bandwidth(x);
    auto phi = ref_stein_direction(x, grad, kernel, h);
    if (rule == SvgdStepRule::sgd) {
      x = x + eps * phi;
    } else {
      hist = t == 0 ? phi.square() : hist * alpha + (1.0 - alpha) * phi.square();
      x = x + eps * (phi / (hist.sqrt() + 1e-6));
    }
  }
  return x;
}

TEST(SteinKernel, SvgdStepsMatchTensorVersion) {
  auto gen = make_generator(14);
  for (int64_t n : {1, 100}) {
    for (int64_t D : {3, 50}) {
      auto p = std::make_shared<Gaussian>(D);
      auto x0 = torch::randn({n, D}, gen, kDouble);
      for (auto kernel : {SvgdKernel::rbf, SvgdKernel::imq}) {
        for (double bandwidth : {0.0, 2.0}) {
          for (auto rule : {SvgdStepRule::adagrad, SvgdStepRule::sgd}) {
            const int64_t steps = 5;
            Svgd svgd(p, SvgdOptions()
                             .init_particles(x0)
                             .kernel(kernel)
                             .bandwidth(bandwidth)
                             .step_rule(rule)
                             .step_size(0.05)
                             .trace_every(0));
            for (int64_t t = 0; t < steps; ++t) svgd.step();
            auto expected = ref_steps(*p, x0, steps, kernel, bandwidth, rule, 0.05, 0.9);
            EXPECT_LT(rel_err(svgd.particles(), expected), 1e-12)
                << n << " x " << D << " kernel " << static_cast<int>(kernel) << " h "
                << bandwidth << " rule " << static_cast<int>(rule);
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace elbo::infer
