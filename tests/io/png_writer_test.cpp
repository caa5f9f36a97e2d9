// PNG writer: write, decode with libpng's reader, compare every pixel; grid layout
// positions computed by hand.
#include "elbo/io/png_writer.hpp"

#include <gtest/gtest.h>
#include <png.h>

#include <cstdio>

#include "io/io_test_util.hpp"

namespace elbo::io {
namespace {

using testing::TempDir;

struct Decoded {
  int64_t width = 0, height = 0;
  int color_type = -1, bit_depth = 0;
  std::vector<uint8_t> pixels;
};

Decoded decode(const std::string& path) {
  Decoded d;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return d;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    std::fclose(f);
    return Decoded{};
  }
  png_init_io(png, f);
  png_read_png(png, info, PNG_TRANSFORM_IDENTITY, nullptr);
  d.width = png_get_image_width(png, info);
  d.height = png_get_image_height(png, info);
  d.color_type = png_get_color_type(png, info);
  d.bit_depth = png_get_bit_depth(png, info);
  png_bytepp rows = png_get_rows(png, info);
  for (int64_t r = 0; r < d.height; ++r) d.pixels.insert(d.pixels.end(), rows[r], rows[r] + d.width);
  png_destroy_read_struct(&png, &info, nullptr);
  std::fclose(f);
  return d;
}

TEST(PngWriter, GrayRoundTrip) {
  TempDir dir;
  const int64_t w = 37, h = 11;
  std::vector<uint8_t> pixels(w * h);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>((i * 31 + 5) % 256);
  const auto path = dir.file("a.png");
  write_png_gray(path, w, h, pixels);
  const Decoded d = decode(path);
  EXPECT_EQ(d.width, w);
  EXPECT_EQ(d.height, h);
  EXPECT_EQ(d.color_type, PNG_COLOR_TYPE_GRAY);
  EXPECT_EQ(d.bit_depth, 8);
  EXPECT_EQ(d.pixels, pixels);
  EXPECT_FALSE(testing::temp_file_left(path));
}

TEST(PngWriter, GridLayoutWithPadding) {
  TempDir dir;
  // Five 2 x 3 images, 3 per row, padding 1, background 7: 2 grid rows.
  const int64_t n = 5, rows = 2, cols = 3;
  std::vector<float> images(n * rows * cols);
  for (int64_t k = 0; k < n; ++k)
    for (int64_t i = 0; i < rows * cols; ++i) images[k * rows * cols + i] = (k * 6 + i) / 29.0f;
  images[0] = -0.5f;  // clamped to 0
  images[1] = 2.0f;   // clamped to 1
  const auto path = dir.file("grid.png");
  write_image_grid_png(path, images, n, rows, cols,
                       ImageGridOptions().set_columns(3).set_padding(1).set_background(7));
  const Decoded d = decode(path);
  ASSERT_EQ(d.width, 3 * (3 + 1) + 1);
  ASSERT_EQ(d.height, 2 * (2 + 1) + 1);
  auto at = [&](int64_t r, int64_t c) { return d.pixels[r * d.width + c]; };
  EXPECT_EQ(at(0, 0), 7);
  EXPECT_EQ(at(1, 0), 7);  // left border
  EXPECT_EQ(at(1, 1), 0);
  EXPECT_EQ(at(1, 2), 255);
  // Image 4 (second row, second column) pixel (1, 2): value (24 + 5) / 29 = 1.
  EXPECT_EQ(at(1 + 3 + 1, 1 + 4 + 2), 255);
  // Image 3 pixel (0, 1): 19 / 29 * 255 = 167.07 → 167.
  EXPECT_EQ(at(1 + 3, 1 + 1), 167);
  // The empty sixth cell is background.
  EXPECT_EQ(at(4, 9), 7);
}

TEST(PngWriter, ScaledGrid) {
  int64_t w = 0, h = 0;
  const auto px = image_grid({0.0f, 1.0f}, 1, 1, 2, ImageGridOptions().set_padding(0).set_scale(3), w, h);
  EXPECT_EQ(w, 6);
  EXPECT_EQ(h, 3);
  EXPECT_EQ(px, (std::vector<uint8_t>{0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255}));
}

TEST(PngWriter, Errors) {
  TempDir dir;
  EXPECT_THROW(write_png_gray(dir.file("x.png"), 2, 2, {1, 2, 3}), InputError);
  EXPECT_THROW(write_png_gray(dir.file("no/such/dir/x.png"), 1, 1, {1}), InputError);
  int64_t w, h;
  EXPECT_THROW(image_grid({0.f}, 2, 1, 1, {}, w, h), ConfigError);
}

}  // namespace
}  // namespace elbo::io
