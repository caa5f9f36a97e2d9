// The LDA E-step kernels (lda_kernel.hpp): SIMD and scalar paths against direct
// evaluation (Boost's digamma, naive sums), with few (two-pass path) and many
// (fused path) topics.
#include <gtest/gtest.h>

#include <boost/math/special_functions/digamma.hpp>

#include <cmath>
#include <random>
#include <vector>

#include "elbo/conjugate/lda_kernel.hpp"

using namespace elbo::conjugate;

TEST(LdaKernel, DigammaMatchesBoost) {
  for (double x : {1e-8, 1e-3, 0.05, 0.5, 1.0, 2.5, 5.999, 6.0, 17.3, 1e3, 1e8}) {
    const double ref = boost::math::digamma(x);
    EXPECT_NEAR(lda_digamma(x), ref, 1e-12 * std::max(1.0, std::abs(ref))) << x;
  }
}

TEST(LdaKernel, ExpDirichletMatchesDirectEvaluation) {
  std::mt19937_64 rng(2);
  std::gamma_distribution<double> g(0.3, 2.0);
  for (int64_t K : {1, 3, 4, 10, 37}) {
    const int64_t Kp = lda_padded_topics(K);
    std::vector<double> gamma(K), e(Kp, -1.0), shift(K), row(Kp, -1.0);
    double sum = 0.0;
    for (auto& v : gamma) sum += (v = g(rng) + 1e-6);
    lda_exp_dirichlet(gamma.data(), K, Kp, e.data());
    for (int64_t k = 0; k < K; ++k) shift[k] = boost::math::digamma(sum);
    lda_exp_digamma_shifted(gamma.data(), shift.data(), K, Kp, row.data());
    for (int64_t k = 0; k < K; ++k) {
      const double ref = std::exp(boost::math::digamma(gamma[k]) - boost::math::digamma(sum));
      EXPECT_NEAR(e[k], ref, 1e-12 * ref) << "K " << K << " k " << k;
      EXPECT_NEAR(row[k], ref, 1e-12 * ref);
    }
    for (int64_t k = K; k < Kp; ++k) {
      EXPECT_EQ(e[k], 0.0);
      EXPECT_EQ(row[k], 0.0);
    }
  }
  // far below e^-700 the result is flushed to zero instead of a subnormal
  const double tiny = 1e-310, big = 1e3;
  std::vector<double> gamma{tiny, big, big, big}, e(4);
  lda_exp_dirichlet(gamma.data(), 4, 4, e.data());
  EXPECT_EQ(e[0], 0.0);
  EXPECT_NEAR(e[1], std::exp(boost::math::digamma(big) - boost::math::digamma(3 * big + tiny)), 1e-12);
}

TEST(LdaKernel, AccumulateMatchesNaiveSums) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> u(0.01, 1.0);
  for (int64_t K : {4, 20, 33, 100}) {  // ≤ 32: two-pass path; > 32: fused path
    const int64_t Kp = lda_padded_topics(K), n = 57;
    std::vector<double> B(n * Kp, 0.0), c(n), e(Kp, 0.0), acc(Kp), ratio(n), ratio2(n);
    for (int64_t i = 0; i < n; ++i) {
      c[i] = std::floor(1 + 5 * u(rng));
      for (int64_t k = 0; k < K; ++k) B[i * Kp + k] = u(rng);
    }
    for (int64_t k = 0; k < K; ++k) e[k] = u(rng);
    lda_accumulate(B.data(), c.data(), n, Kp, e.data(), 1e-16, acc.data(), ratio.data());
    lda_ratios(B.data(), c.data(), n, Kp, e.data(), 1e-16, ratio2.data());
    std::vector<double> ref(Kp, 0.0);
    for (int64_t i = 0; i < n; ++i) {
      double p = 1e-16;
      for (int64_t k = 0; k < K; ++k) p += B[i * Kp + k] * e[k];
      EXPECT_NEAR(ratio[i], c[i] / p, 1e-13 * c[i] / p);
      EXPECT_EQ(ratio[i], ratio2[i]);
      for (int64_t k = 0; k < K; ++k) ref[k] += c[i] / p * B[i * Kp + k];
    }
    for (int64_t k = 0; k < Kp; ++k) EXPECT_NEAR(acc[k], ref[k], 1e-12 * std::max(1.0, ref[k])) << K;
    // By row pointers (the E-step's form), rows scattered over a table in another
    // order: bit-equal to the packed rows.
    std::vector<double> table(n * Kp, 0.0), acc3(Kp), ratio3(n), ratio4(n);
    std::vector<const double*> rows(n);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t slot = (i * 17) % n;  // 17 and 57 are coprime: a permutation
      std::copy(B.begin() + i * Kp, B.begin() + (i + 1) * Kp, table.begin() + slot * Kp);
      rows[i] = table.data() + slot * Kp;
    }
    lda_accumulate_rows(rows.data(), c.data(), n, Kp, e.data(), 1e-16, acc3.data(), ratio3.data());
    lda_ratios_rows(rows.data(), c.data(), n, Kp, e.data(), 1e-16, ratio4.data());
    EXPECT_EQ(acc3, acc) << K;
    EXPECT_EQ(ratio3, ratio) << K;
    EXPECT_EQ(ratio4, ratio) << K;
  }
}
