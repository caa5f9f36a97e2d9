#include "elbo/amortized/tanh_activation.hpp"
#include "elbo/core/cpu_features.hpp"

#include <torch/torch.h>

#include <cmath>

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__GLIBC__)
#include <immintrin.h>
#define ELBO_TANH_AVX2 1
extern "C" __m256 _ZGVdN8v_tanhf(__m256) __attribute__((target("avx2,fma")));
#endif

namespace elbo::amortized {

namespace {

#ifdef ELBO_TANH_AVX2
__attribute__((target("avx2,fma"))) void tanh_avx2(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm256_storeu_ps(y + i, _ZGVdN8v_tanhf(_mm256_loadu_ps(x + i)));
  for (; i < n; ++i) y[i] = std::tanh(x[i]);
}

#endif

class TanhFunction : public torch::autograd::Function<TanhFunction> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x) {
    at::Tensor y = at::empty_like(x, at::MemoryFormat::Contiguous);
#ifdef ELBO_TANH_AVX2
    tanh_avx2(x.data_ptr<float>(), y.data_ptr<float>(), x.numel());
#endif
    ctx->save_for_backward({y});
    return y;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const at::Tensor y = ctx->get_saved_variables()[0];
    const at::Tensor g = grads[0].contiguous();
    at::Tensor dx = at::empty_like(y);
    const float* yp = y.data_ptr<float>();
    const float* gp = g.data_ptr<float>();
    float* dp = dx.data_ptr<float>();
    const int64_t n = y.numel();
    for (int64_t i = 0; i < n; ++i) dp[i] = gp[i] * (1.0F - yp[i] * yp[i]);  // as torch's tanh_backward
    return {dx};
  }
};

}  // namespace

at::Tensor tanh_activation(const at::Tensor& x) {
#ifdef ELBO_TANH_AVX2
  if (x.scalar_type() == at::kFloat && x.device().is_cpu() && x.is_contiguous() && x.numel() > 0 && cpu_has_avx2_fma()) {
    return TanhFunction::apply(x);
  }
#endif
  return torch::tanh(x);
}

}  // namespace elbo::amortized
