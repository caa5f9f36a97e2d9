#include "elbo/hmm/gaussian_emission.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>

#include <cmath>
#include <random>

#include "elbo/conjugate/kmeans.hpp"
#include "elbo/conjugate/option_check.hpp"
#include "elbo/conjugate/parallel.hpp"
#include "elbo/conjugate/special.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/math_constants.hpp"

namespace elbo::hmm {

namespace {
constexpr int64_t kHmmKmeansIterations = 100;

// ln B(W, ν) with ln|W| given (Bishop B.79).
double log_wishart_normalizer(double log_det_W, double nu, int64_t D) {
  return -0.5 * nu * log_det_W - 0.5 * nu * static_cast<double>(D) * kLog2 -
         conjugate::log_multi_gamma(0.5 * nu, static_cast<int>(D));
}
}  // namespace

void GaussianEmissionOptions::validate() const {
  conjugate::check_option_at_least("hmm gaussian emission", "num_states", static_cast<double>(num_states_), 1);
}

GaussianEmission::GaussianEmission(const RowMatrix& X, GaussianEmissionOptions options) {
  options.validate();
  K_ = options.num_states_;
  D_ = X.cols();
  const int64_t T = X.rows();
  if (T < 2 || D_ < 1) {
    throw DomainError("hmm gaussian emission: need at least 2 steps with at least 1 column, got " +
                      std::to_string(T) + "×" + std::to_string(D_));
  }
  if (!X.allFinite()) throw DomainError("hmm gaussian emission: data contain non-finite values");
  threads_ = conjugate::resolve_threads(options.threads_);
  beta0_ = options.mean_precision_prior_ > 0 ? options.mean_precision_prior_ : 1.0;
  nu0_ = options.degrees_of_freedom_prior_ > 0 ? options.degrees_of_freedom_prior_ : static_cast<double>(D_);
  if (!(nu0_ > static_cast<double>(D_) - 1.0)) {
    conjugate::fail_option("hmm gaussian emission", "degrees_of_freedom_prior", nu0_,
                           "greater than D − 1 = " + std::to_string(D_ - 1));
  }
  const Eigen::VectorXd mean = X.colwise().mean().transpose();
  m0_ = options.mean_prior_.size() == 0 ? mean : options.mean_prior_;
  if (m0_.size() != D_) {
    conjugate::fail_option("hmm gaussian emission", "mean_prior size", static_cast<double>(m0_.size()),
                           "the number of columns " + std::to_string(D_));
  }
  if (options.covariance_prior_.size() == 0) {
    const RowMatrix centred = X.rowwise() - mean.transpose();
    W0_inv_ = centred.transpose() * centred / static_cast<double>(T - 1);
  } else {
    W0_inv_ = options.covariance_prior_;
  }
  if (W0_inv_.rows() != D_ || W0_inv_.cols() != D_) {
    conjugate::fail_option("hmm gaussian emission", "covariance_prior rows", static_cast<double>(W0_inv_.rows()),
                           "D×D with D = " + std::to_string(D_));
  }
  Eigen::LLT<Eigen::MatrixXd> llt(W0_inv_);
  if (llt.info() != Eigen::Success) {
    throw DomainError("hmm gaussian emission: the covariance prior (default: the data covariance) is not "
                      "positive definite; is a column constant?");
  }
  log_det_W0_inv_ = 2.0 * llt.matrixLLT().diagonal().array().log().sum();
  // Start at the prior (valid); fitting starts from the model's initialize().
  Eigen::VectorXd zero = Eigen::VectorXd::Zero(statistic_size());
  Eigen::VectorXd lambda(parameter_size());
  global_step(zero.data(), 1.0, lambda.data());
  set_parameters(lambda.data());
}

RowMatrix GaussianEmission::prepare(const RowMatrix& X, const std::string& what) const {
  if (X.cols() != D_) {
    throw DomainError(what + ": has " + std::to_string(X.cols()) + " columns, the model " + std::to_string(D_));
  }
  for (Eigen::Index t = 0; t < X.rows(); ++t) {
    if (!X.row(t).allFinite()) throw DomainError(what + ": step " + std::to_string(t) + " is not finite");
  }
  return X.rowwise() - m0_.transpose();
}

void GaussianEmission::set_parameters(const double* lambda) {
  beta_.resize(K_);
  nu_.resize(K_);
  e_log_det_.resize(K_);
  log_det_W_.resize(K_);
  expected_constant_.resize(K_);
  plugin_constant_.resize(K_);
  means_.resize(K_, D_);
  W_.assign(static_cast<size_t>(K_), Eigen::MatrixXd());
  W_inv_.assign(static_cast<size_t>(K_), Eigen::MatrixXd());
  chol_all_.resize(D_, K_ * D_);
  chol_offset_.resize(K_ * D_);
  const double D = static_cast<double>(D_);
  for (int64_t k = 0; k < K_; ++k) {
    const double* b = lambda + k * block();
    beta_(k) = b[0];
    nu_(k) = b[1 + D_ + D_ * D_];
    if (!(beta_(k) > 0) || !(nu_(k) > D - 1)) {
      throw NumericalError("hmm gaussian emission: state " + std::to_string(k) +
                           " has invalid Normal–Wishart parameters (β, ν) = (" + std::to_string(beta_(k)) +
                           ", " + std::to_string(nu_(k)) + ")");
    }
    const Eigen::Map<const Eigen::VectorXd> bm(b + 1, D_);
    const Eigen::Map<const Eigen::MatrixXd> psi(b + 1 + D_, D_, D_);
    means_.row(k) = (bm / beta_(k)).transpose();
    Eigen::MatrixXd w_inv = psi - beta_(k) * means_.row(k).transpose() * means_.row(k);
    w_inv = 0.5 * (w_inv + w_inv.transpose());
    Eigen::LLT<Eigen::MatrixXd> llt(w_inv);
    if (llt.info() != Eigen::Success) {
      throw NumericalError("hmm gaussian emission: W⁻¹ of state " + std::to_string(k) + " is not positive definite");
    }
    W_inv_[k] = w_inv;
    W_[k] = llt.solve(Eigen::MatrixXd::Identity(D_, D_));
    W_[k] = 0.5 * (W_[k] + W_[k].transpose());
    log_det_W_(k) = -2.0 * llt.matrixLLT().diagonal().array().log().sum();
    const Eigen::MatrixXd L = W_[k].llt().matrixL();
    chol_all_.middleCols(k * D_, D_) = L;
    chol_offset_.segment(k * D_, D_) = means_.row(k) * L;
    e_log_det_(k) = conjugate::sum_digamma_wishart(nu_(k), static_cast<int>(D_)) + D * kLog2 + log_det_W_(k);
    expected_constant_(k) = 0.5 * e_log_det_(k) - 0.5 * D * kLog2Pi - 0.5 * D / beta_(k);
    plugin_constant_(k) = 0.5 * (D * std::log(nu_(k)) + log_det_W_(k)) - 0.5 * D * kLog2Pi;
  }
}

void GaussianEmission::quadratic_forms(const RowMatrix& X, int64_t begin, int64_t end, double* out) const {
  const int64_t KD = K_ * D_;
  std::vector<double> y(static_cast<size_t>(KD));
  const double* L = chol_all_.data();  // column-major D × KD
  const double* off = chol_offset_.data();
  for (int64_t t = begin; t < end; ++t) {
    const double* x = X.data() + t * D_;
    for (int64_t c = 0; c < KD; ++c) {
      const double* col = L + c * D_;
      double s = -off[c];
      for (int64_t d = 0; d < D_; ++d) s += x[d] * col[d];
      y[static_cast<size_t>(c)] = s;
    }
    double* o = out + (t - begin) * K_;
    for (int64_t k = 0; k < K_; ++k) {
      double q = 0.0;
      for (int64_t d = k * D_; d < (k + 1) * D_; ++d) q += y[static_cast<size_t>(d)] * y[static_cast<size_t>(d)];
      o[k] = q;
    }
  }
}

void GaussianEmission::expected_log_likelihood(const RowMatrix& X, int64_t begin, int64_t end, double* out) const {
  quadratic_forms(X, begin, end, out);
  for (int64_t t = 0; t < end - begin; ++t) {
    double* o = out + t * K_;
    for (int64_t k = 0; k < K_; ++k) o[k] = expected_constant_(k) - 0.5 * nu_(k) * o[k];
  }
}

void GaussianEmission::plugin_log_likelihood(const RowMatrix& X, int64_t begin, int64_t end, double* out) const {
  quadratic_forms(X, begin, end, out);
  for (int64_t t = 0; t < end - begin; ++t) {
    double* o = out + t * K_;
    for (int64_t k = 0; k < K_; ++k) o[k] = plugin_constant_(k) - 0.5 * nu_(k) * o[k];
  }
}

void GaussianEmission::accumulate(const RowMatrix& X, int64_t begin, int64_t end, const double* weights,
                                  double* stats) const {
  // Upper triangles first (D(D+1)/2 products a step), mirrored at the end.
  for (int64_t t = begin; t < end; ++t) {
    const double* x = X.data() + t * D_;
    const double* w = weights + (t - begin) * K_;
    for (int64_t k = 0; k < K_; ++k) {
      const double r = w[k];
      if (r == 0.0) continue;
      double* s = stats + k * stat_block();
      s[0] += r;
      for (int64_t p = 0; p < D_; ++p) {
        const double rx = r * x[p];
        s[1 + p] += rx;
        double* s2col = s + 1 + D_ + p * D_;  // column p of S2 (column-major)
        for (int64_t q = 0; q <= p; ++q) s2col[q] += rx * x[q];
      }
    }
  }
  for (int64_t k = 0; k < K_; ++k) {
    // The caller's stats may hold earlier contributions: only lower ← upper copies.
    double* s2 = stats + k * stat_block() + 1 + D_;
    for (int64_t p = 0; p < D_; ++p)
      for (int64_t q = 0; q < p; ++q) s2[q * D_ + p] = s2[p * D_ + q];
  }
}

void GaussianEmission::global_step(const double* stats, double scale, double* lambda) const {
  for (int64_t k = 0; k < K_; ++k) {
    const double* s = stats + k * stat_block();
    double* b = lambda + k * block();
    const double nk = scale * s[0];
    b[0] = beta0_ + nk;
    for (int64_t d = 0; d < D_; ++d) b[1 + d] = scale * s[1 + d];
    Eigen::Map<Eigen::MatrixXd>(b + 1 + D_, D_, D_) =
        W0_inv_ + scale * Eigen::Map<const Eigen::MatrixXd>(s + 1 + D_, D_, D_);
    b[1 + D_ + D_ * D_] = nu0_ + nk;
  }
}

void GaussianEmission::project_statistics(double* stats) const {
  const int64_t D1 = D_ + 1;
  for (int64_t k = 0; k < K_; ++k) {
    double* s = stats + k * stat_block();
    Eigen::Map<Eigen::VectorXd> S1(s + 1, D_);
    Eigen::Map<Eigen::MatrixXd> S2(s + 1 + D_, D_, D_);
    Eigen::MatrixXd A(D1, D1);
    A.topLeftCorner(D_, D_) = 0.5 * (S2 + S2.transpose());
    A.topRightCorner(D_, 1) = S1;
    A.bottomLeftCorner(1, D_) = S1.transpose();
    A(D_, D_) = s[0];
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(A);
    if (eig.info() != Eigen::Success) {
      throw NumericalError("hmm gaussian emission: eigendecomposition of the moment matrix of state " +
                           std::to_string(k) + " failed");
    }
    if (eig.eigenvalues().minCoeff() >= 0.0) continue;
    const Eigen::MatrixXd& V = eig.eigenvectors();
    A = V * eig.eigenvalues().cwiseMax(0.0).asDiagonal() * V.transpose();
    S2 = 0.5 * (A.topLeftCorner(D_, D_) + A.topLeftCorner(D_, D_).transpose());
    S1 = 0.5 * (A.topRightCorner(D_, 1) + A.bottomLeftCorner(1, D_).transpose());
    s[0] = std::max(A(D_, D_), 0.0);
  }
}

double GaussianEmission::expected_log_joint(const double* stats) const {
  double total = 0.0;
  for (int64_t k = 0; k < K_; ++k) {
    const double* s = stats + k * stat_block();
    const double nk = s[0];
    const Eigen::Map<const Eigen::VectorXd> s1(s + 1, D_);
    const Eigen::Map<const Eigen::MatrixXd> s2(s + 1 + D_, D_, D_);
    const Eigen::VectorXd m = means_.row(k).transpose();
    const Eigen::VectorXd Wm = W_[k] * m;
    // Σ_t r_tk (x_t − m)ᵀ W (x_t − m) = tr(W S2) − 2 mᵀW S1 + N mᵀW m
    const double quad = W_[k].cwiseProduct(s2).sum() - 2.0 * Wm.dot(s1) + nk * m.dot(Wm);
    total += nk * expected_constant_(k) - 0.5 * nu_(k) * quad;
  }
  return total;
}

double GaussianEmission::kl_divergence() const {
  // E_q log q(μ, Λ) − E_q log p(μ, Λ), Bishop (10.74) and (10.77), with m0 = 0.
  const double D = static_cast<double>(D_);
  const double log_B0 = log_wishart_normalizer(-log_det_W0_inv_, nu0_, D_);
  double kl = 0.0;
  for (int64_t k = 0; k < K_; ++k) {
    const Eigen::VectorXd m = means_.row(k).transpose();
    const double e_log_prior =
        0.5 * (D * std::log(beta0_ / (2 * M_PI)) + e_log_det_(k) - D * beta0_ / beta_(k) -
               beta0_ * nu_(k) * m.dot(W_[k] * m)) +
        log_B0 + 0.5 * (nu0_ - D - 1) * e_log_det_(k) - 0.5 * nu_(k) * W0_inv_.cwiseProduct(W_[k]).sum();
    const double log_Bk = log_wishart_normalizer(log_det_W_(k), nu_(k), D_);
    const double entropy_lambda = -log_Bk - 0.5 * (nu_(k) - D - 1) * e_log_det_(k) + 0.5 * nu_(k) * D;
    const double e_log_q = 0.5 * e_log_det_(k) + 0.5 * D * std::log(beta_(k) / (2 * M_PI)) - 0.5 * D - entropy_lambda;
    kl += e_log_q - e_log_prior;
  }
  return kl;
}

std::vector<int64_t> GaussianEmission::initial_labels(const RowMatrix& X, conjugate::Rng& rng) const {
  return conjugate::kmeans_labels(X, K_, kHmmKmeansIterations, 0, threads_, rng);
}

void GaussianEmission::random_parameters(const RowMatrix& X, conjugate::Rng& rng, double* lambda) const {
  // Each state as if T/K steps sat at a random data point with the prior's spread.
  std::uniform_int_distribution<Eigen::Index> pick(0, X.rows() - 1);
  const double mass = static_cast<double>(X.rows()) / static_cast<double>(K_);
  Eigen::VectorXd stats = Eigen::VectorXd::Zero(statistic_size());
  for (int64_t k = 0; k < K_; ++k) {
    const Eigen::VectorXd x = X.row(pick(rng)).transpose();
    double* s = stats.data() + k * stat_block();
    s[0] = mass;
    Eigen::Map<Eigen::VectorXd>(s + 1, D_) = mass * x;
    Eigen::Map<Eigen::MatrixXd>(s + 1 + D_, D_, D_) = mass * (x * x.transpose() + W0_inv_);
  }
  global_step(stats.data(), 1.0, lambda);
}

Eigen::MatrixXd GaussianEmission::means() const { return means_.rowwise() + m0_.transpose(); }

std::vector<Eigen::MatrixXd> GaussianEmission::covariances() const {
  std::vector<Eigen::MatrixXd> out;
  for (int64_t k = 0; k < K_; ++k) out.push_back(W_inv_[k] / nu_(k));
  return out;
}

nlohmann::json GaussianEmission::summary() const {
  auto matrix = [](const Eigen::MatrixXd& m) {
    nlohmann::json rows = nlohmann::json::array();
    for (Eigen::Index i = 0; i < m.rows(); ++i) {
      std::vector<double> row(static_cast<size_t>(m.cols()));
      for (Eigen::Index j = 0; j < m.cols(); ++j) row[static_cast<size_t>(j)] = m(i, j);
      rows.push_back(row);
    }
    return rows;
  };
  const Eigen::MatrixXd mu = means();
  const auto cov = covariances();
  nlohmann::json covs = nlohmann::json::array(), scale_inv = nlohmann::json::array(),
                 mean_sd = nlohmann::json::array();
  const double D = static_cast<double>(D_);
  for (int64_t k = 0; k < K_; ++k) {
    covs.push_back(matrix(cov[static_cast<size_t>(k)]));
    scale_inv.push_back(matrix(W_inv_[static_cast<size_t>(k)]));
    // Cov(μ_k) = E[(β Λ)⁻¹] = W⁻¹ / (β (ν − D − 1)), finite for ν > D + 1.
    if (nu_(k) > D + 1) {
      const Eigen::VectorXd sd = (W_inv_[static_cast<size_t>(k)].diagonal() / (beta_(k) * (nu_(k) - D - 1))).cwiseSqrt();
      mean_sd.push_back(std::vector<double>(sd.data(), sd.data() + sd.size()));
    } else {
      mean_sd.push_back(nullptr);
    }
  }
  return {{"type", "gaussian"},
          {"dim", D_},
          {"means", matrix(mu)},
          {"means_sd", mean_sd},
          {"covariances", covs},
          {"mean_precision", std::vector<double>(beta_.data(), beta_.data() + K_)},
          {"degrees_of_freedom", std::vector<double>(nu_.data(), nu_.data() + K_)},
          {"scale_inverse", scale_inv},
          {"prior", {{"mean", std::vector<double>(m0_.data(), m0_.data() + D_)},
                     {"mean_precision", beta0_},
                     {"degrees_of_freedom", nu0_},
                     {"scale_inverse", matrix(W0_inv_)}}}};
}

}  // namespace elbo::hmm
