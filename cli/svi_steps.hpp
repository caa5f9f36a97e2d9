#pragma once
// What the conjugate SVI commands (fit lda, fit gmm; one process or distributed)
// share: how many steps a run takes, and the communication figures of a
// distributed run in summary.json.
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>

#include "elbo/distributed/distributed_svi.hpp"

namespace elbo_cli {

/// --max-iter when given, else --passes (default 10) over `rows` in minibatches of `batch`.
inline int64_t svi_steps(int64_t max_iter, double passes, int64_t rows, int64_t batch) {
  if (max_iter > 0) return max_iter;
  return static_cast<int64_t>(std::ceil((passes > 0 ? passes : 10.0) * static_cast<double>(rows) /
                                        static_cast<double>(batch)));
}

/// summary.json's "distributed" figures of an SVI loop that took `svi_seconds`.
inline void add_communication_stats(nlohmann::json& parallel, const elbo::distributed::CommunicationStats& c,
                                    double svi_seconds) {
  parallel["svi_seconds"] = svi_seconds;
  parallel["allreduce_seconds"] = c.seconds;
  parallel["local_step_seconds"] = c.compute_seconds;
  parallel["allreduces"] = c.reductions;
  parallel["bytes_per_allreduce"] = c.bytes_per_reduction;
}

}  // namespace elbo_cli
