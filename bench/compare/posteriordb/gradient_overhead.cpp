// The cost of one gradient of a compiled Stan program through elbo against the
// floor: the bare C-ABI call of the program's gradient (Stan's own autodiff,
// nothing of elbo's around it). Three elbo paths, per gradient:
//   points:   StanDensity::log_prob_and_gradient on [K, D] (SVGD, L-BFGS);
//   autograd: log_prob on rsample-like θ with requires_grad, then backward
//             (what the reparameterised ELBO costs per draw);
// each at K = 1, 8 (elbo's default grad draws) and 100 (an ELBO evaluation).
// One thread. Writes gradient_overhead.json and prints a table.
//   gradient_overhead CACHE_DIR POSTERIORDB_DIR OUT.json NAME...
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "elbo/core/threads.hpp"
#include "elbo/stan/stan_density.hpp"

namespace {

template <typename F>
double seconds_per_call(F&& f, double budget = 0.3) {
  f();  // warm-up
  int64_t calls = 0;
  const auto start = std::chrono::steady_clock::now();
  double elapsed = 0.0;
  while (elapsed < budget || calls < 5) {
    f();
    ++calls;
    elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  return elapsed / calls;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: gradient_overhead CACHE_DIR POSTERIORDB_DIR OUT.json NAME...\n");
    return 2;
  }
  elbo::set_num_threads(1);
  const std::string cache = argv[1], pdb = argv[2], out_path = argv[3];
  nlohmann::json rows = nlohmann::json::array();
  std::printf("%-44s %4s %10s | %-26s | %-26s\n", "posterior", "D", "floor us",
              "points K=1/8/100 (ratio)", "autograd K=1/8/100 (ratio)");
  for (int a = 4; a < argc; ++a) {
    const std::string name = argv[a];
    elbo::stan::StanModelOptions options;
    options.compile.cache_dir = cache;
    auto p = elbo::stan::load_stan_model(pdb + "/" + name + ".stan", pdb + "/" + name + ".data.json",
                                         options);
    const int64_t D = p->dim();
    auto gen = at::make_generator<at::CPUGeneratorImpl>(1);
    nlohmann::json row = {{"posterior", name}, {"dim", D}};
    // The floor at one point, through the library's own function table.
    auto theta1 = 0.3 * torch::randn({1, D}, gen, torch::kDouble);
    std::vector<double> lp(1), grad(D);
    const double floor = seconds_per_call([&] {
      p->evaluate(1, theta1.data_ptr<double>(), lp.data(), grad.data());
    });
    row["floor_seconds"] = floor;
    std::string points_cell, autograd_cell;
    for (int64_t K : {1, 8, 100}) {
      auto theta = 0.3 * torch::randn({K, D}, gen, torch::kDouble);
      std::vector<double> lpk(K), gk(K * D);
      const double bare = seconds_per_call([&] {
        p->evaluate(K, theta.data_ptr<double>(), lpk.data(), gk.data());
      }) / K;
      const double points = seconds_per_call([&] { p->log_prob_and_gradient(theta, p->all_data()); }) / K;
      const double autograd = seconds_per_call([&] {
        auto x = theta.clone().requires_grad_(true);
        p->log_prob(x).sum().backward();
      }) / K;
      row["K" + std::to_string(K)] = {{"bare_seconds", bare}, {"points_seconds", points},
                                       {"autograd_seconds", autograd},
                                       {"points_ratio", points / bare},
                                       {"autograd_ratio", autograd / bare}};
      char buf[64];
      std::snprintf(buf, sizeof buf, "%s%.2f", K == 1 ? "" : "/", points / bare);
      points_cell += buf;
      std::snprintf(buf, sizeof buf, "%s%.2f", K == 1 ? "" : "/", autograd / bare);
      autograd_cell += buf;
    }
    std::printf("%-44s %4lld %10.2f | %-26s | %-26s\n", name.c_str(), static_cast<long long>(D),
                floor * 1e6, points_cell.c_str(), autograd_cell.c_str());
    rows.push_back(row);
  }
  std::ofstream(out_path) << rows.dump(1) << "\n";
  return 0;
}
