#pragma once
// Seeded random-number generators. Every random draw in elbo goes through an
// explicit at::Generator so that runs are reproducible and checkpointable.
#include <ATen/core/Generator.h>

#include <cstdint>

namespace elbo {

/// A CPU generator seeded with `seed`.
at::Generator make_generator(uint64_t seed);

}  // namespace elbo
