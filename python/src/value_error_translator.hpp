#pragma once
// The torch-free extensions (elbo._conjugate, elbo._hmm): elbo's typed errors
// become ValueError with the CLI's one-line message (elbo._elbo has the richer
// translator of errors_binding.cpp).
#include <pybind11/pybind11.h>

#include "elbo/core/error.hpp"

namespace elbo_python {

inline void register_value_error_translator() {
  pybind11::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const elbo::DomainError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const elbo::ConfigError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const elbo::InputError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const elbo::NumericalError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    }
  });
}

}  // namespace elbo_python
