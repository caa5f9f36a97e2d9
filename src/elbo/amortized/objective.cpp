#include "elbo/amortized/objective.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::amortized {

ObjectiveOptions parse_objective(const std::string& spec) {
  const auto colon = spec.find(':');
  const std::string kind = spec.substr(0, colon);
  int64_t k = 1;
  bool ok = kind == "elbo" || kind == "iwae";
  if (ok && colon != std::string::npos) {
    const std::string n = spec.substr(colon + 1);
    ok = !n.empty() && n.size() < 7 && n.find_first_not_of("0123456789") == std::string::npos;
    if (ok) k = std::stoll(n);
    ok = ok && k >= 1;
  } else if (kind == "iwae") {
    ok = false;
  }
  if (!ok) throw ConfigError("--objective '" + spec + "' is not one of elbo, elbo:K, iwae:K (K >= 1)");
  return ObjectiveOptions().bound(kind == "elbo" ? Bound::Elbo : Bound::Iwae).samples(k);
}

std::string objective_name(const ObjectiveOptions& o) {
  if (o.bound() == Bound::Iwae) return "iwae:" + std::to_string(o.samples());
  return o.samples() == 1 ? "elbo" : "elbo:" + std::to_string(o.samples());
}

at::Tensor log_mean_exp(const at::Tensor& a) {
  return torch::logsumexp(a, 0) - std::log(static_cast<double>(a.size(0)));
}

at::Tensor elbo_per_point(const LogWeights& w, bool analytic) {
  if (analytic && w.kl.defined()) return w.log_px_z.mean(0) - w.kl;
  return w.log_w().mean(0);
}

at::Tensor iwae_per_point(const LogWeights& w) { return log_mean_exp(w.log_w()); }

ObjectiveValue evaluate_objective(Vae& vae, const at::Tensor& x, const ObjectiveOptions& o,
                                  at::Generator gen) {
  check_option_positive("objective", "samples", static_cast<double>(o.samples()));
  if (!(o.beta() >= 0.0 && o.beta() <= 1.0)) {
    throw ConfigError(check_message("objective", "beta", -1, o.beta(), "in [0, 1]"));
  }
  if (!(o.free_bits() >= 0.0) || !std::isfinite(o.free_bits())) {
    throw ConfigError(check_message("objective", "free_bits", -1, o.free_bits(), "nonnegative"));
  }
  if (o.bound() == Bound::Iwae && o.free_bits() > 0) {
    throw ConfigError("objective: free bits apply to the ELBO only, not to IWAE");
  }
  const LogWeights w = vae->log_weights(x, o.samples(), gen);
  const bool closed = o.analytic_kl() && w.kl.defined();
  ObjectiveValue out;
  at::Tensor recon = w.log_px_z.mean(0);                                  // [N]
  at::Tensor kl = closed ? w.kl : (w.log_qz - w.log_pz).mean(0);         // [N]
  at::Tensor surrogate;
  if (o.bound() == Bound::Iwae) {
    at::Tensor bound = iwae_per_point(w);
    surrogate = o.beta() == 1.0 ? bound : log_mean_exp(w.log_px_z + o.beta() * (w.log_pz - w.log_qz));
    out.bound = bound.mean().item<double>();
  } else {
    at::Tensor kl_term;
    if (o.free_bits() > 0) {
      const int64_t d = w.z.size(-1);
      if (closed && w.kl_per_dim.defined()) {
        kl_term = torch::clamp_min(w.kl_per_dim.mean(0), o.free_bits()).sum();
      } else {
        kl_term = torch::clamp_min(kl.mean(), o.free_bits() * static_cast<double>(d));
      }
      surrogate = recon.mean() - o.beta() * kl_term;
    } else {
      surrogate = recon - o.beta() * kl;
    }
    out.bound = (recon - kl).mean().item<double>();
  }
  out.loss = -surrogate.mean();
  out.kl = kl.mean().item<double>();
  out.recon = recon.mean().item<double>();
  return out;
}

}  // namespace elbo::amortized
