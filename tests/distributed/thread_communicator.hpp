#pragma once
// A Communicator over threads of one process, for testing the distributed code
// with N "ranks" without mpirun: run_ranks(n, f) runs f(comm) on n threads, each
// with its own rank. Sums are taken in rank order. A rank that leaves with an
// exception aborts the group, as MPI_Abort ends a job: every rank still waiting in
// (or later entering) a collective gets RankAborted instead of hanging.
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "elbo/distributed/communicator.hpp"

namespace elbo::distributed::testing {

struct RankAborted : std::runtime_error {
  RankAborted() : std::runtime_error("another rank aborted the group") {}
};

class ThreadGroup {
 public:
  explicit ThreadGroup(int n) : n_(n), slots_(static_cast<size_t>(n), nullptr) {}
  int size() const { return n_; }
  void sync() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (aborted_) throw RankAborted();
    const int64_t generation = generation_;
    if (++arrived_ == n_) {
      arrived_ = 0;
      ++generation_;
      cv_.notify_all();
      return;
    }
    cv_.wait(lock, [&] { return generation != generation_ || aborted_; });
    if (generation == generation_) throw RankAborted();
  }
  void abort() {
    std::lock_guard<std::mutex> lock(mutex_);
    aborted_ = true;
    cv_.notify_all();
  }
  std::vector<void*>& slots() { return slots_; }

 private:
  int n_;
  std::mutex mutex_;
  std::condition_variable cv_;
  int arrived_ = 0;
  int64_t generation_ = 0;
  bool aborted_ = false;
  std::vector<void*> slots_;
};

class ThreadCommunicator final : public Communicator {
 public:
  ThreadCommunicator(ThreadGroup& group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_.size(); }
  void allreduce_sum(double* data, int64_t count) override { reduce(data, count, [](double a, double b) { return a + b; }); }
  void allreduce_sum(int64_t* data, int64_t count) override {
    reduce(data, count, [](int64_t a, int64_t b) { return a + b; });
  }
  void allreduce_max(int64_t* data, int64_t count) override {
    reduce(data, count, [](int64_t a, int64_t b) { return a > b ? a : b; });
  }
  void broadcast(double* data, int64_t count, int root) override {
    group_.slots()[static_cast<size_t>(rank_)] = data;
    group_.sync();
    if (rank_ != root) {
      const double* from = static_cast<const double*>(group_.slots()[static_cast<size_t>(root)]);
      std::copy(from, from + count, data);
    }
    group_.sync();
  }
  void broadcast(std::string& text, int root) override {
    group_.slots()[static_cast<size_t>(rank_)] = &text;
    group_.sync();
    if (rank_ != root) text = *static_cast<const std::string*>(group_.slots()[static_cast<size_t>(root)]);
    group_.sync();
  }
  void barrier() override { group_.sync(); }
  [[noreturn]] void abort(const std::string& message, int) override {
    group_.abort();
    throw std::runtime_error(message);
  }
  using Communicator::allreduce_sum;

 private:
  template <class T, class Op>
  void reduce(T* data, int64_t count, Op op) {
    group_.slots()[static_cast<size_t>(rank_)] = data;
    group_.sync();
    std::vector<T> out(data, data + count);
    if (group_.size() > 1) {
      const T* first = static_cast<const T*>(group_.slots()[0]);
      out.assign(first, first + count);
      for (int r = 1; r < group_.size(); ++r) {
        const T* other = static_cast<const T*>(group_.slots()[static_cast<size_t>(r)]);
        for (int64_t i = 0; i < count; ++i) out[static_cast<size_t>(i)] = op(out[static_cast<size_t>(i)], other[i]);
      }
    }
    group_.sync();  // every rank has read every buffer
    std::copy(out.begin(), out.end(), data);
  }
  ThreadGroup& group_;
  int rank_;
};

/// Runs f on n ranks (threads); returns each rank's exception (null when none).
inline std::vector<std::exception_ptr> run_ranks(int n, const std::function<void(Communicator&)>& f) {
  ThreadGroup group(n);
  std::vector<std::exception_ptr> errors(static_cast<size_t>(n));
  std::vector<std::thread> threads;
  for (int r = 0; r < n; ++r) {
    threads.emplace_back([&, r] {
      ThreadCommunicator comm(group, r);
      try {
        f(comm);
      } catch (...) {
        errors[static_cast<size_t>(r)] = std::current_exception();
        group.abort();
      }
    });
  }
  for (auto& t : threads) t.join();
  return errors;
}

/// The first error of `errors` that is not RankAborted (the cause), else null.
inline std::exception_ptr first_cause(const std::vector<std::exception_ptr>& errors) {
  for (const auto& e : errors) {
    if (!e) continue;
    try {
      std::rethrow_exception(e);
    } catch (const RankAborted&) {
      continue;
    } catch (...) {
      return e;
    }
  }
  return nullptr;
}

/// run_ranks, re-throwing the error that aborted the group.
inline void run_ranks_or_throw(int n, const std::function<void(Communicator&)>& f) {
  if (auto e = first_cause(run_ranks(n, f))) std::rethrow_exception(e);
}

}  // namespace elbo::distributed::testing
