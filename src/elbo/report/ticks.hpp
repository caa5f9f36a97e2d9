#pragma once
// Axis ticks at "nice" numbers (1, 2 or 5 times a power of ten; Heckbert,
// "Nice numbers for graph labels", Graphics Gems 1990), so an axis reads
// 0, 0.2, 0.4 instead of 0.013, 0.217, 0.421, and labels formatted with just
// the decimals the step needs.
#include <string>
#include <vector>

namespace elbo::report {

/// The nice number closest to x > 0 (round) or the smallest one >= x (!round).
double nice_number(double x, bool round);

/// Tick values inside [lo, hi], about `target` of them and at least
/// min(target, 3), a nice step apart.
/// lo == hi gives the one tick lo; a non-finite bound gives no ticks.
std::vector<double> nice_ticks(double lo, double hi, int target = 5);

/// The multiples of `step` (> 0) inside [lo, hi].
std::vector<double> ticks_at_step(double lo, double hi, double step);

/// The spacing nice_ticks uses for [lo, hi] (0 when it returns fewer than 2).
double nice_step(double lo, double hi, int target = 5);

/// `value` with the decimals a tick `step` apart needs ("0.25", "1500", "-3").
std::string format_tick_fixed(double value, double step);
/// `value` in exponent form with the mantissa digits the step resolves ("-3.25e6", "2e-5").
std::string format_tick_exponent(double value, double step);
/// One axis's labels, all in one notation: fixed, unless the longest fixed
/// label has more than 7 characters and exponent form is shorter.
std::vector<std::string> format_ticks(const std::vector<double>& ticks, double step);
/// format_ticks of a single value.
std::string format_tick(double value, double step);

}  // namespace elbo::report
