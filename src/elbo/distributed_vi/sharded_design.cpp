#include "elbo/distributed_vi/sharded_design.hpp"

#include <torch/torch.h>

#include <cstring>
#include <vector>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::distributed {

models::DesignMatrix sharded_design_matrix(const io::Table& local, const models::DesignMatrixOptions& options,
                                           Communicator& comm) {
  auto raw_options = options;
  raw_options.standardize(false);
  models::DesignMatrix out = models::design_matrix(local, raw_options);  // local checks, raw X
  if (!options.standardize()) return out;
  const at::Tensor X = out.X;
  const int64_t D = X.size(1);
  // Σx and N in one reduction.
  std::vector<double> sums(static_cast<size_t>(D + 1));
  {
    auto s = X.sum(0).contiguous();
    std::memcpy(sums.data(), s.data_ptr<double>(), sizeof(double) * static_cast<size_t>(D));
    sums[static_cast<size_t>(D)] = static_cast<double>(X.size(0));
  }
  comm.allreduce_sum(sums);
  const double N = sums[static_cast<size_t>(D)];
  if (N < 2) {
    throw DomainError(check_message("design_matrix", "number of rows", -1, N,
                                    "at least 2 to standardise the features"));
  }
  auto means = torch::from_blob(sums.data(), {D}, torch::kDouble).div(N).clone();
  auto centred = X - means;
  std::vector<double> squares(static_cast<size_t>(D));
  {
    auto s = (centred * centred).sum(0).contiguous();
    std::memcpy(squares.data(), s.data_ptr<double>(), sizeof(double) * static_cast<size_t>(D));
  }
  comm.allreduce_sum(squares);
  auto sds = torch::from_blob(squares.data(), {D}, torch::kDouble).div(N - 1).sqrt().clone();
  // max |x| over ranks: non-negative doubles order as their bit patterns.
  std::vector<int64_t> magnitude(static_cast<size_t>(D));
  {
    auto m = std::get<0>(X.abs().max(0)).contiguous();
    std::memcpy(magnitude.data(), m.data_ptr<double>(), sizeof(double) * static_cast<size_t>(D));
  }
  comm.allreduce_max(magnitude.data(), D);
  auto sd = sds.accessor<double, 1>();
  for (int64_t j = 0; j < D; ++j) {
    double mag = 0;
    std::memcpy(&mag, &magnitude[static_cast<size_t>(j)], sizeof(double));
    if (!(sd[j] > 1e-12 * mag)) {
      throw DomainError("design_matrix: column '" + out.feature_names[static_cast<size_t>(j)] + "' of " +
                        local.source +
                        " is constant (standard deviation 0), so it cannot be standardised; drop it or "
                        "disable standardisation");
    }
  }
  out.standardized = true;
  out.means = means;
  out.sds = sds;
  out.X = (centred / sds).contiguous();
  return out;
}

}  // namespace elbo::distributed
