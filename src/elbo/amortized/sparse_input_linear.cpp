#include "elbo/amortized/sparse_input_linear.hpp"

#include <torch/torch.h>

#include <vector>

#include "elbo/core/error.hpp"
#include "elbo/core/cpu_features.hpp"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#endif

namespace elbo::amortized {

namespace {

// x in compressed-row form: row i's nonzeros are cols/vals[row_ptr[i] .. row_ptr[i+1]).
struct Csr {
  at::Tensor row_ptr, cols, vals;  // int64 [N+1], int32 [nnz], x's type [nnz]
};

template <typename T>
int64_t count_nonzero(const T* x, int64_t n) {
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) count += x[i] != T(0);
  return count;
}

template <typename T>
Csr to_csr(const at::Tensor& x) {
  const int64_t n = x.size(0), p = x.size(1);
  const T* xp = x.data_ptr<T>();
  Csr c;
  c.row_ptr = at::empty({n + 1}, at::kLong);
  c.cols = at::empty({n * p}, at::kInt);
  c.vals = at::empty({n * p}, x.options());
  int64_t* rp = c.row_ptr.data_ptr<int64_t>();
  int32_t* cp = c.cols.data_ptr<int32_t>();
  T* vp = c.vals.data_ptr<T>();
  int64_t e = 0;
  rp[0] = 0;
  for (int64_t i = 0; i < n; ++i) {
    const T* row = xp + i * p;
    for (int64_t j = 0; j < p; ++j) {  // branch-free compaction
      cp[e] = static_cast<int32_t>(j);
      vp[e] = row[j];
      e += row[j] != T(0);
    }
    rp[i + 1] = e;
  }
  return c;
}

// y[i, :] = b + Σ_e vals[e] · wt[cols[e], :] over row i's nonzeros; wt [P, H] row-major.
template <typename T>
__attribute__((always_inline)) inline void csr_times_rows_body(const int64_t* rp, const int32_t* cp, const T* vp,
                                                               int64_t n, const T* wt, const T* bias, int64_t h,
                                                               T* y) {
  for (int64_t i = 0; i < n; ++i) {
    T* yi = y + i * h;
    for (int64_t o = 0; o < h; ++o) yi[o] = bias != nullptr ? bias[o] : T(0);
    for (int64_t e = rp[i]; e < rp[i + 1]; ++e) {
      const T v = vp[e];
      const T* w = wt + static_cast<int64_t>(cp[e]) * h;
      for (int64_t o = 0; o < h; ++o) yi[o] += v * w[o];
    }
  }
}

// gt[cols[e], :] += vals[e] · g[i, :] over row i's nonzeros (gt zeroed by the caller).
template <typename T>
__attribute__((always_inline)) inline void csr_transpose_times_body(const int64_t* rp, const int32_t* cp,
                                                                    const T* vp, int64_t n, const T* g, int64_t h,
                                                                    T* gt) {
  for (int64_t i = 0; i < n; ++i) {
    const T* gi = g + i * h;
    for (int64_t e = rp[i]; e < rp[i + 1]; ++e) {
      const T v = vp[e];
      T* out = gt + static_cast<int64_t>(cp[e]) * h;
      for (int64_t o = 0; o < h; ++o) out[o] += v * gi[o];
    }
  }
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ELBO_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define ELBO_CLONES
#endif

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
// Register-blocked float forward: 64 outputs of a row stay in eight AVX registers while
// its nonzeros stream past, so each product costs one load instead of two loads and a store.
__attribute__((target("avx2,fma"))) void csr_times_rows_avx2(const int64_t* rp, const int32_t* cp,
                                                              const float* vp, int64_t n, const float* wt,
                                                              const float* bias, int64_t h, float* y) {
  for (int64_t i = 0; i < n; ++i) {
    float* yi = y + i * h;
    int64_t o = 0;
    for (; o + 64 <= h; o += 64) {
      __m256 acc[8];
      for (int k = 0; k < 8; ++k) acc[k] = bias != nullptr ? _mm256_loadu_ps(bias + o + 8 * k) : _mm256_setzero_ps();
      for (int64_t e = rp[i]; e < rp[i + 1]; ++e) {
        const __m256 v = _mm256_set1_ps(vp[e]);
        const float* w = wt + static_cast<int64_t>(cp[e]) * h + o;
        for (int k = 0; k < 8; ++k) acc[k] = _mm256_fmadd_ps(v, _mm256_loadu_ps(w + 8 * k), acc[k]);
      }
      for (int k = 0; k < 8; ++k) _mm256_storeu_ps(yi + o + 8 * k, acc[k]);
    }
    for (; o + 8 <= h; o += 8) {
      __m256 acc = bias != nullptr ? _mm256_loadu_ps(bias + o) : _mm256_setzero_ps();
      for (int64_t e = rp[i]; e < rp[i + 1]; ++e) {
        acc = _mm256_fmadd_ps(_mm256_set1_ps(vp[e]), _mm256_loadu_ps(wt + static_cast<int64_t>(cp[e]) * h + o), acc);
      }
      _mm256_storeu_ps(yi + o, acc);
    }
    for (; o < h; ++o) {
      float acc = bias != nullptr ? bias[o] : 0.0F;
      for (int64_t e = rp[i]; e < rp[i + 1]; ++e) acc += vp[e] * wt[static_cast<int64_t>(cp[e]) * h + o];
      yi[o] = acc;
    }
  }
}

// out [c, r] = in [r, c]ᵀ, both row-major, in 8 × 8 tiles of AVX registers.
__attribute__((target("avx2,fma"))) void transpose_avx2(const float* in, int64_t r, int64_t c, float* out) {
  int64_t i = 0;
  for (; i + 8 <= r; i += 8) {
    int64_t j = 0;
    for (; j + 8 <= c; j += 8) {
      __m256 t[8], u[8];
      for (int k = 0; k < 8; ++k) t[k] = _mm256_loadu_ps(in + (i + k) * c + j);
      for (int k = 0; k < 8; k += 2) {
        u[k] = _mm256_unpacklo_ps(t[k], t[k + 1]);
        u[k + 1] = _mm256_unpackhi_ps(t[k], t[k + 1]);
      }
      for (int k = 0; k < 8; k += 4) {
        t[k] = _mm256_shuffle_ps(u[k], u[k + 2], _MM_SHUFFLE(1, 0, 1, 0));
        t[k + 1] = _mm256_shuffle_ps(u[k], u[k + 2], _MM_SHUFFLE(3, 2, 3, 2));
        t[k + 2] = _mm256_shuffle_ps(u[k + 1], u[k + 3], _MM_SHUFFLE(1, 0, 1, 0));
        t[k + 3] = _mm256_shuffle_ps(u[k + 1], u[k + 3], _MM_SHUFFLE(3, 2, 3, 2));
      }
      for (int k = 0; k < 4; ++k) {
        _mm256_storeu_ps(out + (j + k) * r + i, _mm256_permute2f128_ps(t[k], t[k + 4], 0x20));
        _mm256_storeu_ps(out + (j + k + 4) * r + i, _mm256_permute2f128_ps(t[k], t[k + 4], 0x31));
      }
    }
    for (; j < c; ++j) {
      for (int64_t k = 0; k < 8; ++k) out[j * r + i + k] = in[(i + k) * c + j];
    }
  }
  for (; i < r; ++i) {
    for (int64_t j = 0; j < c; ++j) out[j * r + i] = in[i * c + j];
  }
}

// gt[j, :] = Σ_{(i, v) in column j} v · g[i, :] from x in compressed-column form, each
// output block of 64 held in eight AVX registers (no zeroing pass, one store per output).
__attribute__((target("avx2,fma"))) void csc_times_rows_avx2(const int64_t* cp, const int32_t* rows,
                                                              const float* vp, int64_t p, const float* g,
                                                              int64_t h, float* gt) {
  for (int64_t j = 0; j < p; ++j) {
    float* out = gt + j * h;
    int64_t o = 0;
    for (; o + 64 <= h; o += 64) {
      __m256 acc[8];
      for (int k = 0; k < 8; ++k) acc[k] = _mm256_setzero_ps();
      for (int64_t e = cp[j]; e < cp[j + 1]; ++e) {
        const __m256 v = _mm256_set1_ps(vp[e]);
        const float* gi = g + static_cast<int64_t>(rows[e]) * h + o;
        for (int k = 0; k < 8; ++k) acc[k] = _mm256_fmadd_ps(v, _mm256_loadu_ps(gi + 8 * k), acc[k]);
      }
      for (int k = 0; k < 8; ++k) _mm256_storeu_ps(out + o + 8 * k, acc[k]);
    }
    for (; o + 8 <= h; o += 8) {
      __m256 acc = _mm256_setzero_ps();
      for (int64_t e = cp[j]; e < cp[j + 1]; ++e) {
        acc = _mm256_fmadd_ps(_mm256_set1_ps(vp[e]), _mm256_loadu_ps(g + static_cast<int64_t>(rows[e]) * h + o), acc);
      }
      _mm256_storeu_ps(out + o, acc);
    }
    for (; o < h; ++o) {
      float acc = 0.0F;
      for (int64_t e = cp[j]; e < cp[j + 1]; ++e) acc += vp[e] * g[static_cast<int64_t>(rows[e]) * h + o];
      out[o] = acc;
    }
  }
}

#define ELBO_SPARSE_AVX2 1
#endif

ELBO_CLONES void csr_times_rows_generic(const int64_t* rp, const int32_t* cp, const float* vp, int64_t n,
                                        const float* wt, const float* bias, int64_t h, float* y) {
  csr_times_rows_body(rp, cp, vp, n, wt, bias, h, y);
}

void csr_times_rows(const int64_t* rp, const int32_t* cp, const float* vp, int64_t n, const float* wt,
                    const float* bias, int64_t h, float* y) {
#ifdef ELBO_SPARSE_AVX2
  if (cpu_has_avx2_fma()) return csr_times_rows_avx2(rp, cp, vp, n, wt, bias, h, y);
#endif
  csr_times_rows_generic(rp, cp, vp, n, wt, bias, h, y);
}
ELBO_CLONES void csr_times_rows(const int64_t* rp, const int32_t* cp, const double* vp, int64_t n, const double* wt,
                                const double* bias, int64_t h, double* y) {
  csr_times_rows_body(rp, cp, vp, n, wt, bias, h, y);
}
ELBO_CLONES void csr_transpose_times(const int64_t* rp, const int32_t* cp, const float* vp, int64_t n,
                                     const float* g, int64_t h, float* gt) {
  csr_transpose_times_body(rp, cp, vp, n, g, h, gt);
}
ELBO_CLONES void csr_transpose_times(const int64_t* rp, const int32_t* cp, const double* vp, int64_t n,
                                     const double* g, int64_t h, double* gt) {
  csr_transpose_times_body(rp, cp, vp, n, g, h, gt);
}

at::Tensor transposed(const at::Tensor& a);

class SparseInputLinearFunction : public torch::autograd::Function<SparseInputLinearFunction> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight,
                            const at::Tensor& bias) {
    const int64_t n = x.size(0), h = weight.size(0);
    Csr c;
    at::Tensor y = at::empty({n, h}, weight.options());
    const at::Tensor wt = transposed(weight);  // [P, H]: one row per input column
    const at::Tensor b = bias.defined() ? bias.contiguous() : at::Tensor();
    AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "sparse_input_linear", [&] {
      c = to_csr<scalar_t>(x);
      csr_times_rows(c.row_ptr.data_ptr<int64_t>(), c.cols.data_ptr<int32_t>(), c.vals.data_ptr<scalar_t>(), n,
                     wt.data_ptr<scalar_t>(), b.defined() ? b.data_ptr<scalar_t>() : nullptr, h,
                     y.data_ptr<scalar_t>());
    });
    ctx->save_for_backward({c.row_ptr, c.cols, c.vals});
    ctx->saved_data["input"] = x.size(1);
    ctx->saved_data["bias"] = bias.defined();
    return y;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const at::Tensor g = grads[0].contiguous();
    const int64_t n = g.size(0), h = g.size(1), p = ctx->saved_data["input"].toInt();
    at::Tensor grad_weight, grad_bias;
    if (ctx->needs_input_grad(1)) {
#ifdef ELBO_SPARSE_AVX2
      if (g.scalar_type() == at::kFloat && cpu_has_avx2_fma()) {
        // Compressed columns of x by a counting sort of the compressed rows.
        const int64_t* rp = saved[0].data_ptr<int64_t>();
        const int32_t* cols = saved[1].data_ptr<int32_t>();
        const float* vals = saved[2].data_ptr<float>();
        const int64_t nnz = rp[n];
        std::vector<int64_t> cp(static_cast<size_t>(p + 1), 0), fill;
        std::vector<int32_t> rows(static_cast<size_t>(nnz));
        std::vector<float> cv(static_cast<size_t>(nnz));
        for (int64_t e = 0; e < nnz; ++e) ++cp[static_cast<size_t>(cols[e]) + 1];
        for (int64_t j = 0; j < p; ++j) cp[static_cast<size_t>(j + 1)] += cp[static_cast<size_t>(j)];
        fill.assign(cp.begin(), cp.end() - 1);
        for (int64_t i = 0; i < n; ++i) {
          for (int64_t e = rp[i]; e < rp[i + 1]; ++e) {
            const int64_t at = fill[static_cast<size_t>(cols[e])]++;
            rows[static_cast<size_t>(at)] = static_cast<int32_t>(i);
            cv[static_cast<size_t>(at)] = vals[e];
          }
        }
        at::Tensor gt = at::empty({p, h}, g.options());  // ∂L/∂Wᵀ
        csc_times_rows_avx2(cp.data(), rows.data(), cv.data(), p, g.data_ptr<float>(), h, gt.data_ptr<float>());
        grad_weight = transposed(gt);
      }
#endif
      if (!grad_weight.defined()) {
        at::Tensor gt = at::zeros({p, h}, g.options());  // ∂L/∂Wᵀ
        AT_DISPATCH_FLOATING_TYPES(g.scalar_type(), "sparse_input_linear_backward", [&] {
          csr_transpose_times(saved[0].data_ptr<int64_t>(), saved[1].data_ptr<int32_t>(),
                              saved[2].data_ptr<scalar_t>(), n, g.data_ptr<scalar_t>(), h, gt.data_ptr<scalar_t>());
        });
        grad_weight = transposed(gt);
      }
    }
    if (ctx->saved_data["bias"].toBool() && ctx->needs_input_grad(2)) grad_bias = g.sum(0);
    return {at::Tensor(), grad_weight, grad_bias};
  }
};

