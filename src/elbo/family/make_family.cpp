#include "elbo/family/make_family.hpp"

#include <algorithm>

#include "elbo/core/error.hpp"
#include "elbo/family/flow_family.hpp"
#include "elbo/family/bernoulli_family.hpp"
#include "elbo/family/categorical_family.hpp"
#include "elbo/family/full_rank_gaussian.hpp"
#include "elbo/family/gaussian_copula.hpp"
#include "elbo/family/gaussian_mixture.hpp"
#include "elbo/family/hierarchical_family.hpp"
#include "elbo/family/low_rank_gaussian.hpp"
#include "elbo/family/mean_field_gaussian.hpp"
#include "elbo/family/point_mass.hpp"

namespace elbo::family {

namespace {

// "mixture" (2 full-rank components), "mixture:C" or "mixture:C:diag".
FamilyPtr make_mixture_family(const std::string& spec, int64_t dim) {
  const std::string usage = "--family '" + spec +
                            "': expected mixture:C or mixture:C:diag with a positive integer C";
  if (spec == "mixture") return std::make_shared<GaussianMixture>(dim, 2);
  if (spec.size() < 9 || spec[7] != ':') throw ConfigError(usage);
  std::string count = spec.substr(8);
  bool full_rank = true;
  const auto colon = count.find(':');
  if (colon != std::string::npos) {
    if (count.substr(colon + 1) != "diag") throw ConfigError(usage);
    full_rank = false;
    count = count.substr(0, colon);
  }
  if (count.empty() || count.size() > 6 ||
      count.find_first_not_of("0123456789") != std::string::npos || std::stol(count) < 1) {
    throw ConfigError(usage);
  }
  return std::make_shared<GaussianMixture>(
      dim, std::stol(count), GaussianMixtureOptions().full_rank(full_rank));
}

// "categorical:C": D/C independent one-hot categoricals with C classes.
FamilyPtr make_categorical_family(const std::string& spec, int64_t dim) {
  const std::string usage = "--family '" + spec +
                            "': expected categorical:C with an integer C >= 2 dividing the "
                            "dimension " + std::to_string(dim);
  if (spec.size() < 13 || spec[11] != ':') throw ConfigError(usage);
  const std::string count = spec.substr(12);
  if (count.size() > 6 || count.find_first_not_of("0123456789") != std::string::npos) {
    throw ConfigError(usage);
  }
  const int64_t classes = std::stol(count);
  if (classes < 2 || dim % classes != 0) throw ConfigError(usage);
  return std::make_shared<CategoricalFamily>(dim / classes, classes);
}

}  // namespace

FamilyPtr make_family(const std::string& spec, int64_t dim, uint64_t seed) {
  if (spec == "meanfield") return std::make_shared<MeanFieldGaussian>(dim);
  if (spec == "fullrank") return std::make_shared<FullRankGaussian>(dim);
  if (spec == "pointmass" || spec == "map") return std::make_shared<PointMass>(dim);
  if (spec.rfind("lowrank", 0) == 0) {
    int64_t rank = std::min<int64_t>(2, dim);
    if (spec.size() > 7) {
      const std::string tail = spec.substr(7);
      size_t used = 0;
      long value = 0;
      try {
        if (tail[0] != ':') throw std::invalid_argument(tail);
        value = std::stol(tail.substr(1), &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used + 1 != tail.size() || value < 1) {
        throw ConfigError("--family '" + spec + "': expected lowrank:R with a positive integer rank R");
      }
      rank = value;
    }
    return std::make_shared<LowRankGaussian>(dim, rank, 1.0, seed);
  }
  if (spec.rfind("mixture", 0) == 0) return make_mixture_family(spec, dim);
  if (spec.rfind("flow", 0) == 0) return make_flow_family(spec, dim, seed);
  if (spec == "copula" || spec == "copula:sinh_arcsinh") return std::make_shared<GaussianCopula>(dim);
  if (spec == "copula:gaussian") {
    return std::make_shared<GaussianCopula>(
        dim, GaussianCopulaOptions().marginal(CopulaMarginal::gaussian));
  }
  if (spec == "hierarchical") return std::make_shared<HierarchicalFamily>(dim);
  if (spec == "hierarchical:mean") {
    return std::make_shared<HierarchicalFamily>(dim,
                                                HierarchicalFamilyOptions().random_scale(false));
  }
  if (spec.rfind("copula", 0) == 0 || spec.rfind("hierarchical", 0) == 0) {
    throw ConfigError("--family '" + spec +
                      "': expected copula, copula:gaussian, hierarchical or hierarchical:mean");
  }
  if (spec == "bernoulli") return std::make_shared<BernoulliFamily>(dim);
  if (spec.rfind("categorical", 0) == 0) return make_categorical_family(spec, dim);
  throw ConfigError("--family: unknown family '" + spec +
                    "'; expected meanfield, fullrank, lowrank[:R], pointmass, "
                    "flow:<planar|radial|realnvp|iaf>[*N][+...], mixture[:C[:diag]], "
                    "copula[:gaussian], hierarchical[:mean], bernoulli or categorical:C");
}

}  // namespace elbo::family
