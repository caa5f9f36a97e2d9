#include "elbo/core/threads.hpp"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include "elbo/core/error.hpp"

namespace {

TEST(Threads, SetsLibTorchAndBlasPools) {
  elbo::set_num_threads(1);
  EXPECT_EQ(at::get_num_threads(), 1);
  // Built against Debian's OpenBLAS (scripts/install-deps.sh selects it), the BLAS
  // pool follows; with another BLAS there is nothing to report.
  const int blas = elbo::blas_num_threads();
  if (blas != 0) EXPECT_EQ(blas, 1);
  elbo::set_num_threads(2);
  EXPECT_EQ(at::get_num_threads(), 2);
  if (blas != 0) EXPECT_EQ(elbo::blas_num_threads(), 2);
}

TEST(Threads, RejectsNonPositiveCounts) {
  EXPECT_THROW(elbo::set_num_threads(0), elbo::ConfigError);
  EXPECT_THROW(elbo::set_num_threads(-3), elbo::ConfigError);
}

}  // namespace
