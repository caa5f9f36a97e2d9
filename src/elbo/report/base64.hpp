#pragma once
// Base64 (RFC 4648, with padding) for data: URIs, so the report carries its
// PNG images inside the one HTML file.
#include <string>
#include <string_view>

namespace elbo::report {

std::string base64_encode(std::string_view bytes);

/// "data:<mime>;base64,<bytes in base64>".
std::string data_uri(std::string_view mime, std::string_view bytes);

}  // namespace elbo::report
