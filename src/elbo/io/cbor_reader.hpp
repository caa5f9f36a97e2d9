#pragma once
// CBOR (RFC 8949) into nlohmann::json, for binary state files (fit gp's
// checkpoint). nlohmann's CBOR reader recurses once per nesting level, so a
// forged file of nested arrays would overflow the stack: nesting is bounded.
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace elbo::io {

/// The document in `bytes`; malformed CBOR, trailing bytes or nesting deeper
/// than `max_depth` is one elbo::InputError naming `source`.
nlohmann::json parse_cbor(std::string_view bytes, const std::string& source, int max_depth = 64);

}  // namespace elbo::io
