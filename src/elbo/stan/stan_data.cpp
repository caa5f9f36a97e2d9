#include "elbo/stan/stan_data.hpp"

#include <cmath>
#include <limits>

#include "elbo/core/error.hpp"

namespace elbo::stan {

std::vector<double> to_column_major(const std::vector<int64_t>& shape, const std::vector<double>& values) {
  std::vector<double> out(values.size());
  std::vector<int64_t> index(shape.size(), 0);
  for (size_t r = 0; r < values.size(); ++r) {
    // Column-major position of the row-major index.
    int64_t c = 0;
    for (size_t d = shape.size(); d-- > 0;) c = c * shape[d] + index[d];
    out[static_cast<size_t>(c)] = values[r];
    for (size_t d = shape.size(); d-- > 0;) {  // last index fastest in row-major order
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

StanData::StanData(const io::DataSet& data) : source_(data.source()) {
  for (const auto& [name, array] : data.arrays()) {
    Variable v;
    v.name = name;
    v.integer = array.integer;
    v.dims.assign(array.shape.begin(), array.shape.end());
    auto values = to_column_major(array.shape, array.values);
    if (v.integer) {
      v.ints.reserve(values.size());
      for (double x : values) {
        if (std::abs(x) > std::numeric_limits<int>::max()) {
          throw InputError(source_, 0, name, "integer " + std::to_string(x) +
                                                 " is outside Stan's int range");
        }
        v.ints.push_back(static_cast<int>(x));
      }
    } else {
      v.reals = std::move(values);
    }
    variables_.push_back(std::move(v));
  }
  for (const auto& v : variables_) {
    c_variables_.push_back({v.name.c_str(), v.integer ? 1 : 0, v.dims.size(), v.dims.data(),
                            v.integer ? v.ints.size() : v.reals.size(), v.reals.data(),
                            v.ints.data()});
  }
  data_ = {c_variables_.size(), c_variables_.data()};
}

}  // namespace elbo::stan
