#include "elbo/amortized/evaluate.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"

namespace elbo::amortized {

LogLikelihoodEstimate importance_log_likelihood(Vae& vae, const at::Tensor& x,
                                                const LogLikelihoodOptions& o, at::Generator gen) {
  check_option_positive("importance_log_likelihood", "samples", static_cast<double>(o.samples()));
  check_option_positive("importance_log_likelihood", "chunk", static_cast<double>(o.chunk()));
  check_option_positive("importance_log_likelihood", "batch", static_cast<double>(o.batch()));
  torch::NoGradGuard no_grad;
  const int64_t n = x.size(0);
  LogLikelihoodEstimate out;
  out.per_point.reserve(static_cast<size_t>(n));
  for (int64_t start = 0; start < n; start += o.batch()) {
    auto xb = x.narrow(0, start, std::min(o.batch(), n - start));
    at::Tensor acc;  // running log Σ w, accumulated in double
    for (int64_t done = 0; done < o.samples(); done += o.chunk()) {
      const int64_t k = std::min(o.chunk(), o.samples() - done);
      auto lse = torch::logsumexp(vae->log_weights(xb, k, gen).log_w(), 0).to(torch::kDouble);
      acc = acc.defined() ? torch::logaddexp(acc, lse) : lse;
    }
    acc = acc - std::log(static_cast<double>(o.samples()));
    auto a = acc.contiguous();
    out.per_point.insert(out.per_point.end(), a.data_ptr<double>(), a.data_ptr<double>() + a.numel());
    if (o.progress()) o.progress()(start + xb.size(0));
  }
  double sum = 0;
  for (double v : out.per_point) sum += v;
  out.mean = sum / static_cast<double>(n);
  double ss = 0;
  for (double v : out.per_point) ss += (v - out.mean) * (v - out.mean);
  out.standard_error = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1) / static_cast<double>(n)) : 0.0;
  return out;
}

ActiveUnits active_units(const std::function<at::Tensor(const at::Tensor&)>& mean,
                         const at::Tensor& x, double threshold, int64_t batch) {
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> parts;
  for (int64_t start = 0; start < x.size(0); start += batch) {
    parts.push_back(mean(x.narrow(0, start, std::min(batch, x.size(0) - start))).to(torch::kDouble));
  }
  auto mu = torch::cat(parts, 0);
  // Population covariance's diagonal over the data points.
  auto var = (mu - mu.mean(0)).square().mean(0).contiguous();
  ActiveUnits out;
  out.variance.assign(var.data_ptr<double>(), var.data_ptr<double>() + var.numel());
  for (double v : out.variance) out.active += v > threshold ? 1 : 0;
  return out;
}

ActiveUnits active_units(Vae& vae, const at::Tensor& x, double threshold) {
  return active_units([&](const at::Tensor& xb) { return vae->encoder()->mean(xb); }, x, threshold);
}

}  // namespace elbo::amortized
