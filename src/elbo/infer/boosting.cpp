#include "elbo/infer/boosting.hpp"

#include <torch/torch.h>

#include <chrono>
#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/full_rank_gaussian.hpp"
#include "elbo/family/mean_field_gaussian.hpp"
#include "elbo/objective/reparam_elbo.hpp"

namespace elbo::infer {

namespace {

using family::GaussianMixture;

/// (1 − ρ) q_old + ρ N(μ, L Lᵀ) with q_old fixed: λ = (μ, L, a), ρ = sigmoid(a).
class BoostingStageFamily : public family::Family {
 public:
  BoostingStageFamily(at::Tensor old_loc, at::Tensor old_tril, at::Tensor old_log_weights,
                      bool full_rank)
      : Family(old_loc.size(1)),
        old_loc_(std::move(old_loc)),
        old_tril_(std::move(old_tril)),
        old_log_weights_(std::move(old_log_weights)),
        full_rank_(full_rank) {
    auto opts = old_loc_.options();
    const int64_t D = dim();
    loc = register_parameter("loc", torch::zeros({D}, opts));
    log_diag = register_parameter("log_diag", torch::zeros({D}, opts));
    if (full_rank_) tril_raw = register_parameter("tril_raw", torch::zeros({D, D}, opts));
    weight_logit = register_parameter("weight_logit", torch::zeros({}, opts));
  }

  std::string family_name() const override {
    return "boosting_stage:" + std::to_string(old_loc_.size(0) + 1);
  }

  at::Tensor new_tril(bool detach) const {
    auto diag = torch::diag((detach ? log_diag.detach() : log_diag).exp());
    if (!full_rank_) return diag;
    return torch::tril(detach ? tril_raw.detach() : tril_raw, -1) + diag;
  }

  // Every component's mean [C+1, D], factor [C+1, D, D] and log weight [C+1].
  at::Tensor all_loc(bool detach) const {
    return torch::cat({old_loc_, (detach ? loc.detach() : loc).unsqueeze(0)}, 0);
  }
  at::Tensor all_tril(bool detach) const {
    return torch::cat({old_tril_, new_tril(detach).unsqueeze(0)}, 0);
  }
  at::Tensor all_log_weights(bool detach) const {
    auto a = detach ? weight_logit.detach() : weight_logit;
    return torch::cat({old_log_weights_ + torch::log_sigmoid(-a), torch::log_sigmoid(a).view({1})});
  }

  at::Tensor log_prob_impl(const at::Tensor& theta, bool detach) const {
    auto comp = GaussianMixture::gaussian_log_prob(theta, all_loc(detach), all_tril(detach));
    return torch::logsumexp(comp + all_log_weights(detach).unsqueeze(0), 1);
  }

  at::Tensor rsample(int64_t num_draws, at::Generator gen) override {
    at::Tensor index;
    {
      torch::NoGradGuard no_grad;
      index = torch::multinomial(all_log_weights(true).exp(), num_draws, true, gen);
    }
    auto eps = torch::randn({num_draws, dim()}, gen, loc.options());
    auto L = all_tril(false).index_select(0, index);
    return all_loc(false).index_select(0, index) +
           torch::matmul(L, eps.unsqueeze(-1)).squeeze(-1);
  }

  family::WeightedDraws rsample_weighted(int64_t num_draws, at::Generator gen) override {
    const int64_t C = old_loc_.size(0) + 1, K = num_draws;
    auto eps = torch::randn({C, K, dim()}, gen, loc.options());
    auto theta = all_loc(false).unsqueeze(1) + torch::matmul(eps, all_tril(false).transpose(1, 2));
    family::WeightedDraws out;
    out.theta = theta.reshape({C * K, dim()});
    out.log_q = log_prob(out.theta);
    out.weight = all_log_weights(false).exp().repeat_interleave(K) / static_cast<double>(K);
    return out;
  }
  bool prefers_weighted_draws() const override { return true; }

  at::Tensor log_prob(const at::Tensor& theta) override { return log_prob_impl(theta, false); }
  at::Tensor log_prob_stop_gradient(const at::Tensor& theta) override {
    return log_prob_impl(theta, true);
  }

