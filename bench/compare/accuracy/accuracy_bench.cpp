// Accuracy benchmark driver (README.md): runs every method spec on every target with
// several seeds and writes, per run, the summary of the method's draws on the
// compared (constrained) parameters — mean, sd and the quantiles at the levels
// u_i = (i − ½)/100 — plus PSIS k̂ (elbo::diagnostics::psis of log p − log q, where
// the method has a density q) and times. aggregate.py turns these summaries into
// the metrics; no metric is computed here.
//
//   accuracy_bench --repo DIR --out runs.json [--methods a,b] [--targets x,y]
//                  [--seeds 1,2,3] [--draws 4000] [--threads 1] [--eta η (ADVI methods; default: the family's)]
//   accuracy_bench --repo DIR --svgd-timing ITERS [--targets logreg,gaussian50,logreg_autograd,gaussian50_autograd] --out timing.json
//
// Method specs (same settings on every target; README "Settings"):
//   advi:<family>            ELBO (K = 8 draws per gradient), family by make_family
//   <objective>:<family>     objective by make_objective (renyi:α, iwae:K, chi, annealed:N)
//   svgd:<n>                 Stein variational gradient descent with n particles
//   laplace                  Laplace approximation
//   boosting:<C>             variational boosting to C full-rank components
//   constant_sgd[:precond]   constant-step SGD iterates, scalar step ε* (Mandt et al. 2017, Thm 1)
//                            or preconditioned (Thm 2)
//   <spec>+psis              any spec with a density q, its draws importance-resampled
//                            with PSIS weights from a pool of 10 × draws
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "elbo/core/error.hpp"
#include "elbo/core/threads.hpp"
#include "elbo/diagnostics/psis.hpp"
#include "elbo/family/make_family.hpp"
#include "elbo/infer/advi.hpp"
#include "elbo/infer/laplace.hpp"
#include "elbo/infer/posterior_draws.hpp"
#include "elbo/infer/svgd.hpp"
#include "elbo/infer/svi.hpp"
#include "elbo/model/model_density.hpp"
#include "elbo/objective/reparam_elbo.hpp"
#if __has_include("elbo/objective/make_objective.hpp")
#include "elbo/objective/make_objective.hpp"
#define ACC_HAVE_MAKE_OBJECTIVE 1
#endif
#if __has_include("elbo/infer/boosting.hpp")
#include "elbo/infer/boosting.hpp"
#define ACC_HAVE_BOOSTING 1
#endif
#if __has_include("elbo/infer/constant_sgd.hpp")
#include "elbo/infer/constant_sgd.hpp"
#define ACC_HAVE_CONSTANT_SGD 1
#endif
#include "targets.hpp"

using json = nlohmann::json;
namespace acc = elbo::bench;

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep)) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// CPU time of the whole process (all threads), robust to sharing the machine.
double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

bool starts_with(const std::string& s, const std::string& p) { return s.rfind(p, 0) == 0; }

// The parameters each target is scored on (the reference's names).
std::vector<std::string> compared_names(const std::string& target) {
  auto seq = [](const std::string& base, int n) {
    std::vector<std::string> v;
    for (int i = 1; i <= n; ++i) v.push_back(base + "." + std::to_string(i));
    return v;
  };
  std::vector<std::string> v;
  if (target == "logreg") {
    v = {"alpha"};
    auto b = seq("beta", 30);
    v.insert(v.end(), b.begin(), b.end());
  } else if (starts_with(target, "eight_schools")) {
    v = {"mu", "tau"};
    auto t = seq("theta", 8);
    v.insert(v.end(), t.begin(), t.end());
  } else if (target == "gaussian50") {
    v = seq("x", 50);
  } else if (target == "funnel") {
    v = {"v"};
    auto x = seq("x", 9);
    v.insert(v.end(), x.begin(), x.end());
  } else if (target == "banana") {
    v = {"x1", "x2"};
  } else {
    v = seq("x", 2);
  }
  return v;
}

// Constrained values [S, P] and names (latents, then derived quantities) of θ [S, D].
std::pair<at::Tensor, std::vector<std::string>> constrained(const elbo::model::ModelDensity& density,
                                                            const at::Tensor& theta) {
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> cols{density.constrained_flat(theta)};
  auto names = density.constrained_names();
  for (auto& [name, value] : density.model().derived(density.constrain(theta))) {
    std::vector<int64_t> shape(value.sizes().begin() + 1, value.sizes().end());
    auto n = elbo::model::cmdstan_names(name, shape);
    names.insert(names.end(), n.begin(), n.end());
    cols.push_back(elbo::model::flatten_column_major(value));
  }
  return {torch::cat(cols, 1), names};
}

