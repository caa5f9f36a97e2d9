#include "elbo/conjugate/bayes_gmm.hpp"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <Eigen/LU>

#include <algorithm>
#include <cmath>
#include <limits>

#include "elbo/conjugate/kmeans.hpp"
#include "elbo/conjugate/option_check.hpp"
#include "elbo/conjugate/parallel.hpp"
#include "elbo/conjugate/special.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/math_constants.hpp"

namespace elbo::conjugate {

namespace {
constexpr int64_t kBlockRows = 512;

double log_det_spd(const Eigen::MatrixXd& A, const char* what) {
  Eigen::LLT<Eigen::MatrixXd> llt(A);
  if (llt.info() != Eigen::Success) {
    throw NumericalError(std::string("bayes_gmm: ") + what + " is not positive definite");
  }
  return 2.0 * llt.matrixLLT().diagonal().array().log().sum();
}

// ln B(W, ν) with ln|W| given (Bishop B.79).
double log_wishart_norm(double log_det_W, double nu, int64_t D) {
  return -0.5 * nu * log_det_W - 0.5 * nu * D * kLog2 - log_multi_gamma(0.5 * nu, static_cast<int>(D));
}
}  // namespace

void BayesGmmOptions::validate() const {
  check_option_at_least("bayes_gmm", "num_components", static_cast<double>(num_components_), 1);
  check_option_at_least("bayes_gmm", "kmeans_iterations", static_cast<double>(kmeans_iterations_), 0);
}

BayesGmm::BayesGmm(const Eigen::MatrixXd& X, BayesGmmOptions options) : options_(std::move(options)) {
  options_.validate();
  K_ = options_.num_components_;
  D_ = X.cols();
  const int64_t N = X.rows();
  if (N < 2 || D_ < 1) {
    throw DomainError("bayes_gmm: need at least 2 points with at least 1 feature, got " +
                      std::to_string(N) + "×" + std::to_string(D_));
  }
  if (!X.allFinite()) throw DomainError("bayes_gmm: data contain non-finite values");
  if (K_ > N) {
    fail_option("bayes_gmm", "num_components", static_cast<double>(K_),
                "at most the number of data points (" + std::to_string(N) + ")");
  }
  threads_ = resolve_threads(options_.threads_);
  alpha0_ = options_.weight_concentration_prior_ > 0 ? options_.weight_concentration_prior_
                                                     : 1.0 / static_cast<double>(K_);
  beta0_ = options_.mean_precision_prior_ > 0 ? options_.mean_precision_prior_ : 1.0;
  nu0_ = options_.degrees_of_freedom_prior_ > 0 ? options_.degrees_of_freedom_prior_
                                                : static_cast<double>(D_);
  if (!(nu0_ > static_cast<double>(D_) - 1.0)) {
    fail_option("bayes_gmm", "degrees_of_freedom_prior", nu0_,
                "greater than D − 1 = " + std::to_string(D_ - 1));
  }
  const Eigen::VectorXd mean = X.colwise().mean().transpose();
  if (options_.mean_prior_.size() == 0) {
    m0_ = mean;
  } else {
    if (options_.mean_prior_.size() != D_) {
      fail_option("bayes_gmm", "mean_prior size", static_cast<double>(options_.mean_prior_.size()),
                  "the number of features " + std::to_string(D_));
    }
    m0_ = options_.mean_prior_;
  }
  if (options_.covariance_prior_.size() == 0) {
    const Eigen::MatrixXd centred = X.rowwise() - mean.transpose();
    W0_inv_ = centred.transpose() * centred / static_cast<double>(N - 1);
  } else {
    if (options_.covariance_prior_.rows() != D_ || options_.covariance_prior_.cols() != D_) {
      fail_option("bayes_gmm", "covariance_prior rows", static_cast<double>(options_.covariance_prior_.rows()),
                  "D×D with D = " + std::to_string(D_));
    }
    W0_inv_ = options_.covariance_prior_;
  }
  log_det_W0_inv_ = log_det_spd(W0_inv_, "covariance_prior");
  X_ = X.rowwise() - m0_.transpose();
  // A valid but uninformative state (round-robin labels); fitting starts from
  // initialize() (k-means) or initialize_from_labels().
  std::vector<int64_t> labels(static_cast<size_t>(N));
  for (int64_t n = 0; n < N; ++n) labels[static_cast<size_t>(n)] = n % K_;
  initialize_from_labels(labels);
}


void BayesGmm::initialize(Rng& rng) {
  // k-means as scikit-learn's init_params="kmeans" (kmeans.hpp).
  initialize_from_labels(kmeans_labels(X_, K_, options_.kmeans_iterations_,
                                       options_.kmeans_subsample_, threads_, rng));
}

void BayesGmm::initialize_from_labels(const std::vector<int64_t>& labels) {
  if (static_cast<int64_t>(labels.size()) != X_.rows()) {
    throw DomainError("bayes_gmm: need one label per data point");
  }
  BatchStatistics s;
  s.size = X_.rows();
  s.sufficient = Eigen::VectorXd::Zero(K_ + K_ * (D_ + D_ * D_));
  for (int64_t n = 0; n < X_.rows(); ++n) {
    const int64_t k = labels[static_cast<size_t>(n)];
    if (k < 0 || k >= K_) throw DomainError("bayes_gmm: label out of range");
    s.sufficient(k) += 1.0;
    double* s1 = s.sufficient.data() + K_ + k * (D_ + D_ * D_);
    Eigen::Map<Eigen::VectorXd>(s1, D_) += X_.row(n).transpose();
    Eigen::Map<Eigen::MatrixXd>(s1 + D_, D_, D_) += X_.row(n).transpose() * X_.row(n);
  }
  set_global_parameters(global_step(s, 1.0));
}

void BayesGmm::set_global_parameters(const Eigen::VectorXd& lambda) {
  if (lambda.size() != K_ + K_ * block()) {
    throw DomainError("bayes_gmm: global parameter vector has " + std::to_string(lambda.size()) +
                      " entries, expected " + std::to_string(K_ + K_ * block()));
  }
  lambda_ = lambda;
  alpha_ = lambda_.head(K_);
  beta_.resize(K_);
  nu_.resize(K_);
  e_log_pi_.resize(K_);
  e_log_det_.resize(K_);
  log_det_W_.resize(K_);
  means_.resize(K_, D_);
  W_.assign(static_cast<size_t>(K_), Eigen::MatrixXd());
  chol_.assign(static_cast<size_t>(K_), Eigen::MatrixXd());
  const double psi_total = fast_digamma(alpha_.sum());
  for (int64_t k = 0; k < K_; ++k) {
    const double* b = lambda_.data() + K_ + k * block();
    beta_(k) = b[0];
    const Eigen::Map<const Eigen::VectorXd> bm(b + 1, D_);
    const Eigen::Map<const Eigen::MatrixXd> psi(b + 1 + D_, D_, D_);
    nu_(k) = b[1 + D_ + D_ * D_];
    if (!(beta_(k) > 0) || !(nu_(k) > D_ - 1) || !(alpha_(k) > 0)) {
      throw NumericalError("bayes_gmm: component " + std::to_string(k) +
                           " has invalid global parameters (α, β, ν) = (" +
                           std::to_string(alpha_(k)) + ", " + std::to_string(beta_(k)) + ", " +
                           std::to_string(nu_(k)) + ")");
    }
    means_.row(k) = (bm / beta_(k)).transpose();
    Eigen::MatrixXd w_inv = psi - beta_(k) * means_.row(k).transpose() * means_.row(k);
    w_inv = 0.5 * (w_inv + w_inv.transpose());
    Eigen::LLT<Eigen::MatrixXd> llt(w_inv);
    if (llt.info() != Eigen::Success) {
      throw NumericalError("bayes_gmm: W⁻¹ of component " + std::to_string(k) +
                           " is not positive definite");
    }
    W_[k] = llt.solve(Eigen::MatrixXd::Identity(D_, D_));
    W_[k] = 0.5 * (W_[k] + W_[k].transpose());
    log_det_W_(k) = -2.0 * llt.matrixLLT().diagonal().array().log().sum();
    chol_[k] = W_[k].llt().matrixL();
    e_log_det_(k) = sum_digamma_wishart(nu_(k), static_cast<int>(D_)) + D_ * kLog2 + log_det_W_(k);
    e_log_pi_(k) = fast_digamma(alpha_(k)) - psi_total;
  }
  chol_all_.resize(D_, K_ * D_);
  chol_offset_.resize(K_ * D_);
  for (int64_t k = 0; k < K_; ++k) {
    chol_all_.middleCols(k * D_, D_) = chol_[k];
    chol_offset_.segment(k * D_, D_) = means_.row(k) * chol_[k];
  }
}

BatchStatistics BayesGmm::run_local(const Batch& batch, Eigen::MatrixXd* resp,
                                    const std::vector<double>* weights) const {
  // Per block of rows, everything is a few larger GEMMs:
  //   quadratic forms: Y = X_b [L_1 … L_K] − [m_1ᵀL_1 … m_KᵀL_K],  q_nk = ‖Y_n,k‖²;
  //   S1 = X_bᵀ R;  S2 (upper triangles) = Z_bᵀ R with z_n = vech(x_n x_nᵀ).
  const int64_t nb = static_cast<int64_t>(batch.size());
  const int64_t T = D_ * (D_ + 1) / 2;
  const int threads = static_cast<int>(std::min<int64_t>(threads_, std::max<int64_t>(1, nb / 256)));
  struct Acc {
    Eigen::VectorXd n;
    Eigen::MatrixXd s1, s2;  // D×K, T×K
    double entropy = 0.0;
  };
  std::vector<Acc> part(static_cast<size_t>(threads));
  if (resp) resp->resize(nb, K_);
  Eigen::RowVectorXd constant(K_);
  for (int64_t k = 0; k < K_; ++k) {
    constant(k) = e_log_pi_(k) + 0.5 * e_log_det_(k) - 0.5 * D_ * kLog2Pi - 0.5 * D_ / beta_(k);
  }
  parallel_for(nb, threads, [&](int t, int64_t b, int64_t e) {
    Acc acc;
    acc.n = Eigen::VectorXd::Zero(K_);
    acc.s1 = Eigen::MatrixXd::Zero(D_, K_);
    acc.s2 = Eigen::MatrixXd::Zero(T, K_);
    RowMatrix xb(kBlockRows, D_), zb(kBlockRows, T), y(kBlockRows, K_ * D_), r(kBlockRows, K_);
    std::vector<double> shifted(static_cast<size_t>(K_));
    for (int64_t start = b; start < e; start += kBlockRows) {
      const int64_t rows = std::min(kBlockRows, e - start);
      for (int64_t i = 0; i < rows; ++i) xb.row(i) = X_.row(batch[static_cast<size_t>(start + i)]);
      auto x = xb.topRows(rows);
      auto yy = y.topRows(rows);
      yy.noalias() = x * chol_all_;
      auto rr = r.topRows(rows);
      for (int64_t i = 0; i < rows; ++i) {
        const double* yi = yy.row(i).data();
        const double* off = chol_offset_.data();
        double* ri = rr.row(i).data();
        double mx = -std::numeric_limits<double>::infinity();
        for (int64_t k = 0; k < K_; ++k) {
          double q = 0.0;
          for (int64_t j = k * D_; j < (k + 1) * D_; ++j) {
            const double v = yi[j] - off[j];
            q += v * v;
          }
          ri[k] = constant(k) - 0.5 * nu_(k) * q;
          mx = std::max(mx, ri[k]);
        }
        double sum = 0.0;
        for (int64_t k = 0; k < K_; ++k) {
          shifted[k] = ri[k] - mx;
          sum += (ri[k] = std::exp(shifted[k]));
        }
        // −Σ r ln r with ln r_k = shifted_k − ln(sum): one log per point.
        const double inv = 1.0 / sum;
        double dot = 0.0;
        for (int64_t k = 0; k < K_; ++k) {
          ri[k] *= inv;
          dot += ri[k] * shifted[k];
        }
        const double w = weights ? (*weights)[static_cast<size_t>(start + i)] : 1.0;
        acc.entropy += w * (std::log(sum) - dot);
      }
      if (resp) resp->middleRows(start, rows) = rr;
      if (weights) {
        // importance weights scale each point's statistics (and its entropy term)
        for (int64_t i = 0; i < rows; ++i) {
          rr.row(i) *= (*weights)[static_cast<size_t>(start + i)];
        }
      }
      auto z = zb.topRows(rows);
      for (int64_t i = 0; i < rows; ++i) {
        int64_t c = 0;
        for (int64_t p = 0; p < D_; ++p)
          for (int64_t q = p; q < D_; ++q) z(i, c++) = x(i, p) * x(i, q);
      }
      acc.n += rr.colwise().sum().transpose();
      acc.s1.noalias() += x.transpose() * rr;
      acc.s2.noalias() += z.transpose() * rr;
    }
    part[t] = std::move(acc);
  });
  BatchStatistics out;
  out.size = nb;
  out.sufficient = Eigen::VectorXd::Zero(K_ + K_ * (D_ + D_ * D_));
  Eigen::VectorXd n = Eigen::VectorXd::Zero(K_);
  Eigen::MatrixXd s1 = Eigen::MatrixXd::Zero(D_, K_), s2 = Eigen::MatrixXd::Zero(T, K_);
  for (const auto& p : part) {
    if (p.n.size() == 0) continue;
    n += p.n;
    s1 += p.s1;
    s2 += p.s2;
    out.local_bound += p.entropy;
  }
  out.sufficient.head(K_) = n;
  for (int64_t k = 0; k < K_; ++k) {
    double* dst = out.sufficient.data() + K_ + k * (D_ + D_ * D_);
    Eigen::Map<Eigen::VectorXd>(dst, D_) = s1.col(k);
    Eigen::Map<Eigen::MatrixXd> S2(dst + D_, D_, D_);
    int64_t c = 0;
    for (int64_t p = 0; p < D_; ++p)
      for (int64_t q = p; q < D_; ++q) S2(p, q) = S2(q, p) = s2(c++, k);
  }
  return out;
}

void BayesGmm::local_step(const Batch& batch) { run_local(batch, &resp_); }

BatchStatistics BayesGmm::expected_statistics(const Batch& batch) const {
  // The optimal responsibilities are a closed-form function of λ, so the
  // statistics of the current local factors are recomputed from λ.
  return run_local(batch, nullptr);
}

BatchStatistics BayesGmm::weighted_statistics(const Batch& batch, const std::vector<double>& weights) {
  if (weights.size() != batch.size()) throw DomainError("bayes_gmm: one weight per batch point is needed");
  return run_local(batch, nullptr, &weights);
}

BatchStatistics BayesGmm::local_step_statistics(const Batch& batch) {
  return run_local(batch, nullptr);
}

Eigen::VectorXd BayesGmm::global_step(const BatchStatistics& stats, double scale) const {
  Eigen::VectorXd out(K_ + K_ * block());
  for (int64_t k = 0; k < K_; ++k) {
    const double nk = scale * stats.sufficient(k);
    const double* s1 = stats.sufficient.data() + K_ + k * (D_ + D_ * D_);
    double* b = out.data() + K_ + k * block();
    out(k) = alpha0_ + nk;
    b[0] = beta0_ + nk;
    Eigen::Map<Eigen::VectorXd>(b + 1, D_) = scale * Eigen::Map<const Eigen::VectorXd>(s1, D_);
    Eigen::Map<Eigen::MatrixXd>(b + 1 + D_, D_, D_) =
        W0_inv_ + scale * Eigen::Map<const Eigen::MatrixXd>(s1 + D_, D_, D_);
    b[1 + D_ + D_ * D_] = nu0_ + nk;
  }
  return out;
}

void BayesGmm::project_statistics(BatchStatistics& stats) const {
  const int64_t D1 = D_ + 1;
  for (int64_t k = 0; k < K_; ++k) {
    double* s1 = stats.sufficient.data() + K_ + k * (D_ + D_ * D_);
    Eigen::Map<Eigen::VectorXd> S1(s1, D_);
    Eigen::Map<Eigen::MatrixXd> S2(s1 + D_, D_, D_);
    Eigen::MatrixXd A(D1, D1);
    A.topLeftCorner(D_, D_) = 0.5 * (S2 + S2.transpose());
    A.topRightCorner(D_, 1) = S1;
    A.bottomLeftCorner(1, D_) = S1.transpose();
    A(D_, D_) = stats.sufficient(k);
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(A);
    if (eig.info() != Eigen::Success) {
      throw NumericalError("bayes_gmm: eigendecomposition of the moment matrix of component " +
                           std::to_string(k) + " failed");
    }
    if (eig.eigenvalues().minCoeff() >= 0.0) continue;  // already valid: leave it exact
    const Eigen::MatrixXd& V = eig.eigenvectors();
    A = V * eig.eigenvalues().cwiseMax(0.0).asDiagonal() * V.transpose();
    S2 = 0.5 * (A.topLeftCorner(D_, D_) + A.topLeftCorner(D_, D_).transpose());
    S1 = 0.5 * (A.topRightCorner(D_, 1) + A.bottomLeftCorner(1, D_).transpose());
    stats.sufficient(k) = std::max(A(D_, D_), 0.0);
  }
}

double BayesGmm::elbo(const BatchStatistics& full) const {
  const double D = static_cast<double>(D_);
  double e_lik = 0, e_z = 0, e_pi = 0, e_mu_lambda = 0, q_pi = 0, q_mu_lambda = 0;
  const double log_B0 = log_wishart_norm(-log_det_W0_inv_, nu0_, D_);
  for (int64_t k = 0; k < K_; ++k) {
    const double nk = full.sufficient(k);
    const double* s1p = full.sufficient.data() + K_ + k * (D_ + D_ * D_);
    const Eigen::Map<const Eigen::VectorXd> s1(s1p, D_);
    const Eigen::Map<const Eigen::MatrixXd> s2(s1p + D_, D_, D_);
    const Eigen::VectorXd m = means_.row(k).transpose();
    // Σ_n r_nk (x_n − m)(x_n − m)ᵀ
    const Eigen::MatrixXd scatter = s2 - s1 * m.transpose() - m * s1.transpose() + nk * m * m.transpose();
    e_lik += nk * (0.5 * e_log_det_(k) - 0.5 * D * kLog2Pi - 0.5 * D / beta_(k)) -
             0.5 * nu_(k) * (W_[k].cwiseProduct(scatter)).sum();
    e_z += nk * e_log_pi_(k);
    e_mu_lambda += 0.5 * (D * std::log(beta0_ / (2 * M_PI)) + e_log_det_(k) - D * beta0_ / beta_(k) -
                          beta0_ * nu_(k) * m.dot(W_[k] * m)) +
                   log_B0 + 0.5 * (nu0_ - D - 1) * e_log_det_(k) -
                   0.5 * nu_(k) * (W0_inv_.cwiseProduct(W_[k])).sum();
    const double log_Bk = log_wishart_norm(log_det_W_(k), nu_(k), D_);
    const double h_lambda = -log_Bk - 0.5 * (nu_(k) - D - 1) * e_log_det_(k) + 0.5 * nu_(k) * D;
    q_mu_lambda += 0.5 * e_log_det_(k) + 0.5 * D * std::log(beta_(k) / (2 * M_PI)) - 0.5 * D - h_lambda;
  }
  const double Kd = static_cast<double>(K_);
  e_pi = std::lgamma(Kd * alpha0_) - Kd * std::lgamma(alpha0_) + (alpha0_ - 1) * e_log_pi_.sum();
  q_pi = std::lgamma(alpha_.sum());
  for (int64_t k = 0; k < K_; ++k) q_pi += -std::lgamma(alpha_(k)) + (alpha_(k) - 1) * e_log_pi_(k);
  return e_lik + e_z + e_pi + e_mu_lambda + full.local_bound - q_pi - q_mu_lambda;
}

void BayesGmm::set_heldout(const Eigen::MatrixXd& X) {
  if (X.cols() != D_) throw DomainError("bayes_gmm: held-out data have the wrong number of columns");
  heldout_ = X.rowwise() - m0_.transpose();
}

std::optional<double> BayesGmm::heldout_score() const {
  if (heldout_.rows() == 0) return std::nullopt;
  // Student-t mixture (Bishop 10.81–10.82): St(x | m_k, L_k, ν_k + 1 − D),
  // L_k = (ν_k + 1 − D) β_k / (1 + β_k) W_k.
  const double D = static_cast<double>(D_);
  Eigen::VectorXd logc(K_), dof(K_), scale(K_);
  for (int64_t k = 0; k < K_; ++k) {
    dof(k) = nu_(k) + 1 - D;
    scale(k) = dof(k) * beta_(k) / (1 + beta_(k));
    const double log_det_L = D * std::log(scale(k)) + log_det_W_(k);
    logc(k) = std::log(alpha_(k) / alpha_.sum()) + std::lgamma(0.5 * (dof(k) + D)) -
              std::lgamma(0.5 * dof(k)) - 0.5 * D * std::log(dof(k) * M_PI) + 0.5 * log_det_L;
  }
  double total = 0.0;
  std::vector<double> lp(static_cast<size_t>(K_));
  for (Eigen::Index n = 0; n < heldout_.rows(); ++n) {
    double mx = -std::numeric_limits<double>::infinity();
    for (int64_t k = 0; k < K_; ++k) {
      const Eigen::RowVectorXd y = (heldout_.row(n) - means_.row(k)) * chol_[k];
      const double q = scale(k) * y.squaredNorm();
      lp[k] = logc(k) - 0.5 * (dof(k) + D) * std::log1p(q / dof(k));
      mx = std::max(mx, lp[k]);
    }
    double s = 0.0;
    for (int64_t k = 0; k < K_; ++k) s += std::exp(lp[k] - mx);
    total += mx + std::log(s);
  }
  return total / static_cast<double>(heldout_.rows());
}

GmmSummary BayesGmm::summary() const {
  GmmSummary s;
  s.alpha = alpha_;
  s.beta = beta_;
  s.nu = nu_;
  s.weights = alpha_ / alpha_.sum();
  s.means = means_.rowwise() + m0_.transpose();
  for (int64_t k = 0; k < K_; ++k) {
    s.covariances.push_back((nu_(k) * W_[k]).inverse());
  }
  return s;
}

}  // namespace elbo::conjugate
