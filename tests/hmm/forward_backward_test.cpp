// Forward–backward and Viterbi against brute-force enumeration of every state path
// (K = 3, T = 6: 729 paths), and forward–backward on long chains with extreme
// emissions against a log-space forward recursion.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <vector>

#include "elbo/hmm/forward_backward.hpp"
#include "elbo/hmm/viterbi.hpp"

using namespace elbo::hmm;

namespace {

struct SmallChain {
  int64_t K = 3, T = 6;
  std::vector<double> initial, transition, log_emission;  // unnormalised weights
};

SmallChain random_chain(unsigned seed, int64_t K = 3, int64_t T = 6) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.05, 1.0);
  std::normal_distribution<double> n(0.0, 2.0);
  SmallChain c;
  c.K = K;
  c.T = T;
  for (int64_t k = 0; k < K; ++k) c.initial.push_back(u(rng));
  for (int64_t k = 0; k < K * K; ++k) c.transition.push_back(u(rng));
  for (int64_t k = 0; k < T * K; ++k) c.log_emission.push_back(n(rng));
  return c;
}

double path_log_weight(const SmallChain& c, const std::vector<int>& z) {
  double lw = std::log(c.initial[z[0]]) + c.log_emission[z[0]];
  for (int64_t t = 1; t < c.T; ++t) {
    lw += std::log(c.transition[z[t - 1] * c.K + z[t]]) + c.log_emission[t * c.K + z[t]];
  }
  return lw;
}

// Calls f(z) for every path z ∈ {0..K−1}^T.
void for_each_path(const SmallChain& c, const std::function<void(const std::vector<int>&)>& f) {
  std::vector<int> z(static_cast<size_t>(c.T), 0);
  while (true) {
    f(z);
    int64_t t = 0;
    while (t < c.T && ++z[t] == c.K) z[t++] = 0;
    if (t == c.T) break;
  }
}

// log Σ_z w(z) and the marginals by log-space recursions (the reference for long chains).
double log_space_forward_backward(const std::vector<double>& initial, const std::vector<double>& transition,
                                  const std::vector<double>& log_emission, int64_t K, int64_t T,
                                  std::vector<double>& marginals) {
  auto log_sum = [](const double* v, int64_t n) {
    double mx = -std::numeric_limits<double>::infinity();
    for (int64_t i = 0; i < n; ++i) mx = std::max(mx, v[i]);
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += std::exp(v[i] - mx);
    return mx + std::log(s);
  };
  // Each step's log messages are shifted to log-sum 0 (their sums kept in log Z), so
  // rounding does not grow with T.
  std::vector<double> la(T * K), lb(T * K, 0.0), terms(K);
  double log_z = 0;
  auto normalise = [&](double* v) {
    const double s = log_sum(v, K);
    for (int64_t k = 0; k < K; ++k) v[k] -= s;
    return s;
  };
  for (int64_t k = 0; k < K; ++k) la[k] = std::log(initial[k]) + log_emission[k];
  log_z += normalise(la.data());
  for (int64_t t = 1; t < T; ++t) {
    for (int64_t j = 0; j < K; ++j) {
      for (int64_t i = 0; i < K; ++i) terms[i] = la[(t - 1) * K + i] + std::log(transition[i * K + j]);
      la[t * K + j] = log_sum(terms.data(), K) + log_emission[t * K + j];
    }
    log_z += normalise(la.data() + t * K);
  }
  for (int64_t t = T - 2; t >= 0; --t) {
    for (int64_t i = 0; i < K; ++i) {
      for (int64_t j = 0; j < K; ++j)
        terms[j] = std::log(transition[i * K + j]) + log_emission[(t + 1) * K + j] + lb[(t + 1) * K + j];
      lb[t * K + i] = log_sum(terms.data(), K);
    }
    normalise(lb.data() + t * K);
  }
  marginals.resize(T * K);
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t k = 0; k < K; ++k) terms[k] = la[t * K + k] + lb[t * K + k];
    const double s = log_sum(terms.data(), K);
    for (int64_t k = 0; k < K; ++k) marginals[t * K + k] = std::exp(terms[k] - s);
  }
  return log_z;
}

}  // namespace

