#include "elbo/amortized/bernoulli_log_likelihood.hpp"
#include "elbo/core/cpu_features.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <type_traits>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__GLIBC__)
#include <immintrin.h>
#define ELBO_BERNOULLI_AVX2 1
// glibc's vector math library (libmvec, pulled in by libm's linker script): 8-lane
// expf and log1pf, within 4 ulp.
extern "C" __m256 _ZGVdN8v_expf(__m256) __attribute__((target("avx2,fma")));
extern "C" __m256 _ZGVdN8v_log1pf(__m256) __attribute__((target("avx2,fma")));
#endif

namespace elbo::amortized {

namespace {

constexpr double kThreshold = 20;  // torch::softplus's default threshold (β = 1)

// Row r of l [R, P] against row (r mod n) of x [n, P]: its log-likelihood, σ(l) into sig.
template <typename T>
T row_scalar(const T* x, const T* l, T* sig, int64_t p) {
  T acc = 0;
  for (int64_t j = 0; j < p; ++j) {
    const T e = std::exp(-std::abs(l[j]));
    const bool linear = l[j] > kThreshold;  // torch's softplus: l itself, σ = 1
    acc += x[j] * l[j] - (linear ? l[j] : std::max(l[j], T(0)) + std::log1p(e));
    sig[j] = linear ? T(1) : (l[j] >= T(0) ? T(1) : e) / (T(1) + e);
  }
  return acc;
}

#ifdef ELBO_BERNOULLI_AVX2
__attribute__((target("avx2,fma"))) float row_avx2(const float* x, const float* l, float* sig, int64_t p) {
  const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0F);
  const __m256 sign = _mm256_set1_ps(-0.0F), threshold = _mm256_set1_ps(static_cast<float>(kThreshold));
  __m256 acc = zero;
  int64_t j = 0;
  for (; j + 8 <= p; j += 8) {
    const __m256 lv = _mm256_loadu_ps(l + j), xv = _mm256_loadu_ps(x + j);
    const __m256 e = _ZGVdN8v_expf(_mm256_or_ps(lv, sign));  // e^{−|l|}
    const __m256 linear = _mm256_cmp_ps(lv, threshold, _CMP_GT_OQ);
    const __m256 sp = _mm256_blendv_ps(_mm256_add_ps(_mm256_max_ps(lv, zero), _ZGVdN8v_log1pf(e)), lv, linear);
    acc = _mm256_add_ps(acc, _mm256_sub_ps(_mm256_mul_ps(xv, lv), sp));
    const __m256 num = _mm256_blendv_ps(e, one, _mm256_cmp_ps(lv, zero, _CMP_GE_OQ));
    _mm256_storeu_ps(sig + j, _mm256_blendv_ps(_mm256_div_ps(num, _mm256_add_ps(one, e)), one, linear));
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc);
  float total = 0;
  for (float v : lanes) total += v;
  return total + row_scalar(x + j, l + j, sig + j, p - j);
}

#endif

template <typename T>
T row(const T* x, const T* l, T* sig, int64_t p) {
#ifdef ELBO_BERNOULLI_AVX2
  if constexpr (std::is_same<T, float>::value) {
    if (cpu_has_avx2_fma()) return row_avx2(x, l, sig, p);
  }
#endif
  return row_scalar(x, l, sig, p);
}

class BernoulliLogLikelihoodFunction : public torch::autograd::Function<BernoulliLogLikelihoodFunction> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& logits) {
    const int64_t n = x.size(0), p = x.size(1), rows = logits.numel() / p;
    auto out_sizes = logits.sizes().vec();
    out_sizes.pop_back();
    at::Tensor out = at::empty(out_sizes, logits.options());
    at::Tensor sig = at::empty_like(logits);
    AT_DISPATCH_FLOATING_TYPES(logits.scalar_type(), "bernoulli_log_likelihood", [&] {
      const scalar_t* xp = x.data_ptr<scalar_t>();
      const scalar_t* lp = logits.data_ptr<scalar_t>();
      scalar_t* sp = sig.data_ptr<scalar_t>();
      scalar_t* op = out.data_ptr<scalar_t>();
      for (int64_t r = 0; r < rows; ++r) op[r] = row(xp + (r % n) * p, lp + r * p, sp + r * p, p);
    });
    ctx->save_for_backward({x, sig});
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor& x = saved[0];
    const at::Tensor& sig = saved[1];
    const at::Tensor g = grads[0].contiguous();
    const int64_t n = x.size(0), p = x.size(1), rows = sig.numel() / p;
    at::Tensor grad = at::empty_like(sig);
    AT_DISPATCH_FLOATING_TYPES(sig.scalar_type(), "bernoulli_log_likelihood_backward", [&] {
      const scalar_t* xp = x.data_ptr<scalar_t>();
      const scalar_t* sp = sig.data_ptr<scalar_t>();
      const scalar_t* gp = g.data_ptr<scalar_t>();
      scalar_t* dp = grad.data_ptr<scalar_t>();
      for (int64_t r = 0; r < rows; ++r) {
        const scalar_t gr = gp[r];
        const scalar_t* xr = xp + (r % n) * p;
        const scalar_t* s = sp + r * p;
        scalar_t* d = dp + r * p;
        for (int64_t j = 0; j < p; ++j) d[j] = gr * (xr[j] - s[j]);
      }
    });
    return {at::Tensor(), grad};
  }
};

}  // namespace

at::Tensor bernoulli_log_likelihood(const at::Tensor& x, const at::Tensor& logits) {
  const bool fast = x.dim() == 2 && logits.dim() >= 2 && logits.size(-1) == x.size(1) &&
                    logits.size(-2) == x.size(0) && x.size(1) > 0 && x.size(0) > 0 &&
                    x.scalar_type() == logits.scalar_type() &&
                    (x.scalar_type() == at::kFloat || x.scalar_type() == at::kDouble) && x.device().is_cpu() &&
                    logits.device().is_cpu() && x.is_contiguous() && logits.is_contiguous() && !x.requires_grad();
  if (!fast) return (x * logits - torch::softplus(logits)).sum(-1);
  return BernoulliLogLikelihoodFunction::apply(x, logits);
}

}  // namespace elbo::amortized
