#pragma once
// Result writers for JSON summaries and output directories.
#include <nlohmann/json_fwd.hpp>

#include <string>

namespace elbo::io {

/// Writes `value` pretty-printed (indent spaces, trailing newline) to `path`
/// atomically: through a unique "<path>.<pid>.<n>.tmp" renamed over <path>. Non-finite doubles are
/// written as null (JSON has no NaN); invalid UTF-8 in strings is replaced by
/// U+FFFD. Throws elbo::InputError naming the file when it cannot be written.
void write_json_file(const std::string& path, const nlohmann::json& value, int indent = 2);

/// Creates directory `path` (and missing parents) unless it already exists, and
/// takes its output lock for this process (io/output_lock.hpp). Throws
/// elbo::InputError when `path` exists but is not a directory, cannot be
/// created, or another process is writing into it.
void ensure_directory(const std::string& path);

}  // namespace elbo::io
