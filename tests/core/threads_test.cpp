#include "elbo/core/threads.hpp"

#include <ATen/Parallel.h>
#include <gtest/gtest.h>

#include "elbo/core/error.hpp"

namespace {

TEST(Threads, OpenBlasGetsTheThreadsAndLibTorchsPoolOne) {
  for (int n : {1, 2, 3}) {
    elbo::set_num_threads(n);
    EXPECT_EQ(elbo::num_threads(), n);
    if (elbo::blas_num_threads() != 0) {
      // Debian's OpenBLAS (scripts/install-deps.sh selects it): its pool takes the
      // threads and LibTorch's OpenMP pool stays at one, so they cannot contend.
      EXPECT_EQ(elbo::blas_num_threads(), n);
      EXPECT_EQ(at::get_num_threads(), 1);
    } else {
      EXPECT_EQ(at::get_num_threads(), n);
    }
  }
  EXPECT_GE(elbo::default_num_threads(), 1);
}

TEST(Threads, RejectsNonPositiveCounts) {
  EXPECT_THROW(elbo::set_num_threads(0), elbo::ConfigError);
  EXPECT_THROW(elbo::set_num_threads(-3), elbo::ConfigError);
}

}  // namespace
