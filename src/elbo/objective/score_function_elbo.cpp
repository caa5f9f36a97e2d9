#include "elbo/objective/score_function_elbo.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::objective {

ScoreFunctionElbo::ScoreFunctionElbo(ScoreFunctionElboOptions options) : options_(options) {
  const char* fn = "ScoreFunctionElbo";
  check_option_positive(fn, "num_draws", static_cast<double>(options_.num_draws()));
  if (options_.control_variate() == ControlVariate::optimal && options_.num_draws() < 2) {
    throw ConfigError(check_message(fn, "num_draws", -1, static_cast<double>(options_.num_draws()),
                                    "at least 2 with the optimal control variate (leave-one-out)"));
  }
  const double d = options_.baseline_decay();
  if (!(d >= 0.0 && d < 1.0)) {
    throw ConfigError(check_message(fn, "baseline_decay", -1, d, "in [0, 1)"));
  }
  const double tau = options_.overdispersion();
  if (!(tau >= 1.0) || !std::isfinite(tau)) {
    throw ConfigError(check_message(fn, "overdispersion", -1, tau, "finite and >= 1"));
  }
}

std::string ScoreFunctionElbo::name() const {
  std::ostringstream out;
  out << "reinforce";
  if (options_.control_variate() == ControlVariate::baseline) {
    out << "+baseline:" << options_.baseline_decay();
  }
  if (options_.control_variate() == ControlVariate::optimal) out << "+cv";
  if (options_.rao_blackwellize()) out << "+rb";
  if (options_.overdispersion() != 1.0) out << "+odis:" << options_.overdispersion();
  return out.str();
}

void ScoreFunctionElbo::reset() {
  baseline_ = at::Tensor();
  structure_ = Structure();
}

const ScoreFunctionElbo::Structure& ScoreFunctionElbo::structure(const model::LogDensity& p,
                                                                 family::Family& q) {
  const int64_t F = q.num_factors();
  if (structure_.density == &p && structure_.family == &q && structure_.dim == q.dim() &&
      structure_.num_factors == F) {
    return structure_;
  }
  Structure s;
  s.density = &p;
  s.family = &q;
  s.dim = q.dim();
  s.num_factors = F;
  const auto terms = options_.rao_blackwellize() ? p.term_coordinates()
                                                 : std::vector<std::vector<int64_t>>{};
  s.declared = !terms.empty();
  if (s.declared) {
    // factor of each θ coordinate
    std::vector<int64_t> factor_of(static_cast<size_t>(q.dim()), -1);
    const auto coords = q.factor_coordinates();
    for (size_t f = 0; f < coords.size(); ++f) {
      for (auto c : coords[f]) {
        if (c < 0 || c >= q.dim()) {
          throw DomainError(q.family_name() + ": factor " + std::to_string(f) +
                            " names coordinate " + std::to_string(c) + " outside 0.." +
                            std::to_string(q.dim() - 1));
        }
        factor_of[static_cast<size_t>(c)] = static_cast<int64_t>(f);
      }
    }
    // Pairs (term, factor it touches); with overdispersion also each factor's
    // Markov blanket (itself and the factors sharing a term with it).
    const bool blankets = options_.overdispersion() != 1.0;
    std::vector<int64_t> pair_t, pair_f;
    std::vector<std::vector<int64_t>> blanket(static_cast<size_t>(blankets ? F : 0));
    for (int64_t f = 0; f < (blankets ? F : 0); ++f) blanket[static_cast<size_t>(f)].push_back(f);
    for (size_t t = 0; t < terms.size(); ++t) {
      std::vector<int64_t> touched;
      for (auto c : terms[t]) {
        if (c < 0 || c >= q.dim()) {
          throw DomainError("ScoreFunctionElbo: log-density term " + std::to_string(t) +
                            " names coordinate " + std::to_string(c) + " outside 0.." +
                            std::to_string(q.dim() - 1));
        }
        const int64_t f = factor_of[static_cast<size_t>(c)];
        if (f >= 0) touched.push_back(f);
      }
      std::sort(touched.begin(), touched.end());
      touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
      for (auto f : touched) {
        pair_t.push_back(static_cast<int64_t>(t));
        pair_f.push_back(f);
        if (blankets) {
          auto& members = blanket[static_cast<size_t>(f)];
          members.insert(members.end(), touched.begin(), touched.end());
        }
      }
    }
    std::vector<int64_t> bf, bm;
    for (size_t f = 0; f < blanket.size(); ++f) {
      auto& members = blanket[f];
      std::sort(members.begin(), members.end());
      members.erase(std::unique(members.begin(), members.end()), members.end());
      for (auto m : members) {
        bf.push_back(static_cast<int64_t>(f));
        bm.push_back(m);
      }
    }
    auto as_tensor = [](const std::vector<int64_t>& v) {
      return torch::tensor(v, torch::TensorOptions().dtype(torch::kLong));
    };
    s.signal_terms = as_tensor(pair_t);
    s.signal_factors = as_tensor(pair_f);
    s.blanket_factors = as_tensor(bf);
    s.blanket_members = as_tensor(bm);
  }
  structure_ = std::move(s);
  if (baseline_.defined() && baseline_.size(0) != F) baseline_ = at::Tensor();
  return structure_;
}