// Each test runs over four random chains (seeds 1–4), in one process: CTest starts a
// process per test and each pays LibTorch's start-up through elbo_core.
constexpr unsigned kBruteForceSeeds[] = {1u, 2u, 3u, 4u};

TEST(ForwardBackwardBruteForce, MarginalsPairwiseAndNormaliserMatchEnumeration) {
  for (const unsigned seed : kBruteForceSeeds) {
    SCOPED_TRACE(seed);
    const SmallChain c = random_chain(seed);
    const int64_t K = c.K, T = c.T;
    // Brute force: p(z) ∝ w(z) over all K^T paths.
    double max_lw = -INFINITY;
    for_each_path(c, [&](const std::vector<int>& z) { max_lw = std::max(max_lw, path_log_weight(c, z)); });
    double total = 0;
    std::vector<double> marg(T * K, 0.0), pair((T - 1) * K * K, 0.0);
    for_each_path(c, [&](const std::vector<int>& z) {
      const double w = std::exp(path_log_weight(c, z) - max_lw);
      total += w;
      for (int64_t t = 0; t < T; ++t) marg[t * K + z[t]] += w;
      for (int64_t t = 1; t < T; ++t) pair[(t - 1) * K * K + z[t - 1] * K + z[t]] += w;
    });
    const double log_z_brute = max_lw + std::log(total);

    std::vector<double> emission = c.log_emission, marginals(T * K), counts(K * K, 0.0);
    std::vector<double> seen_pairwise((T - 1) * K * K, -1.0);
    const std::function<void(int64_t, const double*)> record = [&](int64_t t, const double* xi) {
      std::copy(xi, xi + K * K, seen_pairwise.begin() + (t - 1) * K * K);
    };
    ForwardBackwardOutput out;
    out.marginals = marginals.data();
    out.pair_counts = counts.data();
    out.pair_begin = 1;
    out.pair_end = T;
    out.pairwise = &record;
    const double log_z = forward_backward({c.initial.data(), c.transition.data(), K}, emission.data(), T, out);

    EXPECT_NEAR(log_z, log_z_brute, 1e-12);
    for (int64_t i = 0; i < T * K; ++i) EXPECT_NEAR(marginals[i], marg[i] / total, 1e-12) << "entry " << i;
    for (int64_t i = 0; i < (T - 1) * K * K; ++i) {
      EXPECT_NEAR(seen_pairwise[i], pair[i] / total, 1e-12) << "pair entry " << i;
    }
    for (int64_t ij = 0; ij < K * K; ++ij) {
      double expected = 0;
      for (int64_t t = 0; t < T - 1; ++t) expected += pair[t * K * K + ij] / total;
      EXPECT_NEAR(counts[ij], expected, 1e-12);
    }
  }
}

TEST(ForwardBackwardBruteForce, PairCountsOverASubrangeOfSteps) {
  for (const unsigned seed : kBruteForceSeeds) {
    SCOPED_TRACE(seed);
    const SmallChain c = random_chain(seed + 100);
    const int64_t K = c.K, T = c.T;
    std::vector<double> all(T * K * K, 0.0);
    const std::function<void(int64_t, const double*)> record = [&](int64_t t, const double* xi) {
      std::copy(xi, xi + K * K, all.begin() + t * K * K);
    };
    std::vector<double> emission = c.log_emission, marginals(T * K), counts(K * K, 0.0);
    ForwardBackwardOutput out;
    out.marginals = marginals.data();
    out.pair_counts = counts.data();
    out.pair_begin = 2;
    out.pair_end = 5;
    out.pairwise = &record;
    forward_backward({c.initial.data(), c.transition.data(), K}, emission.data(), T, out);
    for (int64_t ij = 0; ij < K * K; ++ij) {
      EXPECT_NEAR(counts[ij], all[2 * K * K + ij] + all[3 * K * K + ij] + all[4 * K * K + ij], 1e-13);
    }
  }
}

