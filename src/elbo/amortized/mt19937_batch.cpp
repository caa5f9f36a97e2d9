#include "elbo/amortized/mt19937_batch.hpp"

#include <algorithm>

namespace elbo::amortized {

namespace {
constexpr int kN = 624, kM = 397;
constexpr uint32_t kMatrixA = 0x9908b0dfU, kUpper = 0x80000000U, kLower = 0x7fffffffU;

inline uint32_t twist_word(uint32_t u, uint32_t v) {
  return (((u & kUpper) | (v & kLower)) >> 1) ^ ((v & 1U) != 0 ? kMatrixA : 0U);
}
}  // namespace

// at::mt19937_engine::next_state, split into its two independent stretches.
void Mt19937Batch::twist() {
  uint32_t* s = data_.state_.data();
  for (int j = 0; j < kN - kM; ++j) s[j] = s[j + kM] ^ twist_word(s[j], s[j + 1]);
  for (int j = kN - kM; j < kN - 1; ++j) s[j] = s[j + kM - kN] ^ twist_word(s[j], s[j + 1]);
  s[kN - 1] = s[kM - 1] ^ twist_word(s[kN - 1], s[0]);
}

// at::mt19937_engine::operator(): --left; if it reaches 0 the state twists (left = N,
// next = 0); then word `next++` is tempered. So `left − 1` words remain before a twist.
void Mt19937Batch::fill(uint32_t* out, int64_t n) {
  while (n > 0) {
    if (data_.left_ <= 1) {
      twist();
      data_.left_ = kN + 1;  // the draw that triggers the twist also decrements
      data_.next_ = 0;
    }
    const int64_t k = std::min<int64_t>(n, data_.left_ - 1);
    const uint32_t* s = data_.state_.data() + data_.next_;
    for (int64_t i = 0; i < k; ++i) {
      uint32_t y = s[i];
      y ^= (y >> 11);
      y ^= (y << 7) & 0x9d2c5680U;
      y ^= (y << 15) & 0xefc60000U;
      y ^= (y >> 18);
      out[i] = y;
    }
    out += k;
    n -= k;
    data_.next_ += static_cast<uint32_t>(k);
    data_.left_ -= static_cast<int>(k);
  }
}

at::mt19937 Mt19937Batch::engine() const {
  at::mt19937 e;
  e.set_data(data_);
  return e;
}

}  // namespace elbo::amortized
