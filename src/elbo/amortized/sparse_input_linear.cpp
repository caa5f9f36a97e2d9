#include "elbo/amortized/sparse_input_linear.hpp"

#include <torch/torch.h>

#include "elbo/core/error.hpp"

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

ELBO_CLONES void csr_times_rows(const int64_t* rp, const int32_t* cp, const float* vp, int64_t n, const float* wt,
                                const float* bias, int64_t h, float* y) {
  csr_times_rows_body(rp, cp, vp, n, wt, bias, h, y);
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

class SparseInputLinearFunction : public torch::autograd::Function<SparseInputLinearFunction> {
 public:
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& x, const at::Tensor& weight,
                            const at::Tensor& bias) {
    const int64_t n = x.size(0), h = weight.size(0);
    Csr c;
    at::Tensor y = at::empty({n, h}, weight.options());
    const at::Tensor wt = weight.t().contiguous();  // [P, H]: one row per input column
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
      at::Tensor gt = at::zeros({p, h}, g.options());  // ∂L/∂Wᵀ
      AT_DISPATCH_FLOATING_TYPES(g.scalar_type(), "sparse_input_linear_backward", [&] {
        csr_transpose_times(saved[0].data_ptr<int64_t>(), saved[1].data_ptr<int32_t>(), saved[2].data_ptr<scalar_t>(),
                            n, g.data_ptr<scalar_t>(), h, gt.data_ptr<scalar_t>());
      });
      grad_weight = gt.t().contiguous();
    }
    if (ctx->saved_data["bias"].toBool() && ctx->needs_input_grad(2)) grad_bias = g.sum(0);
    return {at::Tensor(), grad_weight, grad_bias};
  }
};

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
