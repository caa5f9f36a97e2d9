#include "elbo/core/threads.hpp"

#include <ATen/Parallel.h>
#include <dlfcn.h>

#include "elbo/core/check.hpp"

namespace elbo {
namespace {

// OpenBLAS's setters are looked up at run time: the BLAS behind libblas.so.3 is
// chosen by Debian's alternatives, and with the reference BLAS they do not exist.
template <class Fn>
Fn find_blas_symbol(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, name));
}

}  // namespace

void set_num_threads(int threads) {
  check_option_positive("set_num_threads", "threads", threads);
  at::set_num_threads(threads);
  if (auto set = find_blas_symbol<void (*)(int)>("openblas_set_num_threads")) set(threads);
}

int blas_num_threads() {
  if (auto get = find_blas_symbol<int (*)()>("openblas_get_num_threads")) return get();
  return 0;
}

}  // namespace elbo
