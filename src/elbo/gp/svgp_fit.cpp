#include "elbo/gp/svgp_fit.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "elbo/conjugate/kmeans.hpp"
#include "elbo/core/error.hpp"
#include "elbo/gp/greedy_variance.hpp"

namespace elbo::gp {

namespace {

bool fits_q_by_adam(const SvgpFitOptions& o) { return o.method == SvgpMethod::adam; }

// The factor on both step sizes at `step` (0-based): 1, then linear to 0.01 over
// the last anneal_fraction of the run. A function of the step alone, so a resumed
// run takes the same steps.
double step_size_factor(const SvgpFitOptions& o, int64_t step) {
  const double tail = o.anneal_fraction * static_cast<double>(o.steps);
  const double left = static_cast<double>(o.steps - step);
  if (tail < 1 || left >= tail) return 1.0;
  return std::max(0.01, left / tail);
}

}  // namespace

Eigen::VectorXd pack_svgp(const Svgp& model, const SvgpFitOptions& options) {
  const Eigen::Index T = model.num_inducing(), D = model.inducing().cols();
  const Eigen::Index Pk = model.kernel().num_params(), Pl = model.likelihood().num_params();
  const Eigen::Index Pz = options.learn_inducing ? T * D : 0, Pq = fits_q_by_adam(options) ? T + T * (T + 1) / 2 : 0;
  Eigen::VectorXd x(Pk + Pl + Pz + Pq);
  model.kernel().params(x.data());
  model.likelihood().params(x.data() + Pk);
  Eigen::Index o = Pk + Pl;
  if (Pz) x.segment(o, Pz) = Eigen::Map<const Eigen::VectorXd>(model.inducing().data(), Pz);
  o += Pz;
  if (Pq) {
    x.segment(o, T) = model.q_mean();
    o += T;
    for (Eigen::Index j = 0; j < T; ++j)
      for (Eigen::Index i = j; i < T; ++i) x[o++] = i == j ? std::log(model.q_chol()(i, i)) : model.q_chol()(i, j);
  }
  return x;
}

void unpack_svgp(Svgp& model, const SvgpFitOptions& options, const Eigen::VectorXd& x) {
  const Eigen::Index T = model.num_inducing(), D = model.inducing().cols();
  const Eigen::Index Pk = model.kernel().num_params(), Pl = model.likelihood().num_params();
  model.kernel().set_params(x.data());
  model.likelihood().set_params(x.data() + Pk);
  Eigen::Index o = Pk + Pl;
  if (options.learn_inducing) {
    model.inducing() = Eigen::Map<const Matrix>(x.data() + o, T, D);
    o += T * D;
  }
  if (fits_q_by_adam(options)) {
    model.q_mean() = x.segment(o, T);
    o += T;
    for (Eigen::Index j = 0; j < T; ++j)
      for (Eigen::Index i = j; i < T; ++i) model.q_chol()(i, j) = i == j ? std::exp(x[o++]) : x[o++];
  }
}

namespace {

Eigen::VectorXd pack_gradient(const Svgp& model, const SvgpFitOptions& options, const SvgpGradient& g) {
  const Eigen::Index T = model.num_inducing(), D = model.inducing().cols();
  const Eigen::Index Pk = g.kernel.size(), Pl = g.likelihood.size();
  const Eigen::Index Pz = options.learn_inducing ? T * D : 0, Pq = fits_q_by_adam(options) ? T + T * (T + 1) / 2 : 0;
  Eigen::VectorXd x(Pk + Pl + Pz + Pq);
  x.head(Pk) = g.kernel;
  x.segment(Pk, Pl) = g.likelihood;
  Eigen::Index o = Pk + Pl;
  if (Pz) x.segment(o, Pz) = Eigen::Map<const Eigen::VectorXd>(g.inducing.data(), Pz);
  o += Pz;
  if (Pq) {
    x.segment(o, T) = g.q_mean;
    o += T;
    for (Eigen::Index j = 0; j < T; ++j)
      for (Eigen::Index i = j; i < T; ++i)  // log-diagonal: ∂/∂log l = l ∂/∂l
        x[o++] = i == j ? g.q_chol(i, i) * model.q_chol()(i, i) : g.q_chol(i, j);
  }
  return x;
}

}  // namespace

SvgpFitState start_svgp_fit(int64_t rows, const SvgpFitOptions& options) {
  SvgpFitState state;
  state.rng.seed(options.seed);
  state.order.resize(static_cast<size_t>(rows));
  std::iota(state.order.begin(), state.order.end(), 0);
  std::shuffle(state.order.begin(), state.order.end(), state.rng);
  state.adam.learning_rate = options.learning_rate;
  return state;
}

void fit_svgp(Svgp& model, const Matrix& X, const Vector& y, const SvgpFitOptions& options, SvgpFitState& state,
              const SvgpStepCallback& callback) {
  const int64_t M = X.rows();
  const bool full = options.method == SvgpMethod::collapsed || options.batch_size >= M;
  const int64_t S = full ? M : options.batch_size;
  const double scale = static_cast<double>(M) / static_cast<double>(S);
  Matrix Xb(S, X.cols());
  Vector yb(S);
  for (; state.step < options.steps; ++state.step) {
    const double factor = step_size_factor(options, state.step);
    state.adam.learning_rate = options.learning_rate * factor;
    const Matrix* Xp = &X;
    const Vector* yp = &y;
    if (!full) {
      for (int64_t i = 0; i < S; ++i) {
        if (state.cursor >= M) {  // next epoch
          std::shuffle(state.order.begin(), state.order.end(), state.rng);
          state.cursor = 0;
        }
        const int64_t r = state.order[static_cast<size_t>(state.cursor++)];
        Xb.row(i) = X.row(r);
        yb[i] = y[r];
      }
      Xp = &Xb;
      yp = &yb;
    }
    SvgpGradient g;
    double value;
    if (options.method == SvgpMethod::natural_gradient)
      value = model.natural_step_then_elbo(*Xp, *yp, scale, options.natural_step * factor, scale, &g);
    else if (options.method == SvgpMethod::collapsed)
      value = model.natural_step_then_elbo(*Xp, *yp, 1.0, 1.0, scale, &g);
    else
      value = model.elbo(*Xp, *yp, scale, &g);
    if (!std::isfinite(value)) {
      throw NumericalError("fit gp: the ELBO is not finite at step " + std::to_string(state.step + 1) +
                           " (try a smaller --learning-rate)");
    }
    Eigen::VectorXd x = pack_svgp(model, options);
    state.adam.step(x, pack_gradient(model, options, g));
    unpack_svgp(model, options, x);
    state.trace.push_back(value);
    if (callback && !callback(state.step + 1, value)) {
      ++state.step;
      break;
    }
  }
}

Matrix initial_inducing_points(const Matrix& X, int64_t T, uint64_t seed) {
  const int64_t M = X.rows();
  if (T > M) {
    throw ConfigError("fit gp: --inducing is " + std::to_string(T) + ", but the data have only " + std::to_string(M) +
                      " rows (at most one inducing point per row)");
  }
  conjugate::Rng rng(seed);
  using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  RowMatrix sample;
  const int64_t cap = 65536;
  if (M > cap) {
    std::vector<int64_t> idx(static_cast<size_t>(M));
    std::iota(idx.begin(), idx.end(), 0);
    std::shuffle(idx.begin(), idx.end(), rng);
    sample.resize(cap, X.cols());
    for (int64_t i = 0; i < cap; ++i) sample.row(i) = X.row(idx[static_cast<size_t>(i)]);
  } else {
    sample = X;
  }
  return conjugate::kmeans_plus_plus(sample, T, 1, rng);
}

std::string resolve_inducing_start(const std::string& start, SvgpMethod method) {
  if (start == "kmeans++" || start == "variance") return start;
  if (start == "auto") return method == SvgpMethod::collapsed ? "variance" : "kmeans++";
  throw ConfigError("inducing_start (where the inducing inputs start) must be 'auto', 'kmeans++' or 'variance', got '" + start + "'");
}

Matrix starting_inducing_points(const std::string& start, SvgpMethod method, const Kernel& kernel, const Matrix& X,
                                int64_t T, uint64_t seed) {
  return resolve_inducing_start(start, method) == "variance" ? greedy_variance_points(kernel, X, T, seed)
                                                              : initial_inducing_points(X, T, seed);
}

}  // namespace elbo::gp
