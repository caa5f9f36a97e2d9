#pragma once
// Adam (Kingma & Ba 2015) ascending a flat parameter vector; its state is plain
// vectors so a checkpoint can save and restore it.
#include <Eigen/Core>

#include <cmath>
#include <cstdint>

namespace elbo::gp {

struct AdamAscent {
  double learning_rate = 0.01, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8;
  Eigen::VectorXd m, v;
  int64_t t = 0;

  /// x ← x + lr m̂/(√v̂ + ε) for the gradient g of the objective being maximised.
  void step(Eigen::VectorXd& x, const Eigen::VectorXd& g) {
    if (m.size() != x.size()) {
      m = Eigen::VectorXd::Zero(x.size());
      v = Eigen::VectorXd::Zero(x.size());
    }
    ++t;
    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g.cwiseAbs2();
    const double c1 = 1 - std::pow(beta1, static_cast<double>(t)), c2 = 1 - std::pow(beta2, static_cast<double>(t));
    x.array() += learning_rate * (m.array() / c1) / ((v.array() / c2).sqrt() + epsilon);
  }
};

}  // namespace elbo::gp
