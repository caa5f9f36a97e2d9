#pragma once
// Base class of all distributions. Shapes follow the batch × event convention:
// a value has shape sample_shape + batch_shape + event_shape, and log_prob
// returns sample_shape + batch_shape (the event dimensions are summed).
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <optional>
#include <string>
#include <vector>

namespace elbo::dist {

class Distribution {
 public:
  virtual ~Distribution() = default;

  /// Short lowercase name used in error messages ("normal", "gamma").
  virtual std::string name() const = 0;

  /// log density (or mass) of `value`; shape sample + batch.
  virtual at::Tensor log_prob(const at::Tensor& value) const = 0;

  /// A draw without gradient, shape sample_shape + batch + event.
  virtual at::Tensor sample(at::IntArrayRef sample_shape, at::Generator gen) const = 0;

  /// A reparameterised draw through which gradients flow to the parameters.
  /// Throws DomainError when the distribution has no reparameterisation.
  virtual at::Tensor rsample(at::IntArrayRef sample_shape, at::Generator gen) const;
  virtual bool has_rsample() const { return false; }

  /// Analytic entropy, shape batch. Throws DomainError when none is known.
  virtual at::Tensor entropy() const;
  virtual bool has_entropy() const { return false; }

  virtual at::Tensor mean() const = 0;
  virtual at::Tensor variance() const = 0;
  at::Tensor stddev() const;

  /// Dimensions of the batch (independent, non-identical distributions).
  const std::vector<int64_t>& batch_shape() const { return batch_shape_; }
  const std::vector<int64_t>& event_shape() const { return event_shape_; }

 protected:
  Distribution(std::vector<int64_t> batch_shape, std::vector<int64_t> event_shape)
      : batch_shape_(std::move(batch_shape)), event_shape_(std::move(event_shape)) {}
  /// sample_shape + batch_shape + event_shape.
  std::vector<int64_t> extended_shape(at::IntArrayRef sample_shape) const;

 private:
  std::vector<int64_t> batch_shape_;
  std::vector<int64_t> event_shape_;
};

/// Whether tensor-valued parameters are checked on construction (default true).
/// Scalar (double) parameters are always checked: that costs no tensor work.
/// Switching this off trades the element-wise checks (and their host
/// synchronisation) for speed in hot loops whose parameters are valid by
/// construction (e.g. scale = exp(θ)).
void set_validate_args(bool validate);
bool validate_args();

}  // namespace elbo::dist
