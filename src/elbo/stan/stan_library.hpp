#pragma once
// A compiled Stan program's shared library, loaded with dlopen: the function
// table of shim/stan_model_abi.h. Libraries stay loaded for the life of the
// process (no dlclose): Stan's thread-local autodiff stacks in the library
// are destroyed at thread exit, which must not run into unmapped code.
#include <memory>
#include <string>

#include "elbo/stan/shim/stan_model_abi.h"

namespace elbo::stan {

struct StanLibrary {
  std::string path;
  int (*abi_version)();
  void (*free_string)(char*);
  int (*create)(const elbo_stan_data*, uint32_t, elbo_stan_model**, char**);
  void (*destroy)(elbo_stan_model*);
  const char* (*model_name)(const elbo_stan_model*);
  int64_t (*num_unconstrained)(const elbo_stan_model*);
  const char* (*constrained_names)(const elbo_stan_model*, int, int);
  const char* (*unconstrained_names)(const elbo_stan_model*);
  int (*log_density)(const elbo_stan_model*, int64_t, const double*, int, double*, double*, char**);
  int (*constrain)(const elbo_stan_model*, int64_t, const double*, int, int, uint64_t, double*,
                   char**);
  int (*unconstrain)(const elbo_stan_model*, const elbo_stan_data*, double*, char**);

  /// Takes a failing call's message and frees it.
  std::string take_error(char* error) const;
};

/// Loads the library at `path` (once per path per process); throws
/// EnvironmentError when it cannot be loaded or is of another ABI version.
std::shared_ptr<const StanLibrary> load_stan_library(const std::string& path);

}  // namespace elbo::stan
