#include "elbo/core/error.hpp"

namespace elbo {
namespace {
std::string format_input_error(const std::string& file, long line,
                               const std::string& field, const std::string& what) {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  if (!field.empty()) out += ": field '" + field + "'";
  out += ": " + what;
  return out;
}
}  // namespace

InputError::InputError(const std::string& file, long line, const std::string& field,
                       const std::string& what)
    : std::runtime_error(format_input_error(file, line, field, what)),
      file_(file), line_(line), field_(field) {}

}  // namespace elbo
