#!/usr/bin/env bash
# Installs the Debian 12 packages elbo builds and tests with. Idempotent: when
# everything is present it only checks, and returns in well under a second.
set -euo pipefail

packages=(
  build-essential cmake ccache pkg-config
  libtorch-dev libopenblas0-pthread
  libopenblas-dev  # cblas.h + libopenblas.so: src/elbo/gp calls OpenBLAS directly
  libeigen3-dev libcli11-dev nlohmann-json3-dev libfmt-dev libboost-math-dev
  libgtest-dev libgmock-dev libbenchmark-dev libpng-dev zlib1g-dev
  python3  # the CLI end-to-end scripts check JSON outputs with it
  # The Python package (`import elbo`): pybind11 against Debian's python3-torch,
  # whose libtorch is libtorch-dev's; numpy/scipy for arrays and sparse corpora;
  # scikit-learn (the drop-ins' peer and test suite), pandas (Fit.summary), pytest.
  python3-dev pybind11-dev python3-torch python3-numpy python3-scipy python3-sklearn
  python3-pandas python3-pytest
  python3-pomegranate  # bench/compare/hmm's peer (Baum-Welch EM); its run.sh also installs it on demand
  # Stan programs (`elbo fit stan`): stanc2 inside rstan, Stan Math and stan/model
  # headers, the Eigen 3.3 Stan 2.21 wants, Boost and TBB headers.
  r-base-core r-cran-rstan r-cran-stanheaders r-cran-rcppeigen libboost-dev libtbb-dev
  libopenmpi-dev openmpi-bin  # distributed VI (src/elbo/distributed, mpirun in tests/distributed)
  # The sanitizer build and the fuzzers (sanitize/, fuzz/): clang with its ASan/UBSan
  # runtimes and libFuzzer.
  clang libclang-rt-14-dev libfuzzer-14-dev
  chromium  # the report's browser test (tests/report/browser_test.sh): headless, from disk
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# LibTorch and numpy call the system BLAS; make OpenBLAS the provider rather
# than Debian's slow reference BLAS.
blas=$(update-alternatives --query libblas.so.3-x86_64-linux-gnu 2>/dev/null |
       awk '/^Value:/ {print $2}')
if [[ "$blas" != *openblas* ]]; then
  for alt in libblas.so.3-x86_64-linux-gnu liblapack.so.3-x86_64-linux-gnu; do
    target=$(update-alternatives --list "$alt" 2>/dev/null | grep openblas-pthread | head -n1 || true)
    [[ -n "$target" ]] && update-alternatives --set "$alt" "$target" >/dev/null 2>&1 || true
  done
fi
