#include "elbo/conjugate/variational_gmm.hpp"

#include <Eigen/Cholesky>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "elbo/conjugate/parallel.hpp"
#include "elbo/conjugate/special.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/math_constants.hpp"

namespace elbo::conjugate {

namespace {

constexpr int64_t kBlockRows = 512;
// scikit-learn's message for a collapsed component (ValueError in Python).
const char* const kIllDefined =
    "Fitting the mixture model failed because some components have ill-defined empirical covariance "
    "(for instance caused by singleton or collapsed samples). Try to decrease the number of components, "
    "or increase reg_covar.";

int64_t s2_rows(CovarianceType type, int64_t K, int64_t D) {
  switch (type) {
    case CovarianceType::full: return K * D;
    case CovarianceType::tied: return D;
    default: return K;
  }
}

int64_t cov_rows(CovarianceType type, int64_t K, int64_t D) { return s2_rows(type, K, D); }
int64_t cov_cols(CovarianceType type, int64_t D) { return type == CovarianceType::spherical ? 1 : D; }

VgmmStatistics zero_statistics(CovarianceType type, int64_t K, int64_t D) {
  VgmmStatistics s;
  s.nk = Eigen::VectorXd::Zero(K);
  s.s1 = RowMatrixXd::Zero(K, D);
  s.s2 = RowMatrixXd::Zero(s2_rows(type, K, D), type == CovarianceType::full || type == CovarianceType::tied ? D : D);
  return s;
}

void add(VgmmStatistics& into, const VgmmStatistics& s) {
  into.nk += s.nk;
  into.s1 += s.s1;
  into.s2 += s.s2;
  into.entropy += s.entropy;
  into.log_prob_norm += s.log_prob_norm;
}

// Accumulates a block's moments: rows x (centred, b×D) with weights r (b×K).
// z is scratch for vech(x xᵀ) (full covariances).
void accumulate(CovarianceType type, const RowMatrixXd& x, const RowMatrixXd& r, RowMatrixXd& z,
                VgmmStatistics& acc) {
  const int64_t rows = x.rows(), D = x.cols(), K = r.cols();
  acc.nk += r.colwise().sum().transpose();
  acc.s1.noalias() += r.transpose() * x;
  switch (type) {
    case CovarianceType::full: {
      const int64_t T = D * (D + 1) / 2;
      z.resize(rows, T);
      for (int64_t i = 0; i < rows; ++i) {
        int64_t c = 0;
        for (int64_t p = 0; p < D; ++p)
          for (int64_t q = p; q < D; ++q) z(i, c++) = x(i, p) * x(i, q);
      }
      const RowMatrixXd zr = r.transpose() * z;  // K×T
      for (int64_t k = 0; k < K; ++k) {
        int64_t c = 0;
        for (int64_t p = 0; p < D; ++p)
          for (int64_t q = p; q < D; ++q) {
            acc.s2(k * D + p, q) += zr(k, c);
            if (q != p) acc.s2(k * D + q, p) += zr(k, c);
            ++c;
          }
      }
      break;
    }
    case CovarianceType::tied:
      acc.s2.noalias() += x.transpose() * x;
      break;
    default:
      acc.s2.noalias() += r.transpose() * x.cwiseProduct(x);
      break;
  }
}

// Everything the E-step needs from the state, with the means centred at `shift`:
// log r_nk + const = c_k − ½ q_nk.
struct Derived {
  CovarianceType type;
  int64_t K, D;
  Eigen::RowVectorXd constant;  // K
  Eigen::MatrixXd P_all;        // full D×KD, tied D×D
  Eigen::RowVectorXd offset;    // full KD, tied KD (μ_k P)
  RowMatrixXd prec, mu_prec;    // diag K×D; spherical prec K×1
  Eigen::RowVectorXd mu_sq;     // Σ_d μ² prec (diag) or ‖μ‖² (spherical)
};

Eigen::VectorXd expected_log_weights(WeightPriorType wp, const VgmmState& s) {
  const int64_t K = s.concentration_a.size();
  Eigen::VectorXd out(K);
  if (wp == WeightPriorType::dirichlet_process) {
    double cumulative = 0.0;  // Σ_{j<k} ψ(b_j) − ψ(a_j + b_j)
    for (int64_t k = 0; k < K; ++k) {
      const double psi_sum = fast_digamma(s.concentration_a(k) + s.concentration_b(k));
      out(k) = fast_digamma(s.concentration_a(k)) - psi_sum + cumulative;
      cumulative += fast_digamma(s.concentration_b(k)) - psi_sum;
    }
  } else {
    const double psi_total = fast_digamma(s.concentration_a.sum());
    for (int64_t k = 0; k < K; ++k) out(k) = fast_digamma(s.concentration_a(k)) - psi_total;
  }
  return out;
}

void check_state(CovarianceType type, WeightPriorType wp, const VgmmState& s) {
  const int64_t K = s.means.rows(), D = s.means.cols();
  const bool ok = s.concentration_a.size() == K &&
                  (wp == WeightPriorType::dirichlet_distribution || s.concentration_b.size() == K) &&
                  s.mean_precision.size() == K &&
                  s.degrees_of_freedom.size() == (type == CovarianceType::tied ? 1 : K) &&
                  s.precisions_cholesky.rows() == cov_rows(type, K, D) &&
                  s.precisions_cholesky.cols() == cov_cols(type, D);
  if (!ok) throw DomainError("variational_gmm: the fitted parameters have inconsistent shapes");
}

Derived derive(CovarianceType type, WeightPriorType wp, const VgmmState& s, const Eigen::VectorXd& shift) {
  check_state(type, wp, s);
  Derived d;
  d.type = type;
  d.K = s.means.rows();
  d.D = s.means.cols();
  const int64_t K = d.K, D = d.D;
  if (shift.size() != D) throw DomainError("variational_gmm: shift has the wrong size");
  const RowMatrixXd mu = s.means.rowwise() - shift.transpose();
  const Eigen::VectorXd elog_pi = expected_log_weights(wp, s);
  d.constant.resize(K);
  const auto& P = s.precisions_cholesky;
  for (int64_t k = 0; k < K; ++k) {
    const double nu = s.degrees_of_freedom(type == CovarianceType::tied ? 0 : k);
    double log_det = 0.0;  // log |det P_k|
    switch (type) {
      case CovarianceType::full:
        for (int64_t i = 0; i < D; ++i) log_det += std::log(P(k * D + i, i));
        break;
      case CovarianceType::tied:
        for (int64_t i = 0; i < D; ++i) log_det += std::log(P(i, i));
        break;
      case CovarianceType::diag:
        for (int64_t i = 0; i < D; ++i) log_det += std::log(P(k, i));
        break;
      case CovarianceType::spherical:
        log_det = static_cast<double>(D) * std::log(P(k, 0));
        break;
    }
    double log_lambda = static_cast<double>(D) * kLog2;
    for (int64_t i = 0; i < D; ++i) log_lambda += fast_digamma(0.5 * (nu - static_cast<double>(i)));
    d.constant(k) = elog_pi(k) + log_det - 0.5 * D * kLog2Pi - 0.5 * D * std::log(nu) +
                    0.5 * (log_lambda - static_cast<double>(D) / s.mean_precision(k));
  }
  switch (type) {
    case CovarianceType::full:
      d.P_all.resize(D, K * D);
      d.offset.resize(K * D);
      for (int64_t k = 0; k < K; ++k) {
        d.P_all.middleCols(k * D, D) = P.middleRows(k * D, D);
        d.offset.segment(k * D, D) = mu.row(k) * P.middleRows(k * D, D);
      }
      break;
    case CovarianceType::tied:
      d.P_all = P;
      d.offset.resize(K * D);
      for (int64_t k = 0; k < K; ++k) d.offset.segment(k * D, D) = mu.row(k) * P;
      break;
    case CovarianceType::diag:
      d.prec = P.cwiseProduct(P);
      d.mu_prec = mu.cwiseProduct(d.prec);
      d.mu_sq = mu.cwiseProduct(d.mu_prec).rowwise().sum().transpose();
      break;
    case CovarianceType::spherical:
      d.prec = P.cwiseProduct(P);
      d.mu_sq = mu.rowwise().squaredNorm().transpose();
      d.mu_prec = mu;
      break;
  }
  return d;
}

// Weighted log probabilities of a block of centred rows into wlp (b×K).
void weighted_log_prob(const Derived& d, const RowMatrixXd& x, RowMatrixXd& y, RowMatrixXd& wlp) {
  const int64_t rows = x.rows(), K = d.K, D = d.D;
  wlp.resize(rows, K);
  switch (d.type) {
    case CovarianceType::full:
    case CovarianceType::tied: {
      y.noalias() = x * d.P_all;  // b×KD (full) or b×D (tied)
      const bool tied = d.type == CovarianceType::tied;
      for (int64_t i = 0; i < rows; ++i) {
        for (int64_t k = 0; k < K; ++k) {
          const double* yi = y.row(i).data() + (tied ? 0 : k * D);
          const double* off = d.offset.data() + k * D;
          double q = 0.0;
          for (int64_t j = 0; j < D; ++j) {
            const double v = yi[j] - off[j];
            q += v * v;
          }
          wlp(i, k) = d.constant(k) - 0.5 * q;
        }
      }
      break;
    }
    case CovarianceType::diag: {
      wlp.noalias() = x.cwiseProduct(x) * d.prec.transpose();
      wlp.noalias() -= 2.0 * x * d.mu_prec.transpose();
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t k = 0; k < K; ++k) wlp(i, k) = d.constant(k) - 0.5 * std::max(0.0, wlp(i, k) + d.mu_sq(k));
      break;
    }
    case CovarianceType::spherical: {
      wlp.noalias() = -2.0 * x * d.mu_prec.transpose();
      const Eigen::VectorXd sq = x.rowwise().squaredNorm();
      for (int64_t i = 0; i < rows; ++i)
        for (int64_t k = 0; k < K; ++k)
          wlp(i, k) = d.constant(k) - 0.5 * d.prec(k, 0) * std::max(0.0, wlp(i, k) + sq(i) + d.mu_sq(k));
      break;
    }
  }
}

// exp(v), flushed to 0 below the smallest normal double: responsibilities of far
// components would otherwise be subnormal, and arithmetic on subnormals is ~100×
// slower (their contributions are below 1e-300 anyway).
inline double exp_flushed(double v) { return v < -700.0 ? 0.0 : std::exp(v); }

// In place: wlp → log r, returning Σ_n log-normaliser; the entropy −Σ r ln r and
// r = exp(log r) (into resp) optionally.
double normalise(RowMatrixXd& wlp, Eigen::VectorXd* lpn, int64_t lpn_offset, double* entropy,
                 RowMatrixXd* resp = nullptr) {
  double total = 0.0;
  const int64_t K = wlp.cols();
  if (resp) resp->resize(wlp.rows(), K);
  for (int64_t i = 0; i < wlp.rows(); ++i) {
    double* row = wlp.row(i).data();
    double mx = row[0];
    for (int64_t k = 1; k < K; ++k) mx = std::max(mx, row[k]);
    double sum = 0.0;
    for (int64_t k = 0; k < K; ++k) sum += exp_flushed(row[k] - mx);
    const double norm = mx + std::log(sum);
    total += norm;
    if (lpn) (*lpn)(lpn_offset + i) = norm;
    double h = 0.0;
    for (int64_t k = 0; k < K; ++k) {
      row[k] -= norm;
      if (entropy || resp) {
        const double r = exp_flushed(row[k]);
        h -= r * row[k];
        if (resp) (*resp)(i, k) = r;
      }
    }
    if (entropy) *entropy += h;
  }
  return total;
}

void load_block(const RowMatrixXd& X, const Eigen::VectorXd& shift, int64_t start, int64_t rows, RowMatrixXd& x) {
  x = X.middleRows(start, rows);
  x.rowwise() -= shift.transpose();
}

int block_threads(int threads, int64_t N) {
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(resolve_threads(threads), (N + 255) / 256)));
}

}  // namespace

