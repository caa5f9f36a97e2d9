#pragma once
// What compiling a Stan program needs on this machine, found once: Debian's
// stanc2 (inside r-cran-rstan, run through Rscript), Stan Math and the
// stan/model headers (r-cran-stanheaders), Eigen 3.3 as Stan 2.21 wants it
// (r-cran-rcppeigen), Boost and TBB headers (libboost-dev, libtbb-dev) and a
// C++ compiler. A missing piece is an EnvironmentError naming the package.
#include <string>
#include <vector>

namespace elbo::stan {

struct StanToolchain {
  std::string rscript;              // runs rstan::stanc
  std::string cxx;                  // g++ (or $CXX)
  std::string stan_headers;         // .../StanHeaders (include/, lib/libStanHeaders.a)
  std::string rcpp_eigen_include;   // .../RcppEigen/include
  /// Flags shared by the precompiled header and every program (they must match).
  std::vector<std::string> compile_flags;
  /// Link inputs after the object: libStanHeaders.a (CVODES for the ODE solvers), TBB.
  std::vector<std::string> link_inputs;
  std::string compiler_version;     // first line of `cxx --version`, part of the cache key
};

/// Finds the toolchain (cached after the first call); throws EnvironmentError.
const StanToolchain& stan_toolchain();

}  // namespace elbo::stan
