// Dynamic binarisation draws exactly what at::bernoulli draws from the same generator
// (ATen is the reference), leaves the generator in the same state, and gathers rows.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "elbo/amortized/image_data.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"

namespace elbo::amortized {
namespace {

TEST(Binarize, SameDrawsAsAtenBernoulli) {
  for (auto type : {at::kFloat, at::kDouble}) {
    auto data_gen = make_generator(1);
    auto x = at::rand({17, 29}, data_gen, torch::TensorOptions().dtype(type));
    x.index_put_({x < 0.3}, 0.0);  // exact zeros and ones as in images
    x.index_put_({x > 0.9}, 1.0);
    auto g1 = make_generator(7), g2 = make_generator(7);
    const auto ours = binarize_dynamic(x, g1);
    const auto ref = at::bernoulli(x, g2);
    EXPECT_TRUE(torch::equal(ours, ref)) << type;
    EXPECT_EQ(ours.scalar_type(), type);
    EXPECT_GT(ours.sum().item<double>(), 0.0);
    // The generator advanced exactly as ATen's did.
    EXPECT_TRUE(torch::equal(at::rand({5}, g1), at::rand({5}, g2)));
    // Any shape.
    const auto v = x.select(0, 3);
    EXPECT_TRUE(torch::equal(binarize_dynamic(v, g1), at::bernoulli(v, g2)));
  }
}

TEST(Binarize, RowsEqualGatherThenBernoulli) {
  auto data_gen = make_generator(2);
  const auto x = at::rand({40, 11}, data_gen, at::kFloat);
  const auto rows = torch::tensor({5, 0, 39, 5, 12}, at::kLong);
  auto g1 = make_generator(3), g2 = make_generator(3);
  EXPECT_TRUE(torch::equal(binarize_dynamic_rows(x, rows, g1), at::bernoulli(x.index_select(0, rows), g2)));
  EXPECT_THROW(binarize_dynamic_rows(x, torch::tensor({40}, at::kLong), g1), ConfigError);
}

TEST(Binarize, RejectsValuesOutsideUnitInterval) {
  auto gen = make_generator(1);
  EXPECT_THROW(binarize_dynamic(torch::tensor({0.5, 1.5}), gen), DomainError);
  EXPECT_THROW(binarize_dynamic(torch::tensor({std::nan("")}), gen), DomainError);
}

}  // namespace
}  // namespace elbo::amortized