void VgmmPrior::validate(int64_t D) const {
  if (n_components < 1) throw DomainError("variational_gmm: n_components must be ≥ 1");
  if (!(weight_concentration > 0) || !(mean_precision > 0)) {
    throw DomainError("variational_gmm: weight_concentration_prior and mean_precision_prior must be > 0");
  }
  if (mean.size() != D) throw DomainError("variational_gmm: mean_prior must have one entry per feature");
  if (!(degrees_of_freedom > static_cast<double>(D) - 1.0)) {
    throw DomainError("variational_gmm: degrees_of_freedom_prior must be greater than n_features - 1");
  }
  if (covariance.rows() != (covariance_type == CovarianceType::full || covariance_type == CovarianceType::tied ? D : 1) ||
      covariance.cols() != cov_cols(covariance_type, D)) {
    throw DomainError("variational_gmm: covariance_prior has the wrong shape");
  }
  if (!(reg_covar >= 0)) throw DomainError("variational_gmm: reg_covar must be ≥ 0");
}

VgmmStatistics vgmm_statistics_from_resp(const RowMatrixXd& X, const Eigen::VectorXd& shift,
                                         const RowMatrixXd& resp, CovarianceType type, int threads) {
  const int64_t N = X.rows(), D = X.cols(), K = resp.cols();
  if (resp.rows() != N) throw DomainError("variational_gmm: need one row of responsibilities per point");
  const int nt = block_threads(threads, N);
  std::vector<VgmmStatistics> part(static_cast<size_t>(nt));
  parallel_for(N, nt, [&](int t, int64_t b, int64_t e) {
    VgmmStatistics acc = zero_statistics(type, K, D);
    RowMatrixXd x, z;
    for (int64_t start = b; start < e; start += kBlockRows) {
      const int64_t rows = std::min(kBlockRows, e - start);
      load_block(X, shift, start, rows, x);
      accumulate(type, x, resp.middleRows(start, rows), z, acc);
    }
    part[static_cast<size_t>(t)] = std::move(acc);
  });
  VgmmStatistics out = zero_statistics(type, K, D);
  for (const auto& p : part)
    if (p.nk.size()) add(out, p);
  return out;
}

