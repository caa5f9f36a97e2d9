// The bounded CBOR reader: round trips, malformed bytes and nesting that would
// overflow the stack of nlohmann's recursive reader, each one InputError.
#include <gtest/gtest.h>

#include <string>

#include "elbo/core/error.hpp"
#include "elbo/io/cbor_reader.hpp"

namespace elbo::io {
namespace {

std::string cbor_of(const nlohmann::json& j) {
  const auto bytes = nlohmann::json::to_cbor(j);
  return std::string(bytes.begin(), bytes.end());
}

TEST(CborReader, RoundTripsDoublesExactly) {
  const nlohmann::json j = {{"step", 12}, {"x", {0.1, -2.5e-300, 1.0 / 3.0}}, {"nested", {{"a", {1, 2}}}}};
  EXPECT_EQ(parse_cbor(cbor_of(j), "f"), j);
}

TEST(CborReader, MalformedIsOneInputError) {
  const std::string whole = cbor_of({{"x", {1.0, 2.0, 3.0}}});
  EXPECT_THROW(parse_cbor(whole.substr(0, whole.size() - 3), "f.ckpt"), InputError);
  EXPECT_THROW(parse_cbor(whole + "x", "f.ckpt"), InputError);  // trailing bytes
  EXPECT_THROW(parse_cbor("", "f.ckpt"), InputError);
  // A map declaring 2^64 - 1 entries (nlohmann throws out_of_range.408 even when asked not to).
  EXPECT_THROW(parse_cbor(std::string("\xbb\xff\xff\xff\xff\xff\xff\xff\xff", 9), "f.ckpt"), InputError);
}

TEST(CborReader, DeepNestingIsRefusedBeforeRecursing) {
  const std::string deep(200000, '\x81');  // 200,000 nested one-element arrays
  try {
    parse_cbor(deep + std::string(1, '\x01'), "deep.ckpt");
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("deep.ckpt: nests deeper than 64 levels"), std::string::npos) << e.what();
  }
  std::string ok(64, '\x81');
  EXPECT_NO_THROW(parse_cbor(ok + std::string(1, '\x01'), "f"));
}

}  // namespace
}  // namespace elbo::io
