#include "elbo/amortized/archive_util.hpp"

#include <torch/torch.h>

#include <filesystem>
#include <sstream>

#include "elbo/core/error.hpp"
#include "elbo/core/tensor_storage.hpp"
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

std::string first_line(const std::exception& e) {
  const auto* c10_error = dynamic_cast<const c10::Error*>(&e);
  const std::string what = c10_error ? c10_error->what_without_backtrace() : e.what();
  const size_t from = std::min(what.find_first_not_of(" \n"), what.size());
  return what.substr(from, what.find('\n', from) - from);
}

void load_archive(torch::serialize::InputArchive& archive, const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw InputError(path, 0, "", "file does not exist");
  const std::string payload = io::read_checksummed_file(path, "torch-archive");
  try {
    archive.load_from(payload.data(), payload.size());
  } catch (const std::exception&) {
    // Not only c10::Error: on a malformed archive torch's reader also throws
    // torch::jit::ErrorReport (the archive's code) and std::out_of_range.
    throw InputError(path, 0, "", "not a readable torch archive");
  }
}

void load_module_checked(torch::nn::Module& module, torch::serialize::InputArchive& archive,
                         const std::string& path, const std::string& field) {
  std::vector<at::Tensor> built;
  for (const auto& t : module.parameters()) built.push_back(torch::empty_like(t));
  for (const auto& t : module.buffers()) built.push_back(torch::empty_like(t));
  module.load(archive);
  std::vector<std::pair<std::string, at::Tensor>> loaded;
  for (const auto& t : module.named_parameters()) loaded.emplace_back(t.key(), t.value());
  for (const auto& t : module.named_buffers()) loaded.emplace_back(t.key(), t.value());
  for (size_t i = 0; i < loaded.size() && i < built.size(); ++i) {
    const auto& [name, t] = loaded[i];
    if (!within_storage(t)) throw InputError(path, 0, field, name + " is not a " + c10::toString(t.scalar_type()) + " tensor");
    if (!t.sizes().equals(built[i].sizes()) || t.scalar_type() != built[i].scalar_type()) {
      throw InputError(path, 0, field, name + " has dtype " + std::string(c10::toString(t.scalar_type())) +
                                           " and shape " + c10::str(t.sizes()) + ", but the model's has " +
                                           c10::toString(built[i].scalar_type()) + " " + c10::str(built[i].sizes()));
    }
    if (t.is_floating_point() && !torch::isfinite(t).all().item<bool>()) {
      throw InputError(path, 0, field, name + " has non-finite values");
    }
  }
}

}  // namespace elbo::amortized
