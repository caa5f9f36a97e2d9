#include "elbo/objective/make_objective.hpp"

#include <cmath>
#include <vector>

#include "elbo/core/error.hpp"
#include "elbo/objective/annealed_elbo.hpp"
#include "elbo/objective/chi_upper_bound.hpp"
#include "elbo/objective/iwae_bound.hpp"
#include "elbo/objective/reparam_elbo.hpp"
#include "elbo/objective/renyi_bound.hpp"

namespace elbo::objective {

namespace {

const char* kValidForms =
    "valid forms: elbo, renyi:<alpha> (alpha != 1), vrmax, iwae[:<K>], chi[:<n>] (n > 1), "
    "annealed:<steps>[:<beta0>[:linear|geometric]]";

[[noreturn]] void fail(const std::string& spec, const std::string& why) {
  throw ConfigError("--objective '" + spec + "': " + why + "; " + kValidForms);
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t colon = s.find(':', start);
    parts.push_back(s.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return parts;
}

double parse_real(const std::string& spec, const std::string& text, const char* what) {
  size_t pos = 0;
  double value = 0.0;
  try {
    value = std::stod(text, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (text.empty() || pos != text.size() || !std::isfinite(value)) {
    fail(spec, std::string(what) + " '" + text + "' is not a finite number");
  }
  return value;
}

int64_t parse_count(const std::string& spec, const std::string& text, const char* what) {
  size_t pos = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &pos);
  } catch (const std::exception&) {
    pos = 0;
  }
  if (text.empty() || pos != text.size() || value < 1) {
    fail(spec, std::string(what) + " '" + text + "' is not a positive integer");
  }
  return static_cast<int64_t>(value);
}

}  // namespace

std::shared_ptr<Objective> make_objective(const std::string& spec, int64_t num_draws,
                                          bool stick_the_landing) {
  if (num_draws < 1) {
    throw ConfigError("--objective: the number of draws is " + std::to_string(num_draws) +
                      ", but must be positive");
  }
  const auto parts = split(spec);
  const std::string& kind = parts[0];
  const size_t args = parts.size() - 1;
  auto no_stl = [&](const char* name) {
    if (stick_the_landing) {
      fail(spec, std::string(name) +
                     " has no path-derivative (sticking-the-landing / DReG) gradient; turn it off");
    }
  };
  if (kind == "elbo" && args == 0) {
    return std::make_shared<ReparamElbo>(
        ReparamElboOptions().num_draws(num_draws).stick_the_landing(stick_the_landing));
  }
  if (kind == "renyi" && args == 1) {
    const double alpha = parse_real(spec, parts[1], "alpha");
    if (alpha == 1.0) fail(spec, "alpha = 1 is the ELBO (use 'elbo')");
    return std::make_shared<RenyiBound>(RenyiBoundOptions()
                                            .alpha(alpha)
                                            .num_draws(num_draws)
                                            .doubly_reparameterized(stick_the_landing));
  }
  if (kind == "vrmax" && args == 0) {
    no_stl("vrmax");
    return std::make_shared<RenyiBound>(RenyiBoundOptions().vr_max(true).num_draws(num_draws));
  }
  if (kind == "iwae" && args <= 1) {
    const int64_t k = args == 1 ? parse_count(spec, parts[1], "K") : num_draws;
    return std::make_shared<IwaeBound>(
        IwaeBoundOptions().num_draws(k).doubly_reparameterized(stick_the_landing));
  }
  if (kind == "chi" && args <= 1) {
    no_stl("chi");
    const double n = args == 1 ? parse_real(spec, parts[1], "n") : 2.0;
    if (!(n > 1.0)) fail(spec, "n must be greater than 1");
    return std::make_shared<ChiUpperBound>(ChiUpperBoundOptions().n(n).num_draws(num_draws));
  }
  if (kind == "annealed" && args >= 1 && args <= 3) {
    AnnealedElboOptions options;
    options.anneal_steps(parse_count(spec, parts[1], "steps"));
    if (args >= 3) {
      if (parts[3] == "linear") {
        options.schedule(AnnealSchedule::linear);
      } else if (parts[3] == "geometric") {
        options.schedule(AnnealSchedule::geometric);
      } else {
        fail(spec, "schedule '" + parts[3] + "' is not linear or geometric");
      }
    }
    if (args >= 2) {
      const double b0 = parse_real(spec, parts[2], "beta0");
      const bool geometric = options.schedule() == AnnealSchedule::geometric;
      if (!(b0 <= 1.0 && (geometric ? b0 > 0.0 : b0 >= 0.0))) {
        fail(spec, geometric ? "beta0 must be in (0, 1] for the geometric schedule"
                             : "beta0 must be in [0, 1]");
      }
      options.initial_beta(b0);
    }
    options.elbo(ReparamElboOptions().num_draws(num_draws).stick_the_landing(stick_the_landing));
    return std::make_shared<AnnealedElbo>(options);
  }
  fail(spec, "unknown objective or wrong number of arguments");
}

}  // namespace elbo::objective
