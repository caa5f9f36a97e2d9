#include "elbo/objective/make_score_objective.hpp"

#include <cmath>
#include <set>
#include <vector>

#include "elbo/core/error.hpp"
#include "elbo/objective/gumbel_softmax_elbo.hpp"
#include "elbo/objective/reparam_elbo.hpp"
#include "elbo/objective/score_function_elbo.hpp"

namespace elbo::objective {

namespace {

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

class Parser {
 public:
  explicit Parser(std::string spec) : spec_(std::move(spec)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw ConfigError("objective '" + spec_ + "': " + what);
  }

  // "name:VALUE" → VALUE as a finite double (the option is named on failure).
  double number(const std::string& token, const std::string& name, const std::string& must) const {
    const std::string text = token.size() > name.size() + 1 ? token.substr(name.size() + 1) : "";
    size_t used = 0;
    double value = NAN;
    try {
      value = std::stod(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (text.empty() || used != text.size() || !std::isfinite(value)) {
      fail("option '" + name + "' needs a number (" + must + "), got '" + text + "'");
    }
    return value;
  }

  // Records an option once; a repeat is an error.
  void once(const std::string& name) {
    if (!seen_.insert(name).second) fail("option '" + name + "' is given more than once");
  }

 private:
  std::string spec_;
  std::set<std::string> seen_;
};

bool has_prefix(const std::string& token, const std::string& name) {
  return token == name || token.rfind(name + ":", 0) == 0;
}

}  // namespace

std::shared_ptr<Objective> make_score_objective(const std::string& spec, int64_t num_draws) {
  Parser parser(spec);
  const auto tokens = split(spec, '+');
  const std::string& base = tokens[0];
  if (base == "reparam") {
    if (tokens.size() > 1) parser.fail("'reparam' takes no options, got '" + tokens[1] + "'");
    return std::make_shared<ReparamElbo>(ReparamElboOptions().num_draws(num_draws));
  }
  if (has_prefix(base, "gumbel")) {
    GumbelSoftmaxElboOptions options;
    options.num_draws(num_draws);
    options.temperature(parser.number(base, "gumbel", "the initial temperature > 0"));
    for (size_t i = 1; i < tokens.size(); ++i) {
      const auto& token = tokens[i];
      if (token == "st") {
        parser.once("st");
        options.straight_through(true);
      } else if (has_prefix(token, "anneal")) {
        parser.once("anneal");
        options.anneal_rate(parser.number(token, "anneal", "a rate >= 0"));
      } else if (has_prefix(token, "min")) {
        parser.once("min");
        options.min_temperature(parser.number(token, "min", "a temperature > 0"));
      } else {
        parser.fail("unknown option '" + token + "' for gumbel; expected st, anneal:RATE or min:TMIN");
      }
    }
    try {
      return std::make_shared<GumbelSoftmaxElbo>(options);
    } catch (const ConfigError& e) {
      parser.fail(e.what());
    }
  }
  ScoreFunctionElboOptions options;
  options.num_draws(num_draws);
  size_t first_option = 1;
  if (base == "reinforce") {
  } else if (has_prefix(base, "odis")) {
    parser.once("odis");
    options.overdispersion(parser.number(base, "odis", "an overdispersion >= 1"));
  } else {
    parser.fail("unknown estimator '" + base +
                "'; expected reinforce, odis:TAU, gumbel:TEMP or reparam");
  }
  for (size_t i = first_option; i < tokens.size(); ++i) {
    const auto& token = tokens[i];
    if (has_prefix(token, "baseline")) {
      parser.once("baseline");
      if (options.control_variate() == ControlVariate::optimal) {
        parser.fail("options 'baseline' and 'cv' exclude each other (one control variate)");
      }
      options.control_variate(ControlVariate::baseline);
      if (token != "baseline") options.baseline_decay(parser.number(token, "baseline", "a decay in [0, 1)"));
    } else if (token == "cv") {
      parser.once("cv");
      if (options.control_variate() == ControlVariate::baseline) {
        parser.fail("options 'baseline' and 'cv' exclude each other (one control variate)");
      }
      options.control_variate(ControlVariate::optimal);
    } else if (token == "rb") {
      parser.once("rb");
      options.rao_blackwellize(true);
    } else if (has_prefix(token, "odis")) {
      parser.once("odis");
      options.overdispersion(parser.number(token, "odis", "an overdispersion >= 1"));
    } else {
      parser.fail("unknown option '" + token +
                  "' for reinforce; expected baseline[:DECAY], cv, rb or odis:TAU");
    }
  }
  try {
    return std::make_shared<ScoreFunctionElbo>(options);
  } catch (const ConfigError& e) {
    parser.fail(e.what());
  }
}

}  // namespace elbo::objective
