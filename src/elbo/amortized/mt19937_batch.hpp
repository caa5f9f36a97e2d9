#pragma once
// Bulk draws from ATen's CPU generator: the same 32-bit numbers, in the same order, as
// calling at::CPUGeneratorImpl::random() n times (the MT19937 of Matsumoto & Nishimura
// 1998, as at::mt19937 implements it), but with the state twist and the tempering run
// as loops over the whole 624-word block, which the compiler vectorises.
#include <ATen/core/MT19937RNGEngine.h>

#include <cstdint>

namespace elbo::amortized {

class Mt19937Batch {
 public:
  explicit Mt19937Batch(const at::mt19937& engine) : data_(engine.data()) {}
  /// Writes the next n numbers to out.
  void fill(uint32_t* out, int64_t n);
  /// The engine advanced by every number drawn so far.
  at::mt19937 engine() const;

 private:
  void twist();
  at::mt19937_data_pod data_;
};

}  // namespace elbo::amortized
