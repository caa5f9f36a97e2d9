#include "elbo/hmm/bayesian_hmm.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "elbo/conjugate/option_check.hpp"
#include "elbo/conjugate/parallel.hpp"
#include "elbo/core/error.hpp"
#include "elbo/hmm/dirichlet_factor.hpp"
#include "elbo/hmm/markov_chain.hpp"

namespace elbo::hmm {

namespace {
// Fewest rows of one unit worth spreading its emission work over threads.
constexpr int64_t kParallelEmissionRows = 1 << 15;
// Rows of the one-hot block used for the hard initial statistics.
constexpr int64_t kEmissionChunkRows = 1 << 14;

int64_t chain_statistic_size(int64_t K) { return K + K * K; }
}  // namespace

struct BayesianHmm::Task {
  int64_t sequence = 0;
  int64_t begin = 0, end = 0;  // the steps whose statistics and q(z_t) the task owns
  bool whole = false;          // the whole sequence (exact); else a block of it
  std::vector<double> left, right;  // factorised q: the neighbours' q(z_t) outside the block
};

void BayesianHmmOptions::validate() const {
  conjugate::check_option_positive("hmm", "initial_concentration", initial_concentration_);
  conjugate::check_option_positive("hmm", "transition_concentration", transition_concentration_);
  conjugate::check_option_at_least("hmm", "mean_field_max_sweeps", static_cast<double>(mean_field_max_sweeps_), 1);
  conjugate::check_option_nonnegative("hmm", "mean_field_tolerance", mean_field_tolerance_);
  conjugate::check_option_nonnegative("hmm", "subchain_length", static_cast<double>(subchain_length_));
  conjugate::check_option_nonnegative("hmm", "buffer_length", static_cast<double>(buffer_length_));
}

std::vector<int64_t> BayesianHmm::checked_starts(std::vector<int64_t> starts, int64_t rows, const char* what) const {
  if (starts.empty()) starts = {0, rows};
  if (starts.size() < 2 || starts.front() != 0 || starts.back() != rows) {
    throw DomainError(std::string("hmm: ") + what + ": sequence offsets must run from 0 to the number of steps " +
                      std::to_string(rows));
  }
  for (size_t i = 1; i < starts.size(); ++i) {
    if (starts[i] <= starts[i - 1]) {
      throw DomainError(std::string("hmm: ") + what + ": sequence " + std::to_string(i - 1) +
                        " is empty or its offsets decrease (" + std::to_string(starts[i - 1]) + ", " +
                        std::to_string(starts[i]) + ")");
    }
  }
  return starts;
}

BayesianHmm::BayesianHmm(const RowMatrix& X, std::vector<int64_t> sequence_starts,
                         std::unique_ptr<Emission> emission, BayesianHmmOptions options)
    : emission_(std::move(emission)), options_(std::move(options)) {
  options_.validate();
  if (!emission_) throw ConfigError("hmm: no emission model given");
  K_ = emission_->num_states();
  if (X.rows() < 1) throw DomainError("hmm: the data have no steps");
  if (K_ > X.rows()) {
    conjugate::fail_option("hmm", "the number of states", static_cast<double>(K_),
                           "at most the number of steps (" + std::to_string(X.rows()) + ")");
  }
  starts_ = checked_starts(std::move(sequence_starts), X.rows(), "data");
  X_ = emission_->prepare(X, "data");
  threads_ = conjugate::resolve_threads(options_.threads_);
  const int64_t L = options_.subchain_length_;
  units_per_sequence_.assign(starts_.size() - 1, 0);
  for (int64_t s = 0; s + 1 < static_cast<int64_t>(starts_.size()); ++s) {
    const int64_t s0 = starts_[static_cast<size_t>(s)], s1 = starts_[static_cast<size_t>(s + 1)];
    if (L == 0) {
      units_.push_back({s, s0, s1});
    } else {
      for (int64_t b = s0; b < s1; b += L) units_.push_back({s, b, std::min(s1, b + L)});
    }
    units_per_sequence_[static_cast<size_t>(s)] =
        L == 0 ? 1 : (s1 - s0 + L - 1) / L;
  }
  marginals_ = RowMatrix::Constant(X_.rows(), K_, 1.0 / static_cast<double>(K_));
  // A valid start (the prior with uniform emission counts); fitting starts from initialize().
  Eigen::VectorXd lambda(chain_statistic_size(K_) + emission_->parameter_size());
  lambda.head(K_).setConstant(options_.initial_concentration_);
  lambda.segment(K_, K_ * K_).setConstant(options_.transition_concentration_);
  conjugate::Rng rng(0);
  emission_->random_parameters(X_, rng, lambda.data() + chain_statistic_size(K_));
  set_global_parameters(lambda);
}

void BayesianHmm::initialize(conjugate::Rng& rng) {
  const int64_t C = chain_statistic_size(K_);
  const std::vector<int64_t> labels = emission_->initial_labels(X_, rng);
  Eigen::VectorXd lambda(C + emission_->parameter_size());
  if (!labels.empty()) {
    conjugate::BatchStatistics s;
    s.size = num_data();
    s.sufficient = Eigen::VectorXd::Zero(C + emission_->statistic_size());
    for (int64_t q = 0; q + 1 < static_cast<int64_t>(starts_.size()); ++q) {
      const int64_t s0 = starts_[static_cast<size_t>(q)], s1 = starts_[static_cast<size_t>(q + 1)];
      s.sufficient(labels[static_cast<size_t>(s0)]) += 1.0;
      for (int64_t t = s0 + 1; t < s1; ++t) {
        s.sufficient(K_ + labels[static_cast<size_t>(t - 1)] * K_ + labels[static_cast<size_t>(t)]) += 1.0;
      }
    }
    RowMatrix one_hot(std::min<int64_t>(kEmissionChunkRows, X_.rows()), K_);
    for (int64_t b = 0; b < X_.rows(); b += one_hot.rows()) {
      const int64_t e = std::min<int64_t>(X_.rows(), b + one_hot.rows());
      one_hot.setZero();
      for (int64_t t = b; t < e; ++t) one_hot(t - b, labels[static_cast<size_t>(t)]) = 1.0;
      emission_->accumulate(X_, b, e, one_hot.data(), s.sufficient.data() + C);
    }
    lambda = global_step(s, 1.0);
  } else {
    const double S = static_cast<double>(num_sequences());
    const double transitions = static_cast<double>(X_.rows()) - S;
    lambda.head(K_).setConstant(options_.initial_concentration_ + S / static_cast<double>(K_));
    lambda.segment(K_, K_ * K_)
        .setConstant(options_.transition_concentration_ + transitions / static_cast<double>(K_ * K_));
    emission_->random_parameters(X_, rng, lambda.data() + C);
  }
  set_global_parameters(lambda);
  marginals_.setConstant(1.0 / static_cast<double>(K_));
}

void BayesianHmm::set_global_parameters(const Eigen::VectorXd& lambda) {
  const int64_t C = chain_statistic_size(K_);
  if (lambda.size() != C + emission_->parameter_size()) {
    throw DomainError("hmm: global parameter vector has " + std::to_string(lambda.size()) + " entries, expected " +
                      std::to_string(C + emission_->parameter_size()));
  }
  elog_initial_.resize(static_cast<size_t>(K_));
  elog_transition_.resize(static_cast<size_t>(K_ * K_));
  dirichlet_expected_log(lambda.data(), K_, elog_initial_.data(), "the initial distribution");
  for (int64_t i = 0; i < K_; ++i) {
    dirichlet_expected_log(lambda.data() + K_ + i * K_, K_, elog_transition_.data() + i * K_,
                           "a transition row");
  }
  emission_->set_parameters(lambda.data() + C);
  lambda_ = lambda;
  initial_weights_.resize(static_cast<size_t>(K_));
  transition_weights_.resize(static_cast<size_t>(K_ * K_));
  log_mean_initial_.resize(static_cast<size_t>(K_));
  log_mean_transition_.resize(static_cast<size_t>(K_ * K_));
  const double initial_total = lambda.head(K_).sum();
  for (int64_t k = 0; k < K_; ++k) {
    initial_weights_[static_cast<size_t>(k)] = std::exp(elog_initial_[static_cast<size_t>(k)]);
    log_mean_initial_[static_cast<size_t>(k)] = std::log(lambda(k) / initial_total);
  }
  Eigen::MatrixXd mean_transition(K_, K_);
  for (int64_t i = 0; i < K_; ++i) {
    const double row_total = lambda.segment(K_ + i * K_, K_).sum();
    for (int64_t j = 0; j < K_; ++j) {
      const size_t ij = static_cast<size_t>(i * K_ + j);
      transition_weights_[ij] = std::exp(elog_transition_[ij]);
      mean_transition(i, j) = lambda(K_ + i * K_ + j) / row_total;
      log_mean_transition_[ij] = std::log(mean_transition(i, j));
    }
  }
  const Eigen::VectorXd omega = stationary_distribution(mean_transition);
  stationary_.assign(omega.data(), omega.data() + K_);
}

std::vector<BayesianHmm::Task> BayesianHmm::plan(const conjugate::Batch& batch) const {
  std::vector<Task> tasks;
  conjugate::Batch sorted = batch;
  std::sort(sorted.begin(), sorted.end());
  for (const int64_t u : sorted) {
    if (u < 0 || u >= num_data()) {
      throw DomainError("hmm: unit " + std::to_string(u) + " out of range (" + std::to_string(num_data()) + " units)");
    }
  }
  size_t i = 0;
  while (i < sorted.size()) {
    const int64_t seq = units_[static_cast<size_t>(sorted[i])].sequence;
    size_t j = i;
    bool distinct = true;
    while (j < sorted.size() && units_[static_cast<size_t>(sorted[j])].sequence == seq) {
      if (j > i && sorted[j] == sorted[j - 1]) distinct = false;
      ++j;
    }
    if (distinct && static_cast<int64_t>(j - i) == units_per_sequence_[static_cast<size_t>(seq)]) {
      Task t;
      t.sequence = seq;
      t.begin = starts_[static_cast<size_t>(seq)];
      t.end = starts_[static_cast<size_t>(seq + 1)];
      t.whole = true;
      tasks.push_back(std::move(t));
    } else {
      for (size_t k = i; k < j; ++k) {
        const Unit& unit = units_[static_cast<size_t>(sorted[k])];
        Task t;
        t.sequence = seq;
        t.begin = unit.begin;
        t.end = unit.end;
        tasks.push_back(std::move(t));
      }
    }
    i = j;
  }
  return tasks;
}

double BayesianHmm::expected_chain_log_joint(const double* stats) const {
  double total = 0.0;
  for (int64_t k = 0; k < K_; ++k) total += stats[k] * elog_initial_[static_cast<size_t>(k)];
  for (int64_t ij = 0; ij < K_ * K_; ++ij) total += stats[K_ + ij] * elog_transition_[static_cast<size_t>(ij)];
  return total + emission_->expected_log_joint(stats + chain_statistic_size(K_));
}

void BayesianHmm::emission_log_weights(int64_t begin, int64_t end, double* out, int threads) const {
  const int64_t n = end - begin;
  if (threads <= 1 || n < kParallelEmissionRows) {
    emission_->expected_log_likelihood(X_, begin, end, out);
    return;
  }
  conjugate::parallel_for(n, threads, [&](int, int64_t b, int64_t e) {
    emission_->expected_log_likelihood(X_, begin + b, begin + e, out + b * K_);
  });
}

void BayesianHmm::emission_accumulate(int64_t begin, int64_t end, const double* weights, double* stats,
                                      int threads) const {
  const int64_t n = end - begin;
  if (threads <= 1 || n < kParallelEmissionRows) {
    emission_->accumulate(X_, begin, end, weights, stats);
    return;
  }
  const int64_t size = emission_->statistic_size();
  std::vector<std::vector<double>> part(static_cast<size_t>(threads), std::vector<double>(static_cast<size_t>(size), 0.0));
  conjugate::parallel_for(n, threads, [&](int thread, int64_t b, int64_t e) {
    emission_->accumulate(X_, begin + b, begin + e, weights + b * K_, part[static_cast<size_t>(thread)].data());
  });
  for (const auto& p : part)
    for (int64_t i = 0; i < size; ++i) stats[i] += p[static_cast<size_t>(i)];
}

void BayesianHmm::run_structured(const Task& task, RowMatrix* store, double* stats, double& bound,
                                 int threads) const {
  const int64_t s0 = starts_[static_cast<size_t>(task.sequence)];
  const int64_t s1 = starts_[static_cast<size_t>(task.sequence + 1)];
  int64_t wb = s0, we = s1;
  if (!task.whole) {
    wb = task.begin > s0 ? std::max(s0, task.begin - std::max<int64_t>(options_.buffer_length_, 1)) : s0;
    we = std::min(s1, task.end + options_.buffer_length_);
  }
  const int64_t n = we - wb;
  const int64_t C = chain_statistic_size(K_);
  std::vector<double> log_emission(static_cast<size_t>(n * K_));
  emission_log_weights(wb, we, log_emission.data(), threads);
  // A whole sequence writes its marginals in place; a block keeps its buffer's apart.
  std::vector<double> scratch;
  double* marg;
  if (task.whole && store) {
    marg = store->data() + wb * K_;
  } else {
    scratch.resize(static_cast<size_t>(n * K_));
    marg = scratch.data();
  }
  std::vector<double> local(static_cast<size_t>(C + emission_->statistic_size()), 0.0);
  ChainWeights weights;
  weights.initial = wb == s0 ? initial_weights_.data() : stationary_.data();
  weights.transition = transition_weights_.data();
  weights.num_states = K_;
  ForwardBackwardOutput out;
  out.marginals = marg;
  out.pair_counts = local.data() + K_;
  out.pair_begin = std::max<int64_t>(1, task.begin - wb);
  out.pair_end = task.end - wb;
  const double log_z = forward_backward(weights, log_emission.data(), n, out);
  const double* own = marg + (task.begin - wb) * K_;
  if (task.begin == s0) {
    for (int64_t k = 0; k < K_; ++k) local[static_cast<size_t>(k)] += own[k];
  }
  emission_accumulate(task.begin, task.end, own, local.data() + C, threads);
  if (task.whole) bound += log_z - expected_chain_log_joint(local.data());
  if (store && !task.whole) {
    std::copy(own, own + (task.end - task.begin) * K_, store->data() + task.begin * K_);
  }
  for (size_t i = 0; i < local.size(); ++i) stats[i] += local[i];
}

void BayesianHmm::run_mean_field(const Task& task, bool update, RowMatrix* store, double* stats,
                                 double& bound) const {
  const int64_t s0 = starts_[static_cast<size_t>(task.sequence)];
  const int64_t s1 = starts_[static_cast<size_t>(task.sequence + 1)];
  const int64_t b = task.begin, e = task.end, n = e - b;
  const int64_t C = chain_statistic_size(K_);
  std::vector<double> q(marginals_.data() + b * K_, marginals_.data() + e * K_);
  const double* left = b > s0 ? task.left.data() : nullptr;
  const double* right = e < s1 ? task.right.data() : nullptr;
  const double* elogA = elog_transition_.data();
  if (update) {
    std::vector<double> log_emission(static_cast<size_t>(n * K_)), v(static_cast<size_t>(K_));
    emission_->expected_log_likelihood(X_, b, e, log_emission.data());
    for (int64_t sweep = 0; sweep < options_.mean_field_max_sweeps_; ++sweep) {
      double change = 0.0;
      for (int64_t t = 0; t < n; ++t) {
        const double* le = log_emission.data() + t * K_;
        for (int64_t k = 0; k < K_; ++k) v[static_cast<size_t>(k)] = le[k];
        if (b + t == s0) {
          for (int64_t k = 0; k < K_; ++k) v[static_cast<size_t>(k)] += elog_initial_[static_cast<size_t>(k)];
        } else {
          const double* prev = t > 0 ? q.data() + (t - 1) * K_ : left;
          for (int64_t j = 0; j < K_; ++j) {
            const double p = prev[j];
            for (int64_t k = 0; k < K_; ++k) v[static_cast<size_t>(k)] += p * elogA[j * K_ + k];
          }
        }
        if (b + t + 1 < s1) {
          const double* next = t + 1 < n ? q.data() + (t + 1) * K_ : right;
          for (int64_t k = 0; k < K_; ++k) {
            double s = 0.0;
            for (int64_t j = 0; j < K_; ++j) s += next[j] * elogA[k * K_ + j];
            v[static_cast<size_t>(k)] += s;
          }
        }
        const double mx = *std::max_element(v.begin(), v.end());
        double total = 0.0;
        for (int64_t k = 0; k < K_; ++k) total += (v[static_cast<size_t>(k)] = std::exp(v[static_cast<size_t>(k)] - mx));
        double* qt = q.data() + t * K_;
        for (int64_t k = 0; k < K_; ++k) {
          const double updated = v[static_cast<size_t>(k)] / total;
          change = std::max(change, std::abs(updated - qt[k]));
          qt[k] = updated;
        }
      }
      if (change <= options_.mean_field_tolerance_) break;
    }
  }
  std::vector<double> local(static_cast<size_t>(C + emission_->statistic_size()), 0.0);
  if (b == s0) {
    for (int64_t k = 0; k < K_; ++k) local[static_cast<size_t>(k)] += q[static_cast<size_t>(k)];
  }
  double entropy = 0.0;
  for (int64_t t = 0; t < n; ++t) {
    const double* qt = q.data() + t * K_;
    if (b + t > s0) {
      const double* prev = t > 0 ? q.data() + (t - 1) * K_ : left;
      for (int64_t i = 0; i < K_; ++i)
        for (int64_t j = 0; j < K_; ++j) local[static_cast<size_t>(K_ + i * K_ + j)] += prev[i] * qt[j];
    }
    for (int64_t k = 0; k < K_; ++k)
      if (qt[k] > 0) entropy -= qt[k] * std::log(qt[k]);
  }
  emission_->accumulate(X_, b, e, q.data(), local.data() + C);
  bound += entropy;
  if (update && store) std::copy(q.begin(), q.end(), store->data() + b * K_);
  for (size_t i = 0; i < local.size(); ++i) stats[i] += local[i];
}

conjugate::BatchStatistics BayesianHmm::gather(const std::vector<Task>& tasks, RowMatrix* store, bool update) const {
  const int64_t size = chain_statistic_size(K_) + emission_->statistic_size();
  const int64_t n = static_cast<int64_t>(tasks.size());
  const int threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads_, n)));
  std::vector<Eigen::VectorXd> part(static_cast<size_t>(threads), Eigen::VectorXd::Zero(size));
  std::vector<double> bounds(static_cast<size_t>(threads), 0.0);
  const bool mean_field = options_.local_factors_ == LocalFactors::mean_field;
  // Fewer units than threads (one long sequence): each unit spreads its emission work.
  const int inner = static_cast<int>(std::max<int64_t>(1, threads_ / std::max<int64_t>(1, n)));
  conjugate::parallel_for(n, threads, [&](int thread, int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const Task& task = tasks[static_cast<size_t>(i)];
      if (mean_field) {
        run_mean_field(task, update, store, part[static_cast<size_t>(thread)].data(), bounds[static_cast<size_t>(thread)]);
      } else {
        run_structured(task, store, part[static_cast<size_t>(thread)].data(), bounds[static_cast<size_t>(thread)], inner);
      }
    }
  });
  conjugate::BatchStatistics out;
  out.sufficient = Eigen::VectorXd::Zero(size);
  for (int t = 0; t < threads; ++t) {
    out.sufficient += part[static_cast<size_t>(t)];
    out.local_bound += bounds[static_cast<size_t>(t)];
  }
  return out;
}

