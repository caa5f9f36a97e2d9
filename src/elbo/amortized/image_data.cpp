#include "elbo/amortized/image_data.hpp"

#include <torch/torch.h>

#include <cmath>

#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/io/csv_reader.hpp"
#include "elbo/io/idx_reader.hpp"

namespace elbo::amortized {

ImageData ImageData::slice(int64_t start, int64_t count) const {
  if (start < 0 || count < 1 || start + count > size()) {
    throw ConfigError("ImageData::slice: rows [" + std::to_string(start) + ", " +
                      std::to_string(start + count) + ") outside a set of " + std::to_string(size()));
  }
  ImageData out;
  out.source = source;
  out.x = x.narrow(0, start, count).clone();
  out.rows = rows;
  out.cols = cols;
  if (!labels.empty()) out.labels.assign(labels.begin() + start, labels.begin() + start + count);
  return out;
}

namespace {
bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}
}  // namespace

ImageData load_images(const std::string& path, const std::string& labels_path) {
  if (ends_with(path, ".csv") || ends_with(path, ".CSV")) {
    if (!labels_path.empty()) throw ConfigError("load_images: a CSV file carries its own labels");
    return read_digits_csv(path);
  }
  io::IdxImages set = io::read_idx_images(path, labels_path);
  ImageData out;
  out.source = path;
  out.rows = set.rows;
  out.cols = set.cols;
  out.x = torch::from_blob(set.pixels.data(), {set.count, set.rows * set.cols}, torch::kUInt8)
              .to(torch::kFloat)
              .div_(255.0);
  out.labels = std::move(set.labels);
  return out;
}

ImageData read_digits_csv(const std::string& path) {
  const io::Table table = io::read_csv(path);
  std::vector<int64_t> pixel_cols;
  int64_t label_col = -1;
  for (int64_t j = 0; j < table.cols(); ++j) {
    const std::string& name = table.columns[j];
    if (name.rfind("px", 0) == 0) {
      if (name != "px" + std::to_string(pixel_cols.size())) {
        throw InputError(path, 1, name, "pixel columns must be px0, px1, … in order");
      }
      pixel_cols.push_back(j);
    } else if (name == "digit" || name == "label") {
      label_col = j;
    } else {
      throw InputError(path, 1, name, "unexpected column (expected px0… and optionally digit or label)");
    }
  }
  const auto p = static_cast<int64_t>(pixel_cols.size());
  const auto side = static_cast<int64_t>(std::llround(std::sqrt(static_cast<double>(p))));
  if (p == 0 || side * side != p) {
    throw InputError(path, 1, "", std::to_string(p) + " pixel columns do not form a square image");
  }
  if (table.rows == 0) throw InputError(path, 0, "", "no images");
  auto x = torch::empty({table.rows, p}, torch::kFloat);
  auto acc = x.accessor<float, 2>();
  ImageData out;
  for (int64_t i = 0; i < table.rows; ++i) {
    for (int64_t j = 0; j < p; ++j) {
      const double v = table.at(i, pixel_cols[j]);
      if (!(v >= 0.0 && v <= 16.0) || v != std::floor(v)) {
        throw InputError(path, i + 2, table.columns[pixel_cols[j]],
                         "pixel value " + std::to_string(v) + " out of range (integers 0 to 16)");
      }
      acc[i][j] = static_cast<float>(v / 16.0);
    }
    if (label_col >= 0) {
      const double l = table.at(i, label_col);
      if (!(l >= 0.0 && l <= 1e6) || l != std::floor(l)) {
        throw InputError(path, i + 2, table.columns[label_col], "label must be a non-negative integer");
      }
      out.labels.push_back(static_cast<int64_t>(l));
    }
  }
  out.source = path;
  out.x = x;
  out.rows = side;
  out.cols = side;
  return out;
}

ImageData synthetic_shapes(int64_t n, int64_t size, uint64_t seed) {
  if (n < 1 || size < 4) throw ConfigError("synthetic_shapes: n >= 1 and size >= 4 required");
  auto gen = make_generator(seed);
  // Per image: centre (2), extent, thickness, angle-ish jitter — uniform draws.
  auto u = at::rand({n, 5}, gen, torch::kDouble).contiguous();
  const double* a = u.data_ptr<double>();
  auto x = torch::empty({n, size * size}, torch::kFloat);
  float* px = x.data_ptr<float>();
  const double s = static_cast<double>(size);
  ImageData out;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t kind = i % 4;
    const double cx = s * (0.3 + 0.4 * a[5 * i]), cy = s * (0.3 + 0.4 * a[5 * i + 1]);
    const double extent = s * (0.2 + 0.2 * a[5 * i + 2]);
    const double thick = 0.7 + 0.9 * a[5 * i + 3];
    const double tilt = 0.6 * (a[5 * i + 4] - 0.5);
    for (int64_t r = 0; r < size; ++r) {
      for (int64_t c = 0; c < size; ++c) {
        const double dx = c + 0.5 - cx, dy = r + 0.5 - cy;
        double dist = 0;  // distance to the stroke
        if (kind == 0) {  // bar, near horizontal
          dist = std::abs(dy - tilt * dx) + std::max(0.0, std::abs(dx) - extent);
        } else if (kind == 1) {  // bar, near vertical
          dist = std::abs(dx - tilt * dy) + std::max(0.0, std::abs(dy) - extent);
        } else if (kind == 2) {  // ring
          dist = std::abs(std::hypot(dx, dy) - 0.8 * extent);
        } else {  // box outline
          dist = std::abs(std::max(std::abs(dx), std::abs(dy)) - 0.8 * extent);
        }
        // Soft edge: 1 inside the stroke, falling to 0 over one pixel.
        px[i * size * size + r * size + c] =
            static_cast<float>(std::clamp(thick - dist + 0.5, 0.0, 1.0));
      }
    }
    out.labels.push_back(kind);
  }
  out.source = "<synthetic shapes " + std::to_string(n) + " x " + std::to_string(size) + "x" +
               std::to_string(size) + ", seed " + std::to_string(seed) + ">";
  out.x = x;
  out.rows = size;
  out.cols = size;
  return out;
}

at::Tensor binarize_threshold(const at::Tensor& x) { return (x > 0.5).to(x.scalar_type()); }

at::Tensor binarize_dynamic(const at::Tensor& x, at::Generator gen) { return at::bernoulli(x, gen); }

}  // namespace elbo::amortized
