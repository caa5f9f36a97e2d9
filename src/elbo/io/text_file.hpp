#pragma once
// Whole-file reading for the strict readers: one read, one clear error.
#include <string>

namespace elbo::io {

/// Returns the bytes of the file at `path`. Throws elbo::InputError naming the
/// file and the OS reason when it does not exist, is a directory or cannot be read.
std::string read_text_file(const std::string& path);

}  // namespace elbo::io