conjugate::BatchStatistics BayesianHmm::run(const conjugate::Batch& batch, bool update) {
  std::vector<Task> tasks = plan(batch);
  if (options_.local_factors_ == LocalFactors::mean_field) {
    // Neighbours outside a block are read before any block of the batch changes.
    for (Task& t : tasks) {
      const int64_t s0 = starts_[static_cast<size_t>(t.sequence)];
      const int64_t s1 = starts_[static_cast<size_t>(t.sequence + 1)];
      if (t.begin > s0) t.left.assign(marginals_.data() + (t.begin - 1) * K_, marginals_.data() + t.begin * K_);
      if (t.end < s1) t.right.assign(marginals_.data() + t.end * K_, marginals_.data() + (t.end + 1) * K_);
    }
  }
  conjugate::BatchStatistics out = gather(tasks, update ? &marginals_ : nullptr, update);
  out.size = static_cast<int64_t>(batch.size());
  return out;
}

conjugate::BatchStatistics BayesianHmm::run_const(const conjugate::Batch& batch) const {
  std::vector<Task> tasks = plan(batch);
  if (options_.local_factors_ == LocalFactors::mean_field) {
    for (Task& t : tasks) {
      const int64_t s0 = starts_[static_cast<size_t>(t.sequence)];
      const int64_t s1 = starts_[static_cast<size_t>(t.sequence + 1)];
      if (t.begin > s0) t.left.assign(marginals_.data() + (t.begin - 1) * K_, marginals_.data() + t.begin * K_);
      if (t.end < s1) t.right.assign(marginals_.data() + t.end * K_, marginals_.data() + (t.end + 1) * K_);
    }
  }
  conjugate::BatchStatistics out = gather(tasks, nullptr, false);
  out.size = static_cast<int64_t>(batch.size());
  return out;
}