VgmmStatistics vgmm_statistics_from_labels(const RowMatrixXd& X, const Eigen::VectorXd& shift,
                                           const std::vector<int64_t>& labels, int64_t K,
                                           CovarianceType type, int threads) {
  const int64_t N = X.rows();
  if (static_cast<int64_t>(labels.size()) != N) throw DomainError("variational_gmm: need one label per point");
  RowMatrixXd resp = RowMatrixXd::Zero(N, K);
  for (int64_t n = 0; n < N; ++n) {
    const int64_t k = labels[static_cast<size_t>(n)];
    if (k >= K || k < -1) throw DomainError("variational_gmm: label out of range");
    if (k >= 0) resp(n, k) = 1.0;
  }
  return vgmm_statistics_from_resp(X, shift, resp, type, threads);
}

void vgmm_m_step(const VgmmPrior& prior, const VgmmStatistics& stats, VgmmState& state) {
  const int64_t K = stats.nk.size(), D = stats.s1.cols();
  const CovarianceType type = prior.covariance_type;
  prior.validate(D);
  const double eps10 = 10.0 * std::numeric_limits<double>::epsilon();
  const Eigen::VectorXd nk = stats.nk.array() + eps10;
  // x̄_k (centred at the prior mean, so x̄_k − m0 = x̄_k here)
  const RowMatrixXd xk = (stats.s1.array().colwise() / nk.array()).matrix();
  // weights
  if (prior.weight_prior == WeightPriorType::dirichlet_process) {
    state.concentration_a = nk.array() + 1.0;
    state.concentration_b.resize(K);
    double tail = 0.0;
    for (int64_t k = K - 1; k >= 0; --k) {
      state.concentration_b(k) = prior.weight_concentration + tail;
      tail += nk(k);
    }
  } else {
    state.concentration_a = nk.array() + prior.weight_concentration;
    state.concentration_b.resize(0);
  }
  // means
  const double b0 = prior.mean_precision;
  state.mean_precision = nk.array() + b0;
  state.means = (xk.array().colwise() * (nk.array() / state.mean_precision.array())).matrix();
  state.means.rowwise() += prior.mean.transpose();
  // Wishart factors
  const double nu0 = prior.degrees_of_freedom;
  state.covariances.resize(cov_rows(type, K, D), cov_cols(type, D));
  state.precisions_cholesky.resize(cov_rows(type, K, D), cov_cols(type, D));
  auto chol_precision = [&](const Eigen::MatrixXd& cov, int64_t row0) {
    Eigen::LLT<Eigen::MatrixXd> llt(cov);
    if (llt.info() != Eigen::Success || !(llt.matrixLLT().diagonal().array() > 0).all()) {
      throw DomainError(kIllDefined);
    }
    // precisions_cholesky = (L⁻¹)ᵀ, upper triangular, with cov = L Lᵀ.
    const Eigen::MatrixXd Linv =
        llt.matrixL().solve(Eigen::MatrixXd::Identity(D, D));
    state.precisions_cholesky.middleRows(row0, D) = Linv.transpose();
  };
  switch (type) {
    case CovarianceType::full: {
      state.degrees_of_freedom = nk.array() + nu0;
      for (int64_t k = 0; k < K; ++k) {
        const Eigen::VectorXd m = xk.row(k).transpose();
        const Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> s2(
            stats.s2.data() + k * D * D, D, D);
        // Σ r (x − x̄)(x − x̄)ᵀ / N_k + reg I  (scikit-learn's S_k)
        Eigen::MatrixXd sk = (Eigen::MatrixXd(s2) - m * stats.s1.row(k) - stats.s1.row(k).transpose() * m.transpose() +
                              stats.nk(k) * m * m.transpose()) / nk(k);
        sk = 0.5 * (sk + sk.transpose());
        sk.diagonal().array() += prior.reg_covar;
        Eigen::MatrixXd cov = Eigen::MatrixXd(prior.covariance) + nk(k) * sk +
                              nk(k) * b0 / state.mean_precision(k) * m * m.transpose();
        cov /= state.degrees_of_freedom(k);
        state.covariances.middleRows(k * D, D) = cov;
        chol_precision(cov, k * D);
      }
      break;
    }
    case CovarianceType::tied: {
      const double nsum = nk.sum();
      state.degrees_of_freedom = Eigen::VectorXd::Constant(1, nu0 + nsum / static_cast<double>(K));
      Eigen::MatrixXd avg_means2 = Eigen::MatrixXd::Zero(D, D);
      Eigen::MatrixXd spread = Eigen::MatrixXd::Zero(D, D);
      for (int64_t k = 0; k < K; ++k) {
        const Eigen::VectorXd m = xk.row(k).transpose();
        avg_means2 += nk(k) * m * m.transpose();
        spread += (nk(k) / state.mean_precision(k)) * m * m.transpose();
      }
      Eigen::MatrixXd sk = (Eigen::MatrixXd(stats.s2) - avg_means2) / nsum;
      sk = 0.5 * (sk + sk.transpose());
      sk.diagonal().array() += prior.reg_covar;
      Eigen::MatrixXd cov = Eigen::MatrixXd(prior.covariance) + sk * nsum / static_cast<double>(K) +
                            b0 / static_cast<double>(K) * spread;
      cov /= state.degrees_of_freedom(0);
      state.covariances = cov;
      chol_precision(cov, 0);
      break;
    }
    case CovarianceType::diag:
    case CovarianceType::spherical: {
      state.degrees_of_freedom = nk.array() + nu0;
      for (int64_t k = 0; k < K; ++k) {
        const Eigen::RowVectorXd m = xk.row(k);
        Eigen::RowVectorXd sk = (stats.s2.row(k).array() / nk(k) - 2.0 * m.array() * stats.s1.row(k).array() / nk(k) +
                                 m.array().square() + prior.reg_covar).matrix();
        const double ratio = b0 / state.mean_precision(k);
        if (type == CovarianceType::diag) {
          Eigen::RowVectorXd cov = (prior.covariance.row(0).array() + nk(k) * (sk.array() + ratio * m.array().square())).matrix();
          cov /= state.degrees_of_freedom(k);
          state.covariances.row(k) = cov;
        } else {
          const double cov = (prior.covariance(0, 0) + nk(k) * (sk.mean() + ratio * m.array().square().mean())) /
                             state.degrees_of_freedom(k);
          state.covariances(k, 0) = cov;
        }
      }
      if (!(state.covariances.array() > 0).all()) throw DomainError(kIllDefined);
      state.precisions_cholesky = state.covariances.cwiseSqrt().cwiseInverse();
      break;
    }
  }
}

