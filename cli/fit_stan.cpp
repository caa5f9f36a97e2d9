// `elbo fit stan --model m.stan --data d.json`: every elbo method on the
// user's own Stan program (compiled once, cached), and `elbo compile m.stan`
// to build ahead of time.
#include <torch/torch.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "advi_cli.hpp"
#include "commands.hpp"
#include "elbo/core/error.hpp"
#include "elbo/io/json_data_reader.hpp"
#include "elbo/io/progress_bar.hpp"
#include "elbo/stan/stan_density.hpp"
#include "fit_runner.hpp"
#include "run_fingerprint.hpp"

namespace elbo_cli {

namespace {

struct StanCliOptions {
  std::string model;
  std::string data;
  std::string cache_dir;
  bool force = false;
  uint32_t data_seed = 0;
  FitCliOptions fit;
};

void print_status(const std::string& line) {
  std::fprintf(stderr, "elbo: %s\n", line.c_str());
}

elbo::stan::StanCompileOptions compile_options(const std::string& cache_dir, bool force, bool quiet) {
  elbo::stan::StanCompileOptions c;
  c.cache_dir = cache_dir;
  c.force = force;
  // Status lines (slow steps ahead) are for a person watching, as the progress bar is.
  if (!quiet && elbo::io::stderr_is_terminal()) c.status = print_status;
  return c;
}

nlohmann::json compile_info(const elbo::stan::CompiledStanProgram& p, double load_seconds) {
  return {{"stan_file", p.stan_file}, {"library", p.library}, {"cached", p.cached},
          {"translated", p.translated}, {"syntax_changes", p.syntax_changes.size()},
          {"stanc_seconds", p.stanc_seconds}, {"compile_seconds", p.compile_seconds},
          {"load_seconds", load_seconds}};
}

bool is_init_keyword(const std::string& init) {
  return init == "auto" || init == "zero" || init == "random" || init == "laplace";
}

void run_fit_stan(StanCliOptions o) {
  if (o.model.empty()) throw elbo::ConfigError("fit stan: --model FILE.stan is required");
  // --init FILE.json: constrained values, mapped to θ by the program's own transforms.
  std::string init_file;
  if (!is_init_keyword(o.fit.init)) {
    init_file = o.fit.init;
    if (!std::filesystem::is_regular_file(init_file)) {
      throw elbo::ConfigError("--init is '" + init_file +
                              "': neither auto, zero, random, laplace nor an existing JSON file");
    }
    o.fit.init = "auto";
  }
  if (!o.data.empty() && !std::filesystem::is_regular_file(o.data)) {
    throw elbo::InputError(o.data, 0, "", "file does not exist");
  }
  const auto start = std::chrono::steady_clock::now();
  elbo::stan::StanModelOptions options;
  options.compile = compile_options(o.cache_dir, o.force, o.fit.quiet);
  options.seed = o.data_seed;
  elbo::stan::CompiledStanProgram compiled;
  auto density = elbo::stan::load_stan_model(o.model, o.data, options, &compiled);
  const double load_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  at::Tensor init;
  if (!init_file.empty()) {
    const elbo::stan::StanData inits(elbo::io::read_json_data(init_file));
    init = density->unconstrain(inits);
  }
  FitContext context;
  context.model_label = "stan:" + density->model_name();
  context.data_source = o.data.empty() ? "<no data>" : o.data;
  context.data_info = {{"file", context.data_source},
                       {"stan_file", o.model},
                       {"unconstrained_parameters", density->dim()},
                       {"parameters", density->parameter_names().size()},
                       {"written_values", density->output_names().size()}};
  if (!init_file.empty()) context.data_info["init_file"] = init_file;
  context.extra["compilation"] = compile_info(compiled, load_seconds);
  context.extra["compile_seconds"] = compiled.stanc_seconds + compiled.compile_seconds;
  o.fit.run_fingerprint = run_fingerprint({o.model, o.data}, "data-seed=" + std::to_string(o.data_seed));
  run_fit(density, o.fit, context, init);
}

struct CompileCliOptions {
  std::string model;
  std::string cache_dir;
  std::string translated;
  bool force = false;
  bool quiet = false;
};

void run_compile(const CompileCliOptions& o) {
  auto compiled = elbo::stan::compile_stan_program(o.model, compile_options(o.cache_dir, o.force, o.quiet));
  if (!o.translated.empty()) {
    std::filesystem::copy_file(compiled.translated, o.translated,
                               std::filesystem::copy_options::overwrite_existing);
  }
  if (o.quiet) return;
  for (const auto& change : compiled.syntax_changes) std::printf("upgraded %s\n", change.c_str());
  if (compiled.cached) {
    std::printf("%s: up to date (%s)\n", o.model.c_str(), compiled.library.c_str());
  } else {
    std::printf("%s: compiled in %.1f s (stanc %.1f s, C++ %.1f s) to %s\n", o.model.c_str(),
                compiled.stanc_seconds + compiled.compile_seconds, compiled.stanc_seconds,
                compiled.compile_seconds, compiled.library.c_str());
  }
}

}  // namespace

void add_fit_stan_command(CLI::App& fit) {
  auto options = std::make_shared<StanCliOptions>();
  auto* cmd = fit.add_subcommand("stan", "Your own model as a Stan program");
  cmd->add_option("--model", options->model, "The Stan program (today's or Stan 2.21's syntax)")
      ->required();
  cmd->add_option("--data", options->data, "Its data in CmdStan's JSON format (omit when it has none)");
  cmd->add_option("--cache-dir", options->cache_dir,
                  "Where compiled programs are kept (default: $XDG_CACHE_HOME/elbo/stan or ~/.cache/elbo/stan)");
  cmd->add_flag("--recompile", options->force, "Compile even when the program is in the cache");
  cmd->add_option("--data-seed", options->data_seed, "Seed of transformed data's RNG")->capture_default_str();
  add_fit_options(*cmd, options->fit, /*init_may_be_file=*/true);
  cmd->callback([options]() { run_fit_stan(*options); });
}

void add_compile_command(CLI::App& app) {
  auto options = std::make_shared<CompileCliOptions>();
  auto* cmd = app.add_subcommand("compile", "Compile a Stan program ahead of time (cached)");
  cmd->add_option("model", options->model, "The Stan program")->required();
  cmd->add_option("--cache-dir", options->cache_dir, "Where compiled programs are kept");
  cmd->add_option("--translated", options->translated,
                  "Also write the Stan 2.21 program that stanc compiled to this file");
  cmd->add_flag("--recompile", options->force, "Compile even when the program is in the cache");
  cmd->add_flag("--quiet", options->quiet, "Print nothing on success");
  cmd->callback([options]() { run_compile(*options); });
}

}  // namespace elbo_cli
