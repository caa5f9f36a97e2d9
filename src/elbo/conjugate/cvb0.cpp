#include "elbo/conjugate/cvb0.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>

#include "elbo/conjugate/option_check.hpp"
#include "elbo/conjugate/parallel.hpp"
#include "elbo/core/error.hpp"

namespace elbo::conjugate {

void Cvb0Options::validate() const {
  check_option_at_least("cvb0", "num_topics", static_cast<double>(num_topics_), 1);
  check_option_nonnegative("cvb0", "tolerance", tolerance_);
}

void Scvb0Schedule::validate() const {
  check_option_at_least("scvb0", "batch_size", static_cast<double>(batch_size_), 1);
  check_option_at_least("scvb0", "steps", static_cast<double>(steps_), 0);
  check_option_positive("scvb0", "scale", scale_);
  check_option_nonnegative("scvb0", "tau0", tau0_);
  check_option_half_open("scvb0", "kappa", kappa_, 0.5, 1.0);
  check_option_at_least("scvb0", "burn_in", static_cast<double>(burn_in_), 0);
}

Cvb0::Cvb0(io::Corpus corpus, Cvb0Options options)
    : corpus_(std::move(corpus)), options_(std::move(options)), rng_(options_.seed_) {
  options_.validate();
  K_ = options_.num_topics_;
  V_ = corpus_.num_words;
  M_ = corpus_.num_docs();
  if (M_ < 1) throw InputError(corpus_.source, 0, "", "corpus has no documents");
  for (int32_t w : corpus_.word_ids) {
    if (w < 0 || w >= V_) {
      throw InputError(corpus_.source, 0, "word id",
                       std::to_string(w) + " is outside the vocabulary of " + std::to_string(V_) + " words");
    }
  }
  alpha_ = options_.alpha_ > 0 ? options_.alpha_ : 1.0 / static_cast<double>(K_);
  eta_ = options_.eta_ > 0 ? options_.eta_ : 1.0 / static_cast<double>(K_);
  threads_ = resolve_threads(options_.threads_);
}

void Cvb0::init_batch_state() {
  const int64_t nnz = corpus_.num_entries();
  gamma_.assign(static_cast<size_t>(nnz * K_), 0.0f);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  n_wk_ = Eigen::VectorXd::Zero(V_ * K_);
  n_k_ = Eigen::VectorXd::Zero(K_);
  n_dk_.assign(static_cast<size_t>(M_ * K_), 0.0);
  std::vector<double> g(static_cast<size_t>(K_));
  for (int64_t d = 0; d < M_; ++d) {
    for (int64_t i = corpus_.offsets[d]; i < corpus_.offsets[d + 1]; ++i) {
      double s = 0;
      for (auto& v : g) s += (v = u(rng_) + 1e-3);
      const double c = corpus_.counts[i];
      const int64_t w = corpus_.word_ids[i];
      for (int64_t k = 0; k < K_; ++k) {
        const float gk = static_cast<float>(g[k] / s);
        gamma_[i * K_ + k] = gk;
        n_wk_(w * K_ + k) += c * gk;
        n_k_(k) += c * gk;
        n_dk_[d * K_ + k] += c * gk;
      }
    }
  }
  batch_ready_ = true;
}

int64_t Cvb0::fit_batch(int64_t max_iterations, const std::function<bool(int64_t, double)>& callback) {
  check_option_at_least("cvb0", "max_iterations", static_cast<double>(max_iterations), 1);
  if (!batch_ready_) init_batch_state();
  const double v_eta = static_cast<double>(V_) * eta_;
  const double total_entries_weight = corpus_.num_tokens();
  int64_t it = 1;
  for (; it <= max_iterations; ++it) {
    const Eigen::VectorXd old_wk = n_wk_;
    const Eigen::VectorXd old_k = n_k_;
    std::vector<Eigen::VectorXd> new_wk(static_cast<size_t>(threads_));
    std::vector<Eigen::VectorXd> new_k(static_cast<size_t>(threads_));
    std::vector<double> change(static_cast<size_t>(threads_), 0.0);
    parallel_for(M_, threads_, [&](int t, int64_t b, int64_t e) {
      Eigen::VectorXd wk = Eigen::VectorXd::Zero(V_ * K_);
      Eigen::VectorXd nk = Eigen::VectorXd::Zero(K_);
      std::vector<double> g(static_cast<size_t>(K_));
      double ch = 0.0;
      for (int64_t d = b; d < e; ++d) {
        double* ndk = n_dk_.data() + d * K_;
        for (int64_t i = corpus_.offsets[d]; i < corpus_.offsets[d + 1]; ++i) {
          const double c = corpus_.counts[i];
          const int64_t base = static_cast<int64_t>(corpus_.word_ids[i]) * K_;
          float* gi = gamma_.data() + i * K_;
          double s = 0.0;
          for (int64_t k = 0; k < K_; ++k) {
            const double own = c * gi[k];
            const double a = std::max(old_wk(base + k) - own, 0.0) + eta_;
            const double bk = std::max(old_k(k) - own, 0.0) + v_eta;
            const double dk = std::max(ndk[k] - own, 0.0) + alpha_;
            g[k] = a / bk * dk;
            s += g[k];
          }
          for (int64_t k = 0; k < K_; ++k) {
            const double gn = g[k] / s;
            const double delta = gn - gi[k];
            ch += c * std::abs(delta);
            ndk[k] += c * delta;
            gi[k] = static_cast<float>(gn);
            wk(base + k) += c * gn;
            nk(k) += c * gn;
          }
        }
      }
      new_wk[t] = std::move(wk);
      new_k[t] = std::move(nk);
      change[t] = ch;
    });
    n_wk_.setZero();
    n_k_.setZero();
    for (int t = 0; t < threads_; ++t) {
      if (new_wk[t].size()) {
        n_wk_ += new_wk[t];
        n_k_ += new_k[t];
      }
    }
    const double mean_change = std::accumulate(change.begin(), change.end(), 0.0) / total_entries_weight;
    if (callback && !callback(it, mean_change)) break;
    if (mean_change < options_.tolerance_) break;
  }
  return std::min(it, max_iterations);
}

void Cvb0::init_stochastic_state() {
  const double C = corpus_.num_tokens();
  // Exponential(1) cells: a clearly asymmetric start (a near-uniform one leaves the
  // collapsed updates close to their symmetric fixed point for many steps).
  std::gamma_distribution<double> g(1.0, 1.0);
  n_wk_.resize(V_ * K_);
  const double cell = C / static_cast<double>(V_ * K_);
  for (Eigen::Index i = 0; i < n_wk_.size(); ++i) n_wk_(i) = cell * g(rng_);
  n_k_ = Eigen::VectorXd::Zero(K_);
  for (int64_t w = 0; w < V_; ++w)
    for (int64_t k = 0; k < K_; ++k) n_k_(k) += n_wk_(w * K_ + k);
  n_dk_.assign(static_cast<size_t>(M_ * K_), 0.0);
  for (int64_t d = 0; d < M_; ++d) {
    double cd = 0;
    for (int64_t i = corpus_.offsets[d]; i < corpus_.offsets[d + 1]; ++i) cd += corpus_.counts[i];
    for (int64_t k = 0; k < K_; ++k) n_dk_[d * K_ + k] = cd / static_cast<double>(K_) * g(rng_);
  }
  stochastic_ready_ = true;
}

void Cvb0::fit_stochastic(const Scvb0Schedule& schedule, const std::function<bool(int64_t)>& callback) {
  schedule.validate();
  if (!stochastic_ready_) init_stochastic_state();
  const double C = corpus_.num_tokens();
  const double v_eta = static_cast<double>(V_) * eta_;
  const int64_t S = std::min(schedule.batch_size_, M_);
  // ρθ = (10 + clock)^−0.9 for the token clock of a document, tabulated once.
  double longest = 0;
  for (int64_t d = 0; d < M_; ++d) {
    double cd = 0;
    for (int64_t i = corpus_.offsets[d]; i < corpus_.offsets[d + 1]; ++i) cd += corpus_.counts[i];
    longest = std::max(longest, cd);
  }
  std::vector<double> rho_theta(static_cast<size_t>(std::min(1e7, longest * (schedule.burn_in_ + 1) + 1)));
  for (size_t i = 0; i < rho_theta.size(); ++i) rho_theta[i] = std::pow(10.0 + static_cast<double>(i), -0.9);
  for (int64_t t = 1; t <= schedule.steps_; ++t) {
    // minibatch: S distinct documents (Floyd's algorithm), sorted
    std::vector<int64_t> batch;
    if (S >= M_) {
      batch.resize(static_cast<size_t>(M_));
      std::iota(batch.begin(), batch.end(), 0);
    } else {
      std::unordered_set<int64_t> chosen;
      for (int64_t j = M_ - S; j < M_; ++j) {
        std::uniform_int_distribution<int64_t> pick(0, j);
        const int64_t x = pick(rng_);
        const int64_t v = chosen.insert(x).second ? x : j;
        if (v == j) chosen.insert(j);
        batch.push_back(v);
      }
      std::sort(batch.begin(), batch.end());
    }
    const int threads = static_cast<int>(std::min<int64_t>(threads_, std::max<int64_t>(1, S / 8)));
    std::vector<Eigen::VectorXd> hat_wk(static_cast<size_t>(threads));
    std::vector<Eigen::VectorXd> hat_k(static_cast<size_t>(threads));
    std::vector<double> batch_tokens(static_cast<size_t>(threads), 0.0);
    const double* nwk = n_wk_.data();
    const double* nk = n_k_.data();
    parallel_for(static_cast<int64_t>(batch.size()), threads, [&](int th, int64_t b, int64_t e) {
      Eigen::VectorXd wk = Eigen::VectorXd::Zero(V_ * K_);
      Eigen::VectorXd kk = Eigen::VectorXd::Zero(K_);
      std::vector<double> g(static_cast<size_t>(K_)), inv_nk(static_cast<size_t>(K_));
      for (int64_t k = 0; k < K_; ++k) inv_nk[k] = 1.0 / (nk[k] + v_eta);
      double tokens = 0;
      for (int64_t j = b; j < e; ++j) {
        const int64_t d = batch[static_cast<size_t>(j)];
        double* ndk = n_dk_.data() + d * K_;
        double cd = 0;
        for (int64_t i = corpus_.offsets[d]; i < corpus_.offsets[d + 1]; ++i) cd += corpus_.counts[i];
        tokens += cd;
        double token_clock = 0;
        for (int64_t pass = 0; pass <= schedule.burn_in_; ++pass) {
          const bool last = pass == schedule.burn_in_;
          for (int64_t i = corpus_.offsets[d]; i < corpus_.offsets[d + 1]; ++i) {
            const double c = corpus_.counts[i];
            const int64_t base = static_cast<int64_t>(corpus_.word_ids[i]) * K_;
            double s = 0;
            for (int64_t k = 0; k < K_; ++k) {
              g[k] = (nwk[base + k] + eta_) * inv_nk[k] * (ndk[k] + alpha_);
              s += g[k];
            }
            const double rho = token_clock < static_cast<double>(rho_theta.size())
                                   ? rho_theta[static_cast<size_t>(token_clock)]
                                   : std::pow(10.0 + token_clock, -0.9);
            token_clock += c;
            const double keep = c == 1.0 ? 1.0 - rho : std::pow(1.0 - rho, c);
            for (int64_t k = 0; k < K_; ++k) {
              const double gk = g[k] / s;
              ndk[k] = keep * ndk[k] + (1.0 - keep) * cd * gk;
              if (last) {
                wk(base + k) += c * gk;
                kk(k) += c * gk;
              }
            }
          }
        }
      }
      hat_wk[th] = std::move(wk);
      hat_k[th] = std::move(kk);
      batch_tokens[th] = tokens;
    });
    const double tokens = std::accumulate(batch_tokens.begin(), batch_tokens.end(), 0.0);
    const double rho = std::min(1.0, schedule.scale_ * std::pow(schedule.tau0_ + static_cast<double>(t),
                                                                 -schedule.kappa_));
    const double scale = tokens > 0 ? C / tokens : 0.0;
    n_wk_ *= (1.0 - rho);
    n_k_ *= (1.0 - rho);
    for (int th = 0; th < threads; ++th) {
      if (hat_wk[th].size() == 0) continue;
      n_wk_ += (rho * scale) * hat_wk[th];
      n_k_ += (rho * scale) * hat_k[th];
    }
    if (callback && !callback(t)) break;
  }
}

Eigen::MatrixXd Cvb0::topics() const {
  if (!batch_ready_ && !stochastic_ready_) {
    throw DomainError("cvb0: topics() before fitting");
  }
  Eigen::MatrixXd t(K_, V_);
  for (int64_t w = 0; w < V_; ++w)
    for (int64_t k = 0; k < K_; ++k) t(k, w) = (n_wk_(w * K_ + k) + eta_);
  for (int64_t k = 0; k < K_; ++k) t.row(k) /= t.row(k).sum();
  return t;
}

Eigen::MatrixXd Cvb0::topic_word_pseudo_counts() const {
  if (!batch_ready_ && !stochastic_ready_) {
    throw DomainError("cvb0: topic_word_pseudo_counts() before fitting");
  }
  Eigen::MatrixXd t(K_, V_);
  for (int64_t w = 0; w < V_; ++w)
    for (int64_t k = 0; k < K_; ++k) t(k, w) = n_wk_(w * K_ + k) + eta_;
  return t;
}

std::vector<int64_t> Cvb0::top_words(int64_t k, int64_t n) const {
  std::vector<int64_t> ids(static_cast<size_t>(V_));
  std::iota(ids.begin(), ids.end(), 0);
  n = std::min(n, V_);
  std::partial_sort(ids.begin(), ids.begin() + n, ids.end(), [&](int64_t a, int64_t b) {
    return n_wk_(a * K_ + k) > n_wk_(b * K_ + k);
  });
  ids.resize(static_cast<size_t>(n));
  return ids;
}

}  // namespace elbo::conjugate
