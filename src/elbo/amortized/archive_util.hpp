#pragma once
// Strings stored in torch archives as uint8 tensors, and atomic archive writing.
#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

#include <string>

namespace elbo::amortized {

void write_string(torch::serialize::OutputArchive& archive, const std::string& key,
                  const std::string& value);
/// Throws InputError(path, field key) when missing.
std::string read_string(torch::serialize::InputArchive& archive, const std::string& key,
                        const std::string& path);
/// archive.save_to through a unique "<path>.<pid>.<n>.tmp" renamed over path.
void save_archive_atomically(torch::serialize::OutputArchive& archive, const std::string& path);
/// archive.load_from with a one-line InputError when the file is missing or not an archive.
void load_archive(torch::serialize::InputArchive& archive, const std::string& path);

}  // namespace elbo::amortized
