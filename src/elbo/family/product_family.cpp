#include "elbo/family/product_family.hpp"

#include <torch/torch.h>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::family {

namespace {
int64_t total_dim(const std::vector<FamilyPtr>& blocks) {
  if (blocks.empty()) throw ConfigError("ProductFamily: at least one block is required");
  int64_t d = 0;
  for (size_t b = 0; b < blocks.size(); ++b) {
    if (!blocks[b]) throw ConfigError("ProductFamily: block " + std::to_string(b) + " is null");
    d += blocks[b]->dim();
  }
  return d;
}
}  // namespace

ProductFamily::ProductFamily(std::vector<FamilyPtr> blocks)
    : Family(total_dim(blocks)), blocks_(std::move(blocks)) {
  int64_t offset = 0;
  for (size_t b = 0; b < blocks_.size(); ++b) {
    register_module("block" + std::to_string(b), blocks_[b]);
    offsets_.push_back(offset);
    offset += blocks_[b]->dim();
  }
}

std::string ProductFamily::family_name() const {
  std::string name = "product(";
  for (size_t b = 0; b < blocks_.size(); ++b) {
    name += (b ? ", " : "") + blocks_[b]->family_name();
  }
  return name + ")";
}

at::Tensor ProductFamily::block_theta(const at::Tensor& theta, size_t b) const {
  return theta.narrow(1, offsets_[b], blocks_[b]->dim());
}

at::Tensor ProductFamily::rsample(int64_t num_draws, at::Generator gen) {
  std::vector<at::Tensor> parts;
  for (auto& block : blocks_) parts.push_back(block->rsample(num_draws, gen));
  return torch::cat(parts, 1);
}

at::Tensor ProductFamily::sample(int64_t num_draws, at::Generator gen) {
  std::vector<at::Tensor> parts;
  for (auto& block : blocks_) parts.push_back(block->sample(num_draws, gen));
  return torch::cat(parts, 1);
}

bool ProductFamily::has_rsample() const {
  for (const auto& block : blocks_) {
    if (!block->has_rsample()) return false;
  }
  return true;
}

at::Tensor ProductFamily::log_prob(const at::Tensor& theta) {
  check_dim("ProductFamily::log_prob", "theta", theta, 2);
  at::Tensor out;
  for (size_t b = 0; b < blocks_.size(); ++b) {
    auto lp = blocks_[b]->log_prob(block_theta(theta, b));
    out = out.defined() ? out + lp : lp;
  }
  return out;
}

at::Tensor ProductFamily::log_prob_stop_gradient(const at::Tensor& theta) {
  at::Tensor out;
  for (size_t b = 0; b < blocks_.size(); ++b) {
    auto lp = blocks_[b]->log_prob_stop_gradient(block_theta(theta, b));
    out = out.defined() ? out + lp : lp;
  }
  return out;
}

at::Tensor ProductFamily::entropy() {
  at::Tensor out;
  for (auto& block : blocks_) {
    auto h = block->entropy();
    out = out.defined() ? out + h : h;
  }
  return out;
}

bool ProductFamily::has_entropy() const {
  for (const auto& block : blocks_) {
    if (!block->has_entropy()) return false;
  }
  return true;
}

at::Tensor ProductFamily::mean() {
  std::vector<at::Tensor> parts;
  for (auto& block : blocks_) parts.push_back(block->mean());
  return torch::cat(parts);
}

at::Tensor ProductFamily::covariance() {
  std::vector<at::Tensor> parts;
  for (auto& block : blocks_) parts.push_back(block->covariance());
  return torch::block_diag(parts);
}

void ProductFamily::initialize(const at::Tensor& location) {
  check_shape("ProductFamily::initialize", "location", location, {dim()});
  for (size_t b = 0; b < blocks_.size(); ++b) {
    blocks_[b]->initialize(location.narrow(0, offsets_[b], blocks_[b]->dim()));
  }
}

std::vector<at::Tensor> ProductFamily::canonical_parameters(const std::vector<at::Tensor>& reference) {
  std::vector<at::Tensor> out;
  size_t start = 0;
  for (auto& block : blocks_) {
    const size_t count = block->parameters().size();
    std::vector<at::Tensor> ref;
    if (!reference.empty()) {
      ref.assign(reference.begin() + static_cast<std::ptrdiff_t>(start),
                 reference.begin() + static_cast<std::ptrdiff_t>(start + count));
    }
    auto part = block->canonical_parameters(ref);
    out.insert(out.end(), part.begin(), part.end());
    start += count;
  }
  return out;
}

std::shared_ptr<Family> ProductFamily::clone_family() const {
  std::vector<FamilyPtr> copies;
  for (const auto& block : blocks_) copies.push_back(block->clone_family());
  return std::make_shared<ProductFamily>(std::move(copies));
}

int64_t ProductFamily::num_factors() const {
  int64_t f = 0;
  for (const auto& block : blocks_) f += block->num_factors();
  return f;
}

std::vector<std::vector<int64_t>> ProductFamily::factor_coordinates() const {
  std::vector<std::vector<int64_t>> out;
  for (size_t b = 0; b < blocks_.size(); ++b) {
    for (auto coords : blocks_[b]->factor_coordinates()) {
      for (auto& c : coords) c += offsets_[b];
      out.push_back(std::move(coords));
    }
  }
  return out;
}

at::Tensor ProductFamily::log_prob_factors(const at::Tensor& theta) {
  std::vector<at::Tensor> parts;
  for (size_t b = 0; b < blocks_.size(); ++b) {
    parts.push_back(blocks_[b]->log_prob_factors(block_theta(theta, b)));
  }
  return torch::cat(parts, 1);
}

std::vector<at::Tensor> ProductFamily::parameter_factors() {
  std::vector<at::Tensor> out;
  int64_t factor_offset = 0;
  for (auto& block : blocks_) {
    for (const auto& f : block->parameter_factors()) out.push_back(f + factor_offset);
    factor_offset += block->num_factors();
  }
  return out;
}

std::vector<at::Tensor> ProductFamily::score(const at::Tensor& theta) {
  std::vector<at::Tensor> out;
  for (size_t b = 0; b < blocks_.size(); ++b) {
    auto part = blocks_[b]->score(block_theta(theta, b));
    out.insert(out.end(), part.begin(), part.end());
  }
  return out;
}

std::shared_ptr<Family> ProductFamily::overdispersed(double tau) const {
  std::vector<FamilyPtr> proposals;
  for (const auto& block : blocks_) proposals.push_back(block->overdispersed(tau));
  return std::make_shared<ProductFamily>(std::move(proposals));
}

at::Tensor ProductFamily::rsample_relaxed(int64_t num_draws, double temperature,
                                          bool straight_through, at::Generator gen) {
  std::vector<at::Tensor> parts;
  for (auto& block : blocks_) {
    parts.push_back(block->rsample_relaxed(num_draws, temperature, straight_through, gen));
  }
  return torch::cat(parts, 1);
}

}  // namespace elbo::family
