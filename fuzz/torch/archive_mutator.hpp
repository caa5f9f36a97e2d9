#pragma once
// Structure-aware mutation of torch archives for the LibTorch loaders' harnesses.
//
// LibTorch's archive reader (torch::jit::load, behind InputArchive::load_from) is
// not memory-safe on forged archives: byte-level fuzzing of a checkpoint crashed
// inside libtorch_cpu within two minutes — a SEGV in the TorchScript type parser
// (ScriptTypeParser::parseClassConstant) on an edited code/ record, and tensors
// whose pickled size exceeds their data record (ASan: heap-buffer-overflow when
// elbo reads the parameter). Neither is elbo's to fix, and the envelope's CRC
// already refuses every accidental corruption. So the fuzzer mutates fields, not
// bytes: each mutation reads the input (always an archive torch itself wrote),
// changes one field — a tensor's values (NaN, ±inf, huge, negative), dtype or
// shape, a string's or an int's value, a key dropped — and writes it back. The
// loader then meets every state a forged-but-well-formed file can hold.
#include <torch/torch.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <string>

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace elbo::fuzz {

class ArchiveMutator {
 public:
  ArchiveMutator(unsigned seed, int64_t target) : rng_(seed), target_(target) {}
  int64_t fields() const { return index_; }

  void copy(torch::serialize::InputArchive& in, torch::serialize::OutputArchive& out) {
    for (const auto& key : in.keys()) {
      const bool chosen = index_++ == target_;
      torch::serialize::InputArchive sub;
      if (in.try_read(key, sub)) {
        if (chosen && pick(4) == 0) continue;  // drop a whole sub-archive
        torch::serialize::OutputArchive sub_out(out.compilation_unit());
        copy(sub, sub_out);
        out.write(key, sub_out);
        continue;
      }
      at::Tensor t;
      bool is_buffer = false;
      if (in.try_read(key, t, false) || (is_buffer = in.try_read(key, t, true))) {
        if (chosen && !mutate(t)) continue;
        out.write(key, t, is_buffer);
        continue;
      }
      c10::IValue v;
      in.read(key, v);
      if (chosen && !mutate(v)) continue;
      out.write(key, v);
    }
  }

 private:
  static int64_t next(int64_t x) { return static_cast<int64_t>(static_cast<uint64_t>(x) + 1); }  // wraps
  int64_t pick(int64_t n) { return static_cast<int64_t>(rng_() % static_cast<uint64_t>(n)); }

  double special() {
    const double values[] = {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(), 1e300, -1e300, -1.0, 0.0, 1e-300, 3.0};
    return values[pick(9)];
  }

  // false: drop the field.
  bool mutate(at::Tensor& t) {
    t = t.detach().clone().contiguous();
    switch (pick(8)) {
      case 0: return false;
      case 1: {  // another shape, same dtype
        std::vector<int64_t> sizes(static_cast<size_t>(pick(4)));
        for (auto& s : sizes) s = pick(std::min<int64_t>(t.numel(), 64) + 3);  // at most 66³ elements
        t = torch::zeros(sizes, t.options()).fill_(t.numel() ? t.flatten()[0].item() : at::Scalar(1));
        return true;
      }
      case 2: {  // another dtype
        const at::ScalarType types[] = {torch::kFloat, torch::kDouble, torch::kLong, torch::kUInt8, torch::kBool, torch::kInt};
        t = t.to(types[pick(6)]);
        return true;
      }
      case 3:  // the bytes of a string (uint8) or of the data, as libFuzzer mutates them
        if (t.numel() > 0 && t.numel() < 4096) {
          const size_t n = static_cast<size_t>(t.nbytes());
          std::string bytes(static_cast<const char*>(t.data_ptr()), n);
          bytes.resize(n + 64);
          const size_t m = LLVMFuzzerMutate(reinterpret_cast<uint8_t*>(bytes.data()), n, bytes.size());
          if (t.dim() == 1 && t.scalar_type() == torch::kUInt8) {
            t = torch::empty({static_cast<int64_t>(m)}, torch::kUInt8);
            std::memcpy(t.data_ptr(), bytes.data(), m);
          } else {
            std::memcpy(t.data_ptr(), bytes.data(), std::min(m, n));
          }
        }
        return true;
      default:  // one element set to a special value
        if (t.numel() > 0) {
          auto flat = t.view({-1});
          const int64_t i = pick(t.numel());
          if (t.is_floating_point()) {
            flat[i] = special();
          } else if (t.scalar_type() == torch::kLong) {
            const int64_t values[] = {-1, 0, std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min(),
                                      1000000000000, 2, next(flat[i].item<int64_t>())};
            flat[i] = values[pick(7)];
          } else {
            flat[i] = pick(256);
          }
        }
        return true;
    }
  }

  bool mutate(c10::IValue& v) {
    if (pick(4) == 0) return false;
    if (v.isString()) {
      std::string s = v.toStringRef();
      const size_t n = s.size();
      s.resize(n + 64);
      s.resize(LLVMFuzzerMutate(reinterpret_cast<uint8_t*>(s.data()), n, s.size()));
      v = s;
    } else if (v.isInt()) {
      const int64_t values[] = {-1, 0, std::numeric_limits<int64_t>::max(), next(v.toInt())};
      v = values[pick(4)];
    } else if (v.isDouble()) {
      v = special();
    } else {
      v = std::string("not a ") + v.tagKind();
    }
    return true;
  }

  std::mt19937_64 rng_;
  int64_t target_;
  int64_t index_ = 0;
};

/// One field of the archive in data[0, size) mutated; the archive's new size, or
/// `size` unchanged when the input is not an archive or the result does not fit.
inline size_t mutate_archive(uint8_t* data, size_t size, size_t max_size, unsigned seed) {
  try {
    torch::serialize::InputArchive in;
    in.load_from(reinterpret_cast<const char*>(data), size);
    ArchiveMutator counter(seed, -1);
    torch::serialize::OutputArchive scratch;
    counter.copy(in, scratch);
    if (counter.fields() == 0) return size;
    ArchiveMutator mutator(seed, static_cast<int64_t>(std::mt19937_64(seed ^ 0x9e37u)() %
                                                      static_cast<uint64_t>(counter.fields())));
    torch::serialize::OutputArchive out;
    mutator.copy(in, out);
    std::ostringstream bytes;
    out.save_to(bytes);
    const std::string s = bytes.str();
    if (s.size() > max_size) return size;
    std::memcpy(data, s.data(), s.size());
    return s.size();
  } catch (const std::exception&) {
    return size;
  }
}

}  // namespace elbo::fuzz

#define ELBO_FUZZ_ARCHIVE_MUTATOR                                                                     \
  extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned seed) { \
    return elbo::fuzz::mutate_archive(data, size, max_size, seed);                                      \
  }
