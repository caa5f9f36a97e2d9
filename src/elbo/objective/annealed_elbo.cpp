#include "elbo/objective/annealed_elbo.hpp"

#include <cmath>
#include <string>

#include "elbo/core/check.hpp"
#include "elbo/core/error.hpp"

namespace elbo::objective {

AnnealedElbo::AnnealedElbo(AnnealedElboOptions options)
    : options_(options), elbo_(options.elbo()) {
  check_option_positive("AnnealedElbo", "anneal_steps", static_cast<double>(options_.anneal_steps()));
  const double b0 = options_.initial_beta();
  const bool geometric = options_.schedule() == AnnealSchedule::geometric;
  if (!(b0 <= 1.0 && (geometric ? b0 > 0.0 : b0 >= 0.0))) {
    throw ConfigError(check_message("AnnealedElbo", "initial_beta", -1, b0,
                                    geometric ? "in (0, 1] for the geometric schedule" : "in [0, 1]"));
  }
}

std::string AnnealedElbo::name() const {
  return "annealed:" + std::to_string(options_.anneal_steps());
}

double AnnealedElbo::beta(int64_t t) const {
  const int64_t T = options_.anneal_steps();
  if (t >= T) return 1.0;
  if (t <= 0) return options_.initial_beta();
  const double frac = static_cast<double>(t) / static_cast<double>(T);
  const double b0 = options_.initial_beta();
  if (options_.schedule() == AnnealSchedule::geometric) return std::pow(b0, 1.0 - frac);
  return b0 + (1.0 - b0) * frac;
}

Estimate AnnealedElbo::estimate(const model::LogDensity& p, family::Family& q,
                                const model::Subsample& data, at::Generator gen) {
  const double b = beta();
  if (b == 1.0) return elbo_.estimate(p, q, data, gen);
  if (p.num_data() == 0) {
    throw ConfigError(
        "AnnealedElbo: the log density has no data points (num_data = 0), so there is no "
        "likelihood weight to temper; use objective 'elbo'");
  }
  return elbo_.estimate(p, q, data.tempered(b * data.likelihood_weight()), gen);
}

}  // namespace elbo::objective
