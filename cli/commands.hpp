#pragma once
// Each CLI command lives in its own file and registers itself here. A command's
// callback parses, validates, loads, fits and writes; it throws elbo's typed
// errors, which main() alone turns into one line on stderr and an exit code.
#include <CLI/CLI.hpp>

namespace elbo_cli {

/// `elbo fit linear|logistic|poisson` (cli/fit_glm.cpp).
void add_fit_glm_commands(CLI::App& fit);
/// `elbo fit eight_schools` (cli/fit_eight_schools.cpp).
void add_fit_eight_schools_command(CLI::App& fit);
/// `elbo fit stan` and `elbo compile` (cli/fit_stan.cpp).
void add_fit_stan_command(CLI::App& fit);
void add_compile_command(CLI::App& app);
/// `elbo fit lda` and `elbo fit gmm` (cli/fit_lda.cpp, cli/fit_gmm.cpp).
void add_fit_lda_command(CLI::App& fit);
void add_fit_gmm_command(CLI::App& fit);
/// `elbo fit hmm` (cli/fit_hmm.cpp).
void add_fit_hmm_command(CLI::App& fit);
/// `elbo fit gp` (cli/fit_gp.cpp).
void add_fit_gp_command(CLI::App& fit);
/// `elbo train vae` and `elbo eval vae` (cli/train_vae.cpp, cli/eval_vae.cpp).
void add_vae_commands(CLI::App& app);
/// `elbo gradvar logistic|mixture` (cli/gradvar.cpp).
void add_gradvar_command(CLI::App& app);
/// `elbo report DIR` (cli/report.cpp).
void add_report_command(CLI::App& app);
/// `elbo predict --model DIR --data NEW` (cli/predict.cpp).
void add_predict_command(CLI::App& app);

}  // namespace elbo_cli
