#include "elbo/infer/svgd.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <utility>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/model/subsample.hpp"

namespace elbo::infer {

namespace {

/// No NaN or ±inf among m doubles (integer tests on the exponent bits, so the
/// loop vectorises; cloned per instruction set as the Stein kernels are).
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target_clones("avx512f", "avx2", "default")))
#endif
bool all_finite(const double* p, int64_t m) {
  constexpr uint64_t kExponent = 0x7ff0000000000000ULL;
  uint64_t bad = 0;
  for (int64_t k = 0; k < m; ++k) {
    uint64_t bits;
    std::memcpy(&bits, p + k, sizeof bits);
    bad |= static_cast<uint64_t>((bits & kExponent) == kExponent);
  }
  return bad == 0;
}

at::Tensor contiguous_double(const at::Tensor& t) {
  if (t.scalar_type() == torch::kDouble && t.is_contiguous() && !t.requires_grad()) return t;
  return t.detach().to(torch::kDouble).contiguous();
}

}  // namespace

double median_bandwidth(const at::Tensor& particles) {
  check_dim("median_bandwidth", "particles", particles, 2);
  const auto x = contiguous_double(particles);
  SteinWorkspace work;
  return work.median_bandwidth(x.data_ptr<double>(), x.size(0), x.size(1));
}

at::Tensor stein_direction(const at::Tensor& particles, const at::Tensor& grad_log_p,
                           SvgdKernel kernel, double h) {
  check_positive_finite("stein_direction", "bandwidth", h);
  check_dim("stein_direction", "particles", particles, 2);
  check_same_shape("stein_direction", "particles", particles, "grad_log_p", grad_log_p);
  const auto x = contiguous_double(particles);
  const auto g = contiguous_double(grad_log_p);
  auto phi = torch::empty_like(x);
  SteinWorkspace work;
  work.direction(x.data_ptr<double>(), g.data_ptr<double>(), x.size(0), x.size(1), kernel, h,
                 phi.data_ptr<double>());
  return phi;
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
    particles_ = given.detach().to(torch::kDouble).clone(at::MemoryFormat::Contiguous);
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
  const int64_t D = particles_.size(1);
  const int64_t M = p_->num_data();
  const int64_t S = options_.batch_size();
  auto batch = (M > 0 && S > 0 && S < M)
                   ? model::Subsample::of(torch::randperm(M, gen_, torch::kLong).narrow(0, 0, S), M)
                   : model::Subsample::all(M > 0 ? M : 1);

  // ∇log p at all particles as one [n, D] batch: the model's closed-form
  // gradient when it has one, else one backward pass (LogDensity).
  auto [log_p, grad] = p_->log_prob_and_gradient(particles_, batch);
  log_p = contiguous_double(log_p);
  grad = contiguous_double(grad);
  if (!all_finite(log_p.data_ptr<double>(), log_p.numel()) ||
      !all_finite(grad.data_ptr<double>(), grad.numel())) {
    const int64_t bad = (~(torch::isfinite(log_p) & torch::isfinite(grad).all(1))).sum().item<int64_t>();
    throw NumericalError(fmt::format(
        "svgd: log p or its gradient is not finite at {} of {} particles at iteration {}; try a "
        "smaller step_size or another initialisation",
        bad, n, iteration_));
  }

  torch::NoGradGuard no_grad;
  const int64_t m = n * D;
  phi_.resize(static_cast<size_t>(m));
  double* x = particles_.data_ptr<double>();
  double* phi = phi_.data();
  const double h = stein_.direction(x, grad.data_ptr<double>(), n, D, options_.kernel(),
                                    options_.bandwidth(), phi);

  const double eps = options_.step_size();
  switch (options_.step_rule()) {
    case SvgdStepRule::sgd:
      for (int64_t k = 0; k < m; ++k) x[k] += eps * phi[k];
      break;
    case SvgdStepRule::adagrad: {
      adagrad_.update(x, phi, m, eps, options_.adagrad_alpha(), /*first=*/iteration_ == 0);
      break;
    }
    case SvgdStepRule::adam:
      // Adam minimises: descend along −φ.
      particles_.mutable_grad() =
          -torch::from_blob(phi, {n, D}, torch::TensorOptions().dtype(torch::kDouble));
      adam_->step();
      break;
  }

  const int64_t every = options_.trace_every();
  if (every > 0 && (iteration_ % every == 0)) {
    double sq = 0.0;
    for (int64_t k = 0; k < m; ++k) sq += phi[k] * phi[k];
    trace_.push_back({iteration_, log_p.mean().item<double>(),
                      std::sqrt(sq) / std::sqrt(static_cast<double>(n)), h});
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
