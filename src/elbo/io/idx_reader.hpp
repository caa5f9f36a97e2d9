#pragma once
// Strict reader for IDX files, the format of the MNIST and Fashion-MNIST
// databases (LeCun, Cortes & Burges): a big-endian header
//   0x00 0x00 <type> <ndim>  then ndim uint32 dimension sizes,
// followed by the body, row-major. Files may be gzip-compressed; compression is
// recognised by its magic bytes 1f 8b, not by the file name.
//
// Only unsigned-byte bodies (type 0x08, the type of every MNIST-style file)
// are accepted. Every problem is an elbo::InputError naming the file, e.g.
//   t10k-images.idx: truncated body: expected 7840000 bytes, found 7839000
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace elbo::io {

/// An IDX array of unsigned bytes.
struct IdxArray {
  std::string source;          // file name, for messages
  std::vector<int64_t> dims;   // dimension sizes, outermost first
  std::vector<uint8_t> data;   // row-major body

  /// Number of items along the first dimension.
  int64_t count() const { return dims.empty() ? 0 : dims[0]; }
  /// Bytes per item (product of the inner dimensions).
  int64_t item_size() const;
};

/// Reads (and gunzips when it starts with 1f 8b) the IDX file at `path`.
IdxArray read_idx(const std::string& path);

/// Parses uncompressed IDX `bytes`; `source` names them in messages.
IdxArray parse_idx(std::string_view bytes, const std::string& source);

/// Inflates a gzip stream; throws InputError(source) when corrupt or truncated.
std::string gunzip(std::string_view bytes, const std::string& source);

/// MNIST-style images with optional labels.
struct IdxImages {
  int64_t count = 0, rows = 0, cols = 0;
  std::vector<uint8_t> pixels;   // count × rows × cols, 0–255
  std::vector<int64_t> labels;   // empty, or one per image
};

/// Reads an images file (3 dimensions: count × rows × cols) and, when
/// `labels_path` is not empty, its labels file (1 dimension, same count).
IdxImages read_idx_images(const std::string& images_path, const std::string& labels_path = "");

}  // namespace elbo::io
