// elbo._elbo: the C++ engine seen from Python. One binding file per C++ area;
// this file only registers them.
#include <pybind11/pybind11.h>

#include "bindings.hpp"

PYBIND11_MODULE(_elbo, m) {
  m.doc() = "elbo's C++ engine (use the `elbo` package, not this module)";
  elbo_python::bind_errors(m);
  elbo_python::bind_fit(m);
  elbo_python::bind_models(m);
  elbo_python::bind_vae(m);
}
