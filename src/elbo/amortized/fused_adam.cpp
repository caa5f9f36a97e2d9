#include "elbo/amortized/fused_adam.hpp"
#include "elbo/core/cpu_features.hpp"

#include <ATen/Parallel.h>
#include <c10/util/string_utils.h>
#include <torch/torch.h>

#include <cmath>
#include <memory>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define ELBO_ADAM_AVX2 1
#endif

namespace elbo::amortized {

namespace {

// The per-step constants, in the parameter's type as ATen casts them.
template <typename T>
struct AdamScalars {
  T beta1, one_minus_beta1, beta2, one_minus_beta2, sqrt_bias_correction2, eps, neg_step;
};

// Scalar loop; the order of operations mirrors ATen's kernels:
// mul_(β1) then add_(g, α = 1−β1) as fma(g, α, ·); addcmul_ as v + (α·g)·g;
// (sqrt(v) / s) + ε; addcdiv_ as θ + (−step)·(m / denom).
template <typename T>
void adam_scalar(T* p, const T* g, T* m, T* v, int64_t n, const AdamScalars<T>& c) {
  for (int64_t i = 0; i < n; ++i) {
    const T gi = g[i];
    const T mi = std::fma(gi, c.one_minus_beta1, m[i] * c.beta1);
    const T vi = v[i] * c.beta2 + (c.one_minus_beta2 * gi) * gi;
    m[i] = mi;
    v[i] = vi;
    const T denom = std::sqrt(vi) / c.sqrt_bias_correction2 + c.eps;
    p[i] = p[i] + c.neg_step * (mi / denom);
  }
}

#ifdef ELBO_ADAM_AVX2
__attribute__((target("avx2,fma"))) void adam_avx2(float* p, const float* g, float* m, float* v,
                                                    int64_t n, const AdamScalars<float>& c) {
  const __m256 b1 = _mm256_set1_ps(c.beta1), a1 = _mm256_set1_ps(c.one_minus_beta1);
  const __m256 b2 = _mm256_set1_ps(c.beta2), a2 = _mm256_set1_ps(c.one_minus_beta2);
  const __m256 s2 = _mm256_set1_ps(c.sqrt_bias_correction2), eps = _mm256_set1_ps(c.eps);
  const __m256 step = _mm256_set1_ps(c.neg_step);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 gi = _mm256_loadu_ps(g + i);
    const __m256 mi = _mm256_fmadd_ps(gi, a1, _mm256_mul_ps(_mm256_loadu_ps(m + i), b1));
    const __m256 vi = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(v + i), b2),
                                    _mm256_mul_ps(_mm256_mul_ps(a2, gi), gi));
    _mm256_storeu_ps(m + i, mi);
    _mm256_storeu_ps(v + i, vi);
    const __m256 denom = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), s2), eps);
    _mm256_storeu_ps(p + i, _mm256_add_ps(_mm256_loadu_ps(p + i), _mm256_mul_ps(step, _mm256_div_ps(mi, denom))));
  }
  adam_scalar(p + i, g + i, m + i, v + i, n - i, c);
}

__attribute__((target("avx2,fma"))) void adam_avx2(double* p, const double* g, double* m, double* v,
                                                    int64_t n, const AdamScalars<double>& c) {
  const __m256d b1 = _mm256_set1_pd(c.beta1), a1 = _mm256_set1_pd(c.one_minus_beta1);
  const __m256d b2 = _mm256_set1_pd(c.beta2), a2 = _mm256_set1_pd(c.one_minus_beta2);
  const __m256d s2 = _mm256_set1_pd(c.sqrt_bias_correction2), eps = _mm256_set1_pd(c.eps);
  const __m256d step = _mm256_set1_pd(c.neg_step);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const __m256d gi = _mm256_loadu_pd(g + i);
    const __m256d mi = _mm256_fmadd_pd(gi, a1, _mm256_mul_pd(_mm256_loadu_pd(m + i), b1));
    const __m256d vi = _mm256_add_pd(_mm256_mul_pd(_mm256_loadu_pd(v + i), b2),
                                     _mm256_mul_pd(_mm256_mul_pd(a2, gi), gi));
    _mm256_storeu_pd(m + i, mi);
    _mm256_storeu_pd(v + i, vi);
    const __m256d denom = _mm256_add_pd(_mm256_div_pd(_mm256_sqrt_pd(vi), s2), eps);
    _mm256_storeu_pd(p + i, _mm256_add_pd(_mm256_loadu_pd(p + i), _mm256_mul_pd(step, _mm256_div_pd(mi, denom))));
  }
  adam_scalar(p + i, g + i, m + i, v + i, n - i, c);
}