const std::vector<double>& levels() {
  static const std::vector<double> u = [] {
    std::vector<double> v;
    for (int i = 1; i <= 100; ++i) v.push_back((i - 0.5) / 100.0);
    return v;
  }();
  return u;
}

// mean, sd (N − 1) and type-7 quantiles (R's default) of each compared column.
json summarise(const at::Tensor& values, const std::vector<std::string>& names,
               const std::vector<std::string>& wanted) {
  json out = json::array();
  auto v = values.to(torch::kDouble).contiguous();
  for (const auto& w : wanted) {
    auto it = std::find(names.begin(), names.end(), w);
    if (it == names.end()) throw elbo::ConfigError("accuracy_bench: no column '" + w + "' in the draws");
    auto col = v.select(1, it - names.begin()).contiguous();
    const int64_t n = col.size(0);
    auto sorted = std::get<0>(col.sort());
    auto acc = sorted.accessor<double, 1>();
    std::vector<double> q;
    for (double u : levels()) {
      const double h = (n - 1) * u;
      const auto lo = static_cast<int64_t>(std::floor(h));
      const int64_t hi = std::min(lo + 1, n - 1);
      q.push_back(acc[lo] + (h - lo) * (acc[hi] - acc[lo]));
    }
    out.push_back({{"name", w},
                   {"mean", col.mean().item<double>()},
                   {"sd", n > 1 ? col.std().item<double>() : 0.0},
                   {"quantiles", q}});
  }
  return out;
}

struct Settings {
  int64_t draws = 4000;
  double eta = std::nan("");  // Adam's base step for ADVI methods; NaN: the family's default
};

bool is_gaussian_family(const std::string& f) {
  return f == "meanfield" || f == "fullrank" || starts_with(f, "lowrank");
}