void BayesianHmm::local_step(const conjugate::Batch& batch) { run(batch, true); }

conjugate::BatchStatistics BayesianHmm::expected_statistics(const conjugate::Batch& batch) const {
  return run_const(batch);
}

conjugate::BatchStatistics BayesianHmm::local_step_statistics(const conjugate::Batch& batch) {
  return run(batch, true);
}

Eigen::VectorXd BayesianHmm::global_step(const conjugate::BatchStatistics& stats, double scale) const {
  const int64_t C = chain_statistic_size(K_);
  Eigen::VectorXd out(C + emission_->parameter_size());
  for (int64_t k = 0; k < K_; ++k) out(k) = options_.initial_concentration_ + scale * stats.sufficient(k);
  for (int64_t ij = 0; ij < K_ * K_; ++ij) {
    out(K_ + ij) = options_.transition_concentration_ + scale * stats.sufficient(K_ + ij);
  }
  emission_->global_step(stats.sufficient.data() + C, scale, out.data() + C);
  return out;
}

void BayesianHmm::project_statistics(conjugate::BatchStatistics& stats) const {
  const int64_t C = chain_statistic_size(K_);
  for (int64_t i = 0; i < C; ++i) stats.sufficient(i) = std::max(stats.sufficient(i), 0.0);
  emission_->project_statistics(stats.sufficient.data() + C);
}

