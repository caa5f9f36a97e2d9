#include "elbo/model/normal_prior_term.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/math_constants.hpp"

namespace elbo::model {

namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

/// x as [K, n]: the draws' elements in rows.
at::Tensor as_rows(const at::Tensor& x) { return x.dim() == 1 ? x.unsqueeze(1) : x.reshape({x.size(0), -1}); }

/// −½ Σ_j ((x_kj − μ)/σ)² per row of a contiguous double [K, n], in one pass
/// (the tensor-op form is five kernels, each with its dispatch overhead).
at::Tensor standardized_square_sums(const at::Tensor& rows, double loc, double scale) {
  const int64_t K = rows.size(0), n = rows.size(1);
  auto out = at::empty({K}, rows.options());
  const double* x = rows.data_ptr<double>();
  double* o = out.data_ptr<double>();
  const double inv = 1.0 / scale;
  for (int64_t k = 0; k < K; ++k) {
    double sum = 0.0;
    for (int64_t j = 0; j < n; ++j) {
      const double z = (x[k * n + j] - loc) * inv;
      sum += z * z;
    }
    o[k] = -0.5 * sum;
  }
  return out;
}

struct NormalPriorTerm : public torch::autograd::Function<NormalPriorTerm> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, double loc, double scale) {
    const auto rows = as_rows(x);
    const double n = static_cast<double>(rows.size(1));
    at::Tensor value;
    if (rows.scalar_type() == at::kDouble) {
      // A latent's draws are often a strided slice of θ: copying K·n doubles is cheaper
      // than the kernels of the general path.
      value = standardized_square_sums(rows.contiguous(), loc, scale);
    } else {
      auto standardized = (loc == 0.0 ? rows : rows - loc);
      if (scale != 1.0) standardized = standardized / scale;
      value = standardized.square().sum(1).mul_(-0.5);
    }
    value.add_(-n * (std::log(scale) + kHalfLog2Pi));
    ctx->save_for_backward({x});
    ctx->saved_data["loc"] = loc;
    ctx->saved_data["scale"] = scale;
    return value;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_output) {
    const auto saved = ctx->get_saved_variables()[0];
    const double loc = ctx->saved_data["loc"].toDouble();
    const double scale = ctx->saved_data["scale"].toDouble();
    const double c = -1.0 / (scale * scale);
    const auto& g = grad_output[0];  // [K]
    if (!at::GradMode::is_enabled() && saved.scalar_type() == at::kDouble &&
        g.scalar_type() == at::kDouble) {
      const auto x = saved.contiguous();
      // g_k (μ − x_kj)/σ² in one pass.
      auto grad = at::empty_like(x);
      const auto gc = g.contiguous();
      const int64_t K = x.size(0), n = K > 0 ? x.numel() / K : 0;
      const double* xp = x.data_ptr<double>();
      const double* gp = gc.data_ptr<double>();
      double* out = grad.data_ptr<double>();
      for (int64_t k = 0; k < K; ++k) {
        const double w = gp[k] * c;
        for (int64_t j = 0; j < n; ++j) out[k * n + j] = (xp[k * n + j] - loc) * w;
      }
      return {grad, at::Tensor(), at::Tensor()};
    }
    // Differentiable ops, for create_graph (second derivatives).
    const auto& x = saved;
    std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
    shape[0] = x.size(0);
    auto grad = (loc == 0.0 ? x : x - loc) * (g.reshape(shape) * c);
    return {grad, at::Tensor(), at::Tensor()};
  }
};

}  // namespace

at::Tensor normal_prior_term(const at::Tensor& x, double loc, double scale) {
  constexpr const char* kFunction = "normal_prior_term";
  if (!std::isfinite(loc)) throw DomainError(check_message(kFunction, "loc", -1, loc, "finite"));
  check_positive_finite(kFunction, "scale", scale);
  if (x.dim() < 1) throw DomainError(std::string(kFunction) + ": x must have a draw dimension, got a scalar");
  if (!x.is_floating_point()) throw DomainError(std::string(kFunction) + ": x must be floating point");
  return NormalPriorTerm::apply(x, loc, scale);
}

}  // namespace elbo::model
