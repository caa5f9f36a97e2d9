#pragma once
// Test helpers: a corpus drawn from the LDA generative model with known topics, and
// the best-permutation cosine similarity between topic matrices.
#include <Eigen/Core>

#include <algorithm>
#include <numeric>
#include <random>
#include <vector>

#include "elbo/io/text_corpus.hpp"

namespace elbo::conjugate::testing {

struct Synthetic {
  elbo::io::Corpus corpus;
  Eigen::MatrixXd topics;  // K×V
};

inline Synthetic draw_corpus(int K, int V, int D, int N, double alpha, unsigned seed) {
  std::mt19937_64 rng(seed);
  Synthetic s;
  s.topics = Eigen::MatrixXd::Zero(K, V);
  std::gamma_distribution<double> g_eta(0.05, 1.0);
  for (int k = 0; k < K; ++k) {
    for (int w = 0; w < V; ++w) s.topics(k, w) = g_eta(rng) + 1e-12;
    s.topics.row(k) /= s.topics.row(k).sum();
  }
  std::gamma_distribution<double> g_alpha(alpha, 1.0);
  std::vector<std::discrete_distribution<int>> word_of_topic;
  for (int k = 0; k < K; ++k) {
    const Eigen::VectorXd row = s.topics.row(k).transpose();
    word_of_topic.emplace_back(row.data(), row.data() + V);
  }
  s.corpus.num_words = V;
  for (int d = 0; d < D; ++d) {
    std::vector<double> theta(K);
    for (auto& t : theta) t = g_alpha(rng) + 1e-12;
    std::discrete_distribution<int> z(theta.begin(), theta.end());
    std::vector<double> counts(V, 0.0);
    for (int n = 0; n < N; ++n) {
      const int k = z(rng);
      counts[word_of_topic[k](rng)] += 1.0;
    }
    std::vector<int32_t> ids;
    std::vector<double> cts;
    for (int w = 0; w < V; ++w)
      if (counts[w] > 0) {
        ids.push_back(w);
        cts.push_back(counts[w]);
      }
    s.corpus.add_document(ids, cts);
  }
  return s;
}

// Best mean cosine over permutations of the recovered topics' rows.
inline double best_permutation_cosine(const Eigen::MatrixXd& truth, const Eigen::MatrixXd& fit,
                               double* worst = nullptr) {
  const int K = static_cast<int>(truth.rows());
  Eigen::MatrixXd cos(K, K);
  for (int i = 0; i < K; ++i)
    for (int j = 0; j < K; ++j)
      cos(i, j) = truth.row(i).dot(fit.row(j)) / (truth.row(i).norm() * fit.row(j).norm());
  std::vector<int> perm(K);
  std::iota(perm.begin(), perm.end(), 0);
  double best = -1, best_worst = -1;
  do {
    double total = 0, w = 1;
    for (int i = 0; i < K; ++i) {
      total += cos(i, perm[i]);
      w = std::min(w, cos(i, perm[i]));
    }
    if (total / K > best) {
      best = total / K;
      best_worst = w;
    }
  } while (std::next_permutation(perm.begin(), perm.end()));
  if (worst) *worst = best_worst;
  return best;
}

}  // namespace elbo::conjugate::testing
