#pragma once
// Result writers for JSON summaries and output directories.
#include <nlohmann/json_fwd.hpp>

#include <string>

namespace elbo::io {

/// Writes `value` pretty-printed (indent spaces, trailing newline) to `path`
/// atomically: through "<path>.tmp" renamed over <path>. Non-finite doubles are
/// written as null (JSON has no NaN); invalid UTF-8 in strings is replaced by
/// U+FFFD. Throws elbo::InputError naming the file when it cannot be written.
void write_json_file(const std::string& path, const nlohmann::json& value, int indent = 2);

/// Creates directory `path` (and missing parents) unless it already exists.
/// Throws elbo::InputError when `path` exists but is not a directory or cannot
/// be created.
void ensure_directory(const std::string& path);

}  // namespace elbo::io