double BayesianHmm::elbo(const conjugate::BatchStatistics& full) const {
  const std::vector<double> initial_prior(static_cast<size_t>(K_), options_.initial_concentration_);
  const std::vector<double> transition_prior(static_cast<size_t>(K_), options_.transition_concentration_);
  double kl = dirichlet_kl(lambda_.data(), initial_prior.data(), K_) + emission_->kl_divergence();
  for (int64_t i = 0; i < K_; ++i) kl += dirichlet_kl(lambda_.data() + K_ + i * K_, transition_prior.data(), K_);
  return expected_chain_log_joint(full.sufficient.data()) + full.local_bound - kl;
}

double BayesianHmm::exact_elbo() {
  std::vector<Task> tasks;
  for (int64_t s = 0; s < num_sequences(); ++s) {
    Task t;
    t.sequence = s;
    t.begin = starts_[static_cast<size_t>(s)];
    t.end = starts_[static_cast<size_t>(s + 1)];
    t.whole = true;
    tasks.push_back(std::move(t));
  }
  return elbo(gather(tasks, &marginals_, true));
}

void BayesianHmm::set_heldout(const RowMatrix& X, std::vector<int64_t> sequence_starts) {
  heldout_starts_ = checked_starts(std::move(sequence_starts), X.rows(), "held-out data");
  heldout_ = emission_->prepare(X, "held-out data");
}

