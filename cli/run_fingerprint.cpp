#include "run_fingerprint.hpp"

#include <fmt/format.h>

#include "elbo/io/checksummed_file.hpp"
#include "elbo/io/text_file.hpp"

namespace elbo_cli {

std::string run_fingerprint(const std::vector<std::string>& files, const std::string& options) {
  std::string out;
  for (const auto& f : files) {
    if (f.empty()) continue;
    out += fmt::format("{}{} crc32={:08x}", out.empty() ? "" : ", ", f, elbo::io::crc32_of(elbo::io::read_text_file(f)));
  }
  return out + (out.empty() ? "" : "; ") + options;
}

}  // namespace elbo_cli