// a.t().contiguous() for a 2-D tensor.
at::Tensor transposed(const at::Tensor& a) {
#ifdef ELBO_SPARSE_AVX2
  if (a.scalar_type() == at::kFloat && cpu_has_avx2_fma()) {
    const at::Tensor c = a.contiguous();
    at::Tensor out = at::empty({a.size(1), a.size(0)}, a.options());
    transpose_avx2(c.data_ptr<float>(), a.size(0), a.size(1), out.data_ptr<float>());
    return out;
  }
#endif
  return a.t().contiguous();
}

}  // namespace

double nonzero_fraction(const at::Tensor& x) {
  if (x.numel() == 0) return 0.0;
  const at::Tensor c = x.contiguous();
  int64_t count = 0;
  AT_DISPATCH_FLOATING_TYPES(c.scalar_type(), "nonzero_fraction",
                             [&] { count = count_nonzero(c.data_ptr<scalar_t>(), c.numel()); });
  return static_cast<double>(count) / static_cast<double>(c.numel());
}

bool sparse_input_applies(const at::Tensor& x, const at::Tensor& weight, double max_density) {
  if (x.dim() != 2 || weight.dim() != 2 || x.size(1) != weight.size(1) || x.size(0) == 0) return false;
  if (!x.device().is_cpu() || !weight.device().is_cpu() || !x.is_contiguous() || x.requires_grad()) return false;
  if (x.scalar_type() != weight.scalar_type()) return false;
  if (x.scalar_type() != at::kFloat && x.scalar_type() != at::kDouble) return false;
  if (x.size(1) > INT32_MAX) return false;
  return max_density >= 1.0 || nonzero_fraction(x) <= max_density;
}

at::Tensor sparse_input_linear(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  if (!sparse_input_applies(x, weight, 1.0) || (bias.defined() && bias.numel() != weight.size(0))) {
    throw ConfigError("sparse_input_linear: needs contiguous CPU data [N, P] of the weight's type, weight [H, P], "
                      "bias [H]");
  }
  return SparseInputLinearFunction::apply(x, weight, bias);
}

}  // namespace elbo::amortized