VgmmStatistics vgmm_e_step(const VgmmPrior& prior, const VgmmState& state, const RowMatrixXd& X, int threads) {
  const CovarianceType type = prior.covariance_type;
  const Derived d = derive(type, prior.weight_prior, state, prior.mean);
  const int64_t N = X.rows(), K = d.K, D = d.D;
  if (X.cols() != D) throw DomainError("variational_gmm: X has the wrong number of features");
  const int nt = block_threads(threads, N);
  std::vector<VgmmStatistics> part(static_cast<size_t>(nt));
  parallel_for(N, nt, [&](int t, int64_t b, int64_t e) {
    VgmmStatistics acc = zero_statistics(type, K, D);
    RowMatrixXd x, y, wlp, z, r;
    for (int64_t start = b; start < e; start += kBlockRows) {
      const int64_t rows = std::min(kBlockRows, e - start);
      load_block(X, prior.mean, start, rows, x);
      weighted_log_prob(d, x, y, wlp);
      acc.log_prob_norm += normalise(wlp, nullptr, 0, &acc.entropy, &r);
      accumulate(type, x, r, z, acc);
    }
    part[static_cast<size_t>(t)] = std::move(acc);
  });
  VgmmStatistics out = zero_statistics(type, K, D);
  for (const auto& p : part)
    if (p.nk.size()) add(out, p);
  return out;
}

