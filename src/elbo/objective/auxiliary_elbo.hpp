#pragma once
// The auxiliary-variable bound of a hierarchical variational model (Ranganath,
// Tran & Blei 2016; Agakov & Barber 2004; Salimans, Kingma & Welling 2015):
//   L = E_{q(ν) q(θ|ν)}[log p(x, θ) + log r(ν | θ) − log q(θ | ν) − log q(ν)]
//     = ELBO(q(θ)) − E_{q(θ)}[KL(q(ν | θ) ‖ r(ν | θ))] ≤ log p(x),
// estimated with K reparameterised draws (ν_k, θ_k); its gradient trains the
// variational prior q(ν), the likelihood q(θ|ν) and the reverse model r
// together. Draws whose log p is not finite are dropped (counted) as in
// ReparamElbo. Needs a family::HierarchicalFamily (ConfigError otherwise).
#include <cstdint>

#include "elbo/objective/objective.hpp"

namespace elbo::family {
class HierarchicalFamily;
}  // namespace elbo::family

namespace elbo::objective {

struct AuxiliaryElboOptions {
  AuxiliaryElboOptions& num_draws(int64_t k) { num_draws_ = k; return *this; }
  int64_t num_draws() const { return num_draws_; }

 private:
  int64_t num_draws_ = 1;
};

class AuxiliaryElbo : public Objective {
 public:
  explicit AuxiliaryElbo(AuxiliaryElboOptions options = {});
  std::string name() const override { return "auxiliary_elbo"; }
  Estimate estimate(const model::LogDensity& p, family::Family& q,
                    const model::Subsample& data, at::Generator gen) override;
  const AuxiliaryElboOptions& options() const { return options_; }

 private:
  AuxiliaryElboOptions options_;
};

/// A gradient-free estimate of the auxiliary bound with K draws on all data.
double auxiliary_elbo_value(const model::LogDensity& p, family::HierarchicalFamily& q,
                            int64_t num_draws, at::Generator gen);

}  // namespace elbo::objective
