#include "elbo/family/make_family.hpp"

#include <algorithm>

#include "elbo/core/error.hpp"
#include "elbo/family/full_rank_gaussian.hpp"
#include "elbo/family/low_rank_gaussian.hpp"
#include "elbo/family/mean_field_gaussian.hpp"
#include "elbo/family/point_mass.hpp"

namespace elbo::family {

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
        throw ConfigError("family '" + spec + "': expected lowrank:R with a positive integer rank R");
      }
      rank = value;
    }
    return std::make_shared<LowRankGaussian>(dim, rank, 1.0, seed);
  }
  throw ConfigError("unknown family '" + spec +
                    "'; expected meanfield, fullrank, lowrank[:R] or pointmass");
}

}  // namespace elbo::family
