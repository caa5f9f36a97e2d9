#include "elbo/amortized/archive_util.hpp"

#include <torch/torch.h>

#include <filesystem>
#include <sstream>

#include "elbo/core/error.hpp"
#include "elbo/io/atomic_file.hpp"
#include "elbo/io/checksummed_file.hpp"

namespace elbo::amortized {

void write_string(torch::serialize::OutputArchive& archive, const std::string& key,
                  const std::string& value) {
  auto t = torch::empty({static_cast<int64_t>(value.size())}, torch::kUInt8);
  std::copy(value.begin(), value.end(), t.data_ptr<uint8_t>());
  archive.write(key, t);
}

std::string read_string(torch::serialize::InputArchive& archive, const std::string& key,
                        const std::string& path) {
  at::Tensor t;
  if (!archive.try_read(key, t) || t.scalar_type() != torch::kUInt8) {
    throw InputError(path, 0, key, "missing from the archive");
  }
  auto c = t.contiguous();
  return std::string(c.data_ptr<uint8_t>(), c.data_ptr<uint8_t>() + c.numel());
}

void save_archive_atomically(torch::serialize::OutputArchive& archive, const std::string& path) {
  std::ostringstream out;
  try {
    archive.save_to(out);
  } catch (const c10::Error& e) {
    throw InputError(path, 0, "", "cannot serialise: " + std::string(e.what_without_backtrace()));
  }
  // Checksummed: a model or checkpoint with flipped bytes is refused on load
  // instead of evaluating to garbage.
  io::write_checksummed_file(path, "torch-archive", out.str());
}

void load_archive(torch::serialize::InputArchive& archive, const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw InputError(path, 0, "", "file does not exist");
  const std::string payload = io::read_checksummed_file(path, "torch-archive");
  try {
    archive.load_from(payload.data(), payload.size());
  } catch (const c10::Error& e) {
    throw InputError(path, 0, "", "not a readable torch archive");
  }
}

}  // namespace elbo::amortized
