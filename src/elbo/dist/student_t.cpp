#include "elbo/dist/student_t.hpp"

#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "elbo/dist/support.hpp"

namespace elbo::dist {

namespace {
std::vector<at::Tensor> student_t_params(const Param& df, const Param& loc, const Param& scale) {
  check_positive_finite("student_t", "df", df);
  check_finite("student_t", "loc", loc);
  check_positive_finite("student_t", "scale", scale);
  return broadcast_params("student_t", {df.tensor(), loc.tensor(), scale.tensor()});
}
}  // namespace

StudentT::StudentT(Param df, Param loc, Param scale) : StudentT(student_t_params(df, loc, scale)) {}

StudentT::StudentT(std::vector<at::Tensor> params)
    : Distribution(params[0].sizes().vec(), {}),
      df_(std::move(params[0])),
      loc_(std::move(params[1])),
      scale_(std::move(params[2])) {}

at::Tensor StudentT::log_prob(const at::Tensor& value) const {
  auto z = (value - loc_) / scale_;
  auto half_df = 0.5 * df_;
  return (half_df + 0.5).lgamma() - half_df.lgamma() - 0.5 * (df_ * M_PI).log() -
         scale_.log() - (half_df + 0.5) * (z.square() / df_).log1p();
}

at::Tensor StudentT::sample(at::IntArrayRef sample_shape, at::Generator gen) const {
  at::NoGradGuard no_grad;
  return rsample(sample_shape, std::move(gen));
}

at::Tensor StudentT::rsample(at::IntArrayRef sample_shape, at::Generator gen) const {
  auto shape = extended_shape(sample_shape);
  auto eps = at::randn(shape, gen, loc_.options());
  auto g = at::_standard_gamma((0.5 * df_).expand(shape).contiguous(), gen)
               .clamp_min(tiny(df_));
  return loc_ + scale_ * eps * (0.5 * df_ / g).sqrt();
}

at::Tensor StudentT::entropy() const {
  auto half_df = 0.5 * df_;
  auto lbeta = half_df.lgamma() + std::lgamma(0.5) - (half_df + 0.5).lgamma();
  return (half_df + 0.5) * ((half_df + 0.5).digamma() - half_df.digamma()) +
         0.5 * df_.log() + lbeta + scale_.log();
}

at::Tensor StudentT::mean() const {
  auto nan = at::full_like(loc_, std::numeric_limits<double>::quiet_NaN());
  return at::where(df_ > 1, loc_, nan);
}

at::Tensor StudentT::variance() const {
  auto safe_df = inside_or(df_, df_ > 2, 3.0);
  auto finite = scale_.square() * safe_df / (safe_df - 2);
  auto inf = at::full_like(finite, std::numeric_limits<double>::infinity());
  auto nan = at::full_like(finite, std::numeric_limits<double>::quiet_NaN());
  return at::where(df_ > 2, finite, at::where(df_ > 1, inf, nan));
}

}  // namespace elbo::dist
