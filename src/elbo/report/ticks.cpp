#include "elbo/report/ticks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace elbo::report {

double nice_number(double x, bool round) {
  if (!(x > 0) || !std::isfinite(x)) return 0.0;
  const double exponent = std::floor(std::log10(x));
  const double power = std::pow(10.0, exponent);
  const double fraction = x / power;  // in [1, 10)
  double nice;
  if (round) {
    nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  } else {
    nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  }
  return nice * power;
}

namespace {

// The nice number below a nice step: 10 -> 5 -> 2 -> 1 -> 0.5 ...
double smaller_nice(double step) {
  const double power = std::pow(10.0, std::floor(std::log10(step) + 1e-9));
  const double fraction = step / power;
  return fraction > 4 ? 2 * power : fraction > 1.5 ? power : 0.5 * power;
}

size_t ticks_inside(double lo, double hi, double step) {
  const double slack = step * 1e-9;
  return static_cast<size_t>(std::max(0.0, std::floor((hi + slack) / step) - std::ceil((lo - slack) / step) + 1));
}

}  // namespace

double nice_step(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return 0.0;
  if (lo > hi) std::swap(lo, hi);
  if (!(hi > lo)) return 0.0;
  target = std::max(target, 2);
  // The raw range, not Heckbert's rounded-up one: ticks stay inside the data's
  // interval (the axis is not widened to them), so rounding the range up first
  // would leave as few as one tick inside (range 2.9: step 2, only "0").
  double step = nice_number((hi - lo) / (target - 1), true);
  // Rounding the step up can still leave fewer than three ticks inside: take
  // the next smaller nice step then.
  const size_t wanted = static_cast<size_t>(std::min(target, 3));
  for (int i = 0; i < 3 && step > 0 && ticks_inside(lo, hi, step) < wanted; ++i) step = smaller_nice(step);
  return step;
}

std::vector<double> ticks_at_step(double lo, double hi, double step) {
  std::vector<double> ticks;
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(step > 0)) return ticks;
  if (lo > hi) std::swap(lo, hi);
  // Multiples of the step, computed as k·step (no accumulated error); a small
  // slack keeps an end that is a multiple up to rounding (0.30000000000000004).
  const double slack = step * 1e-9;
  const double first = std::ceil((lo - slack) / step);
  const double last = std::floor((hi + slack) / step);
  for (double k = first; k <= last && ticks.size() < 1000; k += 1) {
    double v = k * step;
    if (std::abs(v) < slack) v = 0.0;  // no "-0"
    ticks.push_back(v);
  }
  return ticks;
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {};
  if (lo > hi) std::swap(lo, hi);
  if (lo == hi) return {lo};
  const double step = nice_step(lo, hi, target);
  if (!(step > 0)) return {lo, hi};  // range below double resolution of a step
  return ticks_at_step(lo, hi, step);
}

namespace {

int decade(double v) { return static_cast<int>(std::floor(std::log10(std::abs(v)) + 1e-9)); }

// "-3.250e+06" -> "-3.25e6", "2e-05" -> "2e-5": no trailing zeros, no '+', no leading zeros.
std::string tidy_exponent(std::string s) {
  const auto e = s.find('e');
  if (e == std::string::npos) return s;
  std::string mantissa = s.substr(0, e), exponent = s.substr(e + 1);
  if (mantissa.find('.') != std::string::npos) {
    while (mantissa.back() == '0') mantissa.pop_back();
    if (mantissa.back() == '.') mantissa.pop_back();
  }
  const bool negative = !exponent.empty() && exponent[0] == '-';
  if (!exponent.empty() && (exponent[0] == '-' || exponent[0] == '+')) exponent.erase(0, 1);
  while (exponent.size() > 1 && exponent[0] == '0') exponent.erase(0, 1);
  return mantissa + "e" + (negative ? "-" : "") + exponent;
}

std::string special(double value) { return value > 0 ? "inf" : value < 0 ? "-inf" : "nan"; }

}  // namespace

std::string format_tick_fixed(double value, double step) {
  if (!std::isfinite(value)) return special(value);
  if (value == 0) return "0";
  const int decimals = step > 0 && std::isfinite(step) ? std::clamp(-decade(step), 0, 12) : 3;
  std::string s = fmt::format("{:.{}f}", value, decimals);
  if (s.find_first_not_of("-0.") == std::string::npos) s = "0";  // rounds to zero: no "-0.0"
  return s;
}

std::string format_tick_exponent(double value, double step) {
  if (!std::isfinite(value)) return special(value);
  if (value == 0) return "0";
  // as many mantissa digits as the step resolves
  const int digits = step > 0 && std::isfinite(step) ? std::clamp(decade(value) - decade(step), 0, 12) : 2;
  return tidy_exponent(fmt::format("{:.{}e}", value, digits));
}

std::vector<std::string> format_ticks(const std::vector<double>& ticks, double step) {
  std::vector<std::string> fixed, exponent;
  size_t longest_fixed = 0, longest_exponent = 0;
  for (double t : ticks) {
    fixed.push_back(format_tick_fixed(t, step));
    exponent.push_back(format_tick_exponent(t, step));
    longest_fixed = std::max(longest_fixed, fixed.back().size());
    longest_exponent = std::max(longest_exponent, exponent.back().size());
  }
  // Fixed notation reads best; exponents only when fixed labels get long
  // (1500000 is fine, -3250000 and 0.00002 are not) and exponents are shorter.
  return longest_fixed > 7 && longest_exponent < longest_fixed ? exponent : fixed;
}

std::string format_tick(double value, double step) { return format_ticks({value}, step).front(); }

}  // namespace elbo::report
