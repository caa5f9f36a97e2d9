#include "elbo/dist/kl_divergence.hpp"

#include <torch/torch.h>

#include <functional>
#include <limits>
#include <vector>

#include "elbo/core/error.hpp"
#include "elbo/dist/batched_linalg.hpp"
#include "elbo/dist/bernoulli.hpp"
#include "elbo/dist/beta.hpp"
#include "elbo/dist/categorical.hpp"
#include "elbo/dist/dirichlet.hpp"
#include "elbo/dist/exponential.hpp"
#include "elbo/dist/gamma.hpp"
#include "elbo/dist/independent.hpp"
#include "elbo/dist/low_rank_multivariate_normal.hpp"
#include "elbo/dist/multivariate_normal.hpp"
#include "elbo/dist/normal.hpp"
#include "elbo/dist/poisson.hpp"

namespace elbo::dist {

namespace {

/// One registry entry: whether it applies to (p, q), and the closed form.
struct Rule {
  std::function<bool(const Distribution&, const Distribution&)> matches;
  std::function<at::Tensor(const Distribution&, const Distribution&)> compute;
};

// The rule for the pair of types (P, Q).
template <class P, class Q, class F>
Rule rule(F fn) {
  return {[](const Distribution& p, const Distribution& q) {
            return dynamic_cast<const P*>(&p) != nullptr &&
                   dynamic_cast<const Q*>(&q) != nullptr;
          },
          [fn](const Distribution& p, const Distribution& q) {
            return fn(dynamic_cast<const P&>(p), dynamic_cast<const Q&>(q));
          }};
}

const Rule* find_rule(const Distribution& p, const Distribution& q);

// "normal", or "independent(normal)" for wrapped distributions.
std::string describe(const Distribution& d) {
  if (auto* ind = dynamic_cast<const Independent*>(&d)) {
    return "independent(" + describe(ind->base()) + ")";
  }
  return d.name();
}

at::Tensor lbeta(const at::Tensor& a, const at::Tensor& b) {
  return a.lgamma() + b.lgamma() - (a + b).lgamma();
}

// ---- Gaussians -------------------------------------------------------------
// KL(p‖q) = ½ [tr(Σq⁻¹Σp) + (μq−μp)ᵀΣq⁻¹(μq−μp) − D + log det Σq − log det Σp].
// q is seen through Σq⁻¹-quadratic forms; p through a factor of Σp.

/// ‖Σq^{-1/2} M‖_F² summed over columns: tr(Mᵀ Σq⁻¹ M) for M [batch..., D, k].
struct GaussianQ {
  std::function<at::Tensor(const at::Tensor&)> quad_columns;  // M → tr(Mᵀ Σq⁻¹ M), [batch]
  std::function<at::Tensor()> inverse_diag;                   // diag(Σq⁻¹), [batch, D]
  at::Tensor log_det;                                         // [batch]
  at::Tensor loc;
};

GaussianQ as_q(const MultivariateNormal& q) {
  const auto tril = q.scale_tril();
  GaussianQ g;
  g.quad_columns = [tril](const at::Tensor& m) {
    return at::linalg_solve_triangular(tril, m, /*upper=*/false).square().sum({-2, -1});
  };
  g.inverse_diag = [tril]() {
    auto eye = at::eye(tril.size(-1), tril.options()).expand_as(tril);
    auto inv = at::linalg_solve_triangular(tril, eye, /*upper=*/false);  // L⁻¹
    return inv.square().sum(-2);  // (Σ⁻¹)_jj = Σ_i (L⁻¹)_ij²
  };
  g.log_det = 2 * half_log_det(tril);
  g.loc = q.loc();
  return g;
}

GaussianQ as_q(const LowRankMultivariateNormal& q) {
  // Σq⁻¹ = D⁻¹ − Aᵀ A with A = L_C⁻¹ Wᵀ D⁻¹ [batch, r, D].
  auto d = q.cov_diag();
  auto a = at::linalg_solve_triangular(q.capacitance_tril(),
                                       (q.cov_factor() / d.unsqueeze(-1)).transpose(-1, -2),
                                       /*upper=*/false);
  GaussianQ g;
  g.quad_columns = [d, a](const at::Tensor& m) {
    return (m.square() / d.unsqueeze(-1)).sum({-2, -1}) -
           at::matmul(a, m).square().sum({-2, -1});
  };
  g.inverse_diag = [d, a]() { return d.reciprocal() - a.square().sum(-2); };
  g.log_det = q.log_det_covariance();
  g.loc = q.loc();
  return g;
}

at::Tensor gaussian_kl(const at::Tensor& p_loc, const at::Tensor& p_log_det,
                       const at::Tensor& trace, const GaussianQ& q) {
  auto diff = (q.loc - p_loc).unsqueeze(-1);
  auto maha = q.quad_columns(diff);
  const auto d = static_cast<double>(p_loc.size(-1));
  return 0.5 * (trace + maha - d + q.log_det - p_log_det);
}

void check_same_dim(const Distribution& p, const Distribution& q) {
  if (p.event_shape() != q.event_shape()) {
    throw DomainError("kl_divergence: " + p.name() + " and " + q.name() +
                      " have different event shapes");
  }
}

template <class Q>
at::Tensor kl_mvn(const MultivariateNormal& p, const Q& q) {
  check_same_dim(p, q);
  auto g = as_q(q);
  return gaussian_kl(p.loc(), 2 * half_log_det(p.scale_tril()), g.quad_columns(p.scale_tril()),
                     g);
}

template <class Q>
at::Tensor kl_low_rank(const LowRankMultivariateNormal& p, const Q& q) {
  check_same_dim(p, q);
  auto g = as_q(q);
  // tr(Σq⁻¹ (W Wᵀ + diag d)) = tr(Wᵀ Σq⁻¹ W) + Σ_j d_j (Σq⁻¹)_jj.
  auto trace = g.quad_columns(p.cov_factor()) + (p.cov_diag() * g.inverse_diag()).sum(-1);
  return gaussian_kl(p.loc(), p.log_det_covariance(), trace, g);
}

// ---- registry --------------------------------------------------------------

const std::vector<Rule>& registry() {
  static const std::vector<Rule> rules = {
      rule<Normal, Normal>([](const Normal& p, const Normal& q) {
        auto ratio = (p.scale() / q.scale()).square();
        auto t = ((p.loc() - q.loc()) / q.scale()).square();
        return 0.5 * (ratio + t - 1 - ratio.log());
      }),
      rule<MultivariateNormal, MultivariateNormal>(kl_mvn<MultivariateNormal>),
      rule<MultivariateNormal, LowRankMultivariateNormal>(kl_mvn<LowRankMultivariateNormal>),
      rule<LowRankMultivariateNormal, MultivariateNormal>(kl_low_rank<MultivariateNormal>),
      rule<LowRankMultivariateNormal, LowRankMultivariateNormal>(
          kl_low_rank<LowRankMultivariateNormal>),
      // Independent‖Independent with the same reinterpreted dims: Σ KL of the bases.
      Rule{[](const Distribution& p, const Distribution& q) {
             auto* ip = dynamic_cast<const Independent*>(&p);
             auto* iq = dynamic_cast<const Independent*>(&q);
             return ip && iq &&
                    ip->reinterpreted_batch_ndims() == iq->reinterpreted_batch_ndims() &&
                    find_rule(ip->base(), iq->base()) != nullptr;
           },
           [](const Distribution& p, const Distribution& q) {
             const auto& ip = dynamic_cast<const Independent&>(p);
             const auto& iq = dynamic_cast<const Independent&>(q);
             return ip.sum_reinterpreted(kl_divergence(ip.base(), iq.base()));
           }},
      rule<Gamma, Gamma>([](const Gamma& p, const Gamma& q) {
        const auto &ap = p.concentration(), &bp = p.rate();
        const auto &aq = q.concentration(), &bq = q.rate();
        return (ap - aq) * ap.digamma() - ap.lgamma() + aq.lgamma() +
               aq * (bp.log() - bq.log()) + ap * (bq - bp) / bp;
      }),
      rule<Beta, Beta>([](const Beta& p, const Beta& q) {
        const auto &ap = p.concentration1(), &bp = p.concentration0();
        const auto &aq = q.concentration1(), &bq = q.concentration0();
        return lbeta(aq, bq) - lbeta(ap, bp) + (ap - aq) * ap.digamma() +
               (bp - bq) * bp.digamma() + (aq - ap + bq - bp) * (ap + bp).digamma();
      }),
      rule<Dirichlet, Dirichlet>([](const Dirichlet& p, const Dirichlet& q) {
        check_same_dim(p, q);
        const auto& ap = p.concentration();
        const auto& aq = q.concentration();
        auto ap0 = ap.sum(-1);
        auto aq0 = aq.sum(-1);
        return ap0.lgamma() - ap.lgamma().sum(-1) - aq0.lgamma() + aq.lgamma().sum(-1) +
               ((ap - aq) * (ap.digamma() - ap0.digamma().unsqueeze(-1))).sum(-1);
      }),
      rule<Bernoulli, Bernoulli>([](const Bernoulli& p, const Bernoulli& q) {
        // p log(p/q) + (1−p) log((1−p)/(1−q)), with 0 log 0 = 0.
        const auto& pp = p.probs();
        auto zero = at::zeros_like(pp);
        auto t1 = at::where(pp > 0,
                            pp * (at::log_sigmoid(p.logits()) - at::log_sigmoid(q.logits())),
                            zero);
        auto t0 = at::where(
            pp < 1, (1 - pp) * (at::log_sigmoid(-p.logits()) - at::log_sigmoid(-q.logits())),
            zero);
        return t1 + t0;
      }),
      rule<Categorical, Categorical>([](const Categorical& p, const Categorical& q) {
        if (p.num_classes() != q.num_classes()) {
          throw DomainError("kl_divergence: categorical distributions have " +
                            std::to_string(p.num_classes()) + " and " +
                            std::to_string(q.num_classes()) + " classes");
        }
        auto pp = p.probs();
        auto terms = pp * (p.logits() - q.logits());
        // 0 · log(0/q) = 0, including q = 0; p > 0 where q = 0 gives +inf.
        return at::where(pp > 0, terms, at::zeros_like(terms)).sum(-1);
      }),
      rule<Exponential, Exponential>([](const Exponential& p, const Exponential& q) {
        auto ratio = q.rate() / p.rate();
        return ratio - 1 - ratio.log();
      }),
      rule<Poisson, Poisson>([](const Poisson& p, const Poisson& q) {
        const auto &lp = p.rate(), &lq = q.rate();
        return at::xlogy(lp, lp) - at::xlogy(lp, lq) - lp + lq;
      }),
  };
  return rules;
}

const Rule* find_rule(const Distribution& p, const Distribution& q) {
  for (const auto& r : registry()) {
    if (r.matches(p, q)) return &r;
  }
  return nullptr;
}

}  // namespace

at::Tensor kl_divergence(const Distribution& p, const Distribution& q) {
  if (const Rule* r = find_rule(p, q)) return r->compute(p, q);
  throw DomainError("kl_divergence: no analytic KL divergence between " + describe(p) +
                    " and " + describe(q));
}

bool has_analytic_kl(const Distribution& p, const Distribution& q) {
  return find_rule(p, q) != nullptr;
}

}  // namespace elbo::dist
