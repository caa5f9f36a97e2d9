#pragma once
// Torch-free PNG writing (libpng) of 8-bit grayscale images and of image grids
// (VAE reconstructions, samples, latent traversals) a person can look at.
// Files are written atomically (tmp + rename); failures throw elbo::InputError
// naming the file.
#include <cstdint>
#include <string>
#include <vector>

namespace elbo::io {

/// Writes a width × height 8-bit grayscale PNG; `pixels` row-major, 0 = black.
void write_png_gray(const std::string& path, int64_t width, int64_t height,
                    const std::vector<uint8_t>& pixels);

struct ImageGridOptions {
  int64_t columns = 10;     // images per grid row (the last row may be partial)
  int64_t padding = 2;      // pixels between images and around the border
  uint8_t background = 128; // value of padding pixels
  int64_t scale = 1;        // integer up-scaling of every image pixel (nearest neighbour)
  ImageGridOptions& set_columns(int64_t v) { columns = v; return *this; }
  ImageGridOptions& set_padding(int64_t v) { padding = v; return *this; }
  ImageGridOptions& set_background(uint8_t v) { background = v; return *this; }
  ImageGridOptions& set_scale(int64_t v) { scale = v; return *this; }
};

/// Lays out `count` images of rows × cols intensities in [0, 1] (row-major,
/// image after image; values are clamped, NaN → 0) into one grid and returns
/// its pixels; `width`/`height` receive the grid size.
std::vector<uint8_t> image_grid(const std::vector<float>& images, int64_t count, int64_t rows,
                                int64_t cols, const ImageGridOptions& options, int64_t& width,
                                int64_t& height);

/// image_grid written as a PNG file.
void write_image_grid_png(const std::string& path, const std::vector<float>& images, int64_t count,
                          int64_t rows, int64_t cols, const ImageGridOptions& options = {});

}  // namespace elbo::io