double vgmm_lower_bound(const VgmmPrior& prior, const VgmmState& state, double entropy) {
  const CovarianceType type = prior.covariance_type;
  check_state(type, prior.weight_prior, state);
  const int64_t K = state.means.rows(), D = state.means.cols();
  const auto& P = state.precisions_cholesky;
  auto log_wishart_norm = [&](double nu, double log_det_chol) {
    double g = 0.0;
    for (int64_t i = 0; i < D; ++i) g += std::lgamma(0.5 * (nu - static_cast<double>(i)));
    return -(nu * log_det_chol + nu * static_cast<double>(D) * 0.5 * kLog2 + g);
  };
  double log_wishart = 0.0;
  for (int64_t k = 0; k < (type == CovarianceType::tied ? 1 : K); ++k) {
    double log_det = 0.0;
    switch (type) {
      case CovarianceType::full:
        for (int64_t i = 0; i < D; ++i) log_det += std::log(P(k * D + i, i));
        break;
      case CovarianceType::tied:
        for (int64_t i = 0; i < D; ++i) log_det += std::log(P(i, i));
        break;
      case CovarianceType::diag:
        for (int64_t i = 0; i < D; ++i) log_det += std::log(P(k, i));
        break;
      case CovarianceType::spherical:
        log_det = static_cast<double>(D) * std::log(P(k, 0));
        break;
    }
    const double nu = state.degrees_of_freedom(k);
    log_wishart += log_wishart_norm(nu, log_det - 0.5 * static_cast<double>(D) * std::log(nu));
  }
  if (type == CovarianceType::tied) log_wishart *= static_cast<double>(K);
  double log_norm_weight = 0.0;
  if (prior.weight_prior == WeightPriorType::dirichlet_process) {
    for (int64_t k = 0; k < K; ++k) {
      const double a = state.concentration_a(k), b = state.concentration_b(k);
      log_norm_weight -= std::lgamma(a) + std::lgamma(b) - std::lgamma(a + b);
    }
  } else {
    log_norm_weight = std::lgamma(state.concentration_a.sum());
    for (int64_t k = 0; k < K; ++k) log_norm_weight -= std::lgamma(state.concentration_a(k));
  }
  return entropy - log_wishart - log_norm_weight -
         0.5 * static_cast<double>(D) * state.mean_precision.array().log().sum();
}