double BayesianHmm::plugin_log_likelihood(const RowMatrix& prepared, const std::vector<int64_t>& starts) const {
  std::vector<double> initial(static_cast<size_t>(K_)), transition(static_cast<size_t>(K_ * K_));
  for (int64_t k = 0; k < K_; ++k) initial[static_cast<size_t>(k)] = std::exp(log_mean_initial_[static_cast<size_t>(k)]);
  for (int64_t ij = 0; ij < K_ * K_; ++ij) {
    transition[static_cast<size_t>(ij)] = std::exp(log_mean_transition_[static_cast<size_t>(ij)]);
  }
  const ChainWeights weights{initial.data(), transition.data(), K_};
  const int64_t sequences = static_cast<int64_t>(starts.size()) - 1;
  const int threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads_, sequences)));
  std::vector<double> part(static_cast<size_t>(threads), 0.0);
  conjugate::parallel_for(sequences, threads, [&](int thread, int64_t first, int64_t last) {
    for (int64_t s = first; s < last; ++s) {
      const int64_t b = starts[static_cast<size_t>(s)], e = starts[static_cast<size_t>(s + 1)];
      std::vector<double> log_emission(static_cast<size_t>((e - b) * K_)), marg(log_emission.size());
      emission_->plugin_log_likelihood(prepared, b, e, log_emission.data());
      ForwardBackwardOutput out;
      out.marginals = marg.data();
      part[static_cast<size_t>(thread)] += forward_backward(weights, log_emission.data(), e - b, out);
    }
  });
  double total = 0.0;
  for (double v : part) total += v;
  return total;
}

