// log_prob, entropy, mean and variance of every distribution against SciPy
// (tests/reference/dist/generate.py), including batched and broadcast
// parameter shapes, sample dimensions and values outside the support (−inf).
#include <gtest/gtest.h>

#include "reference.hpp"

namespace elbo::dist {
namespace {

using testing::all_close;
using testing::reference;
using testing::tensor;

class ReferenceCase : public ::testing::TestWithParam<size_t> {
 protected:
  const testing::json& c() const { return reference().at("cases").at(GetParam()); }
  std::shared_ptr<Distribution> dist() const {
    return testing::make(c().at("dist").get<std::string>(), c().at("params"));
  }
};

TEST_P(ReferenceCase, LogProbMatchesScipy) {
  auto d = dist();
  EXPECT_TRUE(all_close(d->log_prob(tensor(c().at("value"))), tensor(c().at("log_prob")), 1e-10,
                        1e-12));
}

TEST_P(ReferenceCase, EntropyMatchesScipy) {
  auto d = dist();
  if (!c().contains("entropy")) {
    EXPECT_FALSE(d->has_entropy());
    EXPECT_THROW(d->entropy(), elbo::DomainError);
    return;
  }
  ASSERT_TRUE(d->has_entropy());
  EXPECT_TRUE(all_close(d->entropy(), tensor(c().at("entropy")), 1e-10, 1e-12));
}

TEST_P(ReferenceCase, MomentsMatchScipy) {
  auto d = dist();
  EXPECT_TRUE(all_close(d->mean(), tensor(c().at("mean")), 1e-10, 1e-12));
  EXPECT_TRUE(all_close(d->variance(), tensor(c().at("variance")), 1e-10, 1e-12));
}

std::string case_name(const ::testing::TestParamInfo<size_t>& info) {
  auto name = reference().at("cases").at(info.param).at("name").get<std::string>();
  for (auto& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Scipy, ReferenceCase,
                         ::testing::Range<size_t>(0, reference().at("cases").size()), case_name);

class ReferenceKL : public ::testing::TestWithParam<size_t> {};

TEST_P(ReferenceKL, AnalyticKLMatchesQuadrature) {
  const auto& k = reference().at("kl").at(GetParam());
  auto p = testing::make(k.at("p").at("dist").get<std::string>(), k.at("p").at("params"));
  auto q = testing::make(k.at("q").at("dist").get<std::string>(), k.at("q").at("params"));
  ASSERT_TRUE(has_analytic_kl(*p, *q));
  EXPECT_TRUE(all_close(kl_divergence(*p, *q), tensor(k.at("kl")), 1e-7, 1e-9));
}

std::string kl_name(const ::testing::TestParamInfo<size_t>& info) {
  return reference().at("kl").at(info.param).at("name").get<std::string>();
}

INSTANTIATE_TEST_SUITE_P(Scipy, ReferenceKL,
                         ::testing::Range<size_t>(0, reference().at("kl").size()), kl_name);

}  // namespace
}  // namespace elbo::dist
