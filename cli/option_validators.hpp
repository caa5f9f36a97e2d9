#pragma once
// CLI11 validators for numeric options, checked where the option is parsed so the
// error names the option as the user typed it ("--eta: nan is not a finite number
// > 0"). CLI11's own PositiveNumber lets NaN through (NaN <= 0 is false), and an
// unsigned option takes "-1" as 2^64 - 1; these do neither.
#include <CLI/CLI.hpp>

#include <cmath>
#include <cstdint>
#include <string>

namespace elbo_cli::validators {

namespace detail {

inline bool parse_double(const std::string& text, double& value) {
  try {
    size_t used = 0;
    value = std::stod(text, &used);
    return used == text.size();
  } catch (const std::exception&) {
    return false;
  }
}

inline std::string range_text(double low, bool low_open, double high, bool high_open) {
  auto num = [](double x) {
    std::string s = std::to_string(x);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  };
  if (std::isinf(high)) return std::string(low_open ? "greater than " : "at least ") + num(low);
  return std::string(low_open ? "(" : "[") + num(low) + ", " + num(high) + (high_open ? ")" : "]");
}

}  // namespace detail

/// A finite real number in the given range (open or closed at either end).
inline CLI::Validator real_in(double low, bool low_open, double high = INFINITY, bool high_open = true) {
  const std::string range = detail::range_text(low, low_open, high, high_open);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        double v = 0;
        if (!detail::parse_double(text, v) || !std::isfinite(v)) return text + " is not a finite number";
        const bool above = low_open ? v > low : v >= low;
        const bool below = std::isinf(high) || (high_open ? v < high : v <= high);
        if (!above || !below) return text + " is not " + (std::isinf(high) ? range : "in " + range);
        return {};
      },
      "REAL " + range);
}
inline CLI::Validator positive_real() { return real_in(0, true); }
inline CLI::Validator nonnegative_real() { return real_in(0, false); }

/// A whole number in [low, high] written as digits (no "1.5", no "1e8").
inline CLI::Validator integer_in(int64_t low, int64_t high = INT64_MAX) {
  const std::string range = high == INT64_MAX ? "at least " + std::to_string(low)
                                              : "in [" + std::to_string(low) + ", " + std::to_string(high) + "]";
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        try {
          size_t used = 0;
          const long long v = std::stoll(text, &used);
          if (used != text.size()) return text + " is not a whole number";
          if (v < low || v > high) return text + " is not " + range;
        } catch (const std::out_of_range&) {
          return text + " is out of range (must be " + range + ")";
        } catch (const std::exception&) {
          return text + " is not a whole number";
        }
        return {};
      },
      "INT " + range);
}
inline CLI::Validator positive_integer() { return integer_in(1); }
inline CLI::Validator nonnegative_integer() { return integer_in(0); }

/// --threads: 0 (one per core) up to 1024; more only oversubscribes (and a huge
/// count would spend minutes creating threads).
inline CLI::Validator thread_count() { return integer_in(0, 1024); }

/// --seed: an unsigned 64-bit integer written in digits.
inline CLI::Validator seed() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
          return text + " is not a whole number in [0, 2^64 - 1]";
        try {
          size_t used = 0;
          (void)std::stoull(text, &used);
        } catch (const std::exception&) {
          return text + " is larger than 2^64 - 1";
        }
        return {};
      },
      "UINT64");
}

}  // namespace elbo_cli::validators