std::optional<double> BayesianHmm::heldout_score() const {
  if (heldout_.rows() == 0) return std::nullopt;
  return plugin_log_likelihood(heldout_, heldout_starts_) / static_cast<double>(heldout_.rows());
}

double BayesianHmm::log_likelihood(const RowMatrix& X, const std::vector<int64_t>& sequence_starts) const {
  const std::vector<int64_t> starts = checked_starts(sequence_starts, X.rows(), "data to score");
  return plugin_log_likelihood(emission_->prepare(X, "data to score"), starts);
}

RowMatrix BayesianHmm::posterior_marginals(const RowMatrix& X, const std::vector<int64_t>& sequence_starts) const {
  const std::vector<int64_t> starts = checked_starts(sequence_starts, X.rows(), "data to label");
  const RowMatrix prepared = emission_->prepare(X, "data to label");
  RowMatrix out(X.rows(), K_);
  ChainWeights weights{initial_weights_.data(), transition_weights_.data(), K_};
  for (size_t s = 0; s + 1 < starts.size(); ++s) {
    const int64_t b = starts[s], e = starts[s + 1];
    std::vector<double> log_emission(static_cast<size_t>((e - b) * K_));
    emission_->expected_log_likelihood(prepared, b, e, log_emission.data());
    ForwardBackwardOutput fb;
    fb.marginals = out.data() + b * K_;
    forward_backward(weights, log_emission.data(), e - b, fb);
  }
  return out;
}

