#pragma once
// The binding files of elbo._elbo (elbo._conjugate, with no torch, is
// conjugate_binding.cpp alone), one per C++ area, and what they share.
#include <pybind11/pybind11.h>

namespace elbo_python {

void bind_errors(pybind11::module_& m);     // errors_binding.cpp: elbo's errors → Python's
void bind_fit(pybind11::module_& m);        // fit_binding.cpp: user models, elbo.fit, Fit
void bind_models(pybind11::module_& m);     // models_binding.cpp: the built-in models
void bind_vae(pybind11::module_& m);        // vae_binding.cpp: the amortized trainer

}  // namespace elbo_python
