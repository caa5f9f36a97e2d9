#pragma once
// Option checks of the conjugate module, in the project's one message format
// (core/check.hpp, which this LibTorch-free module cannot include):
//   "<function>: <name> is <value>, but must be <must>"  → elbo::ConfigError.
#include <string>

namespace elbo::conjugate {

[[noreturn]] void fail_option(const char* function, const char* name, double value,
                              const std::string& must);
/// value > 0, else ConfigError.
void check_option_positive(const char* function, const char* name, double value);
/// value ≥ 0, else ConfigError.
void check_option_nonnegative(const char* function, const char* name, double value);
/// value ≥ low (integers such as K ≥ 1), else ConfigError.
void check_option_at_least(const char* function, const char* name, double value, double low);
/// low < value ≤ high, else ConfigError.
void check_option_half_open(const char* function, const char* name, double value,
                            double low, double high);

}  // namespace elbo::conjugate
