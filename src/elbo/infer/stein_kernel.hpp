#pragma once
// The kernelised Stein direction of SVGD (Liu & Wang 2016, Alg. 1) fused over
// contiguous row-major double buffers, with buffers reused across steps:
//
//   φ(x_i) = (1/n) Σ_j [ k(x_j, x_i) g_j + ∇_{x_j} k(x_j, x_i) ]
//          = (1/n) [ Σ_j K_ij g_j − c Σ_j W_ij x_j + c (Σ_j W_ij) x_i ],
//
// RBF: K = W = exp(−r²/h), c = 2/h, so φ_i = (1/n)[(K (g − c x))_i + c s_i x_i]
// with s_i = Σ_j K_ij (one product); IMQ (Gorham & Mackey 2017):
// K = (1 + r²/h)^(−1/2), W = K³, c = 1/h. The pairwise r² = Σ_d (x_id − x_jd)²
// are formed once (exactly symmetric); the median heuristic h = med²/log n
// (Liu & Wang 2016, §5) takes the exact lower median of the n(n−1)/2 values by
// selection (torch.median's convention) within a band bracketing it: the
// last step's median ± an adaptive width, else a sample's order statistics. The O(n² D) loops are register-blocked
// and compiled for AVX-512 / AVX2 / baseline x86-64 with run-time dispatch;
// the RBF kernel's exp is evaluated in the same vectorised loops (≤ 1 ulp),
// IMQ's rsqrt by ATen's vectorised kernel.
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace elbo::infer {

enum class SvgdKernel { rbf, imq };

/// The paper's code's Adagrad with momentum over m values, in place:
/// H ← α H + (1 − α) φ² (H ← φ² when `first` or m changed), x ← x + ε φ / (1e-6 + √H).
class SteinAdagrad {
 public:
  void update(double* x, const double* phi, int64_t m, double eps, double alpha, bool first);

 private:
  std::vector<double> hist_;  // H
};

/// One pass over the upper triangle (i < j < n) of r² [n, np] (row stride np):
/// counts the values below lo into `below` and gathers those in [lo, hi] into
/// `band` (which needs 8 spare slots past the count) into `count`. `vectorised`
/// uses AVX-512 compress where the CPU has it (exposed for the test that both
/// agree).
void stein_band_pass(const double* d2, int64_t np, int64_t n, double lo, double hi, double* band,
                     int64_t* below, int64_t* count, bool vectorised = true);

/// Reusable buffers for the Stein direction of n particles in R^D; allocates
/// only when n or D change.
class SteinWorkspace {
 public:
  /// φ [n, D] into `phi` for particles x and ∇log p g (both [n, D], row-major);
  /// bandwidth h > 0 fixed, or h = 0 for the median heuristic. Returns the h used.
  double direction(const double* x, const double* g, int64_t n, int64_t D, SvgdKernel kernel,
                   double h, double* phi);
  /// The median heuristic med²/log n for particles x [n, D]; 1 when n = 1 or
  /// when it is not a positive finite number (all particles coincide).
  double median_bandwidth(const double* x, int64_t n, int64_t D);

 private:
  void resize(int64_t n, int64_t D);
  void distances(const double* x);  // r² into d2_'s upper triangle (j > i)
  void mirror_upper(double diagonal);  // d2_ made symmetric, padding zero
  double median_from_distances();      // from the upper triangle
  /// [lo, hi] from a sample of the upper triangle's r², bracketing the k-th smallest.
  bool sample_bracket(const double* d2, int64_t np, int64_t n, int64_t k, double* lo, double* hi);
  /// The k-th smallest r² if it lies in [lo, hi] (one pass, then selection
  /// over the band of `count` values); false when the bracket misses.
  bool select_in_band(const double* d2, int64_t np, int64_t n, int64_t k, double lo, double hi,
                      double* med2, int64_t* count);

  int64_t n_ = -1, D_ = -1;
  int64_t np_ = 0;  // n rounded up to the row block and the lane width
  int64_t dp_ = 0;  // D + 1 (a column of ones gives Σ_j W_ij) rounded up to the lane width
  std::vector<double> xt_;      // x transposed, [D, np] (padding 0)
  std::vector<double> d2_;      // r² then K, [np, np]
  std::vector<double> w_;       // W = K³ for IMQ, [np, np]
  std::vector<double> u_;       // the right-hand factor, [np, dp]
  std::vector<double> out_;     // the product, [np, dp]
  std::vector<double> upper_;   // r² for i < j, selected in place
  std::vector<double> sample_;  // the bracketing sample of r²
  double last_med2_ = 0.0;      // the last median r² (0: none yet)
  double width_ = 0.05;         // relative half-width of the bracket around it
  std::vector<double> sq_;      // |x_i|², [np]
  at::Tensor d2_tensor_;        // d2_ as a tensor, for ATen's vectorised rsqrt
};

}  // namespace elbo::infer
