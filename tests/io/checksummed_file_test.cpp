// Checksummed files: the payload round-trips exactly; every single-byte flip,
// a truncation, an appended byte and a file of another kind are refused by name.
#include "elbo/io/checksummed_file.hpp"

#include <gtest/gtest.h>

#include <string>

#include "io/io_test_util.hpp"

namespace elbo::io {
namespace {

TEST(ChecksummedFile, RoundTripsAndDetectsEveryFlippedByte) {
  std::string payload;
  for (int i = 0; i < 300; ++i) payload += static_cast<char>((i * 37) % 256);
  const std::string file = with_checksum("unit-test", payload);
  EXPECT_EQ(verified_payload(file, "unit-test", "f.ckpt"), payload);
  EXPECT_EQ(file.rfind("elbo-checked unit-test crc32=", 0), 0u);
  // CRC-32 detects every single-bit and single-byte error.
  for (size_t at = 0; at < file.size(); ++at) {
    std::string bad = file;
    bad[at] = static_cast<char>(bad[at] ^ 0x10);
    EXPECT_THROW(verified_payload(bad, "unit-test", "f.ckpt"), InputError) << "byte " << at;
  }
  EXPECT_THROW(verified_payload(file.substr(0, file.size() - 1), "unit-test", "f.ckpt"), InputError);
  EXPECT_THROW(verified_payload(file + "x", "unit-test", "f.ckpt"), InputError);
  EXPECT_THROW(verified_payload("", "unit-test", "f.ckpt"), InputError);
  try {
    verified_payload(file, "other-kind", "f.ckpt");
    ADD_FAILURE() << "a file of another kind was accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), "f.ckpt");
    EXPECT_NE(std::string(e.what()).find("unit-test"), std::string::npos) << e.what();
  }
}

TEST(ChecksummedFile, WritesAtomicallyAndReadsBack) {
  testing::TempDir dir;
  const std::string path = dir.file("state.ckpt");
  write_checksummed_file(path, "unit-test", "{\"a\": 1}");
  EXPECT_EQ(read_checksummed_file(path, "unit-test"), "{\"a\": 1}");
  EXPECT_THROW(read_checksummed_file(dir.file("missing.ckpt"), "unit-test"), InputError);
}

}  // namespace
}  // namespace elbo::io
