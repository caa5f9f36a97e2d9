#pragma once
// Checkpoints and saved models carry a checksum: a first line
//   elbo-checked <kind> crc32=<8 hex digits> bytes=<n>
// then the payload (a torch archive or JSON). Loading verifies kind, length and
// CRC-32, so a flipped byte or a truncated copy is one clear error instead of a
// resumed run that silently continues from corrupt state.
#include <string>
#include <string_view>

#include <cstdint>

namespace elbo::io {

/// CRC-32 (zlib's) of `bytes`.
uint32_t crc32_of(std::string_view bytes);

/// The file contents for `payload`: the header line, then the payload.
std::string with_checksum(std::string_view kind, std::string_view payload);

/// Writes with_checksum(kind, payload) to path atomically (temp file + rename).
void write_checksummed_file(const std::string& path, std::string_view kind, std::string_view payload);

/// Reads path and returns its verified payload; elbo::InputError naming the file
/// when it is missing, of another kind, truncated or corrupt.
std::string read_checksummed_file(const std::string& path, std::string_view kind);

/// The same check on contents already read (`source` names them in errors).
std::string verified_payload(const std::string& contents, std::string_view kind, const std::string& source);

}  // namespace elbo::io
