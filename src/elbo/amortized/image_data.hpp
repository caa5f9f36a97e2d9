#pragma once
// Image data sets for VAEs as [N, P] float tensors with intensities in [0, 1]:
//   - MNIST-format IDX files (gzip or plain; bytes / 255), see io/idx_reader.hpp;
//   - the 8 × 8 digits CSV (UCI optical digits as shipped by scikit-learn: columns
//     px0…px63 with integer values 0–16, optional label column `digit` or `label`;
//     values / 16);
//   - a generated set of synthetic shapes (bars, rings, diagonals, boxes), the
//     default workload that needs no file.
// Binarisation: dynamic (a fresh Bernoulli(x) draw each time the data is used;
// Salakhutdinov & Murray 2008) or by threshold x > 0.5.
#include <ATen/core/Generator.h>
#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

namespace elbo::amortized {

struct ImageData {
  std::string source;
  at::Tensor x;  // [N, rows * cols], float32 in [0, 1]
  int64_t rows = 0, cols = 0;
  std::vector<int64_t> labels;  // empty or one per image

  int64_t size() const { return x.defined() ? x.size(0) : 0; }
  /// Rows [start, start + count) as a new data set (shares no storage).
  ImageData slice(int64_t start, int64_t count) const;
};

/// Reads an images file by its content: a ".csv" name is the digits CSV; anything else
/// an IDX images file (labels from `labels_path` when given). Throws InputError.
ImageData load_images(const std::string& path, const std::string& labels_path = "");

/// The digits CSV format above; every problem is an InputError with line and field.
ImageData read_digits_csv(const std::string& path);

/// n synthetic size × size images; the label is the shape class (0–3). Deterministic in seed.
ImageData synthetic_shapes(int64_t n, int64_t size, uint64_t seed);

/// x > 0.5 as 0/1.
at::Tensor binarize_threshold(const at::Tensor& x);
/// One Bernoulli(x) draw per pixel: the same draws as at::bernoulli(x, gen) (one 32-bit
/// Mersenne-Twister number u per pixel in row-major order, 1 when u·2⁻²⁴ < x for float,
/// two numbers and 2⁻⁵³ for double), in one pass without ATen's per-element dispatch.
/// DomainError when a pixel is outside [0, 1].
at::Tensor binarize_dynamic(const at::Tensor& x, at::Generator gen);
/// binarize_dynamic(x.index_select(0, rows), gen) without the intermediate copy.
at::Tensor binarize_dynamic_rows(const at::Tensor& x, const at::Tensor& rows, at::Generator gen);

}  // namespace elbo::amortized
