#include "elbo/gp/kernel_spec.hpp"

#include <vector>

#include "elbo/core/error.hpp"
#include "elbo/gp/linear_kernel.hpp"
#include "elbo/gp/periodic_kernel.hpp"
#include "elbo/gp/stationary_kernel.hpp"

namespace elbo::gp {

namespace {

std::vector<std::string> split_spec(const std::string& s, char sep) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(sep, start);
    parts.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return parts;
}

std::unique_ptr<Kernel> make_base_kernel(const std::string& name, Eigen::Index dims, double lengthscale,
                                         const std::string& spec) {
  if (name == "rbf" || name == "se") {
    return std::make_unique<StationaryKernel>(StationaryShape::squared_exponential, dims, lengthscale);
  }
  if (name == "matern12") return std::make_unique<StationaryKernel>(StationaryShape::matern12, dims, lengthscale);
  if (name == "matern32") return std::make_unique<StationaryKernel>(StationaryShape::matern32, dims, lengthscale);
  if (name == "matern52") return std::make_unique<StationaryKernel>(StationaryShape::matern52, dims, lengthscale);
  if (name == "linear") return std::make_unique<LinearKernel>();
  if (name == "periodic") return std::make_unique<PeriodicKernel>(lengthscale, 1.0);
  throw ConfigError("kernel '" + spec + "': unknown kernel '" + name +
                    "' (known: rbf, matern12, matern32, matern52, linear, periodic; join with + and *)");
}

}  // namespace

std::unique_ptr<Kernel> make_kernel(const std::string& spec, Eigen::Index dims, double lengthscale) {
  std::vector<std::unique_ptr<Kernel>> terms;
  for (const std::string& term : split_spec(spec, '+')) {
    std::vector<std::unique_ptr<Kernel>> factors;
    for (const std::string& name : split_spec(term, '*')) factors.push_back(make_base_kernel(name, dims, lengthscale, spec));
    std::unique_ptr<Kernel> k =
        factors.size() == 1 ? std::move(factors[0]) : std::make_unique<ProductKernel>(std::move(factors));
    terms.push_back(std::make_unique<ScaledKernel>(std::move(k), 1.0));
  }
  if (terms.size() == 1) return std::move(terms[0]);
  return std::make_unique<SumKernel>(std::move(terms));
}

}  // namespace elbo::gp
