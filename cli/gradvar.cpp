// `elbo gradvar logistic|mixture`: at a fixed λ (the family's start, or after
// --warmup steps of SVI), draw R independent gradient estimates ∇λ ELBO from
// each estimator (the spec grammar of objective/make_score_objective.hpp) and
// report per-coordinate variances, their total relative to plain REINFORCE,
// the mean gradient norm and the time per estimate — the numbers a user needs
// to choose an estimator (Ranganath et al. 2014 compare estimators this way).
// A moving-average baseline keeps its state across the R replicates, as in SVI.
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <functional>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "elbo/core/error.hpp"
#include "elbo/core/random.hpp"
#include "elbo/family/categorical_family.hpp"
#include "elbo/family/make_family.hpp"
#include "elbo/family/mean_field_gaussian.hpp"
#include "elbo/family/product_family.hpp"
#include "elbo/infer/svi.hpp"
#include "elbo/io/csv_reader.hpp"
#include "elbo/model/model_density.hpp"
#include "elbo/models/design_matrix.hpp"
#include "elbo/models/gaussian_mixture_assignments.hpp"
#include "elbo/models/logistic_regression.hpp"
#include "elbo/objective/flat_gradient.hpp"
#include "elbo/objective/make_score_objective.hpp"

namespace elbo_cli {

extern const std::string_view default_data_csv;  // generated from data/breast_cancer.csv

namespace {

struct GradvarOptions {
  std::string model;
  std::string data;
  std::string estimators =
      "reinforce,reinforce+baseline,reinforce+cv,reinforce+rb,reinforce+cv+rb,odis:2,reparam,gumbel:0.5";
  int64_t draws = 10;
  int64_t replicates = 200;
  std::string family = "meanfield";
  int64_t clusters = 3;
  int64_t warmup = 0;
  std::string warmup_objective;  // empty: reparam when q has it, else reinforce+cv+rb
  int64_t warmup_eval_every = 100;
  uint64_t seed = 1;
  std::string output;
};

std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream ss(list);
  std::string item;
  while (std::getline(ss, item, ',')) {
    if (item.empty()) throw elbo::ConfigError("gradvar: --estimators has an empty entry in '" + list + "'");
    out.push_back(item);
  }
  if (out.empty()) throw elbo::ConfigError("gradvar: --estimators is empty");
  return out;
}

// The built-in mixture data: 3 clusters at −6, 0, 6 (σ = 1), 20 points each.
at::Tensor builtin_mixture_data() {
  auto gen = elbo::make_generator(20261124);
  std::vector<at::Tensor> parts;
  for (double m : {-6.0, 0.0, 6.0}) parts.push_back(m + torch::randn({20}, gen, torch::kDouble));
  return torch::cat(parts).unsqueeze(1);
}

at::Tensor read_matrix(const std::string& path) {
  if (!std::filesystem::exists(path)) throw elbo::InputError(path, 0, "", "file does not exist");
  auto table = elbo::io::read_csv(path);
  if (table.rows < 1) throw elbo::InputError(path, 0, "", "no data rows");
  const int64_t cols = static_cast<int64_t>(table.columns.size());
  return torch::tensor(table.values, torch::kDouble).reshape({static_cast<int64_t>(table.rows), cols});
}

void run_gradvar(const GradvarOptions& o) {
  if (o.draws < 1) throw elbo::ConfigError("gradvar: --draws is " + std::to_string(o.draws) + ", but must be at least 1");
  if (o.replicates < 2) {
    throw elbo::ConfigError("gradvar: --replicates is " + std::to_string(o.replicates) + ", but must be at least 2");
  }
  if (o.warmup < 0) throw elbo::ConfigError("gradvar: --warmup is " + std::to_string(o.warmup) + ", but must be at least 0");
  const auto specs = split_list(o.estimators);
  for (const auto& s : specs) elbo::objective::make_score_objective(s, o.draws);  // validate first
  if (!o.warmup_objective.empty()) elbo::objective::make_score_objective(o.warmup_objective, o.draws);

  std::shared_ptr<elbo::model::Model> model;
  std::function<elbo::family::FamilyPtr()> make_q;
  std::string source;
  if (o.model == "logistic") {
    auto table = o.data.empty() ? elbo::io::parse_csv(default_data_csv, "<built-in breast_cancer.csv>")
                                : elbo::io::read_csv(o.data);
    source = table.source;
    auto design = elbo::models::design_matrix(
        table, elbo::models::DesignMatrixOptions().target(o.data.empty() ? "malignant_is_0" : "").standardize(true));
    model = std::make_shared<elbo::models::LogisticRegression>(design.X, design.y);
    const int64_t D = design.X.size(1) + 1;
    const std::string fam = o.family;
    const uint64_t seed = o.seed;
    make_q = [fam, D, seed] { return elbo::family::make_family(fam, D, seed); };
  } else if (o.model == "mixture") {
    if (o.clusters < 2) throw elbo::ConfigError("gradvar: --clusters is " + std::to_string(o.clusters) + ", but must be at least 2");
    if (o.family != "meanfield") {
      throw elbo::ConfigError("gradvar: --family for mixture must be meanfield (Gaussian means × categorical assignments), not '" + o.family + "'");
    }
    auto x = o.data.empty() ? builtin_mixture_data() : read_matrix(o.data);
    source = o.data.empty() ? "<built-in 3-cluster set, 60 points>" : o.data;
    auto mix = std::make_shared<elbo::models::GaussianMixtureAssignments>(x, o.clusters);
    model = mix;
    const int64_t C = o.clusters, P = mix->num_dims(), N = mix->num_points();
    make_q = [C, P, N] {
      return std::make_shared<elbo::family::ProductFamily>(std::vector<elbo::family::FamilyPtr>{
          std::make_shared<elbo::family::MeanFieldGaussian>(C * P),
          std::make_shared<elbo::family::CategoricalFamily>(N, C)});
    };
  } else {
    throw elbo::ConfigError("gradvar: unknown model '" + o.model + "' (logistic or mixture)");
  }
  auto p = std::make_shared<elbo::model::ModelDensity>(model);

  // The fixed λ: the family's start, or after --warmup SVI steps.
  auto q0 = make_q();
  nlohmann::json warmup_info = nullptr;
  if (o.warmup > 0) {
    if (o.warmup_eval_every < 1) {
      throw elbo::ConfigError("gradvar: --warmup-eval-every is " + std::to_string(o.warmup_eval_every) +
                              ", but must be at least 1");
    }
    elbo::optim::OptimizerOptions adam;
    adam.method = "adam";
    adam.eta = 0.05;
    adam.schedule = "constant";
    elbo::infer::SviOptions svi_options;
    svi_options.max_iterations = o.warmup;
    svi_options.eval_every = o.warmup_eval_every;
    svi_options.tol_rel_obj = 1e-12;
    svi_options.seed = o.seed;
    const std::string spec =
        !o.warmup_objective.empty() ? o.warmup_objective : q0->has_rsample() ? "reparam" : "reinforce+cv+rb";
    elbo::infer::Svi svi(p, q0, elbo::objective::make_score_objective(spec, o.draws), adam, svi_options);
    auto result = svi.run();
    nlohmann::json trace = nlohmann::json::array();
    for (const auto& t : result.trace) trace.push_back({{"iteration", t.iteration}, {"elbo", t.elbo}});
    warmup_info = {{"objective", spec}, {"iterations", result.iterations}, {"seconds", result.seconds},
                   {"eta", adam.eta}, {"trace", trace}};
    fmt::print("warm-up: {} steps of {} in {:.2f} s, final ELBO {}\n", result.iterations, spec, result.seconds,
               result.trace.empty() ? NAN : result.trace.back().elbo);
  }

  nlohmann::json rows = nlohmann::json::array();
  double plain_total = NAN;
  fmt::print("gradvar: model {}, data {}, family {}, K = {}, R = {}, warmup {}\n", o.model, source,
             q0->family_name(), o.draws, o.replicates, o.warmup);
  fmt::print("{:<26} {:>14} {:>10} {:>14} {:>12} {:>12}\n", "estimator", "total var", "vs plain",
             "max coord var", "mean |g|", "ms/estimate");
  for (const auto& spec : specs) {
    auto q = q0->clone_family();
    auto objective = elbo::objective::make_score_objective(spec, o.draws);
    auto gen = elbo::make_generator(o.seed);
    nlohmann::json row = {{"estimator", spec}};
    try {
      std::vector<at::Tensor> g;
      g.reserve(o.replicates);
      const auto t0 = std::chrono::steady_clock::now();
      for (int64_t r = 0; r < o.replicates; ++r) g.push_back(elbo::objective::flat_gradient(*objective, *p, *q, gen));
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() /
                        static_cast<double>(o.replicates);
      auto G = torch::stack(g);
      if (!torch::isfinite(G).all().item<bool>()) throw elbo::NumericalError("non-finite gradient estimates");
      auto var = G.var(0).contiguous();
      const double total = var.sum().item<double>();
      if (spec == "reinforce") plain_total = total;
      const double norm = G.norm(2, 1).mean().item<double>();
      const double max_var = var.max().item<double>();
      std::vector<double> per(var.data_ptr<double>(), var.data_ptr<double>() + var.numel());
      auto mean = G.mean(0).contiguous();
      std::vector<double> mean_g(mean.data_ptr<double>(), mean.data_ptr<double>() + mean.numel());
      row.update({{"applicable", true}, {"total_variance", total}, {"max_coordinate_variance", max_var},
                  {"mean_gradient_norm", norm}, {"ms_per_estimate", ms},
                  {"coordinate_variance", per}, {"mean_gradient", mean_g}});
    } catch (const elbo::DomainError& e) {
      row.update({{"applicable", false}, {"reason", e.what()}});
    } catch (const elbo::NumericalError& e) {
      row.update({{"applicable", false}, {"reason", e.what()}});
    }
    rows.push_back(row);
  }
  for (auto& row : rows) {
    if (!row["applicable"].get<bool>()) {
      fmt::print("{:<26} not applicable: {}\n", row["estimator"].get<std::string>(), row["reason"].get<std::string>());
      continue;
    }
    const double total = row["total_variance"].get<double>();
    const double ratio = std::isnan(plain_total) ? NAN : total / plain_total;
    row["ratio_vs_reinforce"] = std::isnan(ratio) ? nlohmann::json(nullptr) : nlohmann::json(ratio);
    fmt::print("{:<26} {:>14.6g} {:>10.4g} {:>14.6g} {:>12.6g} {:>12.3f}\n", row["estimator"].get<std::string>(),
               total, ratio, row["max_coordinate_variance"].get<double>(),
               row["mean_gradient_norm"].get<double>(), row["ms_per_estimate"].get<double>());
  }
  if (!o.output.empty()) {
    nlohmann::json out = {{"model", o.model}, {"data", source}, {"family", q0->family_name()},
                          {"draws", o.draws}, {"replicates", o.replicates}, {"warmup", o.warmup},
                          {"seed", o.seed}, {"num_parameters", rows.empty() ? 0 : 0},
                          {"estimators", rows}};
    int64_t n = 0;
    for (auto& t : q0->parameters()) n += t.numel();
    out["num_parameters"] = n;
    out["warmup_run"] = warmup_info;
    std::ofstream f(o.output);
    if (!f) throw elbo::InputError(o.output, 0, "", "cannot open for writing");
    f << out.dump(2) << "\n";
  }
}

}  // namespace

