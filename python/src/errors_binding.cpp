// elbo's typed errors as Python exceptions, with the one-line messages the CLI
// prints: options and data → ValueError, numerical failures →
// elbo.NumericalError, a missing tool → elbo.EnvironmentError, --strict's
// verdict → elbo.UnreliableFitError. A ForeignError (the user's own Python
// exception, carried through the engine) is raised again as itself.
#include <c10/util/Exception.h>

#include <string>

#include "bindings.hpp"
#include "elbo/core/error.hpp"
#include "unreliable_fit.hpp"

namespace py = pybind11;

namespace elbo_python {

namespace {

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

}  // namespace

void bind_errors(py::module_& m) {
  static py::exception<elbo::NumericalError> numerical(m, "NumericalError", PyExc_ArithmeticError);
  static py::exception<elbo::EnvironmentError> environment(m, "EnvironmentError", PyExc_RuntimeError);
  static py::exception<elbo_cli::UnreliableFit> unreliable(m, "UnreliableFitError", PyExc_RuntimeError);
  py::register_exception_translator([](std::exception_ptr p) {
    if (!p) return;
    try {
      std::rethrow_exception(p);
    } catch (const elbo::ForeignError& e) {
      try {
        std::rethrow_exception(e.original());
      } catch (py::error_already_set& original) {
        original.restore();
      }
    } catch (const elbo::ConfigError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const elbo::InputError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const elbo::DomainError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const elbo::NumericalError& e) {
      numerical(e.what());
    } catch (const elbo::EnvironmentError& e) {
      environment(e.what());
    } catch (const elbo_cli::UnreliableFit& e) {
      unreliable(e.what());
    } catch (const c10::Error& e) {
      PyErr_SetString(PyExc_RuntimeError, first_line(e.what_without_backtrace()).c_str());
    }
  });
}

}  // namespace elbo_python