#endif

template <typename T>
void adam_update(const at::Tensor& p, const at::Tensor& g, const at::Tensor& m, const at::Tensor& v,
                 const AdamScalars<T>& c) {
  T* pp = p.data_ptr<T>();
  const T* gp = g.data_ptr<T>();
  T* mp = m.data_ptr<T>();
  T* vp = v.data_ptr<T>();
  at::parallel_for(0, p.numel(), 32768, [&](int64_t begin, int64_t end) {
    const int64_t n = end - begin;
#ifdef ELBO_ADAM_AVX2
    if (cpu_has_avx2_fma()) {
      adam_avx2(pp + begin, gp + begin, mp + begin, vp + begin, n, c);
      return;
    }
#endif
    adam_scalar(pp + begin, gp + begin, mp + begin, vp + begin, n, c);
  });
}

bool supported(const torch::optim::Adam& adam) {
  for (const auto& group : adam.param_groups()) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
    if (o.amsgrad() || o.weight_decay() != 0) return false;
    for (const auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const auto& g = p.grad();
      const auto type = p.scalar_type();
      if ((type != at::kFloat && type != at::kDouble) || g.scalar_type() != type || g.is_sparse() ||
          !p.is_contiguous() || !g.is_contiguous() || !p.device().is_cpu() || g.sizes() != p.sizes()) {
        return false;
      }
    }
  }
  return true;
}

}  // namespace

void fused_adam_step(torch::optim::Adam& adam) {
  if (!supported(adam)) {
    adam.step();
    return;
  }
  at::NoGradGuard no_grad;
  auto& state = adam.state();
  for (auto& group : adam.param_groups()) {
    const auto& o = static_cast<const torch::optim::AdamOptions&>(group.options());
    for (auto& p : group.params()) {
      if (!p.grad().defined()) continue;
      const std::string key = c10::guts::to_string(p.unsafeGetTensorImpl());
      auto it = state.find(key);
      if (it == state.end()) {
        auto s = std::make_unique<torch::optim::AdamParamState>();
        s->step(0);
        s->exp_avg(torch::zeros_like(p, at::MemoryFormat::Preserve));
        s->exp_avg_sq(torch::zeros_like(p, at::MemoryFormat::Preserve));
        it = state.emplace(key, std::move(s)).first;
      }
      auto& s = static_cast<torch::optim::AdamParamState&>(*it->second);
      if (!s.exp_avg().is_contiguous() || !s.exp_avg_sq().is_contiguous() ||
          s.exp_avg().scalar_type() != p.scalar_type() || s.exp_avg_sq().scalar_type() != p.scalar_type()) {
        s.exp_avg(s.exp_avg().to(p.scalar_type()).contiguous());
        s.exp_avg_sq(s.exp_avg_sq().to(p.scalar_type()).contiguous());
      }
      s.step(s.step() + 1);
      const double beta1 = std::get<0>(o.betas()), beta2 = std::get<1>(o.betas());
      const double bias_correction1 = 1 - std::pow(beta1, static_cast<double>(s.step()));
      const double bias_correction2 = 1 - std::pow(beta2, static_cast<double>(s.step()));
      const double neg_step = -o.lr() / bias_correction1;
      if (p.scalar_type() == at::kFloat) {
        const AdamScalars<float> c{static_cast<float>(beta1), static_cast<float>(1 - beta1),
                                   static_cast<float>(beta2), static_cast<float>(1 - beta2),
                                   static_cast<float>(std::sqrt(bias_correction2)),
                                   static_cast<float>(o.eps()), static_cast<float>(neg_step)};
        adam_update<float>(p, p.grad(), s.exp_avg(), s.exp_avg_sq(), c);
      } else {
        const AdamScalars<double> c{beta1, 1 - beta1, beta2, 1 - beta2, std::sqrt(bias_correction2), o.eps(),
                                    neg_step};
        adam_update<double>(p, p.grad(), s.exp_avg(), s.exp_avg_sq(), c);
      }
      p.unsafeGetTensorImpl()->bump_version();  // as an in-place op would
    }
  }
}

void clear_gradients(torch::optim::Adam& adam) {
  for (auto& group : adam.param_groups()) {
    for (auto& p : group.params()) p.mutable_grad() = at::Tensor();
  }
}

}  // namespace elbo::amortized
