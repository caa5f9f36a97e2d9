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

struct NormalPriorTerm : public torch::autograd::Function<NormalPriorTerm> {
  static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, double loc, double scale) {
    const auto rows = as_rows(x);
    const double n = static_cast<double>(rows.size(1));
    auto standardized = (loc == 0.0 ? rows : rows - loc);
    if (scale != 1.0) standardized = standardized / scale;
    auto value = standardized.square().sum(1).mul_(-0.5).add_(-n * (std::log(scale) + kHalfLog2Pi));
    ctx->save_for_backward({x});
    ctx->saved_data["loc"] = loc;
    ctx->saved_data["scale"] = scale;
    return value;
  }

  static variable_list backward(AutogradContext* ctx, variable_list grad_output) {
    const auto x = ctx->get_saved_variables()[0];
    const double loc = ctx->saved_data["loc"].toDouble();
    const double scale = ctx->saved_data["scale"].toDouble();
    // g_k · (μ − x_kj)/σ², shaped as x; differentiable ops, for create_graph.
    std::vector<int64_t> shape(static_cast<size_t>(x.dim()), 1);
    shape[0] = x.size(0);
    const auto g = grad_output[0].reshape(shape);
    auto grad = (loc == 0.0 ? x : x - loc) * (g * (-1.0 / (scale * scale)));
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