std::vector<int32_t> BayesianHmm::viterbi_path(const RowMatrix& X, const std::vector<int64_t>& sequence_starts) const {
  const std::vector<int64_t> starts = checked_starts(sequence_starts, X.rows(), "data to decode");
  const RowMatrix prepared = emission_->prepare(X, "data to decode");
  std::vector<int32_t> path;
  path.reserve(static_cast<size_t>(X.rows()));
  for (size_t s = 0; s + 1 < starts.size(); ++s) {
    const int64_t b = starts[s], e = starts[s + 1];
    std::vector<double> log_emission(static_cast<size_t>((e - b) * K_));
    emission_->plugin_log_likelihood(prepared, b, e, log_emission.data());
    const ViterbiPath p = viterbi(log_mean_initial_.data(), log_mean_transition_.data(), log_emission.data(), e - b, K_);
    path.insert(path.end(), p.states.begin(), p.states.end());
  }
  return path;
}

std::vector<int32_t> BayesianHmm::viterbi_path() const {
  std::vector<int32_t> path;
  path.reserve(static_cast<size_t>(X_.rows()));
  for (size_t s = 0; s + 1 < starts_.size(); ++s) {
    const int64_t b = starts_[s], e = starts_[s + 1];
    std::vector<double> log_emission(static_cast<size_t>((e - b) * K_));
    emission_->plugin_log_likelihood(X_, b, e, log_emission.data());
    const ViterbiPath p = viterbi(log_mean_initial_.data(), log_mean_transition_.data(), log_emission.data(), e - b, K_);
    path.insert(path.end(), p.states.begin(), p.states.end());
  }
  return path;
}