// One run of one method: fills fields of `run` (draw summary, k̂, iterations, times).
void run_method(const std::string& spec, const std::string& target,
                std::shared_ptr<const elbo::model::Model> model, uint64_t seed, const Settings& s,
                json& run, bool resample = false) {
  auto density = std::make_shared<elbo::model::ModelDensity>(model);
  const auto wanted = compared_names(target);
  const auto t0 = Clock::now();
  // "<spec>+psis": the same fit, then PSIS importance resampling of the draws from a
  // pool of 10 × draws (infer::draw_posterior, `elbo fit --resample always`).
  const std::string psis_suffix = "+psis";
  const bool psis = spec.size() > psis_suffix.size() &&
                    spec.compare(spec.size() - psis_suffix.size(), psis_suffix.size(), psis_suffix) == 0;
  if (psis) {
    run_method(spec.substr(0, spec.size() - psis_suffix.size()), target, model, seed, s, run,
               /*resample=*/true);
    run["wall_seconds"] = seconds_since(t0);
    return;
  }
  auto draws_of_family = [&](elbo::family::Family& q) {
    elbo::infer::PosteriorDrawsOptions o;
    o.num_draws = s.draws;
    o.resample = resample ? "always" : "never";
    o.resample_pool = 10;
    o.seed = seed + 1000;
    auto d = elbo::infer::draw_posterior(*density, q, o);
    run["pareto_k"] = std::isfinite(d.psis.k_hat) ? json(d.psis.k_hat) : json(nullptr);
    run["parameters"] = summarise(d.values, d.names, wanted);
    run["draws"] = d.values.size(0);
    run["resampled"] = d.resampled;
  };

  elbo::optim::OptimizerOptions opt;  // Adam, η = 0.03, Robbins–Monro decay (elbo fit's defaults)
  opt.method = "adam";
  opt.eta = 0.03;
  opt.schedule = "robbins_monro";
  elbo::infer::SviOptions so;  // elbo fit's defaults
  so.max_iterations = 10000;
  so.eval_every = 100;
  so.eval_draws = 100;
  so.tol_rel_obj = 0.002;
  so.average_iterates = true;
  so.seed = seed;

  if (spec == "laplace") {
    auto r = elbo::infer::laplace(density, elbo::infer::LaplaceOptions());
    run["fit_seconds"] = seconds_since(t0);
    run["iterations"] = r.iterations;
    run["converged"] = r.converged;
    run["message"] = r.message;
    draws_of_family(*r.q);
  } else if (starts_with(spec, "svgd:")) {
    const int64_t n = std::stoll(spec.substr(5));
    elbo::infer::Svgd svgd(density, elbo::infer::SvgdOptions()
                                        .num_particles(n)
                                        .max_iterations(2000)
                                        .step_size(0.05)
                                        .seed(seed)
                                        .trace_every(0));
    auto r = svgd.run();
    run["fit_seconds"] = seconds_since(t0);
    run["iterations"] = r.iterations;
    auto [values, names] = constrained(*density, r.particles);
    run["parameters"] = summarise(values, names, wanted);
    run["draws"] = n;
    run["pareto_k"] = nullptr;  // particles have no density q
  } else if (starts_with(spec, "boosting:")) {
#ifdef ACC_HAVE_BOOSTING
    auto r = elbo::infer::variational_boosting(
        density, elbo::infer::BoostingOptions()
                     .num_components(std::stoll(spec.substr(9)))
                     .full_rank(true)
                     .grad_draws(4)
                     .optimizer(opt)
                     .svi(so));
    run["fit_seconds"] = seconds_since(t0);
    int64_t its = 0, accepted = 0;
    for (const auto& st : r.stages) {
      its += st.svi.iterations;
      accepted += st.accepted ? 1 : 0;
    }
    run["iterations"] = its;
    run["message"] = std::to_string(accepted) + " of " + std::to_string(r.stages.size()) + " stages accepted";
    draws_of_family(*r.q);
#else
    throw elbo::ConfigError("accuracy_bench: boosting not built");
#endif
  } else if (spec == "constant_sgd" || spec == "constant_sgd:precond") {
#ifdef ACC_HAVE_CONSTANT_SGD
    auto r = elbo::infer::constant_sgd(
        density, elbo::infer::ConstantSgdOptions()
                     .precondition(spec == "constant_sgd:precond")
                     .num_draws(s.draws)
                     .seed(seed));
    run["fit_seconds"] = seconds_since(t0);
    run["iterations"] = r.iterations;
    auto [values, names] = constrained(*density, r.draws);
    run["parameters"] = summarise(values, names, wanted);
    run["draws"] = r.draws.size(0);
    run["pareto_k"] = nullptr;  // iterates have no density q
#else
    throw elbo::ConfigError("accuracy_bench: constant_sgd not built");
#endif
  } else {
    // "<objective>:<family>": advi:F (the ELBO) or renyi:α:F, iwae:K:F, chi:F, annealed:N:F.
    auto parts = split(spec, ':');
    std::string objective_spec = parts.at(0);
    size_t rest = 1;
    if (objective_spec == "renyi" || objective_spec == "iwae" || objective_spec == "annealed") {
      objective_spec += ":" + parts.at(1);
      rest = 2;
    }
    std::string family;
    for (size_t i = rest; i < parts.size(); ++i) family += (i > rest ? ":" : "") + parts[i];
    if (family.empty()) throw elbo::ConfigError("accuracy_bench: method '" + spec + "' names no family");
    // The CLI's path: infer::advi with its default start (the Laplace
    // approximation when it exists, with the smaller step that goes with it).
    elbo::infer::AdviOptions ao;
    ao.family = family;
    ao.objective = objective_spec == "advi" ? "elbo" : objective_spec;
    ao.grad_draws = 8;
    ao.stick_the_landing = is_gaussian_family(family);
    ao.optimizer = opt;
    ao.optimizer.eta = s.eta;  // NaN (elbo fit's default): the family's step
    ao.init = "auto";
    ao.laplace_eta = 0.005;
    ao.svi = so;
    auto fit = elbo::infer::advi(model, ao);
    auto q = fit.q;
    const auto& r = fit.svi;
    run["fit_seconds"] = seconds_since(t0);
    run["iterations"] = r.iterations;
    run["converged"] = r.converged;
    run["message"] = r.message + "; " + fit.init_message;
    draws_of_family(*q);
  }
  run["wall_seconds"] = seconds_since(t0);
}

