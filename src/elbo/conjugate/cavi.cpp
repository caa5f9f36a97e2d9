#include "elbo/conjugate/cavi.hpp"

#include <cmath>

#include "elbo/conjugate/option_check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::conjugate {

void CaviOptions::validate() const {
  check_option_at_least("cavi", "max_iterations", static_cast<double>(max_iterations_), 1);
  check_option_nonnegative("cavi", "tolerance", tolerance_);
  check_option_nonnegative("cavi", "heldout_every", static_cast<double>(heldout_every_));
}

BatchStatistics cavi_step(ConjugateModel& model) {
  const Batch all = model.all_points();
  BatchStatistics stats = model.local_step_statistics(all);
  model.set_global_parameters(model.global_step(stats, 1.0));
  return stats;
}

CaviResult cavi(ConjugateModel& model, const CaviOptions& options) {
  options.validate();
  CaviResult result;
  double previous = -INFINITY;
  for (int64_t it = 1; it <= options.max_iterations_; ++it) {
    const BatchStatistics stats = cavi_step(model);
    const double value = model.elbo(stats);
    if (!std::isfinite(value)) {
      throw NumericalError("cavi: ELBO is not finite at iteration " + std::to_string(it));
    }
    result.elbo_trace.push_back(value);
    result.iterations = it;
    if (options.heldout_every_ > 0 && it % options.heldout_every_ == 0) {
      if (auto score = model.heldout_score()) result.heldout_trace.emplace_back(it, *score);
    }
    if (options.callback_ && !options.callback_(it, value)) break;
    if (std::isfinite(previous) &&
        std::abs(value - previous) <= options.tolerance_ * std::abs(value)) {
      result.converged = true;
      break;
    }
    previous = value;
  }
  return result;
}

}  // namespace elbo::conjugate
