// The Bayesian HMM fitted by CAVI: recovery of a known 3-state HMM from 10⁵ steps,
// a monotone ELBO, the structured q above the fully factorised q, the ELBO below the
// exact log evidence on chains small enough to enumerate, outputs and bad input.
#include <gtest/gtest.h>

#include <boost/math/special_functions/gamma.hpp>

#include <cmath>
#include <functional>

#include "elbo/core/error.hpp"
#include "elbo/hmm/sequence_ids.hpp"
#include "hmm_test_support.hpp"

using namespace elbo::hmm;
using namespace hmm_test;
namespace conj = elbo::conjugate;

namespace {

void expect_monotone(const std::vector<double>& trace, const char* what) {
  ASSERT_GE(trace.size(), 3u) << what;
  for (size_t i = 1; i < trace.size(); ++i) {
    EXPECT_GE(trace[i], trace[i - 1] - 1e-9 * std::abs(trace[i - 1]))
        << what << ": ELBO fell at iteration " << i + 1 << " from " << trace[i - 1] << " to " << trace[i];
  }
}

// A fit of the shared simulated data set, computed once for the tests that read it.
struct ReferenceFit {
  KnownHmm truth = three_state_gaussian();
  SimulatedChain data = simulate(truth, 100'000, 11);
  std::unique_ptr<BayesianHmm> model = gaussian_model(data.observations, {}, 3);
  conj::CaviResult result;
  ReferenceFit() {
    conj::Rng rng(3);
    model->initialize(rng);
    result = conj::cavi(*model, conj::CaviOptions().max_iterations(300).tolerance(1e-10));
  }
};

const ReferenceFit& reference_fit() {
  static const ReferenceFit fit;
  return fit;
}

}  // namespace

TEST(BayesianHmm, RecoversTheTransitionMatrixOfAKnownHmmWithinTwoHundredths) {
  const ReferenceFit& fit = reference_fit();
  ASSERT_TRUE(fit.result.converged) << fit.result.iterations << " iterations";
  const auto& emission = dynamic_cast<const GaussianEmission&>(fit.model->emission());
  const std::vector<int> perm = match_labels(emission.means(), fit.truth.means);
  const HmmParameters p = fit.model->parameters();
  double worst = 0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) {
      const double err = std::abs(p.transition_mean(i, j) - fit.truth.transition(perm[i], perm[j]));
      worst = std::max(worst, err);
      EXPECT_LT(err, 0.02) << "A(" << i << "," << j << ") = " << p.transition_mean(i, j) << ", truth "
                           << fit.truth.transition(perm[i], perm[j]);
    }
  for (int k = 0; k < 3; ++k) {
    EXPECT_LT((emission.means().row(k) - fit.truth.means.row(perm[k])).norm(), 0.03) << "mean of state " << k;
    EXPECT_LT((emission.covariances()[k] - fit.truth.covariances[perm[k]]).cwiseAbs().maxCoeff(), 0.03)
        << "covariance of state " << k;
  }
  // The posterior sds are those of ~3·10⁴ transitions out of each state.
  for (int i = 0; i < 3; ++i) {
    EXPECT_GT(p.transition_sd(i, i), 5e-4);
    EXPECT_LT(p.transition_sd(i, i), 5e-3);
  }
  RecordProperty("worst_transition_error", std::to_string(worst));
}

TEST(BayesianHmm, CaviElboIsMonotoneAndEqualsTheExactElboAtTheEnd) {
  const ReferenceFit& fit = reference_fit();
  expect_monotone(fit.result.elbo_trace, "structured CAVI");
  BayesianHmm& model = *fit.model;
  // One more local step at the final λ: the bound is the converged one.
  EXPECT_NEAR(model.exact_elbo(), fit.result.elbo_trace.back(), 1e-6 * std::abs(fit.result.elbo_trace.back()));
}

TEST(BayesianHmm, StatesMarginalsAndViterbiPathTrackTheTruth) {
  const ReferenceFit& fit = reference_fit();
  const auto& emission = dynamic_cast<const GaussianEmission&>(fit.model->emission());
  const std::vector<int> perm = match_labels(emission.means(), fit.truth.means);
  const std::vector<int32_t> path = fit.model->viterbi_path();
  const RowMatrix& marg = fit.model->marginals();
  ASSERT_EQ(static_cast<int64_t>(path.size()), fit.model->num_steps());
  int64_t viterbi_hits = 0;
  double marginal_mass = 0;
  for (int64_t t = 0; t < fit.model->num_steps(); ++t) {
    viterbi_hits += perm[path[t]] == fit.data.states[t];
    for (int k = 0; k < 3; ++k)
      if (perm[k] == fit.data.states[t]) marginal_mass += marg(t, k);
    ASSERT_NEAR(marg.row(t).sum(), 1.0, 1e-10);
  }
  const double T = static_cast<double>(fit.model->num_steps());
  EXPECT_GT(viterbi_hits / T, 0.97);
  EXPECT_GT(marginal_mass / T, 0.95);
}

