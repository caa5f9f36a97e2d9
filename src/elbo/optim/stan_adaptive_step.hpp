#pragma once
// Stan's ADVI step-size sequence (Kucukelbir et al. 2017, JMLR 18:14, eq. 10):
//   ρ_k = η · k^(−1/2 + ε) / (τ + √s_k),
//   s_k = α g_k² + (1 − α) s_{k−1},  s_1 = g_1²,   α = 0.1, τ = 1,
// an element-wise adaptive sequence like Adagrad/RMSprop with a decaying
// envelope. η comes from the step-size search (infer/stan_eta_search.hpp).
#include "elbo/optim/optimizer.hpp"

namespace elbo::optim {

class StanAdaptiveStep : public Optimizer {
 public:
  StanAdaptiveStep(std::vector<at::Tensor> params, double eta);
  std::string name() const override { return "stan"; }
  void step(int64_t t) override;
  void zero_grad() override;
  void save(torch::serialize::OutputArchive& archive) const override;
  void load(torch::serialize::InputArchive& archive) override;

 private:
  std::vector<at::Tensor> params_;
  std::vector<at::Tensor> running_sq_;  // s_k per parameter
  double eta_;
  int64_t steps_taken_ = 0;
};

}  // namespace elbo::optim