Estimate ScoreFunctionElbo::estimate(const model::LogDensity& p, family::Family& q,
                                     const model::Subsample& data, at::Generator gen) {
  const auto& s = structure(p, q);
  const int64_t F = s.num_factors;
  const bool odis = options_.overdispersion() != 1.0;
  const bool rb = options_.rao_blackwellize() && s.declared;

  // Draws from q (or the overdispersed proposal r), detached; log p as values only.
  std::shared_ptr<family::Family> r;
  at::Tensor theta, terms, log_p, log_r;
  {
    torch::NoGradGuard no_grad;
    if (odis) r = q.overdispersed(options_.overdispersion());
    theta = (odis ? r->sample(options_.num_draws(), gen) : q.sample(options_.num_draws(), gen))
                .detach();
    if (rb) {
      terms = p.log_prob_terms(theta, data);
      log_p = terms.sum(1);
    } else {
      log_p = p.log_prob(theta, data);
    }
  }
  Estimate out;
  auto finite = torch::isfinite(log_p);
  const int64_t kept = finite.sum().item<int64_t>();
  out.dropped = theta.size(0) - kept;
  if (kept == 0) {
    throw NumericalError("reinforce: log p(x, θ) is not finite at any of the " +
                         std::to_string(theta.size(0)) + " draws");
  }
  if (out.dropped) {
    auto rows = finite.nonzero().squeeze(1);
    theta = theta.index_select(0, rows);
    log_p = log_p.index_select(0, rows);
    if (rb) terms = terms.index_select(0, rows);
  }
  const int64_t K = kept;

  auto log_q_factors = q.log_prob_factors(theta);  // [K, F], differentiable in λ
  auto lqf = log_q_factors.detach();
  auto log_q = lqf.sum(1);

  // Importance weights: w_k = q/r (full) and per factor over its Markov blanket.
  at::Tensor w_full, w;
  if (odis) {
    torch::NoGradGuard no_grad;
    auto log_ratio = lqf - r->log_prob_factors(theta);  // [K, F]
    w_full = log_ratio.sum(1).exp();
    if (rb) {
      auto log_w = torch::zeros({K, F}, lqf.options());
      log_w.index_add_(1, s.blanket_factors, log_ratio.index_select(1, s.blanket_members));
      w = log_w.exp();
    } else {
      w = w_full.unsqueeze(1).expand({K, F});
    }
  } else {
    w_full = torch::ones({K}, lqf.options());
    w = torch::ones({K, F}, lqf.options());
  }

  // Learning signal L [K, F].
  at::Tensor signal;
  if (rb) {
    signal = torch::zeros({K, F}, lqf.options());
    signal.index_add_(1, s.signal_factors, terms.index_select(1, s.signal_terms));
    signal = signal - lqf;
  } else {
    signal = (log_p - log_q).unsqueeze(1).expand({K, F});
  }

  // Coefficients c_{k,f} = w (L − a) of ∇λ_f log q_f(θ_k).
  at::Tensor coeff;
  switch (options_.control_variate()) {
    case ControlVariate::none: coeff = w * signal; break;
    case ControlVariate::baseline: {
      auto mean_signal = (w * signal).mean(0);  // unbiased for E_q[L_f]
      auto b = baseline_.defined() ? baseline_ : torch::zeros({F}, lqf.options());
      coeff = w * (signal - b);
      const double d = options_.baseline_decay();
      baseline_ = baseline_.defined() ? d * baseline_ + (1.0 - d) * mean_signal : mean_signal;
      break;
    }
    case ControlVariate::optimal: {
      torch::NoGradGuard no_grad;
      // n_{k,f} = ‖∇λ_f log q_f(θ_k)‖², from the per-draw scores.
      auto norms = torch::zeros({K, F}, lqf.options());
      auto scores = q.score(theta);
      auto factors = q.parameter_factors();
      if (scores.size() != factors.size()) {
        throw DomainError(q.family_name() + ": score() and parameter_factors() disagree on the "
                          "number of parameters");
      }
      for (size_t i = 0; i < scores.size(); ++i) {
        norms.index_add_(1, factors[i].reshape({-1}),
                         scores[i].reshape({K, -1}).to(lqf.scalar_type()).square());
      }
      auto v = w.square() * norms;
      auto u = v * signal;
      auto num = u.sum(0, /*keepdim=*/true) - u;  // leave draw k out
      auto den = v.sum(0, /*keepdim=*/true) - v;
      auto a = torch::where(den > 0, num / den.clamp_min(1e-300), torch::zeros_like(den));
      coeff = w * (signal - a);
      break;
    }
  }

  auto score_term = (coeff.detach() * log_q_factors).sum() / static_cast<double>(K);
  out.value = (w_full * (log_p - log_q)).mean().item<double>();
  out.surrogate = (score_term - score_term.detach()) + out.value;
  return out;
}

}  // namespace elbo::objective
