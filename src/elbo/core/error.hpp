#pragma once
// Typed errors. Library code throws these; only the CLI turns them into a
// one-line message and an exit code (see cli/main.cpp).
#include <exception>
#include <stdexcept>
#include <string>

namespace elbo {

/// A value outside the domain of a function: negative scale, non-simplex, NaN.
class DomainError : public std::domain_error {
 public:
  using std::domain_error::domain_error;
};

/// Malformed input data; the message names file, line and field.
class InputError : public std::runtime_error {
 public:
  InputError(const std::string& file, long line, const std::string& field,
             const std::string& what);
  const std::string& file() const { return file_; }
  long line() const { return line_; }
  const std::string& field() const { return field_; }

 private:
  std::string file_;
  long line_;
  std::string field_;
};

/// Invalid options or settings (unknown method, K < 1, contradictory flags).
class ConfigError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// A numerical failure inside an algorithm (non-finite objective that the
/// run's policy could not recover from, a Cholesky that failed, ...).
class NumericalError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Something the machine lacks for the request: a compiler, a Debian
/// package, a writable cache. The message says what to install or fix.
class EnvironmentError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An exception raised by user code in another language (a Python model's
/// log_joint, a KeyboardInterrupt during a fit). Deliberately not a
/// std::exception: the engine's handlers that recover from a bad point (the
/// L-BFGS line search, Pathfinder's ELBOs, dropped draws) catch
/// std::exception and must never swallow it. The binding that threw it
/// rethrows `original()` at its boundary, so the user sees their own error.
class ForeignError {
 public:
  explicit ForeignError(std::exception_ptr original) : original_(std::move(original)) {}
  const std::exception_ptr& original() const { return original_; }

 private:
  std::exception_ptr original_;
};

}  // namespace elbo