  at::Tensor mean() override {
    torch::NoGradGuard no_grad;
    return all_log_weights(true).exp().matmul(all_loc(true));
  }
  at::Tensor covariance() override {
    torch::NoGradGuard no_grad;
    auto w = all_log_weights(true).exp();
    auto m = all_loc(true), L = all_tril(true);
    auto second = torch::matmul(L, L.transpose(1, 2)) + m.unsqueeze(2) * m.unsqueeze(1);
    auto mu = w.matmul(m);
    return (w.view({-1, 1, 1}) * second).sum(0) - torch::outer(mu, mu);
  }

  /// Starts the new component at `location` with factor `tril` and weight ρ.
  void start(const at::Tensor& location, const at::Tensor& tril, double rho) {
    torch::NoGradGuard no_grad;
    loc.copy_(location);
    log_diag.copy_(tril.diagonal().log());
    if (full_rank_) tril_raw.copy_(tril.tril(-1));
    weight_logit.fill_(std::log(rho / (1.0 - rho)));
  }
  void initialize(const at::Tensor& location) override {
    check_shape("boosting stage initialize", "location", location, {dim()});
    torch::NoGradGuard no_grad;
    loc.copy_(location);
  }

  std::shared_ptr<family::Family> clone_family() const override {
    auto copy = std::make_shared<BoostingStageFamily>(old_loc_, old_tril_, old_log_weights_,
                                                      full_rank_);
    torch::NoGradGuard no_grad;
    auto src = parameters();
    auto dst = copy->parameters();
    for (size_t i = 0; i < src.size(); ++i) dst[i].copy_(src[i]);
    return copy;
  }

  at::Tensor loc, log_diag, tril_raw, weight_logit;