void add_gradvar_command(CLI::App& app) {
  auto o = std::make_shared<GradvarOptions>();
  auto* cmd = app.add_subcommand("gradvar", "Compare the variance of gradient estimators at a fixed q");
  cmd->add_option("model", o->model, "logistic (breast cancer by default) or mixture (built-in 3-cluster set)")
      ->required();
  cmd->add_option("--data", o->data, "CSV data file (logistic: features + target; mixture: one row per point)");
  cmd->add_option("--estimators", o->estimators, "Comma-separated estimator specs")->capture_default_str();
  cmd->add_option("--draws", o->draws, "Draws K per estimate")->capture_default_str();
  cmd->add_option("--replicates", o->replicates, "Independent estimates R per estimator")->capture_default_str();
  cmd->add_option("--family", o->family, "Variational family (logistic: any make_family spec)")->capture_default_str();
  cmd->add_option("--clusters", o->clusters, "Mixture components C (mixture)")->capture_default_str();
  cmd->add_option("--warmup", o->warmup, "SVI steps before measuring (reparam, or reinforce+cv+rb)")->capture_default_str();
  cmd->add_option("--warmup-objective", o->warmup_objective,
                  "Warm-up estimator spec (default: reparam when q has it, else reinforce+cv+rb)");
  cmd->add_option("--warmup-eval-every", o->warmup_eval_every, "Warm-up steps between ELBO evaluations (trace in --output)")
      ->capture_default_str();
  cmd->add_option("--seed", o->seed, "Random seed")->capture_default_str();
  cmd->add_option("--output", o->output, "Write the results (per-coordinate variances included) as JSON");
  cmd->callback([o] { run_gradvar(*o); });
}

}  // namespace elbo_cli
