// IDX reader: exact bytes from hand-built files (plain and gzip, compressed here
// with zlib's own gzip writer), the real MNIST test file's documented header, and
// one precise error per malformed input.
#include "elbo/io/idx_reader.hpp"

#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>
#include <string>

#include "io/io_test_util.hpp"

namespace elbo::io {
namespace {

using testing::expect_input_error;
using testing::TempDir;

std::string header(unsigned type, std::vector<uint32_t> dims) {
  std::string h = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
  for (uint32_t d : dims) {
    h += static_cast<char>((d >> 24) & 0xFF);
    h += static_cast<char>((d >> 16) & 0xFF);
    h += static_cast<char>((d >> 8) & 0xFF);
    h += static_cast<char>(d & 0xFF);
  }
  return h;
}

std::string body(size_t n) {
  std::string b;
  for (size_t i = 0; i < n; ++i) b += static_cast<char>((i * 7 + 3) % 256);
  return b;
}

void write_gzip(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  gzclose(f);
}

void expect_error(const std::string& path, const std::string& phrase) {
  const InputError e = expect_input_error([&] { read_idx(path); });
  const std::string what = e.what();
  EXPECT_EQ(e.file(), path);
  EXPECT_NE(what.find(phrase), std::string::npos) << what;
  EXPECT_EQ(what.find('\n'), std::string::npos) << what;
}

TEST(IdxReader, ReadsPlainAndGzipIdentically) {
  TempDir dir;
  const std::string bytes = header(0x08, {3, 2, 5}) + body(30);
  const auto plain = dir.write("a.idx", bytes);
  const auto gz = dir.file("a.idx.gz");
  write_gzip(gz, bytes);
  // Compression is detected by magic bytes, not by name.
  const auto gz_no_suffix = dir.file("b.idx");
  write_gzip(gz_no_suffix, bytes);
  for (const auto& path : {plain, gz, gz_no_suffix}) {
    const IdxArray a = read_idx(path);
    EXPECT_EQ(a.source, path);
    EXPECT_EQ(a.dims, (std::vector<int64_t>{3, 2, 5}));
    EXPECT_EQ(a.count(), 3);
    EXPECT_EQ(a.item_size(), 10);
    ASSERT_EQ(a.data.size(), 30u);
    for (size_t i = 0; i < 30; ++i) EXPECT_EQ(a.data[i], (i * 7 + 3) % 256) << i;
  }
}

TEST(IdxReader, ImagesWithLabels) {
  TempDir dir;
  const auto images = dir.write("img", header(0x08, {4, 2, 3}) + body(24));
  const auto labels = dir.write("lab", header(0x08, {4}) + std::string("\x07\x00\x09\x01", 4));
  const IdxImages set = read_idx_images(images, labels);
  EXPECT_EQ(set.count, 4);
  EXPECT_EQ(set.rows, 2);
  EXPECT_EQ(set.cols, 3);
  EXPECT_EQ(set.pixels.size(), 24u);
  EXPECT_EQ(set.labels, (std::vector<int64_t>{7, 0, 9, 1}));
}

TEST(IdxReader, MnistTestSetHeader) {
  const std::string dir = std::string(ELBO_SHARED_DATA_DIR) + "/mnist/";
  if (!std::filesystem::exists(dir + "t10k-images-idx3-ubyte.gz")) GTEST_SKIP() << "no MNIST";
  const IdxImages set =
      read_idx_images(dir + "t10k-images-idx3-ubyte.gz", dir + "t10k-labels-idx1-ubyte.gz");
  // LeCun et al.'s page: 10,000 test images of 28 x 28; the first label is 7.
  EXPECT_EQ(set.count, 10000);
  EXPECT_EQ(set.rows, 28);
  EXPECT_EQ(set.cols, 28);
  EXPECT_EQ(set.labels.front(), 7);
  EXPECT_EQ(set.labels.back(), 6);
}

TEST(IdxReader, Errors) {
  TempDir dir;
  expect_error(dir.write("short", std::string("\0\0", 2)), "shorter than the 4-byte magic number");
  expect_error(dir.write("magic", "P5\n28 28\n255\n"), "not an IDX file: magic number starts 0x50 0x35");
  expect_error(dir.write("type", header(0x07, {2}) + body(2)), "unknown data type 0x07");
  expect_error(dir.write("float", header(0x0D, {2}) + body(8)), "0x0d (float) is not supported");
  expect_error(dir.write("ndim", header(0x08, {})), "0 dimensions");
  expect_error(dir.write("hdr", header(0x08, {10, 28, 28}).substr(0, 10)), "truncated header");
  expect_error(dir.write("zero", header(0x08, {0, 28}) + body(0)), "dimension 0 has size 0");
  expect_error(dir.write("trunc", header(0x08, {10, 28, 28}) + body(7839)),
               "truncated body: expected 7840 bytes, found 7839");
  expect_error(dir.write("extra", header(0x08, {2, 2}) + body(5)), "1 unexpected bytes after the body");
  expect_error(dir.file("missing"), "cannot open file");

  // A gzip stream cut short, and one with corrupt deflate data.
  const std::string bytes = header(0x08, {50, 28, 28}) + body(50 * 784);
  write_gzip(dir.file("full.gz"), bytes);
  const std::string gz = testing::slurp(dir.file("full.gz"));
  expect_error(dir.write("cut.gz", gz.substr(0, gz.size() / 2)), "truncated gzip stream");
  std::string bad = gz;
  for (size_t i = 12; i < 40; ++i) bad[i] = static_cast<char>(0xFF);
  expect_error(dir.write("bad.gz", bad), "gzip stream");

  // Shape mismatches between images and labels.
  const auto images = dir.write("img", header(0x08, {4, 2, 3}) + body(24));
  const auto vectors = dir.write("vec", header(0x08, {4, 6}) + body(24));
  const auto labels3 = dir.write("lab3", header(0x08, {3}) + body(3));
  const auto labels2d = dir.write("lab2d", header(0x08, {4, 1}) + body(4));
  auto e = expect_input_error([&] { read_idx_images(vectors); });
  EXPECT_NE(std::string(e.what()).find("needs 3 dimensions"), std::string::npos) << e.what();
  e = expect_input_error([&] { read_idx_images(images, labels3); });
  EXPECT_NE(std::string(e.what()).find("shape mismatch: 3 labels for 4 images"), std::string::npos)
      << e.what();
  e = expect_input_error([&] { read_idx_images(images, labels2d); });
  EXPECT_NE(std::string(e.what()).find("needs 1 dimension"), std::string::npos) << e.what();
}

}  // namespace
}  // namespace elbo::io
