#include "elbo/infer/svgd.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <utility>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/model/subsample.hpp"

namespace elbo::infer {

namespace {

/// ‖x_i − x_j‖² [n, n] by one matmul: |x_i|² + |x_j|² − 2 x_i·x_j (clamped at 0).
at::Tensor pairwise_sq_distances(const at::Tensor& x) {
  auto sq = x.square().sum(1);
  return (sq.unsqueeze(1) + sq.unsqueeze(0) - 2.0 * x.matmul(x.t())).clamp_min_(0.0);
}

}  // namespace

double median_bandwidth(const at::Tensor& particles) {
  const int64_t n = particles.size(0);
  if (n < 2) return 1.0;
  auto d2 = pairwise_sq_distances(particles);
  auto iu = torch::triu_indices(n, n, 1, torch::TensorOptions().dtype(torch::kLong));
  auto upper = d2.index({iu[0], iu[1]});
  const double med2 = upper.median().item<double>();
  const double h = med2 / std::log(static_cast<double>(n));
  return (std::isfinite(h) && h > 0.0) ? h : 1.0;
}

at::Tensor stein_direction(const at::Tensor& x, const at::Tensor& grad_log_p, SvgdKernel kernel,
                           double h) {
  check_positive_finite("stein_direction", "bandwidth", h);
  check_same_shape("stein_direction", "particles", x, "grad_log_p", grad_log_p);
  const double n = static_cast<double>(x.size(0));
  auto d2 = pairwise_sq_distances(x);
  // K_ij = k(x_j, x_i) (symmetric). Σ_j ∇_{x_j} k(x_j, x_i) = c (x_i Σ_j W_ij − (W x)_i)
  // with, for RBF, W = K and c = 2/h (∇_{x_j} e^{−r²/h} = −2(x_j − x_i) k/h), and for
  // IMQ, W = K³ and c = 1/h (∇_{x_j} (1 + r²/h)^{−1/2} = −(x_j − x_i) k³/h).
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
  return (K.matmul(grad_log_p) + repulsive) / n;
}

Svgd::Svgd(std::shared_ptr<const model::LogDensity> p, SvgdOptions options)
    : p_(std::move(p)), options_(std::move(options)), gen_(make_generator(options_.seed())) {
  if (!p_) throw ConfigError("svgd: the log density is null");
  const int64_t D = p_->dim();
  check_option_positive("svgd", "max_iterations", static_cast<double>(options_.max_iterations()));
  check_option_positive("svgd", "step_size", options_.step_size());
  check_option_positive("svgd", "init_scale", options_.init_scale());
  if (!(options_.adagrad_alpha() >= 0.0 && options_.adagrad_alpha() < 1.0)) {
    throw ConfigError(check_message("svgd", "adagrad_alpha", -1, options_.adagrad_alpha(),
                                    "in [0, 1)"));
  }
  if (!(options_.bandwidth() >= 0.0) || !std::isfinite(options_.bandwidth())) {
    throw ConfigError(check_message("svgd", "bandwidth", -1, options_.bandwidth(),
                                    "finite and >= 0 (0: median heuristic)"));
  }
  if (options_.batch_size() < 0) {
    throw ConfigError(check_message("svgd", "batch_size", -1,
                                    static_cast<double>(options_.batch_size()), ">= 0"));
  }
  check_nonnegative("svgd", "trace_every", static_cast<double>(options_.trace_every()));

  const auto dtype = torch::TensorOptions().dtype(torch::kDouble);
  if (options_.init_particles().defined()) {
    const auto& given = options_.init_particles();
    check_dim("svgd", "init_particles", given, 2);
    check_shape("svgd", "init_particles", given, {given.size(0), D});
    check_option_positive("svgd", "init_particles rows", static_cast<double>(given.size(0)));
    check_finite("svgd", "init_particles", given);
    particles_ = given.detach().to(torch::kDouble).clone();
  } else {
    check_option_positive("svgd", "num_particles", static_cast<double>(options_.num_particles()));
    auto loc = torch::zeros({D}, dtype);
    if (options_.init_location().defined()) {
      check_shape("svgd", "init_location", options_.init_location(), {D});
      check_finite("svgd", "init_location", options_.init_location());
      loc = options_.init_location().detach().to(torch::kDouble);
    }
    particles_ = loc + options_.init_scale() * torch::randn({options_.num_particles(), D}, gen_, dtype);
  }
  if (options_.step_rule() == SvgdStepRule::adam) {
    particles_.requires_grad_(true);
    adam_ = std::make_unique<torch::optim::Adam>(
        std::vector<at::Tensor>{particles_}, torch::optim::AdamOptions(options_.step_size()));
  }
}

Svgd::~Svgd() = default;

void Svgd::step() {
  const int64_t n = particles_.size(0);
  const int64_t M = p_->num_data();
  const int64_t S = options_.batch_size();
  auto batch = (M > 0 && S > 0 && S < M)
                   ? model::Subsample::of(torch::randperm(M, gen_, torch::kLong).narrow(0, 0, S), M)
                   : model::Subsample::all(M > 0 ? M : 1);

  // ∇log p at all particles: one [n, D] batch through log_prob and one backward.
  at::Tensor log_p, grad;
  {
    torch::AutoGradMode grad_mode(true);
    auto x = particles_.detach().requires_grad_(true);
    log_p = p_->log_prob(x, batch);
    grad = torch::autograd::grad({log_p.sum()}, {x}, {}, false, false, /*allow_unused=*/true)[0];
    if (!grad.defined()) grad = torch::zeros_like(x);
    log_p = log_p.detach();
  }
  if (!torch::isfinite(log_p).all().item<bool>() || !torch::isfinite(grad).all().item<bool>()) {
    const int64_t bad = (~(torch::isfinite(log_p) & torch::isfinite(grad).all(1))).sum().item<int64_t>();
    throw NumericalError(fmt::format(
        "svgd: log p or its gradient is not finite at {} of {} particles at iteration {}; try a "
        "smaller step_size or another initialisation",
        bad, n, iteration_));
  }

  torch::NoGradGuard no_grad;
  const auto x = particles_.detach();
  const double h = options_.bandwidth() > 0.0 ? options_.bandwidth() : median_bandwidth(x);
  auto phi = stein_direction(x, grad, options_.kernel(), h);

  const double eps = options_.step_size();
  switch (options_.step_rule()) {
    case SvgdStepRule::sgd:
      particles_.add_(phi, eps);
      break;
    case SvgdStepRule::adagrad: {
      const double alpha = options_.adagrad_alpha();
      if (iteration_ == 0 || !historical_grad_.defined()) {
        historical_grad_ = phi.square();
      } else {
        historical_grad_.mul_(alpha).add_(phi.square(), 1.0 - alpha);
      }
      particles_.add_(phi / (historical_grad_.sqrt() + 1e-6), eps);
      break;
    }
    case SvgdStepRule::adam:
      particles_.mutable_grad() = -phi;  // Adam minimises: descend along −φ
      adam_->step();
      break;
  }

  const int64_t every = options_.trace_every();
  if (every > 0 && (iteration_ % every == 0)) {
    trace_.push_back({iteration_, log_p.mean().item<double>(),
                      phi.norm().item<double>() / std::sqrt(static_cast<double>(n)), h});
  }
  ++iteration_;
}

SvgdResult Svgd::run() {
  const auto start = std::chrono::steady_clock::now();
  for (int64_t t = 0; t < options_.max_iterations(); ++t) step();
  SvgdResult result;
  result.particles = particles_.detach().clone();
  result.trace = trace_;
  result.iterations = iteration_;
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

}  // namespace elbo::infer
