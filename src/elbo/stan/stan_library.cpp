#include "elbo/stan/stan_library.hpp"

#include <dlfcn.h>

#include <map>
#include <mutex>

#include "elbo/core/error.hpp"

namespace elbo::stan {

namespace {

template <typename F>
void resolve(void* handle, const std::string& path, const char* symbol, F& out) {
  void* p = dlsym(handle, symbol);
  if (!p) throw EnvironmentError(path + " is not an elbo Stan model library (no " + symbol + ")");
  out = reinterpret_cast<F>(p);
}

}  // namespace

std::string StanLibrary::take_error(char* error) const {
  std::string message = error ? error : "unknown error";
  if (error) free_string(error);
  return message;
}

std::shared_ptr<const StanLibrary> load_stan_library(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const StanLibrary>> loaded;
  std::lock_guard<std::mutex> guard(mutex);
  if (auto it = loaded.find(path); it != loaded.end()) return it->second;
  // RTLD_LOCAL: each program's Stan Math instantiations stay its own.
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* why = dlerror();
    throw EnvironmentError("cannot load the compiled Stan program " + path + ": " +
                           (why ? why : "unknown error"));
  }
  auto lib = std::make_shared<StanLibrary>();
  lib->path = path;
  resolve(handle, path, "elbo_stan_abi_version", lib->abi_version);
  if (lib->abi_version() != ELBO_STAN_ABI_VERSION) {
    throw EnvironmentError(path + " was built for another elbo (ABI " +
                           std::to_string(lib->abi_version()) + "); recompile the program");
  }
  resolve(handle, path, "elbo_stan_free_string", lib->free_string);
  resolve(handle, path, "elbo_stan_new", lib->create);
  resolve(handle, path, "elbo_stan_delete", lib->destroy);
  resolve(handle, path, "elbo_stan_model_name", lib->model_name);
  resolve(handle, path, "elbo_stan_num_unconstrained", lib->num_unconstrained);
  resolve(handle, path, "elbo_stan_constrained_names", lib->constrained_names);
  resolve(handle, path, "elbo_stan_unconstrained_names", lib->unconstrained_names);
  resolve(handle, path, "elbo_stan_log_density", lib->log_density);
  resolve(handle, path, "elbo_stan_constrain", lib->constrain);
  resolve(handle, path, "elbo_stan_unconstrain", lib->unconstrain);
  loaded[path] = lib;
  return lib;
}

}  // namespace elbo::stan