VgmmFitResult vgmm_fit(const VgmmPrior& prior, VgmmState& state, const RowMatrixXd& X, int64_t max_iter,
                       double tol, double start_bound, int threads) {
  VgmmFitResult result;
  double bound = start_bound;
  for (int64_t it = 1; it <= max_iter; ++it) {
    const double previous = bound;
    const VgmmStatistics stats = vgmm_e_step(prior, state, X, threads);
    vgmm_m_step(prior, stats, state);
    bound = vgmm_lower_bound(prior, state, stats.entropy);
    result.iterations = it;
    if (!std::isfinite(bound)) throw NumericalError("variational_gmm: lower bound is not finite");
    if (std::abs(bound - previous) < tol) {
      result.converged = true;
      break;
    }
  }
  result.lower_bound = bound;
  return result;
}

void vgmm_estimate(CovarianceType type, WeightPriorType weight_prior, const VgmmState& state,
                   const RowMatrixXd& X, const Eigen::VectorXd& shift, int threads,
                   RowMatrixXd* log_resp, Eigen::VectorXd* log_prob_norm, std::vector<int64_t>* labels) {
  const Derived d = derive(type, weight_prior, state, shift);
  const int64_t N = X.rows();
  if (X.cols() != d.D) throw DomainError("variational_gmm: X has the wrong number of features");
  if (log_resp) log_resp->resize(N, d.K);
  if (log_prob_norm) log_prob_norm->resize(N);
  if (labels) labels->assign(static_cast<size_t>(N), 0);
  parallel_for(N, block_threads(threads, N), [&](int, int64_t b, int64_t e) {
    RowMatrixXd x, y, wlp;
    for (int64_t start = b; start < e; start += kBlockRows) {
      const int64_t rows = std::min(kBlockRows, e - start);
      load_block(X, shift, start, rows, x);
      weighted_log_prob(d, x, y, wlp);
      if (labels) {
        for (int64_t i = 0; i < rows; ++i) {
          Eigen::Index best;
          wlp.row(i).maxCoeff(&best);
          (*labels)[static_cast<size_t>(start + i)] = best;
        }
      }
      if (log_resp || log_prob_norm) {
        normalise(wlp, log_prob_norm, start, nullptr);
        if (log_resp) log_resp->middleRows(start, rows) = wlp;
      }
    }
  });
}

Eigen::VectorXd vgmm_weights(WeightPriorType weight_prior, const VgmmState& state) {
  const Eigen::VectorXd& a = state.concentration_a;
  Eigen::VectorXd w(a.size());
  if (weight_prior == WeightPriorType::dirichlet_process) {
    double remaining = 1.0;  // ∏_{j<k} E[1 − v_j]
    for (Eigen::Index k = 0; k < a.size(); ++k) {
      const double total = a(k) + state.concentration_b(k);
      w(k) = a(k) / total * remaining;
      remaining *= state.concentration_b(k) / total;
    }
  } else {
    w = a;
  }
  return w / w.sum();
}

RowMatrixXd vgmm_precisions(CovarianceType type, const VgmmState& state) {
  const RowMatrixXd& P = state.precisions_cholesky;
  if (type == CovarianceType::diag || type == CovarianceType::spherical) return P.cwiseProduct(P);
  const int64_t D = P.cols();
  RowMatrixXd out(P.rows(), D);
  for (int64_t r = 0; r < P.rows(); r += D) {
    const Eigen::MatrixXd block = P.middleRows(r, D);
    out.middleRows(r, D) = block * block.transpose();
  }
  return out;
}

}  // namespace elbo::conjugate
