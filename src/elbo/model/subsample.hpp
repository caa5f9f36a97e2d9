#pragma once
// Which data points a log-joint evaluation sees: all M of them, or a
// minibatch of S indices. A model scales its likelihood term by scale() = M/S
// so the minibatch log joint is an unbiased estimate of the full one.
//
// A likelihood weight β (tempering; Mandt et al. 2016, "Variational
// Tempering") multiplies scale() to β·M/S, so every model that scales its
// likelihood by scale() is tempered — β·log p(x | z) + log p(z) — unchanged.
#include <ATen/core/Tensor.h>

#include <cstdint>

namespace elbo::model {

class Subsample {
 public:
  /// All M data points (scale 1).
  static Subsample all(int64_t total);
  /// The rows `indices` (int64, shape [S]) out of `total`.
  static Subsample of(at::Tensor indices, int64_t total);

  bool is_full() const { return !indices_.defined(); }
  /// int64 [S]; undefined when is_full().
  const at::Tensor& indices() const { return indices_; }
  int64_t size() const { return size_; }
  int64_t total() const { return total_; }
  /// β · M / S: the weight of each observed likelihood term (M / S exactly when β = 1).
  double scale() const {
    const double scale = static_cast<double>(total_) / static_cast<double>(size_);
    return likelihood_weight_ == 1.0 ? scale : likelihood_weight_ * scale;
  }
  /// The same rows with likelihood weight β ≥ 0 (replacing the current one).
  Subsample tempered(double beta) const;
  /// β: 1 unless tempered.
  double likelihood_weight() const { return likelihood_weight_; }
  /// The selected rows of `data` (dimension 0), or `data` itself when full.
  at::Tensor rows(const at::Tensor& data) const;

 private:
  Subsample(at::Tensor indices, int64_t size, int64_t total)
      : indices_(std::move(indices)), size_(size), total_(total) {}
  at::Tensor indices_;
  int64_t size_ = 0;
  int64_t total_ = 0;
  double likelihood_weight_ = 1.0;
};

}  // namespace elbo::model
