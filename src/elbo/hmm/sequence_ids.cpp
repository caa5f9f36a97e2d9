#include "elbo/hmm/sequence_ids.hpp"

#include <sstream>

#include "elbo/core/error.hpp"

namespace elbo::hmm {

std::vector<int64_t> sequence_starts_from_ids(const std::vector<double>& ids, const std::string& file,
                                              const std::string& field) {
  std::vector<int64_t> starts{0};
  for (size_t t = 1; t < ids.size(); ++t) {
    if (ids[t] < ids[t - 1]) {
      std::ostringstream what;
      what << "sequence ids must be sorted (each sequence's rows together, ids non-decreasing), but "
           << ids[t] << " follows " << ids[t - 1];
      throw InputError(file, static_cast<long>(t) + 2, field, what.str());
    }
    if (ids[t] != ids[t - 1]) starts.push_back(static_cast<int64_t>(t));
  }
  starts.push_back(static_cast<int64_t>(ids.size()));
  return starts;
}

}  // namespace elbo::hmm