TEST(BayesianHmm, StructuredQHasAStrictlyHigherElboThanTheFullyFactorisedQ) {
  // Overlapping emissions (spread 1.2), where the chain's dependence matters.
  const KnownHmm truth = three_state_gaussian(1.2);
  const SimulatedChain data = simulate(truth, 20'000, 21);
  auto structured = gaussian_model(data.observations, {}, 3);
  auto factorised = gaussian_model(data.observations, {}, 3, BayesianHmmOptions().local_factors(LocalFactors::mean_field));
  conj::Rng rng_a(4), rng_b(4);
  structured->initialize(rng_a);
  factorised->initialize(rng_b);
  ASSERT_EQ(structured->global_parameters(), factorised->global_parameters());
  const auto rs = conj::cavi(*structured, conj::CaviOptions().max_iterations(300).tolerance(1e-9));
  const auto rf = conj::cavi(*factorised, conj::CaviOptions().max_iterations(300).tolerance(1e-9));
  expect_monotone(rf.elbo_trace, "factorised CAVI");
  expect_monotone(rs.elbo_trace, "structured CAVI");
  const double gap = rs.elbo_trace.back() - rf.elbo_trace.back();
  EXPECT_GT(gap, 0.0) << "structured " << rs.elbo_trace.back() << ", factorised " << rf.elbo_trace.back();
  // Not a rounding-level difference: hundreds of nats on 2·10⁴ steps.
  EXPECT_GT(gap, 100.0);
  RecordProperty("elbo_gap", std::to_string(gap));
}

// ---- the ELBO against the exact evidence of chains small enough to enumerate ----------

namespace {

double log_beta(const std::vector<double>& a) {
  double s = 0, l = 0;
  for (double v : a) {
    s += v;
    l += std::lgamma(v);
  }
  return l - std::lgamma(s);
}

// log Σ_z p(x, z): the conjugate priors integrate out in closed form for each path.
double log_evidence(int64_t K, int64_t T, double alpha_pi, double alpha_a,
                    const std::function<double(const std::vector<int>&)>& log_emission_marginal) {
  std::vector<int> z(static_cast<size_t>(T), 0);
  std::vector<double> terms;
  while (true) {
    std::vector<double> init(K, alpha_pi), prior_init(K, alpha_pi);
    init[z[0]] += 1;
    double lp = log_beta(init) - log_beta(prior_init);
    for (int64_t i = 0; i < K; ++i) {
      std::vector<double> row(K, alpha_a), prior_row(K, alpha_a);
      for (int64_t t = 1; t < T; ++t)
        if (z[t - 1] == i) row[z[t]] += 1;
      lp += log_beta(row) - log_beta(prior_row);
    }
    terms.push_back(lp + log_emission_marginal(z));
    int64_t t = 0;
    while (t < T && ++z[t] == K) z[t++] = 0;
    if (t == T) break;
  }
  const double mx = *std::max_element(terms.begin(), terms.end());
  double s = 0;
  for (double v : terms) s += std::exp(v - mx);
  return mx + std::log(s);
}

double fitted_elbo(BayesianHmm& model, uint64_t seed) {
  conj::Rng rng(seed);
  model.initialize(rng);
  const auto r = conj::cavi(model, conj::CaviOptions().max_iterations(500).tolerance(1e-12));
  expect_monotone(r.elbo_trace, "small chain CAVI");
  return r.elbo_trace.back();
}

}  // namespace

TEST(BayesianHmm, CategoricalElboIsBelowTheExactLogEvidence) {
  const int64_t K = 2, V = 3, T = 9;
  const double eta = 0.7;
  RowMatrix X(T, 1);
  X << 0, 0, 1, 0, 2, 2, 1, 2, 2;
  const double evidence = log_evidence(K, T, 1.0, 1.0, [&](const std::vector<int>& z) {
    double lp = 0;
    for (int64_t k = 0; k < K; ++k) {
      std::vector<double> counts(V, eta), prior(V, eta);
      for (int64_t t = 0; t < T; ++t)
        if (z[t] == k) counts[static_cast<int64_t>(X(t, 0))] += 1;
      lp += log_beta(counts) - log_beta(prior);
    }
    return lp;
  });
  for (const LocalFactors factors : {LocalFactors::structured, LocalFactors::mean_field}) {
    double best = -INFINITY;
    for (uint64_t seed = 1; seed <= 5; ++seed) {
      BayesianHmm model(X, {}, std::make_unique<CategoricalEmission>(
                                   CategoricalEmissionOptions().num_states(K).num_symbols(V).concentration(eta)),
                        BayesianHmmOptions().local_factors(factors).mean_field_tolerance(1e-12).threads(1));
      best = std::max(best, fitted_elbo(model, seed));
    }
    EXPECT_LE(best, evidence + 1e-9);
    EXPECT_GT(best, evidence - 3.0) << "ELBO " << best << ", log evidence " << evidence;
  }
}

TEST(BayesianHmm, GaussianElboIsBelowTheExactLogEvidence) {
  // 1-D Normal–Wishart (Normal–Gamma) marginal likelihood per state (Murphy 2007, eq. 266):
  //   p(x) = π^{−n/2} Γ(ν_n/2)/Γ(ν0/2) · (W0⁻¹)^{ν0/2} / (W_n⁻¹)^{ν_n/2} · (β0/β_n)^{1/2},
  //   W_n⁻¹ = W0⁻¹ + Σ (x − x̄)² + β0 n/(β0 + n) (x̄ − m0)².
  const int64_t K = 2, T = 9;
  RowMatrix X(T, 1);
  X << -1.9, -2.3, -1.7, 0.4, 1.1, 0.9, -2.0, 1.3, 0.7;
  const double m0 = X.mean();
  const double w0_inv = (X.array() - m0).square().sum() / (T - 1);
  const double beta0 = 1.0, nu0 = 1.0;
  const double evidence = log_evidence(K, T, 1.0, 1.0, [&](const std::vector<int>& z) {
    double lp = 0;
    for (int64_t k = 0; k < K; ++k) {
      double n = 0, sum = 0;
      for (int64_t t = 0; t < T; ++t)
        if (z[t] == k) {
          n += 1;
          sum += X(t, 0);
        }
      if (n == 0) continue;
      const double mean = sum / n;
      double scatter = 0;
      for (int64_t t = 0; t < T; ++t)
        if (z[t] == k) scatter += (X(t, 0) - mean) * (X(t, 0) - mean);
      const double beta_n = beta0 + n, nu_n = nu0 + n;
      const double wn_inv = w0_inv + scatter + beta0 * n / (beta0 + n) * (mean - m0) * (mean - m0);
      lp += -0.5 * n * std::log(M_PI) + std::lgamma(0.5 * nu_n) - std::lgamma(0.5 * nu0) +
            0.5 * nu0 * std::log(w0_inv) - 0.5 * nu_n * std::log(wn_inv) + 0.5 * std::log(beta0 / beta_n);
    }
    return lp;
  });
  for (const LocalFactors factors : {LocalFactors::structured, LocalFactors::mean_field}) {
    double best = -INFINITY;
    for (uint64_t seed = 1; seed <= 5; ++seed) {
      auto emission = std::make_unique<GaussianEmission>(X, GaussianEmissionOptions().num_states(K).threads(1));
      BayesianHmm model(X, {}, std::move(emission),
                        BayesianHmmOptions().local_factors(factors).mean_field_tolerance(1e-12).threads(1));
      best = std::max(best, fitted_elbo(model, seed));
    }
    EXPECT_LE(best, evidence + 1e-9);
    EXPECT_GT(best, evidence - 3.0) << "ELBO " << best << ", log evidence " << evidence;
  }
}

TEST(BayesianHmm, CategoricalEmissionsAreRecovered) {
  KnownHmm h = three_state_gaussian();
  Eigen::MatrixXd probs(3, 5);
  probs << 0.60, 0.25, 0.05, 0.05, 0.05,  //
      0.05, 0.10, 0.70, 0.10, 0.05,       //
      0.05, 0.05, 0.05, 0.25, 0.60;
  conj::Rng sim(8);
  const SimulatedChain data = simulate_categorical_hmm(h.initial, h.transition, probs, 30'000, sim);
  double best = -INFINITY;
  Eigen::MatrixXd best_probs, best_transition;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    BayesianHmm model(data.observations, {},
                      std::make_unique<CategoricalEmission>(CategoricalEmissionOptions().num_states(3).num_symbols(5)),
                      BayesianHmmOptions().threads(2));
    conj::Rng rng(seed);
    model.initialize(rng);
    const auto r = conj::cavi(model, conj::CaviOptions().max_iterations(500).tolerance(1e-9));
    expect_monotone(r.elbo_trace, "categorical CAVI");
    if (r.elbo_trace.back() > best) {
      best = r.elbo_trace.back();
      const auto s = model.emission().summary();
      best_probs.resize(3, 5);
      for (int k = 0; k < 3; ++k)
        for (int v = 0; v < 5; ++v) best_probs(k, v) = s["probabilities_mean"][k][v].get<double>();
      best_transition = model.parameters().transition_mean;
    }
  }
  const std::vector<int> perm = match_labels(best_probs, probs);
  for (int k = 0; k < 3; ++k) {
    EXPECT_LT((best_probs.row(k) - probs.row(perm[k])).cwiseAbs().maxCoeff(), 0.03) << "state " << k;
    for (int j = 0; j < 3; ++j) EXPECT_LT(std::abs(best_transition(k, j) - h.transition(perm[k], perm[j])), 0.04);
  }
}

TEST(BayesianHmm, ScoresAndLabelsNewSequences) {
  const ReferenceFit& fit = reference_fit();
  const SimulatedChain fresh = simulate(fit.truth, 2'000, 99);
  const std::vector<int64_t> starts{0, 700, 2'000};
  const double ll = fit.model->log_likelihood(fresh.observations, starts);
  EXPECT_TRUE(std::isfinite(ll));
  const RowMatrix marg = fit.model->posterior_marginals(fresh.observations, starts);
  const std::vector<int32_t> path = fit.model->viterbi_path(fresh.observations, starts);
  const auto& emission = dynamic_cast<const GaussianEmission&>(fit.model->emission());
  const std::vector<int> perm = match_labels(emission.means(), fit.truth.means);
  int64_t hits = 0;
  for (int64_t t = 0; t < 2'000; ++t) {
    hits += perm[path[t]] == fresh.states[t];
    EXPECT_NEAR(marg.row(t).sum(), 1.0, 1e-10);
  }
  EXPECT_GT(hits, 1'900);
  EXPECT_GT(ll / 2'000.0, -3.5);
  BayesianHmm& model = *fit.model;
  model.set_heldout(fresh.observations, starts);
  EXPECT_NEAR(*model.heldout_score(), ll / 2'000.0, 1e-12);
}

TEST(BayesianHmm, BadInputIsATypedErrorNamingTheProblem) {
  RowMatrix X(4, 1);
  X << 0, 1, 1, 0;
  auto categorical = [](int64_t K, int64_t V) {
    return std::make_unique<CategoricalEmission>(CategoricalEmissionOptions().num_states(K).num_symbols(V));
  };
  EXPECT_THROW(BayesianHmm(X, {}, categorical(5, 2), {}), elbo::ConfigError);  // K > T
  EXPECT_THROW(categorical(0, 2), elbo::ConfigError);                          // K < 1
  try {
    BayesianHmm(X, {}, categorical(2, 1), {});
    FAIL() << "symbol 1 with V = 1 accepted";
  } catch (const elbo::DomainError& e) {
    EXPECT_NE(std::string(e.what()).find("step 1"), std::string::npos) << e.what();
  }
  EXPECT_THROW(BayesianHmm(X, {0, 3, 2, 4}, categorical(2, 2), {}), elbo::DomainError);  // offsets decrease
  EXPECT_THROW(BayesianHmm(X, {0, 3}, categorical(2, 2), {}), elbo::DomainError);        // do not cover T
  RowMatrix bad(3, 2);
  bad << 0, 1, NAN, 2, 3, 4;
  EXPECT_THROW(GaussianEmission(bad, GaussianEmissionOptions().num_states(2)), elbo::DomainError);
  EXPECT_THROW(BayesianHmmOptions().transition_concentration(0).validate(), elbo::ConfigError);

  EXPECT_EQ(sequence_starts_from_ids({3, 3, 5, 5, 5, 9}, "f.csv", "id"), (std::vector<int64_t>{0, 2, 5, 6}));
  try {
    sequence_starts_from_ids({1, 1, 2, 1}, "f.csv", "id");
    FAIL() << "unsorted ids accepted";
  } catch (const elbo::InputError& e) {
    EXPECT_EQ(e.line(), 5);
    EXPECT_EQ(e.field(), "id");
    EXPECT_NE(std::string(e.what()).find("f.csv"), std::string::npos) << e.what();
  }
}
