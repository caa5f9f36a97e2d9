#pragma once
// Strings stored in torch archives as uint8 tensors, and atomic archive writing.
#include <torch/nn/module.h>
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
/// The first non-empty line of an exception's message (c10::Error's without its backtrace).
std::string first_line(const std::exception& e);
/// archive.load_from with a one-line InputError when the file is missing or not an archive.
void load_archive(torch::serialize::InputArchive& archive, const std::string& path);
/// module.load(archive), then InputError(path, field) unless every parameter and
/// buffer kept the shape and dtype the module was built with and is finite
/// (torch's load replaces each by whatever tensor the file holds).
void load_module_checked(torch::nn::Module& module, torch::serialize::InputArchive& archive,
                         const std::string& path, const std::string& field);

}  // namespace elbo::amortized
