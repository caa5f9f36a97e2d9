#include "elbo/amortized/image_data.hpp"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/core/MT19937RNGEngine.h>
#include <torch/torch.h>

#include <cmath>
#include <mutex>
#include <type_traits>
#include <vector>

#include "elbo/amortized/mt19937_batch.hpp"
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

namespace {

// at::bernoulli_distribution<T> on CPUGeneratorImpl (ATen/core/DistributionsHelper.h,
// TransformationHelper.h): float draws random() and keeps its low 24 bits, double draws
// random64() = (hi << 32) | lo and keeps its low 53 bits; the result is u < p.
inline void bernoulli_row(const uint32_t* r, const float* p, float* out, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    const float u = static_cast<float>(static_cast<int32_t>(r[j] & ((1U << 24) - 1))) * (1.0F / (1U << 24));
    out[j] = u < p[j] ? 1.0F : 0.0F;
  }
}
inline void bernoulli_row(const uint32_t* r, const double* p, double* out, int64_t n) {
  for (int64_t j = 0; j < n; ++j) {
    const uint64_t bits = ((static_cast<uint64_t>(r[2 * j]) << 32) | r[2 * j + 1]) & ((uint64_t{1} << 53) - 1);
    const double u = static_cast<double>(static_cast<int64_t>(bits)) * (1.0 / static_cast<double>(uint64_t{1} << 53));
    out[j] = u < p[j] ? 1.0 : 0.0;
  }
}

// Binarises rows rows[0..n) of x [*, P] into out [n, P] (rows == nullptr: row i is i).
template <typename T>
void binarize_rows(const at::Tensor& x, const int64_t* rows, int64_t n, at::Tensor& out, at::Generator& gen) {
  const int64_t p = x.size(1);
  const int64_t words = std::is_same<T, double>::value ? 2 : 1;  // 32-bit numbers per draw
  const T* xp = x.data_ptr<T>();
  T* op = out.data_ptr<T>();
  int bad = 0;  // bitwise, not short-circuit, so the check vectorises; NaN fails both
  for (int64_t i = 0; i < n; ++i) {
    const T* src = xp + (rows != nullptr ? rows[i] : i) * p;
    for (int64_t j = 0; j < p; ++j) bad |= static_cast<int>(!(src[j] >= T(0))) | static_cast<int>(!(src[j] <= T(1)));
  }
  if (bad != 0) throw DomainError("binarize: pixel values must lie in [0, 1]");
  auto* impl = at::check_generator<at::CPUGeneratorImpl>(gen);
  std::lock_guard<std::mutex> lock(impl->mutex_);
  Mt19937Batch engine(impl->engine());
  const int64_t chunk = std::min<int64_t>(p, 4096);
  std::vector<uint32_t> r(static_cast<size_t>(chunk * words));
  for (int64_t i = 0; i < n; ++i) {
    const T* src = xp + (rows != nullptr ? rows[i] : i) * p;
    T* dst = op + i * p;
    for (int64_t j = 0; j < p; j += chunk) {
      const int64_t m = std::min(chunk, p - j);
      engine.fill(r.data(), m * words);
      bernoulli_row(r.data(), src + j, dst + j, m);
    }
  }
  impl->set_engine(engine.engine());
}

at::Tensor binarize(const at::Tensor& x, const at::Tensor& rows, at::Generator gen) {
  const bool fast = x.device().is_cpu() && gen.device().is_cpu() &&
                    (x.scalar_type() == at::kFloat || x.scalar_type() == at::kDouble) &&
                    (!rows.defined() || x.dim() == 2);
  if (!fast) {
    const at::Tensor src = rows.defined() ? x.index_select(0, rows) : x;
    if (src.numel() > 0 && !(src.min().item<double>() >= 0.0 && src.max().item<double>() <= 1.0)) {
      throw DomainError("binarize: pixel values must lie in [0, 1]");
    }
    return at::bernoulli(src, gen);
  }
  if (!rows.defined() && x.numel() == 0) return at::empty_like(x);
  // Without rows: x as one long row, the output in x's shape.
  const at::Tensor xc = rows.defined() ? x.contiguous() : x.contiguous().reshape({1, x.numel()});
  const at::Tensor r = rows.defined() ? rows.to(at::kLong).contiguous() : at::Tensor();
  const int64_t n = r.defined() ? r.numel() : 1;
  if (r.defined()) {
    const int64_t* rp = r.data_ptr<int64_t>();
    for (int64_t i = 0; i < n; ++i) {
      if (rp[i] < 0 || rp[i] >= x.size(0)) throw ConfigError("binarize: row index out of range");
    }
  }
  at::Tensor out = at::empty({n, xc.size(1)}, x.options());
  AT_DISPATCH_FLOATING_TYPES(x.scalar_type(), "binarize_dynamic", [&] {
    binarize_rows<scalar_t>(xc, r.defined() ? r.data_ptr<int64_t>() : nullptr, n, out, gen);
  });
  return rows.defined() ? out : out.view(x.sizes());
}

}  // namespace

at::Tensor binarize_dynamic(const at::Tensor& x, at::Generator gen) { return binarize(x, at::Tensor(), gen); }

at::Tensor binarize_dynamic_rows(const at::Tensor& x, const at::Tensor& rows, at::Generator gen) {
  return binarize(x, rows, gen);
}

}  // namespace elbo::amortized