 private:
  at::Tensor old_loc_, old_tril_, old_log_weights_;  // constants [C, D], [C, D, D], [C]
  bool full_rank_;
};

void check_options(const BoostingOptions& o) {
  const char* fn = "variational_boosting";
  check_option_positive(fn, "num_components", static_cast<double>(o.num_components()));
  check_option_positive(fn, "grad_draws", static_cast<double>(o.grad_draws()));
  check_option_positive(fn, "candidate_draws", static_cast<double>(o.candidate_draws()));
  check_option_positive(fn, "eval_draws", static_cast<double>(o.eval_draws()));
  check_option_positive(fn, "candidate_inflation", o.candidate_inflation());
  check_option_positive(fn, "init_scale", o.init_scale());
  if (!(o.initial_weight() > 0.0 && o.initial_weight() < 1.0)) {
    throw ConfigError(check_message(fn, "initial_weight", -1, o.initial_weight(),
                                    "in (0, 1)"));
  }
}

/// A mixture with the given components (weights exp(log_weights)).
std::shared_ptr<GaussianMixture> make_mixture(const at::Tensor& loc, const at::Tensor& tril,
                                              const at::Tensor& log_weights, bool full_rank) {
  auto q = std::make_shared<GaussianMixture>(loc.size(1), loc.size(0),
                                             family::GaussianMixtureOptions().full_rank(full_rank));
  q->set_components(loc, tril, torch::ones_like(log_weights));
  {
    torch::NoGradGuard no_grad;
    q->logits.copy_(log_weights);  // exact, even where a weight underflows
  }
  return q;
}

/// The candidate with the largest residual density p/Ẑ − q (see the header).
at::Tensor worst_fit_location(const model::LogDensity& p, GaussianMixture& q,
                              const BoostingOptions& o, at::Generator gen) {
  torch::NoGradGuard no_grad;
  auto draws = q.rsample_weighted(std::max<int64_t>(1, o.candidate_draws() / q.num_components()),
                                  gen);
  auto log_ratio = p.log_prob(draws.theta) - draws.log_q;
  auto log_z = torch::logsumexp(draws.weight.log() + log_ratio.nan_to_num(-INFINITY), 0);

  const int64_t N = o.candidate_draws();
  auto index = torch::multinomial(q.weights(), N, true, gen);
  auto eps = torch::randn({N, q.dim()}, gen, q.loc.options());
  auto L = q.scale_tril().index_select(0, index);
  auto candidates = q.loc.index_select(0, index) +
                    o.candidate_inflation() * torch::matmul(L, eps.unsqueeze(-1)).squeeze(-1);
  auto log_p = (p.log_prob(candidates) - log_z).nan_to_num(-INFINITY, -INFINITY, -INFINITY);
  auto log_q = q.log_prob(candidates);
  // log(p/Ẑ − q) where p/Ẑ > q: log p̃ + log(1 − q/p̃).
  auto residual = log_p + torch::log1p(-torch::exp((log_q - log_p).clamp_max(0.0)));
  residual = residual.masked_fill(log_p <= log_q, -INFINITY);
  if (!std::isfinite(residual.max().item<double>())) residual = log_p - log_q;  // q ≥ p/Ẑ everywhere
  return candidates[residual.argmax().item<int64_t>()].clone();
}

}  // namespace

BoostingResult variational_boosting(std::shared_ptr<const model::LogDensity> p,
                                    const BoostingOptions& options) {
  check_options(options);
  const auto start_time = std::chrono::steady_clock::now();
  const int64_t D = p->dim();
  auto opts = torch::TensorOptions().dtype(torch::kDouble);
  auto location = options.init_location().defined() ? options.init_location().to(opts)
                                                    : torch::zeros({D}, opts);
  check_shape("variational_boosting", "init_location", location, {D});
  const bool full = options.full_rank();
  auto objective = std::make_shared<objective::ReparamElbo>(
      objective::ReparamElboOptions().num_draws(options.grad_draws()));
  auto eval_elbo = [&](family::Family& q) {
    auto gen = make_generator(options.svi().seed ^ 0xb0057ULL);
    return objective::elbo_value(*p, q, options.eval_draws(), gen);
  };
  auto gen = make_generator(options.svi().seed ^ 0x1a17ULL);  // candidates

  BoostingResult result;
  // Stage 1: one Gaussian.
  {
    family::FamilyPtr single;
    if (full) single = std::make_shared<family::FullRankGaussian>(D);
    else single = std::make_shared<family::MeanFieldGaussian>(D);
    single->initialize(location);
    Svi svi(p, single, objective, options.optimizer(), options.svi());
    BoostingStage stage;
    stage.svi = svi.run();
    stage.init_location = location.clone();
    stage.location = single->mean();
    auto L = torch::linalg_cholesky(single->covariance());
    result.q = make_mixture(single->mean().unsqueeze(0), L.unsqueeze(0),
                            torch::zeros({1}, opts), full);
    stage.components = 1;
    stage.elbo = eval_elbo(*result.q);
    result.stages.push_back(std::move(stage));
  }

  for (int64_t c = 2; c <= options.num_components(); ++c) {
    auto& q = *result.q;
    at::Tensor old_loc, old_tril, old_log_w, average_cov;
    {
      torch::NoGradGuard no_grad;
      old_loc = q.loc.detach().clone();
      old_tril = q.scale_tril().detach().clone();
      old_log_w = q.log_weights().detach().clone();
      average_cov = (old_log_w.exp().view({-1, 1, 1}) *
                     torch::matmul(old_tril, old_tril.transpose(1, 2))).sum(0);
    }
    BoostingStage stage;
    stage.init_location = worst_fit_location(*p, q, options, gen);
    auto stage_q = std::make_shared<BoostingStageFamily>(old_loc, old_tril, old_log_w, full);
    auto new_tril = options.init_scale() * torch::linalg_cholesky(full ? average_cov
                                                                       : torch::diag(average_cov.diagonal()));
    stage_q->start(stage.init_location, new_tril, options.initial_weight());

    auto svi_options = options.svi();
    svi_options.seed += static_cast<uint64_t>(c - 1);
    Svi svi(p, stage_q, objective, options.optimizer(), svi_options);
    stage.svi = svi.run();
    stage.location = stage_q->loc.detach().clone();
    stage.weight = torch::sigmoid(stage_q->weight_logit.detach()).item<double>();

    at::Tensor new_log_w;
    {
      torch::NoGradGuard no_grad;
      new_log_w = stage_q->all_log_weights(true);
    }
    auto candidate = make_mixture(stage_q->all_loc(true), stage_q->all_tril(true), new_log_w, full);
    const double previous = result.stages.back().elbo;
    const double elbo = eval_elbo(*candidate);
    stage.accepted = std::isfinite(elbo) && elbo > previous;
    if (stage.accepted) {
      result.q = candidate;
      stage.elbo = elbo;
    } else {
      stage.elbo = previous;
    }
    stage.components = result.q->num_components();
    result.stages.push_back(std::move(stage));
  }
  result.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_time).count();
  return result;
}

}  // namespace elbo::infer
