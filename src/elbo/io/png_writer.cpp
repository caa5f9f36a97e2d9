#include "elbo/io/png_writer.hpp"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <csetjmp>

#include "elbo/core/error.hpp"
#include "elbo/io/atomic_file.hpp"

namespace elbo::io {

namespace {

[[noreturn]] void fail_png(const std::string& path, const std::string& what) {
  throw InputError(path, 0, "", what);
}

void append_to_string(png_structp png, png_bytep data, png_size_t length) {
  auto* out = static_cast<std::string*>(png_get_io_ptr(png));
  out->append(reinterpret_cast<const char*>(data), length);
}

void no_flush(png_structp) {}

// Encodes with libpng into `out`; returns false on a libpng error (longjmp).
bool encode(std::string* out, int64_t width, int64_t height, const std::vector<uint8_t>& pixels,
            std::string* message) {
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  if (png == nullptr) {
    *message = "cannot create the PNG writer";
    return false;
  }
  png_infop info = png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    *message = "cannot create the PNG info";
    return false;
  }
  std::vector<png_bytep> rows(static_cast<size_t>(height));
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    *message = "libpng failed to encode the image";
    return false;
  }
  png_set_write_fn(png, out, append_to_string, no_flush);
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), 8,
               PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  for (int64_t r = 0; r < height; ++r) {
    rows[static_cast<size_t>(r)] = const_cast<png_bytep>(pixels.data() + r * width);
  }
  png_set_rows(png, info, rows.data());
  png_write_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

}  // namespace

void write_png_gray(const std::string& path, int64_t width, int64_t height,
                    const std::vector<uint8_t>& pixels) {
  if (width < 1 || height < 1 || width > (1 << 20) || height > (1 << 20)) {
    fail_png(path, "image size " + std::to_string(width) + " x " + std::to_string(height) +
                   " is out of range");
  }
  if (static_cast<int64_t>(pixels.size()) != width * height) {
    fail_png(path, "image of " + std::to_string(width) + " x " + std::to_string(height) + " needs " +
                   std::to_string(width * height) + " pixels, got " + std::to_string(pixels.size()));
  }
  std::string bytes, message;
  if (!encode(&bytes, width, height, pixels, &message)) fail_png(path, message);
  write_file_atomically(path, bytes);
}

std::vector<uint8_t> image_grid(const std::vector<float>& images, int64_t count, int64_t rows,
                                int64_t cols, const ImageGridOptions& options, int64_t& width,
                                int64_t& height) {
  if (count < 1 || rows < 1 || cols < 1) {
    throw ConfigError("image_grid: count, rows and cols must be positive (got " +
                      std::to_string(count) + ", " + std::to_string(rows) + ", " +
                      std::to_string(cols) + ")");
  }
  if (options.columns < 1 || options.padding < 0 || options.scale < 1) {
    throw ConfigError("image_grid: columns and scale must be positive and padding non-negative");
  }
  if (static_cast<int64_t>(images.size()) != count * rows * cols) {
    throw ConfigError("image_grid: " + std::to_string(count) + " images of " +
                      std::to_string(rows) + " x " + std::to_string(cols) + " need " +
                      std::to_string(count * rows * cols) + " values, got " +
                      std::to_string(images.size()));
  }
  const int64_t grid_cols = std::min(options.columns, count);
  const int64_t grid_rows = (count + options.columns - 1) / options.columns;
  const int64_t pad = options.padding, s = options.scale;
  const int64_t cell_h = rows * s, cell_w = cols * s;
  width = grid_cols * (cell_w + pad) + pad;
  height = grid_rows * (cell_h + pad) + pad;
  std::vector<uint8_t> out(static_cast<size_t>(width * height), options.background);
  for (int64_t n = 0; n < count; ++n) {
    const int64_t top = pad + (n / options.columns) * (cell_h + pad);
    const int64_t left = pad + (n % options.columns) * (cell_w + pad);
    for (int64_t r = 0; r < cell_h; ++r) {
      for (int64_t c = 0; c < cell_w; ++c) {
        float v = images[static_cast<size_t>(n * rows * cols + (r / s) * cols + c / s)];
        if (!(v >= 0.0f)) v = 0.0f;  // NaN and negatives
        if (v > 1.0f) v = 1.0f;
        out[static_cast<size_t>((top + r) * width + left + c)] =
            static_cast<uint8_t>(std::lround(v * 255.0f));
      }
    }
  }
  return out;
}

void write_image_grid_png(const std::string& path, const std::vector<float>& images, int64_t count,
                          int64_t rows, int64_t cols, const ImageGridOptions& options) {
  int64_t width = 0, height = 0;
  const std::vector<uint8_t> pixels = image_grid(images, count, rows, cols, options, width, height);
  write_png_gray(path, width, height, pixels);
}

}  // namespace elbo::io
