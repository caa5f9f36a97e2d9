#include "elbo/conjugate/option_check.hpp"

#include <sstream>

#include "elbo/core/error.hpp"

namespace elbo::conjugate {

void fail_option(const char* function, const char* name, double value,
                 const std::string& must) {
  std::ostringstream out;
  out.precision(10);
  out << function << ": " << name << " is " << value << ", but must be " << must;
  throw ConfigError(out.str());
}

void check_option_positive(const char* function, const char* name, double value) {
  if (!(value > 0)) fail_option(function, name, value, "positive");
}
void check_option_nonnegative(const char* function, const char* name, double value) {
  if (!(value >= 0)) fail_option(function, name, value, "nonnegative");
}
void check_option_at_least(const char* function, const char* name, double value,
                           double low) {
  if (!(value >= low)) {
    std::ostringstream must;
    must << "at least " << low;
    fail_option(function, name, value, must.str());
  }
}
void check_option_half_open(const char* function, const char* name, double value,
                            double low, double high) {
  if (!(value > low && value <= high)) {
    std::ostringstream must;
    must << "in (" << low << ", " << high << "]";
    fail_option(function, name, value, must.str());
  }
}

}  // namespace elbo::conjugate
