#include "elbo/model/bernoulli_logit_terms.hpp"

#include "elbo/core/vector_exp.hpp"

namespace elbo::model {

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define ELBO_LOGIT_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define ELBO_LOGIT_CLONES
#endif

namespace {

constexpr int64_t kLanes = 8;
typedef double Vec __attribute__((vector_size(kLanes * sizeof(double))));
typedef double VecAt __attribute__((vector_size(kLanes * sizeof(double)), aligned(8), may_alias));

/// Eight lanes: term = y η − softplus(η), r = (y − 1) + σ(−η).
__attribute__((always_inline)) inline void logit_lanes(const double* eta_p, const double* y_p,
                                                       double* term_p, double* r_p) {
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // fdlibm's split of ln 2
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kSqrt2 = 1.41421356237309504880;
  const Vec zero = {};
  const Vec one = zero + 1.0;
  const Vec eta = *reinterpret_cast<const VecAt*>(eta_p);
  const Vec y = *reinterpret_cast<const VecAt*>(y_p);

  // e = e^t, t = −|η| ≤ 0 (simd::exp_nonpositive).
  const Vec t = eta >= zero ? -eta : eta;
  const Vec e = simd::exp_nonpositive(t);

  // log1p(e), e ∈ [0, 1]: u = 1 + e = 2^k (1 + f) with √2/2 ≤ 1 + f ≤ √2 (f exact),
  // c = (e − (u − 1))/u corrects u's rounding; log(1 + f) = 2 atanh(z), z = f/(2 + f),
  // |z| ≤ 0.172, by its series to z^23 (truncation < 1e-18).
  const Vec u = one + e;
  const auto big = u > kSqrt2;
  const Vec kf = big ? one : zero;
  const Vec f = (big ? u * 0.5 : u) - one;
  const Vec inv_u = one / u;
  const Vec c = (e - (u - one)) * inv_u;
  const Vec z = f / (2.0 + f);
  const Vec w = z * z;
  Vec q = zero + 1.0 / 23.0;
  q = q * w + 1.0 / 21.0;
  q = q * w + 1.0 / 19.0;
  q = q * w + 1.0 / 17.0;
  q = q * w + 1.0 / 15.0;
  q = q * w + 1.0 / 13.0;
  q = q * w + 1.0 / 11.0;
  q = q * w + 1.0 / 9.0;
  q = q * w + 1.0 / 7.0;
  q = q * w + 1.0 / 5.0;
  q = q * w + 1.0 / 3.0;
  const Vec log1p_f = 2.0 * z + 2.0 * z * (w * q);
  const Vec log1p_e = kf * kLn2Hi + (log1p_f + (c + kf * kLn2Lo));

  const Vec softplus = (eta > zero ? eta : zero) + log1p_e;
  *reinterpret_cast<VecAt*>(term_p) = y * eta - softplus;
  // σ(−η) = 1/(1 + e^η): e/u for η ≥ 0, 1/u for η < 0.
  const Vec sigmoid_neg = eta >= zero ? e * inv_u : inv_u;
  *reinterpret_cast<VecAt*>(r_p) = (y - one) + sigmoid_neg;
}

ELBO_LOGIT_CLONES
void logit_rows(double* eta, const double* y, int64_t K, int64_t S, double* ll, bool score) {
  const int64_t S8 = S / kLanes * kLanes;
  const int64_t S16 = S / (2 * kLanes) * (2 * kLanes);
  for (int64_t k = 0; k < K; ++k) {
    double* row = eta + k * S;
    Vec acc = {}, acc2 = {};
    alignas(64) double term[kLanes], r[kLanes], term2[kLanes], r2[kLanes];
    // Two independent vectors per iteration, so their long dependency chains overlap.
    for (int64_t s0 = 0; s0 < S16; s0 += 2 * kLanes) {
      logit_lanes(row + s0, y + s0, term, score ? row + s0 : r);
      logit_lanes(row + s0 + kLanes, y + s0 + kLanes, term2, score ? row + s0 + kLanes : r2);
      acc += *reinterpret_cast<const Vec*>(term);
      acc2 += *reinterpret_cast<const Vec*>(term2);
    }
    for (int64_t s0 = S16; s0 < S8; s0 += kLanes) {
      logit_lanes(row + s0, y + s0, term, score ? row + s0 : r);
      acc += *reinterpret_cast<const Vec*>(term);
    }
    acc += acc2;
    double sum = 0.0;
    for (int64_t l = 0; l < kLanes; ++l) sum += acc[l];
    if (S8 < S) {
      alignas(64) double eta_tail[kLanes] = {}, y_tail[kLanes] = {};
      for (int64_t s = S8; s < S; ++s) {
        eta_tail[s - S8] = row[s];
        y_tail[s - S8] = y[s];
      }
      logit_lanes(eta_tail, y_tail, term, r);
      for (int64_t s = S8; s < S; ++s) {
        sum += term[s - S8];
        if (score) row[s] = r[s - S8];
      }
    }
    ll[k] = sum;
  }
}

}  // namespace

void bernoulli_logit_terms(double* eta, const double* y, int64_t K, int64_t S, double* ll,
                           bool score) {
  logit_rows(eta, y, K, S, ll, score);
}

}  // namespace elbo::model
