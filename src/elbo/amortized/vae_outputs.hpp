#pragma once
// PNG grids a person can look at after training a VAE on images:
//   reconstructions.png  rows of originals, each followed by its reconstruction E[x|z=μ(x)]
//   samples.png          E[x|z], z ~ p(z)
//   traversals.png       one row per (most active) latent u: E[x|z] with z = μ(x₀) and
//                        u swept over −3…3 (the others fixed)
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <string>
#include <vector>

#include "elbo/amortized/vae.hpp"

namespace elbo::amortized {

/// Writes the three grids into `directory` for images x [N, rows·cols] in [0, 1];
/// returns the file names written. Needs the model's image_rows/image_cols.
std::vector<std::string> write_vae_grids(Vae& vae, const at::Tensor& x, const std::string& directory,
                                         at::Generator gen);

}  // namespace elbo::amortized
