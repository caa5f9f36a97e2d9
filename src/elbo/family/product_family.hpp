#pragma once
// A mixed mean-field family: independent blocks of consecutive θ coordinates,
// each with its own family,
//   q(θ) = Π_b q_b(θ_[o_b, o_b + D_b); λ_b),
// e.g. a MeanFieldGaussian block for continuous latents followed by a
// CategoricalFamily block for one-hot assignments (the order of the blocks is
// the order of the model's latents in θ). Everything is the blocks' pieces
// concatenated or summed: log q and H add; the factors, per-draw scores and
// parameters are the blocks' in block order (parameters() is block 0's, then
// block 1's, ...); the overdispersed proposal and the relaxed draws are taken
// block by block. has_rsample() / has_entropy() hold when every block has them.
#include <vector>

#include "elbo/family/family.hpp"

namespace elbo::family {

class ProductFamily : public Family {
 public:
  /// At least one block; each non-null.
  explicit ProductFamily(std::vector<FamilyPtr> blocks);

  std::string family_name() const override;
  at::Tensor rsample(int64_t num_draws, at::Generator gen) override;
  at::Tensor sample(int64_t num_draws, at::Generator gen) override;
  bool has_rsample() const override;
  at::Tensor log_prob(const at::Tensor& theta) override;
  at::Tensor log_prob_stop_gradient(const at::Tensor& theta) override;
  at::Tensor entropy() override;
  bool has_entropy() const override;
  at::Tensor mean() override;
  at::Tensor covariance() override;
  void initialize(const at::Tensor& location) override;
  std::vector<at::Tensor> canonical_parameters(const std::vector<at::Tensor>& reference = {}) override;
  std::shared_ptr<Family> clone_family() const override;

  int64_t num_factors() const override;
  std::vector<std::vector<int64_t>> factor_coordinates() const override;
  at::Tensor log_prob_factors(const at::Tensor& theta) override;
  std::vector<at::Tensor> parameter_factors() override;
  std::vector<at::Tensor> score(const at::Tensor& theta) override;
  std::shared_ptr<Family> overdispersed(double tau) const override;
  at::Tensor rsample_relaxed(int64_t num_draws, double temperature, bool straight_through,
                             at::Generator gen) override;

  const std::vector<FamilyPtr>& blocks() const { return blocks_; }
  /// First θ column of each block.
  const std::vector<int64_t>& offsets() const { return offsets_; }

 private:
  at::Tensor block_theta(const at::Tensor& theta, size_t b) const;
  std::vector<FamilyPtr> blocks_;
  std::vector<int64_t> offsets_;
};

}  // namespace elbo::family