HmmParameters BayesianHmm::parameters() const {
  HmmParameters p;
  p.initial_concentration = lambda_.head(K_);
  p.initial_mean.resize(K_);
  p.initial_sd.resize(K_);
  dirichlet_mean_sd(lambda_.data(), K_, p.initial_mean.data(), p.initial_sd.data());
  p.transition_concentration.resize(K_, K_);
  p.transition_mean.resize(K_, K_);
  p.transition_sd.resize(K_, K_);
  Eigen::VectorXd mean(K_), sd(K_);
  for (int64_t i = 0; i < K_; ++i) {
    const double* row = lambda_.data() + K_ + i * K_;
    dirichlet_mean_sd(row, K_, mean.data(), sd.data());
    for (int64_t j = 0; j < K_; ++j) {
      p.transition_concentration(i, j) = row[j];
      p.transition_mean(i, j) = mean(j);
      p.transition_sd(i, j) = sd(j);
    }
  }
  p.emission = emission_->summary();
  return p;
}

nlohmann::json BayesianHmm::parameters_json() const {
  const HmmParameters p = parameters();
  auto vec = [](const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); };
  auto mat = [](const Eigen::MatrixXd& m) {
    nlohmann::json rows = nlohmann::json::array();
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
      std::vector<double> row(static_cast<size_t>(m.cols()));
      for (Eigen::Index j = 0; j < m.cols(); ++j) row[static_cast<size_t>(j)] = m(i, j);
      rows.push_back(row);
    }
    return rows;
  };
  return {{"initial", {{"concentration", vec(p.initial_concentration)},
                       {"mean", vec(p.initial_mean)},
                       {"sd", vec(p.initial_sd)},
                       {"prior_concentration", options_.initial_concentration_}}},
          {"transition", {{"concentration", mat(p.transition_concentration)},
                          {"mean", mat(p.transition_mean)},
                          {"sd", mat(p.transition_sd)},
                          {"prior_concentration", options_.transition_concentration_}}},
          {"emission", p.emission}};
}

}  // namespace elbo::hmm
