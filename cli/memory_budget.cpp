#include "memory_budget.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "elbo/core/error.hpp"

namespace elbo_cli {

double default_memory_budget() {
  double total = static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<double>(::sysconf(_SC_PAGE_SIZE));
  struct rlimit limit {};
  if (::getrlimit(RLIMIT_AS, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY)
    total = std::min(total, static_cast<double>(limit.rlim_cur));
  return 0.5 * total;
}

std::string format_bytes(double bytes) {
  if (bytes >= 1e9) return fmt::format("{:.3g} GB", bytes / 1e9);
  if (bytes >= 1e6) return fmt::format("{:.3g} MB", bytes / 1e6);
  return fmt::format("{:.3g} kB", bytes / 1e3);
}

void add_max_memory_option(CLI::App& command, double& bytes) {
  bytes = default_memory_budget();
  command
      .add_option_function<std::string>(
          "--max-memory",
          [&bytes](const std::string& text) {
            char* end = nullptr;
            double v = std::strtod(text.c_str(), &end);
            const std::string unit(end);
            if (unit == "K" || unit == "k") v *= 1e3;
            else if (unit == "M") v *= 1e6;
            else if (unit == "G") v *= 1e9;
            else if (unit == "T") v *= 1e12;
            else if (!unit.empty() || end == text.c_str()) v = NAN;
            if (!(v > 0) || !std::isfinite(v)) {
              throw CLI::ValidationError("--max-memory", text + " is not a size such as 8G, 512M or 2.5e9 (bytes)");
            }
            bytes = v;
          },
          "Refuse a fit whose estimated memory exceeds this (e.g. 8G; default: half the machine's, " +
              format_bytes(default_memory_budget()) + " here)");
}

void check_memory(double bytes, double budget, const std::string& what, const std::string& alternative) {
  if (bytes <= budget) return;
  throw elbo::ConfigError("this fit needs about " + format_bytes(bytes) + " (" + what + "), more than --max-memory " +
                          format_bytes(budget) + "; " + alternative);
}

}  // namespace elbo_cli
