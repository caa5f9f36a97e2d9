// Bulk MT19937 draws against at::mt19937 itself (the reference): the same numbers for
// every split of the stream, across twist boundaries, and the same engine afterwards.
#include <gtest/gtest.h>

#include <vector>

#include "elbo/amortized/mt19937_batch.hpp"

namespace elbo::amortized {
namespace {

TEST(Mt19937Batch, SameStreamAsEngine) {
  for (int64_t piece : {1, 7, 623, 624, 625, 1500}) {
    at::mt19937 ref(42 + piece);
    at::mt19937 start(42 + piece);
    for (int i = 0; i < 100; ++i) {  // start mid-block
      ref();
      start();
    }
    Mt19937Batch batch(start);
    std::vector<uint32_t> got(static_cast<size_t>(piece));
    for (int round = 0; round < 5; ++round) {
      batch.fill(got.data(), piece);
      for (int64_t i = 0; i < piece; ++i) ASSERT_EQ(got[static_cast<size_t>(i)], ref()) << piece << " " << round;
    }
    at::mt19937 after = batch.engine();
    for (int i = 0; i < 1000; ++i) ASSERT_EQ(after(), ref()) << piece;
  }
}

TEST(Mt19937Batch, FreshlySeededEngine) {
  at::mt19937 ref(7), start(7);
  Mt19937Batch batch(start);
  std::vector<uint32_t> got(2000);
  batch.fill(got.data(), 2000);
  for (size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], ref()) << i;
  EXPECT_EQ(got[0], 327741615U);  // init_genrand(7), first output (independent Python transcription of mt19937ar.c)
}

}  // namespace
}  // namespace elbo::amortized
