#include "elbo/core/threads.hpp"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include <algorithm>
#include <thread>

#include "elbo/core/check.hpp"

namespace elbo {
namespace {

// OpenBLAS's setters are looked up at run time: the BLAS behind libblas.so.3 is
// chosen by Debian's alternatives, and with the reference BLAS they do not exist.
template <class Fn>
Fn find_blas_symbol(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, name));
}

int configured_threads = 0;

}  // namespace

void set_num_threads(int threads) {
  check_option_positive("set_num_threads", "threads", threads);
  if (auto set = find_blas_symbol<void (*)(int)>("openblas_set_num_threads")) {
    set(threads);
    at::set_num_threads(1);
  } else {
    at::set_num_threads(threads);
  }
  configured_threads = threads;
}

int num_threads() { return configured_threads > 0 ? configured_threads : at::get_num_threads(); }

int default_num_threads() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }

int blas_num_threads() {
  if (auto get = find_blas_symbol<int (*)()>("openblas_get_num_threads")) return get();
  return 0;
}

}  // namespace elbo
