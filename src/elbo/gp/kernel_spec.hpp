#pragma once
// Kernels from the CLI's --kernel text: terms joined by '+', each a product of
// base kernels joined by '*', each term with its own scale:
//   "rbf+linear"  → s₁ rbf + s₂ linear,   "rbf*periodic" → s (rbf · periodic).
// Base names: rbf (= se), matern12, matern32, matern52, linear, periodic.
#include <memory>
#include <string>

#include "elbo/gp/kernel.hpp"

namespace elbo::gp {

/// The kernel of `spec` on `dims` inputs with initial lengthscales
/// `lengthscale` (ARD kernels: one per input) and unit scales. An unknown or
/// empty name is an elbo::ConfigError naming it and the known names.
std::unique_ptr<Kernel> make_kernel(const std::string& spec, Eigen::Index dims, double lengthscale = 1.0);

}  // namespace elbo::gp
