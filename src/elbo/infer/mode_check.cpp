#include "elbo/infer/mode_check.hpp"

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/infer/laplace.hpp"

namespace elbo::infer {

ModeCheck check_other_modes(const model::LogDensity& p, family::Family& q, double fit_log_p,
                            const ModeCheckOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  ModeCheck out;
  out.fit_log_p = fit_log_p;
  const int64_t D = p.dim();
  torch::NoGradGuard no_grad;
  auto mean = q.mean().to(torch::kDouble);
  auto cov = q.covariance().to(torch::kDouble);
  cov = 0.5 * (cov + cov.t());
  auto [L, info] = torch::linalg_cholesky_ex(cov);
  if (info.item<int64_t>() != 0) {
    out.message = "mode check skipped: q's covariance is not positive definite";
    return out;
  }
  const double far = static_cast<double>(D) + 8.0 * std::sqrt(2.0 * static_cast<double>(D)) + 20.0;
  auto gen = make_generator(options.seed ^ 0x6d0de5ULL);
  const auto lbfgs = optim::LbfgsOptions().max_iterations(options.max_iterations);
  for (int64_t s = 0; s < options.num_starts; ++s) {
    auto init = (torch::rand({D}, gen, torch::kDouble) * 2 - 1) * options.init_radius;
    ++out.starts;
    LogDensityMode found;
    try {
      found = find_mode(p, init, lbfgs, "mode check");
    } catch (const NumericalError&) {
      continue;  // log p not finite at this start
    }
    if (!found.converged || !std::isfinite(found.log_density)) continue;
    ++out.converged;
    FoundMode m;
    m.point = found.mode;
    m.log_p = found.log_density;
    auto z = torch::linalg_solve_triangular(L, (found.mode - mean).unsqueeze(1), /*upper=*/false);
    m.distance2 = z.square().sum().item<double>();
    m.missed = m.distance2 > far && m.log_p >= fit_log_p - options.height_slack;
    out.missed = out.missed || m.missed;
    out.modes.push_back(m);
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const FoundMode* worst = nullptr;
  for (const auto& m : out.modes) {
    if (m.missed && (!worst || m.log_p > worst->log_p)) worst = &m;
  }
  if (worst) {
    out.message = fmt::format(
        "a random start found a mode with log p = {:.6g} (q's draws reach {:.6g}) at "
        "Mahalanobis distance {:.3g} from q (d² {:.3g}): q misses a mode of comparable height",
        worst->log_p, fit_log_p, std::sqrt(worst->distance2), worst->distance2);
  } else {
    out.message = fmt::format("{} of {} random starts reached a mode; none is outside q and as high "
                              "as q's draws", out.converged, out.starts);
  }
  return out;
}

}  // namespace elbo::infer