void svgd_timing(const std::string& repo, const std::vector<std::string>& targets, int64_t iters,
                 const std::string& out_path) {
  json out = json::object();
  for (const std::string& target : targets) {
    auto density = std::make_shared<elbo::model::ModelDensity>(acc::make_target(target, repo));
    elbo::infer::Svgd svgd(density, elbo::infer::SvgdOptions()
                                        .num_particles(100)
                                        .step_size(0.05)
                                        .seed(1)
                                        .trace_every(0));
    for (int i = 0; i < 20; ++i) svgd.step();  // warm-up
    std::vector<double> per_iter, cpu_per_iter;
    for (int rep = 0; rep < 5; ++rep) {
      const auto t0 = Clock::now();
      const double c0 = process_cpu_seconds();
      for (int64_t i = 0; i < iters; ++i) svgd.step();
      cpu_per_iter.push_back((process_cpu_seconds() - c0) / static_cast<double>(iters));
      per_iter.push_back(seconds_since(t0) / static_cast<double>(iters));
    }
    std::sort(per_iter.begin(), per_iter.end());
    std::sort(cpu_per_iter.begin(), cpu_per_iter.end());
    out[target] = {{"dim", density->dim()},
                   {"particles", 100},
                   {"iterations_per_repeat", iters},
                   {"seconds_per_iteration_median", per_iter[2]},
                   {"seconds_per_iteration_min", per_iter[0]},
                   {"seconds_per_iteration_all", per_iter},
                   {"cpu_seconds_per_iteration_median", cpu_per_iter[2]},
                   {"cpu_seconds_per_iteration_all", cpu_per_iter}};
    std::cout << target << ": " << per_iter[2] * 1e3 << " ms/iteration wall, " << cpu_per_iter[2] * 1e3
              << " ms CPU (median of 5)\n";
  }
  std::ofstream(out_path) << out.dump(1) << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> a{{"--methods", "advi:meanfield,advi:fullrank,laplace,svgd:100"},
                                       {"--targets", ""},
                                       {"--seeds", "1,2,3"},
                                       {"--draws", "4000"},
                                       {"--threads", "1"},
                                       {"--repo", "."},
                                       {"--out", "elbo_runs.json"},
                                       {"--svgd-timing", "0"},
                                       {"--eta", "nan"}};
  for (int i = 1; i < argc; ++i) {
    std::string k = argv[i];
    if (!a.count(k) || i + 1 >= argc) {
      std::cerr << "accuracy_bench: unknown option or missing value '" << k << "'\n";
      return 2;
    }
    a[k] = argv[++i];
  }
  try {
    elbo::set_num_threads(std::stoi(a["--threads"]));
    if (std::stoll(a["--svgd-timing"]) > 0) {
      const auto targets = a["--targets"].empty() ? std::vector<std::string>{"logreg", "gaussian50", "logreg_autograd",
                                                                           "gaussian50_autograd"}
                                                  : split(a["--targets"], ',');
      svgd_timing(a["--repo"], targets, std::stoll(a["--svgd-timing"]), a["--out"]);
      return 0;
    }
    Settings s;
    s.draws = std::stoll(a["--draws"]);
    s.eta = std::stod(a["--eta"]);
    auto targets = a["--targets"].empty() ? acc::target_names() : split(a["--targets"], ',');
    json runs = json::array();
    for (const auto& target : targets) {
      auto model = acc::make_target(target, a["--repo"]);
      for (const auto& method : split(a["--methods"], ',')) {
        for (const auto& seed_s : split(a["--seeds"], ',')) {
          const uint64_t seed = std::stoull(seed_s);
          json run = {{"system", "elbo"}, {"method", method}, {"target", target}, {"seed", seed},
                      {"loadavg_1min", nullptr}};
          if (std::ifstream la("/proc/loadavg"); la) {
            double l = 0;
            la >> l;
            run["loadavg_1min"] = l;
          }
          try {
            run_method(method, target, model, seed, s, run);
            std::cerr << target << " " << method << " seed " << seed << ": "
                      << run["wall_seconds"].get<double>() << " s\n";
          } catch (const std::exception& e) {
            run["error"] = e.what();
            std::cerr << target << " " << method << " seed " << seed << ": ERROR " << e.what() << "\n";
          }
          runs.push_back(run);
          std::ofstream(a["--out"]) << json{{"runs", runs}}.dump(1) << "\n";  // partial results survive
        }
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "accuracy_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
