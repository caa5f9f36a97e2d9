#include "elbo/stan/stan_toolchain.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include "elbo/core/error.hpp"
#include "elbo/stan/subprocess.hpp"

namespace elbo::stan {

namespace {

namespace fs = std::filesystem;

std::string find_on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::string rest = path ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= rest.size()) {
    const size_t end = rest.find(':', start);
    const std::string dir = rest.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
    std::error_code ec;
    if (fs::is_regular_file(candidate, ec)) return candidate.string();
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return "";
}

// The R package's folder: Debian's site library first, then R's own answer.
std::string r_package_dir(const std::string& rscript, const std::string& package,
                          const std::string& debian_package) {
  for (const char* root : {"/usr/lib/R/site-library/", "/usr/local/lib/R/site-library/",
                           "/usr/lib/R/library/"}) {
    std::error_code ec;
    if (fs::is_directory(fs::path(root) / package / "include", ec)) return root + package;
  }
  auto r = run_process({rscript, "--vanilla", "-e",
                        "cat(system.file(package='" + package + "'))"});
  if (r.exit_code == 0 && !r.out.empty()) return r.out;
  throw EnvironmentError("compiling Stan programs needs the R package " + package +
                         "; install it with: apt-get install " + debian_package);
}

StanToolchain find_toolchain() {
  StanToolchain t;
  t.rscript = find_on_path("Rscript");
  if (t.rscript.empty()) {
    throw EnvironmentError("compiling Stan programs needs Stan's compiler from R (Rscript not "
                           "found); install it with: apt-get install r-base-core r-cran-rstan "
                           "r-cran-stanheaders r-cran-rcppeigen libboost-dev libtbb-dev");
  }
  if (r_package_dir(t.rscript, "rstan", "r-cran-rstan").empty()) {
    throw EnvironmentError("compiling Stan programs needs r-cran-rstan");
  }
  t.stan_headers = r_package_dir(t.rscript, "StanHeaders", "r-cran-stanheaders");
  t.rcpp_eigen_include = r_package_dir(t.rscript, "RcppEigen", "r-cran-rcppeigen") + "/include";
  const char* cxx = std::getenv("CXX");
  t.cxx = cxx && *cxx ? cxx : find_on_path("g++");
  if (t.cxx.empty()) {
    throw EnvironmentError("compiling Stan programs needs a C++ compiler (g++ not found); "
                           "install it with: apt-get install g++");
  }
  for (const char* header : {"/usr/include/boost/version.hpp", "/usr/include/tbb/tbb.h"}) {
    std::error_code ec;
    if (!fs::exists(header, ec)) {
      throw EnvironmentError(std::string("compiling Stan programs needs ") + header +
                             "; install it with: apt-get install libboost-dev libtbb-dev");
    }
  }
  auto version = run_process({t.cxx, "--version"});
  if (version.exit_code != 0) {
    throw EnvironmentError("the C++ compiler '" + t.cxx + "' does not run: " + version.err);
  }
  t.compiler_version = version.out.substr(0, version.out.find('\n'));
  // Stan 2.21's own flags (as rstan and CmdStan build), -O3, no warnings (the
  // generated code has many); STAN_THREADS gives each thread its autodiff stack.
  t.compile_flags = {"-std=c++17", "-O3", "-fPIC", "-w",
                     "-DSTAN_THREADS", "-D_REENTRANT", "-DBOOST_DISABLE_ASSERTS",
                     "-DEIGEN_NO_DEBUG", "-DBOOST_PENDING_INTEGER_LOG2_HPP", "-DBOOST_NO_AUTO_PTR",
                     "-I" + t.stan_headers + "/include", "-I" + t.stan_headers + "/include/src",
                     "-I" + t.rcpp_eigen_include};
  t.link_inputs = {t.stan_headers + "/lib/libStanHeaders.a", "-ltbb"};
  return t;
}

}  // namespace

const StanToolchain& stan_toolchain() {
  static std::once_flag once;
  static StanToolchain toolchain;
  static std::string failure;
  std::call_once(once, [] {
    try {
      toolchain = find_toolchain();
    } catch (const EnvironmentError& e) {
      failure = e.what();
    }
  });
  if (!failure.empty()) throw EnvironmentError(failure);
  return toolchain;
}

}  // namespace elbo::stan