TEST(ForwardBackwardBruteForce, ViterbiIsTheBruteForceArgmax) {
  for (const unsigned seed : kBruteForceSeeds) {
    SCOPED_TRACE(seed);
    const SmallChain c = random_chain(seed + 200);
    double best = -INFINITY;
    std::vector<int> arg;
    for_each_path(c, [&](const std::vector<int>& z) {
      const double lw = path_log_weight(c, z);
      if (lw > best) {
        best = lw;
        arg = z;
      }
    });
    std::vector<double> log_initial, log_transition;
    for (double w : c.initial) log_initial.push_back(std::log(w));
    for (double w : c.transition) log_transition.push_back(std::log(w));
    const ViterbiPath path = viterbi(log_initial.data(), log_transition.data(), c.log_emission.data(), c.T, c.K);
    ASSERT_EQ(path.states.size(), arg.size());
    for (size_t t = 0; t < arg.size(); ++t) EXPECT_EQ(path.states[t], arg[t]) << "step " << t;
    EXPECT_NEAR(path.log_score, best, 1e-12);
  }
}

TEST(ForwardBackward, MillionStepChainWithExtremeEmissionsMatchesLogSpaceForward) {
  // A million steps (the unscaled recursion underflows after a few hundred), and every
  // 1000 steps an emission 1400 nats in favour of a state that the previous one
  // reaches with weight 1e-250: the scaled step underflows there and is redone with
  // the predicted state in the shift, and Rabiner's c_t-scaled β would reach 1e250.
  const int64_t K = 3, T = 1'000'000;
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> initial{0.5, 0.3, 0.2};
  std::vector<double> transition{0.9, 0.1, 1e-250, 0.05, 0.9, 0.05, 1e-250, 0.1, 0.9};
  std::vector<double> log_emission(T * K);
  for (int64_t t = 0; t < T; ++t) {
    for (int64_t k = 0; k < K; ++k) log_emission[t * K + k] = -30.0 * u(rng);
    if (t % 1000 == 500) {
      log_emission[t * K + 0] = -1000.0;
      log_emission[t * K + 1] = -3000.0;
      log_emission[t * K + 2] = 400.0;
      log_emission[(t - 1) * K + 0] = 0.0;
      log_emission[(t - 1) * K + 1] = -3000.0;
      log_emission[(t - 1) * K + 2] = -3000.0;
    }
  }
  std::vector<double> reference_marginals;
  const double reference = log_space_forward_backward(initial, transition, log_emission, K, T, reference_marginals);
  std::vector<double> emission = log_emission, marginals(T * K), counts(K * K, 0.0);
  ForwardBackwardOutput out;
  out.marginals = marginals.data();
  out.pair_counts = counts.data();
  out.pair_end = T;
  const double log_z = forward_backward({initial.data(), transition.data(), K}, emission.data(), T, out);
  EXPECT_NEAR(log_z, reference, 1e-9 * std::abs(reference));
  double total = 0;
  for (double v : counts) total += v;
  EXPECT_NEAR(total, static_cast<double>(T - 1), 1e-6);
  for (int64_t t = 0; t < T; ++t) {
    double s = 0;
    for (int64_t k = 0; k < K; ++k) {
      ASSERT_NEAR(marginals[t * K + k], reference_marginals[t * K + k], 1e-9) << "step " << t << " state " << k;
      s += marginals[t * K + k];
    }
    ASSERT_NEAR(s, 1.0, 1e-12);
  }
  EXPECT_GT(marginals[500 * K + 2], 0.999);  // the extreme step's state is certain
}
