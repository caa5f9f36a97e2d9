#pragma once
// The few mathematical constants the densities and bounds share, defined once
// (files are compiled in unity batches, so each may not define its own copy).

namespace elbo {

inline constexpr double kLog2 = 0.69314718055994530942;       ///< log 2
inline constexpr double kLogPi = 1.14472988584940017414;      ///< log π
inline constexpr double kLog2Pi = 1.83787706640934548356;     ///< log 2π
inline constexpr double kHalfLog2Pi = 0.91893853320467274178; ///< ½ log 2π

}  // namespace elbo
